"""docs/protocol.md lifecycle, commands and the sync barrier, over the real wire.

Connect (welcome then roster; join then roster to the others; guest-N counts
connections and is never reused), disconnect of every kind (leave then
roster), ping/pong, /who, /help, unknown commands, sync, and 200 clients
that reset in the middle of a frame.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pytest_chatlab.mock import MockClient
from pytest_chatlab.server import ChatServer

Connect = Callable[..., MockClient]


def welcome(n: int) -> dict[str, str]:
    return {"type": "notice", "from": "server", "text": f"welcome, guest-{n}"}


def roster(*names: str) -> dict[str, object]:
    return {"type": "roster", "users": list(names)}


def members(new_client: Connect, count: int) -> list[MockClient]:
    """guest-1..guest-count, each past every join and roster so far."""
    clients = [new_client(label=f"guest-{n + 1}") for n in range(count)]
    for client in clients:
        client.recv_until(lambda f, c=count: f["type"] == "roster" and len(f["users"]) == c)
        assert client.sync() == []
    return clients


# -- connect ---------------------------------------------------------------------------


def test_newcomer_gets_welcome_then_roster_others_get_join_then_roster(
    new_client: Connect,
) -> None:
    first = new_client(label="first")
    assert first.sync() == [welcome(1), roster("guest-1")]
    second = new_client(label="second")
    assert second.sync() == [welcome(2), roster("guest-1", "guest-2")]
    assert first.sync() == [{"type": "join", "user": "guest-2"}, roster("guest-1", "guest-2")]
    third = new_client(label="third")
    assert third.sync() == [welcome(3), roster("guest-1", "guest-2", "guest-3")]
    for other in (first, second):
        assert other.sync() == [
            {"type": "join", "user": "guest-3"},
            roster("guest-1", "guest-2", "guest-3"),
        ]


def test_guest_numbers_count_connections_and_are_never_reused(new_client: Connect) -> None:
    stays, goes, renamed = members(new_client, 3)
    goes.close()
    stays.expect(type="roster", users=["guest-1", "guest-3"])
    renamed.send_text("/name carol")
    stays.expect(type="roster", users=["guest-1", "carol"])
    fourth = new_client(label="fourth")
    assert fourth.sync() == [welcome(4), roster("guest-1", "carol", "guest-4")]
    fourth.abort()
    stays.expect(type="leave", user="guest-4")
    fifth = new_client(label="fifth")
    assert fifth.recv() == welcome(5)


def test_the_roster_keeps_connection_order_through_renames_and_leaves(
    new_client: Connect,
) -> None:
    a, b, c = members(new_client, 3)
    c.send_text("/name aaa")  # would sort first; the roster keeps connection order
    assert c.sync() == [roster("guest-1", "guest-2", "aaa")]  # handled before a's sync
    assert a.sync() == [roster("guest-1", "guest-2", "aaa")]
    a.send_text("/name zzz")
    assert a.sync() == [roster("zzz", "guest-2", "aaa")]
    b.close()
    assert a.recv_until(lambda f: f["type"] == "roster")[-1] == roster("zzz", "aaa")
    d = new_client(label="d")
    assert d.sync() == [welcome(4), roster("zzz", "aaa", "guest-4")]


# -- disconnect ------------------------------------------------------------------------


def _close(client: MockClient) -> None:
    client.close()


def _abort(client: MockClient) -> None:
    client.abort()


def _half_close(client: MockClient) -> None:
    client.shutdown_write()
    assert client.wait_closed()


def _error_close(client: MockClient) -> None:
    client.send_raw(b"x" * 65_537)  # frame_too_large closes the connection
    assert client.wait_closed()
    assert client.recv()["code"] == "frame_too_large"


@pytest.mark.parametrize("leave", [_close, _abort, _half_close, _error_close])
def test_every_kind_of_disconnect_gives_leave_then_roster(
    new_client: Connect, leave: Callable[[MockClient], None]
) -> None:
    a, b, c = members(new_client, 3)
    leave(b)
    for remaining in (a, c):
        assert remaining.recv_until(lambda f: f["type"] == "roster") == [
            {"type": "leave", "user": "guest-2"},
            roster("guest-1", "guest-3"),
        ]
        assert remaining.sync() == []


# -- commands --------------------------------------------------------------------------


def test_ping_is_a_chat_to_the_others_then_pong_to_everyone(new_client: Connect) -> None:
    a, b, c = members(new_client, 3)
    pong = {"type": "notice", "from": "server", "text": "pong"}
    b.send_text("ping")
    assert b.sync() == [pong]
    for other in (a, c):
        assert other.sync() == [{"type": "chat", "from": "guest-2", "text": "ping"}, pong]


@pytest.mark.parametrize("text", ["Ping", "ping ", " ping", "pings", "/ping"])
def test_only_the_exact_text_ping_gets_a_pong(new_client: Connect, text: str) -> None:
    a, b = members(new_client, 2)
    b.send_text(text)
    if text.startswith("/"):
        assert [f["code"] for f in b.sync()] == ["unknown_command"]
        assert a.sync() == []
    else:
        assert b.sync() == []
        assert a.sync() == [{"type": "chat", "from": "guest-2", "text": text}]


@pytest.mark.parametrize("text", ["/who", "/who is there", "/who  "])
def test_who_answers_the_sender_alone(new_client: Connect, text: str) -> None:
    a, b, c = members(new_client, 3)
    b.send_text("/name bob")
    b.send_text(text)
    assert b.sync() == [
        roster("guest-1", "bob", "guest-3"),
        {"type": "notice", "from": "server", "text": "users: guest-1, bob, guest-3"},
        roster("guest-1", "bob", "guest-3"),
    ]
    for other in (a, c):
        assert other.sync() == [roster("guest-1", "bob", "guest-3")]


@pytest.mark.parametrize("text", ["/help", "/help me please"])
def test_help_answers_the_sender_alone(new_client: Connect, text: str) -> None:
    a, b = members(new_client, 2)
    b.send_text(text)
    [notice] = b.sync()
    assert (notice["type"], notice["from"]) == ("notice", "server")
    for command in ("/name", "/who", "/help"):
        assert command in notice["text"]
    assert a.sync() == []


@pytest.mark.parametrize("text", ["/nope", "/WHO", "/Help", "/", "/ who", "/whoami", "/name\tbob"])
def test_unknown_command_is_an_error_to_the_sender_alone(new_client: Connect, text: str) -> None:
    a, b = members(new_client, 2)
    b.send_text(text)
    [error] = b.sync()
    assert (error["type"], error["code"]) == ("error", "unknown_command")
    assert a.sync() == []
    b.send_text("/who")
    assert b.sync()[0]["text"] == "users: guest-1, guest-2"


# -- sync --------------------------------------------------------------------------------


def test_sync_is_answered_to_the_sender_alone_after_its_earlier_frames(
    new_client: Connect,
) -> None:
    a, b = members(new_client, 2)
    b.send_raw(
        b'{"type":"chat","text":"one"}\n'
        b'{"type":"chat","text":"/name bee"}\n'
        b'{"type":"chat","text":"/who"}\n'
        b'{"type":"shout"}\n'
        b'{"type":"sync","id":"barrier"}\n'
    )
    frames = b.recv_until(lambda f: f["type"] == "sync")
    assert [f["type"] for f in frames] == ["roster", "notice", "roster", "error", "sync"]
    assert frames[1]["text"] == "users: guest-1, bee"
    assert frames[-1] == {"type": "sync", "id": "barrier"}
    assert a.sync() == [
        {"type": "chat", "from": "guest-2", "text": "one"},
        roster("guest-1", "bee"),
    ]  # no sync answer of b's among them
    assert b.sync() == []


# -- resets ------------------------------------------------------------------------------


def test_200_clients_reset_mid_frame_leave_the_server_up_and_the_roster_right(
    server_process: ChatServer, new_client: Connect
) -> None:
    observer, survivor = members(new_client, 2)
    left: set[str] = set()
    for batch in range(10):
        clients = [new_client(label=f"reset-{batch}-{i}") for i in range(20)]
        for client in clients:
            assert client.recv()["type"] == "notice"  # a member for sure
            client.send_raw(b'{"type":"chat","text":"half a fr')
        for client in clients:
            client.abort()
        while len(left) < 20 * (batch + 1):  # each recv is bounded; so is the frame count
            frame = observer.recv(timeout=10.0)
            assert frame["type"] != "chat", frame  # no half frame was ever handled
            if frame["type"] == "leave":
                left.add(frame["user"])
    assert left == {f"guest-{n}" for n in range(3, 203)}
    assert observer.recv_until(lambda f: f["type"] == "roster")[-1] == roster("guest-1", "guest-2")
    observer.send_text("/who")
    assert observer.sync() == [
        {"type": "notice", "from": "server", "text": "users: guest-1, guest-2"},
        roster("guest-1", "guest-2"),
    ]
    frames = survivor.sync()  # produced after every leave the observer saw
    assert sum(f["type"] == "leave" for f in frames) == 200
    assert [f for f in frames if f["type"] == "roster"][-1] == roster("guest-1", "guest-2")
    assert server_process.poll() is None
    assert new_client(label="after").recv() == welcome(203)
