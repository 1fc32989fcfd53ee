"""The real ``chatlab-server`` as a child process, started and stopped for a test.

Theory of operation:

- **Port.** The server is started with ``--port 0``, so the kernel picks a
  free port; none is ever guessed. The server announces it in its first stdout
  line, ``READY host:port`` (``READY [::1]:port`` for IPv6).
- **Readiness.** Until that line is read, stdout is an ``os.pipe`` watched with
  ``selectors`` against one deadline: no polling sleep. End of file on the
  pipe means the process is gone, so the start fails at once with the command,
  the exit status and the tail of stderr; a missed deadline fails the same way
  after killing the process.
- **No pipe can fill.** After READY a daemon thread copies the rest of stdout
  to a log file; stderr goes straight to a file. A chatty server can never
  block on a full pipe that nobody reads.
- **It dies with us.** stdin is a pipe held open and the server runs with
  ``--exit-on-stdin-eof``: if the test process dies, even by ``kill -9``, the
  kernel closes the pipe and the server exits.
- **Teardown.** The server runs in a session (and process group) of its own;
  ``stop`` sends SIGTERM to the whole group, SIGKILL after a grace period, then
  reaps. Whatever the server spawned goes with it.
- **Verdict.** ``crashed`` and ``sanitizer_report`` tell whether the server
  misbehaved; ``check`` turns that into a test failure with stderr attached.
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import selectors
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import NoReturn

from .binary import server_binary
from .errors import ServerCrashedError, ServerStartError

__all__ = ["ChatServer", "ServerCrashedError", "ServerStartError", "server_binary"]

_READY = re.compile(r"READY (?:\[(?P<v6>[^\]]+)\]|(?P<host>[^\s:]+)):(?P<port>\d{1,5})")
_READY_MAX_BYTES = 1024
# Line starts of the reports of ASan, LSan, TSan, MSan and UBSan: anchored, so
# a log line that merely quotes such words (a chat text, say) does not match.
_SANITIZER = re.compile(
    r"^(?:==\d+==(?:ERROR|WARNING): \w*Sanitizer|WARNING: \w*Sanitizer|\S+: runtime error: )",
    re.MULTILINE,
)


class ChatServer:
    """One ``chatlab-server`` process: ``start`` it, use ``address``, ``stop`` it.

    Limits left as ``None`` are not passed, so the server's defaults apply.
    ``env`` is added to this process's environment (for ``ASAN_OPTIONS``,
    say). Logs go to a fresh directory inside ``log_dir``, or to a private
    temporary directory that ``stop`` removes once it has read the logs back.
    """

    def __init__(
        self,
        binary: str | os.PathLike[str] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        max_clients: int | None = None,
        max_frame_bytes: int | None = None,
        max_outbound_bytes: int | None = None,
        extra_args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        log_dir: Path | None = None,
        startup_timeout: float = 10.0,
    ) -> None:
        self.binary = Path(binary) if binary is not None else server_binary()
        self.host = host
        self.port = port
        self.startup_timeout = startup_timeout
        self.env = dict(env or {})
        self.log_dir = log_dir
        self.args = [
            "--host",
            host,
            "--port",
            str(port),
            *_limit("--max-clients", max_clients),
            *_limit("--max-frame-bytes", max_frame_bytes),
            *_limit("--max-outbound-bytes", max_outbound_bytes),
            "--exit-on-stdin-eof",
            *extra_args,
        ]
        #: True when ``stop`` had to SIGKILL the group after the grace period.
        self.killed_after_grace = False
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_dir_owned: Path | None = None
        self._logs: Path | None = None
        self._drain: threading.Thread | None = None
        self._stop_signals: set[int] = set()
        self._kept_stderr: str | None = None
        self._kept_stdout: str | None = None
        self._reported: str | None = None  # the last problem check() raised

    # -- lifecycle --------------------------------------------------------

    @property
    def command(self) -> list[str]:
        """The argument vector the server is started with."""
        return [str(self.binary), *self.args]

    def start(self) -> ChatServer:
        """Spawns the server and returns once it has printed READY.

        Raises ``ServerStartError`` at once if the binary cannot run or the
        process exits first, and after killing it if the deadline passes.
        """
        if self._proc is not None:
            raise RuntimeError("this ChatServer was already started")
        self._check_binary()
        if self.log_dir is None:
            self._log_dir_owned = Path(tempfile.mkdtemp(prefix="chatlab-server-"))
            self._logs = self._log_dir_owned
        else:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            self._logs = Path(tempfile.mkdtemp(prefix="chatlab-server-", dir=self.log_dir))
        stderr = self.stderr_path.open("wb")
        read_fd, write_fd = os.pipe()
        try:
            self._proc = subprocess.Popen(
                self.command,
                stdin=subprocess.PIPE,
                stdout=write_fd,
                stderr=stderr,
                env={**os.environ, **self.env},
                start_new_session=True,
            )
        except OSError as exc:  # ENOEXEC: a file that is neither ELF nor a script
            os.close(read_fd)
            self._cleanup()
            raise ServerStartError(f"cannot run {self.binary}: {exc.strerror or exc}") from exc
        finally:
            os.close(write_fd)
            stderr.close()
        try:
            rest = self._read_ready(read_fd)
        except BaseException:  # a failed start, or Ctrl-C while waiting: leave nothing behind
            os.close(read_fd)
            if self._proc.poll() is None:
                self._signal_group(signal.SIGKILL)
                self._proc.wait()
            self._signal_group(signal.SIGKILL, record=False)
            self._cleanup()
            raise
        self._drain = threading.Thread(
            target=_drain,
            args=(read_fd, rest, self.stdout_path),
            name=f"chatlab-server-{self.pid}-stdout",
            daemon=True,
        )
        self._drain.start()
        return self

    def stop(self, grace: float = 2.0) -> int | None:
        """SIGTERM to the process group, SIGKILL after ``grace`` s, then reap.

        Idempotent, and quiet if the server is already gone. Returns the exit
        status (``-N`` for a signal), or ``None`` if it was never started.
        """
        proc = self._proc
        if proc is None:
            return None
        if proc.poll() is None:
            self._signal_group(signal.SIGTERM)
            if not _wait_exit(proc, grace):
                self._signal_group(signal.SIGKILL)
                self.killed_after_grace = True
                proc.wait()
        # Sweep whatever the server left behind in its group.
        self._signal_group(signal.SIGKILL, record=False)
        self._cleanup()
        return proc.returncode

    def close_stdin(self) -> None:
        """Closes our end of the server's stdin: with ``--exit-on-stdin-eof``
        it then exits 0, as it would if this process died."""
        if self._proc is not None and self._proc.stdin is not None:
            self._proc.stdin.close()

    def __enter__(self) -> ChatServer:
        return self if self._proc is not None else self.start()

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
        """``(host, port)`` as announced by READY, ready for ``socket.connect``."""
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
        if not _wait_exit(proc, timeout):
            raise subprocess.TimeoutExpired(proc.args, timeout)
        return proc.wait()

    @property
    def crashed(self) -> bool:
        """True when the server exited non-zero, or died of a signal ``stop``
        did not send. A SIGKILL sent by ``stop`` after the grace is ours, so
        not a crash; ``killed_after_grace`` records it."""
        code = self.returncode if self._proc is not None else None
        if code is None or code == 0:
            return False
        return code > 0 or -code not in self._stop_signals

    @property
    def status(self) -> str:
        """The state in words: ``running``, ``exit status 1``, ``killed by SIGSEGV``."""
        return "not started" if self._proc is None else _describe(self.returncode)

    # -- logs -------------------------------------------------------------

    @property
    def stdout_path(self) -> Path:
        """The stdout log (what followed READY). Removed by ``stop`` if ``log_dir`` is None."""
        return self._log_file("stdout.log")

    @property
    def stderr_path(self) -> Path:
        """The stderr log. Removed by ``stop`` if ``log_dir`` is None."""
        return self._log_file("stderr.log")

    def stderr_text(self) -> str:
        """Everything the server wrote to stderr so far."""
        if self._kept_stderr is not None:
            return self._kept_stderr
        return _read_text(self.stderr_path)

    def stdout_text(self) -> str:
        """Everything the server wrote to stdout after READY, as far as drained."""
        if self._kept_stdout is not None:
            return self._kept_stdout
        return _read_text(self.stdout_path)

    def stderr_tail(self, n_lines: int = 40) -> str:
        return "\n".join(self.stderr_text().splitlines()[-n_lines:])

    def sanitizer_report(self) -> str | None:
        """stderr from the first sanitizer report on, or None if there is none."""
        text = self.stderr_text()
        found = _SANITIZER.search(text)
        return text[found.start() :] if found else None

    def check(self) -> None:
        """Raises ``ServerCrashedError``, stderr attached, if the server crashed
        or printed a sanitizer report; call it again after ``stop`` for what a
        sanitizer reports at exit. Like ``Device.check``, each problem is
        raised once: a later call raises only if there is more to say."""
        report = self.sanitizer_report()
        if not self.crashed and report is None:
            return
        what = "crashed" if self.crashed else "printed a sanitizer report"
        detail = report if report is not None else self.stderr_tail()
        message = (
            f"chatlab-server {what} ({self.status}, pid {self.pid})\n"
            f"  command: {shlex.join(self.command)}\n"
            f"  stderr:\n{_indent(detail)}"
        )
        if message != self._reported:
            self._reported = message
            raise ServerCrashedError(message)

    def __repr__(self) -> str:
        return f"<ChatServer {self.binary.name} {self.host}:{self.port} {self.status}>"

    # -- internals --------------------------------------------------------

    def _started(self) -> subprocess.Popen[bytes]:
        if self._proc is None:
            raise RuntimeError("the ChatServer has not been started")
        return self._proc

    def _log_file(self, name: str) -> Path:
        if self._logs is None:
            raise RuntimeError("the ChatServer has not been started")
        return self._logs / name

    def _check_binary(self) -> None:
        # Popen's own errors say little ("Permission denied" about what?), and a
        # missing binary must fail before anything is spawned.
        if not self.binary.exists():
            raise ServerStartError(f"server binary {self.binary} does not exist")
        if not self.binary.is_file():
            raise ServerStartError(f"server binary {self.binary} is not a file")
        if not os.access(self.binary, os.X_OK):
            raise ServerStartError(f"server binary {self.binary} is not executable")

    def _read_ready(self, fd: int) -> bytes:
        """Reads stdout up to the READY line; returns what came after it."""
        deadline = time.monotonic() + self.startup_timeout
        seen = b""
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in seen:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    self._fail_start(
                        f"no READY line within {self.startup_timeout} s", seen, kill=True
                    )
                chunk = os.read(fd, _READY_MAX_BYTES)
                if not chunk:
                    self._fail_start("the server exited before READY", seen, kill=False)
                seen += chunk
                if len(seen) > _READY_MAX_BYTES and b"\n" not in seen:
                    self._fail_start("the first stdout line is too long", seen, kill=True)
        line, _, rest = seen.partition(b"\n")
        ready = _READY.fullmatch(line.decode("utf-8", "replace").rstrip("\r"))
        if ready is None:
            self._fail_start("the first stdout line is not READY host:port", seen, kill=True)
        self.host = ready["v6"] or ready["host"]
        self.port = int(ready["port"])
        return rest

    def _fail_start(self, reason: str, stdout: bytes, *, kill: bool) -> NoReturn:
        proc = self._started()
        if kill:
            self._signal_group(signal.SIGKILL)
        if not _wait_exit(proc, None if kill else self.startup_timeout):
            self._signal_group(signal.SIGKILL)  # stdout closed, yet still running
            proc.wait()
        message = (
            f"chatlab-server did not start: {reason} ({_describe(proc.returncode)})\n"
            f"  command: {shlex.join(self.command)}"
        )
        if stdout:
            message += f"\n  stdout: {stdout.decode('utf-8', 'replace')!r}"
        message += f"\n  stderr (last 40 lines):\n{_indent(self.stderr_tail())}"
        raise ServerStartError(message)

    def _signal_group(self, signum: signal.Signals, *, record: bool = True) -> None:
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
        if self._drain is not None:
            # EOF comes once the group is gone; a stray holder outside the
            # group must not hang the teardown.
            self._drain.join(timeout=2.0)
        if self._log_dir_owned is not None and self._logs is not None:
            self._kept_stderr = _read_text(self.stderr_path)
            self._kept_stdout = _read_text(self.stdout_path)
            shutil.rmtree(self._log_dir_owned, ignore_errors=True)
            self._log_dir_owned = None


def _wait_exit(proc: subprocess.Popen[bytes], timeout: float | None) -> bool:
    """Waits up to ``timeout`` s for ``proc`` to exit, then reaps it; False if
    it is still running. Popen.wait(timeout) polls with growing sleeps, which
    costs a teardown about a millisecond; a pidfd is woken by the exit itself."""
    if timeout is None or proc.returncode is not None or not hasattr(os, "pidfd_open"):
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        return True
    try:
        pidfd = os.pidfd_open(proc.pid)
    except ProcessLookupError:  # already reaped elsewhere
        proc.wait()
        return True
    try:
        if not select.select([pidfd], [], [], timeout)[0]:
            return False
    finally:
        os.close(pidfd)
    proc.wait()
    return True


def _limit(flag: str, value: int | None) -> list[str]:
    return [] if value is None else [flag, str(value)]


def _drain(fd: int, first: bytes, path: Path) -> None:
    """Copies the server's stdout to ``path`` until end of file."""
    with path.open("ab") as out:
        out.write(first)
        out.flush()
        try:
            while chunk := os.read(fd, 65536):
                out.write(chunk)
                out.flush()
        finally:
            os.close(fd)


def _describe(code: int | None) -> str:
    if code is None:
        return "running"
    if code >= 0:
        return f"exit status {code}"
    try:
        return f"killed by {signal.Signals(-code).name}"
    except ValueError:
        return f"killed by signal {-code}"


def _read_text(path: Path) -> str:
    try:
        return path.read_text("utf-8", "replace")
    except FileNotFoundError:
        return ""


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines()) or "    (empty)"
