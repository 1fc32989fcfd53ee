"""How much start-up prestart hides from a suite's wall time.

Run from the project root with pytest-chatlab installed:

    python tests/bench/bench_prestart.py [--tests 40] [--rounds 3]

A project of ``--tests`` tests, each taking a fresh server that needs
``--ready-ms`` (50) before it says it is ready (a shell script that sleeps,
then execs chatlab-server), and each doing 60 ms of work of its own. Each
round runs the suite three ways, alternating: without prestart, with it,
and with no server at all (the work alone). The share of start-up hidden
is (without - with) / (without - work alone); the script prints each
round's and their median.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pytest_chatlab import server_binary

SERVER = """#!/bin/sh
sleep {seconds}  # the start-up a real server spends before it is ready
exec {binary} --port 0 --host 127.0.0.1
"""

TESTS = """
import time

import pytest

ARGV = [{server!r}]
READY = r"READY (?P<host>[\\d.]+):(?P<port>\\d+)"


@pytest.mark.parametrize("n", range({tests}))
def test_work(request, n):
    if {use_server}:
        request.getfixturevalue("chatlab_process")(ARGV, ready=READY, ready_stream="stdout")
    time.sleep(0.06)  # the test's own work: this is a benchmark of what overlaps it
"""

ENV = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


def suite_seconds(project: Path, name: str, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "pytest_chatlab.plugin",
            "-p",
            "no:cacheprovider",
            name,
            *args,
        ],
        cwd=project,
        check=True,
        capture_output=True,
        env=ENV,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tests", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ready-ms", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        project = Path(directory)
        server = project / "slow-server"
        server.write_text(SERVER.format(seconds=args.ready_ms / 1000, binary=server_binary()))
        server.chmod(0o755)
        for name, use in (("test_served.py", True), ("test_alone.py", False)):
            source = TESTS.format(server=str(server), tests=args.tests, use_server=use)
            (project / name).write_text(source)
        hidden = []
        for round_number in range(1, args.rounds + 1):
            without = suite_seconds(project, "test_served.py")
            with_prestart = suite_seconds(project, "test_served.py", "-o", "chatlab_prestart=true")
            alone = suite_seconds(project, "test_alone.py")
            share = (without - with_prestart) / (without - alone)
            hidden.append(share)
            print(
                f"round {round_number}: without prestart {without:.2f} s, with {with_prestart:.2f}"
                f" s, work alone {alone:.2f} s: {share:.0%} of start-up hidden"
            )
    print(f"median: {statistics.median(hidden):.0%} of start-up hidden ({args.tests} tests)")


if __name__ == "__main__":
    main()
