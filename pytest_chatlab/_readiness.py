"""What "ready" means for a ServerProcess: the one place a ``ready=`` is read.

A ``ready`` is one of:

- a regular expression (a ``str`` or a compiled pattern), searched in each
  line of the chosen streams; its named groups ``host`` and ``port``, where
  present, give the address (a host in brackets, ``[::1]``, loses them);
- a callable, given each line (without its newline) and returning the
  address as ``(host, port)``, ``True`` when the line says "ready" but the
  address is known otherwise, or ``None``/``False`` for "not yet"; an
  exception it raises fails the start at once with its message (a first
  line that can only be wrong, say). Its docstring's first line names what
  it waits for in messages;
- ``"connect"``: a TCP connect to the known address succeeds (retried from
  1 ms, the delay doubling, until the deadline);
- ``None``: ready once spawned, for socket activation (the socket already
  listens); ``ServerProcess`` reads it as ``"connect"`` for a ``{port}`` server.
"""

from __future__ import annotations

import functools
import re
import socket
import time
from collections.abc import Callable

__all__ = ["CONNECT", "Connector", "Readiness", "ReadySpec"]

CONNECT = "connect"
#: What a callable ``ready`` returns: an address, True (ready, address known otherwise), or not yet.
LineVerdict = tuple[str, int] | bool | None
ReadySpec = str | re.Pattern[str] | Callable[[str], LineVerdict] | None
STREAMS = ("stdout", "stderr", "both")

_FIRST_CONNECT_DELAY = 0.001
# Doubling stops here. A refused connect on loopback costs tens of
# microseconds, so a hundred a second cost nothing, and the last wait never
# overshoots the server's start by more than 10 ms (with a cap of 0.2 s, a
# server listening after 130 ms was found after 255 ms).
_MAX_CONNECT_DELAY = 0.01


class Readiness:
    """A compiled ``ready``: which lines to look at, and what each one says."""

    def __init__(self, ready: ReadySpec, stream: str) -> None:
        if stream not in STREAMS:
            raise ValueError(f"ready_stream must be one of {', '.join(STREAMS)}, not {stream!r}")
        self.streams = {"stdout", "stderr"} if stream == "both" else {stream}
        self.connect = ready == CONNECT
        self.immediate = ready is None
        self._pattern: re.Pattern[str] | None = None
        self._check: Callable[[str], LineVerdict] | None = None
        if isinstance(ready, re.Pattern):
            self._pattern = ready
        elif isinstance(ready, str) and ready != CONNECT:
            self._pattern = re.compile(ready)
        elif callable(ready):
            self._check = ready
        elif ready is not None and ready != CONNECT:
            raise TypeError(f"ready is a pattern, a callable, 'connect' or None, not {ready!r}")
        self.watches_lines = self._pattern is not None or self._check is not None
        self._stream = stream

    def judge(self, line: str) -> LineVerdict:
        """What ``line`` says: an address, True, or None. Exceptions of a callable pass through."""
        if self._check is not None:
            verdict = self._check(line)
            if isinstance(verdict, tuple):
                return (str(verdict[0]), int(verdict[1]))
            return True if verdict else None
        assert self._pattern is not None
        found = self._pattern.search(line)
        if found is None:
            return None
        groups = found.groupdict()
        if groups.get("port") is None:
            return True
        return (_unbracket(groups.get("host") or ""), int(groups["port"]))

    @functools.cached_property
    def description(self) -> str:
        """What it waits for, in words (for messages)."""
        stream = self._stream
        where = "stdout or stderr" if stream == "both" else stream
        if self._pattern is not None:
            return f"a {where} line matching {self._pattern.pattern!r}"
        if self._check is not None:
            doc = (self._check.__doc__ or "").strip().splitlines()
            name = getattr(self._check, "__name__", repr(self._check))
            return doc[0].rstrip(".") if doc else f"a {where} line that {name} accepts"
        return "a connection accepted" if self.connect else "start"


class Connector:
    """Connect attempts to ``address`` from 1 ms apart, the gap doubling."""

    def __init__(self, address: tuple[str, int]) -> None:
        self.address = address
        self.next_attempt = time.monotonic()
        self._delay = _FIRST_CONNECT_DELAY

    def attempt(self, timeout: float) -> bool:
        """One connect; True if it was accepted, else the next one is scheduled."""
        try:
            with socket.create_connection(self.address, timeout=max(timeout, 0.001)):
                return True
        except OSError:
            self.next_attempt = time.monotonic() + self._delay
            self._delay = min(self._delay * 2, _MAX_CONNECT_DELAY)
            return False


def _unbracket(host: str) -> str:
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host
