"""The GIL and lifetime rules of the bound client, on _native.Client itself:
callbacks on the C++ thread, errors kept, callbacks released, no deadlock."""

from __future__ import annotations

import gc
import socket
import threading
import traceback
import weakref

import pytest

from pytest_chatlab import Message, ProtocolError
from pytest_chatlab._native import Client

pytestmark = pytest.mark.e2e


class Recorder:
    """Callbacks that record on which thread they ran and what they got."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.threads: set[int] = set()
        self.closed = threading.Event()
        self.synced = threading.Event()
        self.close_args: tuple[str, str] | None = None

    def on_message(self, message: Message) -> None:
        self.threads.add(threading.get_ident())
        self.messages.append(message)
        if message.type == "sync":
            self.synced.set()

    def on_close(self, reason: str, detail: str) -> None:
        self.close_args = (reason, detail)
        self.closed.set()


def connected(server, recorder: Recorder) -> Client:
    client = Client(recorder.on_message, recorder.on_close)
    client.connect(*server.address)
    return client


def test_callbacks_run_on_the_receive_thread_and_close_is_reported_once(server_process):
    recorder = Recorder()
    client = connected(server_process, recorder)
    assert client.send(Message(type="sync", id="s"))
    assert recorder.synced.wait(5)

    client.disconnect()
    client.disconnect()

    assert recorder.closed.is_set()
    assert recorder.close_args == ("disconnected", "")
    assert recorder.messages[-1] == Message(type="sync", id="s")
    assert len(recorder.threads) == 1
    assert threading.get_ident() not in recorder.threads
    assert not client.connected
    assert not client.send(Message(type="chat", text="late"))


def test_an_exception_in_a_callback_is_kept_with_its_traceback(server_process):
    synced = threading.Event()

    def explode(message: Message) -> None:
        if message.type == "sync":
            synced.set()
        raise KeyError(message.type)

    client = Client(explode, lambda reason, detail: None)
    client.connect(*server_process.address)
    client.send(Message(type="sync", id="s"))
    assert synced.wait(5)
    client.disconnect()  # joins: every callback has returned

    errors = client.take_errors()

    assert [repr(e) for e in errors] == [
        "KeyError('notice')",
        "KeyError('roster')",
        "KeyError('sync')",
    ]
    assert traceback.extract_tb(errors[0].__traceback__)[-1].name == "explode"
    assert client.take_errors() == []


def test_the_callbacks_are_released_on_disconnect(server_process):
    recorder = Recorder()
    client = connected(server_process, recorder)
    callback = weakref.ref(recorder)

    client.disconnect()
    del recorder

    assert callback() is None


def test_the_callbacks_are_released_when_the_server_closes(chatlab_server_factory):
    server = chatlab_server_factory()
    released: list[bool] = []
    closed = threading.Event()

    class OnMessage:
        def __call__(self, message: Message) -> None:
            pass

    on_message = OnMessage()
    gone = weakref.ref(on_message)

    def on_close(reason: str, detail: str) -> None:
        released.append(gone() is None)  # dropped before on_close is called
        closed.set()

    client = Client(on_message, on_close)
    client.connect(*server.address)
    del on_message

    server.stop()

    assert closed.wait(5)
    assert released == [True]
    client.disconnect()


def test_a_client_that_refers_to_itself_is_collected_after_disconnect(server_process):
    def make() -> Client:
        holder: list[Client] = []
        client = Client(lambda m: holder[0].connected, lambda reason, detail: holder)
        holder.append(client)  # client -> callback -> holder -> client: a cycle through C++
        client.connect(*server_process.address)
        return client

    client = make()
    alive = weakref.ref(client)
    client.disconnect()
    del client
    gc.collect()

    assert alive() is None


def test_disconnect_from_inside_a_callback_does_not_deadlock(server_process):
    closed = threading.Event()
    inside: list[bool] = []
    holder: list[Client] = []

    def on_message(message: Message) -> None:
        client = holder[0]
        inside.append(client.on_receive_thread)
        client.disconnect()

    def on_close(reason: str, detail: str) -> None:
        inside.append(holder[0].on_receive_thread)
        closed.set()

    client = Client(on_message, on_close)
    holder.append(client)
    client.connect(*server_process.address)

    assert closed.wait(5)
    assert inside == [True, True]  # one message, then the close, on the receive thread
    client.disconnect()


def test_disconnect_waits_for_a_callback_that_needs_the_gil(server_process):
    entered = threading.Event()
    finished = threading.Event()
    holder: list[Client] = []

    def busy(message: Message) -> None:
        entered.set()
        while holder[0].connected:  # Python, so each round needs the GIL
            pass
        sum(range(10_000))  # still inside the callback after disconnect() began
        finished.set()

    client = Client(busy, lambda reason, detail: None)
    holder.append(client)
    client.connect(*server_process.address)
    assert entered.wait(5)

    client.disconnect()  # must release the GIL while it joins, or this never returns

    assert finished.is_set()
    holder.clear()


def test_dropping_a_connected_client_disconnects_it(server_process, new_client):
    observer = new_client()
    observer.sync()
    entered = threading.Event()

    def busy(message: Message) -> None:
        entered.set()
        sum(range(100_000))

    client = Client(busy, lambda reason, detail: None)
    client.connect(*server_process.address)
    assert entered.wait(5)

    del client  # the destructor joins, with the GIL released

    observer.expect(type="leave", user="guest-2")


def test_a_line_that_does_not_decode_goes_to_on_invalid():
    invalid: list[tuple[str, ProtocolError]] = []
    recorder = Recorder()
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = Client(
            recorder.on_message, recorder.on_close, lambda line, e: invalid.append((line, e))
        )
        client.connect(*listener.getsockname())
        peer, _ = listener.accept()
        with peer:
            peer.sendall(b'{"type":\n[1]\n\xff\n{"type":"notice","text":"ok"}\n')
        assert recorder.closed.wait(5)

    assert [(line, e.code) for line, e in invalid] == [
        ('{"type":', "bad_json"),
        ("[1]", "bad_frame"),
        ("\udcff", "bad_json"),  # the raw byte, surrogate-escaped
    ]
    assert recorder.messages == [Message(type="notice", text="ok")]
    assert recorder.close_args == ("closed by the server", "")
    client.disconnect()


def test_a_frame_over_the_limit_ends_the_connection():
    recorder = Recorder()
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = Client(recorder.on_message, recorder.on_close, max_frame_bytes=16)
        client.connect(*listener.getsockname())
        peer, _ = listener.accept()
        with peer:
            peer.sendall(b'{"type":"a"}\n' + b"x" * 17)
            assert recorder.closed.wait(5)

    assert recorder.messages == [Message(type="a")]
    assert recorder.close_args == ("the server sent a frame over the limit", "")
    client.disconnect()


def test_a_bad_port_is_a_value_error():
    client = Client(lambda m: None, lambda r, d: None)

    with pytest.raises(ValueError, match="port"):
        client.connect("127.0.0.1", 70000)
