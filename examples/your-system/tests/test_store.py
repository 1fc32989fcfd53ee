"""native/core/store: every op, the notifications and their order, the store's limits."""

from effects import engine_with, frames, line

OK = {"op": "ok"}


def test_set_then_get(kv_store):
    engine = engine_with(kv_store(), 1)
    assert frames(engine.handle_line(1, line(op="set", key="a", value="1"))) == [(1, OK)]
    assert frames(engine.handle_line(1, line(op="get", key="a"))) == [
        (1, {"op": "value", "key": "a", "value": "1"})
    ]
    assert engine.keys == 1


def test_get_of_an_absent_key_is_null(kv_store):
    engine = engine_with(kv_store(), 1)
    assert frames(engine.handle_line(1, line(op="get", key="nope"))) == [
        (1, {"op": "value", "key": "nope", "value": None})
    ]


def test_set_overwrites_and_the_empty_key_is_a_key(kv_store):
    engine = engine_with(kv_store(), 1)
    engine.handle_line(1, line(op="set", key="", value="1"))
    engine.handle_line(1, line(op="set", key="", value="2"))
    assert frames(engine.handle_line(1, line(op="get", key=""))) == [
        (1, {"op": "value", "key": "", "value": "2"})
    ]
    assert engine.keys == 1


def test_del_says_whether_the_key_existed(kv_store):
    engine = engine_with(kv_store(), 1)
    engine.handle_line(1, line(op="set", key="a", value="1"))
    assert frames(engine.handle_line(1, line(op="del", key="a"))) == [
        (1, {"op": "ok", "existed": True})
    ]
    assert frames(engine.handle_line(1, line(op="del", key="a"))) == [
        (1, {"op": "ok", "existed": False})
    ]
    assert engine.keys == 0


def test_ping(kv_store):
    engine = engine_with(kv_store(), 1)
    assert frames(engine.handle_line(1, line(op="ping"))) == [(1, {"op": "pong"})]


def test_the_reply_comes_first_then_watchers_in_the_order_they_watched(kv_store):
    engine = engine_with(kv_store(), 1, 2, 3, 4)
    for session in (3, 1, 4):
        assert frames(engine.handle_line(session, line(op="watch", key="k"))) == [(session, OK)]
    changed = {"op": "changed", "key": "k", "value": "v"}
    assert frames(engine.handle_line(1, line(op="set", key="k", value="v"))) == [
        (1, OK),
        (3, changed),
        (1, changed),  # the writer watches too: it hears its own write, after its reply
        (4, changed),
    ]


def test_every_set_notifies_even_of_the_same_value(kv_store):
    engine = engine_with(kv_store(), 1, 2)
    engine.handle_line(2, line(op="watch", key="k"))
    for _ in range(2):
        assert frames(engine.handle_line(1, line(op="set", key="k", value="same"))) == [
            (1, OK),
            (2, {"op": "changed", "key": "k", "value": "same"}),
        ]


def test_del_notifies_null_but_only_when_the_key_existed(kv_store):
    engine = engine_with(kv_store(), 1, 2)
    engine.handle_line(2, line(op="watch", key="k"))
    assert frames(engine.handle_line(1, line(op="del", key="k"))) == [
        (1, {"op": "ok", "existed": False})
    ]
    engine.handle_line(1, line(op="set", key="k", value="v"))
    assert frames(engine.handle_line(1, line(op="del", key="k"))) == [
        (1, {"op": "ok", "existed": True}),
        (2, {"op": "changed", "key": "k", "value": None}),
    ]


def test_watchers_of_other_keys_hear_nothing(kv_store):
    engine = engine_with(kv_store(), 1, 2)
    engine.handle_line(2, line(op="watch", key="other"))
    assert frames(engine.handle_line(1, line(op="set", key="k", value="v"))) == [(1, OK)]


def test_watch_twice_notifies_once_and_unwatch_stops(kv_store):
    engine = engine_with(kv_store(), 1, 2)
    assert frames(engine.handle_line(2, line(op="watch", key="k"))) == [(2, OK)]
    assert frames(engine.handle_line(2, line(op="watch", key="k"))) == [(2, OK)]
    assert len(engine.handle_line(1, line(op="set", key="k", value="v"))) == 2
    assert frames(engine.handle_line(2, line(op="unwatch", key="k"))) == [(2, OK)]
    assert frames(engine.handle_line(2, line(op="unwatch", key="k"))) == [(2, OK)]
    assert frames(engine.handle_line(1, line(op="set", key="k", value="w"))) == [(1, OK)]


def test_a_closed_session_is_no_longer_notified(kv_store):
    engine = engine_with(kv_store(), 1, 2)
    engine.handle_line(2, line(op="watch", key="k"))
    engine.close(2)
    assert frames(engine.handle_line(1, line(op="set", key="k", value="v"))) == [(1, OK)]
    assert engine.sessions == 1


def test_key_too_long(kv_store):
    engine = engine_with(kv_store(max_key_bytes=3), 1)
    assert frames(engine.handle_line(1, line(op="get", key="abc"))) == [
        (1, {"op": "value", "key": "abc", "value": None})
    ]
    for op in ("set", "get", "del", "watch", "unwatch"):
        [(_, refusal)] = frames(engine.handle_line(1, line(op=op, key="abcd", value="")))
        assert refusal["code"] == "key_too_long", op
        assert "at most 3 bytes, not 4" in refusal["text"]


def test_limits_count_utf8_bytes(kv_store):
    engine = engine_with(kv_store(max_key_bytes=3), 1)
    [(_, refusal)] = frames(engine.handle_line(1, line(op="get", key="éé")))
    assert refusal["code"] == "key_too_long"


def test_value_too_long_changes_nothing(kv_store):
    engine = engine_with(kv_store(max_value_bytes=2), 1, 2)
    engine.handle_line(2, line(op="watch", key="k"))
    assert frames(engine.handle_line(1, line(op="set", key="k", value="12"))) == [
        (1, OK),
        (2, {"op": "changed", "key": "k", "value": "12"}),
    ]
    [(session, refusal)] = frames(engine.handle_line(1, line(op="set", key="k", value="123")))
    assert (session, refusal["code"]) == (1, "value_too_long")
    assert frames(engine.handle_line(1, line(op="get", key="k")))[0][1]["value"] == "12"


def test_too_many_keys_refuses_new_keys_only(kv_store):
    engine = engine_with(kv_store(max_keys=2), 1)
    for key in ("a", "b"):
        assert frames(engine.handle_line(1, line(op="set", key=key, value="1"))) == [(1, OK)]
    [(_, refusal)] = frames(engine.handle_line(1, line(op="set", key="c", value="1")))
    assert refusal["code"] == "too_many_keys"
    assert "at most 2 keys" in refusal["text"]
    assert frames(engine.handle_line(1, line(op="set", key="a", value="2"))) == [(1, OK)]
    engine.handle_line(1, line(op="del", key="b"))
    assert frames(engine.handle_line(1, line(op="set", key="c", value="1"))) == [(1, OK)]


def test_too_many_watches_is_per_connection(kv_store):
    engine = engine_with(kv_store(max_watches=2), 1, 2)
    for key in ("a", "b"):
        assert frames(engine.handle_line(1, line(op="watch", key=key))) == [(1, OK)]
    assert frames(engine.handle_line(1, line(op="watch", key="a"))) == [(1, OK)]  # already
    [(_, refusal)] = frames(engine.handle_line(1, line(op="watch", key="c")))
    assert refusal["code"] == "too_many_watches"
    assert frames(engine.handle_line(2, line(op="watch", key="c"))) == [(2, OK)]
    engine.handle_line(1, line(op="unwatch", key="b"))
    assert frames(engine.handle_line(1, line(op="watch", key="c"))) == [(1, OK)]


def test_zero_watches_allowed(kv_store):
    engine = engine_with(kv_store(max_watches=0), 1)
    [(_, refusal)] = frames(engine.handle_line(1, line(op="watch", key="a")))
    assert refusal["code"] == "too_many_watches"
    assert frames(engine.handle_line(1, line(op="unwatch", key="a"))) == [(1, OK)]


def test_handle_takes_a_decoded_request(kv_store):
    import kvstore

    engine = engine_with(kv_store(), 1)
    request = kvstore.Request(op="set", key="a", value="1")
    assert frames(engine.handle(1, request)) == [(1, OK)]
