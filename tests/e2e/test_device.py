"""Device, the bound C++ client, on the real server: what it sends, what it
records, what it waits for, and the name it follows."""

from __future__ import annotations

import socket
import sys
import time

import pytest

from pytest_chatlab import Device, Message
from pytest_chatlab.mock import ConnectionClosedError


def chats(device: Device) -> list[str | None]:
    return [m.text for m in device.messages if m.type == "chat"]


# -- connecting and receiving ---------------------------------------------------


def test_a_device_is_welcomed_then_gets_the_roster(bound_device):
    alice = bound_device()

    assert alice.sync() == [
        Message(type="notice", sender="server", text="welcome, guest-1"),
        Message(type="roster", users=["guest-1"]),
    ]
    assert alice.connected
    assert alice.name == "guest-1"


def test_a_chat_reaches_the_other_device_and_not_its_sender(bound_device):
    alice, bob = bound_device(label="alice"), bound_device(label="bob")
    alice.sync()
    bob.sync()

    alice.send("hello bob")

    assert bob.wait_for(lambda m: m.type == "chat") == Message(
        type="chat", sender="guest-1", text="hello bob"
    )
    alice.sync()
    assert chats(alice) == []


def test_the_mock_and_the_device_hear_each_other(bound_device, new_client):
    device = bound_device()
    mock = new_client()
    device.sync()
    mock.sync()

    # sender is ignored by the server, and the C++ encoder escapes the NUL.
    device.send_message(Message(type="chat", sender="mallory", text="h\u00e9llo \x00"))
    assert mock.expect(type="chat") == {
        "type": "chat",
        "from": "guest-1",
        "text": "h\u00e9llo \x00",
    }

    mock.send_text("hi device")
    mock.sync()
    assert device.wait_for(lambda m: m.type == "chat") == Message(
        type="chat", sender="guest-2", text="hi device"
    )


def test_a_refused_command_arrives_as_an_error_message(bound_device):
    alice = bound_device()

    alice.send("/bogus")

    error = alice.wait_for(lambda m: m.type == "error")
    assert error is not None
    assert error.code == "unknown_command"
    assert alice.connected


# -- sync and wait_for ------------------------------------------------------------


def test_sync_returns_what_came_since_the_last_sync_and_hides_its_answer(bound_device):
    alice = bound_device()
    seen: list[Message] = []
    alice.on_message(seen.append)
    first = alice.sync()

    alice.send("/who")
    second = alice.sync()

    assert [m.type for m in second] == ["notice", "roster"]
    assert second[0].text == "users: guest-1"
    assert alice.messages == first + second
    assert all(m.type != "sync" for m in alice.messages + seen)
    assert alice.sync() == []


def test_a_sync_sent_by_hand_is_an_ordinary_message(bound_device):
    alice = bound_device()

    alice.send_message(Message(type="sync", id="mine"))

    assert alice.wait_for(lambda m: m.type == "sync") == Message(type="sync", id="mine")


def test_wait_for_finds_a_message_that_already_arrived(bound_device):
    alice = bound_device()
    alice.sync()

    welcome = alice.wait_for(lambda m: m.type == "notice", timeout=0)

    assert welcome is not None
    assert welcome.text == "welcome, guest-1"


def test_wait_for_gives_none_when_nothing_matches_in_time(bound_device):
    alice = bound_device()
    alice.sync()

    started = time.monotonic()
    assert alice.wait_for(lambda m: m.type == "chat", timeout=0.2) is None
    assert 0.2 <= time.monotonic() - started < 2.0


def test_the_predicate_may_use_the_device(bound_device):
    alice = bound_device()

    found = alice.wait_for(lambda m: m.type == "roster" and len(alice.messages) >= 2)

    assert found == Message(type="roster", users=["guest-1"])


# -- the name -------------------------------------------------------------------


def test_the_name_follows_successful_renames_only(bound_device):
    alice, bob = bound_device(), bound_device()

    alice.send("/name alice")
    alice.sync()
    assert alice.name == "alice"

    alice.send("/name not valid!")
    alice.send("/name server")
    bob.send("/name ALICE")
    alice.sync()
    bob.sync()
    assert (alice.name, bob.name) == ("alice", "guest-2")

    alice.send("/name Alice")  # a new spelling of one's own name
    alice.send("/name Alice")  # the no-op rename, still answered with a roster
    alice.send("/name  carol")  # the name is what follows the first run of spaces
    alice.sync()
    assert alice.name == "carol"


def test_a_roster_holding_both_names_does_not_rename(bound_device, new_client):
    holder = new_client()
    holder.send_text("/name taken")
    holder.sync()
    device = bound_device()
    device.sync()

    device.send("/name taken")
    new_client().sync()  # its join roster holds "taken" and the device's guest name

    device.sync()
    assert device.name == "guest-2"
    assert device.wait_for(lambda m: m.code == "name_taken") is not None


# -- sending after the end, ending twice -----------------------------------------


def test_disconnect_is_idempotent_and_the_server_sees_the_leave(bound_device, new_client):
    observer = new_client()
    observer.sync()
    alice = bound_device()
    alice.sync()

    alice.disconnect()
    alice.disconnect()

    assert not alice.connected
    assert alice.close_reason == "disconnected"
    assert alice.wait_closed(timeout=0)
    observer.expect(type="leave", user="guest-2")
    with pytest.raises(ConnectionClosedError, match="cannot send"):
        alice.send("too late")
    with pytest.raises(ConnectionClosedError):
        alice.sync()


def test_the_context_manager_disconnects(server_process, new_client):
    observer = new_client()
    observer.sync()

    with Device(server_process.address, label="ctx") as device:
        device.sync()
        assert device.connected

    assert not device.connected
    observer.expect(type="leave", user="guest-2")


def test_the_context_manager_raises_a_callback_error_on_exit(server_process):
    with pytest.raises(ZeroDivisionError), Device(server_process.address) as device:  # noqa: PT012
        device.on_message(lambda m: 1 / 0)
        device.send("/who")
        device.sync()

    assert not device.connected


def test_check_raises_the_first_error_once_and_notes_the_others(bound_device):
    device = bound_device(label="guest-1")
    device.sync()
    after: list[str] = []

    def fail(message: Message) -> None:
        raise ValueError(f"cannot take a {message.type}")

    device.on_message(fail)
    device.on_message(lambda m: after.append(m.type))
    device.send("/who")
    device.sync()

    with pytest.raises(ValueError, match="cannot take a notice") as info:
        device.check()
    if sys.version_info >= (3, 11):  # add_note
        assert info.value.__notes__ == [
            "guest-1: 1 more callback exception(s): ValueError: cannot take a roster"
        ]
    assert after == ["notice", "roster"]  # the next callback still ran
    device.check()  # each exception is raised once
    assert "callback raised ValueError: cannot take a notice" in device.format_log()


# -- what the log says, and peers that are not the real server --------------------


def test_format_log_shows_both_directions_the_name_and_the_state(bound_device):
    alice = bound_device(label="alice")
    alice.send("/name alice")
    alice.sync()

    log = alice.format_log()

    assert log.startswith("alice (127.0.0.1:")
    assert "name alice, connected):" in log
    assert 'sent     {"text":"/name alice","type":"chat"}' in log
    assert 'recv     {"type":"roster","users":["alice"]}' in log


def test_a_line_that_does_not_decode_is_logged_and_the_stream_goes_on():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        device = Device(listener.getsockname(), label="odd")
        peer, _ = listener.accept()
        with peer:
            peer.sendall(b'not json\n{"type":"chat","from":"x","text":"after"}\n')
            after = device.wait_for(lambda m: m.type == "chat")
        assert device.wait_closed()

    assert after == Message(type="chat", sender="x", text="after")
    assert device.invalid_lines == ["bad_json: 'not json'"]
    assert device.close_reason == "closed by the server"
    assert "invalid  bad_json: 'not json'" in device.format_log()
    device.disconnect()


def test_a_refused_connection_raises_connection_refused_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        address = probe.getsockname()  # bound, never listening: connect is refused

        with pytest.raises(ConnectionRefusedError, match=r"connecting to 127\.0\.0\.1"):
            Device(address)


def test_a_host_that_is_not_an_ip_literal_is_a_value_error():
    with pytest.raises(ValueError, match="not an IP address"):
        Device(("chat.example", 4000))


def test_expect_returns_the_first_match_or_fails_listing_what_came(bound_device):
    alice, bob = bound_device(label="alice"), bound_device(label="bob")
    alice.send("hello")
    alice.sync()

    assert bob.expect(type="chat", text="hello").sender == "guest-1"
    assert bob.expect(type="roster", users=["guest-1", "guest-2"]).type == "roster"
    started = time.monotonic()
    with pytest.raises(AssertionError) as caught:
        bob.expect(type="chat", text="never", timeout=0.2)
    assert time.monotonic() - started < 2.0
    message = str(caught.value)
    assert "bob: waited 0.2 s for a message matching {'type': 'chat', 'text': 'never'}" in message
    assert '"text":"hello"' in message  # what did arrive


def test_expect_fails_at_once_when_the_connection_is_over(bound_device):
    alice = bound_device(label="alice")
    alice.disconnect()
    started = time.monotonic()
    with pytest.raises(AssertionError, match="disconnected"):
        alice.expect(type="chat", timeout=30)
    assert time.monotonic() - started < 1.0
