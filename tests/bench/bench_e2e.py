"""Mode 3 benchmarks: a bound device's connect latency and the article's scenario.

Run from the project root with pytest-chatlab installed:

    python tests/bench/bench_e2e.py

- connect: a Device from connect until its roster has arrived (what
  bound_device costs a test), median of 300.
- scenario: Harness.run of the article's scenario on a running server (the
  time its report states; the article reports 0.60 s), median of 21; and
  the chatlab-scenario command end to end (Python start-up, server start,
  scenario, report), median of 5.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from pytest_chatlab import ChatServer, Device, Harness
from pytest_chatlab.cli import ARTICLE_SCRIPT


def connect(server: ChatServer) -> None:
    times = []
    for _ in range(300):
        started = time.perf_counter()
        with Device(server.address) as device:
            assert device.wait_for(lambda m: m.type == "roster")
            times.append(time.perf_counter() - started)
    print(
        f"bound device connect until roster: median {statistics.median(times) * 1e3:.3f} ms, "
        f"p90 {statistics.quantiles(times, n=10)[-1] * 1e3:.3f} ms (300 devices)"
    )


def scenario(server: ChatServer) -> None:
    times = []
    for _ in range(21):
        # A fresh server each time: guest numbers and joins must match the article.
        with ChatServer(server.binary) as fresh, Harness(fresh) as harness:
            started = time.perf_counter()
            harness.run(ARTICLE_SCRIPT)
            times.append(time.perf_counter() - started)
    print(
        f"Harness.run, the article's scenario: median {statistics.median(times) * 1e3:.2f} ms "
        "(21 runs; the article: 600 ms)"
    )
    # The one installed beside this Python, even when its bin/ is not on PATH.
    beside = str(Path(sys.executable).parent)
    command = shutil.which("chatlab-scenario", path=beside) or shutil.which("chatlab-scenario")
    assert command is not None
    wall = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run([command], check=True, stdout=subprocess.DEVNULL)
        wall.append(time.perf_counter() - started)
    print(
        f"chatlab-scenario end to end: median {statistics.median(wall) * 1e3:.0f} ms "
        f"(runs: {', '.join(f'{t * 1e3:.0f}' for t in wall)} ms)"
    )


def main() -> None:
    with ChatServer() as server:
        connect(server)
        scenario(server)


if __name__ == "__main__":
    main()
