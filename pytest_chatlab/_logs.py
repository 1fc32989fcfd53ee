"""Where a server's logs go: ``LABEL-N.stdout.log`` and ``LABEL-N.stderr.log``.

Many processes may share one directory (the xdist workers of a run do not,
but nothing here relies on it): N is claimed by creating the stderr log
with ``O_EXCL``, so no two processes ever get the same N. On ext4, creating
a file right after a process exited costs about half a millisecond, twice
a start, so in the directories the plugin owns for a session (``ahead_in``)
the next pair of each label is made ahead on the output thread
(``_output.call``), when it wakes for the end of a server's output; the
pairs made ahead and never used are removed at the end of the session and
at exit. A directory of the user's gets no file it did not ask for: it may
be gone by the time the output thread would write there.
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

__all__ = ["ahead_in", "claim", "discard_made_ahead", "private_directory"]


def ahead_in(directory: Path) -> None:
    """Lets ``claim`` make log files ahead in ``directory`` until
    ``discard_made_ahead``: one that lives as long as the session."""
    _ahead_directories.add(directory)


def claim(directory: Path, label: str) -> str:
    """``directory/LABEL-N``, both of its log files made: the pair made ahead
    for ``directory`` and ``label`` if there is one; in a directory of
    ``ahead_in``, the next pair is made ahead."""
    key = (directory, label)
    ahead = _made_ahead.pop(key, None)
    stem = None
    if ahead is not None:
        with contextlib.suppress(OSError):  # the directory went, say: made again now
            stem = _output.finish(ahead)
    if stem is None:
        stem = _make_pair(directory, label)
    if directory in _ahead_directories:
        # Made when the drainer next wakes anyway: at the end of this server's pipes.
        make = functools.partial(_make_pair, directory, label, make_directory=False)
        _made_ahead[key] = _output.call(make, lazily=True)
    return stem


def discard_made_ahead(directory: Path | None = None, *, wait: bool = True) -> None:
    """Removes the log files made ahead in ``directory`` (all: None) and not
    used, and makes no more there (the plugin, at the end of a session; and
    at exit, where ``wait=False`` leaves alone what is not made yet)."""
    _ahead_directories.difference_update(_ahead_directories if directory is None else {directory})
    for key in [key for key in _made_ahead if directory in (None, key[0])]:
        ahead = _made_ahead.pop(key)
        if not (wait or ahead.done.is_set()):
            continue
        try:
            stem = _output.finish(ahead)  # it may not have run yet: made, then removed
        except OSError:
            continue
        for stream in ("stdout", "stderr"):
            with contextlib.suppress(OSError):
                os.unlink(f"{stem}.{stream}.log")


def _make_pair(directory: Path, label: str, *, make_directory: bool = True) -> str:
    """``directory/LABEL-N`` and its two log files, N the first number whose
    stderr log this call could create (``O_EXCL``: no two processes get one
    N, whoever they are). ``directory`` is made if need be, if allowed."""
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
            if made or not make_directory:
                raise
            directory.mkdir(parents=True, exist_ok=True)  # first use: no mkdir per process
            made = True
            continue
        _next_log_number[(directory, label)] = number + 1
        os.close(os.open(f"{stem}.stdout.log", os.O_WRONLY | os.O_CREAT, 0o644))
        return stem


_next_log_number: dict[tuple[Path, str], int] = {}
_made_ahead: dict[tuple[Path, str], Job[str]] = {}
_ahead_directories: set[Path] = set()
atexit.register(discard_made_ahead, wait=False)


def _forget_after_fork() -> None:
    """A forked child neither made these nor has the thread that would."""
    _made_ahead.clear()
    _ahead_directories.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


@functools.cache
def private_directory() -> Path:
    """Where the logs of processes without a ``log_dir`` live until their
    ``stop``: one directory for this Python process, removed when it exits."""
    directory = Path(tempfile.mkdtemp(prefix="chatlab-logs-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return directory
