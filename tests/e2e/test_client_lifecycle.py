"""The life of a C++ client's connection and its receive thread, seen from
Python: who ends it, what is left behind, and a process that just exits."""

from __future__ import annotations

import gc
import itertools
import os
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Iterator

import pytest

from pytest_chatlab import Device, Message


def os_threads() -> int:
    """Threads of this process as the kernel counts them, C++ ones included."""
    return len(os.listdir("/proc/self/task"))


@pytest.fixture
def chatter(bound_device) -> Iterator[Device]:
    """A device that says ping in a loop on a thread of its own until the test ends.

    Each ping is a chat to everyone else and a pong to all, so every other
    device always has messages coming in. The sync after each one keeps the
    server's queue to the chatter short (no slow_consumer).
    """
    device = bound_device(label="chatter")
    stop = threading.Event()

    def talk() -> None:
        while not stop.is_set():
            device.send("ping")
            device.sync()

    thread = threading.Thread(target=talk, name="chatter")
    thread.start()
    yield device
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()


def test_the_server_closing_first_ends_the_device(chatlab_server_factory, bound_device):
    server = chatlab_server_factory()
    device = bound_device(server=server)
    device.sync()

    server.stop()

    assert device.wait_closed(timeout=5)
    assert not device.connected
    assert device.close_reason == "closed by the server"
    started = time.monotonic()
    assert device.wait_for(lambda m: m.type == "chat", timeout=5) is None
    assert time.monotonic() - started < 1.0  # nothing more can come: no wait
    device.disconnect()
    assert device.close_reason == "closed by the server"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts threads in /proc")
def test_a_thousand_connects_and_disconnects_under_traffic_leave_no_thread(
    server_process, bound_device, chatter
):
    listener = bound_device(label="listener")
    listener.sync()
    baseline = os_threads()
    received = itertools.count()
    started = time.monotonic()
    for cycle in range(1000):
        device = Device(server_process.address, label=f"cycle-{cycle}")
        device.on_message(lambda m: next(received))
        if cycle % 3 == 1:
            device.sync()  # disconnect with traffic flowing in
            assert any(m.type == "roster" for m in device.messages)
        elif cycle % 3 == 2:
            # disconnect on the receive thread; the disconnect below joins it
            def leave_on_who(message: Message, device: Device = device) -> None:
                if message.text is not None and message.text.startswith("users:"):
                    device.disconnect()

            device.on_message(leave_on_who)
            device.send("/who")
            assert device.wait_closed()
        device.disconnect()
        device.check()
    elapsed = time.monotonic() - started

    assert os_threads() == baseline
    assert elapsed < 30, f"1,000 cycles took {elapsed:.1f} s"
    leaves = itertools.count(1)
    assert listener.wait_for(lambda m: m.type == "leave" and next(leaves) == 1000, timeout=10)
    assert sum(m.type == "join" for m in listener.messages) == 1000
    # The greeting may come before on_message; the answer to /who cannot.
    assert next(received) >= 333


def test_disconnect_from_inside_a_callback(bound_device):
    alice, bob = bound_device(label="alice"), bound_device(label="bob")
    alice.sync()
    bob.sync()
    seen_in_callback: list[bool] = []

    def on_bye(message: Message) -> None:
        if message.text == "bye":
            bob.disconnect()
            seen_in_callback.append(bob.connected)

    bob.on_message(on_bye)
    alice.send("bye")
    alice.send("are you there?")

    assert bob.wait_closed(timeout=5)
    assert seen_in_callback == [False]
    alice.sync()
    assert [m.text for m in bob.messages if m.type == "chat"] == ["bye"]
    bob.disconnect()  # again, from the test's thread: joins the finished thread
    bob.check()


def test_a_wait_inside_a_callback_is_refused_at_once(bound_device):
    device = bound_device()
    device.sync()
    looked: list[Message | None] = []

    def wait_inside(message: Message) -> None:
        looked.append(device.wait_for(lambda m: m.type == "roster", timeout=0))  # no wait: fine
        device.sync()  # would wait for this very thread

    device.on_message(wait_inside)
    device.send("/who")
    device.sync()

    with pytest.raises(RuntimeError, match=r"sync\(\) cannot wait inside a callback"):
        device.check()
    assert looked[0] == Message(type="roster", users=["guest-1"])


class Echo(Device):
    """A device whose callback is a bound method of itself."""

    def remember(self, message: Message) -> None:
        self.last = message


def self_referencing(address: tuple[str, int]) -> Echo:
    device = Echo(address)
    device.on_message(device.remember)
    device.on_message(lambda m: device.messages)  # a closure over it, too
    return device


@pytest.mark.parametrize("disconnect", [True, False], ids=["disconnected", "still-connected"])
def test_a_device_that_refers_to_itself_is_collected(server_process, new_client, disconnect):
    observer = new_client()
    observer.sync()
    device = self_referencing(server_process.address)
    device.sync()
    if disconnect:
        device.disconnect()
    alive = weakref.ref(device)

    del device
    gc.collect()

    assert alive() is None
    observer.expect(type="leave", user="guest-2")  # collected means disconnected


PROGRAM = """
import sys
from pytest_chatlab import Device

address = (sys.argv[1], int(sys.argv[2]))
busy, replier = Device(address), Device(address)
busy.on_message(lambda m: sum(range(5000)))  # holds the GIL a while, often
replier.on_message(lambda m: m.type == "chat" and replier.send("echo"))
assert busy.wait_for(lambda m: m.type == "chat" and m.text == "echo", timeout=5)
print("leaving", flush=True)
# and off it goes, devices connected, messages still arriving
"""


def test_a_program_that_exits_with_connected_devices_exits_cleanly(
    server_process, chatter, tmp_path
):
    for _ in range(5):
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-c", PROGRAM, *map(str, server_process.address)],
            capture_output=True,
            text=True,
            timeout=5,
            cwd=tmp_path,  # not the source tree, which would shadow the installed package
        )

        assert (done.returncode, done.stdout, done.stderr) == (0, "leaving\n", "")
        assert time.monotonic() - started < 5
