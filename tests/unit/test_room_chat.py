"""Chat lines, ping, /who, /help, unknown commands and types, and sync (docs/protocol.md)."""

from __future__ import annotations

import pytest

import pytest_chatlab as chatlab
from support.room_effects import (
    Message,
    Target,
    assert_effect,
    assert_error,
    chat,
    inboxes,
    notice,
    rename,
    roster,
)

pytestmark = pytest.mark.unit


# --------------------------------------------------------------------------
# Chat
# --------------------------------------------------------------------------


def test_chat_is_broadcast_to_all_but_the_sender(room):
    for session in (1, 2, 3):
        room.join(session)
    effects = room.handle_message(2, chat("hello"))
    assert len(effects) == 1
    assert_effect(
        effects[0], Target.AllExcept, Message(type="chat", sender="guest-2", text="hello"), 2
    )


def test_chat_reaches_the_others_and_not_the_sender(room):
    driver = inboxes(room, [1, 2, 3])
    driver.say(1, "hi")
    expected = Message(type="chat", sender="guest-1", text="hi")
    assert driver.got(2) == [expected]
    assert driver.got(3) == [expected]
    assert driver.got(1) == []


def test_chat_is_stamped_with_the_current_name(room):
    driver = inboxes(room, [1, 2])
    rename(room, 1, "alice")
    driver.say(1, "hi")
    assert driver.got(2) == [Message(type="chat", sender="alice", text="hi")]


def test_client_supplied_from_in_a_message_is_ignored(room):
    room.join(1)
    room.join(2)
    [out] = room.handle_message(1, Message(type="chat", sender="server", text="hi"))
    assert out.message.sender == "guest-1"


@pytest.mark.parametrize("value", ['"bob"', '"server"', "5", "null", "true", "[]", '{"a":1}'])
def test_client_supplied_from_of_any_type_is_ignored(room, value):
    room.join(1)
    room.join(2)
    [out] = room.handle_line(1, '{"type":"chat","from":' + value + ',"text":"hi"}')
    assert out.message == Message(type="chat", sender="guest-1", text="hi")


def test_chat_with_unknown_fields_is_served(room):
    room.join(1)
    room.join(2)
    line = '{"type":"chat","text":"hi","users":5,"code":"x","extra":[1,{"b":null}]}'
    [out] = room.handle_line(1, line)
    assert out.message == Message(type="chat", sender="guest-1", text="hi")


def test_empty_chat_text_is_broadcast(room):
    room.join(1)
    room.join(2)
    [out] = room.handle_message(1, chat(""))
    assert_effect(out, Target.AllExcept, Message(type="chat", sender="guest-1", text=""), 1)


def test_text_with_a_leading_space_before_slash_is_a_chat(room):
    room.join(1)
    room.join(2)
    [out] = room.handle_message(1, chat(" /who"))
    assert out.message == Message(type="chat", sender="guest-1", text=" /who")


def test_chat_is_encoded_as_the_protocol_frame(room):
    room.join(1)
    room.join(2)
    [out] = room.handle_message(1, chat("hi"))
    assert chatlab.encode(out.message) == '{"from":"guest-1","text":"hi","type":"chat"}\n'


def test_chat_text_of_4096_bytes_is_broadcast(room):
    room.join(1)
    room.join(2)
    text = "é" * 2048  # 2048 characters, 4096 bytes
    [out] = room.handle_message(1, chat(text))
    assert out.message.text == text


@pytest.mark.parametrize(
    "text",
    [
        "é" * 2048 + "a",
        "\U0001f600" * 1024 + "a",
        "€" * 1365 + "ab",
        "a" * 4097,
        "\U0001f600" * 1025,
    ],
    ids=["e-acute 4097", "astral 4097", "euro 4097", "ascii 4097", "1025 astral chars"],
)
def test_chat_text_over_4096_bytes_is_bad_frame(room, text):
    room.join(1)
    room.join(2)
    assert_error(room.handle_message(1, chat(text)), 1, "bad_frame")


def test_astral_text_of_exactly_4096_bytes_is_broadcast(room):
    room.join(1)
    room.join(2)
    [out] = room.handle_message(1, chat("\U0001f600" * 1024))
    assert out.message.type == "chat"


def test_command_text_over_4096_bytes_is_bad_frame(room):
    room.join(1)
    assert_error(room.handle_message(1, chat("/who " + "x" * 4092)), 1, "bad_frame")


def test_chat_without_text_is_bad_frame(room):
    room.join(1)
    assert_error(room.handle_message(1, Message(type="chat")), 1, "bad_frame")
    assert_error(room.handle_line(1, '{"type":"chat"}'), 1, "bad_frame")


@pytest.mark.parametrize("value", ["5", "null", "true", "[]", '["hi"]', '{"t":"hi"}'])
def test_chat_with_non_string_text_is_bad_frame(room, value):
    room.join(1)
    assert_error(room.handle_line(1, '{"type":"chat","text":' + value + "}"), 1, "bad_frame")


def test_chat_whose_last_duplicate_text_is_not_a_string_is_bad_frame(room):
    room.join(1)
    assert_error(room.handle_line(1, '{"type":"chat","text":"a","text":5}'), 1, "bad_frame")


# --------------------------------------------------------------------------
# ping
# --------------------------------------------------------------------------


def test_ping_is_a_chat_to_others_then_pong_to_all(room):
    room.join(1)
    room.join(2)
    effects = room.handle_message(1, chat("ping"))
    assert len(effects) == 2
    chat_line = Message(type="chat", sender="guest-1", text="ping")
    assert_effect(effects[0], Target.AllExcept, chat_line, session=1)
    assert_effect(effects[1], Target.All, notice("pong"))


def test_ping_reaches_everyone_in_order(room):
    driver = inboxes(room, [1, 2, 3])
    driver.say(2, "ping")
    chat_line = Message(type="chat", sender="guest-2", text="ping")
    assert driver.got(1) == [chat_line, notice("pong")]
    assert driver.got(3) == [chat_line, notice("pong")]
    assert driver.got(2) == [notice("pong")]


def test_pong_is_the_protocol_frame(room):
    room.join(1)
    pong = room.handle_message(1, chat("ping"))[-1].message
    assert chatlab.encode(pong) == '{"from":"server","text":"pong","type":"notice"}\n'


def test_ping_alone_in_the_room_still_pongs_the_sender(room):
    driver = inboxes(room, [1])
    driver.say(1, "ping")
    assert driver.got(1) == [notice("pong")]


@pytest.mark.parametrize("text", ["Ping", "PING", "ping ", " ping", "ping!", "pingping", "/ping"])
def test_only_the_exact_text_ping_pongs(room, text):
    room.join(1)
    room.join(2)
    effects = room.handle_message(1, chat(text))
    assert notice("pong") not in [out.message for out in effects]


# --------------------------------------------------------------------------
# /who and /help
# --------------------------------------------------------------------------


def test_who_sends_a_users_notice_then_roster_to_the_sender_alone(room):
    room.join(1)
    room.join(2)
    rename(room, 1, "alice")
    effects = room.handle_message(2, chat("/who"))
    assert len(effects) == 2
    assert_effect(effects[0], Target.One, notice("users: alice, guest-2"), session=2)
    assert_effect(effects[1], Target.One, roster("alice", "guest-2"), session=2)


def test_who_reaches_nobody_else(room):
    driver = inboxes(room, [1, 2, 3])
    driver.say(3, "/who")
    assert driver.got(1) == []
    assert driver.got(2) == []
    assert driver.got(3) == [
        notice("users: guest-1, guest-2, guest-3"),
        roster("guest-1", "guest-2", "guest-3"),
    ]


def test_who_alone_lists_one_user(room):
    room.join(1)
    assert room.handle_message(1, chat("/who"))[0].message == notice("users: guest-1")


@pytest.mark.parametrize("text", ["/who everyone", "/who  a b c", "/who "])
def test_text_after_who_is_ignored(room, text):
    room.join(1)
    room.join(2)
    effects = room.handle_message(1, chat(text))
    assert [(o.target, o.session, o.message) for o in effects] == [
        (Target.One, 1, notice("users: guest-1, guest-2")),
        (Target.One, 1, roster("guest-1", "guest-2")),
    ]


@pytest.mark.parametrize("text", ["/help", "/help me", "/help  /who"])
def test_help_sends_a_notice_listing_the_commands_to_the_sender_alone(room, text):
    room.join(1)
    room.join(2)
    effects = room.handle_message(1, chat(text))
    assert len(effects) == 1
    [out] = effects
    assert (out.target, out.session, out.close) == (Target.One, 1, False)
    assert (out.message.type, out.message.sender) == ("notice", "server")
    for command in ("/name", "/who", "/help"):
        assert command in out.message.text


# --------------------------------------------------------------------------
# Unknown commands and types
# --------------------------------------------------------------------------

UNKNOWN_COMMANDS = [
    "/",
    "/ who",
    "/foo",
    "/WHO",
    "/Who",
    "/NAME bob",
    "/Help",
    "/whoami",
    "/names bob",
    "//who",
    "/name\tbob",
    "/who\textra",
    "/help\n",
]


@pytest.mark.parametrize("text", UNKNOWN_COMMANDS)
def test_unknown_command_is_refused(room, text):
    room.join(1)
    room.join(2)
    assert_error(room.handle_message(1, chat(text)), 1, "unknown_command")


def test_commands_are_never_broadcast(room):
    driver = inboxes(room, [1, 2])
    for text in ("/who", "/help", "/name alice", "/nope", "/name bad!"):
        driver.say(1, text)
    assert all(m.type != "chat" for m in driver.got(2))


@pytest.mark.parametrize(
    "line",
    [
        '{"type":"shout","text":"x"}',
        '{"type":""}',
        '{"type":"Chat","text":"x"}',
        '{"type":"notice","text":"x"}',
        '{"type":"roster","users":[]}',
        '{"type":"SYNC","id":"1"}',
    ],
)
def test_a_type_other_than_chat_and_sync_is_unknown_type(room, line):
    room.join(1)
    assert_error(room.handle_line(1, line), 1, "unknown_type")


def test_unknown_type_through_handle_message(room):
    room.join(1)
    effects = room.handle_message(1, Message(type="error", code="x", text="y"))
    assert_error(effects, 1, "unknown_type")


# --------------------------------------------------------------------------
# sync
# --------------------------------------------------------------------------


def test_sync_is_answered_to_the_sender_alone(room):
    room.join(1)
    room.join(2)
    effects = room.handle_line(1, '{"type":"sync","id":"S"}')
    assert len(effects) == 1
    assert_effect(effects[0], Target.One, Message(type="sync", id="S"), session=1)
    assert chatlab.encode(effects[0].message) == '{"id":"S","type":"sync"}\n'


@pytest.mark.parametrize(
    "sync_id", ["", "x" * 128, "é" * 64, 'a"b\\c\n\x00', "\U0001f600" * 32], ids=repr
)
def test_sync_id_up_to_128_bytes_is_echoed(room, sync_id):
    room.join(1)
    [out] = room.handle_message(1, Message(type="sync", id=sync_id))
    assert_effect(out, Target.One, Message(type="sync", id=sync_id), session=1)


@pytest.mark.parametrize(
    "sync_id",
    ["x" * 129, "é" * 64 + "a", "\U0001f600" * 33, "é" * 65],
    ids=["129 ascii", "64 e-acute and a", "33 astral", "65 e-acute"],
)
def test_sync_id_over_128_bytes_is_bad_frame(room, sync_id):
    room.join(1)
    assert_error(room.handle_message(1, Message(type="sync", id=sync_id)), 1, "bad_frame")


def test_sync_without_id_is_bad_frame(room):
    room.join(1)
    assert_error(room.handle_line(1, '{"type":"sync"}'), 1, "bad_frame")
    assert_error(room.handle_message(1, Message(type="sync")), 1, "bad_frame")


@pytest.mark.parametrize("value", ["5", "null", "true", '["S"]', '{"id":"S"}'])
def test_sync_with_non_string_id_is_bad_frame(room, value):
    room.join(1)
    assert_error(room.handle_line(1, '{"type":"sync","id":' + value + "}"), 1, "bad_frame")


def test_sync_ignores_other_fields(room):
    room.join(1)
    [out] = room.handle_line(1, '{"type":"sync","id":"S","text":"ping","from":"x"}')
    assert out.message == Message(type="sync", id="S")
