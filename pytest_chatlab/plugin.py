"""The pytest11 entry point: registration only.

Markers, auto-marking and (later) options live here; the fixtures themselves
are in ``pytest_chatlab.fixtures``, which this module pulls in.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from . import __version__

pytest_plugins = ("pytest_chatlab.fixtures",)

#: The test level each chatlab fixture implies; the highest one a test uses wins.
LEVEL_OF_FIXTURE: dict[str, str] = {"room": "unit"}

#: Test levels from lowest to highest, with the help text of their markers.
LEVELS: dict[str, str] = {
    "unit": "Mode 1: the bound C++ core, in-process (set by the room fixture)",
    "integration": "Mode 2: the real C++ server over TCP, driven by the Python mock",
    "e2e": "Mode 3: real C++ clients driven from Python, with the mock as injector",
}


def pytest_configure(config: pytest.Config) -> None:
    for name, help_text in LEVELS.items():
        config.addinivalue_line("markers", f"{name}: {help_text}")


def pytest_report_header(config: pytest.Config) -> str:
    return f"chatlab: pytest-chatlab {__version__} ({Path(__file__).parent})"


def level_of(fixturenames: list[str]) -> str | None:
    """The highest level among the chatlab fixtures a test uses, if any."""
    used = {LEVEL_OF_FIXTURE[name] for name in fixturenames if name in LEVEL_OF_FIXTURE}
    return next((level for level in reversed(LEVELS) if level in used), None)


def pytest_itemcollected(item: pytest.Item) -> None:
    # Runs before "-m" deselects anything. A test that already carries a
    # level marker keeps the one its author chose.
    if any(item.get_closest_marker(level) for level in LEVELS):
        return
    level = level_of(list(getattr(item, "fixturenames", ())))
    if level is not None:
        item.add_marker(level)
