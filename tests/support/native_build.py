"""Builds a target of native/bench in Release: for the benchmark scripts
(through tests/bench/native_build.py) and for tests that drive a C++ tool.

cmake, ninja and a C++ compiler are looked for next to this Python first
(``pip install cmake ninja`` in a virtual environment that is not activated),
then on PATH; the nlohmann-json headers come from a system install or from
the ``nlohmann-json`` wheel of this Python (native/cmake/nlohmann_json.cmake).
"""

from __future__ import annotations

import fcntl
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build" / "bench"
_HEADERS = [Path(p) / "nlohmann" / "json.hpp" for p in ("/usr/include", "/usr/local/include")]


def _path() -> str:
    """PATH with this Python's scripts directory first."""
    return os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


def missing_tools() -> str | None:
    """Why ``build`` cannot work here, or None when everything it needs is at hand."""
    missing = [tool for tool in ("cmake", "ninja") if shutil.which(tool, path=_path()) is None]
    if not any(shutil.which(cxx, path=_path()) for cxx in (os.environ.get("CXX", "c++"), "g++")):
        missing.append("a C++ compiler")
    has_headers = any(h.is_file() for h in _HEADERS) or importlib.util.find_spec("nlohmann_json")
    if not has_headers:
        missing.append("the nlohmann-json headers")
    if not missing:
        return None
    return f"needs {', '.join(missing)} (pip install cmake ninja nlohmann-json)"


def build(target: str, build_dir: Path = BUILD) -> Path:
    """Configures ``build_dir``, builds ``target``, returns the executable.

    A lock file serialises concurrent builds of one directory (pytest-xdist
    workers, a benchmark run beside the tests).
    """
    build_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PATH": _path()}
    configure = ["cmake", "-S", str(ROOT), "-B", str(build_dir), "-G", "Ninja"]
    configure += ["-DCMAKE_BUILD_TYPE=Release", "-DCHATLAB_BENCH=ON", "-DCHATLAB_PYTHON=OFF"]
    configure += [f"-DPython_EXECUTABLE={sys.executable}"]
    with (build_dir / ".build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _run(configure, env)
        _run(["cmake", "--build", str(build_dir), "--target", target], env)
    return build_dir / "native" / "bench" / target


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
        )
