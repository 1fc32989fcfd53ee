"""Start-up off the critical path: the next process starts while a test runs.

Theory of operation:

- **One spare per configuration.** The first test that asks for a process
  of a configuration (a key: the command, its readiness rule, its
  environment) starts it as usual, and a spare of the same configuration
  begins to start on a background thread. The next test that asks for that
  configuration takes the spare, which by then is usually ready, and
  another spare begins. Every test still gets a process nobody used.
- **A spare that failed is forgotten.** If the spare could not start, or
  has exited since, the test starts its own process on its own thread, so
  a failure to start is reported by the test that needed the process, as
  without prestart.
- **Per process.** The spares live in a pool per pytest process, so each
  pytest-xdist worker has its own. The pool is closed at session end, which
  stops every spare; a spare dies with pytest like any other process (its
  lifeline is the launcher's, not this module's).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import Generic, Protocol, TypeVar

__all__ = ["Spares", "configuration_key"]


class Startable(Protocol):
    def start(self) -> object: ...
    def stop(self) -> object: ...
    def poll(self) -> int | None: ...


P = TypeVar("P", bound=Startable)


class _Spare(Generic[P]):
    """A process starting on a background thread."""

    def __init__(self, make: Callable[[], P]) -> None:
        self.process = make()
        self._started = False
        self._thread = threading.Thread(target=self._start, name="chatlab-prestart", daemon=True)
        self._thread.start()

    def _start(self) -> None:
        try:
            self.process.start()
        except Exception:  # the test that needs one starts its own and reports why
            return
        self._started = True

    def ready(self) -> P | None:
        """The process once it is up, or None if it failed or has exited since."""
        self._thread.join()
        if self._started and self.process.poll() is None:
            return self.process
        return None

    def discard(self) -> None:
        self._thread.join()
        if self._started:
            self.process.stop()


class Spares(Generic[P]):
    """The spare processes of one pytest process, one per configuration key,
    for the ``limit`` configurations used last (older spares are stopped)."""

    def __init__(self, limit: int = 4) -> None:
        self._lock = threading.Lock()
        self._spares: OrderedDict[Hashable, _Spare[P]] = OrderedDict()
        self._limit = limit
        self._closed = False
        #: how many takes a spare answered (the others started a process there and then)
        self.served = 0

    def take(self, key: Hashable, make: Callable[[], P]) -> P:
        """A started process of configuration ``key``: the spare if it is up,
        else one started now by ``make().start()``. Either way, a new spare
        of the same configuration starts in the background."""
        with self._lock:
            spare = self._spares.pop(key, None)
        process = spare.ready() if spare is not None else None
        if process is None:
            if spare is not None:
                spare.discard()
            process = make()
            process.start()
        else:
            self.served += 1
        evicted = []
        with self._lock:
            if not self._closed:
                self._spares[key] = _Spare(make)
                while len(self._spares) > self._limit:
                    evicted.append(self._spares.popitem(last=False)[1])
        for spare in evicted:
            spare.discard()
        return process

    def close(self) -> None:
        """Stops every spare; later takes start processes without spares."""
        with self._lock:
            self._closed = True
            spares, self._spares = list(self._spares.values()), OrderedDict()
        for spare in spares:
            spare.discard()


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
