"""A child's stdout and stderr: pipes copied to files as the bytes come.

Only the streams a readiness check reads are pipes; the others go straight
to their files. Every chunk read goes to its file at once, whoever reads it:
``ServerProcess`` on its own thread while it waits for readiness (it also
wants the lines), then one daemon thread per process until the pipes end.
Nothing is lost between the two, and a chatty server never blocks on a full
pipe.
"""

from __future__ import annotations

import os
import selectors
import threading
from pathlib import Path
from typing import BinaryIO

__all__ = ["Output"]

_CHUNK = 65536
# A "line" longer than this is cut: readiness looks at the start of a line,
# and a server that writes megabytes without a newline must not grow memory.
_MAX_LINE = 65536


class Output:
    """The open pipes of one process, each with its log file and partial line."""

    def __init__(self, pipes: dict[str, tuple[int, Path]]) -> None:
        self._names: dict[int, str] = {}
        self._files: dict[int, BinaryIO] = {}
        self._partial: dict[int, bytes] = {}
        for name, (fd, path) in pipes.items():
            self._names[fd] = name
            self._files[fd] = path.open("ab")
            self._partial[fd] = b""
        self._thread: threading.Thread | None = None

    @property
    def open_fds(self) -> list[int]:
        """The pipes that have not reached end of file."""
        return list(self._files)

    def read(self, fd: int) -> list[tuple[str, str]]:
        """Reads what ``fd`` has (one read), logs it, and returns the lines it
        completed as ``(stream, line)``; at end of file, the unfinished last line."""
        chunk = os.read(fd, _CHUNK)
        name = self._names[fd]
        if not chunk:
            rest = self._partial.pop(fd)
            self._close(fd)
            return [(name, _text(rest))] if rest else []
        out = self._files[fd]
        out.write(chunk)
        out.flush()
        *lines, partial = (self._partial[fd] + chunk).split(b"\n")
        self._partial[fd] = partial[:_MAX_LINE]
        return [(name, _text(line)) for line in lines]

    def read_pending(self) -> list[tuple[str, str]]:
        """Everything already written to the open pipes, without waiting for
        more (a process that exited may have left a child holding them)."""
        lines: list[tuple[str, str]] = []
        with selectors.DefaultSelector() as selector:
            for fd in self.open_fds:
                selector.register(fd, selectors.EVENT_READ)
            while ready := selector.select(0):
                for key, _ in ready:
                    lines += self.read(key.fd)
                    if key.fd not in self._files:
                        selector.unregister(key.fd)
        return lines

    def drain_in_background(self, name: str) -> None:
        """Copies the rest to the files on a daemon thread, until the pipes end."""
        if not self._files:
            return
        self._partial = dict.fromkeys(self._partial, b"")
        self._thread = threading.Thread(target=self._drain, name=name, daemon=True)
        self._thread.start()

    def close(self, timeout: float) -> None:
        """Waits up to ``timeout`` s for the drain to see end of file (a stray
        holder of the pipes outside the process group must not hang a
        teardown), then closes whatever is left."""
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                return  # it closes its pipes itself when they end
        for fd in self.open_fds:
            self._close(fd)

    def _drain(self) -> None:
        with selectors.DefaultSelector() as selector:
            for fd in self.open_fds:
                selector.register(fd, selectors.EVENT_READ)
            while self._files:
                for key, _ in selector.select():
                    chunk = os.read(key.fd, _CHUNK)
                    if chunk:
                        self._files[key.fd].write(chunk)
                        self._files[key.fd].flush()
                    else:
                        selector.unregister(key.fd)
                        self._close(key.fd)

    def _close(self, fd: int) -> None:
        self._files.pop(fd).close()
        os.close(fd)


def _text(line: bytes) -> str:
    return line.decode("utf-8", "replace").rstrip("\r")
