"""Reading what inner pytest runs report through a FIFO.

xdist workers' output never reaches the controller's stdout; a FIFO opened
by the outer test reaches every inner process alike.
"""

from __future__ import annotations

import os
import select
import time


def read_lines(fd: int, count: int, timeout: float = 30.0) -> list[str]:
    """Reads ``count`` lines from a FIFO, waiting on it against one deadline."""
    data = b""
    deadline = time.monotonic() + timeout
    while data.count(b"\n") < count:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"only {data!r} after {timeout} s"
        if select.select([fd], [], [], remaining)[0]:
            data += os.read(fd, 4096)
    return data.decode().splitlines()
