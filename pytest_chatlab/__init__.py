"""pytest-chatlab: test a C++ system from Python three ways, on a real C++ chat.

Mode 1 (unit) calls the bound C++ core in-process: ``Room``, ``Message``,
``encode``, ``decode``, ``FrameBuffer``. Mode 2 (integration) runs the real
``chatlab-server`` (``ChatServer``, ``server_binary``) and drives it over TCP
with the stdlib ``MockClient``. The pytest fixtures come with the plugin
(``pytest_chatlab.plugin``), which pytest loads by itself.
"""

from importlib.metadata import version as _version

from . import wire
from ._native import FrameBuffer, Message, Outgoing, Room, Target, decode, encode
from .errors import ProtocolError
from .mock import MockClient
from .server import ChatServer, ServerCrashedError, ServerStartError, server_binary

__version__ = _version("pytest-chatlab")

__all__ = [
    "ChatServer",
    "FrameBuffer",
    "Message",
    "MockClient",
    "Outgoing",
    "ProtocolError",
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
