"""Spawning from a thread that outlives every server.

``chatlab-launch`` asks the kernel to kill the server when its parent dies,
and Linux means the parent *thread*: the one that called fork. A server
spawned from a short-lived thread (a test's worker thread, a pool) would be
killed the moment that thread ends. The main thread lives as long as the
process, so it spawns directly; any other thread hands the spawn to one
daemon thread started on first use, which never ends before the process.
"""

from __future__ import annotations

import queue
import subprocess
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["popen"]


class _Job:
    """One spawn handed to the spawner thread, and its outcome."""

    def __init__(self, spawn: Callable[[], subprocess.Popen[bytes]]) -> None:
        self.spawn = spawn
        self.done = threading.Event()
        self.process: subprocess.Popen[bytes] | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.process = self.spawn()
        except BaseException as error:  # the caller re-raises it on its own thread
            self.error = error
        self.done.set()

    def result(self) -> subprocess.Popen[bytes]:
        self.done.wait()
        if self.error is not None:
            raise self.error
        assert self.process is not None
        return self.process


_jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
_spawner: threading.Thread | None = None
_spawner_lock = threading.Lock()


def popen(args: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
    """``subprocess.Popen(args, **kwargs)``, forked by a thread that outlives the child."""
    if threading.current_thread() is threading.main_thread():
        return subprocess.Popen(args, **kwargs)
    job = _Job(lambda: subprocess.Popen(args, **kwargs))
    _jobs.put(job)
    _ensure_spawner()
    return job.result()


def _ensure_spawner() -> None:
    global _spawner
    with _spawner_lock:
        if _spawner is None:
            _spawner = threading.Thread(target=_serve, name="chatlab-spawner", daemon=True)
            _spawner.start()


def _serve() -> None:
    while True:
        _jobs.get().run()
