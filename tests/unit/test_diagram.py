"""diagram.py: the sequence diagram, read back as a browser's parser reads it.

The page is parsed with the stdlib's HTML parser: the elements it holds,
the arrows' tooltips, the lanes' titles. Hostile text must come back as
text, never as an element.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from pytest_chatlab import Message
from pytest_chatlab.diagram import Arrow, Diagram, Lane, Missing
from pytest_chatlab.events import Event, frame_text
from pytest_chatlab.report import Report
from support.article import PEOPLE, Timeline, article_timeline

pytestmark = pytest.mark.unit

#: Every element the diagram writes; anything else came from the data.
OWN_TAGS = {
    "html", "head", "meta", "title", "style", "body", "h1", "p", "span", "div",
    "details", "summary", "svg", "g", "line", "path", "rect", "text",
}  # fmt: skip


class Page(HTMLParser):
    """What a browser would build: elements, tooltips, lane titles, arrowheads."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.tooltips: list[str] = []
        self.lane_names: list[str] = []
        self.heads = 0
        self.groups: list[str] = []
        self._open: list[tuple[str, dict[str, str | None]]] = []
        self._text = ""
        self.feed(source)
        self.close()

    def handle_starttag(self, tag, attrs):
        fields = dict(attrs)
        self.tags.append(tag)
        if tag == "path" and fields.get("class") == "head":
            self.heads += 1
        if tag == "g":
            self.groups.append(fields.get("class") or "")
        if tag not in ("meta", "line", "path", "rect"):
            self._open.append((tag, fields))
            self._text = ""

    def handle_endtag(self, tag):
        if not self._open or self._open[-1][0] != tag:
            return
        _, fields = self._open.pop()
        inside_svg = any(name == "svg" for name, _ in self._open)
        if tag == "title" and inside_svg:
            self.tooltips.append(self._text)
        if tag == "text" and fields.get("class") == "name":
            self.lane_names.append(self._text)

    def handle_data(self, data):
        self._text += data


def article_report() -> Report:
    return Report.from_timeline(article_timeline().entries, participants=PEOPLE)


def test_lanes_are_the_server_then_the_participants_in_order():
    page = Page(article_report().to_html())

    assert page.lane_names == ["server", "alice", "bob", "carol"]


def test_every_send_and_every_delivery_has_an_arrowhead():
    report = article_report()

    page = Page(report.to_html())

    assert page.heads == len(report.timeline)
    assert set(page.tags) <= OWN_TAGS


def test_every_frame_is_in_a_tooltip_whole_as_on_the_wire():
    report = article_report()

    tooltips = Page(report.to_html()).tooltips

    assert {tooltip.split("\n", 1)[1] for tooltip in tooltips} == {
        frame_text(entry.message) for entry in report.timeline
    }


def test_a_chat_and_its_copies_share_a_link_and_a_delivery_is_one_row():
    report = article_report()

    page = Page(report.to_html())

    hi = [i for i, e in enumerate(report.timeline) if e.message.text == "hi everyone"]
    sent, *copies = hi
    assert all(report.links[copy] == sent for copy in copies)
    linked = [g for g in page.groups if f"c{sent} " in g + " "]
    assert len(linked) == 2  # alice's line, and one row for the copies to bob and carol


def test_the_tooltip_names_the_label_and_the_wire_name():
    tl = Timeline()
    tl.recv("alice", type="notice", sender="server", text="welcome, guest-1")
    tl.sent("alice", "hello")

    page = Page(Report.from_timeline(tl.entries, participants=["alice"]).to_html())

    assert any(t.startswith("alice (on the wire: guest-1) \u2192 server") for t in page.tooltips)


def test_errors_syncs_and_closes_have_their_own_kinds():
    logs = [
        (
            "probe",
            [
                Event("sent", 1.0, {"type": "sync", "id": "s1"}),
                Event("recv", 1.1, {"type": "error", "code": "bad_json", "text": "no"}),
                Event("recv", 1.2, {"type": "sync", "id": "s1"}),
                Event("sent", 1.3, b"\xff\n"),
                Event("eof", 1.4, "closed by the server"),
            ],
        )
    ]

    page = Page(Diagram.from_logs(logs).to_html())

    kinds = [g.split()[0] for g in page.groups if g.startswith("k-")]
    assert kinds == ["k-sync", "k-error", "k-sync", "k-raw", "k-close"]


def test_a_frame_that_never_arrived_is_marked_on_its_lane():
    diagram = Diagram(
        [Lane("alice"), Lane("bob")],
        [Arrow(1.0, "alice", "sent", '{"text":"hi","type":"chat"}', "chat")],
        missing=[Missing("bob", 'a frame matching {"type": "chat"}')],
    )

    page = Page(diagram.to_html())

    assert "missing" in page.groups
    assert page.tooltips[-1] == 'bob waited for a frame matching {"type": "chat"}'


def test_idle_stretches_fold_into_one_row():
    arrows = [Arrow(t, "alice", "sent", f"frame at {t}") for t in (1.0, 1.01, 3.5)]

    page = Page(Diagram([Lane("alice")], arrows).to_html())

    assert page.groups.count("idle") == 1


def test_rows_fold_into_pages_and_the_first_and_last_are_open():
    arrows = [Arrow(i / 1000, "alice", "sent", f"line {i}") for i in range(25)]

    html = Diagram([Lane("alice")], arrows).to_html(rows_per_page=10)

    assert html.count("<details") == 3
    assert html.count("<details open>") == 2


def test_an_arrow_of_an_unknown_lane_is_refused():
    with pytest.raises(ValueError, match="unknown lanes: mallory"):
        Diagram([Lane("alice")], [Arrow(1.0, "mallory", "sent", "x")])


HOSTILE = {
    "markup": "</svg><script>alert(1)</script>",
    "quotes": "\"'`",
    "ampersand": "fish & chips &amp; &lt;",
    "controls": "bell\x07 nul\x00 esc\x1b[31m",
    "right-to-left": "abc\u202edcba\u2066x\u2069",
    "long": "x" * 4096,
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_text_in_a_chat_and_a_name_stays_text(text: str):
    tl = Timeline()
    tl.sent(text, text)
    tl.recv("bob", type="chat", sender=text, text=text)
    report = Report.from_timeline(tl.entries, participants=[text, "bob"])

    html = report.to_html(title=text)
    page = Page(html)

    assert set(page.tags) <= OWN_TAGS
    assert "<script" not in html
    assert not any(ch in html for ch in "\x00\x07\x1b\u202e\u2066")
    visible = text.translate({0: "\\u0000", 7: "\\u0007", 0x1B: "\\u001b"})
    visible = visible.translate({0x202E: "\\u202e", 0x2066: "\\u2066", 0x2069: "\\u2069"})
    assert any(visible in tooltip for tooltip in page.tooltips)  # a 4,096-byte text whole


def test_a_mock_log_with_a_line_that_did_not_decode_is_drawn_as_invalid():
    logs = [
        ("m", [Event("recv", 1.0, {"type": "__invalid__", "raw": "{", "reason": "bad_json"})]),
    ]

    page = Page(Diagram.from_logs(logs).to_html())

    assert [g for g in page.groups if g.startswith("k-")] == ["k-invalid"]
    assert "invalid line '{': bad_json" in page.tooltips[0]


def test_a_device_log_of_messages_draws_like_a_mock_log():
    as_dicts = [Event("recv", 1.0, {"type": "join", "user": "guest-2"})]
    as_messages = [Event("recv", 1.0, Message(type="join", user="guest-2"))]

    assert (
        Diagram.from_logs([("a", as_dicts)]).to_html()
        == Diagram.from_logs([("a", as_messages)]).to_html()
    )


def test_frames_of_another_protocol_are_drawn_as_they_came():
    """A line client of a downstream system (no "type" field) is drawn, not a crash."""
    logs = [("kv", [Event("sent", 1.0, {"op": "ping"}), Event("recv", 1.1, {"op": "pong"})])]

    page = Page(Diagram.from_logs(logs).to_html())

    assert any("pong" in tooltip for tooltip in page.tooltips)
