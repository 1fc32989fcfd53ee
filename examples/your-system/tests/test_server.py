"""native/server: the real kv-server over TCP (Mode 2), driven by pytest-chatlab's LineClient.

Every test starts its own server through ``kv_server`` (conftest.py), which
waits for the server's own readiness line on stderr; the clients are the
plugin's ``chatlab_line_client``. A reply is a barrier (PROTOCOL.md): when
it arrives, everything sent to that connection before it has arrived.
"""

import itertools
import os
import signal
import time
from pathlib import Path

import pytest
from kvserver import READY, kv_server_binary

OK = {"op": "ok"}


def test_every_op_over_the_wire(kv_server, chatlab_line_client):
    client = chatlab_line_client(kv_server(), label="client")
    client.send_json({"op": "set", "key": "a", "value": "1"})
    client.send_json({"op": "get", "key": "a"})
    client.send_json({"op": "del", "key": "a"})
    client.send_json({"op": "get", "key": "a"})
    client.send_json({"op": "ping"})
    assert [client.recv() for _ in range(5)] == [
        OK,
        {"op": "value", "key": "a", "value": "1"},
        {"op": "ok", "existed": True},
        {"op": "value", "key": "a", "value": None},
        {"op": "pong"},
    ]


def test_watchers_hear_changes_after_the_writers_reply(kv_server, chatlab_line_client):
    server = kv_server()
    first = chatlab_line_client(server, label="first")
    second = chatlab_line_client(server, label="second")
    writer = chatlab_line_client(server, label="writer")
    for watcher in (first, second):
        watcher.send_json({"op": "watch", "key": "k"})
        watcher.expect(op="ok")  # the watch is in place before the write
    writer.send_json({"op": "set", "key": "k", "value": "v"})
    writer.send_json({"op": "del", "key": "k"})
    assert writer.recv() == OK
    assert writer.recv() == {"op": "ok", "existed": True}
    for watcher in (first, second):
        assert watcher.recv() == {"op": "changed", "key": "k", "value": "v"}
        assert watcher.recv() == {"op": "changed", "key": "k", "value": None}
    second.send_json({"op": "unwatch", "key": "k"})
    second.expect(op="ok")
    writer.send_json({"op": "set", "key": "k", "value": "w"})
    writer.expect(op="ok")
    first.expect(op="changed", value="w")
    second.send_json({"op": "ping"})
    assert second.recv() == {"op": "pong"}  # and nothing before it


def test_lines_split_anywhere(kv_server, chatlab_line_client):
    client = chatlab_line_client(kv_server(), label="client")
    data = '{"op":"set","key":"é","value":"😀"}\n{"op":"get","key":"é"}\r\n'.encode()
    client.send_split(data, at=range(1, len(data)))
    assert client.recv() == OK
    assert client.recv() == {"op": "value", "key": "é", "value": "😀"}


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"nope\n", "bad_json"),
        (b'{"op":"get","key":"\xff"}\n', "bad_json"),
        (b"\x00\n", "bad_json"),
        (b"[]\n", "not_an_object"),
        (b'{"op":"get","key":"a","key":"b"}\n', "duplicate_field"),
        (b'{"key":"a"}\n', "missing_field"),
        (b'{"op":"set","key":"a","value":1}\n', "bad_field_type"),
        (b'{"op":"incr","key":"a"}\n', "unknown_op"),
    ],
)
def test_a_refused_line_keeps_the_connection(kv_server, chatlab_line_client, data, code):
    client = chatlab_line_client(kv_server(), label="client")
    client.send_raw(data)
    client.expect(op="error", code=code)
    client.send_json({"op": "ping"})
    assert client.recv() == {"op": "pong"}


def test_limits_over_the_wire(kv_server, chatlab_line_client):
    client = chatlab_line_client(
        kv_server(max_keys=1, max_key_bytes=4, max_value_bytes=4, max_watches=1), label="client"
    )
    client.send_json({"op": "set", "key": "a", "value": "1"})
    client.send_json({"op": "set", "key": "b", "value": "1"})
    client.send_json({"op": "get", "key": "abcde"})
    client.send_json({"op": "set", "key": "a", "value": "12345"})
    client.send_json({"op": "watch", "key": "a"})
    client.send_json({"op": "watch", "key": "b"})
    codes = [client.recv().get("code") for _ in range(6)]
    assert codes == [None, "too_many_keys", "key_too_long", "value_too_long", None,
                     "too_many_watches"]  # fmt: skip


def test_line_too_long_is_the_last_line(kv_server, chatlab_line_client):
    client = chatlab_line_client(kv_server(max_line_bytes=64), label="client")
    client.send_raw(b'{"op":"ping"}\n' + b"x" * 65)  # refused before any newline
    assert client.recv() == {"op": "pong"}
    client.expect(op="error", code="line_too_long")
    assert client.wait_closed()


def test_server_full(kv_server, chatlab_line_client):
    server = kv_server(max_connections=1)
    first = chatlab_line_client(server, label="first")
    first.send_json({"op": "ping"})
    first.expect(op="pong")
    second = chatlab_line_client(server, label="second")
    second.expect(op="error", code="server_full")
    assert second.wait_closed()
    first.close()
    # The server may see a new connection before the first one's FIN: then it
    # is refused too. Each refusal is awaited; one is served before the deadline.
    deadline = time.monotonic() + 5.0
    for attempt in itertools.count(3):
        later = chatlab_line_client(server, label=f"connection {attempt}")
        later.send_json({"op": "ping"})
        if later.recv().get("op") == "pong":
            break
        assert time.monotonic() < deadline, "the first connection's place never came free"


def test_half_close_still_gets_every_answer(kv_server, chatlab_line_client):
    client = chatlab_line_client(kv_server(), label="client")
    client.send_json({"op": "set", "key": "a", "value": "1"})
    client.send_json({"op": "get", "key": "a"})
    client.shutdown_write()
    assert client.recv() == OK
    assert client.recv() == {"op": "value", "key": "a", "value": "1"}
    assert client.wait_closed()


def _kernel_buffering() -> int:
    """How much a reader that never reads can leave in the kernel: the
    writer's largest send buffer and the reader's receive buffer, which does
    not grow while nothing is read."""
    wmem = Path("/proc/sys/net/ipv4/tcp_wmem").read_text().split()
    rmem = Path("/proc/sys/net/ipv4/tcp_rmem").read_text().split()
    return int(wmem[2]) + int(rmem[1])


def test_a_slow_consumer_is_dropped_and_told_why(kv_server, chatlab_line_client):
    limit = 65536
    server = kv_server(max_outbound_bytes=limit)
    watcher = chatlab_line_client(server, label="watcher")
    writer = chatlab_line_client(server, label="writer")
    watcher.send_json({"op": "watch", "key": "k"})
    watcher.expect(op="ok")
    value = "v" * 4000
    batch = 100
    writes = 2 * (_kernel_buffering() + limit) // len(value) // batch + 1
    for _ in range(writes):  # the watcher reads nothing meanwhile
        for _ in range(batch):
            writer.send_json({"op": "set", "key": "k", "value": value})
        for _ in range(batch):
            writer.expect(op="ok")  # the writer is never slowed by the watcher
    frames = watcher.recv_until(lambda frame: frame.get("op") == "error", timeout=30)
    assert frames[-1]["code"] == "slow_consumer"
    assert 0 < len(frames) - 1 < writes * batch
    assert all(frame == {"op": "changed", "key": "k", "value": value} for frame in frames[:-1])
    assert watcher.wait_closed()


def test_sigterm_stops_cleanly(kv_server, chatlab_line_client):
    server = kv_server()
    client = chatlab_line_client(server, label="client")
    client.send_json({"op": "ping"})
    client.expect(op="pong")
    os.kill(server.pid, signal.SIGTERM)
    assert client.wait_closed()
    assert server.wait(5.0) == 0
    server.stop()  # reaps it and drains its stderr pipe: the last line is in the log then
    assert "kv-server: stopped by SIGTERM" in server.stderr_text()


def test_socket_activation(chatlab_process, chatlab_line_client):
    server = chatlab_process(
        [kv_server_binary()], ready=READY, ready_stream="stderr", socket_activation=True
    )
    assert "(socket activation)" in server.stderr_text()
    client = chatlab_line_client(server, label="client")
    client.send_json({"op": "ping"})
    assert client.recv() == {"op": "pong"}
