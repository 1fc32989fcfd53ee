"""The scenario report: a pure function of a recorded timeline.

A *timeline* is a sequence of ``Entry(time, participant, direction,
message)``: ``time`` is a ``time.monotonic()`` reading, ``direction`` is
``"sent"`` or ``"recv"``, and ``message`` is always a
``pytest_chatlab.Message`` (a chat line a participant sent is
``Message(type="chat", text=...)``; a received frame is the frame as
decoded). One representation keeps the counting code free of "is it a dict
or a Message" branches; ``Message.from_dict`` turns a wire dict into one.

``Report.from_timeline`` counts, per participant, what it sent and what it
received by frame type, and builds the chat delivery matrix: for every chat
line a participant sent, which participants received it. Nothing here opens
a socket, reads a clock or writes anywhere: the same timeline always gives
the same report, so the tests build timelines by hand.

How a received chat is matched to the line that produced it: a participant
is known on the wire by its participant name, so a script names each one
first (``("alice", "/name alice")``, as the article's scenario does; a
participant that keeps its guest name is an outsider to the matrix). The
k-th copy of text T from sender S
that participant R receives is S's k-th send of T, because frames from one
connection reach one recipient in order. A copy that has no such send, or
that arrived before the send it would match, is not a delivery: it is listed
in ``Report.unmatched`` (an outsider's chat, or one that only claims a
participant's name).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ._native import Message

__all__ = ["COLUMNS", "Delivery", "Entry", "ParticipantStats", "Report", "format_timeline"]

Direction = Literal["sent", "recv"]

#: The received frame types the table counts, in column order.
COLUMNS = ("chat", "notice", "roster", "join", "leave", "error")

_NAME_WIDTH = len("participant")
_SENDER_WIDTH = 12


@dataclass(frozen=True)
class Entry:
    """One event of a timeline: ``participant`` sent or received ``message`` at ``time``."""

    time: float
    participant: str
    direction: Direction
    message: Message

    def render(self, start: float) -> str:
        """One line: seconds since ``start``, who, an arrow, the frame as JSON."""
        arrow = "->" if self.direction == "sent" else "<-"
        return f"+{self.time - start:.6f}s  {self.participant}  {arrow}  {_frame(self.message)}"


EntryLike = Entry | tuple[float, str, Direction, Message]


@dataclass(frozen=True)
class ParticipantStats:
    """One row of the table: frames sent, frames received, and received by type."""

    name: str
    sent: int = 0
    recv: int = 0
    chat: int = 0
    notice: int = 0
    roster: int = 0
    join: int = 0
    leave: int = 0
    error: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "sent": self.sent, "recv": self.recv} | {
            column: getattr(self, column) for column in COLUMNS
        }


@dataclass(frozen=True)
class Delivery:
    """A chat line ``sender`` sent at ``sent_at``, and who received it.

    ``recipients`` is a list in participant order, so it compares equal to
    ``["bob", "carol"]``.
    """

    sender: str
    text: str
    recipients: list[str]
    sent_at: float = field(compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"sender": self.sender, "text": self.text, "recipients": list(self.recipients)}


def _frame(message: Message) -> str:
    return json.dumps(message.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _is_chat_line(message: Message) -> bool:
    # A chat whose text starts with "/" is a command, not a line anyone receives.
    return message.type == "chat" and message.text is not None and not message.text.startswith("/")


def format_timeline(timeline: Iterable[Entry]) -> str:
    """The timeline, one line per entry, times relative to the first entry."""
    entries = list(timeline)
    if not entries:
        return "(nothing was sent or received)"
    start = entries[0].time
    return "\n".join(entry.render(start) for entry in entries)


class Report:
    """Per-participant counts and the chat delivery matrix of one timeline."""

    def __init__(
        self,
        participants: Sequence[ParticipantStats],
        deliveries: Sequence[Delivery],
        unmatched: Sequence[Entry],
        timeline: Sequence[Entry],
        elapsed: float,
    ) -> None:
        self.participants: list[ParticipantStats] = list(participants)
        #: every chat line sent, in the order they were sent
        self.deliveries: list[Delivery] = list(deliveries)
        #: received chat frames that match no participant's chat line
        self.unmatched: list[Entry] = list(unmatched)
        #: the entries the report was built from, in time order
        self.timeline: list[Entry] = list(timeline)
        self.elapsed = elapsed

    @classmethod
    def from_timeline(
        cls,
        timeline: Iterable[EntryLike],
        *,
        participants: Sequence[str],
        elapsed: float | None = None,
    ) -> Report:
        """Builds the report of ``timeline`` for ``participants`` (the table's row order).

        Entries may come in any order (several receive threads record them);
        they are sorted by time, stably. ``elapsed`` defaults to the span
        from the first entry to the last. Raises ``ValueError`` for an entry
        of someone not in ``participants`` or with an unknown direction.
        """
        entries = sorted((_entry(item) for item in timeline), key=lambda entry: entry.time)
        order = list(dict.fromkeys(participants))
        strangers = sorted({entry.participant for entry in entries} - set(order))
        if strangers:
            raise ValueError(f"timeline entries of non-participants: {', '.join(strangers)}")

        # Per participant: "sent", "recv", and "recv:<type>" for each received type.
        counts: dict[str, dict[str, int]] = {name: defaultdict(int) for name in order}
        sent_lines: dict[tuple[str, str], list[int]] = defaultdict(list)
        lines: list[tuple[str, str, float]] = []
        received: dict[int, set[str]] = defaultdict(set)
        cursor: dict[tuple[str, str, str], int] = defaultdict(int)
        unmatched: list[Entry] = []

        for entry in entries:
            row, message = counts[entry.participant], entry.message
            row[entry.direction] += 1
            if entry.direction == "sent":
                if _is_chat_line(message):
                    sent_lines[(entry.participant, str(message.text))].append(len(lines))
                    lines.append((entry.participant, str(message.text), entry.time))
                continue
            row[f"recv:{message.type}"] += 1
            if message.type != "chat":
                continue
            key = (str(message.sender), str(message.text))
            sends = sent_lines.get(key, [])  # only the sends that precede this copy
            slot = (entry.participant, *key)
            position = cursor[slot]
            if position < len(sends):
                cursor[slot] += 1
                received[sends[position]].add(entry.participant)
            else:
                unmatched.append(entry)

        stats = [
            ParticipantStats(name, row["sent"], row["recv"], *(row[f"recv:{c}"] for c in COLUMNS))
            for name, row in counts.items()
        ]
        deliveries = [
            Delivery(sender, text, [n for n in order if n in received[index]], sent_at)
            for index, (sender, text, sent_at) in enumerate(lines)
        ]
        if elapsed is None:
            elapsed = entries[-1].time - entries[0].time if entries else 0.0
        return cls(stats, deliveries, unmatched, entries, elapsed)

    # -- queries ----------------------------------------------------------

    @property
    def messages_sent(self) -> int:
        """Every frame the participants sent, commands included."""
        return sum(row.sent for row in self.participants)

    @property
    def messages_received(self) -> int:
        """Every frame the participants received (the harness's barriers are never recorded)."""
        return sum(row.recv for row in self.participants)

    def participant(self, name: str) -> ParticipantStats:
        """The table row of ``name``; ``KeyError`` naming the participants if unknown."""
        for row in self.participants:
            if row.name == name:
                return row
        known = ", ".join(row.name for row in self.participants)
        raise KeyError(f"no participant {name!r}; participants: {known}")

    def deliveries_of(self, text: str) -> list[Delivery]:
        """Every delivery of chat line ``text``, in the order sent (empty if none)."""
        return [delivery for delivery in self.deliveries if delivery.text == text]

    def delivery_of(self, text: str) -> Delivery:
        """The delivery of the first chat line ``text`` sent (by anyone).

        Use ``deliveries_of`` when a text was sent more than once. Raises
        ``KeyError`` listing the lines that were sent when none is ``text``.
        """
        found = self.deliveries_of(text)
        if not found:
            sent = ", ".join(json.dumps(d.text, ensure_ascii=False) for d in self.deliveries)
            raise KeyError(f"no chat line {text!r} was sent; sent lines: {sent or '(none)'}")
        return found[0]

    # -- output -----------------------------------------------------------

    def render(self) -> str:
        """The report as text: a header, the table, the delivery matrix."""
        count = len(self.participants)
        sent = self.messages_sent
        lines = [
            f"Scenario report — {count} participant{'' if count == 1 else 's'}, "
            f"{_duration(self.elapsed)}, {sent} message{'' if sent == 1 else 's'} sent",
            "",
        ]
        width = max([_NAME_WIDTH, *(len(row.name) for row in self.participants)])
        lines.append(_row(width, "participant", "sent", "recv", *COLUMNS))
        for row in self.participants:
            cells = (getattr(row, column) for column in ("sent", "recv", *COLUMNS))
            lines.append(_row(width, row.name, *map(str, cells)))
        lines += ["", "Chat delivery (who received each message):"]
        for delivery in self.deliveries:
            who = ", ".join(delivery.recipients) or "(nobody)"
            quoted = json.dumps(delivery.text, ensure_ascii=False)
            lines.append(f"{delivery.sender:>{_SENDER_WIDTH}}  {quoted}  ->  {who}")
        if not self.deliveries:
            lines.append("  (no chat line was sent)")
        if self.unmatched:
            lines += ["", "Chat frames received that no participant sent:"]
            for entry in self.unmatched:
                lines.append(f"{entry.participant:>{_SENDER_WIDTH}}  <-  {_frame(entry.message)}")
        return "\n".join(lines)

    def format_timeline(self) -> str:
        """The timeline the report was built from, one line per entry."""
        return format_timeline(self.timeline)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {
            "participant_count": len(self.participants),
            "elapsed": self.elapsed,
            "messages_sent": self.messages_sent,
            "messages_received": self.messages_received,
            "participants": [row.to_dict() for row in self.participants],
            "deliveries": [delivery.to_dict() for delivery in self.deliveries],
            "unmatched": [
                {"participant": entry.participant, "frame": entry.message.to_dict()}
                for entry in self.unmatched
            ],
        }

    def __repr__(self) -> str:
        return (
            f"<Report {len(self.participants)} participants, {self.messages_sent} sent, "
            f"{len(self.deliveries)} chat lines>"
        )


def _duration(seconds: float) -> str:
    # The article's "0.60s"; a run on loopback is often faster than 0.01 s,
    # where two decimals would claim it took no time at all.
    if seconds == 0 or seconds >= 0.01:
        return f"{seconds:.2f}s"
    return f"{seconds * 1000:.1f}ms"


def _row(width: int, name: str, sent: str, recv: str, *columns: str) -> str:
    # The widths of the article's table; the name column grows with long names.
    return f"{name:<{width}}{sent:>7}{recv:>6}" + "".join(
        f"{cell:>{10 if index == 0 else 8}}" for index, cell in enumerate(columns)
    )


def _entry(item: EntryLike) -> Entry:
    entry = item if isinstance(item, Entry) else Entry(*item)
    if entry.direction not in ("sent", "recv"):
        raise ValueError(f"direction must be 'sent' or 'recv', got {entry.direction!r}")
    return entry
