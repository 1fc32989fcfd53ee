"""LineClient against a bare local socket (any line protocol, any bytes), and
against the real chatlab-server, which it drives as one more line protocol."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pytest_chatlab import LineClient
from pytest_chatlab.errors import ConnectionClosedError, ProtocolError
from pytest_chatlab.line import LineConnection, LineFrame, parse_line
from pytest_chatlab.server import ChatServer
from pytest_chatlab.wire import FrameReader

Peer = Callable[..., tuple[LineClient, socket.socket]]


@pytest.fixture
def line_peer() -> Iterator[Peer]:
    """A local listener standing in for any server: makes (client, the accepted socket)."""
    opened: list[LineClient | socket.socket] = []
    with socket.create_server(("127.0.0.1", 0)) as listener:

        def make(**options: Any) -> tuple[LineClient, socket.socket]:
            client = LineClient(listener.getsockname(), label="line-test", **options)
            accepted, _ = listener.accept()
            opened.extend([client, accepted])
            return client, accepted

        yield make
        for item in opened:
            item.close()


def read_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        assert chunk, f"the client closed after {data!r}"
        data += chunk
    return data


# -- what a line becomes ----------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "frame"),
    [
        (b'{"op":"ok","n":1}', {"op": "ok", "n": 1}),
        (b'{"result":null}', {"result": None}),
        (b"+PONG", "+PONG"),
        (b"[1,2]", "[1,2]"),
        (b'"text"', '"text"'),
        (b"", ""),
        (b'{"n":NaN}', '{"n":NaN}'),
        (b"caf\xc3\xa9", "café"),
    ],
)
def test_a_json_object_is_a_dict_and_any_other_line_its_text(line, frame):
    assert parse_line(line) == frame


def test_bytes_that_are_not_utf8_survive_in_the_text():
    text = parse_line(b"bad \xff\xfe")
    assert isinstance(text, str)
    assert text.encode("utf-8", "surrogateescape") == b"bad \xff\xfe"


def test_text_and_json_lines_arrive_in_order_with_crlf_and_empty_lines_kept(
    line_peer: Peer,
) -> None:
    client, server = line_peer()
    server.sendall(b'+OK\r\n{"id":1}\n\r\n\nlast')
    assert [client.recv() for _ in range(4)] == ["+OK", {"id": 1}, "", ""]
    with pytest.raises(TimeoutError, match="for the next frame"):
        client.recv(timeout=0.05)
    server.sendall(b" line\n")
    assert client.recv() == "last line"
    assert client.frames == ["+OK", {"id": 1}, "", "", "last line"]


def test_sends_json_lines_text_lines_and_raw_bytes(line_peer: Peer) -> None:
    client, server = line_peer()
    client.send_json({"op": "set", "key": "é", "value": None})
    client.send_line("PING")
    client.send_raw(b"\xff\r\n")
    expected = b'{"op":"set","key":"\xc3\xa9","value":null}\nPING\n\xff\r\n'
    assert read_exactly(server, len(expected)) == expected
    log = client.format_log()
    assert '{"op":"set","key":"é","value":null}' in log  # as sent, not reordered
    assert "PING" in log
    assert "raw b'\\xff\\r\\n'" in log


def test_send_line_refuses_a_second_line(line_peer: Peer) -> None:
    client, _ = line_peer()
    with pytest.raises(ValueError, match="holds a newline"):
        client.send_line("SET a 1\nGET a")
    assert client.log == []


def test_send_split_cuts_where_told(line_peer: Peer) -> None:
    client, server = line_peer()
    client.send_split(b"GET key\n", at=[1, 4])
    assert read_exactly(server, 8) == b"GET key\n"
    assert [e.data for e in client.log] == [b"G", b"ET ", b"key\n"]
    with pytest.raises(ValueError, match="inside"):
        client.send_split(b"abc", at=[0])


# -- waiting ----------------------------------------------------------------------


def test_expect_skips_text_lines_and_other_objects(line_peer: Peer) -> None:
    client, server = line_peer()
    server.sendall(b'hello\n{"op":"busy"}\n{"op":"ok","id":7}\n')
    assert client.expect(op="ok") == {"op": "ok", "id": 7}
    assert client.recv_until_idle() == []


def test_expect_failure_lists_what_came_and_keeps_it(line_peer: Peer) -> None:
    client, server = line_peer()
    server.sendall(b'-ERR unknown\n{"op":"busy","why":null}\n')
    with pytest.raises(AssertionError) as caught:
        client.expect(op="ok", timeout=0.2)
    message = str(caught.value)
    assert "a frame matching {'op': 'ok'}" in message
    assert "-ERR unknown" in message
    assert '{"op":"busy","why":null}' in message  # a null shown as it came
    assert client.recv() == "-ERR unknown"


def test_expect_line_matches_text_exactly_or_by_pattern(line_peer: Peer) -> None:
    client, server = line_peer()
    server.sendall(b'{"op":"x"}\n+OK\n:42\n-ERR wrong type\n')
    assert client.expect_line("+OK") == "+OK"
    assert client.expect_line(re.compile(r"^-ERR ")) == "-ERR wrong type"
    with pytest.raises(AssertionError, match="the line '\\+PONG'"):
        client.expect_line("+PONG", timeout=0.05)


def test_a_failed_wait_on_a_closed_connection_says_the_server_closed(line_peer: Peer) -> None:
    client, server = line_peer()
    server.sendall(b"bye\npartial")
    server.close()
    assert client.wait_closed()
    assert client.server_closed
    with pytest.raises(AssertionError, match="the server closed the connection"):
        client.expect(op="ok")
    assert client.recv() == "bye"
    with pytest.raises(ConnectionClosedError):
        client.recv()
    assert "unterminated tail b'partial' dropped" in client.format_log()


def test_a_line_over_the_limit_is_frame_too_large(line_peer: Peer) -> None:
    client, server = line_peer(max_line_bytes=8)
    server.sendall(b"123456789")
    with pytest.raises(ProtocolError) as caught:
        client.recv()
    assert caught.value.code == "frame_too_large"


def test_invalid_utf8_is_shown_escaped_in_the_log(line_peer: Peer) -> None:
    client, server = line_peer()
    server.sendall(b"\xff\xfeok\n")
    assert client.recv() == b"\xff\xfeok".decode("utf-8", "surrogateescape")
    assert "\\xff\\xfeok" in client.format_log()


def test_a_deadline_cuts_every_wait_short(line_peer: Peer) -> None:
    client, _ = line_peer()
    client.deadline = 0.0  # long gone
    with pytest.raises(TimeoutError, match="cut short"):
        client.recv(timeout=5.0)


# -- the real server, driven as a line protocol -----------------------------------


def test_connects_to_a_server_object_and_reads_its_frames(server_process: ChatServer) -> None:
    with LineClient(server_process, label="probe") as client:
        assert client.address == server_process.address
        assert client.label == "probe"
        assert client.expect(type="roster") == {"type": "roster", "users": ["guest-1"]}
        client.send_line("not json")
        assert client.expect(type="error")["code"] == "bad_json"
        client.send_json({"type": "sync", "id": "s"})
        assert client.expect(type="sync") == {"id": "s", "type": "sync"}
    assert client.closed
    assert repr(client).endswith("closed>")


def test_connect_classmethod_and_default_label(server_process: ChatServer) -> None:
    with LineClient.connect(*server_process.address) as client:
        assert client.label == f"line:{client.local_port}"
        assert client.recv() == {"from": "server", "text": "welcome, guest-1", "type": "notice"}


def test_half_close_then_abort(chatlab_server_factory: Callable[..., ChatServer]) -> None:
    server = chatlab_server_factory()
    with LineClient(server) as watcher, LineClient(server) as client:
        client.send_json({"type": "chat", "text": "/who"})
        client.shutdown_write()
        assert client.wait_closed()
        assert client.expect(type="notice", text="users: guest-1, guest-2")
        watcher.expect(type="leave", user="guest-2")
        client.abort()  # after the end: nothing to reset, still idempotent
        assert client.closed


# -- the machinery over an accepted socket (a server's side) ----------------------


class Accepted(LineConnection[LineFrame]):
    """What a line server hands out: the same verbs over the socket it accepted."""

    _peer = "the client"

    def _parse(self, line: bytes) -> LineFrame:
        return parse_line(line)


def test_the_same_verbs_drive_an_accepted_socket(line_peer: Peer) -> None:
    client, accepted = line_peer()
    with Accepted(accepted, accepted.getpeername(), reader=FrameReader(), label="srv") as server:
        client.send_json({"op": "get", "key": "a"})
        assert server.expect(op="get") == {"op": "get", "key": "a"}
        server.send_line("+value")
        assert client.expect_line("+value") == "+value"
        client.abort()
        assert server.wait_closed()
        assert server.peer_closed
        assert "reset by the client" in server.format_log()
