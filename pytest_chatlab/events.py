"""What happened on a connection, as a test saw it: one event type, one way to show a frame.

``LineClient``, ``MockClient`` and ``Device`` log the same ``Event``s, and
every frame a person reads (in a log, a failure listing, the report's
timeline) is shown as the canonical encoder writes it: ``wire.canonical``,
the format of ``wire.encode``, which a test pins to the C++ encoder byte for
byte. So a frame reads the same everywhere, and the same as on the wire.
Stdlib only: the clients import it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from . import wire
from .logtext import printable, shorten

__all__ = ["Direction", "Event", "Note", "frame_text", "listing"]

#: sent and recv: frames; invalid: a line that did not decode; error: an
#: exception a callback raised; eof: the end, and why.
Direction = Literal["sent", "recv", "invalid", "error", "eof"]


class _HasFields(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


def frame_text(frame: Mapping[str, Any] | _HasFields | str) -> str:
    """A frame as a line, without the newline: a dict or a ``Message`` as its
    canonical line (a dict's ``None`` fields as ``null``, as a peer sent
    them), a text line as itself; bytes that are not UTF-8 as ``\\xNN``."""
    if isinstance(frame, str):
        return printable(frame)
    fields = dict(frame) if isinstance(frame, Mapping) else frame.to_dict()
    return printable(wire.canonical(fields))


class Note(str):
    """An event's words about the connection (a half close or a reset sent),
    as opposed to a text line a peer sent or received, which is a plain ``str``."""

    __slots__ = ()


@dataclass(frozen=True)
class Event:
    """One event on a connection.

    ``data`` is the frame (a dict from the mock, a ``Message`` from a
    device), the bytes of a raw write, an exception a callback raised, or a
    short note: a half close or a reset sent, a line that did not decode,
    why the connection ended.
    """

    direction: Direction
    time: float
    data: Any

    def render(self, since: float, max_bytes: int = 0) -> str:
        """One line, the time since ``since``; the data shortened to ``max_bytes`` (0: whole)."""
        if isinstance(self.data, bytes):
            shown = f"raw {self.data!r}"
        elif isinstance(self.data, BaseException):
            shown = f"callback raised {type(self.data).__name__}: {self.data}"
        elif isinstance(self.data, str):
            shown = printable(self.data)
        else:
            shown = frame_text(self.data)
        return f"{self.time - since:+9.4f}s  {self.direction:<7}  {shorten(shown, max_bytes)}"


def listing(frames: Iterable[Mapping[str, Any] | _HasFields | str], what: str = "frames") -> str:
    """What arrived, for a failed wait's message: a count and one line each."""
    lines = [frame_text(frame) for frame in frames]
    if not lines:
        return f"no {what[:-1]} arrived"
    shown = "\n".join("  " + line for line in lines)
    return f"{len(lines)} {what} arrived:\n{shown}"
