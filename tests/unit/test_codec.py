"""The codec of docs/protocol.md ("Canonical encoding"): encode exactly, decode liberally.

Every expectation here is written from the contract (docs/protocol.md, then
docs/protocol.md where the contract is silent), not from the implementation.
"""

from __future__ import annotations

import json
import time

import pytest

import pytest_chatlab as chatlab
from pytest_chatlab.errors import ProtocolError

pytestmark = pytest.mark.unit

Message = chatlab.Message


def decode_error(line: str | bytes) -> ProtocolError:
    """The ProtocolError that decoding `line` raises (fails if it decodes)."""
    with pytest.raises(chatlab.ProtocolError) as info:
        chatlab.decode(line)
    return info.value


def python_canonical(obj: dict) -> str:
    """The bytes docs/protocol.md names as the definition of canonical, plus the newline."""
    return json.dumps(obj, separators=(",", ":"), sort_keys=True, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------
# Canonical encoding
# --------------------------------------------------------------------------


def test_encode_sorts_every_key_by_byte_order_without_whitespace():
    message = Message(type="ty", sender="f", text="t", user="u", users=["a", "b"], code="c", id="i")
    assert chatlab.encode(message) == (
        '{"code":"c","from":"f","id":"i","text":"t","type":"ty","user":"u","users":["a","b"]}\n'
    )


def test_encode_of_a_chat_is_the_article_frame():
    message = Message(type="chat", sender="alice", text="hi")
    assert chatlab.encode(message) == '{"from":"alice","text":"hi","type":"chat"}\n'


def test_encode_returns_one_frame_ending_in_exactly_one_newline():
    frame = chatlab.encode(Message(type="chat", text="a\nb\r\nc"))
    assert isinstance(frame, str)
    assert frame.endswith("\n")
    assert frame.count("\n") == 1


def test_encode_omits_absent_fields_instead_of_null():
    assert chatlab.encode(Message(type="sync")) == '{"type":"sync"}\n'
    assert "null" not in chatlab.encode(Message(type="notice", text="x"))


def test_encode_keeps_an_empty_users_list():
    assert chatlab.encode(Message(type="roster", users=[])) == '{"type":"roster","users":[]}\n'


def test_encode_keeps_an_empty_string_field():
    assert chatlab.encode(Message(type="chat", text="")) == '{"text":"","type":"chat"}\n'


def test_encode_writes_non_ascii_as_raw_utf8():
    message = Message(type="chat", text="é€日本😀", users=["Ünï"])
    frame = chatlab.encode(message)
    assert frame == '{"text":"é€日本😀","type":"chat","users":["Ünï"]}\n'
    assert "\\u" not in frame


def test_encode_does_not_escape_slash():
    assert chatlab.encode(Message(type="chat", text="a/b</c>")) == (
        '{"text":"a/b</c>","type":"chat"}\n'
    )


def test_encode_escapes_quote_and_backslash():
    assert chatlab.encode(Message(type="chat", text='say "hi" \\o/')) == (
        '{"text":"say \\"hi\\" \\\\o/","type":"chat"}\n'
    )


SHORT_ESCAPES = {0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r"}


@pytest.mark.parametrize("codepoint", range(0x20), ids=lambda c: f"U+{c:04X}")
def test_encode_escapes_each_control_character(codepoint):
    expected_escape = SHORT_ESCAPES.get(codepoint, f"\\u{codepoint:04x}")
    frame = chatlab.encode(Message(type="chat", text=f"a{chr(codepoint)}b"))
    assert frame == '{"text":"a' + expected_escape + 'b","type":"chat"}\n'


def test_encode_control_escapes_use_lowercase_hex():
    frame = chatlab.encode(Message(type="chat", text="\x1b\x1f\x0b\x0e"))
    assert frame == '{"text":"\\u001b\\u001f\\u000b\\u000e","type":"chat"}\n'


def test_encode_leaves_delete_and_line_separators_raw():
    text = "\x7f\u2028\u2029\x85"
    assert chatlab.encode(Message(type="chat", text=text)) == python_canonical(
        {"type": "chat", "text": text}
    )
    assert "\\u" not in chatlab.encode(Message(type="chat", text=text))


def test_encode_escapes_special_characters_in_every_field():
    nasty = 'q"b\\s/\x00\t'
    message = Message(
        type=nasty, sender=nasty, text=nasty, user=nasty, users=[nasty, ""], code=nasty, id=nasty
    )
    expected = python_canonical(
        {
            "type": nasty,
            "from": nasty,
            "text": nasty,
            "user": nasty,
            "users": [nasty, ""],
            "code": nasty,
            "id": nasty,
        }
    )
    assert chatlab.encode(message) == expected


# --------------------------------------------------------------------------
# Decoding: liberal
# --------------------------------------------------------------------------


def test_decode_reads_a_chat():
    assert chatlab.decode('{"type":"chat","text":"hi"}') == Message(type="chat", text="hi")


def test_decode_accepts_bytes():
    assert chatlab.decode(b'{"type":"chat","text":"hi"}') == Message(type="chat", text="hi")


def test_decode_maps_from_to_sender():
    message = chatlab.decode('{"from":"alice","text":"hi","type":"chat"}')
    assert message.sender == "alice"


def test_decode_reads_every_field():
    line = '{"code":"c","from":"f","id":"i","text":"t","type":"ty","user":"u","users":["a","b"]}'
    assert chatlab.decode(line) == Message(
        type="ty", sender="f", text="t", user="u", users=["a", "b"], code="c", id="i"
    )


def test_decode_leaves_missing_fields_none():
    message = chatlab.decode('{"type":"sync"}')
    assert message.type == "sync"
    for field in ("sender", "text", "user", "users", "code", "id"):
        assert getattr(message, field) is None


def test_decode_keeps_an_empty_users_list_present():
    assert chatlab.decode('{"type":"roster","users":[]}').users == []


def test_decode_accepts_whitespace_everywhere():
    line = ' \t{ "type" :\t"chat" ,\r\n "text" : "hi" \n} \r\n'
    assert chatlab.decode(line) == Message(type="chat", text="hi")


def test_decode_accepts_any_key_order():
    line = '{"users":["a"],"type":"roster","text":"x","from":"s"}'
    assert chatlab.decode(line) == Message(type="roster", users=["a"], text="x", sender="s")


def test_decode_ignores_unknown_fields_of_any_shape():
    line = (
        '{"type":"chat","extra":{"nested":[1,2.5,-3e10,true,false,null,{"a":"b"}]},'
        '"n":12345678901234567890123,"text":"hi","z":null}'
    )
    assert chatlab.decode(line) == Message(type="chat", text="hi")


def test_decode_duplicate_keys_last_one_wins():
    assert chatlab.decode('{"type":"chat","text":"a","text":"b"}').text == "b"
    assert chatlab.decode('{"type":"sync","type":"chat"}').type == "chat"


def test_decode_duplicate_key_last_one_wins_even_with_wrong_type():
    with pytest.raises(ProtocolError) as caught:
        chatlab.decode('{"type":"chat","text":"a","text":5}')
    assert caught.value.code == "bad_frame"
    assert chatlab.decode('{"type":"chat","text":5,"text":"a"}').text == "a"


def test_decode_duplicate_key_last_type_wins_over_wrong_one():
    assert chatlab.decode('{"type":5,"type":"chat"}').type == "chat"


WRONG_TYPES = ["5", "true", "null", "[]", '["x"]', "{}", '{"a":"b"}', "1.5"]
#: docs/protocol.md 1.1 "Field types": the fields each frame type defines.
DEFINED = {
    "chat": ["from", "text"],
    "notice": ["from", "text"],
    "sync": ["id"],
    "join": ["user"],
    "leave": ["user"],
    "error": ["code", "text"],
    "roster": ["users"],
}
STRING_FIELDS = ["from", "text", "user", "code", "id"]


@pytest.mark.parametrize("value", WRONG_TYPES)
@pytest.mark.parametrize(
    ("type_", "field"), [(t, f) for t, fields in DEFINED.items() for f in fields if f != "users"]
)
def test_decode_refuses_a_defined_field_of_the_wrong_type(type_, field, value):
    with pytest.raises(ProtocolError) as caught:
        chatlab.decode(f'{{"type":"{type_}","{field}":{value}}}')
    assert caught.value.code == "bad_frame"
    assert f'"{field}"' in str(caught.value)
    assert "must be a string" in str(caught.value)


@pytest.mark.parametrize("value", ["5", '"a"', "null", "{}", "true", "[1]", '["a",1]', '[["a"]]'])
def test_decode_refuses_a_roster_whose_users_is_not_an_array_of_strings(value):
    with pytest.raises(ProtocolError, match="array of strings") as caught:
        chatlab.decode('{"type":"roster","users":' + value + "}")
    assert caught.value.code == "bad_frame"


@pytest.mark.parametrize(
    ("type_", "field", "value"),
    [
        (t, f, v)
        for t in [*DEFINED, "shout"]
        for f in [*STRING_FIELDS, "users"]
        if f not in DEFINED.get(t, [])
        for v in WRONG_TYPES
        if not (f == "users" and v in ("[]", '["x"]'))  # those are right for users
    ],
)
def test_decode_ignores_a_field_the_type_does_not_define_whatever_its_type(type_, field, value):
    message = chatlab.decode(f'{{"type":"{type_}","{field}":{value}}}')
    assert message == Message(type=type_)


def test_decode_keeps_a_right_typed_field_the_type_does_not_define():
    assert chatlab.decode('{"type":"sync","id":"k","text":"x"}') == Message(
        type="sync", id="k", text="x"
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('{"type":"chat","text":"hi","id":1}', Message(type="chat", text="hi")),
        ('{"type":"sync","id":"k","text":false}', Message(type="sync", id="k")),
    ],
)
def test_decode_the_contracts_examples_of_undefined_fields(line, expected):
    assert chatlab.decode(line) == expected


@pytest.mark.parametrize("line", ['{"type":"chat","text":7}', '{"type":"sync","id":5}'])
def test_decode_the_contracts_examples_of_wrong_types(line):
    with pytest.raises(ProtocolError) as caught:
        chatlab.decode(line)
    assert caught.value.code == "bad_frame"


@pytest.mark.parametrize("line", ['\ufeff{"type":"chat","text":"hi"}'.encode(), b"\xef\xbb\xbf{}"])
def test_decode_refuses_a_byte_order_mark_as_wire_decode_does(line):
    with pytest.raises(ProtocolError) as core:
        chatlab.decode(line)
    with pytest.raises(ProtocolError) as mock:
        chatlab.wire.decode(line)
    assert core.value.code == mock.value.code == "bad_json"


def test_decode_error_text_quotes_at_most_a_short_piece_of_the_input():
    with pytest.raises(ProtocolError) as caught:
        chatlab.decode('{"type":"chat","text":"' + "é" * 30000 + "\x01")
    assert caught.value.code == "bad_json"
    assert len(str(caught.value)) < 1000
    assert "bytes)" in str(caught.value)


def test_decode_unescapes_every_json_escape():
    line = r'{"type":"chat","text":"\"\\\/\b\f\n\r\t\u00e9\u20ac\ud83d\ude00\u0041"}'
    assert chatlab.decode(line).text == '"\\/\b\f\n\r\té€😀A'


def test_decode_accepts_uppercase_hex_escapes():
    assert chatlab.decode(r'{"type":"chat","text":"\u00C9\uD83D\uDE00"}').text == "É😀"


def test_decode_reads_raw_utf8():
    assert chatlab.decode('{"type":"chat","text":"é€😀"}'.encode()).text == "é€😀"


def test_decode_is_direction_neutral_about_type():
    assert chatlab.decode('{"type":"shout","text":"x"}') == Message(type="shout", text="x")
    assert chatlab.decode('{"type":""}') == Message(type="")


def test_decode_accepts_underflow_to_zero():
    assert chatlab.decode('{"type":"chat","text":"x","n":1e-999}') == Message(type="chat", text="x")


def test_decode_accepts_large_integers_that_fit_a_double():
    line = '{"type":"chat","n":-123123123123123123123123123123,"m":1e308}'
    assert chatlab.decode(line).type == "chat"


# --------------------------------------------------------------------------
# \u0000
# --------------------------------------------------------------------------


def test_decode_keeps_an_escaped_nul_inside_a_string():
    assert chatlab.decode(r'{"type":"chat","text":"a\u0000b"}').text == "a\x00b"


def test_nul_round_trips_through_decode_and_encode():
    line = '{"text":"a\\u0000b","type":"chat"}'
    assert chatlab.encode(chatlab.decode(line)) == line + "\n"


def test_encode_of_nul_decodes_back():
    message = Message(type="chat", text="\x00\x00x\x00")
    assert chatlab.decode(chatlab.encode(message)) == message


# --------------------------------------------------------------------------
# bad_json
# --------------------------------------------------------------------------

BAD_JSON = {
    "empty": "",
    "only whitespace": "   \t ",
    "truncated object": '{"type":"chat"',
    "truncated string": '{"type":"ch',
    "truncated after colon": '{"type":',
    "lone brace": "{",
    "trailing garbage": '{"type":"chat"} x',
    "two objects": '{"type":"chat"}{"type":"chat"}',
    "trailing comma": '{"type":"chat",}',
    "single quotes": "{'type':'chat'}",
    "unquoted key": '{type:"chat"}',
    "NaN": '{"type":"chat","n":NaN}',
    "Infinity": '{"type":"chat","n":Infinity}',
    "overflow 1e999": '{"type":"chat","n":1e999}',
    "overflow -1e999": '{"type":"chat","n":-1e999}',
    "overflow inside an array": '{"type":"chat","n":[0,1e999]}',
    "overflow in a top-level array": "[1e999]",
    "lone high surrogate escape": r'{"type":"chat","text":"\ud800"}',
    "lone low surrogate escape": r'{"type":"chat","text":"\udc00"}',
    "high surrogate then non-surrogate": r'{"type":"chat","text":"\ud800\u0041"}',
    "inverted surrogates": r'{"type":"chat","text":"\ude00\ud83d"}',
    "lone surrogate in a key": r'{"type":"chat","\ud800":1}',
    "raw tab in a string": '{"type":"chat","text":"a\tb"}',
    "raw newline in a string": '{"type":"chat","text":"a\nb"}',
    "raw NUL in a string": '{"type":"chat","text":"a\x00b"}',
    "bad escape": r'{"type":"chat","text":"\x41"}',
    "short unicode escape": r'{"type":"chat","text":"\u00e"}',
    "leading zero": '{"type":"chat","n":01}',
    "plus sign": '{"type":"chat","n":+1}',
    "bare word": "chat",
    "comment": '{"type":"chat"} // hi',
}


@pytest.mark.parametrize("line", BAD_JSON.values(), ids=BAD_JSON.keys())
def test_invalid_json_is_bad_json(line):
    assert decode_error(line).code == "bad_json"


BAD_UTF8 = {
    "0xff byte": b'{"type":"chat","text":"\xff"}',
    "lone continuation byte": b'{"type":"chat","text":"\x80"}',
    "overlong slash": b'{"type":"chat","text":"\xc0\xaf"}',
    "encoded surrogate": b'{"type":"chat","text":"\xed\xa0\x80"}',
    "beyond U+10FFFF": b'{"type":"chat","text":"\xf4\x90\x80\x80"}',
    "truncated sequence": b'{"type":"chat","text":"\xe2\x82"}',
    "latin-1 e acute": b'{"type":"chat","text":"caf\xe9"}',
    "invalid byte in an unknown field": b'{"type":"chat","x":"\xfe"}',
    "invalid byte outside strings": b'{"type":"chat"}\xff',
}


RAW_NUL = {
    "NUL after the object": b'{"type":"chat","text":"hi"}\x00',
    "NUL then garbage": b'{"type":"chat","text":"hi"}\x00garbage',
    "NUL after a number": b"123\x00",
    "NUL before the object": b'\x00{"type":"chat","text":"hi"}',
    "NUL between tokens": b'{"type":"chat"\x00,"text":"hi"}',
}


@pytest.mark.parametrize("line", RAW_NUL.values(), ids=RAW_NUL.keys())
def test_raw_nul_byte_outside_a_string_is_bad_json(line):
    # U+0000 is not JSON whitespace; a decoder must not stop reading at it.
    assert decode_error(line).code == "bad_json"
    assert decode_error(line.decode()).code == "bad_json"


@pytest.mark.parametrize("line", BAD_UTF8.values(), ids=BAD_UTF8.keys())
def test_invalid_utf8_bytes_are_bad_json(line):
    assert decode_error(line).code == "bad_json"


def test_invalid_utf8_as_surrogateescape_str_is_bad_json():
    line = b'{"type":"chat","text":"\xff"}'.decode("utf-8", "surrogateescape")
    assert decode_error(line).code == "bad_json"


def test_protocol_error_is_a_value_error_with_a_code():
    error = decode_error("nope")
    assert isinstance(error, ValueError)
    assert isinstance(error.code, str)


# --------------------------------------------------------------------------
# Depth: the outermost value is level 1; level 33 is refused
# --------------------------------------------------------------------------


def nested_arrays_in_object(levels: int) -> str:
    """An object (level 1) whose "x" holds `levels - 1` nested arrays."""
    inner = levels - 1
    return '{"type":"chat","text":"hi","x":' + "[" * inner + "]" * inner + "}"


def nested_objects(levels: int) -> str:
    """`levels` nested objects, the outermost carrying the type."""
    body = "{}"
    for _ in range(levels - 2):
        body = '{"a":' + body + "}"
    return '{"type":"chat","text":"hi","a":' + body + "}"


def test_depth_32_of_arrays_is_accepted():
    assert chatlab.decode(nested_arrays_in_object(32)) == Message(type="chat", text="hi")


def test_depth_33_of_arrays_is_bad_json():
    assert decode_error(nested_arrays_in_object(33)).code == "bad_json"


def test_depth_32_of_objects_is_accepted():
    assert chatlab.decode(nested_objects(32)) == Message(type="chat", text="hi")


def test_depth_33_of_objects_is_bad_json():
    assert decode_error(nested_objects(33)).code == "bad_json"


def test_top_level_array_of_depth_32_is_valid_json_so_bad_frame():
    assert decode_error("[" * 32 + "]" * 32).code == "bad_frame"


def test_top_level_array_of_depth_33_is_bad_json():
    assert decode_error("[" * 33 + "]" * 33).code == "bad_json"


@pytest.mark.parametrize(
    "line",
    [
        "[" * 100_000,
        "[" * 100_000 + "]" * 100_000,
        '{"a":' * 100_000,
        '{"type":"chat","x":' + "[" * 100_000,
    ],
    ids=["open arrays", "closed arrays", "open objects", "inside a frame"],
)
def test_deep_nesting_is_refused_quickly(line):
    start = time.perf_counter()
    error = decode_error(line)
    elapsed = time.perf_counter() - start
    assert error.code == "bad_json"
    assert elapsed < 0.5


# --------------------------------------------------------------------------
# bad_frame: valid JSON, but not an object with a string type
# --------------------------------------------------------------------------

BAD_FRAME = {
    "array": "[]",
    "array of an object": '[{"type":"chat"}]',
    "string": '"chat"',
    "number": "5",
    "negative float": "-1.5e3",
    "null": "null",
    "true": "true",
    "false": "false",
    "empty object": "{}",
    "missing type": '{"text":"hi"}',
    "number type": '{"type":5}',
    "null type": '{"type":null}',
    "bool type": '{"type":true}',
    "array type": '{"type":["chat"]}',
    "object type": '{"type":{"chat":1}}',
    "last duplicate type not a string": '{"type":"chat","type":5}',
}


@pytest.mark.parametrize("line", BAD_FRAME.values(), ids=BAD_FRAME.keys())
def test_valid_json_that_is_not_a_typed_object_is_bad_frame(line):
    assert decode_error(line).code == "bad_frame"


def test_bad_frame_from_bytes_too():
    assert decode_error(b"[1, 2]").code == "bad_frame"


# --------------------------------------------------------------------------
# Message: a value
# --------------------------------------------------------------------------

FIELDS = {
    "type": "chat",
    "sender": "alice",
    "text": "hi",
    "user": "bob",
    "users": ["a", "b"],
    "code": "bad_json",
    "id": "s1",
}


def test_message_keeps_every_keyword_field():
    message = Message(**FIELDS)
    for field, value in FIELDS.items():
        assert getattr(message, field) == value


def test_message_absent_fields_are_none():
    message = Message(type="chat")
    assert (message.sender, message.text, message.user) == (None, None, None)
    assert (message.users, message.code, message.id) == (None, None, None)


def test_message_equality_is_by_value():
    assert Message(**FIELDS) == Message(**dict(FIELDS))
    assert (Message(**FIELDS) != Message(**dict(FIELDS))) is False


def test_equal_messages_hash_equal():
    if Message.__hash__ is None:
        pytest.skip("Message is not hashable")
    assert hash(Message(**FIELDS)) == hash(Message(**dict(FIELDS)))


@pytest.mark.parametrize("field", [f for f in FIELDS if f != "type"])
def test_message_differs_when_one_field_is_absent(field):
    partial = {k: v for k, v in FIELDS.items() if k != field}
    assert Message(**FIELDS) != Message(**partial)


@pytest.mark.parametrize("field", list(FIELDS))
def test_message_differs_when_one_field_differs(field):
    changed = dict(FIELDS)
    changed[field] = ["other"] if field == "users" else "other"
    assert Message(**FIELDS) != Message(**changed)


def test_message_empty_users_differs_from_absent_users():
    assert Message(type="roster", users=[]) != Message(type="roster")


def test_message_empty_text_differs_from_absent_text():
    assert Message(type="chat", text="") != Message(type="chat")


def test_message_repr_shows_its_fields():
    text = repr(Message(type="chat", sender="alice", text="hi there", users=["zed"]))
    assert "Message" in text
    for value in ("chat", "alice", "hi there", "zed"):
        assert value in text
