"""In-process pytester runs for the plugin's tests."""

from __future__ import annotations

import pytest


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """``pytester.runpytest`` without hypothesis's plugin: in-process runs
    re-import every plugin, hypothesis costs ~0.6 s a run, and these tests
    have nothing to do with it."""
    return pytester.runpytest("-p", "no:hypothesispytest", *args)
