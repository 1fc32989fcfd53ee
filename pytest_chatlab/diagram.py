"""The conversation of a test as a sequence diagram: one HTML file, inline SVG.

Theory of operation:

- **One model, two sources.** A diagram is lanes (the server, then each
  participant: a device, a mock client) and arrows in time order: a frame
  a participant sent (lane to server) or one it received (server to lane),
  a raw write, a line that did not decode, a callback that raised, the end
  of a connection. ``Diagram.from_report`` reads a harness's timeline;
  ``Diagram.from_logs`` the event logs of the clients and devices a test
  made. Both hand the frames to ``Report.from_timeline``, the one home of
  the rule that says which received chat is a copy of which line sent, and
  of each participant's wire name (the core's ``NameFollower``).
- **Rows, not seconds.** Each row is one arrow, except that a frame the
  server delivered to several lanes in a row (a chat's copies, a join, a
  roster) is one row with an arrowhead at each recipient. Rows follow time
  order; their time is written at the left, and a stretch with nothing on
  the wire longer than ``IDLE`` is folded into one thin row that says how
  long it was. So a run of a second with two bursts reads as two bursts.
- **Pages fold.** Rows are cut into pages of ``rows_per_page``, each a
  ``<details>`` element; the first and last pages and any page with an
  error start open. A browser lays out only the pages opened, so 50 lanes
  and thousands of frames stay usable.
- **No script, no markup from the data.** Everything comes from user data
  (chat texts, names, error texts): each text is escaped for HTML, control
  and bidirectional-override characters are shown as ``\\uXXXX`` escapes,
  and nothing is loaded from elsewhere. A chat and its copies share a
  colour, and hovering one thickens them all (CSS ``:has``); every arrow's
  tooltip (SVG ``<title>``) holds the whole frame and who sent or got it.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .events import Event, Note, frame_text
from .mock import INVALID

if TYPE_CHECKING:
    from ._native import Message
    from .report import Report

__all__ = ["IDLE", "Arrow", "Diagram", "Lane", "Missing"]

Kind = Literal["frame", "chat", "sync", "error", "close", "invalid", "raw"]

#: Seconds with nothing on the wire that fold into one "idle" row.
IDLE = 0.05
SERVER = "server"

_ROW = 18
_GAP_ROW = 12
_GUTTER = 78
_LANE = 150
_MARGIN = 320  # right of the last lane: room for its labels
_LABEL_CHARS = 44
_TOOLTIP_CHARS = 5000
_PALETTE = 8
_FRAME_KINDS: dict[str, Kind] = {"chat": "chat", "sync": "sync", "error": "error"}
# C0 and C1 controls, DEL, and the characters that reorder text around them.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Lane:
    """A participant: its label, and the wire names it had, in order."""

    label: str
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Arrow:
    """One thing on the wire, seen from ``lane``: sent to the server or received from it."""

    time: float
    lane: str
    direction: Literal["sent", "recv"]
    text: str
    kind: Kind = "frame"
    #: the chat line this arrow is, or is a copy of (the same number for both)
    link: int | None = None
    #: the lane's wire name at that moment
    name: str | None = None
    #: what the arrow's label shows, if not ``text``
    summary: str | None = None


@dataclass(frozen=True)
class Missing:
    """What ``lane`` waited for and never received (a failed ``expect``/``wait_for``)."""

    lane: str
    what: str


@dataclass
class _Row:
    time: float
    arrow: Arrow
    lanes: list[tuple[int, Arrow]] = field(default_factory=list)
    taken: set[int] = field(default_factory=set)

    def add(self, lane: int, arrow: Arrow) -> None:
        self.lanes.append((lane, arrow))
        self.taken.add(lane)


class Diagram:
    """A sequence diagram of one conversation; ``to_html`` draws it."""

    def __init__(
        self,
        lanes: Sequence[Lane],
        arrows: Iterable[Arrow],
        *,
        missing: Sequence[Missing] = (),
        title: str = "chatlab conversation",
    ) -> None:
        self.lanes = list(lanes)
        self.arrows = sorted(arrows, key=lambda arrow: arrow.time)
        self.missing = list(missing)
        self.title = title
        known = {lane.label for lane in self.lanes}
        strangers = sorted({a.lane for a in self.arrows} - known) + sorted(
            {m.lane for m in self.missing} - known
        )
        if strangers:
            raise ValueError(f"arrows or missing frames of unknown lanes: {', '.join(strangers)}")

    @classmethod
    def from_report(
        cls, report: Report, *, missing: Sequence[Missing] = (), title: str = "chatlab scenario"
    ) -> Diagram:
        """The diagram of a harness's report: its timeline, its lanes in table order."""
        order = [row.name for row in report.participants]
        return cls(*_frames(report, order), missing=missing, title=title)

    @classmethod
    def from_logs(
        cls,
        logs: Sequence[tuple[str, Sequence[Event]]],
        *,
        missing: Sequence[Missing] = (),
        title: str = "chatlab conversation",
    ) -> Diagram:
        """The diagram of several connections' event logs (``MockClient.log``,
        ``Device`` events), each given as ``(label, events)``."""
        from ._native import Message
        from .report import Entry, Report

        entries: list[Entry] = []
        others: list[Arrow] = []
        for label, events in logs:
            for event in events:
                message = _message(event.data, Message)
                if event.direction in ("sent", "recv") and message is not None:
                    entries.append(Entry(event.time, label, event.direction, message))
                else:
                    others.append(_other_arrow(label, event))
        order = [label for label, _ in logs]
        report = Report.from_timeline(entries, participants=order)
        lanes, arrows = _frames(report, order)
        return cls(lanes, [*arrows, *others], missing=missing, title=title)

    # -- output -----------------------------------------------------------

    def to_html(self, rows_per_page: int = 400) -> str:
        """One self-contained HTML page: a header of lanes, then pages of rows."""
        rows = _rows(self.arrows, {lane.label: i for i, lane in enumerate(self.lanes)})
        pages = [rows[i : i + rows_per_page] for i in range(0, len(rows), rows_per_page)] or [[]]
        links = sorted({a.link for a in self.arrows if a.link is not None})
        start = self.arrows[0].time if self.arrows else 0.0
        width = _GUTTER + _LANE * (len(self.lanes) + 1) + _MARGIN
        parts = [
            "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>",
            f"<title>{_esc(self.title)}</title><style>{_CSS}",
            "".join(f"body:has(.c{n}:hover) .c{n} line{{stroke-width:3}}" for n in links),
            "</style></head><body>",
            f"<h1>{_esc(self.title)}</h1><p class='summary'>{_esc(self._summary())}</p>",
            _LEGEND,
            f"<div class='lanes'>{self._header(width)}</div>",
        ]
        for number, page in enumerate(pages):
            last = number == len(pages) - 1
            parts.append(self._page(page, number * rows_per_page, width, start, last))
        parts.append("</body></html>\n")
        return "".join(parts)

    # -- internals --------------------------------------------------------

    def _summary(self) -> str:
        errors = sum(a.kind in ("error", "invalid") for a in self.arrows)
        span = self.arrows[-1].time - self.arrows[0].time if self.arrows else 0.0
        text = (
            f"{len(self.lanes)} participants, {len(self.arrows)} arrows over {span:.3f} s, "
            f"{errors} errors or invalid lines"
        )
        return text + (f", {len(self.missing)} never arrived" if self.missing else "")

    def _header(self, width: int) -> str:
        cells = [_lane_title(_x(-1), SERVER, "")]
        for index, lane in enumerate(self.lanes):
            names = " \u2192 ".join(lane.names) if lane.names else ""
            cells.append(_lane_title(_x(index), lane.label, names))
        return f"<svg width='{width}' height='34'>{''.join(cells)}</svg>"

    def _page(self, rows: list[_Row], first: int, width: int, start: float, last: bool) -> str:
        body, y, previous = [], 4, None
        for row in rows:
            if previous is not None and row.time - previous > IDLE:
                body.append(_idle(y, row.time - previous, width))
                y += _GAP_ROW
            previous = row.time
            y += _ROW
            body.append(_draw(row, y, start))
        if last:
            for missing in self.missing:
                y += _ROW + 4
                body.append(_missing(missing, _x(self._lane_index(missing.lane)), y))
        height = y + 8
        lanes = "".join(
            f"<line class='lane' x1='{_x(i)}' y1='0' x2='{_x(i)}' y2='{height}'/>"
            for i in range(-1, len(self.lanes))
        )
        troubled = any(r.arrow.kind in ("error", "invalid") for r in rows) or (
            last and self.missing
        )
        is_open = " open" if first == 0 or last or troubled else ""
        span = f"+{rows[0].time - start:.4f}s \u2026 +{rows[-1].time - start:.4f}s" if rows else ""
        summary = f"rows {first + 1}\u2013{first + len(rows)} {span}"
        return (
            f"<details{is_open}><summary>{_esc(summary)}</summary>"
            f"<svg width='{width}' height='{height}'>{lanes}{''.join(body)}</svg></details>"
        )

    def _lane_index(self, label: str) -> int:
        return next(i for i, lane in enumerate(self.lanes) if lane.label == label)


def _frames(report: Report, order: Sequence[str]) -> tuple[list[Lane], list[Arrow]]:
    """The lanes and the frame arrows of ``report``'s timeline, with links and wire names."""
    from ._native import NameFollower

    followers = {label: NameFollower(label) for label in order}
    seen: dict[str, list[str]] = {label: [] for label in order}
    copy_of = report.links
    lines = set(copy_of.values())
    arrows = []
    shown: dict[Message, tuple[str, str]] = {}  # a broadcast's copies are equal: write it once
    for index, entry in enumerate(report.timeline):
        follower = followers[entry.participant]
        if entry.direction == "sent":
            follower.sent(entry.message, token=index)
        else:
            follower.received(entry.message)
        name = follower.name if follower.welcomed else None
        if name is not None and name not in seen[entry.participant][-1:]:
            seen[entry.participant].append(name)
        link = index if index in lines else copy_of.get(index)
        text, summary = shown.get(entry.message) or shown.setdefault(
            entry.message, _frame_texts(entry.message)
        )
        kind = _FRAME_KINDS.get(str(entry.message.type), "frame")
        arrows.append(
            Arrow(entry.time, entry.participant, entry.direction, text, kind, link, name, summary)
        )
    return [Lane(label, tuple(seen[label])) for label in order], arrows


def _frame_texts(message: Message) -> tuple[str, str]:
    """A frame as the wire has it (for the tooltip) and as a short label."""
    fields = message.to_dict()
    kind = str(fields.pop("type", "?"))
    values = (f"{key}={json.dumps(value, ensure_ascii=False)}" for key, value in fields.items())
    return frame_text(message), " ".join([kind, *values])


def _message(data: Any, message_type: type[Message]) -> Message | None:
    """A logged frame as a ``Message``: a device's already is, a mock's dict is
    converted; anything else (raw bytes, a note, a line that did not decode) is None."""
    if isinstance(data, message_type):
        return data
    if isinstance(data, Mapping) and data.get("type") != INVALID:
        try:
            return message_type.from_dict(dict(data))
        except (KeyError, TypeError, ValueError):  # KeyError: another protocol's frame
            return None
    return None


def _other_arrow(label: str, event: Event) -> Arrow:
    """An event that is not a chat frame: a raw write, a line that did not
    decode, a callback's exception, the end of the connection, or a frame of
    another protocol (a ``LineClient``'s dict or text line)."""
    data, direction = event.data, event.direction
    sent: Literal["sent", "recv"] = "sent" if direction == "sent" else "recv"
    if isinstance(data, bytes):
        return Arrow(event.time, label, "sent", f"raw {data!r}", "raw")
    if isinstance(data, BaseException):
        return Arrow(event.time, label, "recv", f"callback raised {data!r}", "error")
    if isinstance(data, Mapping) and data.get("type") == INVALID:
        text = f"invalid line {data.get('raw', '')!r}: {data.get('reason', '')}"
        return Arrow(event.time, label, "recv", text, "invalid")
    if direction == "invalid":
        return Arrow(event.time, label, "recv", f"invalid line: {data}", "invalid")
    if direction == "eof" or isinstance(data, Note):
        return Arrow(event.time, label, sent, str(data), "close")
    return Arrow(event.time, label, sent, frame_text(data))


def _rows(arrows: Sequence[Arrow], lane_of: Mapping[str, int]) -> list[_Row]:
    """Arrows grouped into rows: a frame the server delivered to several lanes
    since the last thing sent is one row, with an arrowhead at each."""
    rows: list[_Row] = []
    open_rows: dict[tuple[str, str, int | None], _Row] = {}
    for arrow in arrows:
        lane = lane_of[arrow.lane]
        key = (arrow.text, arrow.kind, arrow.link)
        row = open_rows.get(key)
        if arrow.direction == "recv" and arrow.kind != "close":
            if row is not None and lane not in row.taken:
                row.add(lane, arrow)
                continue
            row = open_rows[key] = _Row(arrow.time, arrow)
        else:  # what a lane sends (or an end) starts a new exchange
            row = _Row(arrow.time, arrow)
            open_rows.clear()
        row.add(lane, arrow)
        rows.append(row)
    return rows


def _draw(row: _Row, y: int, start: float) -> str:
    arrow = row.arrow
    classes = f"k-{arrow.kind}"
    if arrow.link is not None:
        classes += f" c{arrow.link} p{arrow.link % _PALETTE}"
    server = _x(-1)
    time_label = f"<text class='t' x='4' y='{y - 4}'>+{row.time - start:.4f}s</text>"
    label = _esc(_shorten(arrow.summary or arrow.text, _LABEL_CHARS))
    tooltip = _tooltip(row)
    if arrow.kind == "close":
        x = _x(row.lanes[0][0])
        return (
            f"<g class='{classes}'><title>{tooltip}</title>{time_label}"
            f"<path d='M{x - 5} {y - 10}l10 10m0 -10l-10 10'/>"
            f"<text x='{x + 8}' y='{y - 4}'>{label}</text></g>"
        )
    if arrow.direction == "sent":
        x = _x(row.lanes[0][0])
        heads = f"<path class='head' d='M{server} {y - 6}l8 -4v8z'/>"
        line = f"<line x1='{x}' y1='{y - 6}' x2='{server + 8}' y2='{y - 6}'/>"
    else:
        far = max(_x(lane) for lane, _ in row.lanes)
        line = f"<line x1='{server}' y1='{y - 6}' x2='{far - 8}' y2='{y - 6}'/>"
        heads = "".join(
            f"<path class='head' d='M{_x(lane)} {y - 6}l-8 -4v8z'/>" for lane, _ in row.lanes
        )
    return (
        f"<g class='{classes}'><title>{tooltip}</title>{time_label}{line}{heads}"
        f"<text x='{server + 12}' y='{y - 9}'>{label}</text></g>"
    )


def _tooltip(row: _Row) -> str:
    """Who sent or got the frame, then the frame itself: escaped, on two lines."""
    arrow = row.arrow
    who = ", ".join(_who(a) for _, a in row.lanes)
    where = f"{who} \u2192 server" if arrow.direction == "sent" else f"server \u2192 {who}"
    return f"{_esc(where)}\n{_esc(_shorten(arrow.text, _TOOLTIP_CHARS))}"


def _who(arrow: Arrow) -> str:
    if arrow.name is None or arrow.name == arrow.lane:
        return arrow.lane
    return f"{arrow.lane} (on the wire: {arrow.name})"


def _idle(y: int, seconds: float, width: int) -> str:
    return (
        f"<g class='idle'><rect x='0' y='{y}' width='{width}' height='{_GAP_ROW - 2}'/>"
        f"<text x='4' y='{y + 8}'>\u22ef {seconds:.3f} s idle \u22ef</text></g>"
    )


def _missing(missing: Missing, x: int, y: int) -> str:
    text = _esc(_shorten(f"never arrived: {missing.what}", _LABEL_CHARS * 2))
    tooltip = _esc(f"{missing.lane} waited for {_shorten(missing.what, _TOOLTIP_CHARS)}")
    return (
        f"<g class='missing'><title>{tooltip}</title>"
        f"<rect x='{x - 6}' y='{y - 14}' width='12' height='12'/>"
        f"<text x='{x + 10}' y='{y - 4}'>{text}</text></g>"
    )


def _lane_title(x: int, label: str, names: str) -> str:
    return (
        f"<text class='name' x='{x}' y='14'>{_esc(_shorten(label, 22))}</text>"
        f"<text class='wire' x='{x}' y='28'>{_esc(_shorten(names, 26))}</text>"
    )


def _x(lane: int) -> int:
    """The x of lane ``lane`` (-1: the server)."""
    return _GUTTER + _LANE * (lane + 1) + _LANE // 2


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _esc(text: str) -> str:
    """User data as text: unsafe characters as escapes, then HTML-escaped."""
    visible = _UNSAFE.sub(lambda m: f"\\u{ord(m[0]):04x}", text)
    return html.escape(visible, quote=True)


_CSS = (
    "body{font:13px system-ui,sans-serif;margin:12px;color:#222}"
    "h1{font-size:17px;margin:0 0 4px}.summary{margin:0 0 6px;color:#555}"
    ".legend span{margin-right:14px}"
    ".lanes{position:sticky;top:0;background:#fff;border-bottom:1px solid #ccc;z-index:1}"
    "details{margin:2px 0}summary{cursor:pointer;color:#555;font-size:12px}"
    "svg{display:block;font:11px ui-monospace,monospace}"
    "svg text{fill:#222;white-space:pre;paint-order:stroke;stroke:#fff;stroke-width:3px}"
    ".name{font:bold 12px system-ui,sans-serif;text-anchor:middle}"
    ".wire{fill:#666!important;text-anchor:middle}"
    "line{stroke:#777;stroke-width:1.4}.lane{stroke:#ddd;stroke-width:1}"
    ".head{fill:#777}.t{fill:#999!important;font-size:10px}"
    ".k-sync line{stroke:#3b6fd1;stroke-dasharray:4 3}.k-sync .head{fill:#3b6fd1}"
    ".k-error line,.k-invalid line{stroke:#c62828;stroke-width:2}"
    ".k-error .head,.k-invalid .head{fill:#c62828}"
    ".k-error text,.k-invalid text{fill:#c62828}"
    ".k-close path{stroke:#c62828;stroke-width:2;fill:none}.k-close text{fill:#c62828}"
    ".k-raw line{stroke:#8e24aa;stroke-dasharray:2 2}.k-raw .head{fill:#8e24aa}"
    ".idle rect{fill:#f3f3f3}.idle text{fill:#888;font-size:9px}"
    ".missing rect{fill:none;stroke:#c62828;stroke-dasharray:3 2}"
    ".missing text{fill:#c62828;font-weight:bold}"
    + "".join(
        f".p{n} line{{stroke:{color}}}.p{n} .head{{fill:{color}}}"
        for n, color in enumerate(
            ["#2e7d32", "#1565c0", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457", "#558b2f", "#4e342e"]
        )
    )
)

_LEGEND = (
    "<p class='legend'><span>\u2190 to the server, \u2192 from it; one colour per chat "
    "line and its copies (hover to follow)</span><span style='color:#3b6fd1'>- - sync</span>"
    "<span style='color:#c62828'>red: errors, invalid lines, closes, never arrived</span>"
    "<span style='color:#8e24aa'>purple: raw bytes</span></p>"
)
