"""The chatlab fixtures. All are function-scoped and need no configuration."""

from __future__ import annotations

import pytest

from ._native import Room


@pytest.fixture
def room() -> Room:
    """A fresh, empty ``Room`` of the bound C++ core (Mode 1, marks the test ``unit``)."""
    return Room()
