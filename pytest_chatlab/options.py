"""What the run's options and ini keys say, read once and checked.

Shared by the plugin (which registers the options) and the fixtures (which
use them); kept apart from both so neither imports the other.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .server import server_binary

__all__ = ["configured_binary", "default_timeout", "read_timeout"]

_TIMEOUT = pytest.StashKey[float]()


def configured_binary(config: pytest.Config) -> Path:
    """The server binary this run tests, or a readable failure."""
    option = config.getoption("chatlab_server")
    if option:
        return Path(os.path.abspath(option))
    ini = config.getini("chatlab_server")
    if ini:
        return config.rootpath / str(ini)
    try:
        return server_binary()
    except FileNotFoundError as error:
        pytest.fail(f"{error} (or pass --chatlab-server PATH)", pytrace=False)


def read_timeout(config: pytest.Config) -> None:
    """Checks the ini key chatlab_timeout at configure time and keeps the
    per-test timeout chatlab adds: 0 where the run already has one (--timeout,
    the ini key timeout, PYTEST_TIMEOUT) or pytest-timeout is off."""
    text = str(config.getini("chatlab_timeout"))
    try:
        seconds = float(text)
    except ValueError:
        raise pytest.UsageError(
            f"chatlab_timeout must be a number of seconds, not {text!r}"
        ) from None
    if seconds < 0:
        raise pytest.UsageError(f"chatlab_timeout must be 0 or more, not {text!r}")
    run_has_one = (
        not config.pluginmanager.hasplugin("timeout")
        or config.getoption("timeout", None) is not None
        or bool(config.getini("timeout"))
        or bool(os.environ.get("PYTEST_TIMEOUT"))
    )
    config.stash[_TIMEOUT] = 0.0 if run_has_one else seconds


def default_timeout(config: pytest.Config) -> float:
    """The timeout read_timeout kept for tests that use chatlab fixtures."""
    return config.stash.get(_TIMEOUT, 0.0)
