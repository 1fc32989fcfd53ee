"""Harness over the real server with real C++ devices: the report is exact."""

from __future__ import annotations

import pytest

from pytest_chatlab.cli import ARTICLE_SCRIPT, generated_script
from pytest_chatlab.orchestrator import Harness
from support.article import ARTICLE_DELIVERIES, ARTICLE_ROWS

# Harness(server) by hand uses only the factory fixture, which alone would say "integration".
pytestmark = pytest.mark.e2e


def test_the_article_scenario_gives_the_article_table(chatlab_harness):
    report = chatlab_harness.run(ARTICLE_SCRIPT)

    lines = report.render().splitlines()
    assert lines[0].startswith("Scenario report — 3 participants, ")
    assert lines[0].endswith("s, 6 messages sent")
    assert lines[2:6] == ARTICLE_ROWS
    assert lines[7:] == ["Chat delivery (who received each message):", *ARTICLE_DELIVERIES]
    assert report.unmatched == []


def test_the_article_deliveries_as_data(chatlab_harness):
    report = chatlab_harness.run(ARTICLE_SCRIPT)

    assert report.delivery_of("hi everyone").recipients == ["bob", "carol"]
    assert report.delivery_of("hey alice").recipients == ["alice", "carol"]
    assert report.delivery_of("ping").sender == "alice"
    assert report.participants == [report.participant(n) for n in ("alice", "bob", "carol")]


def test_the_timeline_holds_the_participants_traffic_and_no_barrier(chatlab_harness):
    report = chatlab_harness.run(ARTICLE_SCRIPT)

    timeline = chatlab_harness.timeline
    assert len(timeline) == report.messages_sent + report.messages_received == 36
    assert all(entry.message.type != "sync" for entry in timeline)
    assert [e.time for e in timeline] == sorted(e.time for e in timeline)
    sent = [(e.participant, e.message.text) for e in timeline if e.direction == "sent"]
    assert sent == ARTICLE_SCRIPT


def test_by_default_each_steps_copies_are_recorded_before_the_next_step(chatlab_harness):
    chatlab_harness.run(ARTICLE_SCRIPT)

    timeline = chatlab_harness.timeline
    sends = [index for index, entry in enumerate(timeline) if entry.direction == "sent"]
    assert all(entry.direction == "recv" for entry in timeline[: sends[0]])  # the connects
    assert len(timeline[: sends[0]]) == 2 * 3 + 2 * 3  # welcome and roster; join and roster
    for start, end in zip(sends, [*sends[1:], len(timeline)], strict=True):
        text = timeline[start].message.text
        copies = [e for e in timeline[start + 1 : end] if e.message.type == "chat"]
        assert all(copy.message.text == text for copy in copies)
        assert len(copies) == (0 if text.startswith("/") else 2)


def test_settling_only_at_the_end_gives_the_same_report(chatlab_harness, chatlab_server_factory):
    with Harness(chatlab_server_factory()) as quick:
        fast = quick.run(ARTICLE_SCRIPT, settle_each_step=False)

    slow = chatlab_harness.run(ARTICLE_SCRIPT)

    assert fast.to_dict() | {"elapsed": 0} == slow.to_dict() | {"elapsed": 0}


@pytest.mark.parametrize("count", [1, 2, 12])
def test_a_generated_scenario_follows_the_broadcast_rule(chatlab_harness, count):
    report = chatlab_harness.run(generated_script(count))

    names = [f"p{index}" for index in range(1, count + 1)]
    assert [row.name for row in report.participants] == names
    for delivery in report.deliveries:
        assert delivery.recipients == [n for n in names if n != delivery.sender]
    for index, row in enumerate(report.participants):
        later = count - index - 1  # participants who connected after this one
        assert (row.sent, row.chat, row.notice, row.join) == (2, count - 1, 1, later)
        # one roster at its own connect, one per later connect, one per rename
        assert row.roster == 1 + later + count
        assert row.recv == row.chat + row.notice + row.join + row.roster


def test_explicit_participants_connect_in_their_order_even_when_silent(chatlab_harness):
    report = chatlab_harness.run(
        [("bob", "/name bob"), ("bob", "anyone?")], participants=["lurker", "bob"]
    )

    assert [row.name for row in report.participants] == ["lurker", "bob"]
    assert report.participant("lurker").join == 1  # bob connected after it
    assert report.delivery_of("anyone?").recipients == ["lurker"]


def test_a_second_run_continues_the_same_scenario(chatlab_harness):
    chatlab_harness.run([("alice", "/name alice"), ("bob", "/name bob")])
    report = chatlab_harness.run([("bob", "still here")])

    assert report.messages_sent == 3
    assert report.delivery_of("still here").recipients == ["alice"]
    assert chatlab_harness.participants == ["alice", "bob"]


def test_an_outsiders_chat_is_reported_unmatched(chatlab_harness, new_client):
    chatlab_harness.run([("alice", "/name alice"), ("bob", "/name bob")])
    outsider = new_client(label="outsider")
    outsider.send_json({"type": "chat", "text": "trust me", "from": "alice"})
    outsider.sync()  # handled: the copies are queued before the devices' sync answers

    chatlab_harness.settle()
    report = chatlab_harness.report()

    # in time order, and the two copies race to their receive threads
    assert sorted((e.participant, e.message.sender) for e in report.unmatched) == [
        ("alice", "guest-3"),
        ("bob", "guest-3"),
    ]
    assert "Chat frames received that no participant sent:" in report.render()


def test_a_harness_on_another_server_is_closed_by_its_with_block(chatlab_server_factory):
    server = chatlab_server_factory()

    with Harness(server) as harness:
        report = harness.run([("solo", "/name solo"), ("solo", "ping")])
        device = harness.device("solo")

    assert not device.connected
    assert report.participant("solo").notice == 2  # welcome and pong
    assert report.delivery_of("ping").recipients == []


def test_a_script_naming_a_non_participant_is_refused_before_connecting(chatlab_harness):
    with pytest.raises(ValueError, match="non-participants: mallory"):
        chatlab_harness.run([("mallory", "hi")], participants=["alice"])

    assert chatlab_harness.participants == []


def test_a_malformed_step_is_refused(chatlab_harness):
    with pytest.raises(TypeError, match=r"a script step is \(participant, text\)"):
        chatlab_harness.run([("alice", "hi", "extra")])


def test_an_unknown_participant_is_named_in_the_error(chatlab_harness):
    chatlab_harness.run([("alice", "/name alice")])

    with pytest.raises(KeyError, match="no participant 'bob'; connected: alice"):
        chatlab_harness.device("bob")
