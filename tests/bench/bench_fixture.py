"""The server fixture as pytest sees it, against a floor fixture in the same run.

Run from the project root with pytest-chatlab installed:

    python tests/bench/bench_fixture.py [--tests 40] [--rounds 5] [-- PYTEST_ARGS...]

Each round is one pytest run (a new process, no other plugin) of a project
holding ``--tests`` pairs of tests, interleaved: one that uses
``server_process``, one that uses a floor fixture on the same binary (Popen
in a new session, read the READY line, killpg, wait). pytest's own reports
time each test's setup and teardown; a test's cost is their sum, which
includes whatever else the fixture needs (log files, the verdict). The
script prints, per round, the median cost of each and the ratio, then the
median of the rounds' ratios; and the same ratio for the whole tests, the
call included (with prestart, the call is where the next spare is
spawned, so this one shows what the body of an empty test pays for it).
Arguments after ``--`` go to pytest (an ini option, say).
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
    COSTS.setdefault(report.nodeid, {{}})[report.when] = report.duration


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
PHASES = {"fixture": ("setup", "teardown"), "test": ("setup", "call", "teardown")}


def one_round(project: Path, pytest_args: list[str]) -> dict[str, tuple[float, float]]:
    """The medians of the floor's and the fixture's tests, by what they sum:
    ``fixture`` (setup and teardown) and ``test`` (the call too)."""
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
    medians = {}
    for label, phases in PHASES.items():
        floor, fixture = (
            statistics.median(
                sum(cost[phase] for phase in phases) for name, cost in costs.items() if kind in name
            )
            for kind in ("test_floor_", "test_fixture_")
        )
        medians[label] = (floor, fixture)
    return medians


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
        ratios: dict[str, list[float]] = {"fixture": [], "test": []}
        for round_number in range(1, args.rounds + 1):
            medians = one_round(project, args.pytest_args)
            for label, (floor, fixture) in medians.items():
                ratios[label].append(fixture / floor)
            floor, fixture = medians["fixture"]
            print(
                f"round {round_number}: floor {floor * 1e3:.2f} ms, server_process "
                f"{fixture * 1e3:.2f} ms, ratio {fixture / floor:.2f}; whole tests "
                f"{medians['test'][1] / medians['test'][0]:.2f} (medians of {args.tests})"
            )
    print(
        f"median ratio of {args.rounds} rounds: {statistics.median(ratios['fixture']):.2f} "
        f"(whole tests, the call too: {statistics.median(ratios['test']):.2f})"
    )


if __name__ == "__main__":
    main()
