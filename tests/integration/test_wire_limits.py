"""docs/protocol.md's three closing limits over the real wire.

``--max-frame-bytes`` (frame_too_large: closed after the frame; the count
includes a trailing ``\\r``; refused without waiting for a newline; frames
before it handled first), ``--max-outbound-bytes`` (slow_consumer: closed
within 2 s, the other receivers get everything in order) and
``--max-clients`` (server_full: closed, and no guest-N number taken).
"""

from __future__ import annotations

import os
import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_chatlab.mock import ConnectionClosedError, MockClient
from pytest_chatlab.server import ChatServer

Connect = Callable[..., MockClient]
Factory = Callable[..., ChatServer]

SMALL = 64


def sync_frame(size: int, sync_id: str = "s") -> bytes:
    """A sync frame of exactly ``size`` bytes (no newline), padded by an unknown field."""
    head = f'{{"id":"{sync_id}","pad":"'.encode()
    tail = b'","type":"sync"}'
    pad = size - len(head) - len(tail)
    assert pad >= 0
    return head + b"p" * pad + tail


def refused_and_closed(client: MockClient) -> list[dict[str, object]]:
    """Asserts the server closes ``client`` within 1 s; returns everything it sent."""
    started = time.monotonic()
    assert client.wait_closed(timeout=1.0), f"{client.label} still open after 1 s"
    assert time.monotonic() - started < 1.0
    frames = client.recv_until_idle()
    assert frames, "no frame before the close"
    assert (frames[-1]["type"], frames[-1]["code"]) == ("error", "frame_too_large")
    return frames


# -- --max-frame-bytes ---------------------------------------------------------------


@pytest.mark.parametrize("limit", [SMALL, 65_536])
def test_frames_of_limit_minus_1_and_limit_pass_limit_plus_1_closes(
    chatlab_server_factory: Factory, new_client: Connect, limit: int
) -> None:
    server = chatlab_server_factory(max_frame_bytes=None if limit == 65_536 else limit)
    client = new_client(server, label="sizes")
    client.sync()
    for size in (limit - 1, limit):
        data = sync_frame(size, f"n{size}")
        assert len(data) == size
        client.send_raw(data + b"\n")
        assert client.recv() == {"type": "sync", "id": f"n{size}"}
    client.send_raw(sync_frame(limit + 1, "over") + b"\n")
    assert len(refused_and_closed(client)) == 1  # the error alone, no sync answer


@pytest.mark.parametrize(
    ("frame", "ok"),
    [
        (sync_frame(SMALL - 1) + b"\r\n", True),  # SMALL bytes with the \r: fits
        (sync_frame(SMALL) + b"\r\n", False),  # the \r is the 65th byte
    ],
    ids=["limit_with_cr", "limit_plus_cr"],
)
def test_a_trailing_cr_counts_toward_the_limit(
    chatlab_server_factory: Factory, new_client: Connect, frame: bytes, ok: bool
) -> None:
    client = new_client(chatlab_server_factory(max_frame_bytes=SMALL))
    client.sync()
    client.send_raw(frame)
    if ok:
        assert client.sync() == [{"type": "sync", "id": "s"}]
    else:
        refused_and_closed(client)


def test_an_unterminated_frame_past_the_limit_is_refused_without_a_newline(
    chatlab_server_factory: Factory, new_client: Connect
) -> None:
    server = chatlab_server_factory(max_frame_bytes=SMALL)
    exact = new_client(server, label="exact")
    exact.sync()
    data = sync_frame(SMALL)
    exact.send_split(data + b"\n", at=[SMALL], delay=0.05)  # SMALL bytes wait for their \n
    assert exact.sync() == [{"type": "sync", "id": "s"}]
    over = new_client(server, label="over")
    over.sync()
    over.send_raw(b"x" * (SMALL + 1))  # never a newline
    frames = refused_and_closed(over)
    assert len(frames) == 1


def test_frames_before_the_oversized_one_in_the_same_send_are_handled_first(
    chatlab_server_factory: Factory, new_client: Connect
) -> None:
    server = chatlab_server_factory(max_frame_bytes=SMALL)
    listener = new_client(server, label="listener")
    listener.sync()
    sender = new_client(server, label="sender")
    sender.sync()
    listener.sync()
    sender.send_raw(
        b'{"type":"chat","text":"first"}\n'
        b'{"type":"sync","id":"before"}\n'
        + b"y" * (SMALL + 1)
        + b'\n{"type":"chat","text":"after"}\n'
    )
    frames = refused_and_closed(sender)
    assert frames[:-1] == [{"type": "sync", "id": "before"}]
    assert listener.recv_until(lambda f: f["type"] == "roster") == [
        {"type": "chat", "from": "guest-2", "text": "first"},
        {"type": "leave", "user": "guest-2"},
        {"type": "roster", "users": ["guest-1"]},
    ]
    assert listener.sync() == []  # "after" was never handled


# -- --max-outbound-bytes ------------------------------------------------------------


def test_a_reader_that_stops_reading_is_dropped_and_the_others_get_everything(
    chatlab_server_factory: Factory, new_client: Connect
) -> None:
    server = chatlab_server_factory(max_outbound_bytes=65_536)
    readers = [new_client(server, label=f"reader-{i}") for i in range(2)]
    slow = new_client(server, label="slow")  # guest-3: never reads until the end
    pusher = new_client(server, label="pusher")
    for reader in readers:
        reader.recv_until(lambda f: f["type"] == "roster" and len(f["users"]) == 4)
    pusher.sync()

    text_bytes, per_round, total = 4000, 4, 2_500  # 2,500 frames of 4 kB: 10 MB
    received: dict[str, list[int]] = {reader.label: [] for reader in readers}
    dropped_during_push = False
    deadline = time.monotonic() + 15.0
    for start in range(0, total, per_round):
        assert time.monotonic() < deadline, f"pushing stalled at frame {start}"
        batch = range(start, min(start + per_round, total))
        pusher.send_raw(
            b"".join(
                f'{{"type":"chat","text":"{i:06d}{"x" * text_bytes}"}}\n'.encode() for i in batch
            )
        )
        last = f"{batch[-1]:06d}"
        for reader in readers:  # lockstep: each reader stays far below the limit
            frames = reader.recv_until(
                lambda f, last=last: f["type"] == "chat" and f["text"][:6] == last,
                timeout=5.0,
            )
            received[reader.label] += [
                int(f["text"][:6])
                for f in frames
                if f["type"] == "chat" and f["text"][6:] == "x" * text_bytes
            ]
            dropped_during_push |= {"type": "leave", "user": "guest-3"} in frames
    for reader in readers:
        assert received[reader.label] == list(range(total))
    assert dropped_during_push, "the slow reader was not dropped while 10 MB went by"

    assert slow.wait_closed(timeout=5.0), "the server never closed the slow reader"
    frames = slow.recv_until_idle()
    errors = [f for f in frames if f["type"] == "error"]
    assert errors in ([], [frames[-1]]), "an error frame may only come last"
    if errors:
        assert errors[0]["code"] == "slow_consumer"
    with pytest.raises(ConnectionClosedError):
        slow.recv(timeout=0.1)
    chats = [int(f["text"][:6]) for f in frames if f["type"] == "chat"]
    assert chats == list(range(len(chats)))  # a prefix, in order, whole frames only
    assert len(chats) < total


# -- --max-clients --------------------------------------------------------------------


def test_one_client_too_many_gets_server_full_and_takes_no_guest_number(
    chatlab_server_factory: Factory, new_client: Connect
) -> None:
    server = chatlab_server_factory(max_clients=2)
    first = new_client(server, label="first")
    second = new_client(server, label="second")
    assert first.recv_until(lambda f: f["type"] == "roster" and len(f["users"]) == 2)
    second.sync()
    for attempt in range(3):
        refused = new_client(server, label=f"refused-{attempt}")
        assert refused.wait_closed(timeout=1.0)
        [error] = refused.recv_until_idle()
        assert (error["type"], error["code"]) == ("error", "server_full")
    assert first.sync() == []  # no join, no roster for a refused connection
    second.close()
    assert first.recv_until(lambda f: f["type"] == "roster") == [
        {"type": "leave", "user": "guest-2"},
        {"type": "roster", "users": ["guest-1"]},
    ]
    third = new_client(server, label="third")
    assert third.sync() == [
        {"type": "notice", "from": "server", "text": "welcome, guest-3"},
        {"type": "roster", "users": ["guest-1", "guest-3"]},
    ]


# -- out of file descriptors ------------------------------------------------------------

FD_LIMIT = 32


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_out_of_descriptors_sheds_without_a_frame_never_spins_and_recovers(
    server_path: Path, tmp_path: Path, new_client: Connect
) -> None:
    capped = tmp_path / "capped-server"
    # ulimit without -S or -H sets both, so the server cannot raise its own.
    capped.write_text(
        f'#!/bin/sh\nulimit -n {FD_LIMIT}\nexec {shlex.quote(str(server_path))} "$@"\n'
    )
    capped.chmod(0o755)
    with ChatServer(capped) as server:
        members = []
        for _ in range(FD_LIMIT):  # more than fit, whatever the server holds open itself
            client = new_client(server=server)
            try:
                client.recv(timeout=2.0)  # the welcome, or the end without a frame
            except ConnectionClosedError:
                break
            members.append(client)
        else:
            pytest.fail(f"{FD_LIMIT} members fit under a limit of {FD_LIMIT} descriptors")
        for _ in range(5):  # a burst of connections the server cannot take
            with pytest.raises(ConnectionClosedError):
                new_client(server=server).recv(timeout=2.0)
        # Nothing to await: the point is that nothing happens. A listener that
        # spins on EMFILE would burn this whole interval.
        before = cpu_seconds(server.pid)
        assert not members[0].wait_closed(timeout=0.5)
        assert cpu_seconds(server.pid) - before < 0.2
        for member in members[-3:]:
            member.close()
        members[0].recv_until(
            lambda f: f["type"] == "leave" and f["user"] == f"guest-{len(members)}"
        )
        members[0].sync()
        newcomer = new_client(server=server)
        assert newcomer.recv()["text"].startswith("welcome, guest-")
        assert newcomer.sync()[-1]["type"] == "roster"
