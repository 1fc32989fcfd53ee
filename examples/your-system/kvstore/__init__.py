"""kvstore: a key-value store with watches, its C++ core bound for Python (Mode 1)."""

from ._kv import (
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

__all__ = [
    "Engine",
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
