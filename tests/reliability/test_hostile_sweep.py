"""The hostile-input sweep, kept: each probe bounded in count and time.

What an attacker tried once and the server held against stays a test, so a
regression fails CI: resets in the middle of a broadcast while the ones who
reset have a backlog, a slowloris of 50 connections at one byte per 100 ms
while a normal client's ``sync`` stays answered, and 5,000 connect/reset
cycles after which the server's RSS and descriptors are back where they were.
(The ``/who`` amplification is ``test_amplification.py``.)
"""

from __future__ import annotations

import os
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable

import pytest

from pytest_chatlab.mock import MockClient
from pytest_chatlab.server import ChatServer
from support.sanitized import sanitized

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

Connect = Callable[..., MockClient]


def reset(sock: socket.socket) -> None:
    """Closes with an RST: SO_LINGER on, with a zero timeout."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def raw_member(server: ChatServer) -> socket.socket:
    """A member that never reads, with a small window so its backlog stays in the server."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((server.host, server.port))
    return sock


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def test_resets_mid_broadcast_with_a_backlog_leave_the_readers_whole(
    server_process: ChatServer, new_client: Connect
) -> None:
    readers = [new_client(label=f"reader{i}") for i in range(3)]
    laggards = [raw_member(server_process) for _ in range(20)]
    talker = new_client(label="talker")
    for client in (*readers, talker):
        client.sync()
    text = "x" * 1000
    for seq in range(400):
        talker.send_text(f"{seq} {text}")
        if seq == 200:  # the laggards hold a backlog by now; the broadcast goes on
            for sock in laggards:
                reset(sock)
    talker.sync()
    for reader in readers:
        frames = reader.sync(timeout=20)
        chats = [f["text"].split()[0] for f in frames if f["type"] == "chat"]
        assert chats == [str(seq) for seq in range(400)]
        assert sum(f["type"] == "leave" for f in frames) == len(laggards)


def test_a_slowloris_of_50_connections_does_not_slow_a_normal_client(
    server_process: ChatServer, new_client: Connect
) -> None:
    normal = new_client(label="normal")
    normal.sync()
    frame = b'{"type":"chat","text":"s"}\n'
    slow = [socket.create_connection((server_process.host, server_process.port)) for _ in range(50)]
    done = threading.Event()

    def drip() -> None:  # one byte per connection every 100 ms: the attacker's pace
        for byte in range(len(frame)):
            for sock in slow:
                sock.send(frame[byte : byte + 1])
            done.wait(0.1)
        done.set()

    dripper = threading.Thread(target=drip, name="slowloris")
    dripper.start()
    seen = []
    slowest = 0.0
    try:
        while not done.is_set():
            started = time.monotonic()
            seen += normal.sync(timeout=2.0)
            slowest = max(slowest, time.monotonic() - started)
    finally:
        done.set()
        dripper.join()
    assert slowest < 1.0, f"a sync took {slowest:.3f} s during the slowloris"
    # Each frame came a byte at a time, and each was reassembled and broadcast.
    chats = sum(f["type"] == "chat" for f in seen)
    if chats < len(slow):
        normal.recv_until(counting(lambda f: f["type"] == "chat", len(slow) - chats))
    for sock in slow:
        sock.close()


def counting(predicate: Callable[[dict], bool], wanted: int) -> Callable[[dict], bool]:
    """A recv_until predicate that accepts the ``wanted``-th frame ``predicate`` accepts."""
    seen = 0

    def enough(frame: dict) -> bool:
        nonlocal seen
        seen += predicate(frame)
        return seen >= wanted

    return enough


def test_5000_connect_reset_cycles_leave_rss_and_descriptors_where_they_were(
    server_process: ChatServer, new_client: Connect
) -> None:
    probe = new_client(label="probe")
    probe.sync()
    probe.sync()  # the server has been idle between these: burst memory released
    rss_before, fds_before = rss_kib(server_process.pid), open_fds(server_process.pid)
    address = (server_process.host, server_process.port)
    for cycle in range(5000):
        reset(socket.create_connection(address))
        # Each accepted reset is a join and a leave to the probe. Waiting for a
        # batch's leaves keeps the accept queue short: a backlog of thousands,
        # taken in one go, would send the probe more than its outbound limit.
        if cycle % 100 == 99:
            probe.recv_until(counting(lambda f: f["type"] == "leave", 100), timeout=30)
    probe.sync()
    probe.sync()
    assert open_fds(server_process.pid) == fds_before
    if not sanitized(server_process.binary):  # a sanitizer's quarantine holds freed memory
        assert rss_kib(server_process.pid) - rss_before <= 512
