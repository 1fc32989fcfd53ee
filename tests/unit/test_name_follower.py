"""native/core/name_follower.cpp and commands.cpp, bound: a connection's name,
followed from the frames it sent and received, and pinned to the Room by a
property that drives both with the same frames."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pytest_chatlab as chatlab
from pytest_chatlab import Message, NameFollower, is_command, requested_name

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
def test_requested_name_reads_the_name_as_the_room_does(message, wanted):
    assert requested_name(message) == wanted


def test_the_first_welcome_sets_the_name_and_later_ones_do_not():
    names = NameFollower()
    assert names.name is None

    names.received(Message(type="notice", sender="server", text="pong"))
    assert names.name is None
    names.received(welcome("guest-4"))
    assert names.name == "guest-4"
    names.received(welcome("guest-9"))
    assert names.name == "guest-4"


def test_a_welcome_replaces_a_presumed_name():
    names = NameFollower("alice")

    names.received(welcome("guest-1"))

    assert names.name == "guest-1"


def test_a_rename_takes_effect_on_a_roster_holding_it_and_not_the_old_name():
    names = NameFollower("guest-1")
    names.sent(chat("/name alice"), token=7)

    assert names.received(Message(type="join", user="guest-2")) is None
    assert names.received(roster("guest-1", "guest-2")) is None  # someone else's change
    assert names.received(roster("guest-1", "alice")) is None  # both: another alice
    assert names.pending == (("alice", 7),)
    assert names.received(roster("alice", "guest-2")) == 7
    assert (names.name, names.pending) == ("alice", ())


def test_refusals_drop_the_oldest_pending_rename_in_order():
    names = NameFollower("guest-1")
    for token, text in enumerate(["/name server", "/name bad name!", "/name bob"]):
        names.sent(chat(text), token=token)

    assert names.received(refused("name_taken")) is None
    assert names.received(refused("unknown_command")) is None  # not an answer to a rename
    assert names.received(refused("bad_name")) is None
    assert names.pending == (("bob", 2),)
    assert names.received(roster("bob")) == 2
    assert names.name == "bob"


def test_renaming_to_the_current_name_completes_on_any_roster():
    names = NameFollower("alice")
    names.sent(chat("/name alice"), token=3)

    assert names.received(roster("alice", "guest-2")) == 3
    assert names.name == "alice"


def test_a_rename_without_a_token_hands_back_none_and_chat_lines_are_ignored():
    names = NameFollower()
    names.received(welcome("guest-1"))
    names.sent(chat("hello"), token=7)
    names.sent(chat("/name alice"))

    assert names.pending == (("alice", None),)
    assert names.received(roster("alice")) is None
    assert names.name == "alice"


def test_refusals_and_rosters_with_nothing_pending_change_nothing():
    names = NameFollower("guest-1")

    names.received(refused())
    names.received(roster("guest-2"))

    assert (names.name, names.pending) == ("guest-1", ())


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("/who", True),
        ("/", True),
        ("/name x", True),
        ("hi /who", False),
        ("", False),
        (" /who", False),
    ],
)
def test_is_command_is_the_rooms_reading(room, text, command):
    room.join(1)
    room.join(2)
    broadcast = [o for o in room.handle_message(1, chat(text)) if o.message.type == "chat"]
    assert is_command(text) == command
    assert bool(broadcast) != command  # a command is answered, never broadcast


# -- the follower, pinned to the room ------------------------------------------------

#: Names the room accepts, refuses or treats specially: case, reserved names,
#: spaces, the length limit, and the names other sessions hold.
NAMES = st.sampled_from(
    [
        "alice", "Alice", "ALICE", "bob", "carol", "server", "Server", "guest-1", "GUEST-2",
        "guest-3", "guest-", "guests-7", "a" * 32, "a" * 33, "", " alice", "alice ", "a b",
        "al!ce", "é", "x.y_z-1",
    ]
)  # fmt: skip
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("join"), st.integers(1, 4)),
        st.tuples(st.just("leave"), st.integers(1, 4)),
        st.tuples(st.just("rename"), st.integers(1, 4), NAMES, st.sampled_from([" ", "   "])),
        st.tuples(st.just("chat"), st.integers(1, 4), st.sampled_from(["hi", "/who", "ping"])),
    ),
    max_size=40,
)


def recipients(room, out) -> list[int]:
    if out.target == chatlab.Target.One:
        return [out.session]
    members = [s for s in range(1, 5) if room.name_of(s) is not None]
    return [s for s in members if out.target == chatlab.Target.All or s != out.session]


@settings(max_examples=300)
@given(STEPS)
def test_the_followers_name_is_the_rooms_for_every_session(steps):
    room = chatlab.Room()
    followers: dict[int, NameFollower] = {}
    for step in steps:
        kind, session = step[0], step[1]
        if kind == "join":
            if session in followers:
                continue
            followers[session] = NameFollower()
            effects = room.join(session)
        elif kind == "leave":
            followers.pop(session, None)
            effects = room.leave(session)
        elif session not in followers:
            continue
        else:
            text = f"/name{step[3]}{step[2]}" if kind == "rename" else step[2]
            sent = chat(text)
            followers[session].sent(sent)
            effects = room.handle_message(session, sent)
        for out in effects:
            for recipient in recipients(room, out):
                if recipient in followers:
                    followers[recipient].received(out.message)
        for member, follower in followers.items():
            assert follower.name == room.name_of(member)
            assert follower.pending == ()  # the room answers each rename at once
