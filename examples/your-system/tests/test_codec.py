"""native/core/codec and fields: decoding requests and replies, the canonical encoding."""

import json

import kvstore
import pytest


@pytest.mark.parametrize(
    ("line", "op", "key", "value"),
    [
        ('{"op":"set","key":"a","value":"1"}', "set", "a", "1"),
        ('{"op":"get","key":"a"}', "get", "a", ""),
        ('{"op":"del","key":"a"}', "del", "a", ""),
        ('{"op":"watch","key":"a"}', "watch", "a", ""),
        ('{"op":"unwatch","key":"a"}', "unwatch", "a", ""),
        ('{"op":"ping"}', "ping", "", ""),
        # Whitespace, field order and fields the protocol does not know are the client's.
        (' { "value" : "x" , "key" : "" , "op" : "set" , "id" : [{"a": null}] } ', "set", "", "x"),
        ('{"op":"get","key":"caf\\u00e9 \\ud83d\\ude00"}', "get", "café 😀", ""),
    ],
)
def test_decode_request(line, op, key, value):
    assert kvstore.decode_request(line) == kvstore.Request(op=op, key=key, value=value)


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("nope", "bad_json"),
        ('{"op":"get","key":"a"', "bad_json"),
        ('{"op":"get","key":"a"} {}', "bad_json"),
        ('{"op":"get","key":"a",}', "bad_json"),
        (b'{"op":"get","key":"\xff"}', "bad_json"),  # not UTF-8
        ('{"op":"get","key":"a\tb"}', "bad_json"),  # a raw control character
        ('{"op":"get","key":"a","op":"get"', "bad_json"),  # broken beats duplicate
        ("[1]", "not_an_object"),
        ('"set"', "not_an_object"),
        ("42", "not_an_object"),
        ("null", "not_an_object"),
        ('{"op":"get","key":"a","key":"b"}', "duplicate_field"),
        ("{}", "missing_field"),
        ('{"op":"get"}', "missing_field"),
        ('{"op":"set","key":"a"}', "missing_field"),
        ('{"op":7}', "bad_field_type"),
        ('{"op":"get","key":1}', "bad_field_type"),
        ('{"op":"set","key":"a","value":null}', "bad_field_type"),
        ('{"op":"set","key":"a","value":{"v":1}}', "bad_field_type"),
        ('{"op":"SET","key":"a","value":"1"}', "unknown_op"),
        ('{"op":"changed","key":"a"}', "unknown_op"),
    ],
)
def test_decode_request_refuses(line, code):
    with pytest.raises(kvstore.ProtocolError) as refused:
        kvstore.decode_request(line)
    assert refused.value.code == code
    assert str(refused.value)  # a reason for people, beside the code for machines


def test_protocol_error_is_a_value_error():
    with pytest.raises(ValueError, match="no op is named"):
        kvstore.decode_request('{"op":"incr","key":"a"}')


def test_request_refuses_an_unknown_op():
    with pytest.raises(kvstore.ProtocolError, match="the ops are set, get"):
        kvstore.Request(op="incr", key="a")


TRICKY = ["", "plain", 'q"uote', "back\\slash", "nl\nnul\x00bell\x07", "café", "😀", "\u2028", "/"]


@pytest.mark.parametrize("text", TRICKY)
def test_encode_is_pythons_canonical_json(text):
    # The same bytes as json.dumps(sort_keys=True, ensure_ascii=False), compact:
    # a Python mock can build every line the server writes.
    for request in [
        kvstore.Request(op="set", key=text, value=text),
        kvstore.Request(op="get", key=text),
    ]:
        fields = json.loads(kvstore.encode(request))
        canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert kvstore.encode(request) == canonical + "\n"
        assert kvstore.decode_request(canonical) == request


@pytest.mark.parametrize(
    "line",
    [
        '{"op":"ok"}',
        '{"existed":false,"op":"ok"}',
        '{"key":"a","op":"value","value":"1"}',
        '{"key":"a","op":"value","value":null}',
        '{"key":"","op":"changed","value":"\\n"}',
        '{"key":"a","op":"changed","value":null}',
        '{"op":"pong"}',
        '{"code":"bad_json","op":"error","text":"why"}',
    ],
)
def test_reply_round_trip(line):
    reply = kvstore.decode_reply(line)
    assert kvstore.encode(reply) == line + "\n"
    assert repr(reply) == f"Reply({line})"


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ('{"op":"set"}', "unknown_op"),
        ('{"op":"value","value":"1"}', "missing_field"),
        ('{"op":"ok","existed":"yes"}', "bad_field_type"),
        ('{"op":"error","code":"x"}', "missing_field"),
    ],
)
def test_decode_reply_refuses(line, code):
    with pytest.raises(kvstore.ProtocolError) as refused:
        kvstore.decode_reply(line)
    assert refused.value.code == code
