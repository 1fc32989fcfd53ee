"""chatlab_process on Debian's redis-server: a real daemon nobody here wrote.

It takes its port as ``--port N`` and prints no address: ``{port}`` is filled
with a port picked by the plugin, and readiness is redis's own log line.
"""

from __future__ import annotations

import shutil
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_chatlab.process import ServerProcess

pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None,
    reason="redis-server is not installed (Debian: apt-get install redis-server)",
)


def command(address: tuple[str, int], *words: str) -> bytes:
    """One redis command in the inline protocol; the first line of its answer."""
    with socket.create_connection(address, timeout=5) as conn, conn.makefile("rb") as answer:
        conn.sendall(" ".join(words).encode() + b"\r\n")
        return answer.readline().rstrip(b"\r\n")


def start_redis(chatlab_process: Callable[..., ServerProcess], tmp_path: Path) -> ServerProcess:
    argv = ["redis-server", "--port", "{port}", "--bind", "127.0.0.1", "--save", ""]
    argv += ["--appendonly", "no", "--dir", str(tmp_path), "--daemonize", "no"]
    return chatlab_process(
        argv,
        ready=r"Ready to accept connections",
        label="redis",
    )


def test_redis_serves_on_the_port_it_was_given(chatlab_process, tmp_path: Path) -> None:
    redis = start_redis(chatlab_process, tmp_path)

    assert command(redis.address, "SET", "greeting", "hello") == b"+OK"
    assert command(redis.address, "GET", "greeting") == b"$5"
    assert f"--port {redis.port}" in " ".join(redis.command)


def test_redis_stops_cleanly_on_sigterm(chatlab_process, tmp_path: Path) -> None:
    redis = start_redis(chatlab_process, tmp_path)

    assert redis.stop() == 0
    assert not redis.crashed
    assert "ready to exit, bye bye" in redis.stdout_text().lower()
