"""chatlab-scenario, run as the installed console script in a subprocess."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = shutil.which("chatlab-scenario", path=str(Path(sys.executable).parent))

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(SCRIPT is None, reason="chatlab-scenario is not installed"),
]

ARTICLE_LINES = [
    "",
    "participant   sent  recv      chat  notice  roster    join   leave   error",
    "alice            3    11         1       2       6       2       0       0",
    "bob              2    10         2       2       5       1       0       0",
    "carol            1     9         3       2       4       0       0       0",
    "",
    "Chat delivery (who received each message):",
    '       alice  "hi everyone"  ->  bob, carol',
    '         bob  "hey alice"  ->  alice, carol',
    '       alice  "ping"  ->  bob, carol',
]


def scenario(*args: str) -> subprocess.CompletedProcess[str]:
    assert SCRIPT is not None
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, timeout=60, check=False)


def test_with_no_arguments_it_prints_the_article_report():
    done = scenario()

    assert done.returncode == 0, done.stderr
    header, *rest = done.stdout.splitlines()
    assert re.fullmatch(r"Scenario report — 3 participants, \d+\.\d+m?s, 6 messages sent", header)
    assert rest == ARTICLE_LINES
    assert done.stderr == ""


def test_json_output_carries_the_counts_and_deliveries():
    done = scenario("--json")

    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert (data["participant_count"], data["messages_sent"], data["messages_received"]) == (
        3,
        6,
        30,
    )
    assert [(p["name"], p["sent"], p["recv"], p["roster"]) for p in data["participants"]] == [
        ("alice", 3, 11, 6),
        ("bob", 2, 10, 5),
        ("carol", 1, 9, 4),
    ]
    assert data["deliveries"][1] == {
        "sender": "bob",
        "text": "hey alice",
        "recipients": ["alice", "carol"],
    }
    assert data["elapsed"] > 0


def test_participants_generates_a_scenario_of_that_size():
    done = scenario("--participants", "5", "--json")

    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    names = [f"p{n}" for n in range(1, 6)]
    assert [p["name"] for p in data["participants"]] == names
    assert data["messages_sent"] == 10
    for delivery in data["deliveries"]:
        assert delivery["text"] == f"hello from {delivery['sender']}"
        assert delivery["recipients"] == [n for n in names if n != delivery["sender"]]


def test_connect_uses_a_running_server(server_process):
    done = scenario("--connect", f"{server_process.host}:{server_process.port}")

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1:] == ARTICLE_LINES  # nobody else was connected


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["--participants", "0"], "must be a whole number from 1 to"),
        (["--participants", "many"], "must be a whole number from 1 to"),
        (["--participants", "100000"], "must be a whole number from 1 to"),
        (["--connect", "nowhere"], "expected HOST:PORT"),
        (["--connect", "localhost:99999"], "expected HOST:PORT"),
        (["--connect", "localhost:1", "--server", "x"], "not allowed with argument"),
        (["--timeout", "-1"], "must be a number of seconds"),
        (["--frobnicate"], "unrecognized arguments"),
    ],
)
def test_bad_arguments_exit_2_with_a_usage_line(args, complaint):
    done = scenario(*args)

    assert done.returncode == 2
    assert done.stderr.startswith("usage: chatlab-scenario")
    assert complaint in done.stderr
    assert done.stdout == ""


def test_help_exits_0():
    done = scenario("--help")

    assert done.returncode == 0
    assert "--participants N" in done.stdout


def test_a_missing_server_binary_is_a_runtime_failure(tmp_path):
    done = scenario("--server", str(tmp_path / "no-such-server"))

    assert done.returncode == 1
    assert done.stderr.startswith("chatlab-scenario: error: ")
    assert "does not exist" in done.stderr


def test_a_refused_connection_is_a_runtime_failure():
    with socket.socket() as probe:  # a port the kernel just handed out, now closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    done = scenario("--connect", f"127.0.0.1:{port}", "--timeout", "2")

    assert done.returncode == 1
    assert done.stderr.startswith("chatlab-scenario: error: ")
    assert done.stdout == ""


def test_a_reader_that_stops_early_gets_no_traceback():
    assert SCRIPT is not None
    reader = subprocess.Popen([SCRIPT], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert reader.stdout is not None
    assert reader.stderr is not None
    reader.stdout.close()  # like `chatlab-scenario | head -0`: nobody reads the table
    errors = reader.stderr.read()
    reader.stderr.close()
    assert reader.wait(timeout=60) == 0
    assert errors == b""


def test_html_writes_the_article_scenario_as_a_diagram_and_still_prints_the_report(
    tmp_path: Path,
):
    page = tmp_path / "scenario.html"

    done = scenario("--html", str(page))

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1:] == ARTICLE_LINES
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert html.count("class='name'") == 4  # the server's lane and the three participants'


def test_html_to_a_path_that_cannot_be_written_is_an_error(tmp_path: Path):
    done = scenario("--html", str(tmp_path / "no-such-dir" / "x.html"))

    assert done.returncode == 1
    assert "chatlab-scenario: error: cannot write" in done.stderr
