"""timeouts.py and waits.py: every wait ends before the test's own timeout, and a
timeout that fires anyway still shows the chatlab sections."""

from __future__ import annotations

import pytest

from support.pytester_runs import run

pytest_plugins = ["pytester"]

WAITS = """
    import threading
    import time

    def test_expect_never_matches(new_client):
        alice = new_client(label="alice")
        started = time.monotonic()
        try:
            alice.expect(type="chat", text="never", timeout=30)
        finally:
            print("WAITED", round(time.monotonic() - started, 3))

    def test_device_waits(bound_device):
        dev = bound_device(label="dev")
        assert dev.wait_for(lambda m: m.type == "chat", timeout=30) is None
        print("DEVICE WAITED LESS THAN THE TEST")

    def test_stuck_elsewhere(new_client):
        new_client(label="bystander").sync()
        threading.Event().wait(30)

    def test_after(room):
        pass
"""


def test_a_wait_fails_with_its_own_message_before_the_tests_timeout(pytester: pytest.Pytester):
    pytester.makepyfile(WAITS)

    result = run(pytester, "-s", "--timeout=3", "-k", "expect or device")

    result.assert_outcomes(failed=1, passed=1)
    output = result.stdout.str()
    assert "Timeout" not in output.replace("TimeoutError", "")
    result.stdout.fnmatch_lines(
        [
            "*DEVICE WAITED LESS THAN THE TEST*",  # printed as it runs, before the failures
            "*alice: waited *s (cut short, to end before the test's timeout) for a frame matching*",
        ]
    )
    waited = float(
        next(line.split("WAITED ")[1] for line in result.stdout.lines if "WAITED " in line)
    )
    assert 1.5 <= waited <= 2.5  # the waits end 0.5 s before the timeout, setup counted


def test_the_signal_timeout_keeps_the_sections_and_the_run_goes_on(pytester: pytest.Pytester):
    pytester.makepyfile(WAITS)

    result = run(pytester, "--timeout=1", "-k", "stuck or after")

    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(
        ["*Failed: Timeout (>1.0s) from pytest-timeout*", "*chatlab mock client bystander*"]
    )


def test_the_thread_timeout_prints_the_sections_before_the_process_ends(
    pytester: pytest.Pytester,
):
    pytester.makepyfile(WAITS)

    result = pytester.runpytest_subprocess(
        "-p", "no:hypothesispytest", "--timeout=1", "--timeout-method=thread", "-k", "stuck"
    )

    assert result.ret != 0
    result.stdout.fnmatch_lines(
        ["*chatlab mock client bystander (timeout)*", "*recv*welcome, guest-1*", "*+ Timeout +*"]
    )


def test_a_wait_on_a_connection_the_server_closed_fails_at_once(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        import time
        import pytest

        def test_closed(chatlab_server_factory, new_client):
            full = chatlab_server_factory(max_clients=1)
            new_client(server=full)
            refused = new_client(server=full, label="refused")
            started = time.monotonic()
            with pytest.raises(AssertionError, match="the server closed the connection"):
                refused.expect(type="roster")
            assert time.monotonic() - started < 1.0
        """
    )

    run(pytester).assert_outcomes(passed=1)
