"""The one exception every refusal of bad input raises, native or pure Python.

Stdlib only: ``wire`` and ``mock`` raise it without importing the compiled
module, and ``_native`` raises this very class, so ``except ProtocolError``
catches both.
"""

from __future__ import annotations

__all__ = ["ProtocolError"]


class ProtocolError(ValueError):
    """Input the protocol refuses; ``code`` is the docs/protocol.md error code."""

    code: str
    frames: list[str]

    def __init__(self, code: str, detail: str = "", *, frames: list[str] | None = None) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        #: complete frames that came before the refusal in the same input (FrameBuffer)
        self.frames = frames if frames is not None else []

    def __reduce__(self) -> tuple[object, ...]:
        # Keeps the exception picklable, so pytest-xdist can ship it between workers.
        return (_rebuild, (self.code, self.detail, self.frames))


def _rebuild(code: str, detail: str, frames: list[str]) -> ProtocolError:
    return ProtocolError(code, detail, frames=frames)
