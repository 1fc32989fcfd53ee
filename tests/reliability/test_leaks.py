"""Nothing outlives a run: no server process, no thread, no unclosed socket.

Each check runs a small generated suite in a pytest of its own (pytester,
in a subprocess), the way a downstream project runs it: ``pytest -n 2`` with
the mode 2 and mode 3 fixtures. The inner suite reports the pid of every
server it starts (a FIFO or a file; xdist workers' output never reaches us)
and, from each process's session-finish hook, its threads.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import sys
import time
from pathlib import Path

import pytest

from support.fifo import read_lines

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="pidfd_open and /proc are Linux-only"
)

pytest_plugins = ["pytester"]

# In-process or not, every inner run skips hypothesis's plugin (~0.6 s a run).
QUIET = ["-p", "no:cacheprovider", "-p", "no:hypothesispytest"]

# The inner conftest: every server a test starts is reported as "pid starttime"
# (the start time tells a reused pid apart). At session finish, before its own
# exit could take its servers along, each process writes which of them still
# run, and its threads then, at session start and at most after a test call.
CONFTEST = """
import errno, json, os, select, threading, time
import pytest

PIDS = {pids!r}
REPORTS = {reports!r}
PIDFD_THREAD = os.O_EXCL  # Linux 6.9+: a pidfd for one thread, readable once it exits
_seen = {{}}
_servers = []
_start = set()  # the OS threads at session start
_python = {{}}  # native id -> name of every Python thread seen after a test call


def _tids():
    return set(os.listdir("/proc/self/task"))


def _threads(uncounted=frozenset()):
    return {{
        "python": sorted(t.name for t in threading.enumerate()),
        "tasks": len(_tids() - uncounted),
    }}


def _settle():
    \"\"\"Waits, at most 2 s and on pidfds, for the OS threads started since the
    session began to exit; the ones that cannot be waited for and that Python
    saw finish are returned, not to be counted. A Python thread's join()
    returns a moment before its OS thread is gone (ChatServer joins its
    stdout reader at every stop); a leaked thread stays.\"\"\"
    alive = {{str(t.native_id) for t in threading.enumerate()}}
    waits, uncounted = [], set()
    for tid in _tids() - _start:
        try:
            waits.append(os.pidfd_open(int(tid), PIDFD_THREAD))
        except OSError as error:  # gone already, or a kernel without thread pidfds
            if error.errno == errno.EINVAL and tid in _python and tid not in alive:
                uncounted.add(tid)
    deadline = time.monotonic() + 2.0
    while waits and (left := deadline - time.monotonic()) > 0:
        done = select.select(waits, [], [], left)[0]
        for fd in done:
            os.close(fd)
        waits = [fd for fd in waits if fd not in done]
    for fd in waits:
        os.close(fd)
    return frozenset(uncounted)


def _stat(pid):
    try:
        with open(f"/proc/{{pid}}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return None


def _starttime(pid):
    return _stat(pid)[19]


def _running(pid, starttime):
    stat = _stat(pid)
    return stat is not None and stat[19] == starttime and stat[0] != "Z"


@pytest.fixture
def chatlab_server_factory(chatlab_server_factory):
    def start(**limits):
        server = chatlab_server_factory(**limits)
        _servers.append((server.pid, _starttime(server.pid)))
        fd = os.open(PIDS, os.O_WRONLY | os.O_APPEND)
        try:
            os.write(fd, f"{{server.pid}} {{_starttime(server.pid)}}\\n".encode())
        finally:
            os.close(fd)
        return server

    return start


def pytest_sessionstart(session):
    _start.update(_tids())
    _seen["before"] = _threads()
    _seen["peak"] = _seen["before"]["tasks"]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    try:
        return (yield)
    finally:
        _seen["peak"] = max(_seen["peak"], _threads()["tasks"])
        _python.update((str(t.native_id), t.name) for t in threading.enumerate())


def pytest_sessionfinish(session):
    # Not $PYTEST_XDIST_WORKER: an outer xdist run passes its own down to this one.
    workerinput = getattr(session.config, "workerinput", None)
    name = workerinput["workerid"] if workerinput else "main"
    running = [pid for pid, start in _servers if _running(pid, start)]
    after = _threads(_settle())
    with open(os.path.join(REPORTS, name + ".json"), "w") as out:
        json.dump({{**_seen, "after": after, "servers_running": running}}, out)
"""

# Mode 2 and mode 3, every fixture: enough tests that both workers get some.
SUITE = {
    "test_mode2": """
        def test_chat(server_process, new_client):
            alice, bob = new_client(label="alice"), new_client(label="bob")
            alice.sync(); bob.sync()
            alice.send_text("hi")
            assert bob.expect(type="chat", text="hi")["from"] == "guest-1"

        def test_a_full_server(chatlab_server_factory, new_client):
            small = chatlab_server_factory(max_clients=1)
            new_client(server=small).sync()
            refused = new_client(server=small)
            refused.expect(type="error", code="server_full")
            assert refused.wait_closed()

        def test_a_client_the_test_closes_itself(new_client):
            client = new_client()
            client.sync()
            client.close()
    """,
    "test_mode3": """
        def test_devices(bound_device, new_client):
            alice, bob = bound_device(label="alice"), bound_device(label="bob")
            seen = []
            bob.on_message(seen.append)
            alice.send("/name alice")
            assert bob.wait_for(lambda m: m.type == "roster" and "alice" in m.users)
            talker = new_client()
            talker.send_text("hello")
            talker.sync(); alice.sync(); bob.sync()  # the sender first: "hello" was handled
            assert any(m.type == "chat" and m.text == "hello" for m in seen)

        def test_a_device_that_disconnects_from_its_own_callback(bound_device, new_client):
            device = bound_device()
            device.sync()
            device.on_message(lambda m: m.type == "chat" and device.disconnect())
            new_client().send_text("bye")
            assert device.wait_closed()

        def test_the_harness(chatlab_harness):
            report = chatlab_harness.run(
                [("alice", "/name alice"), ("bob", "/name bob"), ("alice", "hi everyone")]
            )
            assert report.delivery_of("hi everyone").recipients == ["bob"]
    """,
}
SUITE_SERVERS = 6  # one a test, two in test_a_full_server, none in the one that closes itself


def inner_suite(pytester: pytest.Pytester, pids: Path) -> Path:
    reports = pytester.mkdir("reports")
    pytester.makeconftest(CONFTEST.format(pids=str(pids), reports=str(reports)))
    pytester.makepyfile(**SUITE)
    return reports


def use_project_warning_filters(pytester: pytest.Pytester, config: pytest.Config) -> None:
    """The inner run gets this project's ``filterwarnings``, as it is configured."""
    filters = "\n    ".join(config.getini("filterwarnings"))
    pytester.makeini(f"[pytest]\nfilterwarnings =\n    {filters}\n")


def still_running(pid: int, starttime: str) -> bool:
    """Whether that very process (not a later one given the same pid) still runs;
    the inner conftest's ``_running``, on this side."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    fields = stat.rsplit(")", 1)[1].split()
    return fields[19] == starttime and fields[0] != "Z"


def test_the_projects_warning_filters_fail_a_test_that_leaks_a_socket(
    pytester: pytest.Pytester, pytestconfig: pytest.Config
):
    assert "error::ResourceWarning" in pytestconfig.getini("filterwarnings")
    pytester.makepyfile(
        """
        import socket

        def test_leaks_a_socket(server_process):
            sock = socket.create_connection(server_process.address)
            del sock  # never closed: CPython warns when it collects it
        """
    )
    # The control: without the project's filters the leak goes unnoticed...
    pytester.runpytest_subprocess(*QUIET).assert_outcomes(passed=1, warnings=0)

    use_project_warning_filters(pytester, pytestconfig)
    result = pytester.runpytest_subprocess(*QUIET)

    # ...with them, the same test fails, and says why.
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*ResourceWarning: unclosed <socket.socket*"])


def test_a_full_xdist_run_leaves_no_server_and_no_thread_behind(
    pytester: pytest.Pytester, pytestconfig: pytest.Config
):
    pids = pytester.path / "pids.txt"
    pids.touch()
    reports = inner_suite(pytester, pids)
    use_project_warning_filters(pytester, pytestconfig)

    result = pytester.runpytest_subprocess(*QUIET, "-n", "2")

    result.assert_outcomes(passed=6)
    servers = [line.split() for line in pids.read_text().splitlines()]
    assert len(servers) == SUITE_SERVERS
    assert [pid for pid, start in servers if still_running(int(pid), start)] == []
    workers = {p.stem: json.loads(p.read_text()) for p in reports.glob("gw*.json")}
    assert sorted(workers) == ["gw0", "gw1"]
    for name, seen in workers.items():
        assert seen["servers_running"] == [], f"{name} left servers running at its end"
        assert seen["after"] == seen["before"], f"{name} kept threads: {seen}"
    # The count sees the C++ receive threads: some worker had devices connected.
    assert any(seen["peak"] > seen["before"]["tasks"] for seen in workers.values())


# Each test holds its servers, a device and a mock client until the run is killed.
HOLD = """
    import threading

    def test_hold(server_process, chatlab_server_factory, bound_device, new_client):
        chatlab_server_factory(max_clients=4)
        bound_device().sync()
        new_client().sync()
        with open({ready!r}, "w") as ready:
            ready.write("held\\n")
        threading.Event().wait()
"""


def test_every_server_is_gone_within_2_s_of_killing_the_whole_xdist_run(
    pytester: pytest.Pytester,
):
    pids_path, ready_path = pytester.path / "pids.fifo", pytester.path / "ready.fifo"
    os.mkfifo(pids_path)
    os.mkfifo(ready_path)
    # Our own writer ends keep each FIFO from reporting end of file between writers.
    fifos = [os.open(path, os.O_RDONLY | os.O_NONBLOCK) for path in (pids_path, ready_path)]
    writers = [os.open(path, os.O_WRONLY) for path in (pids_path, ready_path)]
    pytester.makeconftest(CONFTEST.format(pids=str(pids_path), reports=str(pytester.path)))
    hold = HOLD.format(ready=str(ready_path))
    pytester.makepyfile(test_hold_a=hold, test_hold_b=hold)
    pidfds: list[int] = []
    survivors: list[int] = []
    try:
        with pytester.popen(
            [sys.executable, "-m", "pytest", *QUIET, "-n", "2"], start_new_session=True
        ) as run:
            try:
                read_lines(fifos[1], count=2)  # both tests hold everything they started
                servers = [int(line.split()[0]) for line in read_lines(fifos[0], count=4)]
                # Opened before the kill, so a pid reused afterwards cannot fool the wait.
                pidfds = [os.pidfd_open(pid) for pid in servers]
            finally:
                os.killpg(run.pid, signal.SIGKILL)  # the controller and both workers
            killed = time.monotonic()
            pending = list(pidfds)
            while pending and (remaining := killed + 2.0 - time.monotonic()) > 0:
                done = select.select(pending, [], [], remaining)[0]
                pending = [fd for fd in pending if fd not in done]
            gone_after = time.monotonic() - killed
            survivors = [servers[pidfds.index(fd)] for fd in pending]
    finally:
        for fd in pidfds:
            with contextlib.suppress(ProcessLookupError):  # gone, as it should be
                signal.pidfd_send_signal(fd, signal.SIGKILL)
        for fd in [*pidfds, *fifos, *writers]:
            os.close(fd)

    assert survivors == [], "chatlab-server processes outlived the killed run"
    assert gone_after < 2.0
