"""What each test started, kept on its item: for the verdict and the report.

Fixtures record every server, client and device they make here. The plugin
asks ``verdict`` after the test's call and after its teardown (a server that
died or printed a sanitizer report, or a device callback that raised on the
C++ receive thread, fails the test that used it), and when a test fails it
asks for the report sections that explain it: each server's stderr, each
mock client's frames, each device's messages.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .logtext import shorten
from .options import log_limits

if TYPE_CHECKING:  # the fixtures import them; a test with none of them needs none
    from .device import Device
    from .line import LineClient
    from .line_server import LineServer
    from .mock import MockClient
    from .orchestrator import Harness
    from .server import ChatServer

__all__ = ["Tracked", "report_sections", "start_attempt", "tracked", "verdict"]

_KEY = pytest.StashKey["Tracked"]()
_STDERR_LINES = 60


@dataclass
class Tracked:
    """The servers and clients one test made, in the order it made them."""

    servers: list[ChatServer] = field(default_factory=list)
    clients: list[MockClient] = field(default_factory=list)
    line_clients: list[LineClient] = field(default_factory=list)
    #: stand-in servers (``LineServer``, ``MockServer``): their threads' errors and frames
    line_servers: list[LineServer] = field(default_factory=list)
    devices: list[Device] = field(default_factory=list)
    harnesses: list[Harness] = field(default_factory=list)
    #: where whole logs go when the test fails (the test's tmp_path), if known
    log_dir: Path | None = None


def tracked(item: pytest.Item) -> Tracked:
    """The record of ``item``, created on first use."""
    return item.stash.setdefault(_KEY, Tracked())


def start_attempt(item: pytest.Item) -> None:
    """Forgets what an earlier run of ``item`` made (pytest-rerunfailures runs
    it again): each attempt's report explains that attempt alone."""
    if _KEY in item.stash:
        del item.stash[_KEY]


def verdict(item: pytest.Item) -> None:
    """The one judge of a test's chatlab verdict: fails ``item`` if one of its
    servers crashed or printed a sanitizer report, or a callback of one of its
    devices raised on the C++ receive thread, with everything that explains it.

    The plugin asks twice: after the call, so a crash fails the test itself,
    and after teardown, since a sanitizer's report at exit (leaks, say) comes
    only once the server is stopped. ``ChatServer.check`` and ``Device.check``
    raise each problem once, so the second look adds only what is new.
    """
    record = item.stash.get(_KEY, None)
    if record is None:  # a test that made nothing: most tests of most runs
        return
    from .server import ServerCrashedError

    failures = []
    for server in record.servers:
        try:
            server.check()
        except ServerCrashedError as error:
            failures.append(str(error))
    for device in record.devices:
        try:
            device.check()
        except BaseException as error:  # a callback may raise anything, SystemExit included
            shown = "".join(traceback.format_exception(error)).rstrip()
            failures.append(f"{device.label}: a callback raised on the C++ receive thread\n{shown}")
    for line_server in record.line_servers:
        try:
            line_server.check()
        except BaseException as error:  # a rule may raise anything
            shown = "".join(traceback.format_exception(error)).rstrip()
            failures.append(f"{line_server.label}: raised on the server's thread\n{shown}")
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
    logs += [("chatlab line client", c.label, c.format_log) for c in record.line_clients]
    logs += [("chatlab device", device.label, device.format_log) for device in record.devices]
    logs += [("chatlab line server", s.label, s.format_log) for s in record.line_servers]
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
