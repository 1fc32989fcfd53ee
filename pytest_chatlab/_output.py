"""A child's stdout and stderr: pipes copied to files as the bytes come.

Only the streams a readiness check reads are pipes; the others go straight
to their files. Every chunk read goes to its file at once, whoever reads it:
``ServerProcess`` on its own thread while it waits for readiness (it also
wants the lines), then the drainer until the pipes end. Nothing is lost
between the two, and a chatty server never blocks on a full pipe.

The drainer is one daemon thread for every process of this Python process,
started on first use: a thread per server cost about as much as the rest of
a start on a loaded machine (``threading.Thread.start`` waits until the new
thread runs). An ``Output`` is handed to it once its owner stops reading;
from then on only the drainer touches its pipes and files, and it tells the
owner when both have ended.
"""

from __future__ import annotations

import contextlib
import os
import queue
import select
import selectors
import threading
from typing import BinaryIO

__all__ = ["Output", "stop_drainer"]

_CHUNK = 65536
# A "line" longer than this is cut: readiness looks at the start of a line,
# and a server that writes megabytes without a newline must not grow memory.
_MAX_LINE = 65536


class Output:
    """The open pipes of one process, each with its log file and partial line."""

    def __init__(self, pipes: dict[str, tuple[int, int]]) -> None:
        """``pipes``: by stream, the pipe's read end and the log file's fd,
        open for appending; both are this object's to close."""
        self._names: dict[int, str] = {}
        self._files: dict[int, BinaryIO] = {}
        self._partial: dict[int, bytes] = {}
        for name, (fd, log) in pipes.items():
            self._names[fd] = name
            self._files[fd] = open(log, "ab")  # noqa: SIM115 - closed at the pipe's end
            self._partial[fd] = b""
        # Held from the hand-over to the drainer until the pipes end (a lock
        # costs a start less than an Event, and any thread may release it).
        self._draining: threading.Lock | None = None

    @property
    def open_fds(self) -> list[int]:
        """The pipes that have not reached end of file."""
        return list(self._files)

    def read(self, fd: int) -> list[tuple[str, str]]:
        """Reads what ``fd`` has (one read), logs it, and returns the lines it
        completed as ``(stream, line)``; at end of file, the unfinished last line."""
        chunk = self._copy(fd)
        name = self._names[fd]
        if not chunk:
            self._end(fd)
            rest = self._partial.pop(fd)
            return [(name, _text(rest))] if rest else []
        *lines, partial = (self._partial[fd] + chunk).split(b"\n")
        self._partial[fd] = partial[:_MAX_LINE]
        return [(name, _text(line)) for line in lines]

    def read_pending(self) -> list[tuple[str, str]]:
        """Everything already written to the open pipes, without waiting for
        more (a process that exited may have left a child holding them)."""
        lines: list[tuple[str, str]] = []
        poller = select.poll()  # one call a look: a spare's ready line is read here
        for fd in self.open_fds:
            poller.register(fd, select.POLLIN)
        while ready := poller.poll(0):
            for fd, _ in ready:
                lines += self.read(fd)
                if fd not in self._files:
                    poller.unregister(fd)
        return lines

    def drain_in_background(self) -> None:
        """Hands the rest to the drainer, which copies it to the files until
        the pipes end; this thread must not read them any more."""
        if not self._files:
            return
        self._partial.clear()
        self._draining = threading.Lock()
        self._draining.acquire()
        _drainer.hand(self)

    def wait_drained(self, stream: str, timeout: float) -> None:
        """Waits up to ``timeout`` s until ``stream``, if it is a pipe handed
        to the drainer, has reached end of file, all of it in its log."""
        draining = self._draining
        if draining is None or stream not in self._names.values():
            return
        if draining.acquire(timeout=timeout):
            draining.release()

    def close(self) -> None:
        """Lets go of the pipes: a drainer's end when they end; if they were
        never handed over (a spawn nobody waited for), logs what came and
        closes them now."""
        if self._draining is not None:
            return
        self.read_pending()
        for fd in self.open_fds:
            self._end(fd)

    def _copy(self, fd: int) -> bytes:
        """One read of ``fd``, written to its log; empty at end of file."""
        chunk = os.read(fd, _CHUNK)
        if chunk:
            out = self._files[fd]
            try:
                out.write(chunk)
                out.flush()
            except OSError:  # a full disk loses log bytes, never the drain
                pass
        return chunk

    def _end(self, fd: int) -> None:
        """Closes ``fd`` and its log; the last one tells ``close``."""
        self._files.pop(fd).close()
        os.close(fd)
        if not self._files and self._draining is not None:
            self._draining.release()


def stop_drainer(timeout: float = 2.0) -> None:
    """Ends the drainer thread, closing the pipes it still watches (the
    plugin calls it at the end of a session, every server stopped by then);
    a later start starts another."""
    _drainer.stop(timeout)


class _Drainer:
    """The one thread that copies handed-over pipes to their files."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._handed: queue.SimpleQueue[_Handed] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._selector: selectors.BaseSelector | None = None
        self._wake = (-1, -1)

    def hand(self, output: Output) -> None:
        with self._lock:
            if self._thread is None:
                self._start()
            assert self._selector is not None
            if _LIVE_REGISTRATION:
                # The kernel lets this thread add to the set the drainer waits
                # on: no wake-up, so no trip of the GIL to the drainer and back
                # while the test goes on (a twentieth of a start).
                for fd in output.open_fds:
                    self._selector.register(fd, selectors.EVENT_READ, output)
                return
            self._handed.put(output)
            os.write(self._wake[1], b"\0")

    def stop(self, timeout: float) -> None:
        with self._lock:
            thread, wake = self._thread, self._wake
            if thread is None:
                return
            self._handed.put(None)
            os.write(wake[1], b"\0")
            thread.join(timeout)
            self._thread, self._selector, self._wake = None, None, (-1, -1)
            self._handed = queue.SimpleQueue()
        os.close(wake[1])

    def _start(self) -> None:
        self._wake = os.pipe()
        os.set_blocking(self._wake[0], False)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._wake[0], selectors.EVENT_READ)
        self._thread = threading.Thread(
            target=self._run,
            args=(self._selector, self._handed, self._wake[0]),
            name="chatlab-output",
            daemon=True,
        )
        self._thread.start()

    def _run(
        self, selector: selectors.BaseSelector, handed: queue.SimpleQueue[_Handed], wake: int
    ) -> None:
        with selector:
            while self._serve(selector, handed, wake):
                pass
            for key in list(selector.get_map().values()):
                if key.fd != wake:
                    key.data._end(key.fd)
        os.close(wake)
        while not handed.empty():  # handed over with the stop: let go
            output = handed.get()
            if output is not None:
                for fd in output.open_fds:
                    output._end(fd)

    def _serve(
        self, selector: selectors.BaseSelector, handed: queue.SimpleQueue[_Handed], wake: int
    ) -> bool:
        """One wait and what it brought (output, or what was handed over);
        False once told to stop."""
        woken = False
        for key, _ in selector.select():
            if key.fd == wake:
                woken = True
                continue
            output: Output = key.data
            if not output._copy(key.fd):
                selector.unregister(key.fd)
                output._end(key.fd)
        if woken or not handed.empty():
            return self._register_handed(selector, handed, wake)
        return True

    @staticmethod
    def _register_handed(
        selector: selectors.BaseSelector, handed: queue.SimpleQueue[_Handed], wake: int
    ) -> bool:
        """Watches the outputs handed over; False if a stop came."""
        with contextlib.suppress(BlockingIOError):
            os.read(wake, 4096)
        while not handed.empty():
            output = handed.get()
            if output is None:
                return False
            for fd in output.open_fds:
                selector.register(fd, selectors.EVENT_READ, output)
        return True

    def forget_after_fork(self) -> None:
        """A forked child has no drainer thread: it starts its own on first use."""
        self._lock = threading.Lock()
        self._handed = queue.SimpleQueue()
        self._thread = None
        self._selector = None
        self._wake = (-1, -1)


_Handed = Output | None  # None: stop
# Selectors whose set one thread may change while another waits on it.
_LIVE_REGISTRATION = selectors.DefaultSelector.__name__ in ("EpollSelector", "KqueueSelector")
_drainer = _Drainer()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_drainer.forget_after_fork)


def _text(line: bytes) -> str:
    return line.decode("utf-8", "replace").rstrip("\r")
