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

How a received chat is matched to the line that produced it: the server
stamps a copy with the sender's wire name, which need not be its participant
name (a participant may keep its ``guest-N`` or take another name). So the
report follows each participant's wire name over its own entries with the
core's ``NameFollower`` (the room's rules, bound), starting from its welcome notice (else from the
participant name), and gives each chat line it sent the name the server used
when it handled the line: the name confirmed when the line was sent, or, if
renames were still pending then, the last of those that took effect (the
server handles a connection's frames in order). The k-th copy of text T from
wire name S that participant R receives is the k-th line T that a participant
other than R sent under S after R's welcome, because frames reach one
recipient in the order the server produced them (and a name passes to
another connection only after its holder gave it up); so a participant added
mid-scenario is not credited with lines sent before it joined. (A line sent
just before R's welcome that the server handled after R's join is matched
when no later line can be.) A copy with no such line, or that arrived
before the line it would match, is not a delivery: it is listed in
``Report.unmatched`` (a chat from a connection that is no participant, or
one that only claims a participant's name). Deliveries and the table name
participants, whatever their wire names.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ._native import Message, NameFollower, is_command
from .events import frame_text

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
        return f"+{self.time - start:.6f}s  {self.participant}  {arrow}  {frame_text(self.message)}"


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


@dataclass(frozen=True)
class _Line:
    """A chat line sent, with its sender's name when it was sent."""

    entry: Entry
    index: int  # of the entry in the sorted timeline
    name: str | None  # confirmed when it was sent
    pending: tuple[tuple[str, int | None], ...]  # renames sent before it, not yet answered

    @property
    def sender(self) -> str:
        return self.entry.participant

    @property
    def text(self) -> str:
        return str(self.entry.message.text)

    def wire_name(self, renamed: set[int]) -> str | None:
        """The name the server used for it: the last pending rename that took effect."""
        done = [new for new, token in self.pending if token in renamed]
        return done[-1] if done else self.name


def _match_copies(
    entries: Sequence[Entry],
    copies: Iterable[int],
    sent_lines: dict[tuple[str | None, str], list[_Line]],
    joined: dict[str, int],
) -> tuple[dict[int, int], list[Entry]]:
    """The line each copy is (entry index to entry index), and the copies of no line."""
    links: dict[int, int] = {}
    cursor: dict[tuple[str, str | None, str], int] = defaultdict(int)
    unmatched: list[Entry] = []
    for index in copies:
        entry = entries[index]
        key = (entry.message.sender, str(entry.message.text))
        sends, slot = sent_lines.get(key, []), (entry.participant, *key)
        found = _next_line(
            sends, cursor[slot], entry.participant, index, joined.get(entry.participant)
        )
        if found is None:
            unmatched.append(entry)
            continue
        cursor[slot] = found + 1
        links[index] = sends[found].index
    return links, unmatched


def _next_line(
    sends: list[_Line], start: int, recipient: str, copy: int, joined: int | None
) -> int | None:
    """The position in ``sends`` of the line the copy at entry ``copy`` is.

    The first line from ``start`` on that another participant sent before the
    copy arrived, preferring those sent after the recipient's welcome: a line
    sent before it joined never reaches it, unless the server handled the
    line after the join after all (a send racing the join: then the only
    candidate is an earlier one).
    """
    earliest: int | None = None
    for position in range(start, len(sends)):
        line = sends[position]
        if line.index > copy:
            break
        if line.sender == recipient:  # a line never comes back to its sender
            continue
        if joined is None or line.index > joined:
            return position
        if earliest is None:
            earliest = position
    return earliest


def _is_chat_line(message: Message) -> bool:
    # A command is answered, not broadcast: no one receives it as a line.
    return message.type == "chat" and message.text is not None and not is_command(message.text)


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
        links: dict[int, int] | None = None,
    ) -> None:
        self.participants: list[ParticipantStats] = list(participants)
        #: every chat line sent, in the order they were sent
        self.deliveries: list[Delivery] = list(deliveries)
        #: received chat frames that match no participant's chat line
        self.unmatched: list[Entry] = list(unmatched)
        #: the entries the report was built from, in time order
        self.timeline: list[Entry] = list(timeline)
        self.elapsed = elapsed
        #: for each received chat that is a delivery, the line it is a copy of
        #: (both as indexes into ``timeline``)
        self.links: dict[int, int] = dict(links or {})

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
        # Tokens are indexes into entries: a rename's is that of its "/name" entry.
        followers = {name: NameFollower(name) for name in order}
        renamed: set[int] = set()  # the renames that took effect
        lines: list[_Line] = []
        copies: list[int] = []  # the received chat frames
        joined: dict[str, int] = {}  # participant -> the index of its welcome

        # First pass: counts, names, and each chat line with what its wire name needs.
        for index, entry in enumerate(entries):
            row, message = counts[entry.participant], entry.message
            follower = followers[entry.participant]
            row[entry.direction] += 1
            if entry.direction == "sent":
                if _is_chat_line(message):
                    lines.append(_Line(entry, index, follower.name, follower.pending))
                follower.sent(message, token=index)
                continue
            row[f"recv:{message.type}"] += 1
            was_welcomed = follower.welcomed
            took_effect = follower.received(message)
            if took_effect is not None:
                renamed.add(took_effect)
            if follower.welcomed and not was_welcomed:
                joined[entry.participant] = index
            if message.type == "chat":
                copies.append(index)

        # Second pass: each copy to the line it is a copy of.
        sent_lines: dict[tuple[str | None, str], list[_Line]] = defaultdict(list)
        for line in lines:
            sent_lines[(line.wire_name(renamed), line.text)].append(line)
        links, unmatched = _match_copies(entries, copies, sent_lines, joined)
        received: dict[int, set[str]] = defaultdict(set)
        for copy, line_index in links.items():
            received[line_index].add(entries[copy].participant)

        stats = [
            ParticipantStats(name, row["sent"], row["recv"], *(row[f"recv:{c}"] for c in COLUMNS))
            for name, row in counts.items()
        ]
        deliveries = [
            Delivery(
                line.sender,
                line.text,
                [n for n in order if n in received[line.index]],
                line.entry.time,
            )
            for line in lines
        ]
        if elapsed is None:
            elapsed = entries[-1].time - entries[0].time if entries else 0.0
        return cls(stats, deliveries, unmatched, entries, elapsed, links)

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
                lines.append(
                    f"{entry.participant:>{_SENDER_WIDTH}}  <-  {frame_text(entry.message)}"
                )
        return "\n".join(lines)

    def format_timeline(self) -> str:
        """The timeline the report was built from, one line per entry."""
        return format_timeline(self.timeline)

    def to_html(self, title: str = "chatlab scenario") -> str:
        """The timeline as a sequence diagram: one self-contained HTML page
        (``pytest_chatlab.diagram``)."""
        from .diagram import Diagram

        return Diagram.from_report(self, title=title).to_html()

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
