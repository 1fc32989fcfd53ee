"""The wheel on every CPython the package supports (README: 3.10 to 3.13).

One session per version, ``nox -s "matrix(3.12)"`` for one: it builds that
version's wheel once (``pip wheel`` into build/matrix/VERSION), installs it
into the session's environment and runs examples/ against it, then runs
.ci/downstream on it (a fresh environment with the wheel alone, a project of
test files only, each marker selecting exactly its tests). The whole suite
runs on one version in .ci/test.

An interpreter is python3.X on PATH if it runs (a pyenv shim may not), else
pyenv's newest 3.X.Y. A version with neither is skipped, never failed, and
named in a warning here and in nox's summary, so that a run which did not
test it says so. .ci/matrix runs this in CI.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nox

VERSIONS = ("3.10", "3.11", "3.12", "3.13")
ROOT = Path(__file__).resolve().parent

nox.options.sessions = ["matrix"]
nox.options.envdir = str(ROOT / "build" / "matrix" / "nox")
nox.options.error_on_missing_interpreters = False  # nox's default is True where CI is set
nox.options.download_python = "never"  # only this machine's interpreters: nothing fetched


def runs_as(python: str, version: str) -> bool:
    """Whether `python` starts and is CPython `version`."""
    check = "import sys; print(sys.implementation.name, '%d.%d' % sys.version_info[:2])"
    try:
        result = subprocess.run(
            [python, "-c", check], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError:
        return False
    return result.returncode == 0 and result.stdout.split() == ["cpython", version]


def interpreter(version: str) -> str | None:
    """The path of a working CPython `version`, or None."""
    candidates = [shutil.which(f"python{version}")]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    releases = [p for p in pyenv.glob(f"{version}.*") if re.fullmatch(r"\d+\.\d+\.\d+", p.name)]
    releases.sort(key=lambda p: [int(part) for part in p.name.split(".")], reverse=True)
    candidates += [str(p / "bin" / f"python{version}") for p in releases]
    return next((c for c in candidates if c and runs_as(c, version)), None)


FOUND = {version: interpreter(version) for version in VERSIONS}
for version, found in FOUND.items():
    if found is None:
        print(
            f"nox > WARNING: no CPython {version} on this machine: matrix({version}) is skipped"
            f" and {version} is NOT tested in this run",
            file=sys.stderr,
        )


@nox.session
@nox.parametrize(
    "python",
    # A missing version keeps its name (python3.X): nox reports it not found and skips it.
    [nox.param(FOUND[v] or f"python{v}", id=v) for v in VERSIONS],
)
def matrix(session: nox.Session) -> None:
    """Build this version's wheel, then run examples/ and .ci/downstream on it."""
    version = next(v for v, found in FOUND.items() if found == session.python)
    work = ROOT / "build" / "matrix" / version
    dist = work / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    session.run(
        *("python", "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(dist)),
        f"-Cbuild-dir={work / 'cmake'}",  # kept: a second run rebuilds only what changed
        str(ROOT),
    )
    (wheel,) = dist.glob("pytest_chatlab-*.whl")
    session.install(str(wheel))

    session.run("pytest", "-p", "no:cacheprovider", "-q", "examples")

    # .ci/downstream tests the wheel in <its root>/build/ci/dist with the python3
    # on PATH (this session's): give it a root of its own holding this wheel.
    stage = work / "downstream"
    shutil.rmtree(stage, ignore_errors=True)
    (stage / ".ci").mkdir(parents=True)
    (stage / "build" / "ci" / "dist").mkdir(parents=True)
    (stage / ".ci" / "downstream").symlink_to(ROOT / ".ci" / "downstream")
    (stage / "examples").symlink_to(ROOT / "examples")
    # The module it builds on the wheel's C++ bridge.
    (stage / "tests" / "e2e").mkdir(parents=True)
    (stage / "tests" / "e2e" / "bridge_project").symlink_to(
        ROOT / "tests" / "e2e" / "bridge_project"
    )
    shutil.copy2(wheel, stage / "build" / "ci" / "dist")
    session.run("bash", str(stage / ".ci" / "downstream"), external=True)
