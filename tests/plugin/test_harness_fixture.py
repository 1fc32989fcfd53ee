"""chatlab_harness, checked through pytester in projects with no conftest."""

from __future__ import annotations

import pytest

from support.pytester_runs import run

pytest_plugins = ["pytester"]


def test_a_failing_harness_test_shows_the_report_and_the_timeline(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        def test_wrong_expectation(chatlab_harness):
            report = chatlab_harness.run(
                [("alice", "/name alice"), ("bob", "/name bob"), ("alice", "hi bob")]
            )
            assert report.delivery_of("hi bob").recipients == ["alice"]
        """
    )

    result = run(pytester)

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*chatlab harness report (call)*",
            "Scenario report — 2 participants, *s, 3 messages sent",
            "participant   sent  recv*",
            "alice            2     *",
            '       alice  "hi bob"  ->  bob',
            "*chatlab harness timeline (call)*",
            '+0.000000s  alice  <-  {"from":"server","text":"welcome, guest-1","type":"notice"}',
            '+*s  alice  ->  {"text":"hi bob","type":"chat"}',
            '+*s  bob  <-  {"from":"alice","text":"hi bob","type":"chat"}',
        ]
    )
    assert '"sync"' not in result.stdout.str()


def test_a_passing_harness_test_shows_nothing_and_disconnects_its_devices(
    pytester: pytest.Pytester,
):
    pytester.makepyfile(
        """
        made = []

        def test_chat(chatlab_harness):
            made.append(chatlab_harness)
            report = chatlab_harness.run([("a", "/name a"), ("b", "/name b"), ("a", "yo")])
            assert report.delivery_of("yo").recipients == ["b"]

        def test_after():
            devices = [made[0].device(name) for name in made[0].participants]
            assert devices and not any(device.connected for device in devices)
        """
    )

    result = run(pytester)

    result.assert_outcomes(passed=2)
    assert "chatlab harness" not in result.stdout.str()


def test_a_harness_test_is_marked_e2e_and_selected_by_it(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        def test_scenario(chatlab_harness):
            chatlab_harness.run([("solo", "/name solo")])

        def test_wire(new_client):
            new_client().sync()
        """
    )

    e2e = run(pytester, "-m", "e2e", "-v")
    integration = run(pytester, "-m", "integration", "-v")

    e2e.assert_outcomes(passed=1, deselected=1)
    e2e.stdout.fnmatch_lines(["*test_scenario PASSED*"])
    integration.assert_outcomes(passed=1, deselected=1)
    integration.stdout.fnmatch_lines(["*test_wire PASSED*"])
