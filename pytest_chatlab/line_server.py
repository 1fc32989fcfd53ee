"""LineServer: a listening stand-in for any newline-framed protocol, to test a client.

Mode 2 the other way round: the client is the code under test, and the
server is the instrument. ``LineServer`` accepts connections on a loopback
port and lets the test drive each one with the verbs ``LineClient`` has
(``send_json``, ``send_raw``, ``send_split``, ``recv``, ``expect``,
``shutdown_write``, ``abort``, ``close``, the frame log), plus answers
scripted with ``on(predicate, reply)``.

Theory of operation:

- **One reader per socket: the server thread.** A background thread accepts
  connections and reads every one of them (``selectors``), so a client is
  never left unread and a scripted rule can answer at once. The test's
  receive calls never touch a socket: they wait (a ``Condition``, with a
  deadline) for what the server thread has queued. So ``recv``, ``expect``
  and ``wait_closed`` work the same as on a ``LineClient``, and no two
  threads ever read one socket.
- **Writes from both threads, whole.** The test sends from its thread and
  the rules answer from the server's; a lock per connection keeps each
  write whole, and a rule's whole reply (all the parts of a list), so
  frames never interleave and a reply is never cut by a test's send.
- **Every frame is queued and logged**, whether a rule answered it or not:
  the test can still ``expect`` it and the failure report shows it.
- **Rules** are tried in the order they were added; the first whose
  predicate accepts a frame replies on the server thread. Frames read
  before ``on`` was called are not answered.
- **Errors on the server thread are kept, not lost.** A predicate or reply
  that raises (or a reply the client does not read in time) is recorded
  with its traceback and the server keeps serving; ``check`` raises it on
  the test's thread, and the fixture's verdict fails the owning test with
  it, so nobody has to remember to call anything.
- **Ending.** A client's end of file stops the reading; the connection
  stays open for the test to write to (half close) until it closes it or
  ``stop`` closes everything and joins the thread. ``wait_client`` takes
  accepted connections in the order they came, with a deadline.

Subclasses (``MockServer``) hook into the server thread with ``_on_connect``,
``_on_line``, ``_on_overflow`` and ``_on_end``, which run with the server's
lock held.
"""

from __future__ import annotations

import queue
import selectors
import socket
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from .closing import ClosedByWith
from .errors import ProtocolError
from .events import Event
from .line import DEFAULT_MAX_LINE_BYTES, Address, LineConnection, LineFrame, parse_line
from .waits import start_wait
from .wire import FrameReader

__all__ = ["LineServer", "Reply", "ServedConnection"]

#: What a rule sends back: a dict as a JSON line, a str as a text line, bytes
#: as they are, None for nothing; or a list of those, sent in order.
ReplyValue = Mapping[str, Any] | str | bytes | list[Any] | None
#: A reply, or a function of the frame that returns one.
Reply = ReplyValue | Callable[[LineFrame], ReplyValue]
Predicate = Callable[[LineFrame], bool] | Mapping[str, Any]


class LineReader(Protocol):
    """Cuts a byte stream into lines: ``wire.FrameReader``'s shape."""

    def feed(self, data: bytes) -> list[bytes]: ...

    @property
    def pending(self) -> bytes: ...


class ServedConnection(LineConnection[LineFrame]):
    """The server's side of one accepted connection, read by the server's thread.

    Every verb of ``LineConnection`` works from the test's thread; receive
    calls wait for what the server thread has read. ``session`` numbers the
    connections of a server from 1, in the order they were accepted.
    """

    _kind = "served"
    _peer = "the client"
    _this = "the server"

    def __init__(
        self,
        server: LineServer,
        sock: socket.socket,
        address: Address,
        *,
        session: int,
        reader: LineReader,
        timeout: float,
    ) -> None:
        label = f"{server.label}#{session}"
        super().__init__(sock, address, reader=reader, label=label, timeout=timeout)  # type: ignore[arg-type]
        self.session = session
        self._server = server
        self._changed = threading.Condition()
        self._events = 0  # how many things the server thread has read
        self._seen = 0  # how many of them the test's thread has waited past
        self._sending = threading.RLock()  # re-entered by a rule's reply, written whole

    def _parse(self, line: bytes) -> LineFrame:
        return parse_line(line)

    # -- the test's side: waits on what the server thread read -------------

    def _read(self, deadline: float) -> bool:
        with self._changed:
            while self._events == self._seen:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed:
                    return False
                self._changed.wait(remaining)
            self._seen = self._events
            return True

    def _send(self, data: bytes, logged: object) -> None:
        with self._sending:
            super()._send(data, logged)

    def close(self) -> None:
        """Closes the connection, from either thread; idempotent. The server
        stops reading it first, and a subclass's ``_on_end`` runs."""
        self._server._release(self)
        with self._sending:
            super().close()
        with self._changed:
            self._changed.notify_all()

    # -- the server thread's side --------------------------------------------

    def _take_input(self) -> tuple[list[bytes], ProtocolError | None, bool]:
        """One read on the server thread: the complete lines, an over-limit
        refusal if the reader raised one, and whether the client is gone."""
        try:
            data = self._sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return [], None, False
        except OSError as error:  # a reset, or a socket the test closed meanwhile
            self._note_end(f"reset by {self._peer}" if _is_reset(error) else str(error))
            return [], None, True
        if not data:
            self._note_end(f"closed by {self._peer}")
            return [], None, True
        try:
            return self._reader.feed(data), None, False
        except ProtocolError as error:  # lines before the refusal (FrameBuffer keeps them)
            lines = [_line_bytes(line) for line in error.frames]
            return lines, error, False

    def _queue(self, line: bytes) -> LineFrame:
        frame = self._parse(line)
        with self._changed:
            self.log.append(Event("recv", time.monotonic(), frame))
            self._pending.append(frame)
            self._events += 1
            self._changed.notify_all()
        return frame

    def _note_end(self, why: str) -> None:
        with self._changed:
            self._end(why)
            self._events += 1
            self._changed.notify_all()

    def _note_error(self, error: BaseException) -> None:
        self.log.append(Event("error", time.monotonic(), error))


def _is_reset(error: OSError) -> bool:
    return isinstance(error, ConnectionResetError)


def _line_bytes(line: str | bytes) -> bytes:
    return line if isinstance(line, bytes) else line.encode("utf-8", "surrogateescape")


class _Rule:
    def __init__(self, predicate: Predicate, reply: Reply) -> None:
        self.predicate = predicate
        self.reply = reply

    def matches(self, frame: LineFrame) -> bool:
        if isinstance(self.predicate, Mapping):
            wanted = self.predicate
            return isinstance(frame, dict) and all(
                key in frame and frame[key] == value for key, value in wanted.items()
            )
        return bool(self.predicate(frame))

    def answer(self, connection: ServedConnection, frame: LineFrame) -> None:
        # Under the connection's send lock, so that a send from the test's
        # thread comes before the whole reply or after it, never inside it.
        with connection._sending:
            reply = self.reply(frame) if callable(self.reply) else self.reply
            for part in reply if isinstance(reply, list) else [reply]:
                _send_reply(connection, part)


def _send_reply(connection: ServedConnection, reply: ReplyValue) -> None:
    if reply is None:
        return
    if isinstance(reply, bytes):
        connection.send_raw(reply)
    elif isinstance(reply, str):
        connection.send_line(reply)
    elif isinstance(reply, Mapping):
        connection.send_json(reply)
    else:
        raise TypeError(f"a rule replies with a dict, str, bytes or None, not {reply!r}")


class LineServer(ClosedByWith):
    """A server for any newline-framed protocol, on its own thread.

    ``LineServer()`` listens on an ephemeral port of 127.0.0.1 (``address``
    picks another); it is started by ``start()`` or ``with``. ``label``
    names it and its connections (``label#1``...) in messages and logs;
    ``timeout`` bounds each blocking send, ``max_line_bytes`` a received
    line (a longer one ends the connection).
    """

    def __init__(
        self,
        address: Address = ("127.0.0.1", 0),
        *,
        label: str = "line-server",
        timeout: float = 5.0,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    ) -> None:
        self.label = label
        self.timeout = timeout
        self.max_line_bytes = max_line_bytes
        # Listening at once: a client may connect before start(), and waits
        # in the backlog until the thread accepts it.
        self._listener = socket.create_server(address, backlog=64)
        self._listener.setblocking(False)
        host, port = self._listener.getsockname()[:2]
        #: where it listens: ``(host, port)``
        self.address: Address = (host, port)
        self.connections: list[ServedConnection] = []
        self._accepted: queue.Queue[ServedConnection] = queue.Queue()
        self._taken = 0
        self._rules: list[_Rule] = []
        self._errors: list[BaseException] = []
        self._lock = threading.RLock()  # the selector, the rules, the hooks' state
        self._selector = selectors.DefaultSelector()
        self._wake_read, self._wake_write = socket.socketpair()
        self._stopping = False
        self._thread: threading.Thread | None = None
        #: When every wait gives up, whatever its timeout (time.monotonic; None:
        #: no limit). The fixtures set it to end before the test's own timeout.
        self.deadline: float | None = None

    # -- life ----------------------------------------------------------------

    def start(self) -> LineServer:
        """Starts listening and serving; returns the server. Idempotent."""
        if self._thread is None:
            self._selector.register(self._listener, selectors.EVENT_READ)
            self._selector.register(self._wake_read, selectors.EVENT_READ)
            self._thread = threading.Thread(
                target=self._serve, name=f"chatlab {self.label}", daemon=True
            )
            self._thread.start()
        return self

    def __enter__(self) -> LineServer:
        return self.start()

    def stop(self) -> None:
        """Closes every connection and the listener, and joins the thread. Idempotent."""
        if self._stopping:
            return
        self._stopping = True
        self._wake_write.send(b"x")
        if self._thread is not None:
            self._thread.join(self.timeout)
        for connection in list(self.connections):
            connection.close()
        self._selector.close()
        for sock in (self._listener, self._wake_read, self._wake_write):
            sock.close()

    def close(self) -> None:
        """``stop``, under the name ``with`` and the clients use."""
        self.stop()

    @property
    def host(self) -> str:
        return self.address[0]

    @property
    def port(self) -> int:
        return self.address[1]

    # -- the test's verbs ----------------------------------------------------

    def wait_client(self, timeout: float | None = None) -> ServedConnection:
        """The next accepted connection not yet taken, in the order they came.

        Raises ``TimeoutError`` if no client connects in time.
        """
        if self._thread is None:
            raise RuntimeError(f"{self.label}: not serving yet; call start() or use `with`")
        wait = start_wait(timeout, self.deadline)
        try:
            connection = self._accepted.get(timeout=wait.seconds)
        except queue.Empty:
            raise TimeoutError(
                f"{self.label}: waited {wait} for a client to connect to "
                f"{self.host}:{self.port}; {self._taken} connected and were taken before"
            ) from None
        self._taken += 1
        return connection

    def on(self, predicate: Predicate, reply: Reply) -> None:
        """Answers each frame ``predicate`` accepts with ``reply``, on the server thread.

        ``predicate`` is a function of the frame, or a dict of fields a JSON
        frame must all have. ``reply`` is a dict (a JSON line), a str (a text
        line), bytes (sent as they are), None, a list of those, or a function
        of the frame returning one. The frame is still queued for ``recv``.
        """
        with self._lock:
            self._rules.append(_Rule(predicate, reply))

    def check(self) -> None:
        """Raises the first exception raised on the server thread since the last check.

        More than one: the first, with a note listing the others. Each is raised once.
        """
        with self._lock:
            errors, self._errors = self._errors, []
        if not errors:
            return
        first = errors[0]
        if len(errors) > 1 and hasattr(first, "add_note"):  # Python 3.11+
            others = "; ".join(f"{type(e).__name__}: {e}" for e in errors[1:])
            first.add_note(f"{self.label}: {len(errors) - 1} more server-thread error(s): {others}")
        raise first

    def format_log(self, last: int = 0, max_bytes: int = 0) -> str:
        """Each connection's log (``LineConnection.format_log``), and the errors kept."""
        head = f"{self.label} ({self.host}:{self.port}), {len(self.connections)} connection(s):"
        parts = [head]
        for connection in list(self.connections):
            parts.append(connection.format_log(last, max_bytes))
        with self._lock:
            errors = list(self._errors)
        parts += [f"server-thread error: {type(e).__name__}: {e}" for e in errors]
        return "\n".join(parts)

    def __repr__(self) -> str:
        state = "stopped" if self._stopping else "serving" if self._thread else "not started"
        return f"<{type(self).__name__} {self.label} {self.host}:{self.port} {state}>"

    # -- hooks for subclasses (the server thread, the lock held) ----------

    def _reader(self) -> LineReader:
        """A reader for a new connection's input."""
        return FrameReader(self.max_line_bytes, keep_empty=True)

    def _on_connect(self, connection: ServedConnection) -> None:
        """A client connected (before the test can take it)."""

    def _on_line(self, connection: ServedConnection, line: bytes, frame: LineFrame) -> None:
        """A line arrived (queued and logged already): the rules answer it."""
        for rule in self._rules:
            if rule.matches(frame):
                rule.answer(connection, frame)
                return

    def _on_overflow(self, connection: ServedConnection, error: ProtocolError) -> None:
        """The client sent a line over the limit: logged, then the connection is closed."""
        connection._note_end(f"the client sent a line over the limit ({error})")
        connection.close()

    def _on_end(self, connection: ServedConnection) -> None:
        """The server stopped reading ``connection`` (end of file, reset, close)."""

    def _on_eof(self, connection: ServedConnection) -> None:
        """The client closed its side: the server stops reading, and keeps the
        connection open for the test to write to."""
        self._release(connection)

    # -- the server thread -----------------------------------------------

    def _serve(self) -> None:
        while not self._stopping:
            try:
                ready = self._selector.select(timeout=None)
            except (OSError, ValueError):  # the selector closed under a late wakeup
                return
            for key, _ in ready:
                if self._stopping:
                    return
                self._guarded(key.data, self._handle, key)

    def _handle(self, key: selectors.SelectorKey) -> None:
        with self._lock:
            if key.fileobj is self._listener:
                self._accept()
            elif isinstance(key.data, ServedConnection) and self._is_registered(key.data):
                self._serve_input(key.data)

    def _accept(self) -> None:
        try:
            sock, peer = self._listener.accept()
        except (BlockingIOError, InterruptedError, ConnectionAbortedError):
            return
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        connection = ServedConnection(
            self,
            sock,
            peer[:2],
            session=len(self.connections) + 1,
            reader=self._reader(),
            timeout=self.timeout,
        )
        connection.deadline = self.deadline
        self.connections.append(connection)
        self._selector.register(sock, selectors.EVENT_READ, connection)
        self._guarded(connection, self._on_connect, connection)
        self._accepted.put(connection)

    def _serve_input(self, connection: ServedConnection) -> None:
        lines, overflow, ended = connection._take_input()
        for line in lines:
            frame = connection._queue(line)
            if self._is_registered(connection):
                self._guarded(connection, self._on_line, connection, line, frame)
        if overflow is not None and self._is_registered(connection):
            self._guarded(connection, self._on_overflow, connection, overflow)
        if ended and self._is_registered(connection):
            self._on_eof(connection)

    def _guarded(self, connection: object, call: Callable[..., None], *args: Any) -> None:
        """``call(*args)``; an exception it raises is kept for ``check``."""
        try:
            call(*args)
        except BaseException as error:  # kept for check(), raised on the test's thread
            with self._lock:
                self._errors.append(error)
            if isinstance(connection, ServedConnection):
                connection._note_error(error)

    def _is_registered(self, connection: ServedConnection) -> bool:
        try:
            self._selector.get_key(connection._sock)
        except (KeyError, ValueError, RuntimeError):  # unregistered, closed, or selector closed
            return False
        return True

    def _release(self, connection: ServedConnection) -> None:
        """Stops reading ``connection``, once; then ``_on_end``."""
        with self._lock:
            if not self._is_registered(connection):
                return
            self._selector.unregister(connection._sock)
            if not self._stopping:  # stopping ends them all: no one is left to tell
                self._guarded(connection, self._on_end, connection)
