"""The pytest11 entry point: registration only.

Options, ini keys, markers, auto-marking and report sections live here; the
fixtures are in ``pytest_chatlab.fixtures``, which this module pulls in.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from .levels import LEVELS, level_of_item, read_levels
from .options import (
    LogLimits,
    default_timeout,
    read_log_limits,
    read_server,
    read_timeout,
    server_header,
)
from .timeouts import set_timer
from .tracking import calling, explain_failure, running, start_attempt, verdict

pytest_plugins = ("pytest_chatlab.fixtures",)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("chatlab", "chatlab: test a C++ chat server three ways")
    group.addoption(
        "--chatlab-server",
        dest="chatlab_server",
        metavar="PATH",
        help="chatlab-server binary to test (a sanitizer build, a fork); "
        "default: $CHATLAB_SERVER, else the bundled one",
    )
    parser.addini(
        "chatlab_server",
        "chatlab-server binary to test, relative to the rootdir (--chatlab-server wins)",
        default="",
    )
    parser.addini(
        "chatlab_log_events",
        "events of each mock client and device a failure report shows, the last ones "
        "(the whole log goes to a file under the test's tmp_path); 0 shows all",
        default=str(LogLimits().events),
    )
    parser.addini(
        "chatlab_log_line_bytes",
        "bytes of each logged frame a failure report shows, head and tail; 0 shows all",
        default=str(LogLimits().line_bytes),
    )
    parser.addini(
        "chatlab_levels",
        "levels of the project's own fixtures, one 'fixture_name = level' each "
        "(unit, integration, e2e): tests that use them are marked as the plugin's are",
        type="linelist",
        default=[],
    )
    parser.addini(
        "chatlab_prestart",
        "start the next server of each configuration while a test runs, so the next "
        "test takes one already ready (server_process, chatlab_server_factory, "
        "chatlab_process; a factory's prestart= wins)",
        type="bool",
        default=False,
    )
    parser.addini(
        "chatlab_timeout",
        "seconds a test that uses chatlab fixtures may run (pytest-timeout), unless the "
        "test or the run sets its own; 0 turns it off",
        default="60",
    )


def pytest_configure(config: pytest.Config) -> None:
    for name, help_text in LEVELS.items():
        config.addinivalue_line("markers", f"{name}: {help_text}")
    read_timeout(config)
    read_log_limits(config)
    read_server(config)
    read_levels(config)
    if hasattr(config, "workerinput"):  # a pytest-xdist worker
        from ._lifeline import die_with_parent

        die_with_parent()


def pytest_report_header(config: pytest.Config) -> str:
    from . import __version__

    where = Path(__file__).parent
    return f"chatlab: pytest-chatlab {__version__} ({where}), {server_header(config)}"


def pytest_itemcollected(item: pytest.Item) -> None:
    # Runs before "-m" deselects anything. A test that already carries a
    # level marker, or a timeout marker, keeps the one its author chose.
    level = level_of_item(item)
    if level is None:
        return
    if not any(item.get_closest_marker(name) for name in LEVELS):
        item.add_marker(level)
    timeout = default_timeout(item.config)
    if timeout > 0 and item.get_closest_marker("timeout") is None:
        item.add_marker(pytest.mark.timeout(timeout))


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_timeout_set_timer(item: pytest.Item, settings: Any) -> bool | None:
    return set_timer(item, settings)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    # pytest_chatlab.track(obj) gives obj to the test running now: setup, call and teardown.
    with running(item):
        return (yield)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    start_attempt(item)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    with calling(item):  # prestart's spares spawn while the body runs
        yield
    # A server that died during the test fails the test itself, not only its teardown.
    verdict(item)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    # After the fixtures stopped the servers: what a sanitizer reports at exit.
    yield
    verdict(item)


def pytest_sessionstart(session: pytest.Session) -> None:
    from .fixtures import begin_session  # imported by pytest_plugins by now (see below)

    begin_session()


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    # Before other plugins look: a session leaves no chatlab thread behind.
    # Imported here: importing the fixtures module before pytest_plugins does
    # would keep pytest from rewriting its asserts (it warns so).
    from .fixtures import finish_session

    finish_session(session.config)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report: pytest.TestReport = yield
    if report.failed:
        explain_failure(item, report)
    return report
