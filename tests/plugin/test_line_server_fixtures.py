"""mock_server and chatlab_line_server, checked through pytester: levels, teardown,
the automatic failure on a server-thread exception, and the failure sections."""

from __future__ import annotations

import pytest

from support.pytester_runs import run

pytest_plugins = ["pytester"]


def test_the_stand_in_servers_mark_integration_and_e2e_with_a_device(
    pytester: pytest.Pytester,
):
    pytester.makepyfile(
        """
        def test_line(chatlab_line_server, chatlab_line_client):
            server = chatlab_line_server(label="kv")
            server.on({"op": "ping"}, {"op": "pong"})
            client = chatlab_line_client(server)
            client.send_json({"op": "ping"})
            assert client.expect(op="pong")

        def test_mock(mock_server, new_client):
            client = new_client(server=mock_server)
            assert client.expect(type="roster")["users"] == ["guest-1"]

        def test_device(mock_server, bound_device):
            device = bound_device(server=mock_server)
            assert device.name == "guest-1"
        """
    )

    integration = run(pytester, "-m", "integration", "-v")
    integration.assert_outcomes(passed=2, deselected=1)
    integration.stdout.fnmatch_lines(["*test_line PASSED*", "*test_mock PASSED*"])
    e2e = run(pytester, "-m", "e2e", "-v")
    e2e.assert_outcomes(passed=1, deselected=2)
    e2e.stdout.fnmatch_lines(["*test_device PASSED*"])


def test_every_server_is_stopped_after_its_test(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        import socket, pytest
        made = []

        def test_make(chatlab_line_server, mock_server):
            made.extend([chatlab_line_server(), mock_server])

        @pytest.mark.parametrize("index", [0, 1])
        def test_stopped(index):
            with pytest.raises(ConnectionRefusedError):
                socket.create_connection(made[index].address, timeout=1.0)
        """
    )

    run(pytester, "-p", "no:randomly").assert_outcomes(passed=3)


def test_an_exception_on_the_server_thread_fails_the_test_that_owns_it(
    pytester: pytest.Pytester,
):
    pytester.makepyfile(
        """
        def test_rule_raises(chatlab_line_server, chatlab_line_client):
            server = chatlab_line_server(label="fragile")
            server.on(lambda frame: True, lambda frame: {}["missing"])
            client = chatlab_line_client(server)
            client.send_line("boom")
            assert server.wait_client().recv() == "boom"  # the test itself passes

        def test_next():
            pass
        """
    )

    result = run(pytester, "-p", "no:randomly")

    # Judged after the call: the test that owns the server fails, the next one passes.
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*fragile: raised on the server's thread*",
            "*KeyError: 'missing'*",
        ]
    )


def test_a_failing_test_shows_what_the_stand_in_servers_saw(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        def test_fails(mock_server, bound_device):
            device = bound_device(server=mock_server, label="cpp")
            conn = mock_server.wait_client()
            conn.send_raw(b'{"type":"chat","text":7}\\n')
            device.send("hello")
            device.sync()
            assert device.invalid_lines == []
        """
    )

    result = run(pytester)

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*chatlab device cpp*",
            "*invalid  bad_frame:*",
            "*chatlab line server mock-server*",
            "mock-server (127.0.0.1:*), 1 connection(s):",
            "mock-server#1 (*",
            '*sent     {"from":"server","text":"welcome, guest-1","type":"notice"}',
            '*sent     raw b\'{"type":"chat","text":7}*',
            '*recv     {"text":"hello","type":"chat"}',
        ]
    )


def test_their_waits_end_before_the_tests_timeout(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        import socket

        def test_no_client(chatlab_line_server):
            chatlab_line_server(label="lonely").wait_client(timeout=30)

        def test_silent_client(mock_server):
            with socket.create_connection(mock_server.address):
                mock_server.wait_client().recv(timeout=30)
        """
    )

    result = run(pytester, "--timeout=2", "-rN")  # no summary line to cut "TimeoutError" short

    result.assert_outcomes(failed=2)
    assert "Timeout" not in result.stdout.str().replace("TimeoutError", "")
    result.stdout.fnmatch_lines(
        ["*lonely: waited 1.* s (cut short, to end before the test's timeout) for a client*"]
    )
    result.stdout.fnmatch_lines(
        ["*mock-server#1: waited 1.* s (cut short, to end before the test's timeout) for the next*"]
    )
