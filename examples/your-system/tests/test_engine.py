"""native/core/engine and line_buffer: connections, framing, and the refusals that close."""

import re
from pathlib import Path

import kvstore
import pytest
from effects import engine_with, frames, line

PONG = {"op": "pong"}


def test_lines_split_anywhere_and_batched(kv_store):
    engine = engine_with(kv_store(), 1)
    data = (line(op="ping") + "\n") * 3
    seen = []
    for byte in data.encode():
        seen += frames(engine.feed(1, bytes([byte])))
    assert seen == [(1, PONG)] * 3
    assert frames(engine.feed(1, data)) == [(1, PONG)] * 3


def test_crlf_and_empty_lines(kv_store):
    engine = engine_with(kv_store(), 1)
    assert frames(engine.feed(1, b'\n\r\n{"op":"ping"}\r\n\n')) == [(1, PONG)]


def test_a_refused_line_does_not_end_the_connection(kv_store):
    engine = engine_with(kv_store(), 1)
    out = engine.feed(1, b'nope\n{"op":"ping"}\n')
    assert [frame["op"] for _, frame in frames(out)] == ["error", "pong"]
    assert not any(each.close for each in out)
    assert engine.sessions == 1


def test_a_line_at_the_limit_is_taken(kv_store):
    engine = engine_with(kv_store(max_line_bytes=14), 1)
    assert frames(engine.feed(1, b'{"op":"ping"}\r\n')) == [(1, PONG)]  # 13 bytes and the \r


@pytest.mark.parametrize(
    "data",
    [
        b'{"op": "ping"}\n',  # complete, one byte over
        b'{"op":"ping"} ',  # no newline yet, already over
    ],
)
def test_line_too_long_closes_after_the_lines_before_it(kv_store, data):
    engine = engine_with(kv_store(max_line_bytes=13), 1, 2)
    engine.handle_line(2, line(op="watch", key="k"))
    engine.handle_line(1, line(op="watch", key="k"))
    out = engine.feed(1, b'{"op":"ping"}\n' + data + b'{"op":"ping"}\n')
    assert [(s, f["op"], f.get("code")) for s, f in frames(out)] == [
        (1, "pong", None),
        (1, "error", "line_too_long"),
    ]
    assert [each.close for each in out] == [False, True]
    assert "at most 13 bytes" in out[-1].reply.text
    # The session is forgotten at once: its watches too.
    assert engine.sessions == 1
    assert len(engine.handle_line(2, line(op="set", key="k", value="v"))) == 2
    with pytest.raises(ValueError, match="session 1 is not open"):
        engine.feed(1, b"\n")


def test_a_session_must_be_open_and_only_once(kv_store):
    engine = kv_store()
    for call in (
        lambda: engine.feed(7, b""),
        lambda: engine.handle_line(7, "{}"),
        lambda: engine.handle(7, kvstore.Request(op="ping")),
        lambda: engine.refuse(7, "slow_consumer", "x"),
    ):
        with pytest.raises(ValueError, match="session 7 is not open"):
            call()
    engine.open(7)
    with pytest.raises(ValueError, match="session 7 is already open"):
        engine.open(7)
    engine.close(7)
    engine.close(7)  # closing twice, or what was never open, is no error
    assert engine.sessions == 0


def test_server_full(kv_store):
    engine = engine_with(kv_store(max_sessions=2), 1, 2)
    [refusal] = engine.open(3)
    assert (refusal.session, refusal.reply.code, refusal.close) == (3, "server_full", True)
    assert engine.sessions == 2
    engine.close(1)
    assert engine.open(3) == []


def test_refuse_is_the_shells_way_to_close(kv_store):
    engine = engine_with(kv_store(), 1, 2)
    engine.handle_line(1, line(op="watch", key="k"))
    [refusal] = engine.refuse(1, "slow_consumer", "left 10 bytes unread")
    assert frames([refusal]) == [
        (1, {"op": "error", "code": "slow_consumer", "text": "left 10 bytes unread"})
    ]
    assert refusal.close
    assert frames(engine.handle_line(2, line(op="set", key="k", value="v"))) == [(2, {"op": "ok"})]


def test_refuse_names_the_codes_it_knows(kv_store):
    engine = engine_with(kv_store(), 1)
    with pytest.raises(ValueError, match="the codes are bad_json, "):
        engine.refuse(1, "too_slow", "x")


def test_limits_repr_and_defaults():
    limits = kvstore.Limits(max_keys=3)
    assert limits.max_keys == 3
    assert limits.max_line_bytes == 8192
    assert "max_keys=3" in repr(limits)
    assert kvstore.Engine().limits.max_keys == 10000


def test_outgoing_repr_shows_the_line(kv_store):
    engine = engine_with(kv_store(max_sessions=0))
    [refusal] = engine.open(1)
    assert repr(refusal).startswith('Outgoing(session=1, {"code":"server_full","op":"error"')
    assert repr(refusal).endswith(", close)")


def test_every_error_code_is_documented_and_every_documented_code_exists():
    protocol = (Path(__file__).parent.parent / "PROTOCOL.md").read_text(encoding="utf-8")
    table = protocol.split("## Error codes", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `(\w+)` \|", table, flags=re.MULTILINE)
    assert documented == kvstore.error_codes()
