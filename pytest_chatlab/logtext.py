"""Logs meant for people: long lines shortened, long logs capped.

A failure report is read by a person, so it must stay readable whatever the
test sent: a 70 KB frame prints as its head, its tail and its size, and a
log of thousands of events as its last few hundred. The whole log is kept in
a file, named in the report, for when the cut part matters.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["cap", "printable", "shorten"]


def shorten(text: str, max_bytes: int) -> str:
    """``text`` if it fits in ``max_bytes`` of UTF-8 (0: no limit), else its
    head and tail around a note of how much was left out."""
    size = len(text.encode("utf-8", "surrogateescape"))
    if max_bytes <= 0 or size <= max_bytes:
        return text
    keep = max(max_bytes // 2, 1)
    return f"{text[:keep]} ... [{size:,} bytes, {size - 2 * keep:,} left out] ... {text[-keep:]}"


def cap(lines: Sequence[str], last: int, what: str = "events") -> list[str]:
    """The ``last`` lines (0: all), after a line that counts those left out."""
    if last <= 0 or len(lines) <= last:
        return list(lines)
    return [f"... {len(lines) - last:,} earlier {what} left out", *lines[-last:]]


def printable(text: str) -> str:
    """``text`` with what UTF-8 cannot write shown as escapes: the bytes a
    ``surrogateescape`` decode kept as ``\\xNN``, a lone surrogate as ``\\udNNN``,
    so a log of any line can be printed and written to a file."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a lone surrogate that is no escaped byte
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
