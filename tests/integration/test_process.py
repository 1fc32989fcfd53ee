"""ServerProcess against foreign servers (small Python scripts) and chatlab-server."""

from __future__ import annotations

import contextlib
import errno
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_chatlab import process as process_module
from pytest_chatlab.binary import launcher_binary
from pytest_chatlab.errors import ServerCrashedError, ServerStartError
from pytest_chatlab.mock import MockClient
from pytest_chatlab.process import ServerProcess
from pytest_chatlab.server import ChatServer
from support.exits import wait_gone
from support.fifo import read_lines
from support.foreign import READY_ON_PORT, SILENT_ON_PORT, STDERR_READY, foreign_server

LISTENING = r"listening on (?P<host>[\d.]+):(?P<port>\d+)"

needs_pidfd = pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="needs pidfd_open")


def echo_once(address: tuple[str, int], text: bytes = b"ping\n") -> bytes:
    with socket.create_connection(address, timeout=5) as conn, conn.makefile("rb") as lines:
        conn.sendall(text)
        return lines.readline()


@pytest.fixture
def held_port() -> Iterator[int]:
    """A port somebody else listens on for the whole test."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


# -- readiness -------------------------------------------------------------


def test_ready_on_a_stderr_line_in_its_own_words(tmp_path: Path) -> None:
    argv = foreign_server(tmp_path, "kv", STDERR_READY)
    with ServerProcess(argv, ready=LISTENING, ready_stream="stderr", log_dir=tmp_path) as kv:
        assert kv.host == "127.0.0.1"
        assert echo_once(kv.address) == b"ping\n"
        assert kv.label == Path(sys.executable).name
        # Both streams reach their files, including what came before readiness.
        assert kv.stdout_text() == "kv 1.0 starting\n"
        assert f"listening on 127.0.0.1:{kv.port}" in kv.stderr_text()
    assert kv.status == "killed by SIGTERM"
    assert not kv.crashed
    kv.check()


def test_a_pattern_on_the_other_stream_is_not_seen(tmp_path: Path) -> None:
    argv = foreign_server(tmp_path, "kv", STDERR_READY)
    process = ServerProcess(argv, ready=LISTENING, ready_stream="stdout", startup_timeout=0.5)
    with pytest.raises(ServerStartError, match=r"no a stdout line matching .* within 0\.5 s"):
        process.start()
    assert process.returncode == -signal.SIGKILL


def test_a_callable_gets_each_line_and_names_the_address(tmp_path: Path) -> None:
    seen: list[str] = []

    def listening(line: str) -> tuple[str, int] | None:
        seen.append(line)
        if "listening on" not in line:
            return None
        host, port = line.rsplit(" ", 1)[1].split(":")
        return (host, int(port))

    argv = foreign_server(tmp_path, "kv", STDERR_READY)
    with ServerProcess(argv, ready=listening, label="kv") as kv:
        assert echo_once(kv.address) == b"ping\n"
    assert seen[-1] == f"kv: listening on 127.0.0.1:{kv.port}"
    assert "kv 1.0 starting" in seen  # "both" streams by default


def test_a_callable_that_raises_fails_the_start_at_once(tmp_path: Path) -> None:
    def refuse(line: str) -> bool:
        raise ValueError(f"unexpected banner {line!r}")

    argv = foreign_server(tmp_path, "kv", STDERR_READY)
    started = time.monotonic()
    with pytest.raises(ServerStartError, match=r"unexpected banner 'kv 1\.0 starting'"):
        ServerProcess(argv, ready=refuse, ready_stream="stdout", label="kv").start()
    assert time.monotonic() - started < 5.0


def test_ready_by_connect_on_the_port_it_was_given(tmp_path: Path) -> None:
    argv = foreign_server(tmp_path, "silent", SILENT_ON_PORT)
    with ServerProcess([*argv, "{port}"], ready="connect") as silent:
        assert silent.command[-1] == str(silent.port)
        assert echo_once(silent.address) == b"ping\n"


def test_a_port_placeholder_alone_means_connect(tmp_path: Path) -> None:
    argv = foreign_server(tmp_path, "silent", SILENT_ON_PORT)
    with ServerProcess([*argv, "--port={port}"]) as silent:
        assert silent.command[-1] == f"--port={silent.port}"
        assert echo_once(silent.address) == b"ping\n"


def test_a_taken_port_is_retried_on_another(
    tmp_path: Path, held_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    picks = iter([held_port])
    real_free_port = process_module.free_port
    monkeypatch.setattr(
        process_module, "free_port", lambda host: next(picks, None) or real_free_port(host)
    )
    # A line, not "connect": the holder of the port would accept the connect.
    argv = foreign_server(tmp_path, "ready", READY_ON_PORT)
    with ServerProcess([*argv, "{port}"], ready="^ready$", log_dir=tmp_path) as server:
        assert server.port != held_port
        assert echo_once(server.address) == b"ping\n"
    assert not server.crashed  # the failed attempt is not this process's crash


def test_three_taken_ports_fail_with_each_attempt_listed(
    tmp_path: Path, held_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(process_module, "free_port", lambda host: held_port)
    argv = foreign_server(tmp_path, "ready", READY_ON_PORT)
    with pytest.raises(ServerStartError) as caught:
        ServerProcess([*argv, "{port}"], ready="^ready$").start()
    message = str(caught.value)
    assert "3 attempts" in message
    assert message.count(f"port {held_port}: the server exited") == 3
    assert "in use by another process" in message


def test_a_failure_that_is_no_taken_port_is_not_retried(tmp_path: Path) -> None:
    argv = foreign_server(tmp_path, "broken", "sys.exit('no config file')")
    with pytest.raises(ServerStartError) as caught:
        ServerProcess([*argv, "{port}"], ready="connect").start()
    message = str(caught.value)
    assert "exited before a connection accepted (exit status 1)" in message
    assert "no config file" in message
    assert "attempts" not in message


def test_one_that_never_becomes_ready_fails_within_the_deadline(tmp_path: Path) -> None:
    argv = foreign_server(
        tmp_path, "stuck", "print('loading 1 of 3', flush=True)\nthreading.Event().wait()"
    )
    process = ServerProcess(argv, ready=LISTENING, startup_timeout=0.5)
    started = time.monotonic()
    with pytest.raises(ServerStartError) as caught:
        process.start()
    assert 0.5 <= time.monotonic() - started < 3.0
    message = str(caught.value)
    assert "within 0.5 s" in message
    assert "loading 1 of 3" in message  # the tail of its output
    assert shlex.quote(argv[1]) in message  # the command
    assert process.returncode == -signal.SIGKILL


def test_one_that_dies_first_fails_at_once_with_status_and_output(tmp_path: Path) -> None:
    argv = foreign_server(
        tmp_path, "dies", "print('config: port 0', flush=True)\nsys.exit('bad config')"
    )
    started = time.monotonic()
    with pytest.raises(ServerStartError) as caught:
        ServerProcess(argv, ready=LISTENING, startup_timeout=30).start()
    assert time.monotonic() - started < 5.0
    message = str(caught.value)
    assert "exited before" in message
    assert "exit status 1" in message
    assert "config: port 0" in message
    assert "bad config" in message


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="reads /proc/self/fd")
def test_starts_stops_and_failed_starts_leave_no_fd_open(
    server_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def open_files() -> Counter[str]:
        """What the open fds are (pipe:[inode], a path, anon_inode:[pidfd]...):
        earlier tests' pipes may close meanwhile, never open."""
        found: Counter[str] = Counter()
        for fd in os.listdir("/proc/self/fd"):
            with contextlib.suppress(OSError):  # the listing's own fd, gone
                found[os.readlink(f"/proc/self/fd/{fd}")] += 1
        return found

    def start_and_stop(log_dir: Path | None) -> None:
        server = ChatServer(server_path, log_dir=log_dir).start()
        server.stop()
        server.stdout_text()  # once the drainer let go of the stdout pipe

    start_and_stop(tmp_path)  # the drainer's own fds, once
    before = open_files()
    for log_dir in (tmp_path, None):
        start_and_stop(log_dir)
        dies = foreign_server(tmp_path, "dies", "sys.exit('bad config')")
        with pytest.raises(ServerStartError):
            ServerProcess(dies, ready=LISTENING, log_dir=log_dir).start()
        with pytest.raises(ServerStartError):  # Popen itself fails: no such cwd
            ServerProcess(dies, ready=LISTENING, log_dir=log_dir, cwd=tmp_path / "gone").start()
    pipe, made = os.pipe, []

    def one_pipe_only() -> tuple[int, int]:  # out of fds after the first of two pipes
        if made:
            raise OSError(errno.EMFILE, "Too many open files")
        made.append(pipe())
        return made[0]

    monkeypatch.setattr(os, "pipe", one_pipe_only)
    with pytest.raises(OSError, match="Too many open files"):
        ServerProcess(dies, ready=LISTENING, ready_stream="both", log_dir=tmp_path).start()
    monkeypatch.undo()
    assert open_files() - before == Counter()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["no-such-server-anywhere"], "no-such-server-anywhere not found on PATH"),
        (["./no-such-server"], "no-such-server does not exist"),
    ],
)
def test_a_program_that_cannot_be_found_fails_before_spawning(
    argv: list[str], expected: str, tmp_path: Path
) -> None:
    with pytest.raises(ServerStartError, match=expected):
        ServerProcess(argv, ready=LISTENING, cwd=tmp_path).start()


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, "ready= is needed"),
        ({"ready": "connect"}, "needs the address"),
        ({"ready": 42}, "ready is a pattern"),
        ({"ready": LISTENING, "ready_stream": "stdin"}, "ready_stream must be one of"),
    ],
)
def test_arguments_that_cannot_work_are_refused(kwargs: dict, expected: str) -> None:
    with pytest.raises((ValueError, TypeError), match=expected):
        ServerProcess(["server"], **kwargs)


# -- spawning ahead of the start -------------------------------------------

#: READY_ON_PORT that also says "up" on the FIFO named by its first argument,
#: so the test knows, without start(), that the server is serving.
UP_ON_FIFO = """
listener = listen(port())
with open(sys.argv[1], "w") as fifo:
    fifo.write("up\\n")
print("ready", file=sys.stderr, flush=True)
serve(listener)
"""


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    path = tmp_path / "up.fifo"
    os.mkfifo(path)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    yield path, fd
    os.close(fd)


def test_a_spawned_server_gets_ready_on_its_own_and_start_takes_it(tmp_path, fifo) -> None:
    path, fd = fifo
    argv = foreign_server(tmp_path, "kv", UP_ON_FIFO)
    process = ServerProcess([*argv, str(path), "{port}"], ready="^ready$").spawn()
    try:
        assert read_lines(fd, count=1, timeout=10.0) == ["up"]
        assert echo_once(process.address) == b"ping\n"  # serving before start() was called
        pid = process.pid
        assert process.start() is process
        assert process.pid == pid  # not spawned again
        assert process.stderr_text() == "ready\n"
        with pytest.raises(RuntimeError, match="already started"):
            process.start()
    finally:
        process.stop()
    assert not process.crashed


def test_a_spawn_that_cannot_run_fails_at_once(tmp_path: Path) -> None:
    with pytest.raises(ServerStartError, match="does not exist"):
        ServerProcess(["./absent", "{port}"], cwd=tmp_path).spawn()


def test_a_spawned_server_stopped_unstarted_keeps_what_it_wrote(tmp_path, fifo) -> None:
    path, fd = fifo
    argv = foreign_server(tmp_path, "kv", UP_ON_FIFO)
    process = ServerProcess([*argv, str(path), "{port}"], ready="^ready$", log_dir=tmp_path)
    process.spawn()
    assert read_lines(fd, count=1, timeout=10.0) == ["up"]
    assert echo_once(process.address) == b"ping\n"  # "ready" was written before the loop

    process.stop()

    assert process.stderr_path.read_text() == "ready\n"
    assert not process.crashed
    with pytest.raises(RuntimeError, match="already started"):
        process.start()


# -- stopping and the verdict ----------------------------------------------


def test_one_that_ignores_sigterm_is_killed_after_the_grace(tmp_path: Path) -> None:
    argv = foreign_server(
        tmp_path, "stubborn", "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n" + SILENT_ON_PORT
    )
    process = ServerProcess([*argv, "{port}"], grace=0.2).start()
    started = time.monotonic()
    assert process.stop() == -signal.SIGKILL
    assert time.monotonic() - started < 2.0
    assert process.killed_after_grace
    assert not process.crashed


TERM_EXITS_143 = """
signal.signal(signal.SIGTERM, lambda *_: os._exit(143))
serve(listen(port()))
"""


def test_an_exit_status_listed_in_clean_exit_is_no_crash(tmp_path: Path) -> None:
    argv = foreign_server(tmp_path, "java_like", TERM_EXITS_143)
    with ServerProcess([*argv, "{port}"], clean_exit=(0, 143)) as process:
        pass
    assert process.returncode == 143
    assert not process.crashed
    process.check()


def test_an_exit_status_not_listed_is_a_crash(tmp_path: Path) -> None:
    argv = foreign_server(tmp_path, "java_like", TERM_EXITS_143)
    with ServerProcess([*argv, "{port}"], label="java-like") as process:
        pass
    assert process.crashed
    with pytest.raises(ServerCrashedError, match=r"java-like crashed \(exit status 143"):
        process.check()


def test_the_stop_signal_is_configurable(tmp_path: Path) -> None:
    argv = foreign_server(
        tmp_path, "on_int", "try:\n    serve(listen(port()))\nexcept KeyboardInterrupt:\n    pass"
    )
    # Ignored here, as in an xdist worker: the launcher restores it for the server.
    ignoring = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        process = ServerProcess([*argv, "{port}"], stop_signal=signal.SIGINT, grace=30).start()
    finally:
        signal.signal(signal.SIGINT, ignoring)
    assert process.stop() == 0
    assert not process.killed_after_grace


def test_a_crash_mid_test_is_reported_with_its_output(tmp_path: Path) -> None:
    argv = foreign_server(tmp_path, "kv", STDERR_READY)
    with ServerProcess(argv, ready=LISTENING, label="kv") as kv:
        os.kill(kv.pid, signal.SIGSEGV)
        assert kv.wait(timeout=5) == -signal.SIGSEGV
        with pytest.raises(ServerCrashedError) as caught:
            kv.check()
    assert "kv crashed (killed by SIGSEGV" in str(caught.value)
    assert "listening on" in str(caught.value)


def test_once_it_exited_its_logs_hold_all_it_wrote_without_a_stop(tmp_path: Path) -> None:
    # Its last words are in a pipe the output thread drains: the text waits for the drain.
    last_words = """
    listener = listen(0)
    print(f"listening on 127.0.0.1:{listener.getsockname()[1]}", file=sys.stderr, flush=True)
    listener.accept()[0].close()
    for n in range(2000):
        print(f"line {n} " + "x" * 60, file=sys.stderr)
        print(f"out {n}")
    sys.exit(3)
    """
    argv = foreign_server(tmp_path, "chatty", last_words)
    with ServerProcess(argv, ready=LISTENING, label="chatty") as process:
        socket.create_connection(process.address).close()
        assert process.wait(timeout=10) == 3
        assert process.stderr_text().splitlines()[-1].startswith("line 1999 ")
        assert process.stdout_text().splitlines()[-1] == "out 1999"
        assert process.crashed


# -- the lifeline ------------------------------------------------------------


def start_in_a_thread(process: ServerProcess) -> None:
    worker = threading.Thread(target=process.start)
    worker.start()
    worker.join()


@needs_pidfd
def test_a_server_spawned_from_a_thread_that_ends_stays_alive(tmp_path: Path) -> None:
    argv = foreign_server(tmp_path, "silent", SILENT_ON_PORT)
    process = ServerProcess([*argv, "{port}"])
    start_in_a_thread(process)
    try:
        assert process.poll() is None
        # Were it tied to the thread, the kernel's SIGKILL would have come by now.
        assert not wait_gone(process.pid, timeout=0.5)
        assert echo_once(process.address) == b"ping\n"
    finally:
        process.stop()
    assert not process.crashed


@needs_pidfd
def test_without_the_spawner_thread_the_launcher_would_die_with_its_thread() -> None:
    # The hazard the spawner thread exists for, shown on the launcher alone.
    spawned: list[subprocess.Popen[bytes]] = []
    script = ["/bin/sh", "-c", "echo up; exec sleep 30"]
    launch = [str(launcher_binary()), "--parent", str(os.getpid()), "--", *script]

    def spawn_and_wait_for_exec() -> None:
        child = subprocess.Popen(launch, stdout=subprocess.PIPE)
        spawned.append(child)
        assert child.stdout is not None
        child.stdout.readline()  # "up": the launcher has asked for the signal and exec'd
        child.stdout.close()

    worker = threading.Thread(target=spawn_and_wait_for_exec)
    worker.start()
    worker.join()
    (sleeper,) = spawned
    try:
        assert wait_gone(sleeper.pid, timeout=5.0)
        assert sleeper.wait() == -signal.SIGKILL
    finally:
        sleeper.kill()
        sleeper.wait()


@needs_pidfd
def test_the_launcher_refuses_to_run_when_its_parent_is_not_the_one_named() -> None:
    launch = [str(launcher_binary()), "--parent", "1", "--", "/bin/echo", "ran"]
    result = subprocess.run(launch, capture_output=True, check=False)
    assert result.returncode == 1
    assert result.stdout == b""


def test_the_launcher_says_how_it_is_used() -> None:
    result = subprocess.run([str(launcher_binary()), "sleep"], capture_output=True, check=False)
    assert result.returncode == 2
    assert b"usage: chatlab-launch --parent PID" in result.stderr


# -- socket activation -------------------------------------------------------------

ACTIVATED = """
assert os.environ["LISTEN_PID"] == str(os.getpid()), "LISTEN_PID is not mine"
assert os.environ["LISTEN_FDS"] == "1"
listener = socket.socket(fileno=3)
print("activated", flush=True)
serve(listener)
"""


def test_socket_activation_hands_over_fd_3_with_systemds_variables(tmp_path: Path) -> None:
    argv = foreign_server(tmp_path, "activated", ACTIVATED)
    with ServerProcess(argv, socket_activation=True) as process:
        assert process.port > 0
        # Connectable before the script has run a line: the socket listens already.
        assert echo_once(process.address) == b"ping\n"
    assert process.stdout_text() == "activated\n"
    assert not process.crashed


def test_a_server_without_socket_activation_is_caught_by_its_own_address(tmp_path: Path) -> None:
    argv = foreign_server(tmp_path, "kv", STDERR_READY)
    with pytest.raises(ServerStartError) as caught:
        ServerProcess(argv, ready=LISTENING, socket_activation=True).start()
    message = str(caught.value)
    assert "not on the socket handed to it as fd 3" in message
    assert "does it support socket activation" in message


def test_socket_activation_with_chatlab_server_accepts_before_ready(server_path: Path) -> None:
    server = ServerProcess([str(server_path)], socket_activation=True)
    # start() returns at once (ready=None): the client connects before READY is read.
    with server, MockClient(server.address) as client:
        assert client.recv()["type"] == "notice"
    assert server.stdout_text() == f"READY 127.0.0.1:{server.port}\n"
    assert server.returncode == 0


def test_socket_activation_leaves_no_variables_to_a_plain_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Variables set for pytest itself (under a service manager) are not passed on.
    monkeypatch.setenv("LISTEN_FDS", "1")
    monkeypatch.setenv("LISTEN_PID", "1")
    argv = foreign_server(
        tmp_path,
        "plain",
        "print('fds' if 'LISTEN_FDS' in os.environ else 'none', flush=True)\nserve(listen(port()))",
    )
    with ServerProcess([*argv, "{port}"]) as process:
        pass
    assert process.stdout_text() == "none\n"
