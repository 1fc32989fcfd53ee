"""chatlab-client, the terminal client, as a subprocess against the real server."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

import pytest_chatlab

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def client_binary() -> Path:
    """The bundled chatlab-client, else the one on PATH."""
    bundled = Path(pytest_chatlab.__file__).parent / "bin" / "chatlab-client"
    found = bundled if bundled.is_file() else shutil.which("chatlab-client")
    if found is None:
        pytest.fail("chatlab-client is neither bundled nor on PATH")
    return Path(found)


def start(binary: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(binary), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_it_sends_stdin_prints_the_room_and_exits_0_at_eof(
    client_binary, server_process, new_client
):
    observer = new_client()
    observer.sync()
    host, port = server_process.address
    process = start(client_binary, "--host", host, "--port", str(port))
    assert process.stdin is not None
    observer.expect(type="join", user="guest-2")

    process.stdin.write("/name cli\n/bogus\nhello from cli\r\n\n")
    process.stdin.flush()
    assert observer.expect(type="chat")["text"] == "hello from cli"  # "\r" dropped
    visitor = new_client()
    visitor.sync()
    visitor.close()
    observer.expect(type="leave", user="guest-3")
    observer.send_text("hi cli")
    observer.sync()  # handled: the copy is queued before the client's final sync
    out, err = process.communicate("last line, no newline", timeout=5)

    assert process.returncode == 0
    assert err == ""
    assert observer.expect(type="chat", sender="cli")["text"] == "last line, no newline"
    assert out.splitlines() == [
        "-- server: welcome, guest-2",
        "* users: guest-1, guest-2",
        "* users: guest-1, cli",
        '! error unknown_command: unknown command "/bogus" (try /help)',
        "* guest-3 joined",
        "* users: guest-1, cli, guest-3",
        "* guest-3 left",
        "* users: guest-1, cli",
        "<guest-1> hi cli",
    ]


def test_the_endpoint_may_be_given_as_host_colon_port(client_binary, server_process):
    host, port = server_process.address

    done = subprocess.run(
        [str(client_binary), f"{host}:{port}"],
        input="",
        capture_output=True,
        text=True,
        timeout=5,
    )

    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines()[0] == "-- server: welcome, guest-1"


def test_it_exits_1_when_the_server_closes_first(client_binary, chatlab_server_factory, new_client):
    server = chatlab_server_factory()
    observer = new_client(server=server)
    observer.sync()
    process = start(client_binary, "--port", str(server.port))
    observer.expect(type="join", user="guest-2")

    server.stop()

    _, err = process.communicate(timeout=5)  # stdin stays open: the close alone ends it
    assert process.returncode == 1
    assert err == "chatlab-client: closed by the server\n"


def test_it_exits_1_when_it_cannot_connect(client_binary, chatlab_server_factory):
    server = chatlab_server_factory()
    server.stop()

    done = subprocess.run(
        [str(client_binary), "--port", str(server.port)],
        input="",
        capture_output=True,
        text=True,
        timeout=5,
    )

    assert done.returncode == 1
    assert "cannot connect to 127.0.0.1 port" in done.stderr
    assert "refused" in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "--port is required"),
        (["--port", "0"], "a port is a number from 1 to 65535, not '0'"),
        (["--port", "1", "--host", "chat.example"], "the host is an IPv4 or IPv6 address"),
        (["--verbose"], "unknown option: --verbose"),
    ],
)
def test_bad_arguments_exit_2_with_the_usage(client_binary, args, message):
    done = subprocess.run(
        [str(client_binary), *args], capture_output=True, text=True, timeout=5, check=False
    )

    assert done.returncode == 2
    assert message in done.stderr
    assert "usage: chatlab-client" in done.stderr


def test_help_prints_the_usage_and_exits_0(client_binary):
    done = subprocess.run(
        [str(client_binary), "--help"], capture_output=True, text=True, timeout=5, check=False
    )

    assert done.returncode == 0
    assert done.stdout.startswith("usage: chatlab-client")
