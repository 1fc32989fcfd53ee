"""pytest-chatlab: test a C++ system from Python three ways, on a real C++ chat.

Mode 1 (unit) calls the bound C++ core in-process: ``Room``, ``Message``,
``encode``, ``decode``, ``FrameBuffer``. The pytest fixtures come with the
plugin (``pytest_chatlab.plugin``), which pytest loads by itself.
"""

from importlib.metadata import version as _version

from . import wire
from ._native import FrameBuffer, Message, Outgoing, Room, Target, decode, encode
from .errors import ProtocolError

__version__ = _version("pytest-chatlab")

__all__ = [
    "FrameBuffer",
    "Message",
    "Outgoing",
    "ProtocolError",
    "Room",
    "Target",
    "__version__",
    "decode",
    "encode",
    "wire",
]
