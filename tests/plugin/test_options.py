"""options.py: the ini keys and options the run reads once (the default per-test
timeout, the server binary and the header line that names it)."""

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
