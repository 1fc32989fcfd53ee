"""Frame reassembly (docs/protocol.md, "Transport and framing"; docs/protocol.md, "Framing").

A frame ends at "\\n"; one trailing "\\r" is dropped; empty lines are ignored;
the limit counts every byte before the "\\n", a trailing "\\r" included, and an
unterminated frame is refused as soon as it holds more than the limit.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pytest_chatlab as chatlab
from pytest_chatlab.strategies import split_stream

pytestmark = pytest.mark.unit

FrameBuffer = chatlab.FrameBuffer

STREAM = (
    '{"type":"chat","text":"\U0001f600 hi"}\n'.encode()  # a 4-byte UTF-8 character
    + b"\n"  # a blank line
    + b'{"type":"sync","id":"1"}\r\n'  # telnet's CR LF
    + b"\r\n"  # blank once the CR is dropped
    + b"plain\n"
    + b"a\rb\n"  # a CR that is not trailing stays
    + b"x\r\r\n"  # only one trailing CR is dropped
    + "é€\n".encode()
    + b"tail-without-newline"
)
STREAM_FRAMES = [
    '{"type":"chat","text":"\U0001f600 hi"}',
    '{"type":"sync","id":"1"}',
    "plain",
    "a\rb",
    "x\r",
    "é€",
]
STREAM_TAIL = len(b"tail-without-newline")


def feed_chunks(buffer, chunks):
    frames = []
    for chunk in chunks:
        frames += buffer.feed(chunk)
    return frames


def overflow(buffer, data):
    """The frame_too_large ProtocolError that feeding `data` raises."""
    with pytest.raises(chatlab.ProtocolError) as info:
        buffer.feed(data)
    assert info.value.code == "frame_too_large"
    return info.value


# --------------------------------------------------------------------------
# Reassembly
# --------------------------------------------------------------------------


def test_whole_stream_in_one_feed():
    buffer = FrameBuffer()
    assert buffer.feed(STREAM) == STREAM_FRAMES
    assert buffer.pending_bytes == STREAM_TAIL


@pytest.mark.parametrize("cut", range(len(STREAM) + 1))
def test_split_at_any_offset_gives_the_same_frames(cut):
    buffer = FrameBuffer()
    assert feed_chunks(buffer, [STREAM[:cut], STREAM[cut:]]) == STREAM_FRAMES
    assert buffer.pending_bytes == STREAM_TAIL


def test_split_at_every_pair_of_offsets_gives_the_same_frames():
    for first in range(len(STREAM) + 1):
        for second in range(first, len(STREAM) + 1):
            chunks = [STREAM[:first], STREAM[first:second], STREAM[second:]]
            assert feed_chunks(FrameBuffer(), chunks) == STREAM_FRAMES, (first, second)


def test_one_byte_at_a_time_gives_the_same_frames():
    buffer = FrameBuffer()
    assert feed_chunks(buffer, [STREAM[i : i + 1] for i in range(len(STREAM))]) == STREAM_FRAMES
    assert buffer.pending_bytes == STREAM_TAIL


def test_frames_come_out_as_str():
    frames = FrameBuffer().feed("é\n".encode())
    assert frames == ["é"]
    assert isinstance(frames[0], str)


def test_many_frames_in_one_feed_keep_their_order():
    lines = [f'{{"type":"chat","text":"{i}"}}' for i in range(5000)]
    data = "".join(line + "\n" for line in lines).encode()
    assert FrameBuffer().feed(data) == lines


def test_empty_lines_are_ignored():
    buffer = FrameBuffer()
    assert buffer.feed(b"\n\n\r\n\n") == []
    assert buffer.pending_bytes == 0


def test_a_lone_cr_line_is_empty():
    assert FrameBuffer().feed(b"\r\nx\n") == ["x"]


def test_feeding_nothing_yields_nothing():
    buffer = FrameBuffer()
    assert buffer.feed(b"") == []
    assert buffer.pending_bytes == 0


def test_pending_bytes_counts_the_unterminated_tail():
    buffer = FrameBuffer()
    buffer.feed(b"abc")
    assert buffer.pending_bytes == 3
    buffer.feed(b"de\r")
    assert buffer.pending_bytes == 6
    assert buffer.feed(b"\nf") == ["abcde"]
    assert buffer.pending_bytes == 1


def test_invalid_utf8_line_comes_back_surrogateescaped():
    raw = b'{"type":"chat","text":"\xff\xc0"}'
    [line] = FrameBuffer().feed(raw + b"\n")
    assert isinstance(line, str)
    assert line.encode("utf-8", "surrogateescape") == raw


def test_invalid_utf8_line_from_the_buffer_decodes_to_bad_json():
    [line] = FrameBuffer().feed(b'{"type":"chat","text":"\xff"}\n')
    with pytest.raises(chatlab.ProtocolError) as info:
        chatlab.decode(line)
    assert info.value.code == "bad_json"


def test_utf8_split_inside_a_character_is_reassembled():
    data = '{"text":"\U0001f600"}\n'.encode()
    cut = data.index(b"\xf0") + 2
    buffer = FrameBuffer()
    assert buffer.feed(data[:cut]) == []
    assert buffer.feed(data[cut:]) == ['{"text":"\U0001f600"}']


# --------------------------------------------------------------------------
# The limit
# --------------------------------------------------------------------------

LIMIT = 8


def test_complete_line_one_under_the_limit_is_a_frame():
    assert FrameBuffer(max_frame_bytes=LIMIT).feed(b"x" * (LIMIT - 1) + b"\n") == [
        "x" * (LIMIT - 1)
    ]


def test_complete_line_at_the_limit_is_a_frame():
    buffer = FrameBuffer(max_frame_bytes=LIMIT)
    assert buffer.feed(b"x" * LIMIT + b"\n") == ["x" * LIMIT]
    assert not buffer.overflowed


def test_complete_line_one_over_the_limit_is_frame_too_large():
    buffer = FrameBuffer(max_frame_bytes=LIMIT)
    overflow(buffer, b"x" * (LIMIT + 1) + b"\n")
    assert buffer.overflowed


def test_partial_at_the_limit_waits_for_its_newline():
    buffer = FrameBuffer(max_frame_bytes=LIMIT)
    assert buffer.feed(b"x" * LIMIT) == []
    assert buffer.pending_bytes == LIMIT
    assert not buffer.overflowed
    assert buffer.feed(b"\n") == ["x" * LIMIT]


def test_partial_one_over_the_limit_is_refused_without_waiting_for_newline():
    buffer = FrameBuffer(max_frame_bytes=LIMIT)
    overflow(buffer, b"x" * (LIMIT + 1))
    assert buffer.overflowed


def test_partial_growing_past_the_limit_is_refused_on_the_byte_that_passes_it():
    buffer = FrameBuffer(max_frame_bytes=LIMIT)
    for _ in range(LIMIT):
        assert buffer.feed(b"x") == []
    overflow(buffer, b"x")


def test_trailing_cr_counts_toward_the_limit():
    buffer = FrameBuffer(max_frame_bytes=LIMIT)
    assert buffer.feed(b"x" * (LIMIT - 1) + b"\r\n") == ["x" * (LIMIT - 1)]
    overflow(FrameBuffer(max_frame_bytes=LIMIT), b"x" * LIMIT + b"\r\n")


def test_trailing_cr_of_a_partial_counts_toward_the_limit():
    overflow(FrameBuffer(max_frame_bytes=LIMIT), b"x" * LIMIT + b"\r")


def test_newline_does_not_count_toward_the_limit():
    buffer = FrameBuffer(max_frame_bytes=LIMIT)
    assert buffer.feed(b"x" * LIMIT + b"\n" + b"y" * LIMIT + b"\n") == ["x" * LIMIT, "y" * LIMIT]


def test_limit_counts_bytes_not_characters():
    # four 2-byte characters are 8 bytes: at the limit; five are 10: over it
    assert FrameBuffer(max_frame_bytes=LIMIT).feed("éééé\n".encode()) == ["éééé"]
    overflow(FrameBuffer(max_frame_bytes=LIMIT), "ééééé\n".encode())


def test_default_limit_is_65536_bytes():
    assert FrameBuffer().feed(b"x" * 65536 + b"\n") == ["x" * 65536]
    overflow(FrameBuffer(), b"x" * 65537 + b"\n")
    overflow(FrameBuffer(max_frame_bytes=65536), b"x" * 65537)


def test_frames_before_an_overflowing_partial_are_on_the_exception():
    error = overflow(FrameBuffer(max_frame_bytes=LIMIT), b"a\nb\r\n\n" + b"x" * (LIMIT + 1))
    assert error.frames == ["a", "b"]


def test_frames_before_an_overflowing_complete_line_are_on_the_exception():
    data = b"a\n" + b"x" * (LIMIT + 1) + b"\nc\n"
    error = overflow(FrameBuffer(max_frame_bytes=LIMIT), data)
    assert error.frames == ["a"]


def test_exception_frames_hold_only_that_call():
    buffer = FrameBuffer(max_frame_bytes=LIMIT)
    assert buffer.feed(b"a\n") == ["a"]
    assert overflow(buffer, b"x" * (LIMIT + 1)).frames == []


def test_frame_too_large_is_a_protocol_error():
    with pytest.raises(chatlab.ProtocolError) as info:
        FrameBuffer(max_frame_bytes=LIMIT).feed(b"x" * (LIMIT + 1))
    assert isinstance(info.value, ValueError)


def test_overflowed_is_false_for_normal_traffic():
    buffer = FrameBuffer(max_frame_bytes=LIMIT)
    buffer.feed(b"a\nbb\ncc")
    assert not buffer.overflowed


def test_nothing_comes_out_after_an_overflow():
    buffer = FrameBuffer(max_frame_bytes=LIMIT)
    overflow(buffer, b"x" * (LIMIT + 1))
    error = None
    try:
        later = buffer.feed(b"\nok\nfine\n")
    except chatlab.ProtocolError as raised:
        error, later = raised, raised.frames
    assert error is None or error.code == "frame_too_large"
    assert later == []
    assert buffer.overflowed


# --------------------------------------------------------------------------
# Properties: any chunking of any stream
# --------------------------------------------------------------------------

PIECES = [b"a", b"{", b'"', b" ", b"\r", b"\x00", b"\xff", "é".encode(), "\U0001f600".encode()]
frame_bytes = st.lists(st.sampled_from(PIECES), max_size=10).map(b"".join)
#: Lines ended by \n or \r\n, then an unterminated tail, cut anywhere.
streams = split_stream(
    st.tuples(
        st.lists(st.tuples(frame_bytes, st.sampled_from([b"\n", b"\r\n"])), max_size=12),
        frame_bytes,
    ).map(lambda parts: [f + end for f, end in parts[0]] + [parts[1]]),
    max_cuts=8,
)


def model_frames(data: bytes, limit: int) -> tuple[list[str], bool]:
    """The frames docs/protocol.md yields from `data`, and whether it overflows."""
    *complete, tail = data.split(b"\n")
    frames = []
    for line in complete:
        if len(line) > limit:
            return frames, True
        line = line.removesuffix(b"\r")
        if line:
            frames.append(line.decode("utf-8", "surrogateescape"))
    return frames, len(tail) > limit


@settings(max_examples=150, deadline=None)
@given(split=streams)
def test_any_chunking_of_any_stream_gives_the_model_frames(split):
    buffer = FrameBuffer()
    expected, _ = model_frames(split.data, 65536)
    assert feed_chunks(buffer, split.chunks) == expected
    assert buffer.pending_bytes == len(split.data.rsplit(b"\n", 1)[-1])


@settings(max_examples=150, deadline=None)
@given(split=streams, limit=st.integers(1, 12))
def test_any_chunking_overflows_after_the_same_frames(split, limit):
    buffer = FrameBuffer(max_frame_bytes=limit)
    frames = []
    error = None
    for chunk in split.chunks:
        try:
            frames += buffer.feed(chunk)
        except chatlab.ProtocolError as raised:
            error = raised
            frames += raised.frames
            break
    overflowed = error is not None
    assert not overflowed or error.code == "frame_too_large"
    assert (frames, overflowed) == model_frames(split.data, limit)
    assert buffer.overflowed == overflowed
