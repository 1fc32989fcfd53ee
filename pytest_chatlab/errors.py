"""Every exception the package raises on purpose, in one module.

Stdlib only, so any module raises them without importing the compiled one.
``ProtocolError`` is every refusal of bad input, native or pure Python:
``_native`` raises this very class, so ``except ProtocolError`` catches both.
"""

from __future__ import annotations

__all__ = ["ConnectionClosedError", "ProtocolError", "ServerCrashedError", "ServerStartError"]


class ConnectionClosedError(ConnectionError):
    """The connection is over (closed by the server, reset, or closed here)
    and no received frame is left to read; raised by MockClient and Device."""


class ServerStartError(RuntimeError):
    """The server could not be started, or died or hung before READY."""


class ServerCrashedError(AssertionError):
    """The server under test crashed or printed a sanitizer report.

    An ``AssertionError``: the server, not the harness, failed the test.
    """


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
