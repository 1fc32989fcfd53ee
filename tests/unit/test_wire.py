"""The mock's wire module, pinned to the C++ codec and framer byte for byte.

docs/protocol.md: "the mock's frame builder (pytest_chatlab.wire) must equal the
C++ encoder byte for byte, and a test proves it on generated messages".
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pytest_chatlab as chatlab
from pytest_chatlab import wire
from pytest_chatlab.strategies import split_stream

pytestmark = pytest.mark.unit

Message = chatlab.Message

OPTIONAL_FIELDS = ["sender", "text", "user", "users", "code", "id"]
JSON_KEY = {"sender": "from"}


def dict_of(message) -> dict:
    """The frame of `message` as the mock writes it: JSON keys, absent fields None."""
    frame = {"type": message.type}
    for field in OPTIONAL_FIELDS:
        frame[JSON_KEY.get(field, field)] = getattr(message, field)
    return frame


def present(frame: dict) -> dict:
    return {key: value for key, value in frame.items() if value is not None}


# --------------------------------------------------------------------------
# Strategies: strings full of what an encoder gets wrong
# --------------------------------------------------------------------------

TRICKY = list('\x00\x01\x07\x08\t\n\x0b\x0c\r\x1b\x1f"\\/ é€\u2028\x7f\U0001f600\U0010ffff')
characters = st.one_of(st.sampled_from(TRICKY), st.characters(codec="utf-8"))
strings = st.text(alphabet=characters, max_size=16)
maybe_strings = st.none() | strings
messages = st.builds(
    Message,
    type=strings,
    sender=maybe_strings,
    text=maybe_strings,
    user=maybe_strings,
    users=st.none() | st.lists(strings, max_size=4),
    code=maybe_strings,
    id=maybe_strings,
)

NASTY = 'é"\\/\x00\n\x1f\U0001f600'
SAMPLE = {
    "sender": "al" + NASTY,
    "text": "",
    "user": NASTY,
    "users": [],
    "code": "bad_json",
    "id": "/" + NASTY,
}
PRESENCE = list(itertools.product([False, True], repeat=len(OPTIONAL_FIELDS)))


def sample_message(mask) -> Message:
    fields = {f: SAMPLE[f] for f, keep in zip(OPTIONAL_FIELDS, mask, strict=True) if keep}
    return Message(type="t" + NASTY, **fields)


def mask_id(mask) -> str:
    return "+".join(f for f, keep in zip(OPTIONAL_FIELDS, mask, strict=True) if keep) or "type-only"


# --------------------------------------------------------------------------
# Byte for byte
# --------------------------------------------------------------------------


def test_article_example_is_byte_for_byte():
    message = Message(type="chat", sender="alice", text="hi")
    assert chatlab.encode(message).encode() == wire.encode(
        {"type": "chat", "from": "alice", "text": "hi"}
    )


@pytest.mark.parametrize("mask", PRESENCE, ids=mask_id)
def test_every_combination_of_fields_is_byte_for_byte(mask):
    message = sample_message(mask)
    assert chatlab.encode(message).encode("utf-8") == wire.encode(dict_of(message))


@pytest.mark.parametrize("mask", PRESENCE, ids=mask_id)
def test_every_combination_of_fields_round_trips(mask):
    message = sample_message(mask)
    assert chatlab.decode(chatlab.encode(message)) == message


@settings(max_examples=300, deadline=None)
@given(messages)
def test_generated_messages_encode_byte_for_byte_like_the_mock(message):
    assert chatlab.encode(message).encode("utf-8") == wire.encode(dict_of(message))


@settings(max_examples=300, deadline=None)
@given(messages)
def test_generated_messages_round_trip_through_the_codec(message):
    assert chatlab.decode(chatlab.encode(message)) == message


@settings(max_examples=150, deadline=None)
@given(messages)
def test_the_mock_reads_what_the_codec_writes(message):
    assert wire.decode(chatlab.encode(message)) == present(dict_of(message))


@settings(max_examples=150, deadline=None)
@given(messages)
def test_the_codec_reads_what_the_mock_writes(message):
    assert chatlab.decode(wire.encode(dict_of(message))) == message


# --------------------------------------------------------------------------
# wire.encode / wire.decode
# --------------------------------------------------------------------------


def test_wire_encode_is_canonical_bytes_with_newline():
    frame = wire.encode({"users": ["b", "a"], "type": "roster", "from": "é/"})
    assert frame == '{"from":"é/","type":"roster","users":["b","a"]}\n'.encode()


def test_wire_encode_leaves_out_none_fields():
    assert wire.encode({"type": "sync", "id": None, "text": None}) == b'{"type":"sync"}\n'


def test_wire_decode_reads_bytes_and_str_with_or_without_newline():
    expected = {"type": "chat", "text": "hé"}
    for line in ('{"type":"chat","text":"hé"}', '{"type":"chat","text":"hé"}\n'):
        assert wire.decode(line) == expected
        assert wire.decode(line.encode()) == expected


@pytest.mark.parametrize(
    "line",
    [
        b"not json",
        b"",
        b'{"type":',
        b'{"text":"\xff"}',
        b'{"n":NaN}',
        b'{"n":-Infinity}',
        b'{"n":1e999}',
        b'{"n":-1e999}',
        b'{"n":1' + b"0" * 400 + b"}",
        b'{"text":"\\ud800"}',
        b'{"text":"\\udc00x"}',
    ],
)
def test_wire_decode_refuses_invalid_json_or_utf8_as_bad_json(line):
    with pytest.raises(chatlab.ProtocolError) as info:
        wire.decode(line)
    assert info.value.code == "bad_json"


@pytest.mark.parametrize("line", ["[]", "5", '"x"', "null"])
def test_wire_decode_refuses_a_non_object_as_bad_frame(line):
    with pytest.raises(chatlab.ProtocolError) as info:
        wire.decode(line)
    assert info.value.code == "bad_frame"


def test_wire_raises_the_same_protocol_error_class():
    from pytest_chatlab.errors import ProtocolError

    assert chatlab.ProtocolError is ProtocolError


# --------------------------------------------------------------------------
# wire.FrameReader
# --------------------------------------------------------------------------


def test_frame_reader_reassembles_bytes_frames():
    reader = wire.FrameReader()
    assert reader.feed(b'{"a":1}\n{"b"') == [b'{"a":1}']
    assert reader.pending == b'{"b"'
    assert reader.feed(b":2}\r\n\n\r\nc") == [b'{"b":2}']
    assert reader.pending == b"c"


def test_frame_reader_keeps_empty_lines_when_told():
    reader = wire.FrameReader(keep_empty=True)
    assert reader.feed(b"a\n\n\r\nb\r\n") == [b"a", b"", b"", b"b"]


def test_canonical_is_the_encoders_format_with_null_kept():
    frame = {"type": "chat", "text": "é"}
    assert wire.canonical(frame) + "\n" == wire.encode(frame).decode()
    assert wire.canonical({"b": None, "a": [1]}) == '{"a":[1],"b":null}'


def test_frame_reader_drops_one_trailing_cr_only():
    assert wire.FrameReader().feed(b"x\r\r\na\rb\n") == [b"x\r", b"a\rb"]


def test_frame_reader_limit_at_exactly_the_limit_is_fine():
    reader = wire.FrameReader(max_frame_bytes=8)
    assert reader.feed(b"x" * 8) == []
    assert reader.feed(b"\n") == [b"x" * 8]
    assert reader.feed(b"x" * 7 + b"\r\n") == [b"x" * 7]


@pytest.mark.parametrize(
    "data",
    [b"x" * 9, b"x" * 9 + b"\n", b"x" * 8 + b"\r\n", b"ok\n" + b"x" * 9, b"x" * 8 + b"\r"],
    ids=["partial", "complete", "cr counts", "after a frame", "partial with cr"],
)
def test_frame_reader_over_the_limit_is_frame_too_large(data):
    with pytest.raises(chatlab.ProtocolError) as info:
        wire.FrameReader(max_frame_bytes=8).feed(data)
    assert info.value.code == "frame_too_large"


def test_frame_reader_default_limit_is_the_protocol_one():
    assert wire.DEFAULT_MAX_FRAME_BYTES == 65536
    assert wire.FrameReader().feed(b"x" * 65536 + b"\n") == [b"x" * 65536]
    with pytest.raises(chatlab.ProtocolError):
        wire.FrameReader().feed(b"x" * 65537)


PIECES = [b"a", b"{", b" ", b"\r", b"\n", b"\n", b"\xff", "é".encode(), "\U0001f600".encode()]
pieces = st.lists(st.sampled_from(PIECES), max_size=40)
streams = pieces.map(b"".join)


@settings(max_examples=200, deadline=None)
@given(split_stream(pieces, max_cuts=6))
def test_frame_reader_agrees_with_the_native_frame_buffer(split):
    reader, buffer = wire.FrameReader(), chatlab.FrameBuffer()
    from_reader, from_buffer = [], []
    for chunk in split.chunks:
        from_reader += reader.feed(chunk)
        from_buffer += buffer.feed(chunk)
    assert from_reader == [f.encode("utf-8", "surrogateescape") for f in from_buffer]
    assert len(reader.pending) == buffer.pending_bytes


@settings(max_examples=200, deadline=None)
@given(data=streams, limit=st.integers(1, 10))
def test_frame_reader_overflows_exactly_when_the_native_frame_buffer_does(data, limit):
    def refusal(feed):
        try:
            feed(data)
        except chatlab.ProtocolError as error:
            return error.code
        return None

    native = refusal(chatlab.FrameBuffer(max_frame_bytes=limit).feed)
    mock = refusal(wire.FrameReader(max_frame_bytes=limit).feed)
    assert native == mock
    assert native in (None, "frame_too_large")
