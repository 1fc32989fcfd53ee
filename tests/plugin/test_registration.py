"""What importing the plugin's entry point pulls in before pytest does."""

from __future__ import annotations

import subprocess
import sys


def test_the_plugin_module_leaves_the_fixtures_module_for_pytest_to_import():
    # pytest rewrites the asserts of the modules named in pytest_plugins only
    # if it imports them itself; one imported earlier draws a warning (and an
    # editable install shows it).
    code = "import sys, pytest_chatlab.plugin; print('pytest_chatlab.fixtures' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
