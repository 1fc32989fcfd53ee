"""Mode 3: the real C++ client (kvstore.Client, on pytest-chatlab's bridge)
against the real kv-server; callbacks come from the client's receive thread.

``kv_device`` marks these tests ``e2e`` (pyproject.toml's ``chatlab_levels``);
the tests that drive a bare ``Client`` ask for it too, for the level.
"""

import os
import queue
import signal
import threading
import weakref

import kvstore
import pytest
from kvserver import READY, kv_server_binary

TIMEOUT = 5.0


def bare_client(server, **callbacks) -> kvstore.Client:
    client = kvstore.Client(**callbacks)
    client.connect(*server.address)
    return client


def test_every_op_replies_in_order(kv_server, kv_device):
    device = kv_device(kv_server())
    device.client.set("a", "1")
    device.client.get("a")
    device.client.delete("a")
    device.client.get("a")
    device.client.ping()
    replies = [device.expect_reply() for _ in range(5)]
    assert [(r.kind, r.key, r.value, r.existed) for r in replies] == [
        ("ok", "", None, None),
        ("value", "a", "1", None),
        ("ok", "", None, True),
        ("value", "a", None, None),
        ("pong", "", None, None),
    ]


def test_a_refused_request_is_an_error_reply(kv_server, kv_device):
    device = kv_device(kv_server(max_key_bytes=4))
    device.client.get("too long")
    reply = device.expect_reply()
    assert (reply.kind, reply.code) == ("error", "key_too_long")


def test_watchers_hear_changes_in_order(kv_server, kv_device):
    server = kv_server()
    watcher = kv_device(server, label="watcher")
    writer = kv_device(server, label="writer")
    watcher.client.watch("k")
    assert watcher.expect_reply().kind == "ok"  # the watch is in place before the writes
    for value in ("1", "2"):
        writer.client.set("k", value)
    writer.client.delete("k")
    assert [writer.expect_reply().kind for _ in range(3)] == ["ok"] * 3
    assert [watcher.expect_change() for _ in range(3)] == [("k", "1"), ("k", "2"), ("k", None)]


def test_callbacks_run_on_the_receive_thread(kv_server, kv_device):
    server = kv_server()
    writer = kv_device(server, label="writer")
    watching = threading.Event()
    heard: queue.Queue[tuple[str, str | None, bool, bool]] = queue.Queue()
    client = bare_client(
        server,
        on_reply=lambda reply: watching.set(),
        on_changed=lambda key, value: heard.put(
            (
                key,
                value,
                client.on_receive_thread,
                threading.current_thread() is threading.main_thread(),
            )
        ),
    )
    try:
        client.watch("k")
        assert watching.wait(TIMEOUT)  # the watch is in place before the write
        writer.client.set("k", "v")
        assert heard.get(timeout=TIMEOUT) == ("k", "v", True, False)
        assert not client.on_receive_thread
    finally:
        client.close()


def test_a_raising_callback_is_raised_by_check(kv_server, kv_device):
    server = kv_server()
    writer = kv_device(server, label="writer")
    watching = threading.Event()
    called = threading.Event()

    def on_changed(key: str, value: str | None) -> None:
        called.set()
        raise ValueError(f"boom on {key}={value}")

    client = bare_client(server, on_reply=lambda reply: watching.set(), on_changed=on_changed)
    client.watch("k")
    assert watching.wait(TIMEOUT)
    writer.client.set("k", "v")
    assert called.wait(TIMEOUT)
    client.close()  # joins the receive thread: the callback has returned
    with pytest.raises(ValueError, match="boom on k=v") as raised:
        client.check()
    assert "on_changed" in str(raised.traceback[-1])  # raised where it happened
    client.check()  # each error is raised once


def test_close_inside_a_callback(kv_server, kv_device):
    closed: queue.Queue[tuple[str, bool]] = queue.Queue()
    inside: list[bool] = []

    def on_reply(reply: kvstore.Reply) -> None:
        inside.append(client.on_receive_thread)
        client.close()  # cannot join its own thread: it only ends the connection

    client = bare_client(
        kv_server(),
        on_reply=on_reply,
        on_closed=lambda reason: closed.put((reason, client.on_receive_thread)),
    )
    client.ping()
    assert closed.get(timeout=TIMEOUT) == ("disconnected", True)
    assert inside == [True]
    assert not client.connected
    with pytest.raises(ConnectionError, match="not connected"):
        client.ping()
    client.close()  # again, from this thread: joins, idempotent
    client.check()


def test_a_server_that_dies_closes_with_a_reason(kv_server, kv_device):
    server = kv_server()
    device = kv_device(server)
    device.client.ping()
    assert device.expect_reply().kind == "pong"
    os.kill(server.pid, signal.SIGTERM)
    assert device.wait_closed() == "the server closed the connection"
    assert not device.client.connected


def test_callbacks_are_dropped_on_close(kv_server, kv_device):
    class Owner:
        """Holds its client, whose callback is a bound method of it: a cycle through C++."""

        def __init__(self) -> None:
            self.client = bare_client(server, on_reply=self.on_reply)

        def on_reply(self, reply: kvstore.Reply) -> None:
            pass

    server = kv_server()
    owner = Owner()
    gone = weakref.ref(owner)
    owner.client.close()
    del owner
    assert gone() is None  # freed by its count alone: nothing in C++ held it


def test_a_refused_connect_is_a_connection_error(kv_server, kv_device):
    server = kv_server()
    host, port = server.address
    server.stop()
    with pytest.raises(ConnectionError, match=f"cannot connect to {host}:{port}"):
        kvstore.Client().connect(host, port, timeout=1.0)
    with pytest.raises(ValueError, match=r"port must be 1\.\.65535"):
        kvstore.Client().connect(host, 0)


def test_track_fails_the_test_whose_callback_raised(pytester, kv_device):
    pytester.makepyfile(
        f"""
        import threading

        import kvstore
        import pytest_chatlab

        def test_inner(chatlab_process):
            server = chatlab_process(
                [{kv_server_binary()!r}, "--port", "0"], ready={READY!r}, ready_stream="stderr"
            )
            replied = threading.Event()
            def on_reply(reply):
                replied.set()
                raise RuntimeError("refused " + reply.kind)
            client = pytest_chatlab.track(kvstore.Client(on_reply=on_reply))
            client.connect(*server.address)
            client.ping()
            assert replied.wait(5)
            client.close()  # joins the receive thread: on_reply has returned
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*RuntimeError: refused pong*"])
