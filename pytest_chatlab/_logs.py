"""Where a server's logs go: ``LABEL-N.stdout.log`` and ``LABEL-N.stderr.log``.

Many processes may share one directory (the xdist workers of a run do not,
but nothing here relies on it): N is claimed by creating the stderr log
with ``O_EXCL``, so no two processes ever get the same N.

Making the pair costs a start two file creations, and in a pytest process
a file made on another thread was slower still: each ``open`` gives up the
GIL and waits to get it back from the test's thread, and files made as a
server exited (when the output thread woke) slowed that server's stop. So in
the directories the plugin owns for a session (``ahead_in``) the next pair
of each label is made ahead by the thread that spawns servers (the test's,
or prestart's spawner), right after it spawned one (``make_ahead``), while
that server gets ready; the pairs made ahead and never used are removed at
the end of the session and at exit. (A job of its own after a spare's
spawn ran during the teardown and slowed the stop there by a third.) A
directory of the user's gets no file it did not ask for.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import shutil
import tempfile
from pathlib import Path

__all__ = ["ahead_in", "claim", "discard_made_ahead", "make_ahead", "private_directory"]


def ahead_in(directory: Path) -> None:
    """Lets ``make_ahead`` make log files in ``directory`` until
    ``discard_made_ahead``: one that lives as long as the session."""
    _ahead_directories.add(directory)


def claim(directory: Path, label: str) -> tuple[str, dict[str, int]]:
    """``directory/LABEL-N``, both of its log files made, and each open for
    appending (``"stdout"``, ``"stderr"``: the caller closes them): the pair
    made ahead for ``directory`` and ``label`` if it is still there, else
    one made now. Kept open, a file made ahead costs its start no open."""
    pair = _made_ahead.pop((directory, label), None)
    if pair is not None:
        if os.path.exists(f"{pair[0]}.stderr.log"):
            return pair
        _close(pair)
    return _make_pair(directory, label)


def make_ahead(directory: Path, label: str) -> None:
    """Makes the next pair of ``directory`` and ``label`` for ``claim``, if
    ``directory`` is one of ``ahead_in`` and none is waiting. Call it while a
    server starts: the files are made in time this thread would spend
    waiting. Any thread may: of two racing, one pair is kept."""
    key = (directory, label)
    if directory not in _ahead_directories or key in _made_ahead:
        return
    try:
        pair = _make_pair(directory, label, make_directory=False)
    except OSError:  # the directory went, say: claim makes one then
        return
    if _made_ahead.setdefault(key, pair) is not pair:
        _discard(pair)


def discard_made_ahead(directory: Path | None = None) -> None:
    """Removes the log files made ahead in ``directory`` (all: None) and not
    used, and makes no more there (the plugin, at the end of a session; and
    at exit)."""
    _ahead_directories.difference_update(_ahead_directories if directory is None else {directory})
    for key in [key for key in _made_ahead if directory in (None, key[0])]:
        _discard(_made_ahead.pop(key))


def _make_pair(
    directory: Path, label: str, *, make_directory: bool = True
) -> tuple[str, dict[str, int]]:
    """``directory/LABEL-N`` and its two log files, open for appending; N
    the first number whose stderr log this call could create (``O_EXCL``: no
    two processes get one N, whoever they are). ``directory`` is made if
    need be, if allowed."""
    number = _next_log_number.get((directory, label), 1)
    made = False
    while True:
        stem = f"{directory}/{label}-{number}"
        try:
            stderr = os.open(f"{stem}.stderr.log", _CREATE | os.O_EXCL, 0o644)
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
        try:
            stdout = os.open(f"{stem}.stdout.log", _CREATE, 0o644)
        except OSError:
            os.close(stderr)
            raise
        return stem, {"stdout": stdout, "stderr": stderr}


def _close(pair: tuple[str, dict[str, int]]) -> None:
    for fd in pair[1].values():
        os.close(fd)


def _discard(pair: tuple[str, dict[str, int]]) -> None:
    _close(pair)
    for stream in ("stdout", "stderr"):
        with contextlib.suppress(OSError):
            os.unlink(f"{pair[0]}.{stream}.log")


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_APPEND
_next_log_number: dict[tuple[Path, str], int] = {}
_made_ahead: dict[tuple[Path, str], tuple[str, dict[str, int]]] = {}  # (directory, label): pair
_ahead_directories: set[Path] = set()
atexit.register(discard_made_ahead)


def _forget_after_fork() -> None:
    """A forked child did not make these: the parent removes them."""
    for pair in _made_ahead.values():
        _close(pair)
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
