"""What each test started, kept on its item: for the verdict and the report.

Fixtures record every server and client they make here. After the test's
call the plugin asks for a crash verdict (a server that died or printed a
sanitizer report fails the test that used it), and when a test fails it
asks for the report sections that explain it: each server's stderr, each
mock client's frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from .mock import MockClient
from .server import ChatServer, ServerCrashedError

__all__ = ["Tracked", "fail_on_crash", "report_sections", "tracked"]

_KEY = pytest.StashKey["Tracked"]()
_STDERR_LINES = 60


@dataclass
class Tracked:
    """The servers and clients one test made, in the order it made them."""

    servers: list[ChatServer] = field(default_factory=list)
    clients: list[MockClient] = field(default_factory=list)
    #: servers whose crash already failed the test, so teardown does not repeat it
    reported: set[int] = field(default_factory=set)


def tracked(item: pytest.Item) -> Tracked:
    """The record of ``item``, created on first use."""
    return item.stash.setdefault(_KEY, Tracked())


def fail_on_crash(item: pytest.Item) -> None:
    """Fails the test if a server of ``item`` crashed or printed a sanitizer
    report since the last call, naming the server and showing its stderr."""
    record = item.stash.get(_KEY, Tracked())
    for server in record.servers:
        if id(server) in record.reported:
            continue
        try:
            server.check()
        except ServerCrashedError as error:
            record.reported.add(id(server))
            pytest.fail(str(error), pytrace=False)


def report_sections(item: pytest.Item) -> list[tuple[str, str]]:
    """Titled texts for a failing test's report: server stderr, client frames."""
    record = item.stash.get(_KEY, Tracked())
    sections = []
    for server in record.servers:
        title = f"chatlab-server {server.host}:{server.port} ({server.status}) stderr"
        sections.append((title, server.stderr_tail(_STDERR_LINES) or "(empty)"))
    for client in record.clients:
        sections.append((f"chatlab mock client {client.label}", client.format_log()))
    return sections
