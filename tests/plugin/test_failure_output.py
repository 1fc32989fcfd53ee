"""What a failing test of each mode shows, in a project with no conftest.

A failure has to explain itself: the assertion for a unit test; for the
other modes also, each in a section of its own, the tail of the server's
stderr, every mock client's frames, every device's messages, and the
harness's report and timeline. The per-fixture files check each section's
format in detail; this one checks that a person reading one failure of each
mode gets all of them, also under pytest-xdist.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_chatlab import server_binary

pytest_plugins = ["pytester"]

NO_HYPOTHESIS = ("-p", "no:hypothesispytest")  # in-process runs re-import every plugin

#: The titles of every chatlab section, whatever the mode.
SECTION_TITLES = ("chatlab-server ", "chatlab mock client", "chatlab device", "chatlab harness")

UNIT = """
    import pytest_chatlab as chatlab

    def test_unit(room):
        room.join(1)
        effects = room.handle_message(1, chatlab.Message(type="chat", text="ping"))
        assert effects[-1].message == chatlab.Message(type="notice", sender="server", text="PONG")
"""

INTEGRATION = """
    def test_integration(new_client):
        alice, bob = new_client(label="alice"), new_client(label="bob")
        bob.sync()
        alice.send_text("hello bob")
        alice.sync()
        assert bob.expect(type="chat")["text"] == "hello, bob"
"""

E2E = """
    def test_e2e(bound_device, new_client):
        alice, bob = bound_device(label="alice"), bound_device(label="bob")
        injector = new_client(label="injector")
        injector.send_json({"type": "chat", "text": "from the mock", "from": "alice"})
        for party in (injector, alice, bob):
            party.sync()  # every log is complete: nothing races the report
        assert [m.sender for m in bob.messages if m.type == "chat"] == ["alice"]
"""

HARNESS = """
    def test_harness(chatlab_harness):
        report = chatlab_harness.run([("alice", "/name alice"), ("bob", "/name bob"),
                                      ("alice", "hi bob")])
        assert report.delivery_of("hi bob").recipients == ["alice", "bob"]
"""


def chatty_server(pytester: pytest.Pytester, lines: int) -> str:
    """A --chatlab-server that writes ``lines`` numbered lines to stderr, then
    becomes the real server: the real CLI contract, with a log to cut."""
    wrapper = pytester.path / "chatty-server"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'i=1; while [ $i -le {lines} ]; do echo "server log line $i" >&2; i=$((i+1)); done\n'
        f'exec "{server_binary()}" "$@"\n'
    )
    wrapper.chmod(0o755)
    return f"--chatlab-server={wrapper}"


def test_a_failing_unit_test_shows_the_assertion_and_no_sections(pytester: pytest.Pytester):
    pytester.makepyfile(UNIT)

    result = pytester.runpytest(*NO_HYPOTHESIS)

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E       AssertionError: assert Message(type='notice', sender='server', text='pong')"
            " == Message(type='notice', sender='server', text='PONG')",
        ]
    )
    # The room is in-process: nothing ran that has a log to show.
    assert not [title for title in SECTION_TITLES if title in result.stdout.str()]


def test_a_failing_integration_test_shows_the_server_stderr_tail_and_each_clients_frames(
    pytester: pytest.Pytester,
):
    pytester.makepyfile(INTEGRATION)

    result = pytester.runpytest(*NO_HYPOTHESIS, chatty_server(pytester, lines=500))

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E       AssertionError: assert 'hello bob' == 'hello, bob'",
            "*- chatlab-server 127.0.0.1:* (running) stderr (call) -*",
            "server log line 499",
            "server log line 500",
            "*- chatlab mock client alice (call) -*",
            '*sent*{"text":"hello bob","type":"chat"}*',
            "*- chatlab mock client bob (call) -*",
            '*recv*{"from":"guest-1","text":"hello bob","type":"chat"}*',
        ]
    )
    # The tail: a long log does not bury the failure.
    assert "server log line 1" not in result.stdout.lines


def test_a_failing_e2e_test_shows_each_devices_messages_and_the_mocks_frames(
    pytester: pytest.Pytester,
):
    pytester.makepyfile(E2E)

    result = pytester.runpytest(*NO_HYPOTHESIS)

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E       AssertionError: assert ['guest-3'] == ['alice']",
            "*- chatlab-server 127.0.0.1:* stderr (call) -*",
            "*- chatlab mock client injector (call) -*",
            '*sent*{"from":"alice","text":"from the mock","type":"chat"}*',
            "*- chatlab device alice (call) -*",
            "alice (127.0.0.1:* -> 127.0.0.1:*, name guest-1, connected):",
            "*- chatlab device bob (call) -*",
            "bob (127.0.0.1:* -> 127.0.0.1:*, name guest-2, connected):",
            '*recv*{"from":"guest-3","text":"from the mock","type":"chat"}*',
        ]
    )


def test_a_failing_harness_test_shows_the_report_and_the_timeline(pytester: pytest.Pytester):
    pytester.makepyfile(HARNESS)

    result = pytester.runpytest(*NO_HYPOTHESIS)

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E       AssertionError: assert ['bob'] == ['alice', 'bob']",
            "*- chatlab-server 127.0.0.1:* stderr (call) -*",
            "*- chatlab harness report (call) -*",
            '       alice  "hi bob"  ->  bob',
            "*- chatlab harness timeline (call) -*",
            '+*s  bob  <-  {"from":"alice","text":"hi bob","type":"chat"}',
        ]
    )


def test_every_section_reaches_the_report_from_xdist_workers(pytester: pytest.Pytester):
    pytester.makepyfile(
        test_unit=UNIT, test_integration=INTEGRATION, test_e2e=E2E, test_harness=HARNESS
    )

    result = pytester.runpytest_subprocess(*NO_HYPOTHESIS, "-p", "no:cacheprovider", "-n", "2")

    result.assert_outcomes(failed=4)
    output = result.stdout.str()
    for title in (
        "chatlab mock client alice (call)",
        "chatlab mock client injector (call)",
        "chatlab device bob (call)",
        "chatlab harness report (call)",
        "chatlab harness timeline (call)",
    ):
        assert title in output
    assert output.count(" stderr (call) ") == 3  # one server each for the three wire modes


def test_each_rerun_reports_only_its_own_attempts_sections(pytester: pytest.Pytester):
    pytest.importorskip("pytest_rerunfailures")
    pytester.makepyfile(INTEGRATION)

    result = pytester.runpytest(*NO_HYPOTHESIS, "-p", "rerunfailures", "--reruns", "2", "-rA")

    result.stdout.fnmatch_lines(["*1 failed, 2 rerun*"])
    failure = result.stdout.str().split("= FAILURES =")[1]
    titles = [line for line in failure.splitlines() if "chatlab" in line and "----" in line]
    # One server's stderr and the two clients' frames, from the last attempt only.
    assert len([t for t in titles if "chatlab-server" in t and " stderr " in t]) == 1, titles
    assert len([t for t in titles if "chatlab mock client" in t]) == 2, titles


LONG_AND_CHATTY = """
    def test_long(new_client):
        alice, bob = new_client(label="alice"), new_client(label="bob")
        bob.sync()
        for n in range(300):
            alice.send_text(f"line {n}")
        alice.send_text("x" * 4000)
        alice.sync()
        bob.sync()
        assert False, "look at the logs"
"""


def test_long_frames_are_shortened_and_long_logs_capped_with_the_whole_log_in_a_file(
    pytester: pytest.Pytester,
):
    pytester.makepyfile(LONG_AND_CHATTY)

    result = pytester.runpytest(*NO_HYPOTHESIS, f"--basetemp={pytester.path / 'tmp'}")

    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert len(output) < 60_000  # 300 frames to each of two clients, one of 4 kB
    assert "bytes, " in output
    assert "left out] ..." in output
    assert "earlier events left out" in output
    [bob_log] = [
        line.split("whole log: ")[1].rstrip(")")
        for line in result.stdout.lines
        if "whole log:" in line and "bob" in line
    ]
    whole = Path(bob_log).read_text(encoding="utf-8")
    assert "x" * 4000 in whole
    assert whole.count('"type":"chat"') == 301


def test_the_ini_keys_set_the_log_limits(pytester: pytest.Pytester):
    pytester.makeini("[pytest]\nchatlab_log_events = 5\nchatlab_log_line_bytes = 0\n")
    pytester.makepyfile(LONG_AND_CHATTY)

    result = pytester.runpytest(*NO_HYPOTHESIS)

    output = result.stdout.str()
    assert "x" * 4000 in output  # no line limit
    bob = output.split("chatlab mock client bob")[1]
    assert bob.count("  recv  ") + bob.count("  sent  ") == 5


@pytest.mark.parametrize("key", ["chatlab_log_events", "chatlab_log_line_bytes"])
def test_a_bad_log_limit_is_a_usage_error(pytester: pytest.Pytester, key: str):
    pytester.makeini(f"[pytest]\n{key} = lots\n")
    pytester.makepyfile("def test_a(): pass")

    result = pytester.runpytest(*NO_HYPOTHESIS)

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{key} must be a whole number*'lots'*"])
