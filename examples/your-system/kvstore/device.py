"""KvDevice: a bound ``Client`` whose callbacks a test awaits (Mode 3).

The receive thread appends what it hears to a log under a condition
variable; the test's thread waits on it with a deadline, never a sleep.
``check()`` raises what a callback raised on that thread, so
``pytest_chatlab.track(device)`` makes it judge the test like a Device.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from ._kv import Client, Reply

T = TypeVar("T")

#: How long a wait lasts unless told otherwise, in seconds.
DEFAULT_TIMEOUT = 5.0


class KvDevice:
    """One connection to a kv-server, its replies, notifications and close in order."""

    def __init__(self, label: str = "kv") -> None:
        self.label = label
        self._changed = threading.Condition()
        self._replies: list[Reply] = []
        self._changes: list[tuple[str, str | None]] = []
        self._closed: str | None = None
        self._log: list[str] = []
        self._taken_replies = 0
        self._taken_changes = 0
        self.client = Client(self._on_reply, self._on_changed, self._on_closed)

    def connect(self, host: str, port: int, timeout: float = DEFAULT_TIMEOUT) -> KvDevice:
        self.client.connect(host, port, timeout)
        return self

    def wait_for(self, ready: Callable[[], T | None], timeout: float = DEFAULT_TIMEOUT) -> T:
        """The first true ``ready()`` (called under the lock); AssertionError at the deadline."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not (result := ready()):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"{self.label}: nothing came within {timeout} s; heard:\n"
                        + self.format_log(20, 4000)
                    )
                self._changed.wait(left)
            return result

    def expect_reply(self, timeout: float = DEFAULT_TIMEOUT) -> Reply:
        """The next reply not yet taken, in the order they came."""
        reply = self.wait_for(lambda: self._next(self._replies, self._taken_replies), timeout)[0]
        self._taken_replies += 1
        return reply

    def expect_change(self, timeout: float = DEFAULT_TIMEOUT) -> tuple[str, str | None]:
        """The next ``(key, value)`` notification not yet taken."""
        change = self.wait_for(lambda: self._next(self._changes, self._taken_changes), timeout)[0]
        self._taken_changes += 1
        return change

    def wait_closed(self, timeout: float = DEFAULT_TIMEOUT) -> str:
        """Why the connection ended, once it has."""
        return self.wait_for(lambda: self._closed, timeout)

    def close(self) -> None:
        self.client.close()

    def check(self) -> None:
        self.client.check()

    def format_log(self, last: int, max_bytes: int) -> str:
        """The last ``last`` events heard (0: all), each cut to ``max_bytes`` (0: whole)."""
        with self._changed:
            lines = self._log[-last:] if last else list(self._log)
        if max_bytes:
            lines = [line[:max_bytes] for line in lines]
        return "\n".join(lines) or "(nothing heard)"

    @staticmethod
    def _next(items: list[T], taken: int) -> tuple[T] | None:
        return (items[taken],) if len(items) > taken else None

    def _heard(self, line: str) -> None:
        self._log.append(line)
        self._changed.notify_all()

    def _on_reply(self, reply: Reply) -> None:
        with self._changed:
            self._replies.append(reply)
            self._heard(f"reply {reply.kind} {reply.key} {reply.value!r} {reply.code}".rstrip())

    def _on_changed(self, key: str, value: str | None) -> None:
        with self._changed:
            self._changes.append((key, value))
            self._heard(f"changed {key} {value!r}")

    def _on_closed(self, reason: str) -> None:
        with self._changed:
            self._closed = reason
            self._heard(f"closed: {reason}")
