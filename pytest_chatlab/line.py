"""LineClient: drive any newline-framed protocol over TCP, and break it on purpose.

``LineConnection`` is the machinery: frame-level verbs over one socket that is
already connected. ``LineClient`` is its connecting form, for any line
protocol (text commands, JSON lines, a mix); ``MockClient`` is the same
machinery with the chat's strict decoding and conveniences, and a server's
side of a connection (an accepted socket) is the same class again.

Theory of operation:

- **One thread, pull based.** Nothing reads in the background. Every receive
  call reads the socket itself, blocking in ``poll`` until a deadline. No
  call sleeps to wait for something; no call waits without a deadline (a
  send that blocks gives up after the connect ``timeout``); every timeout
  says what it waited for and what did arrive.
- **Nothing is dropped.** Bytes go through ``wire.FrameReader``; each
  complete line becomes a frame (``_parse``) and is queued. For
  ``LineClient`` a line that is a JSON object is a ``dict`` and every other
  line is its text (``str``), so a peer that sends garbage fails a test
  visibly instead of stalling it. Frames read before the peer closed the
  connection stay readable after it.
- **A failed wait consumes nothing.** ``recv_until`` and ``expect`` put back
  the frames they looked at when they time out, so the next call and the
  log still see them.
- **Everything is logged.** Each line or raw write sent, each frame received
  and the end of the connection go to ``log`` in order, with a monotonic
  time; ``frames`` is what was received; ``format_log`` renders the log for
  a failure report.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import select
import socket
import struct
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, Protocol, TypeVar

from .closing import ClosedByWith, ConnectsByAddress
from .errors import ConnectionClosedError, ProtocolError
from .events import Event, Note, listing
from .logtext import cap
from .waits import start_wait

# Names, not the module: the package caches a ``wire`` attribute, which a
# re-import of this module (pytester runs in-process) would otherwise share.
from .wire import FrameReader, decode

__all__ = [
    "DEFAULT_MAX_LINE_BYTES",
    "Address",
    "ClientConnection",
    "HasAddress",
    "LineClient",
    "LineConnection",
    "LineFrame",
    "address_of",
    "parse_line",
]

#: What a ``LineClient`` receives: a JSON object as a dict, any other line as its text.
LineFrame = dict[str, Any] | str
Address = tuple[str, int]
F = TypeVar("F", bound=LineFrame)  # every frame is one of the two

#: The longest line a client reads before it gives up with
#: ``ProtocolError("frame_too_large")``: far above what a sane peer sends, so
#: only a broken one reaches it, and a broken one cannot grow the buffer forever.
DEFAULT_MAX_LINE_BYTES = 1 << 20
_RECENT = 12


class HasAddress(Protocol):
    """A server object that knows where it listens: ``ChatServer``, a server process."""

    @property
    def address(self) -> Address: ...


def address_of(target: Address | HasAddress) -> Address:
    """``target`` itself if it is a ``(host, port)``, else its ``address``."""
    if isinstance(target, tuple):
        return target
    return target.address


def parse_line(line: bytes) -> LineFrame:
    """A ``LineClient`` frame: a line that is a JSON object (as strictly as
    ``wire.decode`` reads it: no ``NaN``, no lone surrogate) is a dict; any
    other line (text, JSON that is not an object, bytes that are not UTF-8) is
    its text, exactly: ``text.encode("utf-8", "surrogateescape")`` gives the
    bytes back."""
    try:
        return decode(line)
    except ProtocolError:
        return line.decode("utf-8", "surrogateescape")


def json_line(frame: Mapping[str, Any]) -> bytes:
    """``frame`` as one JSON line, with its newline: compact, in its own key
    order, raw UTF-8, ``None`` as ``null``."""
    text = json.dumps(frame, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8") + b"\n"


class LineConnection(ClosedByWith, Generic[F]):
    """Frame-level send, receive and wait calls over one connected socket.

    ``F`` is the type of a received frame; a subclass says how a line
    becomes one (``_parse``). ``address`` is the peer's; ``label`` names the
    connection in messages and logs. Not thread-safe: one thread drives it.
    """

    #: The default label is this, a colon and the local port.
    _kind = "line"
    #: How messages name the other end and this one.
    _peer = "the peer"
    _this = "this side"

    def __init__(
        self,
        sock: socket.socket,
        address: Address,
        *,
        reader: FrameReader,
        label: str | None = None,
        timeout: float = 5.0,
    ) -> None:
        # The timeout bounds each blocking send; receives wait in poll.
        sock.settimeout(timeout)
        self._sock = sock
        self._poll = select.poll()
        self._poll.register(sock, select.POLLIN)
        self.address: Address = address
        self.local_port: int = sock.getsockname()[1]
        self.label = label if label is not None else f"{self._kind}:{self.local_port}"
        self.log: list[Event] = []
        self._started = time.monotonic()
        self._reader = reader
        self._pending: deque[F] = deque()
        self._eof = False
        self._closed = False
        #: When every wait gives up, whatever its timeout (time.monotonic; None:
        #: no limit). The fixtures set it to end before the test's own timeout.
        self.deadline: float | None = None
        #: What each wait that gave up waited for, in order (a diagram marks them).
        self.missed: list[str] = []

    def _parse(self, line: bytes) -> F:
        """The frame a received line (without its newline) becomes."""
        raise NotImplementedError

    # -- sending ----------------------------------------------------------

    def send_json(self, frame: Mapping[str, Any]) -> None:
        """Sends ``frame`` as one JSON line: compact, in its own key order, raw
        UTF-8, ``None`` as ``null``."""
        self._send_line(json_line(frame))

    def send_line(self, text: str) -> None:
        """Sends ``text`` and a newline (a text command: ``send_line("PING")``).

        A newline inside ``text`` is refused (``ValueError``): that would be
        two lines; ``send_raw`` sends any bytes.
        """
        if "\n" in text:
            raise ValueError(f"{self.label}: send_line sends one line; {text!r} holds a newline")
        self._send_line(text.encode("utf-8") + b"\n")

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

    def recv(self, timeout: float | None = None) -> F:
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

    def recv_until(self, predicate: Callable[[F], bool], timeout: float | None = None) -> list[F]:
        """Frames up to and including the first one ``predicate`` accepts.

        On timeout or close, the frames seen are put back and the error
        (``TimeoutError`` or ``ConnectionClosedError``) lists them.
        """
        what = f"a frame accepted by {getattr(predicate, '__name__', predicate)}"
        return self._until(predicate, timeout, what)

    def recv_until_idle(self, idle: float = 0.05, timeout: float | None = None) -> list[F]:
        """Every frame until no byte has arrived for ``idle`` s (or the connection ended).

        A heuristic for draining chatter, not a synchronisation: prefer a
        request the peer must answer. Raises ``TimeoutError`` if the line is
        still busy after ``timeout`` s.
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

    def expect(self, *, timeout: float | None = None, **fields: Any) -> dict[str, Any]:
        """The next JSON frame whose ``fields`` all match; frames before it are consumed.

        Text lines never match. Raises ``AssertionError`` listing the frames
        that did come when no match arrives in time or the connection ends
        first (those frames are then put back).
        """
        __tracebackhide__ = True  # a failure points at the test's line, not this one
        return self._expect(fields, timeout)

    def expect_line(self, line: str | re.Pattern[str], timeout: float | None = None) -> str:
        """The next text line equal to ``line``, or in which the pattern ``line``
        is found (``re.search``, as ``pytest.raises(match=)``); frames before
        it are consumed. JSON frames never match. Raises ``AssertionError``
        like ``expect``."""
        __tracebackhide__ = True

        def matches(frame: F) -> bool:
            if not isinstance(frame, str):
                return False
            return frame == line if isinstance(line, str) else line.search(frame) is not None

        shown = repr(line) if isinstance(line, str) else f"matching {line.pattern!r}"
        found = self._asserted(matches, timeout, f"the line {shown}")
        assert isinstance(found, str)
        return found

    def wait_closed(self, timeout: float | None = None) -> bool:
        """Reads until the peer closes the connection: True then, False on timeout.

        Frames that arrive meanwhile are kept for ``recv``.
        """
        deadline = start_wait(timeout, self.deadline).until
        while not self._eof:
            if self._closed or not self._read(deadline):
                return False
        return True

    @property
    def frames(self) -> list[F]:
        """Every frame received since the connection opened, consumed or not, in order."""
        return [entry.data for entry in self.log if entry.direction == "recv"]

    # -- ending -----------------------------------------------------------

    def shutdown_write(self) -> None:
        """Half close: the peer sees end of file, and still answers what came before."""
        self._sock.shutdown(socket.SHUT_WR)
        self.log.append(Event("sent", time.monotonic(), Note("shutdown(SHUT_WR)")))

    def abort(self) -> None:
        """Closes with a reset (RST) instead of a FIN: SO_LINGER on, timeout 0."""
        if not self._closed:
            self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.log.append(Event("sent", time.monotonic(), Note("reset (abort)")))
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
    def peer_closed(self) -> bool:
        """True once the peer closed or reset the connection (end of file read)."""
        return self._eof

    def __repr__(self) -> str:
        state = "closed" if self._closed else "peer closed" if self._eof else "open"
        host, port = self.address
        return f"<{type(self).__name__} {self.label} -> {host}:{port} {state}>"

    # -- reporting --------------------------------------------------------

    def format_log(self, last: int = 0, max_bytes: int = 0) -> str:
        """The conversation, one line per event, times since connect: the
        ``last`` events (0: all), each shortened to ``max_bytes`` (0: whole)."""
        head = f"{self.label} ({self.local_port} -> {self.address[0]}:{self.address[1]}):"
        events = cap([entry.render(self._started, max_bytes) for entry in self.log], last)
        return "\n".join([head, *("  " + line for line in events)])

    # -- for subclasses ---------------------------------------------------

    def _send_line(self, line: bytes) -> None:
        """Sends a line this class encoded; the log shows its text."""
        self._send(line, line.decode("utf-8").removesuffix("\n"))

    def _expect(self, wanted: Mapping[str, Any], timeout: float | None) -> dict[str, Any]:
        __tracebackhide__ = True

        def matches(frame: F) -> bool:
            if not isinstance(frame, dict):
                return False
            return all(key in frame and frame[key] == value for key, value in wanted.items())

        found = self._asserted(matches, timeout, f"a frame matching {dict(wanted)}")
        assert isinstance(found, dict)
        return found

    def _await_queued(
        self, predicate: Callable[[F], bool], what: str, timeout: float | None
    ) -> None:
        """Reads until a queued frame satisfies ``predicate``, consuming nothing;
        returns at once if the connection ended. Raises ``TimeoutError``."""
        wait = start_wait(timeout, self.deadline)
        while not any(predicate(frame) for frame in self._pending):
            if self._eof or self._closed:
                return
            if not self._read(wait.until):
                raise TimeoutError(
                    f"{self.label}: waited {wait} for {what}; {self._why()}\n{self._recent()}"
                )

    def _until(self, predicate: Callable[[F], bool], timeout: float | None, what: str) -> list[F]:
        wait = start_wait(timeout, self.deadline)
        seen: list[F] = []
        while (ended := self._fill(wait.until)) is None:
            seen.append(self._pending.popleft())
            if predicate(seen[-1]):
                return seen
        self._pending.extendleft(reversed(seen))
        self.missed.append(what)
        raise ended(f"{self.label}: waited {wait} for {what}; {self._why()}; {listing(seen)}")

    # -- internals --------------------------------------------------------

    def _asserted(self, predicate: Callable[[F], bool], timeout: float | None, what: str) -> F:
        __tracebackhide__ = True
        try:
            return self._until(predicate, timeout, what)[-1]
        except (TimeoutError, ConnectionClosedError) as exc:
            raise AssertionError(str(exc)) from None

    def _send(self, data: bytes, logged: object) -> None:
        if self._closed:
            raise ConnectionClosedError(f"{self.label}: cannot send, {self._this} was closed")
        self.log.append(Event("sent", time.monotonic(), logged))
        try:
            self._sock.sendall(data)
        except TimeoutError:
            raise TimeoutError(
                f"{self.label}: sending {len(data)} bytes blocked for {self._sock.gettimeout()} s;"
                f" {self._peer} is not reading"
            ) from None

    def _fill(self, deadline: float) -> type[TimeoutError | ConnectionClosedError] | None:
        """Reads until a frame is queued; else the error class that says why not."""
        while not self._pending:
            if self._eof or self._closed:
                return ConnectionClosedError
            if not self._read(deadline):
                return TimeoutError
        return None

    def _read(self, deadline: float) -> bool:
        """One read, waiting until ``deadline`` at most; True if anything happened."""
        wait_ms = max(0, math.ceil((deadline - time.monotonic()) * 1000))
        if not self._poll.poll(wait_ms):
            return False
        try:
            data = self._sock.recv(65536)
        except ConnectionResetError:
            self._end(f"reset by {self._peer}")
            return True
        if not data:
            self._end(f"closed by {self._peer}")
            return True
        for line in self._reader.feed(data):
            frame = self._parse(line)
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
            return f"{self._this} was closed"
        if self._eof:
            return f"{self._peer} closed the connection"
        return "nothing more came in time"

    def _recent(self) -> str:
        recent = self.log[-_RECENT:]
        if not recent:
            return "  (nothing was sent or received)"
        shown = "\n".join("  " + entry.render(self._started) for entry in recent)
        return f"  last {len(recent)} of {len(self.log)} events:\n{shown}"


def dial(address: Address | HasAddress, timeout: float) -> tuple[socket.socket, Address]:
    """A socket connected to ``address`` (or to the server object's), with
    TCP_NODELAY on so each send leaves as its own segment; and the address."""
    peer = address_of(address)
    sock = socket.create_connection(peer, timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock, peer


class ClientConnection(LineConnection[F], ConnectsByAddress):
    """The connecting form: ``cls((host, port))``, ``cls(server)`` for an
    object with an ``address``, or ``cls.connect(host, port)``, connected at
    once (TCP_NODELAY on, so each send leaves as its own segment)."""

    _peer = "the server"
    _this = "this client"

    def __init__(
        self,
        address: Address | HasAddress,
        *,
        reader: FrameReader,
        label: str | None = None,
        timeout: float = 5.0,
    ) -> None:
        sock, peer = dial(address, timeout)
        super().__init__(sock, peer, reader=reader, label=label, timeout=timeout)

    @property
    def server_closed(self) -> bool:
        """True once the server closed or reset the connection (end of file read)."""
        return self.peer_closed


class LineClient(ClientConnection[LineFrame]):
    """A client of any newline-framed protocol, connected at once.

    ``LineClient((host, port))``, or ``LineClient(server)`` for an object
    with an ``address``. A received line that is a JSON object is a dict,
    any other line its text (``parse_line``); one ``\\r`` before the newline
    is dropped, and an empty line is the frame ``""``. A line longer than
    ``max_line_bytes`` raises ``ProtocolError("frame_too_large")``.
    """

    def __init__(
        self,
        address: Address | HasAddress,
        *,
        label: str | None = None,
        timeout: float = 5.0,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    ) -> None:
        reader = FrameReader(max_line_bytes, keep_empty=True)
        super().__init__(address, reader=reader, label=label, timeout=timeout)

    def _parse(self, line: bytes) -> LineFrame:
        return parse_line(line)
