"""What the plugin costs a pytest run that uses none of its fixtures.

Run from the project root with pytest-chatlab installed:

    python tests/bench/bench_plugin.py [--rounds 30]

In a fresh directory holding one plain test, times ``pytest --collect-only
-q`` with the plugin and without it, alternating (each a new process, as a
user's run is), and prints the median of each and the difference.
Installing the plugin makes every run in that environment load it, so this
difference is what it charges a project that does not use it. Both runs
load no other plugin (PYTEST_DISABLE_PLUGIN_AUTOLOAD, the plugin given with
``-p``): another plugin's start-up (hypothesis takes over a second) would
bury a difference of milliseconds in its noise. The entry point's own
import is timed too (``python -X importtime``).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: A user's run: no other plugin, and bytecode caching on, so pytest keeps the
#: rewritten modules it compiles (PYTHONDONTWRITEBYTECODE would make every run
#: parse and compile each module of the package again).
ENV = {
    **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
}


def timed_run(directory: Path, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args],
        cwd=directory,
        check=True,
        capture_output=True,
        env=ENV,
    )
    return time.perf_counter() - started


def entry_point_import_ms() -> float:
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import pytest, pytest_chatlab.plugin"],
        check=True,
        capture_output=True,
        text=True,
        env=ENV,
    ).stderr
    ours = [
        int(m[1])
        for m in re.finditer(r"\|\s*(\d+) \|\s+(pytest_chatlab\S*)$", out, re.MULTILINE)
        if "." not in m[2] or m[2].count(".") == 1
    ]
    return max(ours, default=0) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="chatlab-plugin-bench-") as folder:
        directory = Path(folder)
        (directory / "test_plain.py").write_text("def test_plain():\n    assert True\n")
        timed_run(directory)  # warm the file cache once, and the bytecode caches
        timed_run(directory, "-p", "pytest_chatlab.plugin")
        with_plugin, without = [], []
        for round_ in range(args.rounds):
            pair = [(with_plugin, ("-p", "pytest_chatlab.plugin")), (without, ())]
            for runs, extra in pair if round_ % 2 == 0 else pair[::-1]:
                runs.append(timed_run(directory, *extra))
    imports = statistics.median(entry_point_import_ms() for _ in range(5))
    on, off = statistics.median(with_plugin) * 1000, statistics.median(without) * 1000
    # Each round's two runs are side by side, so their difference is less noisy
    # than the difference of the two medians.
    paired = statistics.median(a - b for a, b in zip(with_plugin, without, strict=True)) * 1000
    print(f"pytest --collect-only, one plain test, medians of {args.rounds}:")
    print(f"  with pytest-chatlab {on:.1f} ms, without {off:.1f} ms: {on - off:+.1f} ms")
    print(f"  median of the {args.rounds} paired differences: {paired:+.1f} ms")
    print(f"  the entry point's own import (after pytest's), median of 5: {imports:.1f} ms")


if __name__ == "__main__":
    main()
