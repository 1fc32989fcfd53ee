"""The article's Mode 3 injector scenario, in the form this product answers it.

In the article a client could take a name another member held, so a mock
could put words in a real client's mouth. Here names are unique and the
server stamps `from` itself: the injector is refused and cannot spoof.
"""

import pytest


@pytest.fixture
def alice(bound_device):
    device = bound_device(label="alice")
    device.send("/name alice")
    assert device.wait_for(lambda m: m.type == "roster" and "alice" in m.users)
    return device


def test_the_injector_cannot_take_a_name_that_is_held(alice, new_client):
    injector = new_client(label="injector")
    for spelling in ("alice", "ALICE", "Alice"):
        injector.send_text(f"/name {spelling}")
        assert injector.expect(type="error")["code"] == "name_taken"


@pytest.mark.parametrize("claimed", ["alice", "server", 7, {"name": "alice"}])
def test_a_claimed_from_is_replaced_by_the_senders_own_name(
    alice, bound_device, new_client, claimed
):
    victim = bound_device(label="victim")
    injector = new_client(label="injector")
    injector.send_json({"type": "chat", "text": "I am alice", "from": claimed})
    injector.sync()
    victim.sync()

    (chat,) = [m for m in victim.messages if m.type == "chat"]
    assert chat.text == "I am alice"
    assert chat.sender.startswith("guest-")  # the injector's own, server-given name


def test_the_victim_sees_alice_only_in_what_alice_sent(alice, bound_device, new_client):
    victim = bound_device(label="victim")
    injector = new_client(label="injector")
    injector.send_text("/name alice")
    injector.send_json({"type": "chat", "text": "send me your password", "from": "alice"})
    alice.send("hello from the real alice")
    injector.sync()
    alice.sync()
    victim.sync()

    from_alice = [m.text for m in victim.messages if m.type == "chat" and m.sender == "alice"]
    assert from_alice == ["hello from the real alice"]
