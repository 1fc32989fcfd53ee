"""Harness: real C++ devices in one room, a script of steps, a timeline, a report.

The harness coordinates; it never reimplements the protocol. Each
participant is a real ``Device`` (the bound C++ client). What a participant
sends is recorded as it is sent; what it receives is recorded by the
device's ``on_message`` callback, on the C++ receive thread. The report is
computed from that timeline by the pure ``report`` module.

Theory of operation (why no step ever sleeps):

- **Connect in order.** Participants connect one by one, in the order of the
  explicit list or of their first mention in the script, and each one's
  ``sync`` is answered before the next connects. The answer means the server
  has made it a member (and sent it the welcome and roster), so the next
  newcomer's ``join`` reaches it: join counts follow the participant order.
  Then everyone settles (below), so the connects' traffic is recorded before
  the first step.
- **One step at a time.** After a participant sends a step's text the
  harness syncs that participant. The server handles a connection's frames
  in order, so the answer means the step was handled and every frame it
  produced is already queued for its recipients; only then is the next step
  sent, so the server sees the steps in script order even when they come
  from different connections.
- **Settle.** To settle, the harness syncs every participant in turn.
  Each of those syncs is sent after the steps were handled, so the server
  handles it after it queued their copies; frames to one recipient leave in
  the order they were produced, so the sync answer arrives after all of
  them. The device records a message and runs its callbacks before it reads
  the next one, so by the time ``sync`` returns every copy is in the
  timeline. ``run`` settles after each step by default, so the timeline
  shows each step's effects before the next step; with
  ``settle_each_step=False`` it settles once at the end: the same counts and
  deliveries for one round trip per step plus one per participant, instead
  of one per step and participant, but a copy may be recorded after later
  steps.
- **Barriers are not traffic.** The harness's sync frames and their answers
  are never recorded, so the counts are the participants' own traffic.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Iterable, Sequence

from ._native import Message
from .closing import ClosedByWith
from .device import Device
from .mock import ConnectionClosedError
from .report import Entry, Report, format_timeline
from .server import ChatServer

__all__ = ["Harness", "Step"]

#: One step of a script: a participant and the text its device sends.
Step = tuple[str, str]


class Harness(ClosedByWith):
    """Drives named participants, each a real ``Device``, on one server.

    ``Harness(server)`` takes a ``ChatServer`` or a ``(host, port)`` address.
    ``run(script)`` connects the participants, plays the script and returns
    the ``Report``. ``timeout`` bounds each connect and each sync. Use it as
    a context manager, or call ``close`` to disconnect the devices.
    """

    def __init__(self, server: ChatServer | tuple[str, int], *, timeout: float = 5.0) -> None:
        self.address: tuple[str, int] = (
            server.address if isinstance(server, ChatServer) else (server[0], int(server[1]))
        )
        self.timeout = timeout
        self._devices: dict[str, Device] = {}
        self._recorder = _Recorder()
        self._elapsed = 0.0
        self._closed = False

    # -- participants -----------------------------------------------------

    @property
    def participants(self) -> list[str]:
        """The participants connected so far, in the order they connected."""
        return list(self._devices)

    def device(self, participant: str) -> Device:
        """The device of ``participant``; ``KeyError`` if it is not connected."""
        try:
            return self._devices[participant]
        except KeyError:
            known = ", ".join(self._devices) or "(none)"
            raise KeyError(f"no participant {participant!r}; connected: {known}") from None

    def add(self, *participants: str) -> None:
        """Connects a device for each new participant, in order; known ones are kept.

        Returns once every participant has received what the connects produced.
        """
        if self._closed:
            raise RuntimeError("the harness is closed")
        added = False
        for name in participants:
            if name in self._devices:
                continue
            connecting = time.monotonic()
            device = _connect(self.address, name, self.timeout)
            self._devices[name] = device
            device.on_message(functools.partial(self._recorder.received, name))
            self._wait(name, "its connection to be handled")
            # Frames that came before the callback was set are in messages.
            self._adopt_early(name, device, connecting)
            added = True
        if added:  # the earlier participants' joins and rosters, recorded now
            self.settle()

    # -- steps ------------------------------------------------------------

    def send(self, participant: str, text: str) -> None:
        """Sends ``text`` from ``participant`` and waits until the server handled it."""
        device = self.device(participant)
        self._recorder.sent(participant, Message(type="chat", text=text))
        device.send(text)
        self._wait(participant, f"the server to handle {text!r}")

    def settle(self) -> None:
        """Returns once every participant has received everything sent so far."""
        self._settle(synced=None)

    def run(
        self,
        script: Iterable[Step],
        *,
        participants: Sequence[str] | None = None,
        settle_each_step: bool = True,
    ) -> Report:
        """Plays ``script`` and returns the report of everything recorded so far.

        Participants are ``participants`` if given (the script may name no
        one else), else everyone the script names, in order of first mention;
        all connect before the first step. ``settle_each_step`` (see the
        module's doc) trades a step-ordered timeline for fewer round trips;
        the report is the same. Calling ``run`` again continues the same
        scenario: the report is cumulative.
        """
        steps = [_step(item) for item in script]
        named = list(dict.fromkeys(who for who, _ in steps))
        order = list(participants) if participants is not None else named
        strangers = [who for who in named if who not in order]
        if strangers:
            raise ValueError(f"the script names non-participants: {', '.join(strangers)}")
        started = time.monotonic()
        try:
            self.add(*order)
            for who, text in steps:
                self.send(who, text)
                if settle_each_step:
                    self._settle(synced=who)
            if not settle_each_step:
                self.settle()
        finally:
            self._elapsed += time.monotonic() - started
        return self.report()

    # -- results ----------------------------------------------------------

    @property
    def timeline(self) -> list[Entry]:
        """A snapshot of the timeline, in time order."""
        return sorted(self._recorder.entries(), key=lambda entry: entry.time)

    def report(self) -> Report:
        """The report of the timeline recorded so far."""
        return Report.from_timeline(
            self.timeline, participants=self.participants, elapsed=self._elapsed
        )

    def format_timeline(self) -> str:
        """The timeline so far, one line per entry (for failure reports)."""
        return format_timeline(self.timeline)

    # -- ending -----------------------------------------------------------

    def close(self) -> None:
        """Disconnects every device; idempotent. The timeline stays readable."""
        self._closed = True
        for device in self._devices.values():
            device.disconnect()

    def __repr__(self) -> str:
        host, port = self.address
        return f"<Harness {host}:{port} {len(self._devices)} participants>"

    # -- internals --------------------------------------------------------

    def _settle(self, synced: str | None) -> None:
        # ``synced`` was synced since the last send: its barrier is answered.
        for name in self._devices:
            if name != synced:
                self._wait(name, "the frames of the previous steps")

    def _wait(self, participant: str, what: str) -> None:
        device = self._devices[participant]
        try:
            device.sync(timeout=self.timeout)
        except (TimeoutError, ConnectionClosedError) as error:
            raise type(error)(f"harness: {participant} waited for {what}: {error}") from None
        device.check()

    def _adopt_early(self, participant: str, device: Device, connecting: float) -> None:
        """Records the frames that arrived before ``on_message`` was set.

        The device connects (and starts receiving) before a callback can be
        added, so the welcome may already be in ``messages``. Called right
        after the connect's sync, when nothing else can reach this device:
        the callback saw the tail of ``messages``, so the frames before that
        tail are the early ones. They get the time the connect began, the
        one bound known for them.
        """
        self._recorder.adopt(participant, device.messages, connecting)


class _Recorder:
    """The timeline, appended to from the receive threads and the test's thread.

    The device callbacks hold this object, not the harness, so no reference
    cycle runs from a device back to the harness that owns it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[Entry] = []

    def entries(self) -> list[Entry]:
        with self._lock:
            return list(self._entries)

    def sent(self, participant: str, message: Message) -> None:
        # Stamped before the send, so it precedes every copy it produces.
        self._append(Entry(time.monotonic(), participant, "sent", message))

    def received(self, participant: str, message: Message) -> None:
        # On the C++ receive thread. A sync answer is the harness's own
        # barrier, never the participants' traffic (the device does not
        # pass them on; this keeps the rule whatever the device does).
        if message.type != "sync":
            self._append(Entry(time.monotonic(), participant, "recv", message))

    def adopt(self, participant: str, messages: list[Message], at: float) -> None:
        frames = [m for m in messages if m.type != "sync"]
        with self._lock:
            seen = sum(
                1 for e in self._entries if e.participant == participant and e.direction == "recv"
            )
            early = frames[: len(frames) - seen]
            self._entries.extend(Entry(at, participant, "recv", m) for m in early)

    def _append(self, entry: Entry) -> None:
        with self._lock:
            self._entries.append(entry)


def _connect(address: tuple[str, int], label: str, timeout: float) -> Device:
    host, port = address
    return Device.connect(host, port, label=label, timeout=timeout)


def _step(item: Step) -> Step:
    if not (
        isinstance(item, tuple)
        and len(item) == 2
        and isinstance(item[0], str)
        and isinstance(item[1], str)
    ):
        raise TypeError(f"a script step is (participant, text), got {item!r}")
    return item
