"""MockClient: a stdlib socket client that speaks the chat's wire, and can break it on purpose.

The mock is a test instrument, not a stand-in for the C++ client: besides
well-formed frames it sends raw bytes, frames cut at chosen offsets, half
closes and resets, which a conformant client never produces.

Its plumbing is ``LineConnection``'s (``pytest_chatlab.line``): one thread,
pull based, every wait with a deadline, nothing dropped, everything logged.
What it adds is the chat. Lines are decoded as strictly as the protocol
says (``wire.decode``), and a line the mock cannot decode is kept as an
*invalid frame*, ``{"type": INVALID, "raw": ..., "reason": ...}``, so every
frame is a dict and a server that sends garbage fails a test visibly. It
sends canonical frames (``wire.encode``), and knows the chat's verbs:
``send_text``, the ``sync`` barrier, the greeting, ``sender=`` for ``from``.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from .errors import ConnectionClosedError, ProtocolError
from .line import DEFAULT_MAX_LINE_BYTES, Address, ClientConnection, HasAddress

# Names, not the module: the package caches a ``wire`` attribute, which a
# re-import of this module (pytester runs in-process) would otherwise share.
from .wire import FrameReader, decode, encode

__all__ = ["INVALID", "ConnectionClosedError", "MockClient"]

#: The ``type`` of the frame the mock makes of a line it could not decode.
INVALID = "__invalid__"

Frame = dict[str, Any]

_sync_ids = itertools.count(1)


class MockClient(ClientConnection[Frame]):
    """A connected chat client with frame-level send, receive and wait calls.

    ``MockClient((host, port))`` (or ``MockClient(server)``) connects at
    once (TCP_NODELAY on, so each send leaves as its own segment). ``label``
    names the client in messages and logs. Not thread-safe: one test thread
    drives it.
    """

    _kind = "mock"

    def __init__(
        self,
        address: Address | HasAddress,
        *,
        label: str | None = None,
        timeout: float = 5.0,
    ) -> None:
        # The largest legal server frame (a roster or /who of 1,024 members)
        # is far below the limit, so only a broken server reaches it.
        reader = FrameReader(DEFAULT_MAX_LINE_BYTES)
        super().__init__(address, reader=reader, label=label, timeout=timeout)

    def _parse(self, line: bytes) -> Frame:
        try:
            return decode(line)
        except ProtocolError as exc:
            return {"type": INVALID, "raw": line.decode("utf-8", "replace"), "reason": str(exc)}

    # -- the chat's verbs -------------------------------------------------

    def send_json(self, frame: Mapping[str, Any]) -> None:
        """Sends one canonical frame (``wire.encode``: ``None`` fields left out)."""
        self._send_line(encode(dict(frame)))

    def send_text(self, text: str) -> None:
        """Sends a chat line; a text starting with ``/`` is a command."""
        self.send_json({"type": "chat", "text": text})

    def sync(self, timeout: float | None = None) -> list[Frame]:
        """Sends a ``sync`` barrier; returns the frames that arrived before its answer.

        Once it returns, the server has handled everything this client sent
        before, and every frame that produced for this client is in the
        result. The answer itself is consumed.
        """
        sync_id = f"mock-sync-{next(_sync_ids)}"
        self.send_json({"type": "sync", "id": sync_id})
        frames = self._until(
            lambda f: f.get("type") == "sync" and f.get("id") == sync_id,
            timeout,
            f"the answer to sync {sync_id!r}",
        )
        return frames[:-1]

    def expect(self, type: str | None = None, timeout: float | None = None, **fields: Any) -> Frame:
        """The next frame whose ``type`` and ``fields`` all match; others are consumed.

        ``sender=`` stands for the wire's ``from``. Raises ``AssertionError``
        listing the frames that did come when no match arrives in time or the
        connection ends first (those frames are then put back).
        """
        __tracebackhide__ = True  # a failure points at the test's line, not this one
        wanted: Frame = {} if type is None else {"type": type}
        for key, value in fields.items():
            wanted["from" if key == "sender" else key] = value
        return self._expect(wanted, timeout)

    def wait_greeted(self, timeout: float | None = None) -> None:
        """Waits until the server has answered the connect: the roster that
        makes this client a member, or the error that refuses it. Nothing is
        consumed; every frame stays queued for ``recv``.

        Raises ``TimeoutError`` if neither came (a connection the server
        closed without a word returns too: ``server_closed`` says so).
        """
        self._await_queued(
            lambda frame: frame.get("type") in ("roster", "error"),
            "the server to greet this client",
            timeout,
        )
