"""The server fixture as pytest sees it, against a floor fixture in the same run.

Run from the project root with pytest-chatlab installed:

    python tests/bench/bench_fixture.py [--tests 40] [--rounds 5] [-- PYTEST_ARGS...]

Each round is one pytest run (a new process, no other plugin) of a project
holding ``--tests`` pairs of tests, interleaved: one that uses
``server_process``, one that uses a floor fixture on the same binary (Popen
in a new session, read the READY line, killpg, wait). pytest's own reports
time each test's setup and teardown; a test's cost is their sum, which
includes whatever else the fixture needs (``tmp_path``, log files). The
script prints, per round, the median cost of each and the ratio, then the
median of the rounds' ratios. Arguments after ``--`` go to pytest (an ini
option, say).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from pytest_chatlab import server_binary

CONFTEST = """
import json
import os
import signal
import subprocess

import pytest

COSTS = {{}}


@pytest.fixture
def floor_server():
    with subprocess.Popen(
        [{binary!r}, "--port", "0", "--exit-on-stdin-eof"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        start_new_session=True,
    ) as proc:
        assert proc.stdout.readline().startswith(b"READY ")
        yield proc
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait()


def pytest_runtest_logreport(report):
    if report.when in ("setup", "teardown"):
        COSTS[report.nodeid] = COSTS.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session):
    with open("costs.json", "w") as out:
        json.dump(COSTS, out)
"""

PAIR = """
def test_floor_{n}(floor_server):
    pass


def test_fixture_{n}(server_process):
    pass
"""

ENV = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


def one_round(project: Path, pytest_args: list[str]) -> tuple[float, float]:
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
            *pytest_args,
        ],
        cwd=project,
        check=True,
        capture_output=True,
        env=ENV,
    )
    costs = json.loads((project / "costs.json").read_text())
    floor = [cost for name, cost in costs.items() if "test_floor_" in name]
    fixture = [cost for name, cost in costs.items() if "test_fixture_" in name]
    return statistics.median(floor), statistics.median(fixture)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tests", type=int, default=40, help="pairs of tests a round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("pytest_args", nargs="*", help="after --: arguments for pytest")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        project = Path(directory)
        (project / "conftest.py").write_text(CONFTEST.format(binary=str(server_binary())))
        pairs = "".join(PAIR.format(n=n) for n in range(args.tests))
        (project / "test_pairs.py").write_text(pairs)
        ratios = []
        for round_number in range(1, args.rounds + 1):
            floor, fixture = one_round(project, args.pytest_args)
            ratios.append(fixture / floor)
            print(
                f"round {round_number}: floor {floor * 1e3:.2f} ms, server_process "
                f"{fixture * 1e3:.2f} ms, ratio {fixture / floor:.2f} (medians of {args.tests})"
            )
    print(f"median ratio of {args.rounds} rounds: {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
