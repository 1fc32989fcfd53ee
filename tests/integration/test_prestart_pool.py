"""Spares, the prestart pool, on real chatlab-server processes: what it hands
out is always running and unused, and closing it leaves nothing behind."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import pytest_chatlab as chatlab
from pytest_chatlab.prestart import Spares
from pytest_chatlab.server import ChatServer
from support.exits import wait_gone


@pytest.fixture
def made() -> Iterator[list[ChatServer]]:
    """Every server a pool was asked to make; all stopped after the test."""
    servers: list[ChatServer] = []
    yield servers
    for server in servers:
        server.stop()


@chatlab.level("integration")
@pytest.fixture
def pool(made: list[ChatServer]) -> Iterator[Spares[ChatServer]]:
    spares: Spares[ChatServer] = Spares(limit=1)
    yield spares
    spares.close()


def maker(made: list[ChatServer], *binaries: Path) -> Callable[[], ChatServer]:
    """Makes servers of ``binaries`` in turn, the last one for ever after."""
    queue = list(binaries)

    def make() -> ChatServer:
        server = ChatServer(queue.pop(0) if len(queue) > 1 else queue[0])
        made.append(server)
        return server

    return make


def test_the_second_take_is_the_spare_spawned_by_the_first(pool, made, server_path):
    make = maker(made, server_path)
    first = pool.take("chat", make)
    second = pool.take("chat", make)

    assert pool.served == 1
    assert second is made[1]
    assert first.pid != second.pid
    assert second.poll() is None
    assert second.stdout_text().startswith("READY ")  # started, as a take promises


def test_a_take_may_leave_the_replacement_to_its_caller(pool, made, server_path):
    make = maker(made, server_path)
    taken = pool.take("chat", make, replace=False)
    assert pool.spare("chat") is None  # nothing spawned yet

    spawned = pool.replace("chat", make).result()

    assert pool.spare("chat") is spawned is made[1]
    assert spawned.pid != taken.pid
    assert pool.take("chat", make) is spawned
    assert pool.served == 1


def test_a_spare_that_died_meanwhile_is_replaced_by_a_fresh_start(pool, made, server_path):
    make = maker(made, server_path)
    pool.take("chat", make)
    spare = pool.spare("chat")
    assert spare is made[1]
    os.kill(spare.pid, signal.SIGKILL)
    assert wait_gone(spare.pid, timeout=5.0)

    taken = pool.take("chat", make)

    assert pool.served == 0
    assert taken is made[2]
    assert taken.poll() is None


def test_a_spare_that_failed_to_spawn_leaves_the_start_to_the_test(
    pool, made, server_path, tmp_path
):
    missing = tmp_path / "gone"  # the second server made cannot start
    make = maker(made, server_path, missing, server_path)
    pool.take("chat", make)

    taken = pool.take("chat", make)

    assert made[1].binary == missing
    assert pool.served == 0  # the spare had failed: this one started for the take
    assert taken is made[2]
    assert taken.poll() is None


def test_the_spare_of_the_configuration_used_longest_ago_is_stopped(pool, made, server_path):
    pool.take("small", maker(made, server_path))
    small = pool.spare("small")
    pool.take("large", maker(made, server_path))  # limit 1: one spare, of "large"

    assert small is not None
    assert small.poll() is not None
    assert pool.spare("small") is None
    large = pool.spare("large")
    assert large is not None
    assert large.poll() is None


def test_closing_stops_the_spares(made, server_path):
    spares: Spares[ChatServer] = Spares()
    spares.take("chat", maker(made, server_path))
    spare = spares.spare("chat")

    spares.close()

    assert spare is not None
    assert spare.poll() is not None
    assert wait_gone(spare.pid, timeout=5.0)
    assert spares.spare("chat") is None
