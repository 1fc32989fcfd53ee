"""Device: the real C++ client (Layer B's ``Client``), driven from Python.

Mode 3 drives real client code and observes it through callbacks, never by
scraping a subprocess's output. A ``Device`` owns one bound ``_native.Client``:
the C++ side connects, encodes, reads, reassembles and decodes; this module
records what arrives and lets a test wait for it.

Theory of operation:

- **Threads.** Every received message is handed over on the C++ receive
  thread, with the GIL held. The device records it (``messages``, the log)
  under a ``threading.Condition`` and wakes the waiters, then runs the
  ``on_message`` callbacks, in the order they were added. Waits (``sync``,
  ``wait_for``, ``wait_closed``) sleep on that condition until a deadline;
  nothing polls.
- **Callback errors.** An exception a callback raises is kept, with its
  traceback, and the next callbacks still run; ``check`` raises it later on
  the test's thread. An exception anywhere else on the receive thread is
  kept by the binding itself (``Client.take_errors``) and ``check`` raises
  those too. The ``bound_device`` fixture calls ``check`` after the test, so
  a failing callback fails the test that owns the device.
- **No hidden cycle.** The C++ client calls back through weak references
  to the device, so a connected device nobody refers to is collected (and
  disconnected) like any object; the binding also drops its callbacks when
  the connection ends.
- **Barriers.** ``sync`` sends ``{"type":"sync","id":...}`` with an id of
  its own; the answer wakes ``sync`` and is neither recorded in
  ``messages`` nor passed to callbacks. Frames to one client leave the
  server in order and the receive thread delivers them in order, so when
  ``sync`` returns, every message the server sent before its answer has
  been recorded and its callbacks have run.
- **The name.** ``name`` follows what the server says, without guessing,
  by the core's ``NameFollower``: the rules of how the room answers a
  rename are written once, in C++ beside the room, and the report uses
  them too.
"""

from __future__ import annotations

import functools
import itertools
import threading
import time
import weakref
from collections.abc import Callable
from types import TracebackType
from typing import Any

from ._native import Client, Message, NameFollower
from .closing import ClosedByWith, ConnectsByAddress
from .errors import ConnectionClosedError, ProtocolError
from .events import Event, listing
from .line import DEFAULT_MAX_LINE_BYTES
from .waits import start_wait

__all__ = ["Device"]

_sync_ids = itertools.count(1)

Callback = Callable[[Message], object]


class Device(ConnectsByAddress, ClosedByWith):
    """A connected C++ chat client.

    ``Device((host, port))`` connects at once (or raises ``OSError``:
    ``ConnectionRefusedError``, ``TimeoutError`` after ``timeout`` s).
    ``label`` names it in logs and reports; ``max_frame_bytes`` is the
    longest line it takes from the server before it ends the connection
    (1 MiB). ``send``, ``sync``,
    ``wait_for`` and ``disconnect`` may be called from any thread, and
    ``send`` and ``disconnect`` from inside a callback too.
    """

    def __init__(
        self,
        address: tuple[str, int],
        *,
        label: str | None = None,
        timeout: float = 5.0,
        max_frame_bytes: int = DEFAULT_MAX_LINE_BYTES,
    ) -> None:
        host, port = address
        self.address: tuple[str, int] = (host, int(port))
        self._cond = threading.Condition()
        self._messages: list[Message] = []
        self._log: list[Event] = []
        self._callbacks: list[Callback] = []
        self._errors: list[BaseException] = []
        self._own_syncs: set[str] = set()
        self._answers: dict[str, int] = {}  # sync id -> len(messages) when it was answered
        self._sync_mark = 0
        self._missed: list[str] = []
        self._names = NameFollower()
        self._ended: str | None = None
        self._started = time.monotonic()
        #: When every wait gives up, whatever its timeout (time.monotonic; None:
        #: no limit). The fixtures set it to end before the test's own timeout.
        self.deadline: float | None = None
        self.label = label if label is not None else "device"
        #: this side of the connection, "127.0.0.1:50312"
        self.local_endpoint = ""
        # The callbacks hold the device weakly: no cycle runs through C++.
        me = weakref.ref(self)
        self._client = Client(
            functools.partial(_on_message, me),
            functools.partial(_on_close, me),
            functools.partial(_on_invalid, me),
            max_frame_bytes=max_frame_bytes,
        )
        self._client.connect(host, int(port), timeout)
        self.local_endpoint = self._client.local_endpoint
        if label is None:
            self.label = f"device:{self.local_endpoint.rsplit(':')[-1]}"

    # -- sending ----------------------------------------------------------

    def send(self, text: str) -> None:
        """Sends a chat line; a text starting with ``/`` is a command."""
        self.send_message(Message(type="chat", text=text))

    def send_message(self, message: Message) -> None:
        """Sends one frame, encoded by the C++ encoder.

        Raises ``ConnectionClosedError`` if the connection is over.
        """
        with self._cond:
            self._names.sent(message)
            self._log.append(Event("sent", time.monotonic(), message))
        if not self._client.send(message):
            raise ConnectionClosedError(f"{self.label}: cannot send, {self._why_over()}")

    # -- receiving --------------------------------------------------------

    @property
    def messages(self) -> list[Message]:
        """Every message received since connect, in arrival order (a copy)."""
        with self._cond:
            return list(self._messages)

    def on_message(self, callback: Callback) -> Callback:
        """Calls ``callback(message)`` for each message received from now on,
        on the C++ receive thread with the GIL held, after it is recorded.
        Returns ``callback``, so it also works as a decorator."""
        with self._cond:
            self._callbacks.append(callback)
        return callback

    def sync(self, timeout: float | None = None) -> list[Message]:
        """Sends a sync barrier and waits for its answer.

        Returns the messages received since the previous ``sync`` returned
        (since connect, the first time) up to the answer. Raises
        ``TimeoutError`` or ``ConnectionClosedError``, saying what came.
        """
        self._refuse_on_receive_thread("sync")
        sync_id = f"device-sync-{next(_sync_ids)}"
        with self._cond:
            self._own_syncs.add(sync_id)
        self.send_message(Message(type="sync", id=sync_id))
        wait = start_wait(timeout, self.deadline)
        with self._cond:
            while sync_id not in self._answers:
                remaining = wait.until - time.monotonic()
                if self._ended is not None or remaining <= 0:
                    error = ConnectionClosedError if self._ended is not None else TimeoutError
                    why = self._why_over() if self._ended else "no answer came in time"
                    raise error(
                        f"{self.label}: waited {wait} for the answer to sync {sync_id!r}; "
                        f"{why}; {listing(self._messages[self._sync_mark :], 'messages')}"
                    )
                self._cond.wait(remaining)
            end = self._answers.pop(sync_id)
            start, self._sync_mark = self._sync_mark, max(self._sync_mark, end)
            return self._messages[start:end]

    def wait_for(
        self, predicate: Callable[[Message], bool], timeout: float | None = None
    ) -> Message | None:
        """The first message since connect that ``predicate`` accepts: one
        already in ``messages``, or the first to arrive before the deadline.
        None if none does, or the connection ends first."""
        what = f"a message accepted by {getattr(predicate, '__name__', predicate)}"
        return self._wait_for(predicate, timeout, what)

    def _wait_for(
        self, predicate: Callable[[Message], bool], timeout: float | None, what: str
    ) -> Message | None:
        wait = start_wait(timeout, self.deadline)
        if wait.seconds > 0:
            self._refuse_on_receive_thread("wait_for")
        deadline = wait.until
        seen = 0
        while True:
            with self._cond:
                while len(self._messages) == seen:
                    remaining = deadline - time.monotonic()
                    if self._ended is not None or remaining <= 0:
                        self._missed.append(what)
                        return None
                    self._cond.wait(remaining)
                fresh = self._messages[seen:]
            # Outside the lock: the predicate may use the device.
            for message in fresh:
                if predicate(message):
                    return message
            seen += len(fresh)

    def expect(
        self, type: str | None = None, timeout: float | None = None, **fields: Any
    ) -> Message:
        """The first message since connect whose ``type`` and ``fields`` all
        match (``sender=``, ``text=``, ``users=``...): ``wait_for`` in the
        raising form ``MockClient.expect`` has. Raises ``AssertionError``
        listing what did arrive when none matches in time or the connection
        ends first.
        """
        __tracebackhide__ = True  # a failure points at the test's line, not this one
        wanted = {"type": type, **fields} if type is not None else dict(fields)
        wait = start_wait(timeout, self.deadline)

        def matches(message: Message) -> bool:
            return all(getattr(message, key, None) == value for key, value in wanted.items())

        found = self._wait_for(matches, wait.seconds, f"a message matching {wanted}")
        if found is not None:
            return found
        with self._cond:
            why = self._why_over() if self._ended else "nothing matching came in time"
            arrived = listing(self._messages, "messages")
        raise AssertionError(
            f"{self.label}: waited {wait} for a message matching {wanted}; {why}; {arrived}"
        )

    def wait_closed(self, timeout: float | None = None) -> bool:
        """True once the connection has ended (either side), False on timeout."""
        wait = start_wait(timeout, self.deadline)
        if wait.seconds > 0:
            self._refuse_on_receive_thread("wait_closed")
        deadline = wait.until
        with self._cond:
            while self._ended is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    # -- state ------------------------------------------------------------

    @property
    def name(self) -> str | None:
        """The name the server knows this device by (see the module's doc); None before the
        welcome."""
        with self._cond:
            return self._names.name

    @property
    def missed(self) -> list[str]:
        """What each wait that gave up waited for, in order (a diagram marks them)."""
        with self._cond:
            return list(self._missed)

    @property
    def log(self) -> list[Event]:
        """Everything sent and received, and how the connection ended, in order (a copy)."""
        with self._cond:
            return list(self._log)

    @property
    def connected(self) -> bool:
        """True until the connection ends, on either side."""
        return bool(self._client.connected)

    @property
    def close_reason(self) -> str | None:
        """Why the connection ended ("closed by the server", "disconnected", ...), or None."""
        with self._cond:
            return self._ended

    @property
    def invalid_lines(self) -> list[str]:
        """Lines from the server that did not decode (each is also in the log)."""
        with self._cond:
            return [str(e.data) for e in self._log if e.direction == "invalid"]

    # -- ending -----------------------------------------------------------

    def disconnect(self) -> None:
        """Closes the connection and joins the receive thread; idempotent.

        From inside a callback it returns at once: no callback follows, and
        the thread ends when the current one returns.
        """
        self._client.disconnect()  # never with self._cond held: the receive thread takes it
        self._ended_by("disconnected")

    def check(self) -> None:
        """Raises the first exception a callback raised since the last check.

        More than one: the first is raised, with a note listing the others.
        Each exception is raised once; a clean device returns None.
        """
        with self._cond:
            errors, self._errors = [*self._errors, *self._client.take_errors()], []
        if not errors:
            return
        first = errors[0]
        if len(errors) > 1 and hasattr(first, "add_note"):
            others = "; ".join(f"{type(e).__name__}: {e}" for e in errors[1:])
            first.add_note(f"{self.label}: {len(errors) - 1} more callback exception(s): {others}")
        raise first

    def close(self) -> None:
        """``disconnect``, under the name ``with`` and the other clients use."""
        self.disconnect()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Disconnects; raises a callback's exception unless one is already on its way."""
        self.disconnect()
        if exc_type is None:
            self.check()

    # -- reporting --------------------------------------------------------

    def format_log(self, last: int = 0, max_bytes: int = 0) -> str:
        """Everything sent and received, one line per event, times since
        connect: the ``last`` events (0: all), each shortened to ``max_bytes``
        (0: whole)."""
        host, port = self.address
        with self._cond:
            state = self._ended or "connected"
            where = f"{self.local_endpoint} -> {host}:{port}"
            head = f"{self.label} ({where}, name {self._names.name}, {state}):"
            events = self._log[-last:] if last > 0 else self._log
            lines = [event.render(self._started, max_bytes) for event in events]
            if len(events) < len(self._log):
                lines.insert(0, f"... {len(self._log) - len(events):,} earlier events left out")
        return "\n".join([head, *("  " + line for line in lines)])

    def __repr__(self) -> str:
        host, port = self.address
        return f"<Device {self.label} -> {host}:{port} {self._ended or 'connected'}>"

    # -- the receive thread's side ----------------------------------------

    def _receive(self, message: Message) -> None:
        with self._cond:
            if message.type == "sync" and message.id in self._own_syncs:
                self._own_syncs.discard(message.id)
                self._answers[message.id] = len(self._messages)
                self._cond.notify_all()
                return
            self._messages.append(message)
            self._log.append(Event("recv", time.monotonic(), message))
            self._names.received(message)
            self._cond.notify_all()
            callbacks = tuple(self._callbacks)
        for callback in callbacks:
            try:
                callback(message)
            except BaseException as error:  # kept for check(), on the test's thread
                with self._cond:
                    self._errors.append(error)
                    self._log.append(Event("error", time.monotonic(), error))

    def _invalid(self, line: str, error: ProtocolError) -> None:
        with self._cond:
            self._log.append(Event("invalid", time.monotonic(), f"{error.code}: {line!r}"))

    def _ended_by(self, reason: str) -> None:
        with self._cond:
            if self._ended is None:
                self._ended = reason
                self._log.append(Event("eof", time.monotonic(), reason))
            self._cond.notify_all()

    def _refuse_on_receive_thread(self, call: str) -> None:
        # What a wait waits for is delivered by this very thread: it would
        # only ever time out.
        if self._client.on_receive_thread:
            raise RuntimeError(
                f"{self.label}: {call}() cannot wait inside a callback of its device"
            )

    def _why_over(self) -> str:
        return f"the connection ended ({self._ended})" if self._ended else "the connection is over"


def _on_message(device: weakref.ref[Device], message: Message) -> None:
    target = device()
    if target is not None:
        target._receive(message)


def _on_close(device: weakref.ref[Device], reason: str, detail: str) -> None:
    target = device()
    if target is not None:
        target._ended_by(f"{reason}: {detail}" if detail else reason)


def _on_invalid(device: weakref.ref[Device], line: str, error: ProtocolError) -> None:
    target = device()
    if target is not None:
        target._invalid(line, error)
