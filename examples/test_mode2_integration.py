"""Mode 2, as a downstream project writes it: the real server, a Python mock.

The mock speaks the real wire over a real socket, so it can send what the
C++ client never would: malformed JSON, split frames, lies in `from`.
"""


def test_malformed_json_gets_an_error_frame_and_the_server_keeps_serving(new_client):
    client = new_client()
    client.recv_until_idle()  # the welcome and roster, read the article's way

    client.send_raw(b"this is not json\n")  # no conformant client can send this

    errors = [f for f in client.recv_until_idle() if f["type"] == "error"]
    assert errors
    assert errors[0]["code"] == "bad_json"
    client.send_text("/who")  # ...and the same connection is still served
    assert any(f["type"] == "notice" for f in client.recv_until_idle())


def test_sync_replaces_the_idle_wait(new_client):
    alice, bob = new_client(label="alice"), new_client(label="bob")
    bob.sync()  # everything the server sent bob so far is read: no guessing

    alice.send_json({"type": "chat", "text": "hi bob", "from": "the queen"})
    alice.sync()  # the server has handled alice's line, so bob's copy is on its way

    chat = bob.expect(type="chat")
    assert chat["from"] == "guest-1"  # the server stamps the real sender
    assert chat["text"] == "hi bob"
