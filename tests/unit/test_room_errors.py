"""Refusals: decode errors as effects, which errors close, and callers' mistakes."""

from __future__ import annotations

import json

import pytest

import pytest_chatlab as chatlab
from support.room_effects import (
    ROOM_ERRORS,
    Message,
    assert_error,
    chat,
    raises_programming_error,
)

pytestmark = pytest.mark.unit


# --------------------------------------------------------------------------
# handle_line: decode refusals become error effects
# --------------------------------------------------------------------------

LINES = {
    "not json": ("this is not json", "bad_json"),
    "empty": ("", "bad_json"),
    "truncated": ('{"type":"chat","text":"hi"', "bad_json"),
    "overflow": ('{"type":"chat","text":"hi","n":1e999}', "bad_json"),
    "lone surrogate": (r'{"type":"chat","text":"\ud800"}', "bad_json"),
    "too deep": ('{"type":"chat","text":"x","a":' + "[" * 32 + "]" * 32 + "}", "bad_json"),
    "invalid utf-8": (b'{"type":"chat","text":"\xff"}', "bad_json"),
    "surrogateescaped": (
        b'{"type":"chat","text":"\xff"}'.decode("utf-8", "surrogateescape"),
        "bad_json",
    ),
    "raw NUL then garbage": ('{"type":"chat","text":"hi"}\x00garbage', "bad_json"),
    "array": ('["chat"]', "bad_frame"),
    "number": ("42", "bad_frame"),
    "null": ("null", "bad_frame"),
    "missing type": ('{"text":"hi"}', "bad_frame"),
    "number type": ('{"type":1,"text":"hi"}', "bad_frame"),
    "byte order mark": ('\ufeff{"type":"chat","text":"hi"}', "bad_json"),
    "chat text a number": ('{"type":"chat","text":7}', "bad_frame"),
    "sync id a number": ('{"type":"sync","id":5}', "bad_frame"),
    "chat text an array": ('{"type":"chat","text":["hi"]}', "bad_frame"),
}


@pytest.mark.parametrize(("line", "code"), LINES.values(), ids=LINES.keys())
def test_handle_line_turns_a_refused_line_into_an_error_effect(room, line, code):
    room.join(1)
    room.join(2)
    assert_error(room.handle_line(1, line), 1, code)


def test_handle_line_accepts_str_and_bytes(room):
    room.join(1)
    room.join(2)
    expected = Message(type="chat", sender="guest-1", text="hé")
    assert room.handle_line(1, '{"type":"chat","text":"hé"}')[0].message == expected
    assert room.handle_line(1, '{"type":"chat","text":"hé"}'.encode())[0].message == expected


@pytest.mark.parametrize("sender", ["7", "null", '["alice"]', '{"a":1}', "true", '"alice"'])
def test_handle_line_ignores_a_clients_from_whatever_its_type(room, sender):
    room.join(1)
    room.join(2)
    [out] = room.handle_line(1, '{"type":"chat","from":' + sender + ',"text":"hi"}')
    assert out.message == Message(type="chat", sender="guest-1", text="hi")


@pytest.mark.parametrize(
    "line",
    ['{"type":"chat","text":"hi","id":1}', '{"type":"chat","text":"hi","users":"x"}'],
)
def test_handle_line_ignores_fields_a_chat_does_not_define(room, line):
    room.join(1)
    room.join(2)
    [out] = room.handle_line(1, line)
    assert out.message == Message(type="chat", sender="guest-1", text="hi")


def test_handle_line_answers_a_sync_whose_text_is_of_any_type(room):
    room.join(1)
    [out] = room.handle_line(1, '{"type":"sync","id":"k","text":false}')
    assert out.message == Message(type="sync", id="k")


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ('{"type":"' + "\\u0001" * 10000 + '"}', "unknown_type"),
        ('{"type":"' + "é" * 30000 + '"}', "unknown_type"),
        ('{"type":"chat","text":"/' + "\\u0001" * 4000 + '"}', "unknown_command"),
    ],
)
def test_an_error_echoes_only_a_short_valid_piece_of_the_input(room, line, code):
    room.join(1)
    [out] = room.handle_line(1, line)
    assert out.message.code == code
    assert len(chatlab.encode(out.message).encode()) < 600  # 64 bytes, each escaped to \u00xx
    assert '..."' in out.message.text


def test_handle_line_equals_decode_then_handle_message(room):
    other = chatlab.Room()
    for r in (room, other):
        r.join(1)
        r.join(2)
    line = '{"type":"chat","text":"ping"}'
    got = [(o.target, o.session, o.message, o.close) for o in room.handle_line(1, line)]
    want = [
        (o.target, o.session, o.message, o.close)
        for o in other.handle_message(1, chatlab.decode(line))
    ]
    assert got == want


# --------------------------------------------------------------------------
# Errors keep the connection, and nothing else changes
# --------------------------------------------------------------------------

ERROR_CAUSES = {
    "bad_json": '{"type":',
    "bad_frame": '{"type":"chat"}',
    "unknown_type": '{"type":"shout"}',
    "unknown_command": '{"type":"chat","text":"/nope"}',
    "bad_name": '{"type":"chat","text":"/name bad!"}',
    "name_taken": '{"type":"chat","text":"/name server"}',
}


@pytest.mark.parametrize("code", ROOM_ERRORS)
def test_room_errors_keep_the_connection_open(room, code):
    room.join(1)
    room.join(2)
    assert_error(room.handle_line(1, ERROR_CAUSES[code]), 1, code, close=False)
    assert room.name_of(1) == "guest-1"
    assert room.names() == ["guest-1", "guest-2"]
    [out] = room.handle_message(1, chat("still here"))
    assert out.message == Message(type="chat", sender="guest-1", text="still here")


@pytest.mark.parametrize("code", ROOM_ERRORS)
def test_error_frame_has_exactly_code_text_and_type(room, code):
    room.join(1)
    [out] = room.handle_line(1, ERROR_CAUSES[code])
    frame = json.loads(chatlab.encode(out.message))
    assert sorted(frame) == ["code", "text", "type"]
    assert (frame["type"], frame["code"]) == ("error", code)
    assert frame["text"]


def test_server_full_error_frame_has_exactly_code_text_and_type():
    room = chatlab.Room(max_members=1)
    room.join(1)
    [out] = room.join(2)
    frame = json.loads(chatlab.encode(out.message))
    assert sorted(frame) == ["code", "text", "type"]
    assert frame["code"] == "server_full"
    assert frame["text"]


# --------------------------------------------------------------------------
# Non-members
# --------------------------------------------------------------------------


def test_handle_message_for_a_non_member_is_a_value_error(room):
    room.join(1)
    raises_programming_error(room.handle_message, 2, chat("hi"))


@pytest.mark.parametrize("line", ['{"type":"chat","text":"hi"}', "not json", "[]"])
def test_handle_line_for_a_non_member_is_a_value_error(room, line):
    room.join(1)
    raises_programming_error(room.handle_line, 2, line)


def test_handle_message_after_leaving_is_a_value_error(room):
    room.join(1)
    room.leave(1)
    raises_programming_error(room.handle_message, 1, chat("hi"))


@pytest.mark.parametrize(
    ("code", "closes"),
    [("bad_json", False), ("name_taken", False), ("frame_too_large", True), ("server_full", True)],
)
def test_refuse_is_the_one_error_frame_a_shell_asks_for(code, closes):
    from pytest_chatlab._native import ErrorCode

    (refusal,) = chatlab.Room.refuse(7, ErrorCode[code], "why, for people")

    assert refusal == chatlab.Outgoing(
        chatlab.Target.One,
        7,
        chatlab.Message(type="error", code=code, text="why, for people"),
        close=closes,
    )
