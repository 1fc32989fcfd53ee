"""The mock's side of the wire: NDJSON frames built and read with the stdlib.

This is the one second implementation of the framing in the project, kept
on purpose so the mock can speak without the compiled core. It is pinned to
the C++ encoder byte for byte by ``tests/unit/test_wire.py``: ``encode``
must produce exactly what ``pytest_chatlab.encode`` produces.

It builds and parses frames; it does not judge them. What a frame means is
the server's business, so nothing here knows a message type or a command.
"""

from __future__ import annotations

import json
import math
from typing import Any

from .errors import ProtocolError

__all__ = ["DEFAULT_MAX_FRAME_BYTES", "FrameReader", "canonical", "decode", "encode"]

#: docs/protocol.md's default limit on the bytes before a frame's newline.
DEFAULT_MAX_FRAME_BYTES = 65536


def encode(frame: dict[str, Any]) -> bytes:
    """One canonical frame with its newline: compact, keys sorted, raw UTF-8.

    Fields that are ``None`` are left out, as the protocol never sends null.
    """
    present = {key: value for key, value in frame.items() if value is not None}
    return canonical(present).encode("utf-8") + b"\n"


def canonical(value: Any) -> str:
    """Any JSON value as canonical text, without a newline: compact, keys
    sorted, raw UTF-8 (``None`` is ``null``). The one home of the format."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def decode(line: bytes | str) -> dict[str, Any]:
    """Parses one frame; a trailing newline is allowed.

    As strict as docs/protocol.md, where Python's ``json`` is lenient: ``NaN``,
    ``Infinity``, numbers that overflow a double and lone surrogate escapes
    are ``ProtocolError("bad_json")`` like any text that is not UTF-8 JSON.
    JSON that is not an object is ``ProtocolError("bad_frame")``.
    """
    try:
        text = line.decode("utf-8") if isinstance(line, bytes) else line
        value = json.loads(
            text, parse_constant=_refuse_constant, parse_float=_finite_float, parse_int=_finite_int
        )
        if "\\u" in text:
            # Only an escape can smuggle in a lone surrogate; re-encoding finds it.
            json.dumps(value, ensure_ascii=False).encode("utf-8")
    except (UnicodeError, ValueError, RecursionError) as exc:
        raise ProtocolError("bad_json", str(exc)) from None
    if not isinstance(value, dict):
        raise ProtocolError("bad_frame", f"a frame is a JSON object, not {type(value).__name__}")
    return value


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def _finite_float(literal: str) -> float:
    value = float(literal)
    if math.isinf(value):
        raise ValueError(f"number out of range: {literal}")
    return value


def _finite_int(literal: str) -> int:
    value = int(literal)
    try:
        float(value)
    except OverflowError:
        raise ValueError(f"number out of range: {literal[:20]}...") from None
    return value


class FrameReader:
    """Reassembles frames from a byte stream cut at arbitrary points.

    ``feed`` returns the complete lines (bytes, without the newline and one
    trailing ``\\r``; empty lines skipped, as the protocol says, unless
    ``keep_empty``: other line protocols give them a meaning). A partial line
    longer than the limit raises ``ProtocolError("frame_too_large")``, so a
    reader facing a broken server cannot grow without bound.
    """

    def __init__(
        self, max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES, *, keep_empty: bool = False
    ) -> None:
        self.max_frame_bytes = max_frame_bytes
        self.keep_empty = keep_empty
        self._partial = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        self._partial += data
        end = self._partial.rfind(b"\n")
        if end < 0:
            self._check(len(self._partial), "without a newline")
            return []
        complete = bytes(self._partial[:end])
        del self._partial[: end + 1]
        frames = []
        for line in complete.split(b"\n"):
            self._check(len(line), "in one line")  # a trailing "\r" counts, as in C++
            line = line.removesuffix(b"\r")
            if line or self.keep_empty:
                frames.append(line)
        self._check(len(self._partial), "without a newline")
        return frames

    def _check(self, size: int, where: str) -> None:
        if size > self.max_frame_bytes:
            raise ProtocolError("frame_too_large", f"{size} bytes {where}")

    @property
    def pending(self) -> bytes:
        """The unterminated tail held back, waiting for its newline."""
        return bytes(self._partial)
