"""The article's scenario: its report as every test of it expects it, and its
timeline written out by hand (for the pure report and diagram tests)."""

from __future__ import annotations

import itertools

from pytest_chatlab import Message
from pytest_chatlab.report import Entry

ARTICLE_ROWS = [
    "participant   sent  recv      chat  notice  roster    join   leave   error",
    "alice            3    11         1       2       6       2       0       0",
    "bob              2    10         2       2       5       1       0       0",
    "carol            1     9         3       2       4       0       0       0",
]
ARTICLE_DELIVERIES = [
    '       alice  "hi everyone"  ->  bob, carol',
    '         bob  "hey alice"  ->  alice, carol',
    '       alice  "ping"  ->  bob, carol',
]


PEOPLE = ["alice", "bob", "carol"]


class Timeline:
    """Writes entries with times 0.01 s apart, in the order they are written."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self._clock = itertools.count(1)

    def sent(self, who: str, text: str) -> None:
        self._add(who, "sent", Message(type="chat", text=text))

    def recv(self, who: str, **fields) -> None:
        self._add(who, "recv", Message(**fields))

    def _add(self, who, direction, message) -> None:
        self.entries.append(Entry(next(self._clock) / 100, who, direction, message))


def roster(tl: Timeline, members: list[str], users: list[str]) -> None:
    for who in members:
        tl.recv(who, type="roster", users=users)


def article_timeline() -> Timeline:
    """The frames of the article's scenario, as the protocol says they flow."""
    tl = Timeline()
    guests = ["guest-1", "guest-2", "guest-3"]
    for index, who in enumerate(PEOPLE):  # all three connect, in order
        tl.recv(who, type="notice", sender="server", text=f"welcome, {guests[index]}")
        roster(tl, [who], guests[: index + 1])
        for other in PEOPLE[:index]:
            tl.recv(other, type="join", user=guests[index])
            roster(tl, [other], guests[: index + 1])
    names = list(guests)
    for index, who in enumerate(PEOPLE):  # each takes its name
        tl.sent(who, f"/name {who}")
        names[index] = who
        roster(tl, PEOPLE, list(names))
    for sender, text in [("alice", "hi everyone"), ("bob", "hey alice"), ("alice", "ping")]:
        tl.sent(sender, text)
        for other in PEOPLE:
            if other != sender:
                tl.recv(other, type="chat", sender=sender, text=text)
    for who in PEOPLE:
        tl.recv(who, type="notice", sender="server", text="pong")
    return tl
