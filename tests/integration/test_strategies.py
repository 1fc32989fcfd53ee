"""pytest_chatlab.strategies: what each strategy draws, and the real chatlab-server under them.

The server's answer to a hostile line is not written out here a second
time: the bound core says it (``FrameBuffer`` cuts the stream, ``Room``
judges each line, as the server's own loop does), and the test checks that
the server over TCP answers the same and is still serving afterwards.
"""

from __future__ import annotations

import contextlib
import importlib
import sys

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

import pytest_chatlab as chatlab
from pytest_chatlab.mock import MockClient
from pytest_chatlab.server import ChatServer
from pytest_chatlab.strategies import Split, hostile_lines, split_stream

LIMIT = 65536
#: The codes docs/protocol.md gives a refused frame.
REFUSALS = {"bad_json", "bad_frame", "unknown_type", "unknown_command", "frame_too_large"}
#: One server for all the examples of a test: surviving all of them is the point.
SHARED_SERVER = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


# -- split_stream -----------------------------------------------------------------

LINES = [b'{"op":"get"}\n', "é\U0001f600\r\n".encode(), b"\n", b"PING"]


@settings(max_examples=200)
@given(split_stream(LINES, max_cuts=5))
def test_a_split_is_the_whole_stream_cut_inside_it(split: Split):
    assert split.data == b"".join(LINES)
    assert list(split.at) == sorted(set(split.at))
    assert all(0 < cut < len(split.data) for cut in split.at)
    assert len(split.at) <= 5
    assert b"".join(split.chunks) == split.data
    assert len(split.chunks) == len(split.at) + 1


@settings(max_examples=50)
@given(split_stream(st.lists(st.sampled_from([b"a\n", b"bc\r\n"]), max_size=4)))
def test_the_frames_may_be_drawn_too(split: Split):
    assert b"".join(split.chunks) == split.data
    assert split.data.replace(b"\r", b"").replace(b"a\n", b"").replace(b"bc\n", b"") == b""


def test_cuts_come_where_readers_break():
    data = b"".join(LINES)
    crlf = data.index(b"\r\n") + 1
    inside_e = data.index("é".encode()) + 1
    find(split_stream(LINES), lambda split: crlf in split.at)
    find(split_stream(LINES), lambda split: inside_e in split.at)


def test_a_stream_too_short_to_cut_is_not_cut():
    assert find(split_stream([b"\n"]), lambda split: True) == Split(b"\n", ())


@settings(SHARED_SERVER, max_examples=25)
@given(
    split=split_stream([b'{"type":"chat","text":"h\xc3\xa9"}\r\n', b'{"text":"2","type":"chat"}\n'])
)
def test_the_server_reassembles_any_split(server_process: ChatServer, split: Split):
    with MockClient(server_process) as talker, MockClient(server_process) as listener:
        listener.sync()
        talker.send_split(*split)
        talker.sync()
        chats = [f["text"] for f in listener.sync() if f["type"] == "chat"]
    assert chats == ["hé", "2"]


# -- hostile_lines ----------------------------------------------------------------


@settings(max_examples=300)
@given(hostile_lines(max_bytes=1024))
def test_each_hostile_line_is_one_line(line: bytes):
    assert line.endswith(b"\n")
    assert line.count(b"\n") == 1


@pytest.mark.parametrize(
    ("what", "found"),
    [
        ("not UTF-8", lambda line: b"\xc0\xaf" in line),
        ("a surrogate as bytes", lambda line: b"\xed\xa0\x80" in line),
        ("a lone surrogate escape", lambda line: b"\\ud800" in line),
        ("a NUL byte", lambda line: b"\x00" in line),
        ("33 levels", lambda line: line.startswith(b"[" * 33) and not line.startswith(b"[" * 34)),
        ("a huge number", lambda line: b"1e999" in line),
        ("NaN", lambda line: b"NaN" in line),
        ("-Infinity", lambda line: b"-Infinity" in line),
        ("a byte order mark", lambda line: line.startswith(b"\xef\xbb\xbf")),
        ("one byte too many", lambda line: len(line.rstrip(b"\n")) == 1025),
        ("an empty line", lambda line: line in (b"\n", b"\r\n")),
        ("two carriage returns", lambda line: line.endswith(b"\r\r\n")),
    ],
)
def test_hostile_lines_draw_what_the_docstring_says(what, found):
    line = find(hostile_lines(max_bytes=1024), found, settings=settings(max_examples=5000))
    assert found(line), what


def test_a_line_limit_below_one_byte_is_refused():
    with pytest.raises(ValueError, match="at least 1 byte"):
        hostile_lines(max_bytes=0)


def refusals_by_the_core(line: bytes) -> tuple[list[str], bool]:
    """The error codes the bound core gives ``line`` from a member, and whether it closes."""
    room, member = chatlab.Room(), 1
    room.join(member)
    try:
        lines = chatlab.FrameBuffer(max_frame_bytes=LIMIT).feed(line)
    except chatlab.ProtocolError as error:
        return [error.code], True
    codes = [
        effect.message.code
        for frame in lines
        for effect in room.handle_line(member, frame)
        if effect.message.type == "error"
    ]
    return codes, False


@settings(SHARED_SERVER, max_examples=150)
@given(line=hostile_lines(max_bytes=LIMIT))
def test_the_server_refuses_each_hostile_line_as_the_protocol_says(
    server_process: ChatServer, line: bytes
):
    codes, closes = refusals_by_the_core(line)
    assert set(codes) <= REFUSALS
    assert codes or line in (b"\n", b"\r\n")  # only an empty line goes unanswered
    with MockClient(server_process, label="hostile") as client:
        client.sync()
        # The server may close before it has read all of an oversize line: allowed.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            client.send_raw(line)
        if closes:
            assert client.wait_closed()
            client.expect(type="error", code=codes[0])
        else:
            answered = [f["code"] for f in client.sync() if f["type"] == "error"]
            assert answered == codes
    with MockClient(server_process, label="after") as witness:
        witness.sync()  # still serving


def test_without_hypothesis_the_import_names_the_extra(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "hypothesis", None)  # as if not installed
    monkeypatch.delitem(sys.modules, "pytest_chatlab.strategies")
    with pytest.raises(ImportError, match=r'pip install "pytest-chatlab\[strategies\]"'):
        importlib.import_module("pytest_chatlab.strategies")
