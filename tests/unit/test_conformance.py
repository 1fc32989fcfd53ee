"""JSONTestSuite through the codec and the room (tests/data/JSONTestSuite/README.md).

y_ files never fail with bad_json (unless nested deeper than 32 levels),
n_ files always do, i_ files return or raise ProtocolError and nothing else;
where docs/protocol.md itself decides an i_ file (invalid UTF-8, lone surrogate
escapes, overflowing numbers, depth), its answer is checked too.
"""

from __future__ import annotations

import json

import pytest

import pytest_chatlab as chatlab
from support.conformance import SUITE

pytestmark = pytest.mark.unit

MAX_DEPTH = 32


def files(prefix: str = "") -> list:
    return sorted(p.name for p in SUITE.glob(prefix + "*.json"))


def read(name: str) -> bytes:
    return (SUITE / name).read_bytes()


def outcome(data: bytes | str):
    """What decode does: ("ok", Message) or ("error", code). Anything else propagates."""
    try:
        return ("ok", chatlab.decode(data))
    except chatlab.ProtocolError as error:
        return ("error", error.code)


def nesting_depth(data: bytes) -> int:
    """Deepest bracket nesting outside strings (the outermost value is level 1)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        elif byte in b"]}":
            depth -= 1
    return deepest


def expected_for_valid(data: bytes):
    """The protocol's answer to a valid JSON text (a y_ file)."""
    if nesting_depth(data) > MAX_DEPTH:
        return ("error", "bad_json")
    value = json.loads(data)
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        return ("error", "bad_frame")
    return ("ok", value["type"])


# --------------------------------------------------------------------------
# decode
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", files("y_"))
def test_y_file_is_never_bad_json(name):
    data = read(name)
    got = outcome(data)
    expected = expected_for_valid(data)
    if got[0] == "ok":
        got = ("ok", got[1].type)
    assert got == expected


@pytest.mark.parametrize("name", files("n_"))
def test_n_file_is_bad_json(name):
    assert outcome(read(name)) == ("error", "bad_json")


@pytest.mark.parametrize("name", files("i_"))
def test_i_file_returns_or_raises_protocol_error(name):
    kind, value = outcome(read(name))
    if kind == "ok":
        assert isinstance(value, chatlab.Message)
    else:
        assert value in {"bad_json", "bad_frame"}


# The i_ files docs/protocol.md decides: invalid UTF-8, lone surrogate escapes and
# numbers that overflow a double are bad_json, as is nesting deeper than 32;
# underflow and big integers that fit a double are fine (a top-level array is
# then bad_frame).
I_BAD_JSON = [
    "i_number_huge_exp.json",
    "i_number_neg_int_huge_exp.json",
    "i_number_pos_double_huge_exp.json",
    "i_number_real_neg_overflow.json",
    "i_number_real_pos_overflow.json",
    "i_object_key_lone_2nd_surrogate.json",
    "i_string_1st_surrogate_but_2nd_missing.json",
    "i_string_1st_valid_surrogate_2nd_invalid.json",
    "i_string_UTF-16LE_with_BOM.json",
    "i_string_UTF-8_invalid_sequence.json",
    "i_string_UTF8_surrogate_U+D800.json",
    "i_string_incomplete_surrogate_and_escape_valid.json",
    "i_string_incomplete_surrogate_pair.json",
    "i_string_incomplete_surrogates_escape_valid.json",
    "i_string_invalid_lonely_surrogate.json",
    "i_string_invalid_surrogate.json",
    "i_string_invalid_utf-8.json",
    "i_string_inverted_surrogates_U+1D11E.json",
    "i_string_iso_latin_1.json",
    "i_string_lone_second_surrogate.json",
    "i_string_lone_utf8_continuation_byte.json",
    "i_string_not_in_unicode_range.json",
    "i_string_overlong_sequence_2_bytes.json",
    "i_string_overlong_sequence_6_bytes.json",
    "i_string_overlong_sequence_6_bytes_null.json",
    "i_string_truncated-utf-8.json",
    "i_string_utf16BE_no_BOM.json",
    "i_string_utf16LE_no_BOM.json",
    "i_structure_500_nested_arrays.json",
]
I_BAD_FRAME = [
    "i_number_double_huge_neg_exp.json",
    "i_number_real_underflow.json",
    "i_number_too_big_neg_int.json",
    "i_number_too_big_pos_int.json",
    "i_number_very_big_negative_int.json",
]


def decided(names: list[str]) -> list:
    present = set(files("i_"))
    return [name for name in names if name in present]


@pytest.mark.parametrize("name", decided(I_BAD_JSON))
def test_i_file_the_protocol_refuses_is_bad_json(name):
    assert outcome(read(name)) == ("error", "bad_json")


@pytest.mark.parametrize("name", decided(I_BAD_FRAME))
def test_i_file_the_protocol_accepts_is_a_bad_frame_array(name):
    assert outcome(read(name)) == ("error", "bad_frame")


def deep_files() -> list:
    return [name for name in files() if nesting_depth(read(name)) > MAX_DEPTH]


@pytest.mark.parametrize("name", deep_files())
def test_nesting_deeper_than_32_is_bad_json(name):
    assert outcome(read(name)) == ("error", "bad_json")


@pytest.mark.parametrize("name", files())
def test_str_with_surrogateescape_decodes_like_the_bytes(name):
    data = read(name)
    assert outcome(data.decode("utf-8", "surrogateescape")) == outcome(data)


# --------------------------------------------------------------------------
# The room agrees with decode
# --------------------------------------------------------------------------


def effects_of(effects):
    return [(o.target, o.session, o.message, o.close) for o in effects]


@pytest.mark.parametrize("name", files())
def test_room_handle_line_agrees_with_decode(name):
    data = read(name)
    room, reference = chatlab.Room(), chatlab.Room()
    for r in (room, reference):
        r.join(1)
        r.join(2)
    got = effects_of(room.handle_line(1, data))
    kind, value = outcome(data)
    if kind == "ok":
        assert got == effects_of(reference.handle_message(1, value))
        return
    assert len(got) == 1
    target, session, message, close = got[0]
    assert (target, session, close) == (chatlab.Target.One, 1, False)
    assert (message.type, message.code) == ("error", value)
    assert message.text
