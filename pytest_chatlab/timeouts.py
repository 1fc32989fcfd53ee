"""pytest-timeout and chatlab: waits end first, and a timeout still explains itself.

pytest-timeout calls ``pytest_timeout_set_timer`` as each test starts. Its
``settings.timeout`` gives the test's deadline, which the fixtures hand to
every client and device they make (``waits``), so a wait fails with its own
message before the timeout can replace it with "Timeout".

If the timeout fires anyway: with the signal method the test fails and the
run goes on, and the plugin attaches the chatlab sections to that failure as
to any other. The thread method ends the whole process with ``os._exit``,
so there is no report to attach to; this module takes that timer over and
prints the sections to the terminal first, then lets pytest-timeout do the
rest (the stacks, the exit).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from .tracking import report_sections

__all__ = ["set_timer", "waits_deadline"]

_DEADLINE = pytest.StashKey[float]()


def waits_deadline(item: pytest.Item) -> float | None:
    """When the waits of ``item``'s clients and devices must end, if it has a timeout."""
    return item.stash.get(_DEADLINE, None)


def set_timer(item: pytest.Item, settings: Any) -> bool | None:
    """Notes the test's deadline; takes over the thread method's timer. None
    lets pytest-timeout set its own timer."""
    from .waits import waits_end

    item.stash[_DEADLINE] = waits_end(time.monotonic(), settings.timeout)
    if settings.method != "thread":
        return None
    timer = threading.Timer(settings.timeout, _report_then_exit, (item, settings))
    timer.name = f"chatlab timeout {item.nodeid}"
    timer.daemon = True

    def cancel() -> None:
        timer.cancel()
        timer.join()

    item.cancel_timeout = cancel  # type: ignore[attr-defined]  # pytest-timeout's cancel calls it
    timer.start()
    return True


def _report_then_exit(item: pytest.Item, settings: Any) -> None:
    import pytest_timeout  # type: ignore[import-untyped]  # a dependency, untyped

    terminal = item.config.get_terminal_writer()
    try:
        for title, text in report_sections(item):
            terminal.sep("-", f"{title} (timeout)")
            terminal.line(text)
    except Exception as error:  # the sections are a courtesy; the exit must happen
        terminal.line(f"chatlab: could not print the sections: {error!r}")
    pytest_timeout.timeout_timer(item, settings)
