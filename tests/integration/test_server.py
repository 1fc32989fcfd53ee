"""ChatServer against the real chatlab-server, and against small scripts that misbehave."""

from __future__ import annotations

import os
import select
import shlex
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from pytest_chatlab import server as server_module
from pytest_chatlab.binary import launcher_binary
from pytest_chatlab.mock import MockClient
from pytest_chatlab.server import (
    ChatServer,
    ServerCrashedError,
    ServerStartError,
    server_binary,
)


def script(tmp_path: Path, name: str, body: str) -> Path:
    """An executable shell script standing in for the server."""
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return path


def wrapper(tmp_path: Path, server_path: Path, before: str) -> Path:
    """A script that runs ``before``, then becomes the real server."""
    return script(tmp_path, "wrapper", f'{before}\nexec {shlex.quote(str(server_path))} "$@"')


def fails_fast(server: ChatServer) -> str:
    started = time.monotonic()
    with pytest.raises(ServerStartError) as caught:
        server.start()
    assert time.monotonic() - started < 1.0
    return str(caught.value)


# -- the happy path -----------------------------------------------------------


def test_start_reads_ready_then_stop_exits_cleanly(server_path: Path, tmp_path: Path) -> None:
    server = ChatServer(server_path, log_dir=tmp_path).start()
    try:
        assert server.host == "127.0.0.1"
        assert 0 < server.port < 65536
        assert server.address == ("127.0.0.1", server.port)
        assert server.returncode is None
        assert server.poll() is None
        assert server.status == "running"
        with socket.create_connection(server.address, timeout=5):
            pass  # it is listening the moment start() returns
    finally:
        assert server.stop() == 0
    assert server.returncode == 0
    assert not server.crashed
    assert not server.killed_after_grace
    server.check()


def test_command_passes_limits_and_exit_on_stdin_eof(server_path: Path) -> None:
    server = ChatServer(server_path, max_clients=3, max_frame_bytes=100, max_outbound_bytes=4096)
    assert server.command == [
        str(server_path),
        *("--host", "127.0.0.1", "--port", "0"),
        *("--max-clients", "3", "--max-frame-bytes", "100", "--max-outbound-bytes", "4096"),
        "--exit-on-stdin-eof",
    ]


def test_stop_is_idempotent_and_a_no_op_before_start(server_path: Path) -> None:
    server = ChatServer(server_path)
    assert server.stop() is None
    server.start()
    assert server.stop() == 0
    assert server.stop() == 0
    assert not server.crashed


def test_context_manager_starts_and_stops(server_path: Path) -> None:
    with ChatServer(server_path) as server:
        assert server.returncode is None
        client = MockClient(server.address)
        client.close()
    assert server.returncode == 0


def test_private_logs_are_removed_but_stay_readable(server_path: Path) -> None:
    with ChatServer(server_path, env={"CHATLAB_UNUSED": "1"}) as server:
        paths = [server.stderr_path, server.stdout_path]
        assert all(path.is_file() for path in paths)
    assert not any(path.exists() for path in paths)
    assert server.stdout_text().startswith("READY 127.0.0.1:")  # read back before removal


def test_two_servers_share_a_log_dir_with_numbered_names(server_path: Path, tmp_path: Path) -> None:
    with (
        ChatServer(server_path, log_dir=tmp_path) as a,
        ChatServer(server_path, log_dir=tmp_path) as b,
    ):
        assert a.port != b.port
        assert [a.stderr_path.name, b.stdout_path.name] == [
            "chatlab-server-1.stderr.log",
            "chatlab-server-2.stdout.log",
        ]
        assert a.stderr_path.parent == b.stderr_path.parent == tmp_path


def test_a_log_name_taken_by_another_process_is_skipped(server_path: Path, tmp_path: Path) -> None:
    (tmp_path / "chatlab-server-1.stderr.log").write_text("someone else's\n")

    with ChatServer(server_path, log_dir=tmp_path) as first:
        assert first.stderr_path.name == "chatlab-server-2.stderr.log"
    with ChatServer(server_path, log_dir=tmp_path) as second:
        assert second.stdout_path.name == "chatlab-server-3.stdout.log"
    assert (tmp_path / "chatlab-server-1.stderr.log").read_text() == "someone else's\n"
    # Nothing made ahead in a directory of the user's: it may be gone any time now.
    assert len(list(tmp_path.iterdir())) == 5


def test_ipv6_ready_line_is_parsed(server_path: Path) -> None:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback here")
    with ChatServer(server_path, host="::1") as server:
        assert server.host == "::1"
        with MockClient(server.address) as client:
            assert client.recv()["type"] == "notice"


# -- failing to start -----------------------------------------------------------


def test_missing_binary_fails_at_once(tmp_path: Path) -> None:
    message = fails_fast(ChatServer(tmp_path / "no-such-server"))
    assert str(tmp_path / "no-such-server") in message
    assert "does not exist" in message


def test_non_executable_binary_fails_at_once(tmp_path: Path) -> None:
    path = tmp_path / "server"
    path.write_text("#!/bin/sh\n")
    message = fails_fast(ChatServer(path))
    assert "not executable" in message


def test_file_that_is_no_program_fails_at_once(tmp_path: Path) -> None:
    path = tmp_path / "server"
    path.write_bytes(b"\x00\x01 not an executable format")
    path.chmod(0o755)
    message = fails_fast(ChatServer(path))
    assert f"cannot run {path}" in message
    assert "format" in message.lower()


def test_binary_that_exits_at_once_reports_status_and_stderr(tmp_path: Path) -> None:
    broken = script(tmp_path, "broken", "echo 'cannot bind: address in use' >&2\nexit 1")
    server = ChatServer(broken)
    message = fails_fast(server)
    assert "exited before READY" in message
    assert "exit status 1" in message
    assert "cannot bind: address in use" in message
    assert str(broken) in message
    assert "--exit-on-stdin-eof" in message
    assert server.returncode == 1


def test_binary_killed_by_a_signal_before_ready_names_the_signal(tmp_path: Path) -> None:
    message = fails_fast(ChatServer(script(tmp_path, "segv", "kill -SEGV $$")))
    assert "killed by SIGSEGV" in message


def test_bad_arguments_exit_2_with_usage(server_path: Path) -> None:
    message = fails_fast(ChatServer(server_path, extra_args=["--no-such-option"]))
    assert "exit status 2" in message
    assert "usage" in message.lower()


@pytest.mark.parametrize(
    "args",
    [
        ["--max-clients", "0"],
        ["--max-frame-bytes", "0"],
        ["--max-outbound-bytes", "0"],
        ["--max-clients", "-1"],
        ["--host", "example.com"],
        ["--host", "127.1"],
        ["--host", ""],
        ["--host", "::1%nope"],
    ],
    ids=lambda args: " ".join(args) or "empty",
)
def test_a_limit_below_1_or_a_host_that_is_no_ip_address_exits_2_with_usage(
    server_path: Path, args: list[str]
) -> None:
    message = fails_fast(ChatServer(server_path, extra_args=args))
    assert "exit status 2" in message
    assert "usage: chatlab-server" in message
    assert args[0] in message  # the message names the option


def test_first_line_other_than_ready_is_refused(tmp_path: Path) -> None:
    server = ChatServer(script(tmp_path, "chatty", "echo hello\nexec sleep 30"))
    message = fails_fast(server)
    assert "not READY" in message
    assert "hello" in message
    assert server.returncode == -signal.SIGKILL


def test_startup_timeout_kills_the_silent_server(tmp_path: Path) -> None:
    server = ChatServer(script(tmp_path, "silent", "exec sleep 30"), startup_timeout=0.3)
    started = time.monotonic()
    with pytest.raises(ServerStartError, match=r"no READY within 0\.3 s"):
        server.start()
    assert 0.3 <= time.monotonic() - started < 2.0
    assert server.returncode == -signal.SIGKILL


# -- running and stopping ------------------------------------------------------


def test_sigsegv_is_a_crash_with_stderr_attached(server_path: Path, tmp_path: Path) -> None:
    with ChatServer(wrapper(tmp_path, server_path, "echo 'about to serve' >&2")) as server:
        os.kill(server.pid, signal.SIGSEGV)
        assert server.wait(timeout=5) == -signal.SIGSEGV
        assert server.crashed
        assert server.status == "killed by SIGSEGV"
        with pytest.raises(ServerCrashedError) as caught:
            server.check()
    message = str(caught.value)
    assert "crashed" in message
    assert "SIGSEGV" in message
    assert "about to serve" in message


def test_nonzero_exit_is_a_crash(tmp_path: Path) -> None:
    fake = script(tmp_path, "fake", "echo READY 127.0.0.1:9\nread line\nexit 3")
    with ChatServer(fake) as server:
        server.close_stdin()
        assert server.wait(timeout=5) == 3
    assert server.crashed


def test_stdin_eof_makes_the_server_exit_0(server_process: ChatServer) -> None:
    server_process.close_stdin()
    assert server_process.wait(timeout=5) == 0
    assert not server_process.crashed


def test_server_that_ignores_sigterm_is_killed_after_the_grace(tmp_path: Path) -> None:
    stubborn = script(tmp_path, "stubborn", "trap '' TERM\necho READY 127.0.0.1:9\nexec sleep 30")
    server = ChatServer(stubborn).start()
    started = time.monotonic()
    assert server.stop(grace=0.2) == -signal.SIGKILL
    assert time.monotonic() - started < 2.0
    assert server.killed_after_grace
    assert not server.crashed


def test_stop_takes_down_the_whole_process_group(server_path: Path, tmp_path: Path) -> None:
    if not hasattr(os, "pidfd_open"):
        pytest.skip("needs pidfd_open to wait for a process that is not our child")
    pid_file = tmp_path / "helper.pid"
    spawner = wrapper(tmp_path, server_path, f"sleep 300 >/dev/null 2>&1 &\necho $! > {pid_file}")
    server = ChatServer(spawner).start()
    helper = os.pidfd_open(int(pid_file.read_text()))
    try:
        assert not select.select([helper], [], [], 0)[0], "the helper should be running"
        assert server.stop() == 0
        assert select.select([helper], [], [], 5)[0], "the helper survived stop()"
    finally:
        os.close(helper)


def test_stdout_after_ready_is_drained_so_the_server_never_blocks(tmp_path: Path) -> None:
    # 1 MB is far more than a pipe holds: without the drain thread the
    # script would block in the write and never exit.
    loud = script(
        tmp_path,
        "loud",
        "echo READY 127.0.0.1:9\nhead -c 1000000 /dev/zero | tr '\\0' x\nread line\nexit 0",
    )
    with ChatServer(loud, log_dir=tmp_path) as server:
        server.close_stdin()
        assert server.wait(timeout=10) == 0
    # The READY line too: the readiness watch logs what it reads.
    assert server.stdout_text() == "READY 127.0.0.1:9\n" + "x" * 1_000_000
    assert server.stdout_path.stat().st_size == len("READY 127.0.0.1:9\n") + 1_000_000


def test_stderr_and_env_are_captured(server_path: Path, tmp_path: Path) -> None:
    noisy = wrapper(tmp_path, server_path, 'echo "token=$CHATLAB_TEST_TOKEN" >&2')
    with ChatServer(noisy, env={"CHATLAB_TEST_TOKEN": "42"}, log_dir=tmp_path) as server:
        assert "token=42" in server.stderr_text()
        assert server.stderr_tail(200).endswith(server.stderr_text().rstrip("\n"))
    assert "token=42" in server.stderr_path.read_text()
    assert server.sanitizer_report is None


def test_sanitizer_report_fails_check_even_after_a_clean_exit(
    server_path: Path, tmp_path: Path
) -> None:
    report = "==4242==ERROR: AddressSanitizer: heap-use-after-free on address 0x1"
    fake_asan = wrapper(tmp_path, server_path, f"echo '{report}' >&2")
    with ChatServer(fake_asan) as server:
        pass
    assert not server.crashed
    assert (server.sanitizer_report or "").startswith(report)
    with pytest.raises(ServerCrashedError, match="sanitizer report"):
        server.check()


@pytest.mark.parametrize(
    "line",
    [
        "native/core/room.cpp:42:7: runtime error: signed integer overflow",
        "WARNING: ThreadSanitizer: data race (pid=7)",
        "==7==ERROR: LeakSanitizer: detected memory leaks",
    ],
)
def test_every_sanitizer_is_recognised(server_path: Path, tmp_path: Path, line: str) -> None:
    with ChatServer(wrapper(tmp_path, server_path, f"echo '{line}' >&2")) as server:
        pass
    assert server.sanitizer_report is not None


def test_sanitizer_words_inside_a_log_line_are_not_a_report(
    server_path: Path, tmp_path: Path
) -> None:
    quoting = wrapper(
        tmp_path, server_path, "echo 'chat text: \"runtime error: AddressSanitizer\"' >&2"
    )
    with ChatServer(quoting) as server:
        pass
    assert server.sanitizer_report is None
    server.check()


# -- finding the binary ------------------------------------------------------------


def test_server_binary_prefers_the_environment_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    chosen = script(tmp_path, "my-server", "exit 0")
    monkeypatch.setenv("CHATLAB_SERVER", str(chosen))
    assert server_binary() == chosen


def test_server_binary_refuses_a_wrong_environment_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CHATLAB_SERVER", str(tmp_path / "missing"))
    with pytest.raises(FileNotFoundError, match=r"CHATLAB_SERVER=.*missing"):
        server_binary()


def test_server_binary_says_where_it_looked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("CHATLAB_SERVER", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    bundled = Path(server_module.__file__).parent / "bin" / "chatlab-server"
    if bundled.exists():
        assert server_binary() == bundled
        return
    with pytest.raises(FileNotFoundError) as caught:
        server_binary()
    message = str(caught.value)
    assert "CHATLAB_SERVER" in message
    assert str(bundled) in message
    assert "PATH" in message


def test_wait_times_out_while_the_server_runs(server_process: ChatServer) -> None:
    with pytest.raises(subprocess.TimeoutExpired):
        server_process.wait(timeout=0.05)
    assert server_process.returncode is None


# -- socket activation -----------------------------------------------------------


def test_socket_activation_serves_the_socket_it_was_handed(server_path: Path) -> None:
    with ChatServer(server_path, socket_activation=True) as server:
        assert server.command[-1] == "--exit-on-stdin-eof"
        with MockClient(server.address) as client:
            assert client.recv()["type"] == "notice"
    # READY named the handed socket: a different port would have failed the start.
    assert server.stdout_text() == f"READY 127.0.0.1:{server.port}\n"


def listening_unix_socket() -> int:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(f"\0chatlab-test-{os.getpid()}")  # abstract: no file to clean up
    sock.listen()
    return sock.detach()


def bound(kind: int) -> int:
    sock = socket.socket(socket.AF_INET, kind)
    sock.bind(("127.0.0.1", 0))
    return sock.detach()


def pipe_end() -> int:
    read_end, write_end = os.pipe()
    os.close(write_end)
    return read_end


@pytest.mark.parametrize(
    ("handed", "refusal"),
    [
        (lambda: socket.create_server(("127.0.0.1", 0)).detach(), None),
        (listening_unix_socket, "fd 3 is not a TCP socket"),
        (lambda: bound(socket.SOCK_STREAM), "fd 3 is not listening"),
        (lambda: bound(socket.SOCK_DGRAM), "fd 3 is not a stream socket"),
        (pipe_end, "fd 3 is not a socket"),
    ],
    ids=["listening", "unix", "not-listening", "udp", "pipe"],
)
def test_a_handed_fd_that_cannot_be_served_is_refused(
    server_path: Path, handed: object, refusal: str | None
) -> None:
    fd = handed()  # type: ignore[operator]
    launch = [str(launcher_binary()), "--parent", str(os.getpid()), "--listen-fd", str(fd)]
    try:
        with subprocess.Popen(
            [*launch, "--", str(server_path)],
            pass_fds=(fd,),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        ) as server:
            if refusal is None:
                assert server.stdout is not None
                assert server.stdout.readline().startswith(b"READY 127.0.0.1:")
                server.terminate()
            _, stderr = server.communicate(timeout=10)
    finally:
        os.close(fd)
    if refusal is None:
        assert server.returncode == 0
    else:
        assert server.returncode == 1
        assert f"chatlab-server: socket activation: {refusal}".encode() in stderr
