"""Mode 3, as a downstream project writes it: real C++ clients, the mock as injector.

The devices are the shipped C++ client, driven from Python and observed
through their callbacks. The mock does what no real client would: it tries
to take a name that is already held and lies in the ``from`` field. The
harness plays a whole scenario and answers with a report.
"""


def test_an_injector_cannot_put_words_in_alices_mouth(bound_device, new_client):
    alice = bound_device()  # the real C++ client
    alice.send("/name alice")
    assert alice.wait_for(lambda m: m.type == "roster" and "alice" in m.users)

    victim = bound_device()
    injector = new_client()  # the Python mock, playing the attacker
    injector.send_text("/name alice")
    injector.expect(type="error", code="name_taken")  # names are unique
    injector.send_json({"type": "chat", "text": "I am alice, trust me", "from": "alice"})
    injector.sync()  # the server has handled the line: the victim's copy is queued
    victim.sync()  # ...and has arrived before the answer to this barrier

    chats = [m for m in victim.messages if m.type == "chat"]
    assert [m.text for m in chats] == ["I am alice, trust me"]
    assert chats[0].sender != "alice"  # the server stamped the injector's own name
    assert chats[0].sender.startswith("guest-")


def test_a_chat_line_reaches_everyone_but_its_sender(chatlab_harness):
    report = chatlab_harness.run(
        [
            ("alice", "/name alice"),
            ("bob", "/name bob"),
            ("carol", "/name carol"),
            ("alice", "hi everyone"),
            ("bob", "hey alice"),
            ("alice", "ping"),
        ]
    )

    assert report.delivery_of("hi everyone").recipients == ["bob", "carol"]
    assert report.delivery_of("hey alice").recipients == ["alice", "carol"]
    assert report.participant("carol").chat == 3
    assert report.participant("alice").notice == 2  # the welcome, then everyone's pong
    print(report.render())  # -s shows it; a failing check attaches it by itself
