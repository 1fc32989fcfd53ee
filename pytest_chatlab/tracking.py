"""What each test started, kept on its item: for the verdict and the report.

Fixtures record every server, client and device they make here. After the
test's call the plugin asks for a verdict (a server that died or printed a
sanitizer report, or a device callback that raised on the C++ receive
thread, fails the test that used it), and when a test fails it asks for
the report sections that explain it: each server's stderr, each mock
client's frames, each device's messages.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .device import Device
from .logtext import shorten
from .mock import MockClient
from .options import log_limits
from .orchestrator import Harness
from .server import ChatServer, ServerCrashedError

__all__ = [
    "Tracked",
    "fail_on_callback_errors",
    "fail_on_crash",
    "report_sections",
    "start_attempt",
    "tracked",
]

_KEY = pytest.StashKey["Tracked"]()
_STDERR_LINES = 60


@dataclass
class Tracked:
    """The servers and clients one test made, in the order it made them."""

    servers: list[ChatServer] = field(default_factory=list)
    clients: list[MockClient] = field(default_factory=list)
    devices: list[Device] = field(default_factory=list)
    harnesses: list[Harness] = field(default_factory=list)
    #: where whole logs go when the test fails (the test's tmp_path), if known
    log_dir: Path | None = None
    #: servers whose crash already failed the test, so teardown does not repeat it
    reported: set[int] = field(default_factory=set)


def tracked(item: pytest.Item) -> Tracked:
    """The record of ``item``, created on first use."""
    return item.stash.setdefault(_KEY, Tracked())


def start_attempt(item: pytest.Item) -> None:
    """Forgets what an earlier run of ``item`` made (pytest-rerunfailures runs
    it again): each attempt's report explains that attempt alone."""
    item.stash[_KEY] = Tracked()


def fail_on_crash(item: pytest.Item) -> None:
    """Fails the test if a server of ``item`` crashed or printed a sanitizer
    report since the last call, naming the server and showing its stderr;
    then if a device callback raised (``fail_on_callback_errors``)."""
    record = item.stash.get(_KEY, Tracked())
    for server in record.servers:
        if id(server) in record.reported:
            continue
        try:
            server.check()
        except ServerCrashedError as error:
            record.reported.add(id(server))
            pytest.fail(str(error), pytrace=False)
    fail_on_callback_errors(item)


def fail_on_callback_errors(item: pytest.Item) -> None:
    """Fails the test if a callback of one of its devices raised since the
    last check, with each exception's traceback (each is reported once)."""
    record = item.stash.get(_KEY, Tracked())
    failures = []
    for device in record.devices:
        try:
            device.check()
        except BaseException as error:  # a callback may raise anything, SystemExit included
            shown = "".join(traceback.format_exception(error)).rstrip()
            failures.append(f"{device.label}: a callback raised on the C++ receive thread\n{shown}")
    if failures:
        pytest.fail("\n\n".join(failures), pytrace=False)


def report_sections(item: pytest.Item) -> list[tuple[str, str]]:
    """Titled texts for a failing test's report: server stderr, client frames,
    device messages, each within the run's log limits; the whole logs go to
    files in the test's tmp_path, named in their sections."""
    record = item.stash.get(_KEY, Tracked())
    limits = log_limits(item.config)
    sections = []
    for server in record.servers:
        title = f"chatlab-server {server.host}:{server.port} ({server.status}) stderr"
        tail = server.stderr_tail(_STDERR_LINES)
        lines = [shorten(line, limits.line_bytes) for line in tail.splitlines()]
        sections.append((title, "\n".join(lines) or "(empty)"))
    logs: list[tuple[str, str, Callable[[int, int], str]]] = [
        ("chatlab mock client", client.label, client.format_log) for client in record.clients
    ]
    logs += [("chatlab device", device.label, device.format_log) for device in record.devices]
    for index, (kind, label, format_log) in enumerate(logs, 1):
        text = format_log(limits.events, limits.line_bytes)
        whole = _keep_whole_log(record.log_dir, f"{index:02d}-{label}", format_log(0, 0))
        if whole is not None:
            text += f"\n  (whole log: {whole})"
        sections.append((f"{kind} {label}", text))
    for harness in record.harnesses:
        # One snapshot, so the report and the timeline shown agree.
        report = harness.report()
        sections.append(("chatlab harness report", report.render()))
        sections.append(("chatlab harness timeline", report.format_timeline()))
    return sections


def _keep_whole_log(log_dir: Path | None, name: str, text: str) -> Path | None:
    if log_dir is None:
        return None
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / (re.sub(r"[^\w.-]", "_", name) + ".log")
    path.write_text(text + "\n", encoding="utf-8", errors="backslashreplace")
    return path
