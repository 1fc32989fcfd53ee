"""naming.py: a connection's name, followed from the frames it sent and received."""

from __future__ import annotations

import pytest

from pytest_chatlab import Message
from pytest_chatlab.naming import NameFollower, rename_of

pytestmark = pytest.mark.unit


def chat(text: str) -> Message:
    return Message(type="chat", text=text)


def welcome(name: str) -> Message:
    return Message(type="notice", sender="server", text=f"welcome, {name}")


def roster(*users: str) -> Message:
    return Message(type="roster", users=list(users))


def refused(code: str = "name_taken") -> Message:
    return Message(type="error", code=code, text="no")


@pytest.mark.parametrize(
    ("message", "wanted"),
    [
        (chat("/name alice"), "alice"),
        (chat("/name  carol"), "carol"),  # what follows the first run of spaces
        (chat("/name a b"), "a b"),  # invalid, but still a rename the server answers
        (chat("/name alice "), "alice "),
        (chat("/name"), ""),
        (chat("/names alice"), None),
        (chat("hello /name alice"), None),
        (chat("/who"), None),
        (Message(type="sync", id="/name x"), None),
    ],
)
def test_rename_of_reads_the_name_as_the_server_does(message, wanted):
    assert rename_of(message) == wanted


def test_the_first_welcome_sets_the_name_and_later_ones_do_not():
    names: NameFollower[None] = NameFollower()
    assert names.name is None

    names.received(Message(type="notice", sender="server", text="pong"))
    assert names.name is None
    names.received(welcome("guest-4"))
    assert names.name == "guest-4"
    names.received(welcome("guest-9"))
    assert names.name == "guest-4"


def test_a_welcome_replaces_a_presumed_name():
    names: NameFollower[None] = NameFollower("alice")

    names.received(welcome("guest-1"))

    assert names.name == "guest-1"


def test_a_rename_takes_effect_on_a_roster_holding_it_and_not_the_old_name():
    names: NameFollower[str] = NameFollower("guest-1")
    names.sent(chat("/name alice"), token="first")

    assert names.received(Message(type="join", user="guest-2")) is None
    assert names.received(roster("guest-1", "guest-2")) is None  # someone else's change
    assert names.received(roster("guest-1", "alice")) is None  # both: another alice
    assert names.pending == (("alice", "first"),)
    assert names.received(roster("alice", "guest-2")) == "first"
    assert (names.name, names.pending) == ("alice", ())


def test_refusals_drop_the_oldest_pending_rename_in_order():
    names: NameFollower[int] = NameFollower("guest-1")
    for token, text in enumerate(["/name server", "/name bad name!", "/name bob"]):
        names.sent(chat(text), token=token)

    assert names.received(refused("name_taken")) is None
    assert names.received(refused("unknown_command")) is None  # not an answer to a rename
    assert names.received(refused("bad_name")) is None
    assert names.pending == (("bob", 2),)
    assert names.received(roster("bob")) == 2
    assert names.name == "bob"


def test_renaming_to_the_current_name_completes_on_any_roster():
    names: NameFollower[str] = NameFollower("alice")
    names.sent(chat("/name alice"), token="same")

    assert names.received(roster("alice", "guest-2")) == "same"
    assert names.name == "alice"


def test_a_rename_without_a_token_hands_back_none_and_chat_lines_are_ignored():
    names: NameFollower[int] = NameFollower()
    names.received(welcome("guest-1"))
    names.sent(chat("hello"), token=7)
    names.sent(chat("/name alice"))

    assert names.pending == (("alice", None),)
    assert names.received(roster("alice")) is None
    assert names.name == "alice"


def test_refusals_and_rosters_with_nothing_pending_change_nothing():
    names: NameFollower[None] = NameFollower("guest-1")

    names.received(refused())
    names.received(roster("guest-2"))

    assert (names.name, names.pending) == ("guest-1", ())
