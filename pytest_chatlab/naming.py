"""Following a client's name from what the server says, without guessing.

The one place that knows how a connection's name changes (``Device.name``
and the report's sender matching both use it):

- the welcome notice (``welcome, guest-N``), the first one only, sets the
  name the server gave;
- each ``/name NEW`` the client sends queues NEW (the text after the first
  space, leading spaces dropped, as the server reads it);
- the server answers each rename, in order: a ``bad_name`` or
  ``name_taken`` error drops the oldest pending one; a roster that holds it
  and no longer the current name makes it the name (renaming to the current
  name, a no-op the server still answers with a roster, completes on the
  next roster).

A ``NameFollower`` is fed both directions of one connection in order. It is
not thread-safe: ``Device`` calls it under its own lock.
"""

from __future__ import annotations

from collections import deque
from typing import Generic, TypeVar

from ._native import Message

__all__ = ["NameFollower", "rename_of"]

T = TypeVar("T")

_WELCOME = "welcome, "
_RENAME_REFUSALS = ("bad_name", "name_taken")


def rename_of(message: Message) -> str | None:
    """The name a sent ``/name NEW`` asks for (NEW, maybe invalid), else None."""
    if message.type != "chat" or message.text is None:
        return None
    command, _, rest = message.text.partition(" ")
    return rest.lstrip(" ") if command == "/name" else None


class NameFollower(Generic[T]):
    """The name of one connection, from what it sent and what it received.

    ``name`` starts as ``name`` (None: unknown until the welcome); the first
    welcome notice replaces it. Each rename may carry a ``token`` of the
    caller's, handed back by ``received`` when that rename takes effect.
    """

    def __init__(self, name: str | None = None) -> None:
        #: the name the server knows this connection by, as far as it has said
        self.name = name
        self._welcomed = False
        self._pending: deque[tuple[str, T | None]] = deque()

    @property
    def welcomed(self) -> bool:
        """Whether the welcome notice has been received (the connection is a member)."""
        return self._welcomed

    @property
    def pending(self) -> tuple[tuple[str, T | None], ...]:
        """The renames sent and not answered yet, oldest first: ``(NEW, token)``."""
        return tuple(self._pending)

    def sent(self, message: Message, token: T | None = None) -> None:
        """Notes a frame the connection sent; only ``/name NEW`` matters."""
        wanted = rename_of(message)
        if wanted is not None:
            self._pending.append((wanted, token))

    def received(self, message: Message) -> T | None:
        """Notes a frame the connection received; returns the token of the
        rename that took effect with it, or None."""
        if message.type == "notice" and message.sender == "server" and not self._welcomed:
            if message.text is not None and message.text.startswith(_WELCOME):
                self.name, self._welcomed = message.text[len(_WELCOME) :], True
        elif message.type == "error" and message.code in _RENAME_REFUSALS and self._pending:
            self._pending.popleft()
        elif message.type == "roster" and message.users is not None and self._pending:
            wanted, token = self._pending[0]
            if wanted == self.name or (wanted in message.users and self.name not in message.users):
                self._pending.popleft()
                self.name = wanted
                return token
        return None
