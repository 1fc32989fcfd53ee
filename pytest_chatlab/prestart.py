"""Start-up off the critical path: the next process starts while a test runs.

Theory of operation:

- **One spare per configuration.** The first test that asks for a process
  of a configuration (a key: the command, its readiness rule, its
  environment) starts it as usual, and has a spare of the same
  configuration spawned. The next test that asks for that configuration
  finishes the spare's start, which by then is usually only reading the
  ready line the server wrote meanwhile, and has another spawned. Every
  test still gets a process nobody used.
- **Spawned, not started, in the background.** A server gets ready on its
  own: between its spawn and its ``start``, nothing in this process needs
  to run. So the spare is only spawned ahead, on the long-lived spawner
  thread of ``_spawn`` (whose children outlive any other thread), and the
  readiness is read on the test's thread when it takes the spare. A thread
  that waited for readiness would compete with the test for the GIL.
- **When.** ``take`` has the replacement spawned at once unless told not
  to; the plugin's fixtures have it spawned while the test's body runs
  (``tracking.calling``), where the spawn uses the test's waits rather
  than the teardown's.
- **A spare that failed is forgotten.** If the spare could not be spawned,
  could not get ready, or has exited since, the test starts its own
  process, so a failure to start is reported by the test that needed the
  process, as without prestart.
- **Per process.** The spares live in a pool per pytest process, so each
  pytest-xdist worker has its own. The pool is closed at session end, which
  stops every spare; a spare dies with pytest like any other process (its
  lifeline is the launcher's or its own, not this module's).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import Generic, Protocol, TypeVar

from . import _spawn
from ._spawn import Job

__all__ = ["Spares", "configuration_key"]


class Startable(Protocol):
    def spawn(self) -> object: ...
    def start(self) -> object: ...
    def stop(self) -> object: ...
    def poll(self) -> int | None: ...


P = TypeVar("P", bound=Startable)


class Spares(Generic[P]):
    """The spare processes of one pytest process, one per configuration key,
    for the ``limit`` configurations used last (older spares are stopped)."""

    def __init__(self, limit: int = 4) -> None:
        self._lock = threading.Lock()
        self._spares: OrderedDict[Hashable, Job[P]] = OrderedDict()
        self._limit = limit
        self._closed = False
        #: how many takes a spare answered (the others started a process there and then)
        self.served = 0

    def take(self, key: Hashable, make: Callable[[], P], *, replace: bool = True) -> P:
        """A started process of configuration ``key``: the spare if it gets
        ready and runs, else one started now by ``make().start()``. Unless
        ``replace`` is False (the caller then calls ``replace`` when it
        suits it), a new spare of the same configuration is spawned."""
        with self._lock:
            spare = self._spares.pop(key, None)
        process = _finish(spare) if spare is not None else None
        if process is None:
            process = make()
            process.start()
        else:
            self.served += 1
        if replace:
            self.replace(key, make)
        return process

    def replace(self, key: Hashable, make: Callable[[], P]) -> Job[P]:
        """Has a spare of configuration ``key`` spawned by ``make().spawn()``
        on the spawner thread, in place of any spare it has; the job returned
        is done once the spawn is."""
        spare = _spawn.submit(lambda: _spawned(make()))
        evicted: list[Job[P]] = []
        with self._lock:
            if self._closed:
                evicted.append(spare)
            else:
                old = self._spares.pop(key, None)
                if old is not None:
                    evicted.append(old)
                self._spares[key] = spare
                while len(self._spares) > self._limit:
                    evicted.append(self._spares.popitem(last=False)[1])
        for old in evicted:
            _discard(old)
        return spare

    def spare(self, key: Hashable) -> P | None:
        """The spare of configuration ``key`` once it is spawned (not started:
        its take does that), or None if there is none or its spawn failed."""
        with self._lock:
            spare = self._spares.get(key)
        try:
            return spare.result() if spare is not None else None
        except Exception:
            return None

    def close(self) -> None:
        """Stops every spare; later takes start processes without spares."""
        with self._lock:
            self._closed = True
            spares, self._spares = list(self._spares.values()), OrderedDict()
        for spare in spares:
            _discard(spare)


def _spawned(process: P) -> P:
    process.spawn()
    return process


def _finish(spare: Job[P]) -> P | None:
    """The spare started and running, or None (stopped) if it is not."""
    try:
        process = spare.result()
    except Exception:  # could not spawn: the test's own start reports why
        return None
    try:
        process.start()
    except Exception:  # the test's own start reports what is wrong
        process.stop()
        return None
    if process.poll() is not None:  # ready once, gone since
        process.stop()
        return None
    return process


def _discard(spare: Job[P]) -> None:
    try:
        process = spare.result()
    except Exception:  # never spawned: nothing to stop
        return
    process.stop()


def configuration_key(*parts: object) -> Hashable:
    """A hashable key of a configuration given as values, lists and mappings
    (an environment, say): equal configurations give equal keys."""
    return tuple(_frozen(part) for part in parts)


def _frozen(value: object) -> Hashable:
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _frozen(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return frozenset(_frozen(v) for v in value)
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value
