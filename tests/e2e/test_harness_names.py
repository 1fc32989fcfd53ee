"""The report matches chat lines by the name the server used, not the participant's label."""

from __future__ import annotations

import pytest

from pytest_chatlab.orchestrator import Harness

pytestmark = pytest.mark.e2e

SCRIPT = [
    ("alice", "hi all"),  # as guest-1
    ("bob", "hey"),  # as guest-2
    ("carol", "/name zed"),
    ("carol", "zed here"),
    ("bob", "/name alice"),  # the participant alice never took it
    ("bob", "who am I"),
    ("alice", "hi all"),
]


def assert_matched(report):
    assert [d.to_dict() for d in report.deliveries] == [
        {"sender": "alice", "text": "hi all", "recipients": ["bob", "carol"]},
        {"sender": "bob", "text": "hey", "recipients": ["alice", "carol"]},
        {"sender": "carol", "text": "zed here", "recipients": ["alice", "bob"]},
        {"sender": "bob", "text": "who am I", "recipients": ["alice", "carol"]},
        {"sender": "alice", "text": "hi all", "recipients": ["bob", "carol"]},
    ]
    assert report.unmatched == []


def test_participants_that_keep_their_guest_names_or_rename_are_matched(chatlab_harness):
    report = chatlab_harness.run(SCRIPT)

    assert report.delivery_of("hey").recipients == ["alice", "carol"]
    assert report.delivery_of("zed here").recipients == ["alice", "bob"]
    assert report.delivery_of("who am I").sender == "bob"
    assert_matched(report)
    assert [row.name for row in report.participants] == ["alice", "bob", "carol"]
    assert [row.chat for row in report.participants] == [3, 3, 4]
    names = [chatlab_harness.device(who).name for who in ("alice", "bob", "carol")]
    assert names == ["guest-1", "alice", "zed"]
    assert "Chat frames received that no participant sent" not in report.render()


def test_settling_only_at_the_end_matches_the_same_way(chatlab_server_factory):
    with Harness(chatlab_server_factory()) as harness:
        report = harness.run(SCRIPT, settle_each_step=False)

    assert_matched(report)


def test_a_participant_added_later_is_credited_only_with_later_lines(chatlab_harness):
    chatlab_harness.run([("alice", "hi"), ("carol", "ok")])
    report = chatlab_harness.run([("bob", "yo"), ("alice", "hi")])  # bob joins now

    assert [d.recipients for d in report.deliveries_of("hi")] == [["carol"], ["carol", "bob"]]
    assert report.unmatched == []
