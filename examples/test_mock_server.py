"""The other direction, as a downstream project writes it: the real client, a lying server.

`mock_server` answers like chatlab-server until the test makes it lie. The
C++ client must survive every lie: record the bad line, keep the good ones,
and end a broken connection with a reason.
"""

import pytest


def test_the_client_skips_a_lying_frame_and_keeps_the_good_ones(mock_server, bound_device):
    alice = bound_device(server=mock_server)  # the real C++ client, welcomed as by the server
    assert alice.name == "guest-1"
    conn = mock_server.wait_client()  # the server's side of alice's connection

    conn.send_raw(b'{"type":"chat","from":"bob","text":7}\n')  # a text that is no string
    conn.send_json({"type": "chat", "from": "bob", "text": "still friends?"})

    chat = alice.wait_for(lambda m: m.type == "chat")
    assert chat.text == "still friends?"
    assert alice.invalid_lines == ['bad_frame: \'{"type":"chat","from":"bob","text":7}\'']
    assert alice.connected


def test_a_sync_the_server_never_answers_fails_in_time(mock_server, bound_device):
    mock_server.drop(lambda frame: frame["type"] == "sync")
    alice = bound_device(server=mock_server)

    with pytest.raises(TimeoutError, match=r"waited 0\.2 s for the answer to sync"):
        alice.sync(timeout=0.2)


def test_a_reset_mid_frame_ends_the_connection_with_a_reason(mock_server, bound_device):
    alice = bound_device(server=mock_server)
    conn = mock_server.wait_client()

    conn.send_raw(b'{"type":"chat","te')  # half a frame...
    conn.abort()  # ...then a reset

    assert alice.wait_closed(timeout=5.0)
    assert alice.close_reason == "connection failed: Connection reset by peer"
