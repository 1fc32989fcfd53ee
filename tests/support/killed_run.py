"""A pytest run killed with SIGKILL while its tests hold servers: who outlived it."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable

import pytest

from support.exits import wait_gone
from support.fifo import read_lines


def survivors_of_a_killed_run(
    pytester: pytest.Pytester, hold: Callable[[str], str], args: list[str], count: int
) -> list[int]:
    """Runs pytest with ``args`` on two copies of ``hold(fifo)``, a test that
    writes its server's pid to the FIFO and then waits for ever; once
    ``count`` pids came, SIGKILLs pytest. Returns the pids still alive 2 s
    later, killed by then so that nothing lingers."""
    fifo_path = pytester.path / "pids.fifo"
    os.mkfifo(fifo_path)
    # Our own writer end keeps the FIFO from reporting end of file between writers.
    fifo = os.open(fifo_path, os.O_RDONLY | os.O_NONBLOCK)
    keep_open = os.open(fifo_path, os.O_WRONLY)
    test = hold(str(fifo_path))
    pytester.makepyfile(test_hold_a=test, test_hold_b=test)
    base = ["-p", "no:cacheprovider", "-p", "no:hypothesispytest"]
    try:
        with pytester.popen([sys.executable, "-m", "pytest", *base, *args]) as process:
            try:
                pids = [int(line) for line in read_lines(fifo, count=count)]
            finally:
                os.kill(process.pid, signal.SIGKILL)
    finally:
        os.close(fifo)
        os.close(keep_open)

    survivors = [pid for pid in pids if not wait_gone(pid, timeout=2.0)]
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    return survivors
