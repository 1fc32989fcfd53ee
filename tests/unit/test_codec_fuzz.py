"""Fuzzing the bound decoder from Python, and replaying what fuzzing found.

The properties are the libFuzzer target's (native/fuzz/fuzz_decode.cpp):
any input is either refused with a ProtocolError carrying a protocol code,
or decoded into a Message that survives encode and decode unchanged. Every
input a fuzzer ever broke the decoder with is kept in fuzz_regressions/
and replayed here, through decode and through a room.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pytest_chatlab as chatlab
from pytest_chatlab.strategies import hostile_lines

pytestmark = pytest.mark.unit

REGRESSIONS = sorted((Path(__file__).parent / "fuzz_regressions").glob("*.bin"))
CODES = {"bad_json", "bad_frame"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
frames = st.dictionaries(
    st.sampled_from(["type", "text", "from", "id", "user", "users", "code", "x"]),
    json_values | st.text(),
    max_size=6,
)


def check_decode(line: bytes) -> None:
    try:
        message = chatlab.decode(line)
    except chatlab.ProtocolError as error:
        assert error.code in CODES  # noqa: PT017 (refusing is allowed, not required)
        return
    frame = chatlab.encode(message)
    assert chatlab.decode(frame) == message
    assert chatlab.encode(chatlab.decode(frame)) == frame


@settings(max_examples=300)
@given(st.binary(max_size=256))
def test_any_bytes_are_refused_or_round_trip(line):
    check_decode(line)


@settings(max_examples=300)
@given(frames)
def test_any_json_object_is_refused_or_round_trips(frame):
    check_decode(json.dumps(frame).encode())


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_any_text_is_refused_or_round_trips(text):
    check_decode(text.encode("utf-8", "surrogatepass"))


@settings(max_examples=200)
@given(hostile_lines(max_bytes=4096))
def test_any_hostile_line_is_refused_or_round_trips(line):
    check_decode(line.removesuffix(b"\n").removesuffix(b"\r"))


@pytest.mark.parametrize("path", REGRESSIONS, ids=[p.stem for p in REGRESSIONS])
def test_a_past_fuzzer_find_stays_fixed(path):
    line = path.read_bytes()
    check_decode(line)
    room = chatlab.Room()
    room.join(1)
    for effect in room.handle_line(1, line):
        assert chatlab.decode(chatlab.encode(effect.message)) == effect.message
