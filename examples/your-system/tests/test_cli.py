"""native/client: the C++ client and its receive thread, through kv-cli against the real server."""

import json
import subprocess

from kvserver import installed


def run_cli(server, requests: str) -> subprocess.CompletedProcess[str]:
    host, port = server.address
    return subprocess.run(
        [installed("kv-cli"), host, str(port)],
        input=requests,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_replies_and_notifications_in_the_order_they_came(kv_server):
    done = run_cli(kv_server(), "watch a\nset a 1\nget a\ndel a\nping\n")
    assert done.returncode == 0, done.stderr
    assert [json.loads(line) for line in done.stdout.splitlines()] == [
        {"op": "ok"},
        {"op": "ok"},
        {"op": "changed", "key": "a", "value": "1"},
        {"op": "value", "key": "a", "value": "1"},
        {"op": "ok", "existed": True},
        {"op": "changed", "key": "a", "value": None},
        {"op": "pong"},
    ]


def test_a_line_that_is_no_request_is_skipped_and_fails_the_run(kv_server):
    done = run_cli(kv_server(), "incr a\nping\n")
    assert done.returncode == 1
    assert "kv-cli: not a request: incr a" in done.stderr
    assert done.stdout == '{"op":"pong"}\n'


def test_the_server_closing_first_ends_it_with_1(kv_server):
    # The ping is never answered: the server closes after refusing the line before it.
    done = run_cli(kv_server(max_line_bytes=32), "set a " + "v" * 64 + "\nping\n")
    assert done.returncode == 1
    assert json.loads(done.stdout)["code"] == "line_too_long"
    assert "kv-cli: the server closed the connection" in done.stderr
