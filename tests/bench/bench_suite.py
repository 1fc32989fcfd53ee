"""Wall time of the suites as a person runs them: pytest's start-up included.

Run from the project root with pytest-chatlab installed:

    python tests/bench/bench_suite.py

Times ``pytest -q -p no:cacheprovider tests`` and ``... examples``, serial and
with ``-n 2``: the ``pytest`` console script installed beside this Python,
as a subprocess from the project root, from its start to its exit. Each
figure is the median of 3 runs; the runs of the four commands are
interleaved, so a burst of load on a shared machine spreads over all of
them. A run that fails is still timed, and listed after the table with
the tests that failed. The target: ``examples`` serial under 2 s.

Two more rows run ``examples`` with ``-p no:hypothesispytest``, for
comparison: hypothesis's pytest plugin, loaded whenever hypothesis is
installed (the ``test`` extra installs it), imports all of hypothesis at the
end of every session, and once per xdist worker, even when no test uses it.
A downstream project without hypothesis never pays for it.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROUNDS = 3
SERIAL: tuple[str, ...] = ()
XDIST = ("-n", "2")
NO_HYPOTHESIS = ("-p", "no:hypothesispytest")
#: The arguments after ``pytest -q -p no:cacheprovider``, one row each.
ROWS = (
    (*SERIAL, "tests"),
    (*XDIST, "tests"),
    (*SERIAL, "examples"),
    (*XDIST, "examples"),
    (*NO_HYPOTHESIS, *SERIAL, "examples"),
    (*NO_HYPOTHESIS, *XDIST, "examples"),
)
TARGET = ("examples",)  # serial: under 2 s
TARGET_SECONDS = 2.0


def pytest_command() -> list[str]:
    """The console script beside this Python (not ``python -m pytest``, which
    would put the checkout on sys.path)."""
    beside = str(Path(sys.executable).parent)
    found = shutil.which("pytest", path=beside)
    if found is None:
        sys.exit(f"bench_suite: no pytest console script in {beside}")
    return [found, "-q", "-p", "no:cacheprovider"]


def timed(command: list[str], cwd: Path) -> tuple[float, str, list[str]]:
    """Seconds from start to exit, pytest's summary line, and the lines
    naming the tests that failed or errored."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    lines = done.stdout.strip().splitlines()
    summary = lines[-1] if lines else f"(no output; exit status {done.returncode})"
    failures = [line for line in lines if line.startswith(("FAILED", "ERROR"))]
    if done.returncode != 0 and not failures:
        failures = [f"exit status {done.returncode}: {done.stderr.strip()[-500:]}"]
    return elapsed, summary, failures


def main() -> None:
    root = Path(__file__).resolve().parents[2]
    base = pytest_command()
    times: dict[tuple[str, ...], list[float]] = {row: [] for row in ROWS}
    summaries: dict[tuple[str, ...], str] = {}
    failed: list[str] = []
    for _ in range(ROUNDS):
        for row in ROWS:
            elapsed, summaries[row], failures = timed([*base, *row], root)
            times[row].append(elapsed)
            failed += [f"{' '.join(row)}: {line}" for line in failures]

    names = {row: " ".join(["pytest", *base[1:], *row]) for row in ROWS}
    width = max(len(name) for name in names.values())
    print(f"{'command (from the project root)':<{width}}  median  runs (s)            summary")
    for row, runs in times.items():
        shown = ", ".join(f"{t:.2f}" for t in runs)
        median = statistics.median(runs)
        print(f"{names[row]:<{width}}  {median:5.2f}s  {shown:<18}  {summaries[row]}")
    median = statistics.median(times[TARGET])
    verdict = "met" if median < TARGET_SECONDS else "MISSED"
    print(f"target: {names[TARGET]} under {TARGET_SECONDS:.0f} s: {median:.2f} s, {verdict}")
    if failed:
        print("runs that failed (timed all the same):", *failed, sep="\n  ")
        sys.exit(1)


if __name__ == "__main__":
    main()
