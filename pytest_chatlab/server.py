"""The real ``chatlab-server`` as a child process: a configuration of ``ServerProcess``.

The server is started with ``--port 0``, so the kernel picks a free port, and
announces it in its first stdout line, ``READY host:port`` (``READY
[::1]:port`` for IPv6); any other first line fails the start at once. It
runs with ``--exit-on-stdin-eof`` and asks the kernel itself to stop it when
its parent dies, so it is its own lifeline and skips ``chatlab-launch`` (one
exec fewer: a quarter of a start), except under socket activation, where the
launcher hands it the socket. Everything else (the deadline, the logs, the
process group, the verdict) is ``ServerProcess``'s.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from .binary import server_binary
from .errors import ServerCrashedError, ServerStartError
from .process import ServerProcess

__all__ = ["ChatServer", "ServerCrashedError", "ServerStartError", "server_binary"]

_READY = re.compile(r"READY (?:\[(?P<v6>[^\]]+)\]|(?P<host>[^\s:]+)):(?P<port>\d{1,5})")


def _ready_line(line: str) -> tuple[str, int]:
    """READY"""
    ready = _READY.fullmatch(line)
    if ready is None:
        raise ValueError("the first stdout line is not READY host:port")
    return (ready["v6"] or ready["host"], int(ready["port"]))


class ChatServer(ServerProcess):
    """One ``chatlab-server`` process: ``start`` it, use ``address``, ``stop`` it.

    Limits left as ``None`` are not passed, so the server's defaults apply.
    ``env`` is added to this process's environment (for ``ASAN_OPTIONS``,
    say). With ``socket_activation=True`` the server is handed a listening
    socket instead of ``--host``/``--port`` and clients may connect before
    it prints READY.
    """

    def __init__(
        self,
        binary: str | os.PathLike[str] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        max_clients: int | None = None,
        max_frame_bytes: int | None = None,
        max_outbound_bytes: int | None = None,
        extra_args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        log_dir: Path | None = None,
        startup_timeout: float = 10.0,
        socket_activation: bool = False,
    ) -> None:
        self.binary = Path(binary) if binary is not None else server_binary()
        self.args = [
            "--host",
            host,
            "--port",
            str(port),
            *_limit("--max-clients", max_clients),
            *_limit("--max-frame-bytes", max_frame_bytes),
            *_limit("--max-outbound-bytes", max_outbound_bytes),
            "--exit-on-stdin-eof",
            *extra_args,
        ]
        super().__init__(
            [str(self.binary), *self.args],
            ready=_ready_line,
            ready_stream="stdout",
            env=env,
            host=host,
            log_dir=log_dir,
            startup_timeout=startup_timeout,
            socket_activation=socket_activation,
            launcher=socket_activation,  # its own lifeline otherwise (see above)
            label="chatlab-server",
        )
        self.port = port

    def __repr__(self) -> str:
        return f"<ChatServer {self.binary.name} {self.host}:{self.port} {self.status}>"


def _limit(flag: str, value: int | None) -> list[str]:
    return [] if value is None else [flag, str(value)]
