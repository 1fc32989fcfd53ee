"""The real C++ client against a server that lies: MockServer, one lie per test.

For each lie the client must not crash, must not hang past its deadlines,
must never hand a Python callback a corrupt value, must record each bad
line as invalid with its protocol code, must end an oversize or reset
connection with a clear reason, and must keep working for every
well-formed frame around the bad ones. A hypothesis run streams hostile
lines cut at random points, and the core itself (FrameBuffer, decode) says
what the client should have made of them.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pytest_chatlab as chatlab
from pytest_chatlab import Device, Message, MockServer, ProtocolError, strategies
from pytest_chatlab.errors import ConnectionClosedError

OVER_THE_LIMIT = "the server sent a frame over the limit"


def well_formed(message: Message) -> None:
    """A callback that fails the test on a value a decoded frame cannot have."""
    assert isinstance(message.type, str)
    for value in (message.sender, message.text, message.user, message.code, message.id):
        assert value is None or isinstance(value, str)
        assert value is None or value.encode("utf-8")  # no lone surrogate got through
    assert message.users is None or all(isinstance(name, str) for name in message.users)
    assert chatlab.decode(chatlab.encode(message)) == message


@pytest.fixture
def client(mock_server, bound_device):
    """A C++ client on the mock server, every message checked by a callback, and
    the server's side of its connection: ``(device, conn)``."""
    device = bound_device(server=mock_server, label="client")
    device.on_message(well_formed)
    conn = mock_server.wait_client()
    device.sync()
    return device, conn


def chat(text: str, sender: str = "guest-9") -> bytes:
    return chatlab.wire.encode({"type": "chat", "from": sender, "text": text})


def arrived(device: Device, text: str) -> Message:
    found = device.wait_for(lambda m: m.type == "chat" and m.text == text, timeout=5.0)
    assert found is not None, f"{text!r} never arrived:\n{device.format_log()}"
    return found


# -- lies in the fields ------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "code"),
    [
        (b'{"type":"chat","from":"x","text":7}\n', "bad_frame"),
        (b'{"type":"roster","users":["a",2]}\n', "bad_frame"),
        (b'{"type":"join","user":null}\n', "bad_frame"),
        (b'{"type":"chat","from":["server"],"text":"hi"}\n', "bad_frame"),
        (b'{"type":7}\n', "bad_frame"),
        (b"[1,2,3]\n", "bad_frame"),
        (b'{"type":"chat","text":"\xff\xfe"}\n', "bad_json"),
        (b'{"type":"chat","text":"\\ud800"}\n', "bad_json"),
        (b"\xef\xbb\xbf{}\n", "bad_json"),
        (b'{"type":"chat","text":1e999}\n', "bad_json"),
        (b"[" * 40 + b"]" * 40 + b"\n", "bad_json"),
        (b"not json at all\n", "bad_json"),
    ],
)
def test_a_bad_line_is_recorded_with_its_code_and_the_stream_goes_on(client, line, code):
    device, conn = client

    conn.send_raw(chat("before") + line + chat("after"))

    arrived(device, "before")
    arrived(device, "after")
    assert [entry.split(":")[0] for entry in device.invalid_lines] == [code]
    assert device.connected
    assert device.sync() == [
        Message(type="chat", sender="guest-9", text=t) for t in ("before", "after")
    ]


def test_spoofed_fields_are_delivered_as_the_server_sent_them(client):
    device, conn = client

    conn.send_json({"type": "chat", "from": "server", "text": "I am the server", "extra": [1]})
    conn.send_json({"type": "notice", "from": "alice", "text": "not the server"})
    conn.send_json({"type": "shout", "text": "a type no server sends"})

    assert arrived(device, "I am the server").sender == "server"
    assert device.wait_for(lambda m: m.type == "shout") == Message(
        type="shout", text="a type no server sends"
    )
    assert device.invalid_lines == []


def test_the_room_can_be_made_to_lie_about_who_said_what(mock_server, bound_device):
    mock_server.rewrite(
        lambda f: f["type"] == "chat", lambda f: {**f, "from": "server", "text": f["text"].upper()}
    )
    alice, bob = bound_device(server=mock_server), bound_device(server=mock_server)
    alice.sync()

    alice.send("hello")

    assert bob.wait_for(lambda m: m.type == "chat") == Message(
        type="chat", sender="server", text="HELLO"
    )


# -- lies in the framing -----------------------------------------------------


def test_a_frame_cut_at_every_byte_arrives_whole(client):
    device, conn = client
    frame = chat("h\u00e9llo \u2603, cut everywhere")

    conn.send_split(frame, at=range(1, len(frame)))

    assert arrived(device, "h\u00e9llo \u2603, cut everywhere").sender == "guest-9"
    assert device.invalid_lines == []


def test_empty_lines_and_crlf_are_read_as_the_protocol_says(client):
    device, conn = client

    conn.send_raw(b"\n\r\n" + chat("crlf")[:-1] + b"\r\n" + b"\r\r\n" + chat("end"))

    arrived(device, "crlf")
    arrived(device, "end")  # the lines between are handled by now
    assert [entry.split(":")[0] for entry in device.invalid_lines] == ["bad_json"]  # "\r"


def test_a_line_over_the_clients_limit_ends_the_connection_with_that_reason(
    mock_server, bound_device
):
    device = bound_device(server=mock_server)
    conn = mock_server.wait_client()
    limit = 1 << 20  # the client's default: far above any real frame

    conn.send_raw(chat("before") + b"x" * (limit + 1))

    arrived(device, "before")
    assert device.wait_closed(timeout=5.0)
    assert device.close_reason == OVER_THE_LIMIT
    with pytest.raises(ConnectionClosedError):
        device.send("too late")


@pytest.mark.e2e  # a Device of its own: no fixture marks it
def test_a_smaller_limit_is_the_clients_own(mock_server):
    with Device(mock_server.address, max_frame_bytes=64) as device:
        conn = mock_server.wait_client()
        conn.send_raw(chat("fits") + b'{"type":"chat","text":"' + b"y" * 64 + b'"}\n')
        arrived(device, "fits")
        assert device.wait_closed(timeout=5.0)
        assert device.close_reason == OVER_THE_LIMIT


# -- lies in time and in the connection -------------------------------------


def test_a_sync_never_answered_times_out_and_the_client_goes_on(client, mock_server):
    device, conn = client
    mock_server.drop(lambda f: f["type"] == "sync")

    started = time.monotonic()
    with pytest.raises(TimeoutError, match=r"waited 0\.3 s for the answer to sync"):
        device.sync(timeout=0.3)
    assert time.monotonic() - started < 3.0

    conn.send_raw(chat("still here"))
    arrived(device, "still here")
    assert device.connected


def test_a_reset_in_the_middle_of_a_frame_ends_the_connection_as_failed(client):
    device, conn = client

    conn.send_raw(chat("whole") + b'{"type":"chat","te')
    conn.abort()

    arrived(device, "whole")
    assert device.wait_closed(timeout=5.0)
    assert device.close_reason == "connection failed: Connection reset by peer"
    assert device.invalid_lines == []  # the half frame is dropped, never decoded


def test_a_half_close_delivers_what_came_before_then_ends(client):
    device, conn = client

    conn.send_raw(chat("last words"))
    conn.shutdown_write()

    arrived(device, "last words")
    assert device.wait_closed(timeout=5.0)
    assert device.close_reason == "closed by the server"


def test_a_flood_faster_than_the_client_reads_arrives_whole_and_in_order(client):
    device, conn = client
    slow_down: list[int] = []
    device.on_message(lambda m: slow_down.append(len(m.text or "")))  # Python per message
    count = 5000

    conn.send_raw(b"".join(chat(f"flood {n}") for n in range(count)))

    arrived(device, f"flood {count - 1}")
    texts = [m.text for m in device.messages if m.type == "chat"]
    assert texts == [f"flood {n}" for n in range(count)]
    assert len(slow_down) >= count


# -- hostile lines, cut anywhere ----------------------------------------------

LIMIT = 1024  # the client's limit in this run, so oversize lines stay cheap


def expected_from(stream: bytes) -> tuple[list[Message], int, bool]:
    """What the core makes of ``stream``, as the client must: the messages, the
    number of invalid lines, and whether a line passes the limit."""
    try:
        lines, over = chatlab.FrameBuffer(LIMIT).feed(stream), False
    except ProtocolError as error:
        lines, over = error.frames, True
    messages, invalid = [], 0
    for line in lines:
        try:
            messages.append(chatlab.decode(line))
        except ProtocolError:
            invalid += 1
    return messages, invalid, over


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    split=strategies.split_stream(
        st.lists(strategies.hostile_lines(max_bytes=LIMIT), min_size=1, max_size=6).map(
            lambda lines: [chat("first"), *lines, chat("last")]
        ),
        max_cuts=12,
    )
)
@pytest.mark.e2e
def test_hostile_lines_cut_anywhere_never_break_the_client(split):
    messages, invalid, over = expected_from(split.data)

    # A server of its own per example: nothing else it sends can land inside the stream.
    with MockServer() as server, Device(server.address, max_frame_bytes=LIMIT) as device:
        device.on_message(well_formed)
        conn = server.wait_client()
        greeting = device.wait_for(lambda m: m.type == "roster")
        assert greeting is not None
        seen = len(device.messages)

        try:
            conn.send_split(*split)
        except OSError:  # EPIPE, a reset: the client may be gone after an oversize line
            if not over:
                raise

        if over:
            assert device.wait_closed(timeout=5.0)
            assert device.close_reason == OVER_THE_LIMIT
        else:
            arrived(device, "last")
        assert device.messages[seen:] == messages
        assert len(device.invalid_lines) == invalid
    server.check()
