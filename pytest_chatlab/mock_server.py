"""MockServer: the chat server's stand-in, faithful until a test makes it lie.

A real client must one day meet a server that lies: fields of the wrong
type, invalid UTF-8, a line over its limit, a frame cut at every byte, a
barrier never answered, a reset in the middle of a frame, a flood, a half
close. ``MockServer`` is a ``LineServer`` that answers like
``chatlab-server`` by default, so a client sees what it would see from the
real one, until the test says otherwise.

Theory of operation:

- **A shell around the real core, as chatlab-server is.** Each accepted
  connection is a session of a bound C++ ``Room``: a connect is
  ``room.join``, each line ``room.handle_line`` (lines cut by the core's
  ``FrameBuffer``, with the server's frame limit; a line past it refused
  by ``Room.refuse``), an end ``room.leave``.
  The effects are encoded by the C++ encoder and sent to the sessions
  ``room.recipients`` names, in order, the way ``native/io/traffic.cpp``
  does it. Python decides nothing about the chat: no room rule lives here.
- **Lies at the transport,** on the connection the test takes with
  ``wait_client``: ``send_json`` (any fields, any types, in any order),
  ``send_raw`` (invalid UTF-8, a line over the client's limit, a flood),
  ``send_split`` (a frame cut at every byte), ``abort`` (a reset, in the
  middle of a frame if the test sent half of one), ``shutdown_write`` (a
  half close).
- **Lies in the effects,** with ``rewrite(predicate, replacement)``: a
  frame the room sends that ``predicate`` accepts is replaced (a dict, raw
  bytes, a function of the frame) or dropped (None): a ``sync`` never
  answered, a chat whose ``from`` is spoofed.
- **Closing as the server does.** An effect that closes (``server_full``,
  ``frame_too_large``) is sent, the member leaves, and the connection is
  half closed; the rest of the client's input is read and discarded until
  its end of file, so the client reads the last frame instead of a reset.
  A client's own end of file makes it leave, and its connection is closed.
- **Pinned.** ``tests/integration/test_mock_server.py`` plays the same
  scripts against ``chatlab-server`` and a ``MockServer`` and compares
  what the clients receive, byte for byte.

The room lives on the server thread, under the server's lock: a test's
``close``/``abort`` of a connection makes it leave under the same lock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ._native import ErrorCode, FrameBuffer, Message, Outgoing, Room, encode
from .errors import ProtocolError
from .line import Address, LineFrame
from .line_server import LineReader, LineServer, ServedConnection
from .wire import DEFAULT_MAX_FRAME_BYTES
from .wire import encode as wire_encode

__all__ = ["MockServer"]

#: What replaces a frame the room sends: a dict (re-encoded canonically),
#: raw bytes, or None to drop it.
Replacement = Mapping[str, Any] | bytes | None
FramePredicate = Callable[[dict[str, Any]], bool]

#: docs/protocol.md's default --max-clients.
DEFAULT_MAX_CLIENTS = 1024


class _CoreFrames:
    """The core's ``FrameBuffer`` in the shape a ``LineServer`` reads with:
    the server's own framing (a limit, empty lines skipped, one ``\\r``)."""

    def __init__(self, max_frame_bytes: int) -> None:
        self._buffer = FrameBuffer(max_frame_bytes)

    def feed(self, data: bytes) -> list[bytes]:
        return [line.encode("utf-8", "surrogateescape") for line in self._buffer.feed(data)]

    @property
    def pending(self) -> bytes:
        # The core keeps its tail to itself; a log says how long it was.
        size = self._buffer.pending_bytes
        return f"<{size} bytes>".encode() if size else b""


class _Rewrite:
    def __init__(
        self,
        predicate: FramePredicate,
        replacement: Replacement | Callable[[dict[str, Any]], Replacement],
        to: ServedConnection | None,
    ) -> None:
        self.predicate = predicate
        self.replacement = replacement
        self.to = to

    def applies(self, connection: ServedConnection, frame: dict[str, Any]) -> bool:
        return (self.to is None or self.to is connection) and bool(self.predicate(frame))

    def bytes_for(self, frame: dict[str, Any]) -> bytes | None:
        replaced = self.replacement(frame) if callable(self.replacement) else self.replacement
        if replaced is None or isinstance(replaced, bytes):
            return replaced
        # Canonical, as the real server writes: the lie is in the fields, not the format.
        return wire_encode(dict(replaced))


class MockServer(LineServer):
    """A ``chatlab-server`` stand-in on its own thread (see the module's doc).

    ``MockServer()`` listens on an ephemeral port of 127.0.0.1; start it
    with ``start()`` or ``with``. ``max_clients`` and ``max_frame_bytes``
    are the server's limits (``--max-clients``, ``--max-frame-bytes``).
    ``room`` is the bound core it runs.
    """

    def __init__(
        self,
        address: Address = ("127.0.0.1", 0),
        *,
        label: str = "mock-server",
        timeout: float = 5.0,
        max_clients: int = DEFAULT_MAX_CLIENTS,
        max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
    ) -> None:
        super().__init__(address, label=label, timeout=timeout, max_line_bytes=max_frame_bytes)
        self.room = Room(max_members=max_clients)
        self._rewrites: list[_Rewrite] = []
        self._closing: set[int] = set()  # sessions whose last frame is out
        self._dropping: list[ServedConnection] = []  # failed a send: leave once the effects are out

    def rewrite(
        self,
        predicate: FramePredicate,
        replacement: Replacement | Callable[[dict[str, Any]], Replacement],
        *,
        to: ServedConnection | None = None,
    ) -> None:
        """Replaces each frame the room sends that ``predicate`` accepts (a
        dict of its wire fields), to every client or only ``to``.

        ``replacement`` is a dict (sent canonically encoded), raw bytes (sent
        as they are), None (the frame is dropped), or a function of the frame
        returning one. The first matching rewrite wins.
        """
        with self._lock:
            self._rewrites.append(_Rewrite(predicate, replacement, to))

    def drop(self, predicate: FramePredicate, *, to: ServedConnection | None = None) -> None:
        """Never sends the frames ``predicate`` accepts: ``rewrite(predicate, None)``."""
        self.rewrite(predicate, None, to=to)

    # -- the shell: the room's effects to the connections ------------------

    def _reader(self) -> LineReader:
        return _CoreFrames(self.max_line_bytes)

    def _on_connect(self, connection: ServedConnection) -> None:
        self._deliver(self.room.join(connection.session))

    def _on_line(self, connection: ServedConnection, line: bytes, frame: LineFrame) -> None:
        super()._on_line(connection, line, frame)  # the test's own rules, if any
        if connection.session in self._closing:
            return  # on its way out: read and discarded, as the server does
        self._deliver(self.room.handle_line(connection.session, line))

    def _on_overflow(self, connection: ServedConnection, error: ProtocolError) -> None:
        # As traffic.cpp does: the core's refusal, whose flag closes the connection.
        self._deliver(Room.refuse(connection.session, ErrorCode[error.code], error.detail))

    def _on_eof(self, connection: ServedConnection) -> None:
        # Everything its frames produced was sent already: the member leaves
        # and the connection closes, as at the server.
        connection.close()

    def _on_end(self, connection: ServedConnection) -> None:
        self._deliver(self.room.leave(connection.session))

    def _deliver(self, effects: Iterable[Outgoing]) -> None:
        by_session = {connection.session: connection for connection in self.connections}
        for out in effects:
            frame = encode(out.message).encode("utf-8")
            for session in self.room.recipients(out):
                connection = by_session.get(session)
                if connection is None or connection.closed or session in self._closing:
                    continue
                if connection not in self._dropping:
                    self._send_effect(connection, out.message, frame)
            if out.close:
                self._close_after_frame(by_session[out.session])
        # As the server drops a connection after its flush, not in the middle
        # of delivering: the leave follows every effect already decided.
        while self._dropping:
            self._dropping.pop(0).close()

    def _send_effect(self, connection: ServedConnection, message: Message, frame: bytes) -> None:
        try:
            self._send_or_rewrite(connection, message, frame)
        except OSError as error:  # gone, or not reading: dropped, as the server drops it
            connection._note_end(f"dropped by {self.label}: {error}")
            self._dropping.append(connection)

    def _send_or_rewrite(
        self, connection: ServedConnection, message: Message, frame: bytes
    ) -> None:
        fields = message.to_dict()
        for rewrite in self._rewrites:
            if rewrite.applies(connection, fields):
                replaced = rewrite.bytes_for(fields)
                if replaced is not None:
                    connection.send_raw(replaced)
                return
        connection._send_line(frame)

    def _close_after_frame(self, connection: ServedConnection) -> None:
        if connection.session in self._closing or connection.closed:
            return
        self._closing.add(connection.session)
        self._deliver(self.room.leave(connection.session))
        connection.shutdown_write()
