"""Where the chatlab-server binary is: the one lookup, kept light.

The plugin asks at configure time in every pytest run of an environment that
has this package, so this module imports nothing the run does not have.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

__all__ = ["SERVER_ENV", "server_binary"]

#: The environment variable naming the server binary; it wins over every other place.
SERVER_ENV = "CHATLAB_SERVER"

_BUNDLED = Path(__file__).parent / "bin" / "chatlab-server"


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
    beside_python = Path(sys.executable).parent / "chatlab-server"
    for path in (_BUNDLED, beside_python):
        if path.is_file():
            return path
    found = shutil.which("chatlab-server")
    if found:
        return Path(found)
    raise FileNotFoundError(
        f"chatlab-server not found: {SERVER_ENV} is not set, neither {_BUNDLED} nor "
        f"{beside_python} exists, and there is no chatlab-server on PATH"
    )
