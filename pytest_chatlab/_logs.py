"""Where a server's logs go: ``LABEL-N.stdout.log`` and ``LABEL-N.stderr.log``.

Many processes may share one directory (the xdist workers of a run do not,
but nothing here relies on it): N is claimed by creating the stderr log
with ``O_EXCL``, so no two processes ever get the same N. On ext4, creating
a file right after a process exited costs about half a millisecond, twice
a start, so the next pair of each directory and label is made ahead on the
output thread (``_output.call``), when it wakes for the end of a server's
output, and the pairs made ahead and never used are removed at the end of
a session and at exit.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import shutil
import tempfile
from pathlib import Path

from . import _output
from ._spawn import Job

__all__ = ["claim", "discard_made_ahead", "private_directory"]


def claim(directory: Path, label: str) -> str:
    """``directory/LABEL-N``, both of its log files made: the pair made ahead
    for ``directory`` and ``label`` if there is one; the next pair is made
    ahead now."""
    key = (directory, label)
    ahead = _made_ahead.pop(key, None)
    stem = None
    if ahead is not None:
        with contextlib.suppress(OSError):  # the directory went, say: made again now
            stem = _output.finish(ahead)
    if stem is None:
        stem = _make_pair(directory, label)
    # Made when the drainer next wakes anyway: at the end of this server's pipes.
    _made_ahead[key] = _output.call(lambda: _make_pair(directory, label), lazily=True)
    return stem


def discard_made_ahead() -> None:
    """Removes the log files made ahead and not used (the plugin, at the end
    of a session; and at exit)."""
    while _made_ahead:
        _, ahead = _made_ahead.popitem()
        if ahead.done.is_set() and ahead.error is None and ahead.value is not None:
            for stream in ("stdout", "stderr"):
                with contextlib.suppress(OSError):
                    os.unlink(f"{ahead.value}.{stream}.log")


def _make_pair(directory: Path, label: str) -> str:
    """``directory/LABEL-N`` and its two log files, N the first number whose
    stderr log this call could create (``O_EXCL``: no two processes get one
    N, whoever they are)."""
    number = _next_log_number.get((directory, label), 1)
    made = False
    while True:
        stem = f"{directory}/{label}-{number}"
        try:
            os.close(os.open(f"{stem}.stderr.log", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        except FileExistsError:
            number += 1
            continue
        except FileNotFoundError:
            if made:
                raise
            directory.mkdir(parents=True, exist_ok=True)  # first use: no mkdir per process
            made = True
            continue
        _next_log_number[(directory, label)] = number + 1
        os.close(os.open(f"{stem}.stdout.log", os.O_WRONLY | os.O_CREAT, 0o644))
        return stem


_next_log_number: dict[tuple[Path, str], int] = {}
_made_ahead: dict[tuple[Path, str], Job[str]] = {}
atexit.register(discard_made_ahead)


@functools.cache
def private_directory() -> Path:
    """Where the logs of processes without a ``log_dir`` live until their
    ``stop``: one directory for this Python process, removed when it exits."""
    directory = Path(tempfile.mkdtemp(prefix="chatlab-logs-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return directory
