"""How long a wait may take: its own timeout, cut short before the test's.

Every wait in the public API has a deadline (5 s unless told otherwise). A
test also has one, pytest-timeout's, and when that fires first the test
fails with "Timeout" instead of the wait's own message, which says what it
waited for and what came. So the fixtures give each client the test's
deadline, less a margin for the failure to be reported, and every wait ends
by then, whatever timeout it was given.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

__all__ = ["DEFAULT_TIMEOUT", "Wait", "start_wait", "waits_end"]

#: What a wait takes when it is given no timeout and the test has none.
DEFAULT_TIMEOUT = 5.0


@dataclass(frozen=True)
class Wait:
    """One wait's deadline, and how to say how long it was."""

    seconds: float  #: how long it may take
    until: float  #: when it gives up (time.monotonic)
    cut: bool  #: shortened to end before the test's timeout

    def __str__(self) -> str:
        if self.cut:
            return f"{self.seconds:.2f} s (cut short, to end before the test's timeout)"
        return f"{self.seconds:g} s"


def start_wait(timeout: float | None, deadline: float | None) -> Wait:
    """A wait of ``timeout`` seconds (None: the default) starting now, that
    ends by ``deadline`` (a time.monotonic value, or None for no limit)."""
    seconds = DEFAULT_TIMEOUT if timeout is None else timeout
    now = time.monotonic()
    if deadline is not None and now + seconds > deadline:
        seconds = max(deadline - now, 0.0)
        return Wait(seconds, now + seconds, cut=True)
    return Wait(seconds, now + seconds, cut=False)


def waits_end(started: float, timeout: float) -> float:
    """When a test's waits must end, for a test that started at ``started``
    (time.monotonic) and times out after ``timeout`` s: a tenth of it before,
    between 0.5 and 2 s, so the failure is reported (its sections written, its
    conversations drawn) before the timeout fires, on a loaded machine too."""
    margin = min(max(timeout / 10, 0.5), 2.0)
    return started + max(timeout - margin, 0.0)
