"""Any server binary as a child process, started, watched and stopped for a test.

Theory of operation:

- **Lifeline.** The server is started through ``chatlab-launch``, a tiny
  compiled program that asks the kernel to SIGKILL it when this process dies
  (``PR_SET_PDEATHSIG``; a kqueue watcher on macOS and the BSDs), checks that
  this process is still its parent, and exec's the server, which keeps the
  request. No cooperation from the server is needed; stdin is still a pipe
  held open, for servers that also stop at its end (those may skip the
  launcher: ``launcher=False``). Linux ties the request to
  the spawning *thread*, so spawns from other threads than the main one go
  through one long-lived thread (``_spawn``).
- **Address.** Three ways, none guessed: the server picks a port and says so
  in a line that ``ready`` matches; or ``{port}`` in the argv is filled with a
  port picked here (bind 0, read it, close), and a start that fails because
  somebody else took it in between is retried on another, three times at
  most; or ``socket_activation=True``: the socket is bound and listening here
  and handed over as fd 3 (``LISTEN_FDS=1``, ``LISTEN_PID``), so the address
  is known, and connectable, before the server runs a line of code.
- **Readiness.** The streams ``ready`` reads are pipes, watched with
  ``poll`` against one deadline together with a pidfd that turns readable
  when the process exits (kept from spawn to reaping, for the stop's wait
  too): no polling sleep. What is in the pipes already (a spare's ready
  line) is read before any wait. Each chunk goes to its
  log file the moment it is read; its lines go to ``ready``
  (``_readiness``). ``"connect"`` tries a TCP connect from 1 ms apart, the
  gap doubling, inside the same wait. Once ready, what is pending in the
  pipes is logged before ``start`` returns, so a line written before the
  ready one is in its log. An exit before readiness fails the start at once
  with the command, the exit status and the tail of both logs; a missed
  deadline fails the same way, after killing the process. Without pidfds
  (macOS) an exit is noticed within 50 ms.
- **No pipe can fill.** A stream nobody reads goes straight to its log
  file; once ready, a daemon thread copies the pipes to theirs until they
  end (``_output``).
- **Teardown.** The server runs in a session and process group of its own;
  ``stop`` sends ``stop_signal`` to the whole group, SIGKILL after ``grace``,
  reaps, and sweeps the group with SIGKILL: whatever the server spawned goes
  with it.
- **Verdict.** ``crashed`` (an exit status not in ``clean_exit``, or a signal
  ``stop`` did not send) and ``sanitizer_report`` tell whether the server
  misbehaved; ``check`` turns that into a test failure with stderr attached.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import select
import shlex
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import NoReturn

from . import _logs, _spawn
from ._exits import describe_status, pidfd_of, wait_exit
from ._output import Output
from ._readiness import CONNECT, Connector, Readiness, ReadySpec
from .binary import launcher_binary
from .errors import ServerCrashedError, ServerStartError

__all__ = ["PORT_PLACEHOLDER", "ServerProcess", "free_port"]

#: Replaced, in each argument of the argv, by a port picked for the server.
PORT_PLACEHOLDER = "{port}"
_PORT_ATTEMPTS = 3
_TAIL_LINES = 40
# Line starts of the reports of ASan, LSan, TSan, MSan and UBSan: anchored, so
# a log line that merely quotes such words (a chat text, say) does not match.
_SANITIZER = re.compile(
    r"^(?:==\d+==(?:ERROR|WARNING): \w*Sanitizer|WARNING: \w*Sanitizer|\S+: runtime error: )",
    re.MULTILINE,
)
_UNSAFE_IN_NAMES = re.compile(r"[^\w.-]")  # in a label, for its log files' names
# Set by a service manager for this process, they would mislead a child that
# is not socket-activated into taking fds it does not have.
_ACTIVATION_VARIABLES = ("LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES")


class _PortTaken(Exception):
    """The server exited before it was ready, and somebody else holds its port."""


class ServerProcess:
    """One server process: ``start`` it, use ``address``, ``stop`` it, ``check`` it.

    ``argv`` is the command; ``ready`` says when it serves (see
    ``pytest_chatlab._readiness``), looking at the lines of ``ready_stream``
    (``"stdout"``, ``"stderr"`` or ``"both"``). ``env`` is added to this
    process's environment. ``clean_exit`` lists the exit statuses that are no
    crash (``-15`` for death by SIGTERM; a SIGTERM or SIGKILL sent by ``stop``
    is never one). Logs go to ``LABEL-N.stdout.log`` and ``LABEL-N.stderr.log``
    in ``log_dir`` (created if need be; N the first number free there, so
    processes may share one), or to a private temporary directory, from which
    ``stop`` reads them back and removes them.

    ``launcher=False`` spawns the server itself rather than through
    ``chatlab-launch``, one exec fewer a start, for a server that stops with
    its parent on its own (``chatlab-server --exit-on-stdin-eof``); socket
    activation needs the launcher.
    """

    def __init__(
        self,
        argv: Sequence[str | os.PathLike[str]],
        *,
        ready: ReadySpec = None,
        ready_stream: str = "both",
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        startup_timeout: float = 10.0,
        stop_signal: int = signal.SIGTERM,
        grace: float = 2.0,
        clean_exit: Collection[int] = (0,),
        socket_activation: bool = False,
        launcher: bool = True,
        host: str = "127.0.0.1",
        log_dir: Path | None = None,
        label: str | None = None,
    ) -> None:
        self.argv = [os.fspath(arg) for arg in argv]
        if not self.argv:
            raise ValueError("argv is empty: it needs at least the program to run")
        self._uses_port = any(PORT_PLACEHOLDER in arg for arg in self.argv)
        ready = _ready_or_default(ready, uses_port=self._uses_port, activated=socket_activation)
        self.readiness = Readiness(ready, ready_stream)
        self.env = dict(env or {})
        self.cwd = cwd
        self.startup_timeout = startup_timeout
        self.stop_signal = signal.Signals(stop_signal)
        self.grace = grace
        self.clean_exit = frozenset(clean_exit)
        self.socket_activation = socket_activation
        if socket_activation and not launcher:
            raise ValueError("socket_activation needs the launcher: it hands over the socket")
        self.launcher = launcher
        self.host = host
        self.port = 0
        self.log_dir = log_dir
        self.label = label or Path(self.argv[0]).name
        #: True when ``stop`` had to SIGKILL the group after the grace period.
        self.killed_after_grace = False
        self._command = list(self.argv)
        self._proc: subprocess.Popen[bytes] | None = None
        self._pidfd: int | None = None  # readable once the process exits; None without pidfds
        self._spawned = False  # spawned, and start() not called yet
        self._output: Output | None = None
        self._log_stem: str | None = None  # LOG_DIR/LABEL-N, once started
        self._stop_signals: set[int] = set()
        self._kept: dict[str, str] = {}  # the private logs' texts, read at stop
        self._read: dict[str, tuple[tuple[int, int], str]] = {}  # by stream: (size, mtime), text
        self._reported: str | None = None  # the last problem check() raised

    # -- lifecycle --------------------------------------------------------

    @property
    def command(self) -> list[str]:
        """The server's argv, ``{port}`` filled once started (without the launcher)."""
        return list(self._command)

    def spawn(self) -> ServerProcess:
        """Spawns the server and returns at once; ``start`` then waits until it
        is ready. A server gets ready without help from this process, so a
        spawn well ahead of its ``start`` hides the start-up (prestart does so).

        Raises ``ServerStartError`` if the program cannot run.
        """
        if self._proc is not None:
            raise RuntimeError(f"this {type(self).__name__} was already started")
        self._spawn_once(None if not self._uses_port else free_port(self.host))
        self._spawned = True
        return self

    def start(self) -> ServerProcess:
        """Spawns the server, unless ``spawn`` did, and returns once it is ready.

        Raises ``ServerStartError`` at once if the program cannot run or the
        process exits first, and after killing it if the deadline passes.
        """
        if self._proc is not None and not self._spawned:
            raise RuntimeError(f"this {type(self).__name__} was already started")
        attempts = []
        for _ in range(_PORT_ATTEMPTS if self._uses_port else 1):
            ahead = self._spawned
            if not ahead:
                self._spawn_once(None if not self._uses_port else free_port(self.host))
            self._spawned = False
            try:
                self._finish_start(ahead)
            except _PortTaken as taken:
                attempts.append(f"port {self.port}: {taken}")
                self._forget_attempt()
            else:
                return self
        raise ServerStartError(
            f"{self.label} did not start: each port picked for it was taken by someone else "
            f"before it could listen ({_PORT_ATTEMPTS} attempts)\n"
            + "\n".join(f"  {attempt}" for attempt in attempts)
        )

    def stop(self, grace: float | None = None) -> int | None:
        """``stop_signal`` to the process group, SIGKILL after ``grace`` s
        (default: the constructor's), then reap.

        Idempotent, and quiet if the server is already gone. Returns the exit
        status (``-N`` for a signal), or ``None`` if it was never started.
        """
        proc = self._proc
        if proc is None:
            return None
        self._spawned = False  # a spawn stopped before its start is no longer startable
        if proc.poll() is None:
            self._signal_group(self.stop_signal)
            if not wait_exit(proc, self.grace if grace is None else grace, self._pidfd):
                self._signal_group(signal.SIGKILL)
                self.killed_after_grace = True
                proc.wait()
        # Sweep whatever the server left behind in its group.
        self._signal_group(signal.SIGKILL, record=False)
        self._cleanup()
        return proc.returncode

    def close_stdin(self) -> None:
        """Closes our end of the server's stdin, as this process's death would."""
        if self._proc is not None and self._proc.stdin is not None:
            self._proc.stdin.close()

    def __enter__(self) -> ServerProcess:
        return self if self._proc is not None and not self._spawned else self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- state ------------------------------------------------------------

    @property
    def address(self) -> tuple[str, int]:
        """``(host, port)`` where the server listens, ready for ``socket.connect``."""
        return (self.host, self.port)

    @property
    def pid(self) -> int:
        return self._started().pid

    @property
    def returncode(self) -> int | None:
        """The exit status, ``-N`` if killed by signal N, ``None`` while running."""
        return self.poll()

    def poll(self) -> int | None:
        """Like ``Popen.poll``: reaps the server if it has exited, never blocks."""
        return self._started().poll()

    def wait(self, timeout: float) -> int:
        """Waits up to ``timeout`` s for the server to exit on its own; its status.

        Raises ``subprocess.TimeoutExpired`` if it is still running.
        """
        proc = self._started()
        if not wait_exit(proc, timeout, self._pidfd):
            raise subprocess.TimeoutExpired(proc.args, timeout)
        return proc.wait()

    @property
    def crashed(self) -> bool:
        """True when the server exited with a status not in ``clean_exit``,
        unless it died of a signal ``stop`` sent (``killed_after_grace`` tells
        of the SIGKILL)."""
        code = self.returncode if self._proc is not None else None
        if code is None or code in self.clean_exit:
            return False
        return code > 0 or -code not in self._stop_signals

    @property
    def status(self) -> str:
        """The state in words: ``running``, ``exit status 1``, ``killed by SIGSEGV``."""
        return "not started" if self._proc is None else describe_status(self.returncode)

    # -- logs -------------------------------------------------------------

    @property
    def stdout_path(self) -> Path:
        """The stdout log. Removed by ``stop`` if ``log_dir`` is None."""
        return self._log_file("stdout")

    @property
    def stderr_path(self) -> Path:
        """The stderr log. Removed by ``stop`` if ``log_dir`` is None."""
        return self._log_file("stderr")

    def stderr_text(self) -> str:
        """Everything the server wrote to stderr so far; all of it once it exited."""
        return self._text("stderr")

    def stdout_text(self) -> str:
        """Everything the server wrote to stdout so far; all of it once it exited."""
        return self._text("stdout")

    def stderr_tail(self, n_lines: int = _TAIL_LINES) -> str:
        return "\n".join(self.stderr_text().splitlines()[-n_lines:])

    def stdout_tail(self, n_lines: int = _TAIL_LINES) -> str:
        return "\n".join(self.stdout_text().splitlines()[-n_lines:])

    @property
    def sanitizer_report(self) -> str | None:
        """stderr from the first sanitizer report on, or None if there is none."""
        text = self.stderr_text()
        found = _SANITIZER.search(text)
        return text[found.start() :] if found else None

    def check(self) -> None:
        """Raises ``ServerCrashedError``, stderr attached, if the server crashed
        or printed a sanitizer report; call it again after ``stop`` for what a
        sanitizer reports at exit. Each problem is raised once: a later call
        raises only if there is more to say."""
        report = self.sanitizer_report
        if not self.crashed and report is None:
            return
        what = "crashed" if self.crashed else "printed a sanitizer report"
        detail = report if report is not None else self.stderr_tail()
        message = (
            f"{self.label} {what} ({self.status}, pid {self.pid})\n"
            f"  command: {shlex.join(self.command)}\n"
            f"  stderr:\n{_indent(detail)}"
        )
        if message != self._reported:
            self._reported = message
            raise ServerCrashedError(message)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.label} {self.host}:{self.port} {self.status}>"

    # -- starting ---------------------------------------------------------

    def _program(self) -> str:
        """argv[0] as a path the launcher can exec, or a clear ServerStartError.
        A path found once is not looked for again: if it goes, exec says so."""
        where = (self.argv[0], os.fspath(self.cwd or "."), self.env.get("PATH"))
        found = _programs.get(where)
        if found is None:
            found = _programs[where] = self._find_program()
        return found

    def _find_program(self) -> str:
        name = self.argv[0]
        if os.sep not in name:
            found = shutil.which(name, path=self.env.get("PATH", os.environ.get("PATH")))
            if found is None:
                raise ServerStartError(f"{name} not found on PATH")
            return os.path.abspath(found)
        path = Path(self.cwd or ".", name).absolute()
        if not path.exists():
            raise ServerStartError(f"{path} does not exist")
        if not path.is_file():
            raise ServerStartError(f"{path} is not a file")
        if not os.access(path, os.X_OK):
            raise ServerStartError(f"{path} is not executable")
        return str(path)

    def _spawn_once(self, port: int | None) -> None:
        """One spawn, on ``port`` if the argv has ``{port}``; nothing is left
        behind if it fails."""
        program = (_launcher() if self.launcher else None, self._program())
        if port is not None:
            self.port = port
            self._command = [arg.replace(PORT_PLACEHOLDER, str(port)) for arg in self.argv]
        log_fds = self._make_logs()
        listener = None
        try:
            listener = self._listen() if self.socket_activation else None
            pipes, child_ends = self._output_ends(log_fds)
        except OSError:  # out of fds, say
            for fd in log_fds.values():
                os.close(fd)
            if listener is not None:
                listener.close()
            raise
        launcher, server = program
        launch = [] if launcher is None else [launcher, "--parent", str(os.getpid())]
        if listener is not None:
            launch += ["--listen-fd", str(listener.fileno())]
        try:
            self._proc = _spawn.popen(
                [*launch, *(["--"] if launch else []), server, *self._command[1:]],
                stdin=subprocess.PIPE,
                stdout=child_ends["stdout"],
                stderr=child_ends["stderr"],
                env=self._child_env(),
                cwd=self.cwd,
                start_new_session=True,
                pass_fds=() if listener is None else (listener.fileno(),),
            )
        except OSError as exc:  # a cwd that does not exist, or (no launcher) no program
            for read_end, log in pipes.values():
                os.close(read_end)
                os.close(log)
            self._cleanup()
            if exc.filename == server:  # as the launcher words it
                raise ServerStartError(f"cannot run {server}: {exc.strerror}") from None
            raise ServerStartError(f"cannot start {self.label}: {exc}") from exc
        finally:
            for end in child_ends.values():
                os.close(end)
            if listener is not None:
                listener.close()  # the server's copy is the only one: no accept() here
        self._output = Output(pipes)
        self._pidfd = pidfd_of(self._proc.pid)
        if self.log_dir is not None:  # the next start's logs, while this one gets ready
            _logs.make_ahead(self.log_dir, self._log_label())

    def _finish_start(self, ahead: bool) -> None:
        """Waits until the spawned server is ready; nothing is left behind if it fails."""
        assert self._proc is not None
        assert self._output is not None
        try:
            self._await_ready(ahead)
        except BaseException:  # a failed start, or Ctrl-C while waiting: leave nothing behind
            if self._proc.poll() is None:
                self._signal_group(signal.SIGKILL)
                self._proc.wait()
            self._signal_group(signal.SIGKILL, record=False)
            self._cleanup()
            raise
        self._output.drain_in_background()

    def _output_ends(
        self, log_fds: dict[str, int]
    ) -> tuple[dict[str, tuple[int, int]], dict[str, int]]:
        """Pipes for the streams ``ready`` reads (read end and log file, by
        stream), and each stream's end for the child: that pipe's write end,
        or the log file itself, which costs no copying. Takes ``log_fds``."""
        pipes: dict[str, tuple[int, int]] = {}
        child_ends: dict[str, int] = {}
        watched = self.readiness.streams if self.readiness.watches_lines else set()
        try:
            for stream, log in log_fds.items():
                if stream in watched:
                    read_end, child_ends[stream] = os.pipe()
                    pipes[stream] = (read_end, log)
                else:
                    child_ends[stream] = log
        except OSError:  # the pipes made so far; the log fds are the caller's to close
            for stream, (read_end, _) in pipes.items():
                os.close(read_end)
                os.close(child_ends[stream])
            raise
        return pipes, child_ends

    def _await_ready(self, ahead: bool) -> None:
        """Watches output, exit and connects until ready or the deadline;
        a process spawned ``ahead`` may have said so already."""
        if self.readiness.immediate:
            return
        output = self._output
        assert output is not None
        if ahead and self._take_ready_lines(output.read_pending()):
            return  # ready before we looked (a spare): all of it read, no wait

        deadline = time.monotonic() + self.startup_timeout
        connector = Connector(self.address) if self.readiness.connect else None
        poller = select.poll()
        for fd in [*output.open_fds, *([] if self._pidfd is None else [self._pidfd])]:
            poller.register(fd, select.POLLIN)
        while not self._watch(poller, connector, deadline):
            pass
        if len(output.open_fds) > 1:
            # What the server wrote before it said so is in the other pipe now:
            # log it before anyone reads the logs (stderr, then READY on stdout).
            output.read_pending()

    def _watch(self, poller: select.poll, connector: Connector | None, deadline: float) -> bool:
        """One wait for output, the exit or the next connect; True once ready."""
        output, now = self._output, time.monotonic()
        assert output is not None
        if now >= deadline:
            self._fail_start(
                f"no {self.readiness.description} within {self.startup_timeout} s", kill=True
            )
        wake = deadline
        if connector is not None:
            if now >= connector.next_attempt and connector.attempt(deadline - now):
                return True
            wake = min(wake, connector.next_attempt)
        if self._pidfd is None:  # no pidfd (macOS): exits are noticed by polling, 20 times a second
            wake = min(wake, now + 0.05)
        exited = False
        for fd, _ in poller.poll(max(wake - time.monotonic(), 0) * 1000):
            if fd == self._pidfd:
                exited = True
                continue
            if self._take_ready_lines(output.read(fd)):
                return True
            if fd not in output.open_fds:
                poller.unregister(fd)
        if exited or (self._pidfd is None and self._started().poll() is not None):
            if self._take_ready_lines(output.read_pending()):
                return True  # it said so before it died: check() tells the rest
            self._fail_start(f"the server exited before {self.readiness.description}", kill=False)
        return False

    def _take_ready_lines(self, lines: list[tuple[str, str]]) -> bool:
        """Feeds ``lines`` to the readiness check; True, and the address
        taken, once one says ready. A check that refuses a line fails the start."""
        readiness = self.readiness
        if not readiness.watches_lines:
            return False
        for stream, line in lines:
            if stream not in readiness.streams:
                continue
            try:
                verdict = readiness.judge(line)
            except Exception as error:
                self._fail_start(str(error) or repr(error), kill=True)
            if not verdict:
                continue
            if isinstance(verdict, tuple):
                self._take_address(verdict)
            elif not (self._uses_port or self.socket_activation):
                self._fail_start(
                    f"{readiness.description} matched {line!r} but gave no address: add "
                    f"(?P<host>...) and (?P<port>...) groups, or put {PORT_PLACEHOLDER} in argv",
                    kill=True,
                )
            return True
        return False

    def _take_address(self, address: tuple[str, int]) -> None:
        host, port = address
        if self.socket_activation and port != self.port:
            self._fail_start(
                f"it listens on {host}:{port}, not on the socket handed to it as fd 3 "
                f"({self.host}:{self.port}): does it support socket activation "
                "(LISTEN_FDS, LISTEN_PID)?",
                kill=True,
            )
        self.host = host or self.host
        self.port = port

    def _fail_start(self, reason: str, *, kill: bool) -> NoReturn:
        proc = self._started()
        if kill:
            self._signal_group(signal.SIGKILL)
        if not wait_exit(proc, None if kill else self.startup_timeout, self._pidfd):
            self._signal_group(signal.SIGKILL)  # its pipes closed, yet still running
            proc.wait()
        if self._output is not None:
            self._output.read_pending()  # the last words, for the message
        taken = self._uses_port and not kill and not _port_free(self.host, self.port)
        message = f"{reason} ({describe_status(proc.returncode)})"
        if taken:
            raise _PortTaken(message + f"; port {self.port} is in use by another process")
        raise ServerStartError(
            f"{self.label} did not start: {message}\n"
            f"  command: {shlex.join(self.command)}\n"
            f"  stdout (last {_TAIL_LINES} lines):\n{_indent(self.stdout_tail())}\n"
            f"  stderr (last {_TAIL_LINES} lines):\n{_indent(self.stderr_tail())}"
        )

    def _listen(self) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        try:
            listener.bind((self.host, 0))
            listener.listen(socket.SOMAXCONN)
        except OSError:
            listener.close()
            raise
        self.port = listener.getsockname()[1]
        return listener

    def _child_env(self) -> dict[str, str] | None:
        """The child's environment; None (this one, as it is, which spares
        Popen a copy) when nothing is added or taken away."""
        inherited = [name for name in _ACTIVATION_VARIABLES if name in os.environ]
        if not self.env and not inherited:
            return None
        env = {**os.environ, **self.env}
        for name in _ACTIVATION_VARIABLES:
            env.pop(name, None)  # the launcher sets them for a socket-activated server
        return env

    def _make_logs(self) -> dict[str, int]:
        """Claims this start's log files; their fds, by stream, open for appending."""
        directory = self.log_dir if self.log_dir is not None else _logs.private_directory()
        self._log_stem, fds = _logs.claim(directory, self._log_label())
        return fds

    def _log_label(self) -> str:
        return _UNSAFE_IN_NAMES.sub("_", self.label)

    def _forget_attempt(self) -> None:
        """Makes a failed ``{port}`` attempt as if it never started, its logs kept."""
        self._proc = None
        self._output = None
        self._pidfd = None  # closed by the cleanup of the failed attempt
        self._kept = {}
        self._read = {}
        self._stop_signals.clear()

    # -- internals --------------------------------------------------------

    def _started(self) -> subprocess.Popen[bytes]:
        if self._proc is None:
            raise RuntimeError(f"the {type(self).__name__} has not been started")
        return self._proc

    def _log_file(self, stream: str) -> Path:
        return Path(self._log_name(stream))

    def _log_name(self, stream: str) -> str:
        if self._log_stem is None:
            raise RuntimeError(f"the {type(self).__name__} has not been started")
        return f"{self._log_stem}.{stream}.log"

    def _text(self, stream: str) -> str:
        """A log's text, read again only if the file changed (the verdict asks
        after the call and after the teardown, and most servers are quiet)."""
        if stream in self._kept:
            return self._kept[stream]
        if self._output is not None and self._proc is not None and self._proc.poll() is not None:
            # The end of file comes once the group is gone; a stray holder of
            # the pipe outside the group must not hang the caller.
            self._output.wait_drained(stream, timeout=2.0)
        path = self._log_name(stream)
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            return ""
        version = (stat.st_size, stat.st_mtime_ns)
        cached = self._read.get(stream)
        if cached is None or cached[0] != version:
            text = _read_text(path) if stat.st_size else ""
            cached = self._read[stream] = (version, text)
        return cached[1]

    def _signal_group(self, signum: int, *, record: bool = True) -> None:
        if record:
            self._stop_signals.add(signum)
        # ProcessLookupError: the group is gone; PermissionError: macOS, zombie leader.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._started().pid, signum)

    def _cleanup(self) -> None:
        """Releases everything but the exit status; safe to call twice."""
        proc = self._proc
        if proc is not None and proc.stdin is not None and not proc.stdin.closed:
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.close()
        if self._output is not None:
            self._output.close()
        if self._pidfd is not None and proc is not None and proc.returncode is not None:
            os.close(self._pidfd)  # reaped: it has told what it can
            self._pidfd = None
        if self.log_dir is None and self._log_stem is not None and not self._kept:
            self._kept = {"stderr": self.stderr_text(), "stdout": self.stdout_text()}
            for stream in ("stderr", "stdout"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self._log_name(stream))


def _ready_or_default(ready: ReadySpec, *, uses_port: bool, activated: bool) -> ReadySpec:
    """``ready``, or what None means where the address is known; refuses
    the combinations that could never learn it."""
    if activated and uses_port:
        raise ValueError(f"socket_activation hands the server a socket: no {PORT_PLACEHOLDER}")
    if ready is None and not activated:
        if not uses_port:
            raise ValueError(
                "ready= is needed to learn the address (a pattern with host and port "
                f"groups, or a callable), unless the argv has {PORT_PLACEHOLDER} "
                "or socket_activation=True"
            )
        return CONNECT
    if ready == CONNECT and not (uses_port or activated):
        raise ValueError(f'ready="connect" needs the address: put {PORT_PLACEHOLDER} in argv')
    return ready


def free_port(host: str = "127.0.0.1") -> int:
    """A port the kernel has just called free on ``host`` (bound to port 0, read, closed)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def _port_free(host: str, port: int) -> bool:
    """Whether nobody listens on ``port`` (SO_REUSEADDR: a TIME_WAIT is no owner)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True


@functools.cache
def _launcher() -> str:
    try:
        return str(launcher_binary().absolute())
    except FileNotFoundError as error:
        raise ServerStartError(str(error)) from error


#: argv[0], the cwd and an env's PATH, to the program found for them
_programs: dict[tuple[str, str, str | None], str] = {}


def _read_text(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as log:
            return log.read()
    except FileNotFoundError:
        return ""


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines()) or "    (empty)"
