"""pytest-chatlab: test a C++ system from Python three ways, on a real C++ chat.

Mode 1 (unit) calls the bound C++ core in-process: ``Room``, ``Message``,
``encode``, ``decode``, ``FrameBuffer``. Mode 2 (integration) runs the real
``chatlab-server`` (``ChatServer``, ``server_binary``) and drives it over TCP
with the stdlib ``MockClient``. Mode 3 (e2e) drives real C++ clients, each a
``Device``, through callbacks on their receive threads; ``Harness`` plays a
scenario with several and answers with a ``Report``. The pytest fixtures
come with the plugin (``pytest_chatlab.plugin``), which pytest loads by itself.
"""

from . import wire
from ._native import FrameBuffer, Message, Outgoing, Room, Target, decode, encode
from .device import Device
from .errors import ProtocolError
from .mock import ConnectionClosedError, MockClient
from .orchestrator import Harness
from .report import Report
from .server import ChatServer, ServerCrashedError, ServerStartError, server_binary


def __getattr__(name: str) -> str:
    # The version lives in pyproject.toml alone. importlib.metadata costs a
    # command line tool ~40 ms to import, so it is read only when asked for.
    if name == "__version__":
        from importlib.metadata import version

        return version("pytest-chatlab")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ChatServer",
    "ConnectionClosedError",
    "Device",
    "FrameBuffer",
    "Harness",
    "Message",
    "MockClient",
    "Outgoing",
    "ProtocolError",
    "Report",
    "Room",
    "ServerCrashedError",
    "ServerStartError",
    "Target",
    "__version__",
    "decode",
    "encode",
    "server_binary",
    "wire",
]
