"""The /who amplification: members that read, attackers that pipeline and never do.

An attacker sends one write of ``/who`` lines (each answered to the attacker
alone, with a notice and a roster listing every member) and never reads, on
a socket whose receive buffer is small, so the kernel cannot absorb the
answers. ``attack`` runs that against a live server while the members keep
reading, and returns what a regression test or a benchmark needs: the
growth of the server's peak RSS, what each attacker's stream ended with,
and what each member received. Stdlib only; no sleeps: every wait is on a
socket with a deadline.
"""

from __future__ import annotations

import json
import selectors
import socket
import threading
import time
from dataclasses import dataclass, field

WHO = b'{"type":"chat","text":"/who"}\n'
#: One 64 KiB write of /who lines, as in the issue's reproduction.
WHO_LINES = 2184


@dataclass
class Outcome:
    """What one attack did to the server and to everyone on it."""

    hwm_before_kib: int  #: the server's RSS once the members were in (VmHWM reset)
    hwm_after_kib: int  #: its VmHWM once every attacker was dropped
    attacker_streams: list[bytes]  #: everything each attacker could read, to EOF
    attacker_resets: int  #: attackers whose stream ended in a reset, not EOF
    member_frames: list[list[dict]] = field(default_factory=list)  #: each member's frames

    @property
    def hwm_growth_kib(self) -> int:
        return self.hwm_after_kib - self.hwm_before_kib


def reset_hwm(pid: int) -> None:
    """Lowers the process's VmHWM to its current RSS (Linux: clear_refs 5), so
    a peak of the members' own connect storm does not hide the attack's."""
    with open(f"/proc/{pid}/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


def vm_hwm_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmHWM for pid {pid}")


class Members:
    """Connected members, read on a thread of their own until ``stop``."""

    def __init__(self, address: tuple[str, int], count: int) -> None:
        self.socks: list[socket.socket] = []
        self.streams: dict[socket.socket, bytearray] = {}
        self._selector = selectors.DefaultSelector()
        self._arrived = threading.Condition()
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._connected = False
        self._thread = threading.Thread(
            target=self._run, args=(address, count), name="members", daemon=True
        )
        self._thread.start()
        with self._arrived:
            self._arrived.wait_for(lambda: self._connected or self._error is not None, 60)
        self.wait_for(b'"type":"roster"', 1, timeout=60)

    def _run(self, address: tuple[str, int], count: int) -> None:
        try:
            # Members connect on this thread, which reads between connects: a
            # member that read nothing while hundreds joined would be a slow consumer.
            for _ in range(count):
                sock = socket.create_connection(address, timeout=10)
                sock.setblocking(False)
                with self._arrived:
                    self.streams[sock] = bytearray()
                    self.socks.append(sock)
                self._selector.register(sock, selectors.EVENT_READ)
                self._read(timeout=0)
            with self._arrived:
                self._connected = True
                self._arrived.notify_all()
            while not self._stop.is_set():
                self._read(timeout=0.05)
        except BaseException as exc:  # re-raised on the test's thread
            with self._arrived:
                self._error = exc
                self._arrived.notify_all()

    def _read(self, timeout: float) -> None:
        for key, _ in self._selector.select(timeout):
            sock: socket.socket = key.fileobj  # type: ignore[assignment]
            data = sock.recv(1 << 16)
            if not data:
                raise AssertionError("the server closed a member that reads")
            with self._arrived:
                self.streams[sock] += data
                self._arrived.notify_all()

    def wait_for(self, needle: bytes, count: int, timeout: float) -> None:
        """Until every member's stream holds ``needle`` at least ``count`` times."""
        deadline = time.monotonic() + timeout
        seen: dict[socket.socket, int] = {}
        scanned: dict[socket.socket, int] = {}  # streams only grow: each byte is looked at once
        with self._arrived:
            while self._error is None:
                for sock in self.socks:
                    seen.setdefault(sock, 0)
                    scanned.setdefault(sock, 0)
                for sock in [s for s in self.socks if seen[s] < count]:
                    stream, start = self.streams[sock], scanned[sock]
                    while (at := stream.find(needle, start)) != -1:
                        seen[sock] += 1
                        start = at + len(needle)
                    scanned[sock] = max(start, len(stream) - len(needle) + 1)
                short = sum(found < count for found in seen.values())
                left = deadline - time.monotonic()
                if not short:
                    return
                assert left > 0, f"{short} members never saw {needle!r}"
                self._arrived.wait(left)
            raise self._error

    def sync_all(self, barrier: str, timeout: float = 20.0) -> None:
        frame = json.dumps({"type": "sync", "id": barrier}).encode() + b"\n"
        for sock in self.socks:
            sock.send(frame)
        answer = json.dumps({"id": barrier, "type": "sync"}, separators=(",", ":")).encode()
        self.wait_for(answer, 1, timeout)

    def stop(self) -> list[list[dict]]:
        self._stop.set()
        self._thread.join()
        self._selector.close()
        for sock in self.socks:
            sock.close()
        if self._error is not None:
            raise self._error
        return [
            [json.loads(line) for line in bytes(self.streams[s]).splitlines()] for s in self.socks
        ]


def open_attacker(address: tuple[str, int]) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: the window
    sock.settimeout(10)
    sock.connect(address)
    return sock


def read_to_end(sock: socket.socket, timeout: float) -> tuple[bytes, bool]:
    """Everything left to read, and whether the stream ended in a reset."""
    sock.settimeout(timeout)
    chunks = []
    try:
        while data := sock.recv(1 << 16):
            chunks.append(data)
    except ConnectionResetError:
        return b"".join(chunks), True
    return b"".join(chunks), False


def attack(
    address: tuple[str, int],
    pid: int,
    *,
    members: int,
    attackers: int,
    chats: int = 50,
    who_lines: int = WHO_LINES,
) -> Outcome:
    """Runs the attack; one member sends ``chats`` numbered chats meanwhile.

    With ``who_lines=0`` it is the control: the same clients join and leave
    (close) without sending anything, so what their joins and leaves cost the
    members can be told apart from what the attack costs.
    """
    crowd = Members(address, members)
    try:
        crowd.sync_all("joined")
        crowd.sync_all("idle")  # the server released the storm's buffers in between
        reset_hwm(pid)
        before = vm_hwm_kib(pid)
        socks = [open_attacker(address) for _ in range(attackers)]
        for sock in socks:
            if who_lines:
                sock.sendall(WHO * who_lines)
            else:
                sock.close()
        sender = crowd.socks[0]
        for seq in range(chats):
            sender.send(json.dumps({"type": "chat", "text": f"seq {seq}"}).encode() + b"\n")
        # Every attacker leaves once dropped; then nothing more is on its way.
        crowd.wait_for(b'"type":"leave"', attackers, timeout=30)
        crowd.sync_all("after")
        after = vm_hwm_kib(pid)
        ends = [read_to_end(sock, timeout=10) for sock in socks if who_lines]
        for sock in socks:
            sock.close()
    except BaseException:
        crowd.stop()
        raise
    return Outcome(
        hwm_before_kib=before,
        hwm_after_kib=after,
        attacker_streams=[stream for stream, _ in ends],
        attacker_resets=sum(reset for _, reset in ends),
        member_frames=crowd.stop(),
    )
