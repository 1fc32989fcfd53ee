"""events.py: one event type, and frames shown as the canonical encoder writes them."""

from __future__ import annotations

import pytest

import pytest_chatlab as chatlab
from pytest_chatlab.events import Event, frame_text, listing

pytestmark = pytest.mark.unit


def test_a_frame_reads_the_same_from_the_mock_the_device_and_the_encoder():
    message = chatlab.Message(type="chat", sender="alice", text='é \\ "q" \x01')
    as_dict = {"type": "chat", "from": "alice", "text": 'é \\ "q" \x01'}
    assert frame_text(message) == frame_text(as_dict) == chatlab.encode(message).rstrip("\n")


@pytest.mark.parametrize(
    ("data", "shown"),
    [
        ({"type": "sync", "id": "s"}, '{"id":"s","type":"sync"}'),
        (b"\xff\n", "raw b'\\xff\\n'"),
        ("closed by the server", "closed by the server"),
        ("+OK \udcff", "+OK \\xff"),  # a text line, its undecodable byte escaped
        ({"result": None}, '{"result":null}'),  # a null shown as a peer sent it
        (ValueError("boom"), "callback raised ValueError: boom"),
    ],
)
def test_an_event_renders_each_kind_of_data_on_one_line(data, shown):
    line = Event("recv", 10.5, data).render(since=10.0)
    assert line == f"  +0.5000s  recv     {shown}"


def test_an_events_data_is_shortened_to_the_limit():
    line = Event("sent", 1.0, {"type": "chat", "text": "x" * 5000}).render(1.0, max_bytes=200)
    assert "left out]" in line
    assert len(line) < 400


def test_a_listing_counts_and_shows_what_arrived():
    assert listing([]) == "no frame arrived"
    assert listing([], "messages") == "no message arrived"
    assert listing([{"type": "leave", "user": "b"}]) == (
        '1 frames arrived:\n  {"type":"leave","user":"b"}'
    )
