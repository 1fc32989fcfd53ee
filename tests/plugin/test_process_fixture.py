"""chatlab_process, checked through pytester, on foreign servers."""

from __future__ import annotations

import sys
import threading

import pytest

from support.foreign import STDERR_READY, foreign_server
from support.killed_run import survivors_of_a_killed_run
from support.pytester_runs import run

pytest_plugins = ["pytester"]

LISTENING = r"listening on (?P<host>[\d.]+):(?P<port>\d+)"


def kv_argv(pytester: pytest.Pytester) -> list[str]:
    return foreign_server(pytester.path, "kv", STDERR_READY)


def test_a_started_server_serves_and_the_test_is_marked_integration(pytester: pytest.Pytester):
    pytester.makepyfile(
        f"""
        import re
        import socket

        def test_kv(chatlab_process, tmp_path_factory):
            kv = chatlab_process({kv_argv(pytester)!r}, ready={LISTENING!r}, label="kv")
            with socket.create_connection(kv.address) as conn:
                conn.sendall(b"ping\\n")
                assert conn.makefile("rb").readline() == b"ping\\n"
            logs = tmp_path_factory.getbasetemp() / "chatlab-logs"
            assert kv.stderr_path.parent == logs  # shared by in-process runs: kv-N
            assert re.fullmatch(r"kv-\\d+\\.stderr\\.log", kv.stderr_path.name)

        def test_plain():
            pass
        """
    )

    result = run(pytester, "-m", "integration", "-v")

    result.assert_outcomes(passed=1, deselected=1)


def test_a_server_that_crashes_mid_test_fails_it_with_both_tails(pytester: pytest.Pytester):
    pytester.makepyfile(
        f"""
        import os, signal

        def test_crash(chatlab_process):
            kv = chatlab_process({kv_argv(pytester)!r}, ready={LISTENING!r}, label="kv")
            os.kill(kv.pid, signal.SIGSEGV)
            kv.wait(timeout=5)
        """
    )

    result = run(pytester)

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*kv crashed (killed by SIGSEGV*",
            "*- kv 127.0.0.1:* (killed by SIGSEGV) stderr (call) -*",
            "kv: listening on 127.0.0.1:*",
            "  (whole log: */chatlab-logs/kv-*.stderr.log)",
            "*- kv 127.0.0.1:* (killed by SIGSEGV) stdout (call) -*",
            "kv 1.0 starting",
            "  (whole log: */chatlab-logs/kv-*.stdout.log)",
        ]
    )


def test_a_failed_start_fails_the_test_with_the_message_once(pytester: pytest.Pytester):
    argv = foreign_server(pytester.path, "broken", "sys.exit('no config file')")
    pytester.makepyfile(
        f"""
        def test_broken(chatlab_process):
            chatlab_process({argv!r}, ready={LISTENING!r}, label="broken")
        """
    )

    result = run(pytester)

    result.assert_outcomes(errors=0, failed=1)
    # The short summary repeats the message, in full when pytest sees CI set.
    failure = result.stdout.str().split("short test summary info")[0]
    assert failure.count("broken did not start: the server exited before") == 1
    assert "no config file" in failure


HOLD_FOREIGN = """
    import threading

    def test_hold(chatlab_process):
        server = chatlab_process({argv!r}, ready={ready!r})
        with open({fifo!r}, "w") as fifo:
            fifo.write(f"{{server.pid}}\\n")
        threading.Event().wait()
    """


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pidfd_open is Linux-only")
def test_no_foreign_server_outlives_a_killed_xdist_run(pytester: pytest.Pytester):
    # The scripts never read stdin: only the launcher's lifeline can end them.
    argv = kv_argv(pytester)

    def hold(fifo: str) -> str:
        return HOLD_FOREIGN.format(argv=argv, ready=LISTENING, fifo=fifo)

    survivors = survivors_of_a_killed_run(pytester, hold, ["-n", "2"], count=2)

    assert survivors == [], "foreign servers outlived the killed pytest"


def test_the_logs_of_a_session_are_its_servers_and_nothing_made_ahead(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        def test_one(server_process):
            pass

        def test_two(chatlab_server_factory):
            chatlab_server_factory(max_clients=2)
            chatlab_server_factory(max_clients=3)
        """
    )
    basetemp = pytester.path / "base"

    result = pytester.runpytest_subprocess("-p", "no:hypothesispytest", f"--basetemp={basetemp}")

    result.assert_outcomes(passed=2)
    names = sorted(path.name for path in (basetemp / "chatlab-logs").iterdir())
    assert names == [
        f"chatlab-server-{n}.{stream}.log" for n in (1, 2, 3) for stream in ("stderr", "stdout")
    ]


def test_an_in_process_run_inside_a_test_leaves_the_outer_sessions_threads(
    pytester: pytest.Pytester, server_process
):
    # pytester runs a session inside this one, in this process: its end must
    # not end the threads that still drain this test's server.
    pytester.makepyfile("def test_inner(server_process): pass")

    run(pytester).assert_outcomes(passed=1)

    assert "chatlab-output" in {thread.name for thread in threading.enumerate()}
    server_process.stop()
    assert server_process.stdout_text().startswith("READY ")
