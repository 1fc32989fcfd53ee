"""Where the project's programs are, and how kv-server says it is ready."""

import shutil
import sys
from pathlib import Path

import pytest

#: kv-server's readiness line on stderr, in its own words.
READY = r"kv-server: listening on (?P<host>[\d.]+):(?P<port>\d+)"


def installed(program: str) -> str:
    """``program`` as pip installed it: beside this Python (no venv need be active), or on PATH."""
    beside = Path(sys.executable).with_name(program)
    if beside.exists():
        return str(beside)
    found = shutil.which(program)
    if found is None:
        pytest.fail(f"{program} is neither beside this Python nor on PATH: pip install the project")
    return found


def kv_server_binary() -> str:
    """kv-server, installed."""
    return installed("kv-server")
