"""What the clients and the harness share as objects: made by address, closed by ``with``."""

from __future__ import annotations

from types import TracebackType
from typing import TypeVar

__all__ = ["ClosedByWith", "ConnectsByAddress"]

_Self = TypeVar("_Self", bound="ClosedByWith")
_Peer = TypeVar("_Peer", bound="ConnectsByAddress")


class ClosedByWith:
    """``with obj:`` returns ``obj`` and calls ``obj.close()`` at the end, however it ends."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self: _Self) -> _Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class ConnectsByAddress:
    """``cls.connect(host, port, ...)``, the same as ``cls((host, port), ...)``."""

    def __init__(
        self, address: tuple[str, int], *, label: str | None = None, timeout: float = 5.0
    ) -> None:
        raise NotImplementedError

    @classmethod
    def connect(
        cls: type[_Peer], host: str, port: int, *, label: str | None = None, timeout: float = 5.0
    ) -> _Peer:
        return cls((host, port), label=label, timeout=timeout)
