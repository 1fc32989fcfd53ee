"""MockClient against the real chatlab-server, and against a bare local socket
for what the real server never does (sending lines that are not JSON)."""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Callable

import pytest

from pytest_chatlab.mock import INVALID, ConnectionClosedError, MockClient
from pytest_chatlab.server import ChatServer

Connect = Callable[..., MockClient]
Peer = Callable[[], tuple[MockClient, socket.socket]]


def joined(new_client: Connect) -> MockClient:
    """A client past its welcome and roster."""
    client = new_client()
    client.expect(type="roster")
    return client


# -- receiving from the real server -----------------------------------------------


def test_connect_gets_welcome_then_roster(new_client: Connect) -> None:
    client = new_client()
    assert client.recv() == {"type": "notice", "from": "server", "text": "welcome, guest-1"}
    assert client.recv() == {"type": "roster", "users": ["guest-1"]}
    assert client.sync() == []


def test_broadcast_reaches_the_others_but_not_the_sender(new_client: Connect) -> None:
    alice = joined(new_client)
    bob = joined(new_client)
    assert alice.recv_until(lambda f: f["type"] == "roster") == [
        {"type": "join", "user": "guest-2"},
        {"type": "roster", "users": ["guest-1", "guest-2"]},
    ]
    bob.send_text("hi all")
    assert alice.expect(type="chat", sender="guest-2")["text"] == "hi all"
    assert bob.sync() == []


def test_recv_until_stops_at_the_match_and_leaves_the_rest(new_client: Connect) -> None:
    client = new_client()
    assert client.recv_until(lambda f: f["type"] == "notice") == [
        {"type": "notice", "from": "server", "text": "welcome, guest-1"}
    ]
    assert client.recv()["type"] == "roster"


def test_recv_until_timeout_lists_and_keeps_the_frames(new_client: Connect) -> None:
    client = new_client()
    client.sync()  # both greeting frames are consumed; now only the next answers come
    client.send_text("/who")
    started = time.monotonic()
    with pytest.raises(TimeoutError) as caught:
        client.recv_until(lambda f: f["type"] == "chat", timeout=0.3)
    assert 0.3 <= time.monotonic() - started < 2.0
    message = str(caught.value)
    assert "users: guest-1" in message
    assert "waited 0.3 s" in message
    assert [f["type"] for f in client.recv_until_idle()] == ["notice", "roster"]


def test_recv_timeout_says_what_it_waited_for(new_client: Connect) -> None:
    client = new_client()
    client.sync()
    with pytest.raises(TimeoutError, match=r"waited 0\.1 s for the next frame") as caught:
        client.recv(timeout=0.1)
    assert "welcome, guest-1" in str(caught.value)  # the recent events are shown


def test_recv_until_idle_drains_then_returns_empty(new_client: Connect) -> None:
    client = new_client()
    first = client.recv_until_idle()
    assert [f["type"] for f in first] == ["notice", "roster"]
    started = time.monotonic()
    assert client.recv_until_idle(idle=0.1) == []
    assert 0.1 <= time.monotonic() - started < 1.0


def test_sync_returns_what_came_before_its_answer(new_client: Connect) -> None:
    client = new_client()
    client.send_text("/who")
    frames = client.sync()
    assert [f["type"] for f in frames] == ["notice", "roster", "notice", "roster"]
    assert frames[2]["text"] == "users: guest-1"
    assert not any(f["type"] == "sync" for f in frames)
    assert client.recv_until_idle() == []  # the answer was consumed


def test_expect_skips_other_frames(new_client: Connect) -> None:
    client = new_client()
    roster = client.expect(type="roster", users=["guest-1"])
    assert roster == {"type": "roster", "users": ["guest-1"]}
    assert client.sync() == []  # the welcome before it was consumed


def test_expect_failure_lists_what_came(new_client: Connect) -> None:
    client = new_client()
    with pytest.raises(AssertionError) as caught:
        client.expect(type="chat", sender="nobody", timeout=0.2)
    message = str(caught.value)
    assert "'from': 'nobody'" in message
    assert "welcome, guest-1" in message
    assert '"users":["guest-1"]' in message
    assert client.recv()["type"] == "notice"  # a failed expect consumed nothing


def test_expect_failure_on_close_says_so(chatlab_server_factory: Callable[..., ChatServer]) -> None:
    server = chatlab_server_factory(max_frame_bytes=16)
    with MockClient(server.address) as client:
        client.send_raw(b"x" * 100)
        with pytest.raises(AssertionError, match="server closed the connection") as caught:
            client.expect(type="chat")
        assert "frame_too_large" in str(caught.value)


# -- robustness of the real server, driven by the mock ---------------------------------


def test_bad_json_is_answered_and_the_connection_stays_served(new_client: Connect) -> None:
    client = joined(new_client)
    client.send_raw(b"this is not json\n")
    assert client.expect(type="error")["code"] == "bad_json"
    client.send_text("/who")
    assert client.expect(type="notice")["text"] == "users: guest-1"


def test_send_split_reassembles_even_inside_a_utf8_character(new_client: Connect) -> None:
    listener = joined(new_client)
    talker = joined(new_client)
    listener.sync()
    data = json.dumps({"type": "chat", "text": "héllo wörld"}, ensure_ascii=False).encode() + b"\n"
    inside_e = data.index("é".encode()) + 1
    talker.send_split(data, at=[1, inside_e, len(data) - 1], delay=0.01)
    talker.send_split(data, at=range(1, len(data)))  # one byte per write
    assert talker.sync() == []
    chats = [f for f in listener.sync() if f["type"] == "chat"]
    assert [c["text"] for c in chats] == ["héllo wörld", "héllo wörld"]
    sent = [e for e in talker.log if e.direction == "sent"]
    assert len(sent) == 4 + len(data) + 1  # the two splits' pieces, then one sync


def test_send_split_refuses_offsets_outside_the_data(new_client: Connect) -> None:
    client = new_client()
    with pytest.raises(ValueError, match="inside"):
        client.send_split(b"abc", at=[3])


def test_half_close_still_gets_the_answers_then_eof(new_client: Connect) -> None:
    client = new_client()
    client.send_text("/who")
    client.shutdown_write()
    assert client.wait_closed()
    assert client.server_closed
    frames = client.recv_until_idle()
    assert [f["type"] for f in frames] == ["notice", "roster", "notice", "roster"]
    with pytest.raises(ConnectionClosedError):
        client.recv()


def test_abort_resets_and_the_others_see_a_leave(new_client: Connect) -> None:
    stays = joined(new_client)
    goes = joined(new_client)
    stays.expect(type="roster", users=["guest-1", "guest-2"])
    goes.abort()
    goes.abort()  # idempotent
    assert goes.closed
    assert stays.expect(type="leave") == {"type": "leave", "user": "guest-2"}
    assert stays.expect(type="roster") == {"type": "roster", "users": ["guest-1"]}


def test_frame_too_large_error_stays_readable_after_eof(
    chatlab_server_factory: Callable[..., ChatServer],
) -> None:
    server = chatlab_server_factory(max_frame_bytes=64)
    with MockClient(server.address) as client:
        client.sync()
        client.send_raw(b"y" * 65)
        assert client.wait_closed()
        assert client.expect(type="error")["code"] == "frame_too_large"
        assert client.log[-1].direction == "eof"


def test_server_full_refuses_with_a_frame_then_closes(
    chatlab_server_factory: Callable[..., ChatServer],
) -> None:
    server = chatlab_server_factory(max_clients=1)
    with MockClient(server.address) as first:
        first.sync()  # a member now
        second = MockClient(server.address)
        assert second.wait_closed()
        assert second.recv()["code"] == "server_full"
        with pytest.raises(ConnectionClosedError, match="server closed"):
            second.recv()
        second.close()


def test_wait_closed_times_out_while_the_server_keeps_it_open(new_client: Connect) -> None:
    client = new_client()
    assert not client.wait_closed(timeout=0.1)
    assert not client.server_closed


def test_stopping_the_server_closes_the_client(
    chatlab_server_factory: Callable[..., ChatServer],
) -> None:
    server = chatlab_server_factory()
    with MockClient(server.address) as client:
        client.sync()
        server.stop()
        assert client.wait_closed()
        assert client.recv_until_idle() == []


def test_log_records_both_directions_in_order(new_client: Connect) -> None:
    client = new_client(label="alice-mock")
    client.sync()
    client.send_raw(b"{}\n")
    client.expect(type="error", code="bad_frame")
    # In the order the test saw them: new_client read the greeting before returning.
    directions = [entry.direction for entry in client.log]
    assert directions == ["recv", "recv", "sent", "recv", "sent", "recv"]
    times = [entry.time for entry in client.log]
    assert times == sorted(times)
    text = client.format_log()
    assert text.startswith("alice-mock (")
    assert "raw b'{}\\n'" in text
    assert "bad_frame" in text


def test_close_is_idempotent_and_blocks_further_use(new_client: Connect) -> None:
    client = new_client()
    client.close()
    client.close()
    assert client.closed
    with pytest.raises(ConnectionClosedError, match="closed"):
        client.send_text("hi")
    # The greeting read before the close stays readable; then the end shows.
    assert [client.recv()["type"], client.recv()["type"]] == ["notice", "roster"]
    with pytest.raises(ConnectionClosedError, match="this client was closed"):
        client.recv()


def test_connect_classmethod_and_address(server_process: ChatServer) -> None:
    with MockClient.connect(*server_process.address, label="c") as client:
        assert client.address == server_process.address
        assert client.local_port > 0
        assert client.recv()["type"] == "notice"
    assert client.closed


# -- what only a bare socket can do ---------------------------------------------------


def test_invalid_lines_are_kept_not_dropped(peer: Peer) -> None:
    client, server_side = peer()
    server_side.sendall(b'not json\n{"type":"notice"}\n[1]\n\xff\xfe\n')
    frames = [client.recv() for _ in range(4)]
    assert frames[0]["type"] == INVALID
    assert frames[0]["raw"] == "not json"
    assert frames[0]["reason"].startswith("bad_json")
    assert frames[1] == {"type": "notice"}
    assert frames[2]["type"] == INVALID
    assert frames[2]["reason"].startswith("bad_frame")
    assert frames[3]["raw"] == "\ufffd\ufffd"
    assert [e.data for e in client.log] == frames


def test_frames_cut_anywhere_are_reassembled(peer: Peer) -> None:
    client, server_side = peer()
    server_side.sendall(b'{"type":"a"}\r\n{"ty')
    assert client.recv() == {"type": "a"}
    with pytest.raises(TimeoutError):
        client.recv(timeout=0.05)
    server_side.sendall(b'pe":"b"}\n')
    assert client.recv() == {"type": "b"}


def test_reset_by_the_peer_ends_the_connection(peer: Peer) -> None:
    client, server_side = peer()
    server_side.sendall(b'{"type":"last"}\n')
    server_side.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    server_side.close()
    assert client.wait_closed()
    assert client.recv() == {"type": "last"}
    assert client.server_closed


def test_recv_until_idle_gives_up_on_a_line_that_never_goes_quiet(peer: Peer) -> None:
    client, server_side = peer()
    stop = threading.Event()

    def chatter() -> None:
        while not stop.wait(0.01):  # pacing the traffic, not waiting for anything
            server_side.sendall(b'{"type":"tick"}\n')

    thread = threading.Thread(target=chatter)
    thread.start()
    try:
        with pytest.raises(TimeoutError, match=r"quiet for 0\.2 s"):
            client.recv_until_idle(idle=0.2, timeout=0.5)
    finally:
        stop.set()
        thread.join()


def test_unterminated_tail_at_eof_is_noted_in_the_log(peer: Peer) -> None:
    client, server_side = peer()
    server_side.sendall(b'{"type":"x"}\n{"type":')
    server_side.shutdown(socket.SHUT_WR)
    assert client.wait_closed()
    assert client.recv() == {"type": "x"}
    assert "unterminated tail" in client.format_log()
