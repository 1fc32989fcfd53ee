"""Where the chatlab-server and chatlab-launch binaries are: the one lookup, kept light.

The plugin asks at configure time in every pytest run of an environment that
has this package, so this module imports nothing the run does not have.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

__all__ = ["SERVER_ENV", "launcher_binary", "server_binary"]

#: The environment variable naming the server binary; it wins over every other place.
SERVER_ENV = "CHATLAB_SERVER"

_BIN = Path(__file__).parent / "bin"


def server_binary() -> Path:
    """Where the ``chatlab-server`` to test is, looked up in this order:

    1. the ``CHATLAB_SERVER`` environment variable (a wrong path is an error,
       not a reason to fall back: the user asked for that binary);
    2. the binary bundled in the installed package (``pytest_chatlab/bin``);
    3. beside the running Python (the ``bin`` of its virtual environment,
       where the wheel installs it too: an editable install, or a venv that
       is not activated, has it there and not on ``PATH``);
    4. ``chatlab-server`` on ``PATH``.
    """
    configured = os.environ.get(SERVER_ENV)
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise FileNotFoundError(f"{SERVER_ENV}={configured}: no such file")
        return path
    return _installed("chatlab-server", f"{SERVER_ENV} is not set, ")


def launcher_binary() -> Path:
    """Where ``chatlab-launch`` is, the lifeline ``ServerProcess`` starts every
    server through: the bundled one, else beside the running Python, else on ``PATH``."""
    return _installed("chatlab-launch", "")


def _installed(name: str, preamble: str) -> Path:
    bundled = _BIN / name
    beside_python = Path(sys.executable).parent / name
    for path in (bundled, beside_python):
        if path.is_file():
            return path
    found = shutil.which(name)
    if found:
        return Path(found)
    raise FileNotFoundError(
        f"{name} not found: {preamble}neither {bundled} nor "
        f"{beside_python} exists, and there is no {name} on PATH"
    )
