"""docs/protocol.md "/name" over the real wire: valid, taken, reserved, bad, and the race.

Where docs/protocol.md is silent, docs/protocol.md's reading is pinned: renaming
to one's own name in another case is allowed; a guest's own guest name in
another case is reserved.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from pytest_chatlab.mock import MockClient
from pytest_chatlab.server import ChatServer
from support.names import BAD_NAME_COMMANDS, RESERVED_NAMES, VALID_NAMES

Connect = Callable[..., MockClient]


def members(new_client: Connect, count: int) -> list[MockClient]:
    """guest-1..guest-count, each past every join and roster so far."""
    clients: list[MockClient] = []
    for n in range(count):
        clients.append(new_client(label=f"guest-{n + 1}"))
    for client in clients:
        client.recv_until(lambda f, c=count: f["type"] == "roster" and len(f["users"]) == c)
        assert client.sync() == []
    return clients


def error_code(client: MockClient, text: str) -> str | None:
    """Sends ``text``; the error code it got, or None if it got no error."""
    client.send_text(text)
    errors = [f for f in client.sync() if f["type"] == "error"]
    assert len(errors) <= 1, errors
    return errors[0]["code"] if errors else None


def test_success_sends_the_roster_to_every_member(new_client: Connect) -> None:
    clients = members(new_client, 3)
    clients[1].send_text("/name alice")
    # The renamer first: its answer means /name was handled, so the others'
    # syncs are answered after the roster went out to them.
    for client in (clients[1], clients[0], clients[2]):
        assert client.sync() == [{"type": "roster", "users": ["guest-1", "alice", "guest-3"]}]
    clients[1].send_text("hello")
    clients[1].sync()
    assert clients[0].expect(type="chat") == {"type": "chat", "from": "alice", "text": "hello"}


@pytest.mark.parametrize("name", VALID_NAMES)
def test_valid_names_are_accepted(new_client: Connect, name: str) -> None:
    [client] = members(new_client, 1)
    client.send_text(f"/name {name}")
    assert client.sync() == [{"type": "roster", "users": [name]}]


def test_the_name_follows_the_first_run_of_spaces(new_client: Connect) -> None:
    [client] = members(new_client, 1)
    client.send_text("/name    bob")
    assert client.sync() == [{"type": "roster", "users": ["bob"]}]


@pytest.mark.parametrize("text", BAD_NAME_COMMANDS.values(), ids=BAD_NAME_COMMANDS.keys())
def test_bad_names_are_refused_and_the_old_name_kept(new_client: Connect, text: str) -> None:
    other, client = members(new_client, 2)
    assert error_code(client, text) == "bad_name"
    assert other.sync() == []  # no roster went out
    client.send_text("still me")
    client.sync()
    assert other.expect(type="chat") == {"type": "chat", "from": "guest-2", "text": "still me"}


@pytest.mark.parametrize("name", RESERVED_NAMES)
def test_reserved_names_are_taken(new_client: Connect, name: str) -> None:
    other, client = members(new_client, 2)
    assert error_code(client, f"/name {name}") == "name_taken"
    assert other.sync() == []
    client.send_text("/who")
    assert client.sync()[0]["text"] == "users: guest-1, guest-2"


@pytest.mark.parametrize("name", ["alice", "ALICE", "Alice", "aLiCe"])
def test_a_name_held_by_another_is_taken_ignoring_case(new_client: Connect, name: str) -> None:
    holder, client, third = members(new_client, 3)
    holder.send_text("/name alice")
    for member in (holder, client, third):
        member.expect(type="roster", users=["alice", "guest-2", "guest-3"])
    assert error_code(client, f"/name {name}") == "name_taken"
    assert third.sync() == []
    client.send_text("old name")
    client.sync()
    assert third.expect(type="chat") == {"type": "chat", "from": "guest-2", "text": "old name"}


def test_a_name_is_free_again_once_its_holder_left(new_client: Connect) -> None:
    holder, client = members(new_client, 2)
    assert error_code(holder, "/name alice") is None
    client.expect(type="roster", users=["alice", "guest-2"])
    holder.close()
    client.expect(type="leave", user="alice")
    assert error_code(client, "/name Alice") is None


def test_renaming_to_ones_own_name_is_a_noop_that_sends_the_roster(new_client: Connect) -> None:
    other, client = members(new_client, 2)
    client.send_text("/name guest-2")
    assert client.sync() == [{"type": "roster", "users": ["guest-1", "guest-2"]}]
    assert other.sync() == [{"type": "roster", "users": ["guest-1", "guest-2"]}]
    client.send_text("/name bob")
    client.send_text("/name bob")
    assert client.sync() == [{"type": "roster", "users": ["guest-1", "bob"]}] * 2
    assert other.sync() == [{"type": "roster", "users": ["guest-1", "bob"]}] * 2


def test_own_name_in_another_case(new_client: Connect) -> None:
    # docs/protocol.md: a held name may change its spelling; a guest name may not.
    other, client = members(new_client, 2)
    assert error_code(client, "/name GUEST-2") == "name_taken"
    assert error_code(client, "/name alice") is None
    assert error_code(client, "/name Alice") is None
    assert other.sync() == [
        {"type": "roster", "users": ["guest-1", "alice"]},
        {"type": "roster", "users": ["guest-1", "Alice"]},
    ]


def send_together(first: MockClient, second: MockClient, data: bytes) -> None:
    """Both clients send ``data`` at once: two threads released by one barrier."""
    barrier = threading.Barrier(2, timeout=5.0)

    def send(client: MockClient) -> None:
        barrier.wait()
        client.send_raw(data)

    helper = threading.Thread(target=send, args=(second,))
    helper.start()
    try:
        send(first)
    finally:
        helper.join(timeout=5.0)
    assert not helper.is_alive()


def test_two_clients_racing_for_one_name_exactly_one_wins(
    server_process: ChatServer, new_client: Connect
) -> None:
    for trial in range(100):
        name = f"racer{trial}"
        a = new_client(server_process, label=f"a{trial}")
        b = new_client(server_process, label=f"b{trial}")
        a.sync()
        b.sync()
        send_together(a, b, f'{{"type":"chat","text":"/name {name}"}}\n'.encode())
        outcomes = {}
        for label, client in (("a", a), ("b", b)):
            frames = client.sync()
            errors = [f["code"] for f in frames if f["type"] == "error"]
            named = [f for f in frames if f["type"] == "roster" and name in f["users"]]
            outcomes[label] = (errors, bool(named))
            assert all(f["users"].count(name) <= 1 for f in frames if f["type"] == "roster")
        # The winner gets the roster and no error; the loser gets name_taken (and
        # the winner's roster, which every member gets).
        assert sorted(outcomes.values()) == [([], True), (["name_taken"], True)], (
            f"trial {trial}: {outcomes}"
        )
        a.close()
        b.close()
