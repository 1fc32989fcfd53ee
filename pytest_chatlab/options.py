"""What the run's options and ini keys say, read once and checked.

Shared by the plugin (which registers the options) and the fixtures (which
use them); kept apart from both so neither imports the other.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

import pytest

from .binary import SERVER_ENV, server_binary

__all__ = [
    "LogLimits",
    "configured_binary",
    "default_timeout",
    "log_limits",
    "read_log_limits",
    "read_server",
    "read_timeout",
    "server_header",
]

_TIMEOUT = pytest.StashKey[float]()
_LOG_LIMITS = pytest.StashKey["LogLimits"]()
_SERVER = pytest.StashKey["ServerSetting"]()


class ServerSetting(NamedTuple):
    """The server binary a run tests, and where that choice came from."""

    path: Path | None  #: None when nothing names one and none is found
    source: str  #: "--chatlab-server", "the ini key chatlab_server", "$CHATLAB_SERVER", ...
    problem: str = ""  #: why there is no path


def read_server(config: pytest.Config) -> None:
    """Resolves the server binary once, at configure time. A binary the user
    named (option, ini key, environment) that is missing or cannot run is a
    usage error naming where it was set: one message for the whole run, not
    a failure per test. Finding none where none was named is not an error
    until a test needs a server."""
    option = config.getoption("chatlab_server")
    ini = str(config.getini("chatlab_server"))
    if option:
        named = (Path(os.path.abspath(option)), f"--chatlab-server={option}")
    elif ini:
        named = (config.rootpath / ini, f"the ini key chatlab_server = {ini}")
    elif os.environ.get(SERVER_ENV):
        named = (Path(os.environ[SERVER_ENV]), f"${SERVER_ENV}={os.environ[SERVER_ENV]}")
    else:
        try:
            config.stash[_SERVER] = ServerSetting(server_binary(), "found")
        except FileNotFoundError as error:
            config.stash[_SERVER] = ServerSetting(None, "not found", str(error))
        return
    path, source = named
    if not path.is_file():
        raise pytest.UsageError(f"chatlab: {source}: no such file ({path})")
    if not os.access(path, os.X_OK):
        raise pytest.UsageError(f"chatlab: {source}: not executable ({path})")
    config.stash[_SERVER] = ServerSetting(path, source)


def configured_binary(config: pytest.Config) -> Path:
    """The server binary this run tests, or a readable failure of the test
    that needs one when none was named and none is found."""
    setting = config.stash.get(_SERVER, None)
    if setting is None:  # a config this plugin did not configure (a bare pytester run)
        read_server(config)
        setting = config.stash[_SERVER]
    if setting.path is None:
        pytest.fail(f"{setting.problem} (or pass --chatlab-server PATH)", pytrace=False)
    return setting.path


def server_header(config: pytest.Config) -> str:
    """The server, as the report header names it."""
    setting = config.stash.get(_SERVER, None)
    if setting is None or setting.path is None:
        return "server not found"
    if setting.source == "found":
        return f"server {setting.path}"
    return f"server {setting.path} (from {setting.source.split('=')[0]})"


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


class LogLimits(NamedTuple):
    """How much of a log a failure report shows (0: no limit)."""

    events: int = 200  #: the last events of each client or device
    line_bytes: int = 1000  #: each event's text, head and tail kept


def read_log_limits(config: pytest.Config) -> None:
    """Checks the ini keys chatlab_log_events and chatlab_log_line_bytes."""
    values = {}
    for key in ("chatlab_log_events", "chatlab_log_line_bytes"):
        text = str(config.getini(key))
        if not text.isdigit():
            raise pytest.UsageError(f"{key} must be a whole number, 0 or more, not {text!r}")
        values[key] = int(text)
    config.stash[_LOG_LIMITS] = LogLimits(
        values["chatlab_log_events"], values["chatlab_log_line_bytes"]
    )


def log_limits(config: pytest.Config) -> LogLimits:
    return config.stash.get(_LOG_LIMITS, LogLimits())
