"""Where kv-server is, and how it says it is ready."""

import shutil
import sys
from pathlib import Path

import pytest

#: kv-server's readiness line on stderr, in its own words.
READY = r"kv-server: listening on (?P<host>[\d.]+):(?P<port>\d+)"


def kv_server_binary() -> str:
    """kv-server as pip installed it: beside this Python (a venv need not be active), or on PATH."""
    beside = Path(sys.executable).with_name("kv-server")
    if beside.exists():
        return str(beside)
    found = shutil.which("kv-server")
    if found is None:
        pytest.fail("kv-server is neither beside this Python nor on PATH: pip install the project")
    return found
