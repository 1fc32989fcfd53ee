"""report.py: pure, so every timeline here is written out by hand."""

from __future__ import annotations

import json

import pytest

from pytest_chatlab import Message
from pytest_chatlab.report import Delivery, Report, format_timeline
from support.article import (
    ARTICLE_DELIVERIES,
    ARTICLE_ROWS,
    PEOPLE,
    Timeline,
    article_timeline,
    roster,
)

pytestmark = pytest.mark.unit


def test_the_article_table_is_reproduced_from_its_timeline():
    report = Report.from_timeline(article_timeline().entries, participants=PEOPLE, elapsed=0.6)

    assert report.render().splitlines() == [
        "Scenario report — 3 participants, 0.60s, 6 messages sent",
        "",
        *ARTICLE_ROWS,
        "",
        "Chat delivery (who received each message):",
        *ARTICLE_DELIVERIES,
    ]


def test_the_table_counts_by_type_and_the_totals_add_up():
    report = Report.from_timeline(article_timeline().entries, participants=PEOPLE)

    alice = report.participant("alice")
    assert (alice.sent, alice.recv, alice.chat, alice.notice, alice.roster, alice.join) == (
        3,
        11,
        1,
        2,
        6,
        2,
    )
    assert report.messages_sent == 6
    assert report.messages_received == 30


def test_delivery_of_names_the_recipients_in_participant_order():
    report = Report.from_timeline(article_timeline().entries, participants=PEOPLE)

    assert report.delivery_of("hi everyone").recipients == ["bob", "carol"]
    assert report.delivery_of("hey alice") == Delivery("bob", "hey alice", ["alice", "carol"], 0)
    assert [d.text for d in report.deliveries] == ["hi everyone", "hey alice", "ping"]


def test_commands_are_sent_frames_but_not_chat_lines():
    report = Report.from_timeline(article_timeline().entries, participants=PEOPLE)

    assert report.deliveries_of("/name alice") == []
    with pytest.raises(KeyError, match=r'no chat line .*sent lines: "hi everyone", "hey alice"'):
        report.delivery_of("/name alice")


def test_a_text_sent_twice_gives_the_first_and_deliveries_of_gives_both():
    tl = Timeline()
    tl.sent("alice", "again")
    tl.recv("bob", type="chat", sender="alice", text="again")
    tl.sent("alice", "again")
    tl.recv("bob", type="chat", sender="alice", text="again")
    tl.recv("carol", type="chat", sender="alice", text="again")  # carol got one copy

    report = Report.from_timeline(tl.entries, participants=PEOPLE)

    first, second = report.deliveries_of("again")
    assert report.delivery_of("again") is first
    # one connection's frames reach carol in order: her only copy is the first send's
    assert first.recipients == ["bob", "carol"]
    assert second.recipients == ["bob"]
    assert first.sent_at < second.sent_at


def test_a_chat_no_participant_sent_is_unmatched_not_a_delivery():
    tl = Timeline()
    tl.recv("bob", type="chat", sender="alice", text="I am not really alice")  # before any send
    tl.sent("alice", "hello")
    tl.recv("bob", type="chat", sender="guest-9", text="hello")  # an outsider
    tl.recv("bob", type="chat", sender="alice", text="hello")

    report = Report.from_timeline(tl.entries, participants=PEOPLE)

    assert report.delivery_of("hello").recipients == ["bob"]
    assert [e.message.text for e in report.unmatched] == ["I am not really alice", "hello"]
    assert "Chat frames received that no participant sent:" in report.render()
    assert report.to_dict()["unmatched"][1] == {
        "participant": "bob",
        "frame": {"type": "chat", "from": "guest-9", "text": "hello"},
    }


# -- wire names: a participant need not be known by its participant name ------


def welcome(tl: Timeline, who: str, guest: str) -> None:
    tl.recv(who, type="notice", sender="server", text=f"welcome, {guest}")


def test_a_participant_that_keeps_its_guest_name_is_matched_by_it():
    tl = Timeline()
    welcome(tl, "alice", "guest-1")
    welcome(tl, "bob", "guest-2")
    tl.sent("bob", "hello")
    tl.recv("alice", type="chat", sender="guest-2", text="hello")
    tl.recv("alice", type="chat", sender="bob", text="hello")  # bob is not bob's wire name

    report = Report.from_timeline(tl.entries, participants=["alice", "bob"])

    assert report.delivery_of("hello") == Delivery("bob", "hello", ["alice"], 0)
    assert [e.message.sender for e in report.unmatched] == ["bob"]
    assert '         bob  "hello"  ->  alice' in report.render()
    assert [row.name for row in report.participants] == ["alice", "bob"]


def test_renames_and_a_refused_one_change_the_name_lines_are_matched_by():
    tl = Timeline()
    welcome(tl, "alice", "guest-1")
    welcome(tl, "bob", "guest-2")
    welcome(tl, "carol", "guest-3")
    tl.sent("carol", "/name bobby")
    roster(tl, PEOPLE, ["guest-1", "guest-2", "bobby"])
    tl.sent("bob", "/name robert")
    roster(tl, PEOPLE, ["guest-1", "robert", "bobby"])
    tl.sent("bob", "hi")
    tl.recv("alice", type="chat", sender="robert", text="hi")  # carol misses this one
    tl.sent("bob", "/name bobby")
    tl.recv("bob", type="error", code="name_taken", text="bobby is taken")
    tl.sent("bob", "/name bob")
    roster(tl, PEOPLE, ["guest-1", "bob", "bobby"])
    tl.sent("bob", "hi")
    for who in ["alice", "carol"]:
        tl.recv(who, type="chat", sender="bob", text="hi")
    tl.sent("carol", "hi")
    tl.recv("alice", type="chat", sender="bobby", text="hi")

    report = Report.from_timeline(tl.entries, participants=PEOPLE)

    # carol's only copy from "bob" is bob's second line, not his first
    assert report.deliveries_of("hi") == [
        Delivery("bob", "hi", ["alice"], 0),
        Delivery("bob", "hi", ["alice", "carol"], 0),
        Delivery("carol", "hi", ["alice"], 0),
    ]
    assert report.unmatched == []


def test_a_line_sent_while_a_rename_is_pending_goes_by_the_new_name():
    tl = Timeline()
    welcome(tl, "alice", "guest-1")
    welcome(tl, "bob", "guest-2")
    tl.sent("bob", "/name bob")
    tl.sent("bob", "quick")  # before the server's answer to the rename
    roster(tl, ["alice", "bob"], ["guest-1", "bob"])
    tl.recv("alice", type="chat", sender="bob", text="quick")

    report = Report.from_timeline(tl.entries, participants=["alice", "bob"])

    assert report.delivery_of("quick").recipients == ["alice"]
    assert report.unmatched == []


def test_of_several_pending_renames_the_last_that_took_effect_names_the_line():
    tl = Timeline()
    welcome(tl, "alice", "guest-1")
    welcome(tl, "bob", "guest-2")
    tl.sent("alice", "/name alice")
    roster(tl, ["alice", "bob"], ["alice", "guest-2"])
    tl.sent("bob", "/name bobby")
    tl.sent("bob", "/name alice")  # taken
    tl.sent("bob", "/name not valid")
    tl.sent("bob", "now?")
    roster(tl, ["alice", "bob"], ["alice", "bobby"])
    tl.recv("bob", type="error", code="name_taken", text="alice is taken")
    tl.recv("bob", type="error", code="bad_name", text="invalid name")
    tl.recv("alice", type="chat", sender="bobby", text="now?")

    report = Report.from_timeline(tl.entries, participants=["alice", "bob"])

    assert report.delivery_of("now?").recipients == ["alice"]
    assert report.unmatched == []


def test_a_name_one_participant_gave_up_matches_the_next_holders_lines():
    tl = Timeline()
    for who, guest in zip(PEOPLE, ["guest-1", "guest-2", "guest-3"], strict=True):
        welcome(tl, who, guest)
    tl.sent("alice", "/name x")
    roster(tl, PEOPLE, ["x", "guest-2", "guest-3"])
    tl.sent("alice", "hi")
    for who in ["bob", "carol"]:
        tl.recv(who, type="chat", sender="x", text="hi")
    tl.sent("alice", "/name alice")
    roster(tl, PEOPLE, ["alice", "guest-2", "guest-3"])
    tl.sent("bob", "/name x")
    roster(tl, PEOPLE, ["alice", "x", "guest-3"])
    tl.sent("bob", "hi")
    for who in ["alice", "carol"]:
        tl.recv(who, type="chat", sender="x", text="hi")

    report = Report.from_timeline(tl.entries, participants=PEOPLE)

    # alice's first copy from "x" is bob's line: her own never comes back to her
    assert [d.to_dict() for d in report.deliveries_of("hi")] == [
        {"sender": "alice", "text": "hi", "recipients": ["bob", "carol"]},
        {"sender": "bob", "text": "hi", "recipients": ["alice", "carol"]},
    ]
    assert report.unmatched == []


def test_without_a_welcome_the_participant_name_is_the_wire_name():
    tl = Timeline()
    tl.sent("alice", "/name ally")
    tl.sent("alice", "before")  # the rename is pending: "ally" once it takes effect
    roster(tl, ["alice", "bob"], ["ally"])
    tl.sent("alice", "after")
    for text in ["before", "after"]:
        tl.recv("bob", type="chat", sender="ally", text=text)

    report = Report.from_timeline(tl.entries, participants=["alice", "bob"])

    assert report.delivery_of("before").recipients == ["bob"]
    assert report.delivery_of("after").recipients == ["bob"]
    assert report.unmatched == []


def test_a_participant_that_joins_later_is_not_credited_with_earlier_lines():
    tl = Timeline()
    tl.sent("alice", "hi")  # bob is not there yet
    tl.recv("bob", type="notice", sender="server", text="welcome, bob-guest")
    tl.sent("alice", "hi")
    tl.recv("bob", type="chat", sender="alice", text="hi")

    report = Report.from_timeline(tl.entries, participants=["alice", "bob"])

    assert [d.recipients for d in report.deliveries_of("hi")] == [[], ["bob"]]
    assert report.unmatched == []


def test_a_line_that_raced_the_recipients_join_is_still_matched():
    tl = Timeline()
    tl.sent("alice", "hi")  # sent before bob's welcome, handled after his join
    tl.recv("bob", type="notice", sender="server", text="welcome, bob-guest")
    tl.recv("bob", type="chat", sender="alice", text="hi")

    report = Report.from_timeline(tl.entries, participants=["alice", "bob"])

    assert report.delivery_of("hi").recipients == ["bob"]
    assert report.unmatched == []


def test_a_line_nobody_received_renders_as_nobody():
    tl = Timeline()
    tl.sent("alice", "anyone?")

    report = Report.from_timeline(tl.entries, participants=["alice"])

    assert report.delivery_of("anyone?").recipients == []
    assert '       alice  "anyone?"  ->  (nobody)' in report.render()
    assert report.render().startswith("Scenario report — 1 participant, 0.00s, 1 message sent")


def test_recv_counts_every_frame_including_types_without_a_column():
    tl = Timeline()
    tl.recv("alice", type="mystery")
    tl.recv("alice", type="error", code="bad_json", text="x")

    row = Report.from_timeline(tl.entries, participants=["alice"]).participant("alice")

    assert (row.recv, row.error, row.chat) == (2, 1, 0)


def test_entries_are_sorted_by_time_and_tuples_are_accepted():
    late = (2.0, "bob", "recv", Message(type="chat", sender="alice", text="x"))
    early = (1.0, "alice", "sent", Message(type="chat", text="x"))

    report = Report.from_timeline([late, early], participants=["alice", "bob"])

    assert report.delivery_of("x").recipients == ["bob"]
    assert [e.time for e in report.timeline] == [1.0, 2.0]
    assert report.elapsed == 1.0  # the span, when no elapsed is given


def test_the_name_column_widens_for_long_names():
    long = "a-rather-long-participant"
    report = Report.from_timeline([], participants=[long, "b"])

    header, first, second = report.render().splitlines()[2:5]
    assert header.startswith("participant" + " " * (len(long) - len("participant")) + "   sent")
    assert first.startswith(long + "      0")
    assert len(first) == len(second) == len(header)


def test_participants_with_no_traffic_get_a_zero_row():
    report = Report.from_timeline([], participants=["alice"])

    assert report.render().splitlines()[3] == "alice" + " " * 6 + "      0     0" + (
        "         0" + "       0" * 5
    )
    assert report.elapsed == 0.0


def test_an_entry_of_a_non_participant_is_refused():
    tl = Timeline()
    tl.sent("mallory", "hi")

    with pytest.raises(ValueError, match="non-participants: mallory"):
        Report.from_timeline(tl.entries, participants=PEOPLE)


def test_an_unknown_direction_is_refused():
    with pytest.raises(ValueError, match="direction must be"):
        Report.from_timeline(
            [(1.0, "alice", "sideways", Message(type="chat", text="x"))], participants=["alice"]
        )


def test_sync_traffic_is_not_the_reports_business():
    # The harness never records its sync barriers; a report of a timeline
    # without them is exactly the article's.
    report = Report.from_timeline(article_timeline().entries, participants=PEOPLE)

    assert all(entry.message.type != "sync" for entry in report.timeline)
    assert report.messages_sent == 6


def test_to_dict_is_json_ready_and_carries_the_counts():
    report = Report.from_timeline(article_timeline().entries, participants=PEOPLE, elapsed=0.25)

    data = json.loads(json.dumps(report.to_dict()))

    assert data["participant_count"] == 3
    assert data["elapsed"] == 0.25
    assert data["messages_sent"] == 6
    assert data["messages_received"] == 30
    assert data["participants"][1] == {
        "name": "bob",
        "sent": 2,
        "recv": 10,
        "chat": 2,
        "notice": 2,
        "roster": 5,
        "join": 1,
        "leave": 0,
        "error": 0,
    }
    assert data["deliveries"][0] == {
        "sender": "alice",
        "text": "hi everyone",
        "recipients": ["bob", "carol"],
    }
    assert data["unmatched"] == []


def test_the_timeline_renders_one_line_per_entry_relative_to_the_first():
    tl = Timeline()
    tl.sent("alice", "hi")
    tl.recv("bob", type="chat", sender="alice", text="hi")

    text = format_timeline(tl.entries)

    assert text.splitlines() == [
        '+0.000000s  alice  ->  {"text":"hi","type":"chat"}',
        '+0.010000s  bob  <-  {"from":"alice","text":"hi","type":"chat"}',
    ]
    assert format_timeline([]) == "(nothing was sent or received)"


@pytest.mark.parametrize(
    ("elapsed", "shown"), [(0.0, "0.00s"), (0.6, "0.60s"), (12.345, "12.35s"), (0.0034, "3.4ms")]
)
def test_the_elapsed_time_keeps_two_decimals_or_falls_to_milliseconds(elapsed, shown):
    header = Report.from_timeline([], participants=["a"], elapsed=elapsed).render().splitlines()[0]

    assert header == f"Scenario report — 1 participant, {shown}, 0 messages sent"
