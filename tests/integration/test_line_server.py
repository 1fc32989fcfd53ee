"""LineServer, driven by the test and by rules, with LineClients and raw sockets."""

from __future__ import annotations

import socket
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import pytest_chatlab as chatlab
from pytest_chatlab import LineServer
from pytest_chatlab.errors import ConnectionClosedError


@chatlab.level("integration")
@pytest.fixture
def server():
    with LineServer(label="kv") as started:
        yield started
        started.check()


def test_it_listens_on_an_ephemeral_loopback_port(server):
    host, port = server.address
    assert host == "127.0.0.1"
    assert port > 0
    assert repr(server) == f"<LineServer kv 127.0.0.1:{port} serving>"


def test_the_test_drives_an_accepted_connection_with_the_client_verbs(server, chatlab_line_client):
    client = chatlab_line_client(server, label="probe")
    conn = server.wait_client(timeout=2.0)

    client.send_json({"op": "get", "key": "a"})
    assert conn.expect(op="get") == {"op": "get", "key": "a"}
    conn.send_json({"op": "value", "value": "1"})
    conn.send_line("PONG")
    conn.send_split(b'{"op":"split"}\n', at=[1, 5, 9])
    assert client.expect(op="value")["value"] == "1"
    assert client.expect_line("PONG") == "PONG"
    assert client.expect(op="split") == {"op": "split"}
    assert conn.session == 1
    assert conn.frames == [{"op": "get", "key": "a"}]


def test_receive_waits_fail_with_what_came_and_put_it_back(server, chatlab_line_client):
    client = chatlab_line_client(server)
    conn = server.wait_client()
    client.send_line("HELLO")

    with pytest.raises(AssertionError, match=r"kv#1: waited 0.2 s for a frame matching"):
        conn.expect(op="never", timeout=0.2)
    assert conn.recv(timeout=1.0) == "HELLO"


def test_a_rule_answers_on_the_server_thread_and_the_frame_is_still_queued(
    server, chatlab_line_client
):
    server.on({"op": "ping"}, {"op": "pong"})
    server.on(lambda f: f == "TIME", lambda f: ["T1", b"raw\n"])
    client = chatlab_line_client(server)

    client.send_json({"op": "ping"})
    assert client.expect(op="pong") == {"op": "pong"}
    client.send_line("TIME")
    assert client.expect_line("T1") == "T1"
    assert client.expect_line("raw") == "raw"
    conn = server.wait_client()
    assert conn.recv() == {"op": "ping"}
    assert conn.recv() == "TIME"


def test_a_send_from_the_test_never_lands_inside_a_rules_reply(server, chatlab_line_client):
    answering = threading.Event()
    line = "x" * 1023
    bulk = [f"{line}\n".encode()] * 2048  # 2 MiB: more than the socket buffers hold

    def reply(frame: object) -> list[bytes | str]:
        answering.set()
        return [*bulk, "last part"]

    server.on(lambda f: f == "GO", reply)
    client = chatlab_line_client(server)
    conn = server.wait_client()
    client.send_line("GO")
    assert answering.wait(timeout=5.0)
    with ThreadPoolExecutor(1) as pool:  # the send waits for the reply, read only now
        sent = pool.submit(conn.send_line, "from the test")
        received = client.recv_until(lambda f: f == "last part")
        assert client.recv() == "from the test"
        sent.result(timeout=5.0)

    assert received == [line] * 2048 + ["last part"]


def test_only_the_first_matching_rule_answers(server, chatlab_line_client):
    server.on({"op": "ping"}, "first")
    server.on({"op": "ping"}, "second")
    client = chatlab_line_client(server)
    client.send_json({"op": "ping"})
    client.send_line("PROBE")  # nothing answers it: the line is quiet after "first"

    assert client.recv() == "first"
    with pytest.raises(TimeoutError):
        client.recv(timeout=0.2)


def test_an_exception_in_a_rule_is_kept_and_raised_by_check(chatlab_line_client):
    with LineServer(label="fragile") as server:
        server.on(lambda f: True, lambda f: 1 / 0)
        client = chatlab_line_client(server)
        client.send_line("boom")
        conn = server.wait_client()
        assert conn.recv() == "boom"
        # The server thread goes on serving the next line.
        server.on(lambda f: True, "never reached: the first rule raises again")
        client.send_line("again")
        assert conn.recv() == "again"

        with pytest.raises(ZeroDivisionError) as caught:
            server.check()
        if sys.version_info >= (3, 11):  # notes are 3.11's
            assert "fragile: 1 more server-thread error(s)" in str(caught.value.__notes__)
        server.check()  # each is raised once
        assert "error    callback raised ZeroDivisionError" in conn.format_log()


def test_a_half_close_shows_as_the_end_and_the_connection_still_sends(server, chatlab_line_client):
    client = chatlab_line_client(server)
    conn = server.wait_client()
    client.send_line("last")
    client.shutdown_write()

    assert conn.wait_closed(timeout=2.0)
    assert conn.recv() == "last"
    conn.send_line("answer after your half close")
    assert client.expect_line("answer after your half close")


def test_the_server_can_reset_and_half_close(server, chatlab_line_client):
    first, second = chatlab_line_client(server), chatlab_line_client(server)
    reset, half = server.wait_client(), server.wait_client()

    reset.send_raw(b'{"op":"trunc')
    reset.abort()
    half.send_line("bye")
    half.shutdown_write()

    assert first.wait_closed(timeout=2.0)
    assert "reset by the server" in first.format_log()
    assert second.expect_line("bye") == "bye"
    assert second.wait_closed(timeout=2.0)
    with pytest.raises(ConnectionClosedError):
        reset.send_line("too late")


def test_a_client_that_resets_is_seen_as_reset(server, chatlab_line_client):
    client = chatlab_line_client(server)
    conn = server.wait_client()
    client.send_raw(b"half a li")
    client.abort()

    assert conn.wait_closed(timeout=2.0)
    assert "reset by the client; unterminated tail b'half a li' dropped" in conn.format_log()


def test_a_line_over_the_limit_ends_the_connection(chatlab_line_client):
    with LineServer(max_line_bytes=16) as server:
        client = chatlab_line_client(server)
        client.send_raw(b"x" * 17)
        assert client.wait_closed(timeout=2.0)
        conn = server.wait_client()
        assert "the client sent a line over the limit (frame_too_large" in conn.format_log()
        server.check()


def test_wait_client_times_out_saying_what_it_waited_for(server):
    started = time.monotonic()
    with pytest.raises(TimeoutError, match=r"kv: waited 0.2 s for a client to connect"):
        server.wait_client(timeout=0.2)
    assert time.monotonic() - started < 2.0


def test_clients_are_taken_in_the_order_they_connected(server):
    raw = [socket.create_connection(server.address) for _ in range(3)]
    ports = [sock.getsockname()[1] for sock in raw]

    taken = [server.wait_client() for _ in raw]

    assert [conn.address[1] for conn in taken] == ports
    assert [conn.session for conn in taken] == [1, 2, 3]
    for sock in raw:
        sock.close()


def test_stop_closes_every_connection_and_is_idempotent(chatlab_line_client):
    server = LineServer().start()
    client = chatlab_line_client(server)
    conn = server.wait_client()

    server.stop()
    server.stop()

    assert client.wait_closed(timeout=2.0)
    assert conn.closed
    assert "stopped" in repr(server)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(server.address, timeout=1.0)


def test_format_log_shows_every_connection(chatlab_line_client):
    with LineServer(label="logged") as server:
        client = chatlab_line_client(server)
        client.send_line("hello")
        conn = server.wait_client()
        conn.recv()
        conn.send_line("world")
        client.expect_line("world")
        log = server.format_log()

    assert log.startswith(f"logged (127.0.0.1:{server.port}), 1 connection(s):")
    assert "logged#1 (" in log
    assert "recv     hello" in log
    assert "sent     world" in log


@pytest.mark.integration
def test_a_client_may_connect_before_start_and_waits_in_the_backlog():
    server = LineServer(label="early")
    with socket.create_connection(server.address, timeout=2.0) as early:
        with pytest.raises(RuntimeError, match=r"early: not serving yet; call start\(\)"):
            server.wait_client()
        with server:
            conn = server.wait_client(timeout=2.0)
            early.sendall(b"first\n")
            assert conn.recv() == "first"
