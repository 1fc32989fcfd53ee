"""Builds a target of native/bench in Release, for the benchmark scripts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build" / "bench"


def build(target: str) -> Path:
    """Configures build/bench once, builds ``target``, returns the executable."""
    configure = ["cmake", "-S", str(ROOT), "-B", str(BUILD), "-G", "Ninja"]
    configure += ["-DCMAKE_BUILD_TYPE=Release", "-DCHATLAB_BENCH=ON", "-DCHATLAB_PYTHON=OFF"]
    configure += [f"-DPython_EXECUTABLE={sys.executable}"]
    subprocess.run(configure, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(
        ["cmake", "--build", str(BUILD), "--target", target], check=True, stdout=subprocess.DEVNULL
    )
    return BUILD / "native" / "bench" / target
