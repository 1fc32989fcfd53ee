"""chatlab_line_client, checked through pytester: any line protocol on any address."""

from __future__ import annotations

import pytest

from support.pytester_runs import run

pytest_plugins = ["pytester"]

#: A one-line echo server the test starts itself: chatlab_line_client needs no chatlab-server.
ECHO = """
    import socket, threading
    import pytest

    @pytest.fixture
    def echo():
        listener = socket.create_server(("127.0.0.1", 0))

        def serve():
            conn, _ = listener.accept()
            with conn, conn.makefile("rb") as lines:
                for line in lines:
                    conn.sendall(b"+" + line)

        thread = threading.Thread(target=serve)
        thread.start()
        yield listener.getsockname()
        thread.join(5)
        listener.close()
"""


def test_a_line_client_on_an_address_or_a_server_object_marks_integration(
    pytester: pytest.Pytester,
):
    pytester.makepyfile(
        ECHO
        + """
    def test_echo(echo, chatlab_line_client):
        client = chatlab_line_client(echo, label="echo")
        client.send_line("PING")
        assert client.expect_line("+PING") == "+PING"
        client.send_json({"op": "get"})
        assert client.recv() == '+{"op":"get"}'

    def test_chat_server(server_process, chatlab_line_client):
        client = chatlab_line_client(server_process)
        assert client.expect(type="roster")["users"] == ["guest-1"]

    def test_plain():
        pass
    """
    )

    result = run(pytester, "-m", "integration", "-v")

    result.assert_outcomes(passed=2, deselected=1)
    result.stdout.fnmatch_lines(["*test_echo PASSED*", "*test_chat_server PASSED*"])


def test_every_line_client_is_closed_after_its_test(pytester: pytest.Pytester):
    pytester.makepyfile(
        ECHO
        + """
    made = []

    def test_make(echo, chatlab_line_client):
        made.append(chatlab_line_client(echo))
        assert not made[0].closed

    def test_closed():
        assert made[0].closed
    """
    )

    run(pytester, "-p", "no:randomly").assert_outcomes(passed=2)


def test_a_failing_test_shows_each_line_clients_frames(pytester: pytest.Pytester):
    pytester.makepyfile(
        ECHO
        + """
    def test_echo(echo, chatlab_line_client):
        client = chatlab_line_client(echo, label="probe")
        client.send_line("PING")
        client.send_raw(b"\\xff\\n")
        client.expect_line("PONG", timeout=0.5)
    """
    )

    result = run(pytester)

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E   *AssertionError: probe: waited 0.5 s for the line 'PONG'*",
            "*- chatlab line client probe (call) -*",
            "probe (* -> 127.0.0.1:*):",
            "*sent     PING",
            "*sent     raw b'\\xff\\n'",
            "*recv     +PING",
            "*recv     +\\xff",
        ]
    )


def test_its_waits_end_before_the_tests_timeout(pytester: pytest.Pytester):
    pytester.makepyfile(
        ECHO
        + """
    def test_echo(echo, chatlab_line_client):
        chatlab_line_client(echo, label="slow").recv(timeout=30)
    """
    )

    result = run(pytester, "--timeout=2", "-rN")  # no summary line to cut "TimeoutError" short

    result.assert_outcomes(failed=1)
    assert "Timeout" not in result.stdout.str().replace("TimeoutError", "")
    result.stdout.fnmatch_lines(
        ["*slow: waited *s (cut short, to end before the test's timeout) for the next frame*"]
    )
