"""Helpers for the room's tests: expected frames, and who receives an effect.

``Target.All`` and ``Target.AllExcept`` are resolved against the members
*after* the reaction (docs/protocol.md, "Effects"), as a server shell does.
"""

from __future__ import annotations

import pytest

import pytest_chatlab as chatlab

Message = chatlab.Message
Target = chatlab.Target

ROOM_ERRORS = ["bad_json", "bad_frame", "unknown_type", "unknown_command", "bad_name", "name_taken"]


def chat(text):
    return Message(type="chat", text=text)


def notice(text):
    return Message(type="notice", sender="server", text=text)


def roster(*names):
    return Message(type="roster", users=list(names))


def recipients(out, members):
    """Who receives `out`, given the members (in connection order) after the reaction."""
    if out.target == Target.One:
        return [out.session]
    if out.target == Target.All:
        return list(members)
    assert out.target == Target.AllExcept, out.target
    return [m for m in members if m != out.session]


class Inboxes:
    """Drives a room and records what each session receives, in order."""

    def __init__(self, room):
        self.room = room
        self.members = []
        self.inbox = {}

    def deliver(self, effects):
        for out in effects:
            for session in recipients(out, self.members):
                self.inbox.setdefault(session, []).append(out.message)
        return effects

    def join(self, session):
        effects = self.room.join(session)
        if self.room.name_of(session) is not None:
            self.members.append(session)
        return self.deliver(effects)

    def leave(self, session):
        effects = self.room.leave(session)
        if session in self.members:
            self.members.remove(session)
        return self.deliver(effects)

    def say(self, session, text):
        return self.deliver(self.room.handle_message(session, chat(text)))

    def send_line(self, session, line):
        return self.deliver(self.room.handle_line(session, line))

    def clear(self):
        self.inbox = {}

    def got(self, session):
        return self.inbox.get(session, [])


def inboxes(room, sessions):
    """A room with `sessions` joined in order and their inboxes emptied."""
    driver = Inboxes(room)
    for session in sessions:
        driver.join(session)
    driver.clear()
    return driver


def assert_error(effects, session, code, *, close=False):
    """`effects` is exactly one error frame `code` to `session` alone."""
    assert len(effects) == 1, effects
    [out] = effects
    assert out.target == Target.One
    assert out.session == session
    assert out.close is close
    message = out.message
    assert message.type == "error"
    assert message.code == code
    assert isinstance(message.text, str)
    assert message.text.strip(), "an error frame carries text for humans"
    assert (message.sender, message.user, message.users, message.id) == (None,) * 4


def assert_effect(out, target, message, session=None):
    assert out.target == target
    assert out.message == message
    assert out.close is False
    if session is not None:
        assert out.session == session


def raises_programming_error(call, *args):
    """`call(*args)` raises ValueError, and not a ProtocolError: the caller erred, not a peer."""
    try:
        call(*args)
    except chatlab.ProtocolError as error:
        pytest.fail(f"expected a plain ValueError, got {error!r}")
    except ValueError:
        return
    pytest.fail("expected ValueError, nothing was raised")


def rename(room, session, name):
    return room.handle_message(session, chat(f"/name {name}"))
