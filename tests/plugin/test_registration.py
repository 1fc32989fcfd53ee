"""What importing the plugin's entry point pulls in before pytest does."""

from __future__ import annotations

import inspect
import subprocess
import sys

from pytest_chatlab import fixtures


def test_the_plugin_module_leaves_the_fixtures_module_for_pytest_to_import():
    # pytest rewrites the asserts of the modules named in pytest_plugins only
    # if it imports them itself; one imported earlier draws a warning (and an
    # editable install shows it).
    code = "import sys, pytest_chatlab.plugin; print('pytest_chatlab.fixtures' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_the_server_fixtures_resolve_no_fixture_they_do_not_need():
    # Each fixture a test resolves costs its setup about 0.1 ms of pytest's
    # machinery, "request" included: a twentieth of a server's start.
    needs = {
        name: list(inspect.signature(getattr(fixtures, name)).parameters)
        for name in ("server_process", "chatlab_server_factory", "chatlab_process")
    }
    assert needs == {
        "server_process": ["chatlab_server_factory"],
        "chatlab_server_factory": [],
        "chatlab_process": [],
    }
