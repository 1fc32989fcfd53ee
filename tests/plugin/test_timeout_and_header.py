"""The default per-test timeout of chatlab tests, and the report header line."""

from __future__ import annotations

import pytest

from pytest_chatlab import server_binary
from support.pytester_runs import run

pytest_plugins = ["pytester"]

SHOW_TIMEOUT = """
    import pytest

    def test_uses_room(room, request):
        marker = request.node.get_closest_marker("timeout")
        print("TIMEOUT", marker.args if marker else None)

    @pytest.mark.timeout(7)
    def test_own_timeout(room, request):
        print("TIMEOUT", request.node.get_closest_marker("timeout").args)

    def test_plain(request):
        print("TIMEOUT", request.node.get_closest_marker("timeout"))
"""


def test_chatlab_tests_get_a_60_s_timeout_and_others_none(pytester: pytest.Pytester):
    pytester.makepyfile(SHOW_TIMEOUT)

    result = run(pytester, "-s")

    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*TIMEOUT (60.0,)*", "*TIMEOUT (7,)*", "*TIMEOUT None*"])


def test_the_ini_key_sets_it_and_0_turns_it_off(pytester: pytest.Pytester):
    pytester.makepyfile(SHOW_TIMEOUT)

    pytester.makeini("[pytest]\nchatlab_timeout = 2.5\n")
    run(pytester, "-s").stdout.fnmatch_lines(["*TIMEOUT (2.5,)*"])
    pytester.makeini("[pytest]\nchatlab_timeout = 0\n")
    run(pytester, "-s").stdout.fnmatch_lines(["*TIMEOUT None*", "*TIMEOUT (7,)*", "*TIMEOUT None*"])


def test_a_run_wide_timeout_wins(pytester: pytest.Pytester):
    pytester.makepyfile(SHOW_TIMEOUT)

    result = run(pytester, "-s", "--timeout=30")

    result.stdout.fnmatch_lines(["*TIMEOUT None*", "*TIMEOUT (7,)*", "*TIMEOUT None*"])


def test_a_hanging_chatlab_test_is_stopped_by_the_timeout(pytester: pytest.Pytester):
    pytester.makeini("[pytest]\nchatlab_timeout = 0.5\n")
    pytester.makepyfile(
        """
        import threading

        def test_hangs(room):
            threading.Event().wait(30)
        """
    )

    result = run(pytester, "-s")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*Failed: Timeout (>0.5s) from pytest-timeout*"])


def test_the_header_names_the_version_the_server_binary_and_who_chose_it(
    pytester: pytest.Pytester,
):
    custom = pytester.path / "custom-server"
    custom.symlink_to(server_binary())
    result = run(pytester, "-s", f"--chatlab-server={custom}")

    result.stdout.fnmatch_lines(
        [f"chatlab: pytest-chatlab *, server {custom} (from --chatlab-server)"]
    )


def test_the_header_says_when_no_server_is_found(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr("pytest_chatlab.options.server_binary", missing_server)
    pytester.makepyfile("def test_a(room): pass\ndef test_b(server_process): pass")
    result = run(pytester, "-s")

    result.stdout.fnmatch_lines(["chatlab: pytest-chatlab *, server not found"])
    result.assert_outcomes(passed=1, errors=1)  # only the test that needs a server
    result.stdout.fnmatch_lines(["*chatlab-server not found*--chatlab-server PATH*"])


def missing_server():
    raise FileNotFoundError("chatlab-server not found: nowhere")


@pytest.mark.parametrize("value", ["1m", "-5"])
def test_a_bad_chatlab_timeout_is_a_usage_error(pytester: pytest.Pytester, value: str):
    pytester.makeini(f"[pytest]\nchatlab_timeout = {value}\n")
    pytester.makepyfile("def test_a(room): pass")

    result = run(pytester, "-s")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*chatlab_timeout must be *{value}*"])


WAITS = """
    import threading
    import time

    def test_expect_never_matches(new_client):
        alice = new_client(label="alice")
        started = time.monotonic()
        try:
            alice.expect(type="chat", text="never", timeout=30)
        finally:
            print("WAITED", round(time.monotonic() - started, 1))

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

    result = run(pytester, "-s", "--timeout=2", "-k", "expect or device")

    result.assert_outcomes(failed=1, passed=1)
    output = result.stdout.str()
    assert "Timeout" not in output.replace("TimeoutError", "")
    result.stdout.fnmatch_lines(
        [
            "*DEVICE WAITED LESS THAN THE TEST*",  # printed as it runs, before the failures
            "*alice: waited 1.* s (cut short, to end before the test's timeout) "
            "for a frame matching*",
        ]
    )
    waited = float(
        next(line.split("WAITED ")[1] for line in result.stdout.lines if "WAITED " in line)
    )
    assert 1.5 <= waited < 2.0


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
