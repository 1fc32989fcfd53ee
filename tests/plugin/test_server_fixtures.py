"""server_process, chatlab_server_factory and new_client, checked through pytester."""

from __future__ import annotations

import sys
import time

import pytest

from pytest_chatlab import server_binary
from support.killed_run import survivors_of_a_killed_run
from support.pytester_runs import run

pytest_plugins = ["pytester"]


def test_a_mode2_test_passes_and_is_marked_integration(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        def test_chat(server_process, new_client):
            alice, bob = new_client(label="alice"), new_client(label="bob")
            alice.sync(); bob.sync()
            alice.send_text("hi")
            assert bob.expect(type="chat", text="hi")["from"] == "guest-1"

        def test_plain():
            pass
        """
    )

    result = run(pytester, "-m", "integration", "-v")

    result.assert_outcomes(passed=1, deselected=1)
    result.stdout.fnmatch_lines(["*test_chat PASSED*"])


def test_the_factory_starts_servers_with_other_limits(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        def test_full(chatlab_server_factory, new_client):
            small = chatlab_server_factory(max_clients=1)
            new_client(server=small).sync()
            refused = new_client(server=small)
            refused.expect(type="error", code="server_full")
            assert refused.wait_closed()
        """
    )

    run(pytester, "-m", "integration").assert_outcomes(passed=1)


def test_a_server_that_crashes_mid_test_fails_that_test(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        import os, signal

        def test_crash(server_process):
            os.kill(server_process.pid, signal.SIGSEGV)
            server_process.wait(timeout=5)

        def test_next(server_process):
            pass
        """
    )

    result = run(pytester)

    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(["*chatlab-server crashed (killed by SIGSEGV*", "*stderr*"])


TWO_SERVER_TESTS = """
def test_one(server_process): pass
def test_two(new_client): pass
"""


def name_the_binary(pytester: pytest.Pytester, how: str, path: str) -> list[str]:
    """Names ``path`` as the server binary the ``how`` way; returns the extra args."""
    if how == "option":
        return [f"--chatlab-server={path}"]
    if how == "ini":
        pytester.makeini(f"[pytest]\nchatlab_server = {path}\n")
    else:
        pytester._monkeypatch.setenv("CHATLAB_SERVER", path)
    return []


@pytest.mark.parametrize("how", ["option", "ini", "env"])
@pytest.mark.parametrize("problem", ["no such file", "not executable"])
def test_a_bad_binary_is_one_usage_error_at_the_start_however_it_was_named(
    pytester: pytest.Pytester, how: str, problem: str
):
    pytester.makepyfile(TWO_SERVER_TESTS)
    binary = pytester.path / "my-server"
    if problem == "not executable":
        binary.write_text("#!/bin/sh\nexit 0\n")
    args = name_the_binary(pytester, how, str(binary) if how != "ini" else "my-server")

    result = run(pytester, *args)

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    source = {
        "option": "--chatlab-server=",
        "ini": "the ini key chatlab_server",
        "env": "$CHATLAB_SERVER=",
    }
    errors = [line for line in result.stderr.lines if "chatlab:" in line]
    assert len(errors) == 1, result.stderr.lines
    assert source[how] in errors[0]
    assert f"{problem} ({binary})" in errors[0]
    assert "passed" not in result.stdout.str()
    assert "error" not in result.stdout.str().lower()


def test_a_broken_binary_fails_the_fixture_fast_with_its_status_and_stderr(
    pytester: pytest.Pytester,
):
    broken = pytester.path / "broken-server"
    broken.write_text("#!/bin/sh\necho 'cannot open the frobnicator' >&2\nexit 3\n")
    broken.chmod(0o755)
    pytester.makepyfile("def test_needs_server(server_process): pass")

    started = time.monotonic()
    result = run(pytester, f"--chatlab-server={broken}")

    assert time.monotonic() - started < 5.0  # at once, not after the 10 s startup deadline
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*the server exited before READY (exit status 3)*", "*cannot open the frobnicator*"]
    )
    report = result.stdout.str().split("short test summary info")[0]  # -ra repeats it after
    assert report.count("the server exited before READY") == 1  # once, not chained again
    assert "During handling of the above exception" not in report


def test_the_ini_key_selects_the_binary_relative_to_the_rootdir(pytester: pytest.Pytester):
    (pytester.path / "bin").mkdir()
    (pytester.path / "bin" / "chatlab-server").symlink_to(server_binary())
    pytester.makeini("[pytest]\nchatlab_server = bin/chatlab-server\n")
    pytester.makepyfile(
        """
        def test_binary(server_process):
            assert server_process.binary.parent.name == "bin"
        """
    )

    run(pytester).assert_outcomes(passed=1)


def test_a_failing_test_reports_server_stderr_and_each_clients_frames(
    pytester: pytest.Pytester,
):
    pytester.makepyfile(
        """
        def test_fails(server_process, new_client):
            alice = new_client(label="alice")
            alice.send_text("/name alice")
            alice.sync()
            assert False, "look at the sections"
        """
    )

    result = run(pytester)

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*chatlab-server 127.0.0.1:* stderr (call)*",
            "*chatlab mock client alice (call)*",
            '*sent*{"text":"/name alice","type":"chat"}*',
            '*recv*"roster","users":?"alice"?}*',
        ]
    )


def test_the_options_show_in_help(pytester: pytest.Pytester):
    result = run(pytester, "--help")

    result.stdout.fnmatch_lines(["*--chatlab-server=PATH*", "*chatlab_server (string)*"])


HOLD_SERVER = """
    import threading

    def test_hold(server_process):
        with open({fifo!r}, "w") as fifo:
            fifo.write(f"{{server_process.pid}}\\n")
        threading.Event().wait()
    """


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pidfd_open is Linux-only")
@pytest.mark.parametrize("workers", [0, 2], ids=["serial", "xdist-2"])
def test_no_server_outlives_a_killed_pytest(pytester: pytest.Pytester, workers: int):
    args = ["-n", str(workers)] if workers else ["test_hold_a.py"]

    survivors = survivors_of_a_killed_run(
        pytester, lambda fifo: HOLD_SERVER.format(fifo=fifo), args, count=2 if workers else 1
    )

    assert survivors == [], "chatlab-server processes outlived the killed pytest"
