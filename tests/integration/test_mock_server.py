"""MockServer's default behaviour, pinned to chatlab-server's.

Each script is played twice, once against the real server and once against
a MockServer with the same limits, by the same MockClients, and what every
client received is compared frame by frame, in canonical form; the raw
bytes of one whole conversation are compared too. A script waits only on
what the protocol guarantees (a sync answer, a roster, the end of the
connection), so both runs are deterministic.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from pytest_chatlab import MockServer, wire
from pytest_chatlab.line import HasAddress
from pytest_chatlab.mock import MockClient

Connect = Callable[[str], MockClient]


@dataclass(frozen=True)
class Script:
    name: str
    play: Callable[[Connect], None]
    limits: dict[str, int] = field(default_factory=dict)


def roster_of(count: int) -> Callable[[dict[str, Any]], bool]:
    return lambda f: f["type"] == "roster" and len(f["users"]) == count


def chat_and_commands(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    alice.recv_until(roster_of(2))
    alice.send_text("/name alice")
    alice.sync()
    bob.send_text("hi all")
    bob.send_json({"type": "chat", "text": "spoof", "from": "alice"})
    bob.sync()
    alice.send_text("/who")
    alice.send_text("ping")
    alice.sync()  # bob's copies are queued before anything bob asks next
    bob.send_text("/help")
    bob.send_text("/bogus and more")
    bob.send_text("/name alice")
    bob.send_text("/name server")
    bob.send_text("/name not valid!")
    bob.send_text("/name ALICE")
    alice.send_json({"type": "sync", "id": "mine"})
    bob.sync()
    alice.sync()


def refusals(connect: Connect) -> None:
    alice = connect("alice")
    for line in (
        b"not json\n",
        b'{"type":"shout"}\n',
        b'{"type":"chat","text":7}\n',
        b"[1,2]\n",
        b"\xff\xfe\n",
        b'{"type":"sync"}\n',
        b"\r\n",
        b'{"type":"chat","text":"' + b"x" * 5000 + b'"}\n',
    ):
        alice.send_raw(line)
    alice.sync()


def frames_split_at_every_byte(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    alice.recv_until(roster_of(2))
    frame = wire.encode({"type": "chat", "text": "h\u00e9llo \u2603"})
    bob.send_split(frame, at=range(1, len(frame)))
    bob.sync()
    alice.expect(type="chat")


def leaving_every_way(connect: Connect) -> None:
    stays, closes, resets, half = (connect(n) for n in ("stays", "closes", "resets", "half"))
    stays.recv_until(roster_of(4))
    closes.close()
    stays.recv_until(roster_of(3))
    resets.send_raw(b'{"type":"chat","te')
    resets.abort()
    stays.recv_until(roster_of(2))
    half.send_text("/who")
    half.send_raw(b'{"type":"chat","text":"dropped tail"')
    half.shutdown_write()
    assert half.wait_closed()
    stays.recv_until(roster_of(1))
    late = connect("late")  # guest-5: numbers are never reused
    late.sync()
    stays.sync()


def server_full(connect: Connect) -> None:
    first, second = connect("first"), connect("second")
    first.recv_until(roster_of(2))
    refused = connect("refused")
    assert refused.wait_closed()
    second.sync()
    first.sync()


def frame_too_large(connect: Connect) -> None:
    stays, big = connect("stays"), connect("big")
    stays.recv_until(roster_of(2))
    big.send_text("before")
    big.send_raw(b'{"type":"chat","text":"' + b"x" * 80)
    assert big.wait_closed()
    stays.recv_until(roster_of(1))
    stays.sync()


SCRIPTS = [
    Script("chat and commands", chat_and_commands),
    Script("refusals", refusals),
    Script("frames split at every byte", frames_split_at_every_byte),
    Script("leaving every way", leaving_every_way),
    Script("server full", server_full, {"max_clients": 2}),
    Script("frame too large", frame_too_large, {"max_frame_bytes": 64}),
]


def received(script: Script, new_client: Callable[..., MockClient], server: HasAddress) -> dict:
    """What each client of ``script`` received from ``server``, frame by frame."""
    clients: list[MockClient] = []

    def connect(label: str) -> MockClient:
        client = new_client(server=server, label=label)
        clients.append(client)
        return client

    script.play(connect)
    return {client.label: [canonical(f) for f in client.frames] for client in clients}


def canonical(frame: dict[str, Any]) -> str:
    """The frame's canonical line; MockClient.sync's own ids (a counter of the
    process) made equal."""
    if frame["type"] == "sync" and str(frame.get("id")).startswith("mock-sync-"):
        frame = {**frame, "id": "mock-sync-N"}
    return wire.canonical(frame)


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_the_mock_server_answers_every_client_as_chatlab_server_does(
    script, chatlab_server_factory, new_client
):
    real = chatlab_server_factory(**script.limits)
    with MockServer(**script.limits) as mock:
        from_mock = received(script, new_client, mock)
        mock.check()
    from_real = received(script, new_client, real)

    assert from_mock == from_real
    assert sum(len(frames) for frames in from_real.values()) > 4  # the script did something


def raw_conversation(address: tuple[str, int]) -> bytes:
    """The bytes one raw client reads: a few requests, up to the sync answer."""
    with socket.create_connection(address, timeout=5.0) as sock:
        sock.sendall(
            b'{"text":"/name zo\\u00eb","type":"chat"}\n{"type":"chat","text":"/who"}\n'
            b'{ "type" : "sync" , "id" : "end" }\n'
        )
        data = b""
        while not data.endswith(b'{"id":"end","type":"sync"}\n'):
            chunk = sock.recv(65536)
            assert chunk, f"closed early after {data!r}"
            data += chunk
        return data


def test_the_bytes_on_the_wire_are_the_real_servers(server_process, mock_server):
    assert raw_conversation(mock_server.address) == raw_conversation(server_process.address)
