"""Waiting for a process to exit, on a pidfd: the kernel wakes the wait, nothing polls."""

from __future__ import annotations

import os
import select


def wait_gone(pid: int, timeout: float) -> bool:
    """True once ``pid`` has exited (or was never there), False after ``timeout`` s."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        return bool(select.select([fd], [], [], timeout)[0])
    finally:
        os.close(fd)
