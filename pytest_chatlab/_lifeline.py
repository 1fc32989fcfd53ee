"""Ties a pytest-xdist worker's life to its controller's.

A server dies with whoever holds its stdin pipe: the process that started
it. Under xdist that is a worker, and a worker blocked in a test does not
notice its controller being killed, so its servers would outlive the run
(until that test ended). On Linux the kernel SIGKILLs the worker when its
parent dies (``PR_SET_PDEATHSIG``), without a watchdog thread or polling.
Where there is no such request but there is kqueue (macOS, the BSDs), a
daemon thread blocks on the parent's exit event and does the same.
"""

from __future__ import annotations

import ctypes
import os
import select
import signal
import sys
import threading

__all__ = ["die_with_parent"]

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> bool:
    """Arranges SIGKILL for this process when its parent exits; False where
    the platform cannot. Exits at once if the parent is already gone."""
    parent = os.getppid()
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
            return False
    elif sys.platform != "win32" and hasattr(select, "kqueue"):
        _watch_with_kqueue(parent)
    else:
        return False
    # The parent may have died before the watch began; then we were reparented.
    if os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGKILL)
    return True


if sys.platform != "linux" and sys.platform != "win32":

    def _watch_with_kqueue(parent: int) -> None:
        """Starts a daemon thread that SIGKILLs this process once ``parent`` exits."""
        queue = select.kqueue()
        exit_event = select.kevent(
            parent, filter=select.KQ_FILTER_PROC, flags=select.KQ_EV_ADD, fflags=select.KQ_NOTE_EXIT
        )
        try:
            queue.control([exit_event], 0)  # registered now, so no exit is missed
        except OSError:  # ESRCH: gone already; the getppid check above kills us
            queue.close()
            return

        def wait_for_exit() -> None:
            queue.control(None, 1)  # blocks until the parent's exit event
            os.kill(os.getpid(), signal.SIGKILL)

        threading.Thread(target=wait_for_exit, name="chatlab-lifeline", daemon=True).start()
