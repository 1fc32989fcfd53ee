"""What an accepted frame means over the real wire, and the bytes the server sends.

docs/protocol.md: decoding is liberal (any key order and whitespace, unknown
fields ignored, duplicate keys: the last wins, depth up to 32, numbers that
underflow); a client's ``from`` is ignored and the sender's real name is
stamped; sizes up to the limits are served; and what the server writes is
the canonical encoding, byte for byte.
"""

from __future__ import annotations

import json
import select
import socket
import time
from collections.abc import Callable

import pytest

from pytest_chatlab.mock import MockClient
from pytest_chatlab.server import ChatServer

Connect = Callable[..., MockClient]


def pair(new_client: Connect) -> tuple[MockClient, MockClient]:
    """(listener guest-1, talker guest-2), both past every greeting frame."""
    listener = new_client(label="listener")
    listener.sync()
    talker = new_client(label="talker")
    talker.sync()
    assert [f["type"] for f in listener.sync()] == ["join", "roster"]
    return listener, talker


def canonical(frame: dict[str, object]) -> bytes:
    return json.dumps(frame, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


# -- a client's "from" -------------------------------------------------------------


@pytest.mark.parametrize(
    "claimed",
    ['"alice"', '"server"', '"guest-1"', "42", '{"name":"alice"}', "null", '["alice"]'],
)
def test_a_client_supplied_from_is_ignored(new_client: Connect, claimed: str) -> None:
    listener, talker = pair(new_client)
    talker.send_raw(b'{"from":' + claimed.encode() + b',"type":"chat","text":"spoof"}\n')
    assert talker.sync() == []
    assert listener.sync() == [{"type": "chat", "from": "guest-2", "text": "spoof"}]


def test_from_is_the_current_name_after_a_rename(new_client: Connect) -> None:
    listener, talker = pair(new_client)
    talker.send_text("/name bob")
    assert talker.sync() == [{"type": "roster", "users": ["guest-1", "bob"]}]
    talker.send_json({"type": "chat", "from": "alice", "text": "hi"})
    assert talker.sync() == []
    assert listener.sync() == [
        {"type": "roster", "users": ["guest-1", "bob"]},
        {"type": "chat", "from": "bob", "text": "hi"},
    ]


# -- fields a frame's type does not define (docs/protocol.md 1.1 "Field types") ------------


@pytest.mark.parametrize(
    "line",
    [
        b'{"type":"chat","text":"hi","id":1}',
        b'{"type":"chat","text":"hi","user":false,"code":[1],"users":"x"}',
    ],
)
def test_a_chat_is_served_whatever_its_undefined_fields_hold(
    new_client: Connect, line: bytes
) -> None:
    listener, talker = pair(new_client)
    talker.send_raw(line + b"\n")
    assert talker.sync() == []
    assert listener.sync() == [{"type": "chat", "from": "guest-2", "text": "hi"}]


def test_a_sync_is_answered_whatever_its_undefined_fields_hold(new_client: Connect) -> None:
    client = new_client()
    client.sync()
    client.send_raw(b'{"type":"sync","id":"k","text":false,"users":7}\n')
    assert client.recv() == {"type": "sync", "id": "k"}


# -- liberal decoding and the limits that are still accepted ---------------------------

ACCEPTED_CHATS = [
    ("key_order", b'{"text":"hi","type":"chat"}', "hi"),
    ("whitespace", b' { "type" : "chat" ,\t"text" : "hi" } ', "hi"),
    ("unknown_fields", b'{"type":"chat","text":"hi","x":[1,{"y":null}],"users":5}', "hi"),
    ("duplicate_keys_last_wins", b'{"type":"chat","text":"a","text":"b"}', "b"),
    ("duplicate_type_last_wins", b'{"type":"sync","type":"chat","text":"t"}', "t"),
    ("escapes", b'{"type":"chat","text":"\\u00e9\\ud83d\\ude00\\/\\"\\\\"}', 'é😀/"\\'),
    ("nul_escape", b'{"type":"chat","text":"a\\u0000b"}', "a\x00b"),
    ("underflow", b'{"type":"chat","text":"u","n":1e-999}', "u"),
    ("big_integer", b'{"type":"chat","text":"i","n":123456789012345678901234567890}', "i"),
    ("depth_32", b'{"type":"chat","text":"deep","n":' + b"[" * 31 + b"]" * 31 + b"}", "deep"),
    ("empty_text", b'{"type":"chat","text":""}', ""),
    ("text_4096_bytes", b'{"type":"chat","text":"' + b"a" * 4096 + b'"}', "a" * 4096),
    (
        "text_4096_bytes_of_4_byte_chars",
        b'{"type":"chat","text":"' + "😀".encode() * 1024 + b'"}',
        "😀" * 1024,
    ),
    ("leading_space_is_not_a_command", b'{"type":"chat","text":" /who"}', " /who"),
]


@pytest.mark.parametrize(
    ("line", "text"), [c[1:] for c in ACCEPTED_CHATS], ids=[c[0] for c in ACCEPTED_CHATS]
)
def test_accepted_chat_is_broadcast(new_client: Connect, line: bytes, text: str) -> None:
    listener, talker = pair(new_client)
    talker.send_raw(line + b"\n")
    assert talker.sync() == []
    assert listener.sync() == [{"type": "chat", "from": "guest-2", "text": text}]


@pytest.mark.parametrize("sync_id", ["", "x", "i" * 128, "é" * 64, "😀" * 32, "a\nb", "\x00"])
def test_sync_ids_up_to_128_bytes_are_echoed(new_client: Connect, sync_id: str) -> None:
    client = new_client()
    client.sync()
    client.send_json({"type": "sync", "id": sync_id, "text": 5})
    assert client.recv() == {"type": "sync", "id": sync_id}


# -- the canonical encoding, byte for byte ---------------------------------------------


class RawReader:
    """A bare socket, so the test sees the server's bytes, not decoded frames."""

    def __init__(self, address: tuple[str, int]) -> None:
        self.sock = socket.create_connection(address, timeout=5.0)
        self.buffer = b""

    def lines(self, count: int, timeout: float = 5.0) -> list[bytes]:
        deadline = time.monotonic() + timeout
        while self.buffer.count(b"\n") < count:
            left = deadline - time.monotonic()
            assert left > 0, f"waited {timeout} s for {count} lines; got {self.buffer!r}"
            if select.select([self.sock], [], [], left)[0]:
                data = self.sock.recv(65536)
                assert data, f"closed after {self.buffer!r}"
                self.buffer += data
        *taken, self.buffer = self.buffer.split(b"\n", count)
        return taken

    def close(self) -> None:
        self.sock.close()


def test_the_server_writes_the_canonical_encoding(server_process: ChatServer) -> None:
    raw = RawReader(server_process.address)
    try:
        assert raw.lines(2) == [
            b'{"from":"server","text":"welcome, guest-1","type":"notice"}',
            b'{"type":"roster","users":["guest-1"]}',
        ]
        with MockClient(server_process.address) as talker:
            talker.sync()
            assert raw.lines(2) == [
                b'{"type":"join","user":"guest-2"}',
                b'{"type":"roster","users":["guest-1","guest-2"]}',
            ]
            text = 'é😀 "q" \\ / \x00\x01\x08\x09\x0a\x0c\x0d\x1f\x7f\u2028 end'
            talker.send_json({"type": "chat", "text": text})
            talker.send_text("/name Ünicode")  # refused: the error text is canonical too
            assert talker.recv()["code"] == "bad_name"
            [line] = raw.lines(1)
            assert line == canonical({"type": "chat", "from": "guest-2", "text": text})
            assert b"\\u0000\\u0001\\b\\t\\n\\f\\r\\u001f\x7f" in line
            talker.send_text("/name talker")
        assert raw.lines(3) == [
            b'{"type":"roster","users":["guest-1","talker"]}',
            b'{"type":"leave","user":"talker"}',
            b'{"type":"roster","users":["guest-1"]}',
        ]
        raw.sock.sendall(b'{"type":"sync","id":"\\u00e9\\u0007"}\n{"type":"nope"}\n')
        sync, error = raw.lines(2)
        assert sync == '{"id":"é\\u0007","type":"sync"}'.encode()
        assert error == canonical(json.loads(error))
        assert error.startswith(b'{"code":"unknown_type","text":"')
    finally:
        raw.close()
