"""A real daemon nobody here wrote, started the plugin's way and mirakuru's.

Run from the project root with pytest-chatlab, mirakuru and Debian's
``redis-server`` installed:

    python tests/bench/bench_redis.py [--rounds 21]

Times ``redis-server`` from start to ready, interleaved:
``ServerProcess`` with ``{port}`` and its own log line ("Ready to accept
connections"), ``ServerProcess`` ready by connect (retried from 1 ms, the
gap doubling), and mirakuru's ``TCPExecutor`` (which polls every 100 ms).
Prints the median of each.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import time
from collections.abc import Callable

from mirakuru import TCPExecutor  # type: ignore[import-untyped]  # a benchmark's own dependency

from pytest_chatlab import ServerProcess

REDIS = shutil.which("redis-server") or "redis-server"
ARGS = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]


def by_log_line() -> float:
    server = ServerProcess([REDIS, "--port", "{port}", *ARGS], ready=r"Ready to accept connections")
    return timed_start(server.start, server.stop)


def by_connect() -> float:
    server = ServerProcess([REDIS, "--port", "{port}", *ARGS], ready="connect")
    return timed_start(server.start, server.stop)


def by_mirakuru() -> float:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    executor = TCPExecutor([REDIS, "--port", str(port), *ARGS], host="127.0.0.1", port=port)
    return timed_start(executor.start, executor.stop)


def timed_start(start: Callable[[], object], stop: Callable[[], object]) -> float:
    """Seconds from start to ready; then stopped, untimed: redis-server acts on
    SIGTERM in its 10 Hz timer, so a stop takes up to 100 ms whoever sends it."""
    started = time.perf_counter()
    start()
    elapsed = time.perf_counter() - started
    stop()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=21)
    args = parser.parse_args()
    ways: dict[str, Callable[[], float]] = {
        "ServerProcess, its log line": by_log_line,
        "ServerProcess, connect": by_connect,
        "mirakuru TCPExecutor": by_mirakuru,
    }
    times: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(args.rounds):
        for name, way in ways.items():
            times[name].append(way())
    for name, seconds in times.items():
        print(f"{name}: start to ready, median {statistics.median(seconds) * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
