"""JSONTestSuite over the real wire: the server answers every file as the core does.

tests/data/JSONTestSuite/README.md: each file of at most 65,536 bytes without a
``\\n`` byte, sent as one frame, comes back as the ``error`` code
``pytest_chatlab.decode`` gives (or, where it decodes, the room's normal
answer); the connection stays open and a ``sync`` after it is answered; a
larger file gets ``frame_too_large`` and is closed.

The expected frames are computed in-process by the bound core
(``FrameBuffer`` then ``Room.handle_line``, on a room that mirrors the
connection: session 1 is the sender, guest-1; session 2 a listener, guest-2),
so this is a check that the wire and the core agree, frame for frame, for
both members. Files with a ``\\n`` inside are sent too: the framer cuts them
into several lines, and the core predicts those as well. The one empty file
is an empty line on the wire, which docs/protocol.md ignores.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import pytest_chatlab as chatlab
from pytest_chatlab.mock import MockClient
from pytest_chatlab.server import ChatServer
from support.conformance import SUITE

Connect = Callable[..., MockClient]
Frame = dict[str, object]

MAX_FRAME = 65_536
SENDER, LISTENER = 1, 2


def suite_files(prefix: str, *, large: bool) -> list[Path]:
    files = sorted(SUITE.glob(prefix + "*.json"))
    return [p for p in files if (p.stat().st_size > MAX_FRAME) == large]


def decode_code(data: bytes) -> str | None:
    """The error code ``pytest_chatlab.decode`` gives, or None when it decodes."""
    try:
        chatlab.decode(data)
    except chatlab.ProtocolError as error:
        return error.code
    return None


def core_answer(room: chatlab.Room, data: bytes) -> dict[int, list[Frame]]:
    """What each member should receive when the sender sends ``data`` + ``\\n``."""
    got: dict[int, list[Frame]] = {SENDER: [], LISTENER: []}
    for line in chatlab.FrameBuffer(MAX_FRAME).feed(data + b"\n"):
        for out in room.handle_line(SENDER, line):
            assert not out.close, out
            if out.target == chatlab.Target.One:
                targets = [out.session]
            elif out.target == chatlab.Target.All:
                targets = [SENDER, LISTENER]
            else:
                targets = [s for s in (SENDER, LISTENER) if s != out.session]
            for target in targets:
                got[target].append(out.message.to_dict())
    return got


def show(frames: list[Frame]) -> str:
    return json.dumps(frames, ensure_ascii=False)[:300]


@pytest.mark.parametrize("prefix", ["y_", "n_", "i_"])
def test_every_file_gets_the_cores_answer_and_the_connection_stays(
    server_process: ChatServer, new_client: Connect, prefix: str
) -> None:
    sender = new_client(label="sender")  # guest-1, session 1
    sender.sync()
    listener = new_client(label="listener")  # guest-2, session 2
    listener.sync()
    sender.sync()  # the listener's join and roster
    room = chatlab.Room()
    room.join(SENDER)
    room.join(LISTENER)

    files = suite_files(prefix, large=False)
    assert len(files) >= 30  # 95 y_, 188 n_, 35 i_ small files in the suite
    mismatches: list[str] = []
    heard: list[Frame] = []
    for path in files:
        data = path.read_bytes()
        expected = core_answer(room, data)
        heard += expected[LISTENER]
        sender.send_raw(data + b"\n")
        got = sender.sync()  # answered: the connection is still served
        if got != expected[SENDER]:
            mismatches.append(f"{path.name}: wire {show(got)} != core {show(expected[SENDER])}")
        if b"\n" in data:
            continue
        code = decode_code(data)
        if not data:
            wanted: list[Frame] | str = []  # an empty line is ignored
        elif code is not None:
            wanted = [{"type": "error", "code": code}]
        else:
            wanted = "the room's answer"  # compared with the core above
        if isinstance(wanted, list):
            simple = [{k: f[k] for k in ("type", "code") if k in f} for f in got]
            if simple != wanted:
                mismatches.append(f"{path.name}: wire {show(got)}, decode says {wanted}")
        if prefix == "n_" and data and code != "bad_json":
            mismatches.append(f"{path.name}: decode gives {code}, not bad_json")
    assert listener.sync() == heard
    assert not mismatches, f"{len(mismatches)} of {len(files)} files:\n" + "\n".join(mismatches)
    assert not sender.server_closed
    sender.send_text("/who")
    assert sender.sync()[0]["text"] == "users: guest-1, guest-2"


@pytest.mark.parametrize(
    "path",
    suite_files("", large=True),
    ids=lambda p: p.name,
)
def test_a_file_larger_than_the_limit_is_too_large_and_closed(
    new_client: Connect, path: Path
) -> None:
    bystander = new_client(label="bystander")
    bystander.sync()
    client = new_client(label=path.name)
    client.sync()
    # The server may close before it has read it all: allowed.
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        client.send_raw(path.read_bytes() + b"\n")
    started = time.monotonic()
    assert client.wait_closed(timeout=1.0)
    assert time.monotonic() - started < 1.0
    frames = client.recv_until_idle()
    assert [(f["type"], f.get("code")) for f in frames] == [("error", "frame_too_large")]
    assert bystander.recv_until(lambda f: f["type"] == "leave") == [
        {"type": "join", "user": "guest-2"},
        {"type": "roster", "users": ["guest-1", "guest-2"]},
        {"type": "leave", "user": "guest-2"},
    ]
    assert bystander.expect(type="roster") == {"type": "roster", "users": ["guest-1"]}
