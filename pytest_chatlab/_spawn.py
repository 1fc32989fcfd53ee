"""Spawning from a thread that outlives every server.

``chatlab-launch`` asks the kernel to kill the server when its parent dies,
and Linux means the parent *thread*: the one that called fork. A server
spawned from a short-lived thread (a test's worker thread, a pool) would be
killed the moment that thread ends. The main thread lives as long as the
process, so it spawns directly; any other thread hands the spawn to one
daemon thread started on first use, which ends only with the process, or
when the plugin ends it at the end of a session, once every server it
spawned has been stopped. Prestart spawns its spares on that thread too:
a spawn ahead of time, off the test's thread.
"""

from __future__ import annotations

import os
import queue
import subprocess
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

__all__ = ["Job", "popen", "stop_spawner", "submit"]


T = TypeVar("T")


class Job(Generic[T]):
    """Work handed to the spawner thread, and its outcome."""

    def __init__(self, work: Callable[[], T]) -> None:
        self.work = work
        self.done = threading.Event()
        self.value: T | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.value = self.work()
        except BaseException as error:  # the caller re-raises it on its own thread
            self.error = error
        self.done.set()

    def result(self) -> T:
        """The work's value once it is done; its exception, raised here."""
        self.done.wait()
        if self.error is not None:
            raise self.error
        return self.value  # type: ignore[return-value]


_jobs: queue.SimpleQueue[Job[Any] | None] = queue.SimpleQueue()  # None: stop
_spawner: threading.Thread | None = None
_spawner_lock = threading.Lock()


def popen(args: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
    """``subprocess.Popen(args, **kwargs)``, forked by a thread that outlives the child."""
    if threading.current_thread() in (threading.main_thread(), _spawner):
        return subprocess.Popen(args, **kwargs)
    return submit(lambda: subprocess.Popen(args, **kwargs)).result()


def submit(work: Callable[[], T]) -> Job[T]:
    """Runs ``work`` on the spawner thread (a ``spawn`` ahead of time, say);
    ``result()`` of the job returned waits for it."""
    job = Job(work)
    _jobs.put(job)
    _ensure_spawner()
    return job


def _ensure_spawner() -> None:
    global _spawner
    with _spawner_lock:
        if _spawner is None:
            _spawner = threading.Thread(target=_serve, name="chatlab-spawner", daemon=True)
            _spawner.start()


def stop_spawner() -> None:
    """Ends the spawner thread, after the work handed to it: the servers it
    spawned must be stopped by then, since their lifeline is this thread."""
    global _spawner
    with _spawner_lock:
        spawner, _spawner = _spawner, None
        if spawner is not None:
            _jobs.put(None)
            spawner.join()


def _serve() -> None:
    while (job := _jobs.get()) is not None:
        job.run()


def _forget_after_fork() -> None:
    """A forked child has no spawner thread: it starts its own on first use."""
    global _spawner, _spawner_lock, _jobs
    _spawner, _spawner_lock, _jobs = None, threading.Lock(), queue.SimpleQueue()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)
