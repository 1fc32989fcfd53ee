"""The room's membership: joins, guest numbers, server_full and leaves.

docs/protocol.md, "Lifecycle".
"""

from __future__ import annotations

import pytest

import pytest_chatlab as chatlab
from support.room_effects import (
    Inboxes,
    Message,
    Target,
    assert_effect,
    assert_error,
    chat,
    inboxes,
    notice,
    raises_programming_error,
    rename,
    roster,
)

pytestmark = pytest.mark.unit


# --------------------------------------------------------------------------
# Joining and guest numbers
# --------------------------------------------------------------------------


def test_first_member_is_guest_1(room):
    room.join(1)
    assert room.name_of(1) == "guest-1"
    assert room.names() == ["guest-1"]


def test_guest_numbers_count_joins_from_1(room):
    for session in (10, 20, 30):
        room.join(session)
    assert [room.name_of(s) for s in (10, 20, 30)] == ["guest-1", "guest-2", "guest-3"]


def test_guest_numbers_are_never_reused(room):
    room.join(1)
    room.join(2)
    room.leave(2)
    room.leave(1)
    room.join(3)
    assert room.name_of(3) == "guest-3"


def test_a_session_that_rejoins_gets_a_new_guest_number(room):
    room.join(1)
    room.leave(1)
    room.join(1)
    assert room.name_of(1) == "guest-2"


def test_renaming_does_not_affect_guest_numbers(room):
    room.join(1)
    rename(room, 1, "alice")
    room.join(2)
    assert room.name_of(2) == "guest-2"


def test_newcomer_gets_welcome_then_roster(room):
    driver = Inboxes(room)
    driver.join(7)
    assert driver.got(7) == [notice("welcome, guest-1"), roster("guest-1")]


def test_join_effects_are_welcome_then_join_then_roster(room):
    room.join(1)
    effects = room.join(2)
    assert len(effects) == 3
    assert_effect(effects[0], Target.One, notice("welcome, guest-2"), session=2)
    assert_effect(effects[1], Target.AllExcept, Message(type="join", user="guest-2"), session=2)
    assert_effect(effects[2], Target.All, roster("guest-1", "guest-2"))


def test_join_reaches_each_member_in_protocol_order(room):
    driver = Inboxes(room)
    for session in (1, 2, 3):
        driver.join(session)
    assert driver.got(1) == [
        notice("welcome, guest-1"),
        roster("guest-1"),
        Message(type="join", user="guest-2"),
        roster("guest-1", "guest-2"),
        Message(type="join", user="guest-3"),
        roster("guest-1", "guest-2", "guest-3"),
    ]
    assert driver.got(2) == [
        notice("welcome, guest-2"),
        roster("guest-1", "guest-2"),
        Message(type="join", user="guest-3"),
        roster("guest-1", "guest-2", "guest-3"),
    ]
    assert driver.got(3) == [notice("welcome, guest-3"), roster("guest-1", "guest-2", "guest-3")]


def test_join_announces_to_others_but_not_the_newcomer(room):
    driver = inboxes(room, [1, 2])
    driver.join(3)
    assert Message(type="join", user="guest-3") not in driver.got(3)


def test_roster_is_in_connection_order_not_name_order(room):
    for session in (1, 2, 3):
        room.join(session)
    rename(room, 1, "zed")
    rename(room, 3, "aaron")
    assert room.names() == ["zed", "guest-2", "aaron"]


def test_len_counts_members(room):
    assert len(room) == 0
    room.join(1)
    room.join(2)
    assert len(room) == 2
    room.leave(1)
    assert len(room) == 1


def test_name_of_a_non_member_is_none(room):
    assert room.name_of(42) is None


def test_session_ids_need_not_be_small(room):
    room.join(2**63)
    assert room.name_of(2**63) == "guest-1"


# --------------------------------------------------------------------------
# server_full
# --------------------------------------------------------------------------


def test_server_full_refuses_the_newcomer_and_closes():
    room = chatlab.Room(max_members=2)
    room.join(1)
    room.join(2)
    assert_error(room.join(3), 3, "server_full", close=True)
    assert room.name_of(3) is None
    assert room.names() == ["guest-1", "guest-2"]
    assert len(room) == 2


def test_server_full_takes_no_guest_number():
    room = chatlab.Room(max_members=2)
    room.join(1)
    room.join(2)
    room.join(3)
    room.join(4)
    room.leave(1)
    room.join(5)
    assert room.name_of(5) == "guest-3"


def test_a_refused_session_is_not_a_member():
    room = chatlab.Room(max_members=1)
    room.join(1)
    room.join(2)
    assert room.leave(2) == []
    raises_programming_error(room.handle_message, 2, chat("hi"))


def test_default_room_admits_1024_members(room):
    for session in range(1, 1025):
        room.join(session)
    assert len(room) == 1024
    assert_error(room.join(1025), 1025, "server_full", close=True)


# --------------------------------------------------------------------------
# Leaving
# --------------------------------------------------------------------------


def test_leave_sends_leave_then_roster_to_the_remaining(room):
    driver = inboxes(room, [1, 2, 3])
    driver.leave(2)
    for session in (1, 3):
        assert driver.got(session) == [
            Message(type="leave", user="guest-2"),
            roster("guest-1", "guest-3"),
        ]
    assert driver.got(2) == []


def test_leave_announces_the_current_name(room):
    driver = inboxes(room, [1, 2])
    rename(room, 1, "alice")
    driver.leave(1)
    assert driver.got(2) == [Message(type="leave", user="alice"), roster("guest-2")]


def test_leave_removes_the_member(room):
    room.join(1)
    room.join(2)
    room.leave(1)
    assert room.name_of(1) is None
    assert room.names() == ["guest-2"]


def test_last_member_leaving_reaches_nobody(room):
    driver = inboxes(room, [1])
    driver.leave(1)
    assert driver.inbox == {}
    assert len(room) == 0


def test_leave_of_a_non_member_is_a_no_op(room):
    room.join(1)
    assert room.leave(99) == []
    assert room.names() == ["guest-1"]


def test_leave_twice_is_a_no_op_the_second_time(room):
    room.join(1)
    room.join(2)
    room.leave(1)
    assert room.leave(1) == []


def test_leave_frees_the_name(room):
    room.join(1)
    room.join(2)
    rename(room, 1, "alice")
    room.leave(1)
    rename(room, 2, "alice")
    assert room.name_of(2) == "alice"


def test_repr_shows_the_members_and_the_limit():
    room = chatlab.Room(max_members=3)
    room.join(1)
    assert repr(room) == "Room(names=['guest-1'], max_members=3)"


# --------------------------------------------------------------------------
# Addressing: who an effect reaches (the shells' one rule, bound)
# --------------------------------------------------------------------------


def test_recipients_resolve_each_target_in_connection_order(room):
    for session in (30, 10, 20):
        room.join(session)
    welcome, join, roster_to_all = room.join(5)

    assert room.recipients(welcome) == [5]
    assert room.recipients(join) == [30, 10, 20]
    assert room.recipients(roster_to_all) == [30, 10, 20, 5]


def test_recipients_are_the_members_now_and_one_reaches_a_non_member(room):
    room.join(1)
    room.join(2)
    leave, _ = room.leave(2)
    refusal = chatlab.Room(max_members=1)
    refusal.join(1)
    (full,) = refusal.join(2)

    assert room.recipients(leave) == [1]  # the one who left is gone already
    assert full.close
    assert refusal.recipients(full) == [2]
