"""The outbound limit bounds memory (docs/protocol.md 1.1), whatever a client sends.

Members keep reading while attackers pipeline 64 KiB of ``/who`` (each answer
goes to the attacker alone and lists every member) and never read. Before the
limit was checked per frame, one such read queued megabytes per attacker; now
the server's peak RSS grows by no more than the attackers' limits plus a
constant, each attacker is dropped with ``slow_consumer`` on a frame
boundary, and the members get everything, in order.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

import pytest

from pytest_chatlab.server import ChatServer
from support.amplification import attack
from support.sanitized import sanitized

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

MEMBERS = 150
ATTACKERS = 5
LIMIT = 256 * 1024
CHATS = 50
#: An outbox's capacity stops at the limit plus 64 KiB; the constant is the
#: members' own traffic (every attacker joins and leaves) and the input read.
SLACK_PER_ATTACKER = 2 * 64 * 1024
CONSTANT = 4 * 1024 * 1024


@pytest.fixture
def server(chatlab_server_factory: Callable[..., ChatServer]) -> ChatServer:
    return chatlab_server_factory(max_outbound_bytes=LIMIT)


@pytest.fixture
def attacked(server: ChatServer):
    return attack(
        (server.host, server.port), server.pid, members=MEMBERS, attackers=ATTACKERS, chats=CHATS
    )


def test_the_servers_peak_memory_stays_within_the_attackers_limits(
    server: ChatServer, attacked
) -> None:
    if sanitized(server.binary):
        pytest.skip("a sanitizer's quarantine and shadow memory make RSS no measure")
    bound = ATTACKERS * (LIMIT + SLACK_PER_ATTACKER) + CONSTANT
    assert attacked.hwm_growth_kib * 1024 <= bound, (
        f"VmHWM grew {attacked.hwm_growth_kib} KiB under {ATTACKERS} attackers; "
        f"the bound is {bound // 1024} KiB"
    )


def test_every_attacker_is_dropped_with_slow_consumer_on_a_frame_boundary(attacked) -> None:
    assert attacked.attacker_resets == 0
    for stream in attacked.attacker_streams:
        assert stream.endswith(b"\n"), f"a stream ends mid-frame: ...{stream[-80:]!r}"
        last = json.loads(stream.splitlines()[-1])
        assert (last["type"], last["code"]) == ("error", "slow_consumer")


def test_every_member_gets_every_chat_in_order_and_every_join_and_leave(attacked) -> None:
    for index, frames in enumerate(attacked.member_frames):
        assert not [f for f in frames if f["type"] == "error"]
        if index != 0:  # the sender gets no copy of its own chats
            chats = [f["text"] for f in frames if f["type"] == "chat"]
            assert chats == [f"seq {seq}" for seq in range(CHATS)]
        joined = {f["user"] for f in frames if f["type"] == "join"}
        left = [f["user"] for f in frames if f["type"] == "leave"]
        assert len(left) == ATTACKERS
        assert set(left) <= joined
