"""Ties a pytest-xdist worker's life to its controller's (Linux only).

A server dies with whoever holds its stdin pipe: the process that started
it. Under xdist that is a worker, and a worker blocked in a test does not
notice its controller being killed, so its servers would outlive the run.
Asking the kernel to SIGKILL the worker when its parent dies closes that
gap without a watchdog thread or any polling.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

__all__ = ["die_with_parent"]

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> bool:
    """Arranges SIGKILL for this process when its parent exits; False where
    the platform cannot. Exits at once if the parent is already gone."""
    if not sys.platform.startswith("linux"):
        return False
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
        return False
    # The parent may have died before prctl took effect; then we were reparented.
    if os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGKILL)
    return True
