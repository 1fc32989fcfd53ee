"""Waiting for a child's exit and naming it: a pidfd where there is one.

A pidfd turns readable the moment its process exits, so a wait with a
deadline is one ``select``; ``Popen.wait(timeout)`` polls with growing
sleeps instead, which costs a teardown about a millisecond. Where there is
no pidfd (macOS), ``Popen.wait`` it is.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess

__all__ = ["describe_status", "pidfd_of", "wait_exit"]


def pidfd_of(pid: int) -> int | None:
    """A pidfd of ``pid`` (readable once it exits), or None where there is none."""
    if not hasattr(os, "pidfd_open"):
        return None
    try:
        pidfd: int = os.pidfd_open(pid)
    except ProcessLookupError:  # gone and reaped already: EOF tells the rest
        return None
    return pidfd


def wait_exit(
    proc: subprocess.Popen[bytes], timeout: float | None, pidfd: int | None = None
) -> bool:
    """Waits up to ``timeout`` s (None: for ever) for ``proc`` to exit, then
    reaps it; False if it is still running. ``pidfd`` is one of ``proc``'s
    that the caller keeps (one is opened for the wait otherwise)."""
    if timeout is None or proc.returncode is not None:
        proc.wait()
        return True
    own = pidfd is None
    if own:
        pidfd = pidfd_of(proc.pid)
    if pidfd is None:
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        return True
    try:
        poller = select.poll()  # not select(): a pytest process may hold fds past 1024
        poller.register(pidfd, select.POLLIN)
        if not poller.poll(timeout * 1000):
            return False
    finally:
        if own:
            os.close(pidfd)
    proc.wait()
    return True


def describe_status(code: int | None) -> str:
    """An exit status in words: ``running``, ``exit status 1``, ``killed by SIGSEGV``."""
    if code is None:
        return "running"
    if code >= 0:
        return f"exit status {code}"
    try:
        return f"killed by {signal.Signals(-code).name}"
    except ValueError:
        return f"killed by signal {-code}"
