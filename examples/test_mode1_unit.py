"""Mode 1, as a downstream project writes it: the bound C++ core, in-process.

No socket and no subprocess: these call the same object code the server
runs, so they are the cheapest place to pin protocol and room logic.
"""

import pytest

import pytest_chatlab as chatlab

# Tests that build their own Room use no chatlab fixture, so they say their level.
pytestmark = pytest.mark.unit


def test_ping_is_answered_with_pong_to_the_whole_room():
    room = chatlab.Room()
    room.join(1)

    effects = room.handle_message(1, chatlab.Message(type="chat", text="ping"))

    pongs = [e for e in effects if e.message.type == "notice" and e.message.text == "pong"]
    assert len(pongs) == 1
    assert pongs[0].target == chatlab.Target.All


def test_cpp_encoder_and_mock_frame_builder_agree_byte_for_byte():
    # The mock is the one second implementation of the framing; this pins it.
    message = chatlab.Message(type="chat", sender="alice", text="hi")

    assert chatlab.encode(message).encode() == chatlab.wire.encode(
        {"type": "chat", "from": "alice", "text": "hi"}
    )


def test_a_chat_line_reaches_everyone_but_its_sender(room):
    # `room` is the plugin's fixture: a fresh Room, and the test is marked `unit`.
    room.join(1)
    room.join(2)
    room.handle_line(2, '{"type":"chat","text":"/name bob"}')

    (chat,) = room.handle_line(2, '{"type":"chat","text":"hello","from":"mallory"}')

    assert chat.target == chatlab.Target.AllExcept
    assert chat.session == 2
    assert chat.message == chatlab.Message(type="chat", sender="bob", text="hello")
