"""MockClient: a stdlib socket client that speaks the wire, and can break it on purpose.

The mock is a test instrument, not a stand-in for the C++ client: besides
well-formed frames it sends raw bytes, frames cut at chosen offsets, half
closes and resets, which a conformant client never produces.

Theory of operation:

- **One thread, pull based.** Nothing reads in the background. Every receive
  call reads the socket itself, blocking in ``poll`` until a deadline. No
  call sleeps to wait for something; no call waits without a deadline (a
  send that blocks gives up after the connect ``timeout``); every timeout
  says what it waited for and what did arrive.
- **Nothing is dropped.** Bytes go through ``wire.FrameReader``; complete
  lines are decoded into frames (dicts) and queued. A line the mock cannot
  decode is kept as an *invalid frame*, ``{"type": INVALID, "raw": ...,
  "reason": ...}``, so a server that sends garbage fails a test visibly
  instead of stalling it. Frames read before the server closed the
  connection stay readable after it.
- **A failed wait consumes nothing.** ``recv_until`` and ``expect`` put back
  the frames they looked at when they time out, so the next call and the
  log still see them.
- **Everything is logged.** Each frame or raw write sent, each frame
  received and the end of the connection go to ``log`` in order, with a
  monotonic time; ``format_log`` renders it for a failure report.
"""

from __future__ import annotations

import itertools
import math
import select
import socket
import struct
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from . import wire
from .closing import ClosedByWith, ConnectsByAddress
from .errors import ConnectionClosedError, ProtocolError
from .events import Event, listing
from .logtext import cap
from .waits import start_wait

__all__ = ["INVALID", "ConnectionClosedError", "MockClient"]

#: The ``type`` of the frame the mock makes of a line it could not decode.
INVALID = "__invalid__"

Frame = dict[str, Any]

# The mock reads what the server sends; the largest legal server frame (a
# roster or /who of 1,024 members) is far below this, so only a broken
# server reaches it, and then ProtocolError("frame_too_large") is raised.
_MAX_SERVER_FRAME = 1 << 20
_RECENT = 12
_sync_ids = itertools.count(1)


class MockClient(ConnectsByAddress, ClosedByWith):
    """A connected client socket with frame-level send, receive and wait calls.

    ``MockClient((host, port))`` connects at once (TCP_NODELAY on, so each
    send leaves as its own segment). ``label`` names the client in messages
    and logs. Not thread-safe: one test thread drives it.
    """

    def __init__(
        self,
        address: tuple[str, int],
        *,
        label: str | None = None,
        timeout: float = 5.0,
    ) -> None:
        # The timeout also bounds each blocking send; receives wait in poll.
        self._sock = socket.create_connection(address, timeout=timeout)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._poll = select.poll()
        self._poll.register(self._sock, select.POLLIN)
        self.address: tuple[str, int] = address
        self.local_port: int = self._sock.getsockname()[1]
        self.label = label if label is not None else f"mock:{self.local_port}"
        self.log: list[Event] = []
        self._started = time.monotonic()
        self._reader = wire.FrameReader(_MAX_SERVER_FRAME)
        self._pending: deque[Frame] = deque()
        self._eof = False
        self._closed = False
        #: When every wait gives up, whatever its timeout (time.monotonic; None:
        #: no limit). The fixtures set it to end before the test's own timeout.
        self.deadline: float | None = None

    # -- sending ----------------------------------------------------------

    def send_json(self, frame: Frame) -> None:
        """Sends one canonical frame (``wire.encode``: ``None`` fields left out)."""
        self._send(wire.encode(frame), dict(frame))

    def send_text(self, text: str) -> None:
        """Sends a chat line; a text starting with ``/`` is a command."""
        self.send_json({"type": "chat", "text": text})

    def send_raw(self, data: bytes) -> None:
        """Sends bytes as they are: no newline added, nothing checked."""
        self._send(data, data)

    def send_split(self, data: bytes, at: Iterable[int], delay: float = 0.0) -> None:
        """Sends ``data`` cut at the byte offsets ``at``, one ``sendall`` per piece.

        ``delay`` paces the pieces (seconds between two sends); with 0 they
        are still separate writes, which TCP_NODELAY sends as separate
        segments as far as the kernel allows. Offsets may fall anywhere, in
        the middle of a UTF-8 character included.
        """
        cuts = sorted(set(at))
        if cuts and (cuts[0] <= 0 or cuts[-1] >= len(data)):
            raise ValueError(f"split offsets must lie inside 1..{len(data) - 1}, got {cuts}")
        edges = [0, *cuts, len(data)]
        for index, (start, end) in enumerate(itertools.pairwise(edges)):
            if index and delay > 0:
                time.sleep(delay)  # pacing the input is the point, not waiting
            self.send_raw(data[start:end])

    # -- receiving --------------------------------------------------------

    def recv(self, timeout: float | None = None) -> Frame:
        """The next frame.

        Raises ``TimeoutError`` if none arrives in time (5 s unless
        ``timeout`` says otherwise), and ``ConnectionClosedError`` at once if
        the connection ended with none left.
        """
        wait = start_wait(timeout, self.deadline)
        ended = self._fill(wait.until)
        if ended is not None:
            raise ended(
                f"{self.label}: waited {wait} for the next frame; {self._why()}\n{self._recent()}"
            )
        return self._pending.popleft()

    def recv_until(
        self, predicate: Callable[[Frame], bool], timeout: float | None = None
    ) -> list[Frame]:
        """Frames up to and including the first one ``predicate`` accepts.

        On timeout or close, the frames seen are put back and the error
        (``TimeoutError`` or ``ConnectionClosedError``) lists them.
        """
        what = f"a frame accepted by {getattr(predicate, '__name__', predicate)}"
        return self._until(predicate, timeout, what)

    def recv_until_idle(self, idle: float = 0.05, timeout: float | None = None) -> list[Frame]:
        """Every frame until no byte has arrived for ``idle`` s (or the connection ended).

        A heuristic for draining chatter, not a synchronisation: prefer
        ``sync`` when the server must have answered. Raises ``TimeoutError``
        if the line is still busy after ``timeout`` s.
        """
        wait = start_wait(timeout, self.deadline)
        deadline = wait.until
        quiet_at = time.monotonic() + idle
        while not (self._eof or self._closed):
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    f"{self.label}: waited {wait} for the line to be quiet for {idle} s; "
                    f"{len(self._pending)} frames came meanwhile\n{self._recent()}"
                )
            if self._read(min(quiet_at, deadline)):
                quiet_at = time.monotonic() + idle
            elif time.monotonic() >= quiet_at:
                break
        frames = list(self._pending)
        self._pending.clear()
        return frames

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

        def matches(frame: Frame) -> bool:
            return all(key in frame and frame[key] == value for key, value in wanted.items())

        try:
            return self._until(matches, timeout, f"a frame matching {wanted}")[-1]
        except (TimeoutError, ConnectionClosedError) as exc:
            raise AssertionError(str(exc)) from None

    def wait_greeted(self, timeout: float | None = None) -> None:
        """Waits until the server has answered the connect: the roster that
        makes this client a member, or the error that refuses it. Nothing is
        consumed; every frame stays queued for ``recv``.

        Raises ``TimeoutError`` if neither came (a connection the server
        closed without a word returns too: ``server_closed`` says so).
        """
        wait = start_wait(timeout, self.deadline)
        while not any(frame.get("type") in ("roster", "error") for frame in self._pending):
            if self._eof or self._closed:
                return
            if not self._read(wait.until):
                raise TimeoutError(
                    f"{self.label}: waited {wait} for the server to greet this client; "
                    f"{self._why()}\n{self._recent()}"
                )

    def wait_closed(self, timeout: float | None = None) -> bool:
        """Reads until the server closes the connection: True then, False on timeout.

        Frames that arrive meanwhile are kept for ``recv``.
        """
        deadline = start_wait(timeout, self.deadline).until
        while not self._eof:
            if self._closed or not self._read(deadline):
                return False
        return True

    # -- ending -----------------------------------------------------------

    def shutdown_write(self) -> None:
        """Half close: the server sees end of file, and still answers what came before."""
        self._sock.shutdown(socket.SHUT_WR)
        self.log.append(Event("sent", time.monotonic(), "shutdown(SHUT_WR)"))

    def abort(self) -> None:
        """Closes with a reset (RST) instead of a FIN: SO_LINGER on, timeout 0."""
        if not self._closed:
            self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.log.append(Event("sent", time.monotonic(), "reset (abort)"))
        self.close()

    def close(self) -> None:
        """Closes the socket; idempotent. Frames already received stay readable."""
        if not self._closed:
            self._closed = True
            self._sock.close()

    @property
    def closed(self) -> bool:
        """True once this side closed (``close`` or ``abort``)."""
        return self._closed

    @property
    def server_closed(self) -> bool:
        """True once the server closed or reset the connection (end of file read)."""
        return self._eof

    def __repr__(self) -> str:
        state = "closed" if self._closed else "server closed" if self._eof else "open"
        return f"<MockClient {self.label} -> {self.address[0]}:{self.address[1]} {state}>"

    # -- reporting --------------------------------------------------------

    def format_log(self, last: int = 0, max_bytes: int = 0) -> str:
        """The conversation, one line per event, times since connect: the
        ``last`` events (0: all), each shortened to ``max_bytes`` (0: whole)."""
        head = f"{self.label} ({self.local_port} -> {self.address[0]}:{self.address[1]}):"
        events = cap([entry.render(self._started, max_bytes) for entry in self.log], last)
        return "\n".join([head, *("  " + line for line in events)])

    # -- internals --------------------------------------------------------

    def _send(self, data: bytes, logged: Frame | bytes) -> None:
        if self._closed:
            raise ConnectionClosedError(f"{self.label}: cannot send, the client was closed")
        self.log.append(Event("sent", time.monotonic(), logged))
        try:
            self._sock.sendall(data)
        except TimeoutError:
            raise TimeoutError(
                f"{self.label}: sending {len(data)} bytes blocked for {self._sock.gettimeout()} s;"
                " the server is not reading"
            ) from None

    def _fill(self, deadline: float) -> type[TimeoutError | ConnectionClosedError] | None:
        """Reads until a frame is queued; else the error class that says why not."""
        while not self._pending:
            if self._eof or self._closed:
                return ConnectionClosedError
            if not self._read(deadline):
                return TimeoutError
        return None

    def _until(
        self, predicate: Callable[[Frame], bool], timeout: float | None, what: str
    ) -> list[Frame]:
        wait = start_wait(timeout, self.deadline)
        seen: list[Frame] = []
        while (ended := self._fill(wait.until)) is None:
            seen.append(self._pending.popleft())
            if predicate(seen[-1]):
                return seen
        self._pending.extendleft(reversed(seen))
        raise ended(f"{self.label}: waited {wait} for {what}; {self._why()}; {listing(seen)}")

    def _read(self, deadline: float) -> bool:
        """One read, waiting until ``deadline`` at most; True if anything happened."""
        wait_ms = max(0, math.ceil((deadline - time.monotonic()) * 1000))
        if not self._poll.poll(wait_ms):
            return False
        try:
            data = self._sock.recv(65536)
        except ConnectionResetError:
            self._end("reset by the server")
            return True
        if not data:
            self._end("closed by the server")
            return True
        for line in self._reader.feed(data):
            frame = _decode(line)
            self.log.append(Event("recv", time.monotonic(), frame))
            self._pending.append(frame)
        return True

    def _end(self, why: str) -> None:
        self._eof = True
        tail = self._reader.pending
        note = f"{why}; unterminated tail {tail!r} dropped" if tail else why
        self.log.append(Event("eof", time.monotonic(), note))

    def _why(self) -> str:
        if self._closed:
            return "this client was closed"
        if self._eof:
            return "the server closed the connection"
        return "nothing more came in time"

    def _recent(self) -> str:
        recent = self.log[-_RECENT:]
        if not recent:
            return "  (nothing was sent or received)"
        shown = "\n".join("  " + entry.render(self._started) for entry in recent)
        return f"  last {len(recent)} of {len(self.log)} events:\n{shown}"


def _decode(line: bytes) -> Frame:
    try:
        return wire.decode(line)
    except ProtocolError as exc:
        return {"type": INVALID, "raw": line.decode("utf-8", "replace"), "reason": str(exc)}
