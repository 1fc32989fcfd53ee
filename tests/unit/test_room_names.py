"""/name: the naming rules of docs/protocol.md "Names", and docs/protocol.md's readings."""

from __future__ import annotations

import pytest

from support.names import BAD_NAME_COMMANDS, RESERVED_NAMES, VALID_NAMES
from support.room_effects import (
    Target,
    assert_effect,
    assert_error,
    chat,
    inboxes,
    rename,
    roster,
)

pytestmark = pytest.mark.unit


# --------------------------------------------------------------------------
# /name
# --------------------------------------------------------------------------


def test_rename_sends_the_new_roster_to_every_member(room):
    driver = inboxes(room, [1, 2])
    effects = driver.say(1, "/name alice")
    assert len(effects) == 1
    assert_effect(effects[0], Target.All, roster("alice", "guest-2"))
    assert driver.got(1) == [roster("alice", "guest-2")]
    assert driver.got(2) == [roster("alice", "guest-2")]
    assert room.name_of(1) == "alice"


@pytest.mark.parametrize("name", VALID_NAMES)
def test_valid_names_are_accepted(room, name):
    room.join(1)
    [out] = rename(room, 1, name)
    assert out.message == roster(name)
    assert room.name_of(1) == name


def test_name_is_everything_after_the_first_run_of_spaces(room):
    room.join(1)
    rename(room, 1, "   bob")  # "/name    bob"
    assert room.name_of(1) == "bob"


@pytest.mark.parametrize("text", BAD_NAME_COMMANDS.values(), ids=BAD_NAME_COMMANDS.keys())
def test_invalid_name_is_bad_name(room, text):
    room.join(1)
    assert_error(room.handle_message(1, chat(text)), 1, "bad_name")


@pytest.mark.parametrize("name", [*RESERVED_NAMES, "guest-2"])  # guest-2: held, and reserved
def test_reserved_names_are_name_taken(room, name):
    room.join(1)
    room.join(2)
    assert_error(rename(room, 1, name), 1, "name_taken")


@pytest.mark.parametrize("name", ["alice", "ALICE", "Alice", "aLiCe"])
def test_name_held_by_another_member_ignoring_case_is_name_taken(room, name):
    room.join(1)
    room.join(2)
    rename(room, 2, "alice")
    assert_error(rename(room, 1, name), 1, "name_taken")


def test_failed_rename_keeps_the_old_name(room):
    room.join(1)
    room.join(2)
    rename(room, 1, "alice")
    rename(room, 2, "bob")
    for text in ("/name ALICE", "/name server", "/name bad!", "/name"):
        room.handle_message(2, chat(text))
    assert room.name_of(2) == "bob"
    assert room.names() == ["alice", "bob"]
    [out] = room.handle_message(2, chat("hi"))
    assert out.message.sender == "bob"


def test_rename_frees_the_old_name(room):
    room.join(1)
    room.join(2)
    rename(room, 1, "alice")
    rename(room, 1, "carol")
    [out] = rename(room, 2, "alice")
    assert out.message == roster("carol", "alice")


def test_renaming_to_own_name_is_a_no_op_that_sends_the_roster(room):
    driver = inboxes(room, [1, 2])
    rename(room, 1, "alice")
    effects = driver.say(1, "/name alice")
    assert len(effects) == 1
    assert_effect(effects[0], Target.All, roster("alice", "guest-2"))
    assert driver.got(2) == [roster("alice", "guest-2")]
    assert room.name_of(1) == "alice"


def test_renaming_to_own_guest_name_is_a_no_op_that_sends_the_roster(room):
    driver = inboxes(room, [1, 2])
    effects = driver.say(2, "/name guest-2")
    assert len(effects) == 1
    assert_effect(effects[0], Target.All, roster("guest-1", "guest-2"))
    assert driver.got(1) == [roster("guest-1", "guest-2")]
    assert room.name_of(2) == "guest-2"


def test_renaming_to_own_name_in_another_case_changes_the_spelling(room):
    room.join(1)
    room.join(2)
    rename(room, 1, "alice")
    [out] = rename(room, 1, "Alice")
    assert_effect(out, Target.All, roster("Alice", "guest-2"))
    assert room.name_of(1) == "Alice"


def test_renaming_to_own_guest_name_in_another_case_is_name_taken(room):
    room.join(1)
    room.join(2)
    room.join(3)
    assert_error(rename(room, 3, "GUEST-3"), 3, "name_taken")
    assert room.name_of(3) == "guest-3"


def test_a_guest_name_given_up_stays_reserved(room):
    room.join(1)
    room.join(2)
    rename(room, 1, "alice")
    assert_error(rename(room, 2, "guest-1"), 2, "name_taken")
    assert_error(rename(room, 1, "guest-1"), 1, "name_taken")


def test_name_of_32_characters_is_fine_and_33_is_not(room):
    room.join(1)
    rename(room, 1, "n" * 32)
    assert room.name_of(1) == "n" * 32
    assert_error(rename(room, 1, "m" * 33), 1, "bad_name")
