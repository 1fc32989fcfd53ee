"""kvstore: a key-value store with watches; its C++ core (Mode 1) and client (Mode 3), bound."""

from ._kv import (
    Client,
    Engine,
    Limits,
    Outgoing,
    ProtocolError,
    Reply,
    Request,
    decode_reply,
    decode_request,
    encode,
    error_codes,
)
from .device import KvDevice

__all__ = [
    "Client",
    "Engine",
    "KvDevice",
    "Limits",
    "Outgoing",
    "ProtocolError",
    "Reply",
    "Request",
    "decode_reply",
    "decode_request",
    "encode",
    "error_codes",
]
