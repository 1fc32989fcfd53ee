"""A failing test's conversation, drawn, through pytester.

A failing test that made mock clients, devices or a harness gets a sequence
diagram in its tmp_path, named in a section of its report; pytest-html
embeds it in the test's row; JUnit XML carries the sections as properties.
A passing test gets nothing written.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from support.pytester_runs import run

pytest_plugins = ["pytester"]

FAILING_EXPECT = """
    def test_conversation(new_client, bound_device):
        alice = new_client(label="alice")
        bob = bound_device(label="bob")
        alice.send_text("hello")
        bob.expect(type="chat", text="hello")
        alice.expect(type="chat", text="never sent", timeout=0.2)
"""


def diagram_paths(result: pytest.RunResult) -> list[Path]:
    text = result.stdout.str()
    section = text.split("chatlab diagrams (call)", 1)[1]
    return [Path(p) for p in re.findall(r"^(/\S+\.html)$", section, re.MULTILINE)]


def test_a_failing_test_names_its_diagram_and_it_shows_the_conversation(pytester):
    pytester.makepyfile(FAILING_EXPECT)

    result = run(pytester)

    result.assert_outcomes(failed=1)
    [path] = diagram_paths(result)
    assert path.name == "conversation.html"
    assert path.parent.name == "chatlab-logs"
    page = path.read_text(encoding="utf-8")
    assert ">alice</text>" in page
    assert ">bob</text>" in page
    assert "never arrived: a frame matching {&#x27;type&#x27;: &#x27;chat&#x27;" in page
    assert "hello" in page


def test_a_failing_harness_test_gets_the_harness_diagram(pytester):
    pytester.makepyfile(
        """
        def test_harness(chatlab_harness):
            chatlab_harness.run([("alice", "/name alice"), ("bob", "hi")])
            assert False, "look at the picture"
        """
    )

    result = run(pytester)

    [path] = diagram_paths(result)
    assert path.name == "harness-1.html"
    assert ">hi</text>" not in path.read_text()  # frames are labels, not lane names
    assert "text=&quot;hi&quot;" in path.read_text()


def test_a_passing_test_writes_no_diagram(pytester):
    pytester.makepyfile(
        """
        def test_fine(new_client, tmp_path):
            new_client().sync()
        """
    )

    result = run(pytester, "--basetemp", str(pytester.path / "tmp"))

    result.assert_outcomes(passed=1)
    assert list((pytester.path / "tmp").rglob("*.html")) == []


def test_junit_xml_carries_the_sections_as_properties(pytester):
    pytester.makepyfile(FAILING_EXPECT)

    run(pytester, "--junitxml=out.xml")

    tree = ET.parse(pytester.path / "out.xml")
    names = [p.get("name") for p in tree.iter("property")]
    assert "chatlab mock client alice (call)" in names
    assert "chatlab diagrams (call)" in names


def test_pytest_html_embeds_the_diagram_in_the_test_row(pytester):
    pytest.importorskip("pytest_html")
    pytester.makepyfile(FAILING_EXPECT)

    run(pytester, "--html=report.html", "--self-contained-html")

    report = (pytester.path / "report.html").read_text(encoding="utf-8")
    assert "iframe" in report
    assert "conversation.html" in report


def test_without_pytest_html_nothing_changes(pytester):
    pytester.makepyfile(FAILING_EXPECT)

    result = run(pytester, "-p", "no:html")

    result.assert_outcomes(failed=1)
    assert len(diagram_paths(result)) == 1


def test_a_diagram_that_cannot_be_drawn_is_said_and_the_failure_still_shown(pytester):
    pytester.makepyfile(
        """
        import pytest_chatlab as chatlab
        from pytest_chatlab.events import Event

        class Odd:
            label = "odd"
            missed = []

            def __init__(self):
                self.log = [Event("recv", 1.0, object())]  # no frame, no note: undrawable

            def check(self):
                pass

        def test_odd(new_client):
            chatlab.track(Odd())
            new_client(label="alice")
            assert False, "the real failure"
        """
    )

    result = run(pytester)

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*the real failure*", "*could not draw them: *"])
    assert "INTERNALERROR" not in result.stdout.str()
