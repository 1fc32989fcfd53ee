"""pytest-chatlab: test a C++ system from Python three ways, on a real C++ chat.

Mode 1 (unit) calls the bound C++ core in-process: ``Room``, ``Message``,
``encode``, ``decode``, ``FrameBuffer``. Mode 2 (integration) runs the real
``chatlab-server`` (``ChatServer``, ``server_binary``) and drives it over TCP
with the stdlib ``MockClient``. Mode 3 (e2e) drives real C++ clients, each a
``Device``, through callbacks on their receive threads; ``Harness`` plays a
scenario with several and answers with a ``Report``. ``ServerProcess`` runs
any other server binary with the same guarantees. The other way round,
``MockServer`` stands in for the server (the bound core in a thin shell) so
a test can make it lie to a real client, and ``LineServer`` does the same
for any line protocol. The pytest fixtures come with the plugin
(``pytest_chatlab.plugin``), which pytest loads by itself.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what the names are; at run time each is imported when first used
    from . import wire
    from ._native import (
        FrameBuffer,
        Message,
        NameFollower,
        Outgoing,
        Room,
        Target,
        decode,
        encode,
        is_command,
        requested_name,
    )
    from .bridge import get_cmake_dir, get_include
    from .device import Device
    from .errors import ConnectionClosedError, ProtocolError, ServerCrashedError, ServerStartError
    from .levels import level
    from .line import LineClient
    from .line_server import LineServer
    from .mock import MockClient
    from .mock_server import MockServer
    from .orchestrator import Harness
    from .process import ServerProcess
    from .report import Report
    from .server import ChatServer, server_binary
    from .tracking import track

#: Where each public name lives. The plugin is loaded into every pytest run of
#: an environment that has this package, used or not: importing the compiled
#: core, the clients and the report there would cost every such run ~50 ms.
_HOMES = {
    "wire": ".wire",
    **dict.fromkeys(
        [
            "FrameBuffer",
            "Message",
            "NameFollower",
            "Outgoing",
            "Room",
            "Target",
            "decode",
            "encode",
            "is_command",
            "requested_name",
        ],
        "._native",
    ),
    "Device": ".device",
    **dict.fromkeys(
        ["ConnectionClosedError", "ProtocolError", "ServerCrashedError", "ServerStartError"],
        ".errors",
    ),
    "LineClient": ".line",
    "LineServer": ".line_server",
    "MockClient": ".mock",
    "MockServer": ".mock_server",
    "Harness": ".orchestrator",
    "level": ".levels",
    "Report": ".report",
    "ServerProcess": ".process",
    "ChatServer": ".server",
    "server_binary": ".binary",
    **dict.fromkeys(["get_cmake_dir", "get_include"], ".bridge"),
    "track": ".tracking",
}


def __getattr__(name: str) -> Any:
    if name == "__version__":
        # The version lives in pyproject.toml alone; importlib.metadata costs
        # a command line tool ~40 ms to import, so it is read only when asked for.
        from importlib.metadata import version

        return version("pytest-chatlab")
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(home, __name__)
    value = module if name == "wire" else getattr(module, name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])


__all__ = [
    "ChatServer",
    "ConnectionClosedError",
    "Device",
    "FrameBuffer",
    "Harness",
    "LineClient",
    "LineServer",
    "Message",
    "MockClient",
    "MockServer",
    "NameFollower",
    "Outgoing",
    "ProtocolError",
    "Report",
    "Room",
    "ServerCrashedError",
    "ServerProcess",
    "ServerStartError",
    "Target",
    "__version__",
    "decode",
    "encode",
    "get_cmake_dir",
    "get_include",
    "is_command",
    "level",
    "requested_name",
    "server_binary",
    "track",
    "wire",
]
