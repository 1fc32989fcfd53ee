"""docs/protocol.md "Error codes" for refused frames, over the real wire.

Every refused frame gets one ``error`` frame with its code and a text, to the
sender alone; the connection stays open and served (a ``/who`` and a ``sync``
after it are answered), and no other member sees anything. The one closing
error here, ``frame_too_large``, comes from 100,000 nested ``[``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

import pytest

from pytest_chatlab.mock import MockClient
from pytest_chatlab.server import ChatServer

Connect = Callable[..., MockClient]


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def with_field(value: bytes) -> bytes:
    """A valid chat frame but for the value of an unknown field ``n``."""
    return b'{"type":"chat","text":"x","n":' + value + b"}"


REFUSED = [
    # bad_json: not JSON, not UTF-8, out of range, too deep
    ("not_json", b"this is not json", "bad_json"),
    ("truncated", b'{"type":"chat","text":"x"', "bad_json"),
    ("trailing_garbage", b'{"type":"chat","text":"x"} x', "bad_json"),
    ("single_quotes", b"{'type':'chat','text':'x'}", "bad_json"),
    ("invalid_utf8", b'{"type":"chat","text":"\xff"}', "bad_json"),
    ("overlong_utf8", b'{"type":"chat","text":"\xc0\xaf"}', "bad_json"),
    ("utf8_surrogate", b'{"type":"chat","text":"\xed\xa0\x80"}', "bad_json"),
    ("truncated_utf8", b'{"type":"chat","text":"\xf0\x9f\x98"}', "bad_json"),
    ("lone_surrogate_escape", b'{"type":"chat","text":"\\ud800"}', "bad_json"),
    ("raw_nul_byte", b'{"type":"chat","text":"a\x00b"}', "bad_json"),
    ("raw_control_char", b'{"type":"chat","text":"a\x01b"}', "bad_json"),
    ("array_1e999", b"[1e999]", "bad_json"),
    ("field_1e999", with_field(b"1e999"), "bad_json"),
    ("field_minus_1e999", with_field(b"-1e999"), "bad_json"),
    ("nan", with_field(b"NaN"), "bad_json"),
    ("byte_order_mark", b'\xef\xbb\xbf{"type":"chat","text":"x"}', "bad_json"),
    ("nested_40_unclosed", b"[" * 40, "bad_json"),
    ("nested_40_closed", nested(40), "bad_json"),
    ("depth_33_in_a_chat", with_field(nested(32)), "bad_json"),
    # bad_frame: valid JSON, wrong shape
    ("array", b'["type","chat"]', "bad_frame"),
    ("string", b'"chat"', "bad_frame"),
    ("number", b"42", "bad_frame"),
    ("null", b"null", "bad_frame"),
    ("true", b"true", "bad_frame"),
    ("empty_object", b"{}", "bad_frame"),
    ("missing_type", b'{"text":"x"}', "bad_frame"),
    ("type_number", b'{"type":5,"text":"x"}', "bad_frame"),
    ("type_null", b'{"type":null,"text":"x"}', "bad_frame"),
    ("type_array", b'{"type":["chat"],"text":"x"}', "bad_frame"),
    ("type_object", b'{"type":{"chat":1},"text":"x"}', "bad_frame"),
    ("chat_without_text", b'{"type":"chat"}', "bad_frame"),
    ("chat_text_number", b'{"type":"chat","text":5}', "bad_frame"),
    ("chat_text_null", b'{"type":"chat","text":null}', "bad_frame"),
    ("chat_text_array", b'{"type":"chat","text":["x"]}', "bad_frame"),
    ("chat_text_object", b'{"type":"chat","text":{"t":"x"}}', "bad_frame"),
    ("chat_text_bool", b'{"type":"chat","text":true}', "bad_frame"),
    ("chat_text_4097_bytes", b'{"type":"chat","text":"' + b"a" * 4097 + b'"}', "bad_frame"),
    (
        "chat_text_4098_bytes_of_2_byte_chars",
        b'{"type":"chat","text":"' + "é".encode() * 2049 + b'"}',
        "bad_frame",
    ),
    ("chat_duplicate_text_last_wins", b'{"type":"chat","text":"a","text":5}', "bad_frame"),
    ("sync_without_id", b'{"type":"sync"}', "bad_frame"),
    ("sync_id_number", b'{"type":"sync","id":7}', "bad_frame"),
    ("sync_id_array", b'{"type":"sync","id":["k"]}', "bad_frame"),
    ("sync_id_null", b'{"type":"sync","id":null}', "bad_frame"),
    ("sync_id_129_bytes", b'{"type":"sync","id":"' + b"i" * 129 + b'"}', "bad_frame"),
    # unknown_type: a string type that is not chat or sync
    ("unknown_type", b'{"type":"shout","text":"x"}', "unknown_type"),
    ("type_case", b'{"type":"Chat","text":"x"}', "unknown_type"),
    ("type_empty", b'{"type":"","text":"x"}', "unknown_type"),
    ("server_type_notice", b'{"type":"notice","text":"x"}', "unknown_type"),
    ("server_type_roster", b'{"type":"roster","users":[]}', "unknown_type"),
]


@pytest.mark.parametrize(("line", "code"), [p[1:] for p in REFUSED], ids=[p[0] for p in REFUSED])
def test_refused_frame_gets_its_error_and_the_connection_is_still_served(
    new_client: Connect, line: bytes, code: str
) -> None:
    bystander = new_client(label="bystander")
    bystander.sync()
    sender = new_client(label="sender")
    sender.sync()
    assert [f["type"] for f in bystander.sync()] == ["join", "roster"]

    sender.send_raw(line + b"\n")
    [error] = sender.sync()  # exactly one frame, before the sync answer
    assert set(error) == {"type", "code", "text"}
    assert (error["type"], error["code"]) == ("error", code)
    assert isinstance(error["text"], str)
    assert error["text"]

    sender.send_text("/who")  # still served
    assert sender.sync() == [
        {"type": "notice", "from": "server", "text": "users: guest-1, guest-2"},
        {"type": "roster", "users": ["guest-1", "guest-2"]},
    ]
    assert not sender.server_closed
    assert bystander.sync() == []  # a bad frame never affects another connection


def test_many_bad_frames_in_a_row_keep_the_connection(new_client: Connect) -> None:
    client = new_client()
    client.sync()
    client.send_raw(b"".join(line + b"\n" for _, line, _ in REFUSED))
    frames = client.sync()
    assert [f.get("code") for f in frames] == [code for _, _, code in REFUSED]
    client.send_text("/who")
    assert client.expect(type="notice")["text"] == "users: guest-1"


def test_100000_nested_brackets_are_too_large_and_closed(server_process: ChatServer) -> None:
    # conformance/README.md: 100,000 bytes > 65,536, so frame_too_large, and closed.
    with MockClient(server_process.address, label="deep") as client:
        client.sync()
        # The server may close before it has read everything: allowed.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            client.send_raw(b"[" * 100_000 + b"\n")
        started = time.monotonic()
        assert client.wait_closed(timeout=1.0)
        assert time.monotonic() - started < 1.0
        frames = client.recv_until_idle()
        assert [(f["type"], f.get("code")) for f in frames] == [("error", "frame_too_large")]
    with MockClient(server_process.address) as after:  # the server is still up
        assert after.expect(type="roster")["users"] == ["guest-2"]
