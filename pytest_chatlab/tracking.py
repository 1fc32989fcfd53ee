"""What each test started, kept on its item: for the verdict and the report.

Fixtures record every server, client and device they make here, and
``track(obj)`` any object of the user's with a ``check()`` (a binding built
on the C++ bridge, say): a device is one such object. The plugin asks
``verdict`` after the test's call and after its teardown (a server that died
or printed a sanitizer report, or a checked object whose callback raised on
its C++ thread, fails the test that used it), and when a test fails it asks
for the report sections that explain it: each server's stderr, each mock
client's frames, each checked object's log.

``track`` finds its test without being handed one: the plugin marks the test
running in this process (``running``, around each test's setup, call and
teardown). A pytest-xdist worker is a process of its own running one test at
a time, so the mark is the worker's test.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import pytest

from .logtext import shorten
from .options import log_limits

if TYPE_CHECKING:  # the fixtures import them; a test with none of them needs none
    from ._spawn import Job
    from .line import LineClient
    from .line_server import LineServer
    from .mock import MockClient
    from .orchestrator import Harness
    from .process import ServerProcess

__all__ = [
    "Checkable",
    "Checked",
    "Tracked",
    "calling",
    "check_after",
    "current_item",
    "explain_failure",
    "report_sections",
    "running",
    "spawn_during_call",
    "start_attempt",
    "track",
    "tracked",
    "verdict",
]

_KEY = pytest.StashKey["Tracked"]()
_STDERR_LINES = 60
_SPAWN_WAIT = 5.0  # seconds a call waits for a spawn at its end; the next take waits for the rest

#: The test running in this process now, if any (``running``).
_current: pytest.Item | None = None
#: The test whose body runs now, if any (``calling``).
_calling: pytest.Item | None = None


class Checkable(Protocol):
    """What ``track`` takes: ``check()`` raises what the object's callbacks
    raised on their own thread since the last check (each error once), and
    returns when there is none. ``label`` (str) and ``format_log(last,
    max_bytes)`` (str) are optional: the name in the report, and its log."""

    def check(self) -> object: ...


C = TypeVar("C", bound=Checkable)


class Checked:
    """One object whose ``check()`` judges the test, and how its report reads."""

    # A plain class, as Tracked: the plugin imports this module in every run,
    # and a dataclass costs its import a millisecond to build.
    __slots__ = ("failure", "kind", "obj")

    def __init__(
        self, obj: Checkable, kind: str = "chatlab tracked", failure: str = "check() raised"
    ) -> None:
        self.obj = obj
        #: the report section's title before the label
        self.kind = kind
        #: what the failure says before the traceback
        self.failure = failure

    @property
    def label(self) -> str:
        label = getattr(self.obj, "label", None)
        return label if isinstance(label, str) else type(self.obj).__name__


class Tracked:
    """The servers and clients one test made, in the order it made them."""

    __slots__ = ("checked", "clients", "failure_dir", "harnesses", "line_clients",
                 "line_servers", "servers", "spawning", "spawns")  # fmt: skip

    def __init__(self) -> None:
        self.servers: list[ServerProcess] = []
        self.clients: list[MockClient] = []
        self.line_clients: list[LineClient] = []
        #: stand-in servers (``LineServer``, ``MockServer``): their threads' errors and frames
        self.line_servers: list[LineServer] = []
        #: the devices and whatever ``track`` was given, in the order they came
        self.checked: list[Checked] = []
        self.harnesses: list[Harness] = []
        #: where whole logs and diagrams go once the test failed (made then, not before)
        self.failure_dir: Path | None = None
        #: prestart's spawns waiting for the test's call
        self.spawns: list[Callable[[], Job[Any]]] = []
        #: the spawns under way since the call began
        self.spawning: list[Job[Any]] = []


def tracked(item: pytest.Item) -> Tracked:
    """The record of ``item``, created on first use."""
    return item.stash.setdefault(_KEY, Tracked())


@contextmanager
def running(item: pytest.Item) -> Iterator[None]:
    """Marks ``item`` as the test ``track`` gives objects to, for the block
    (restored after, so a pytester run inside a test nests)."""
    global _current
    previous, _current = _current, item
    try:
        yield
    finally:
        _current = previous


def spawn_during_call(item: pytest.Item, spawn: Callable[[], Job[Any]]) -> None:
    """Has ``spawn`` (prestart's next spare) run while the test's body runs:
    at once if it runs already (see ``calling``)."""
    record = tracked(item)
    if _calling is item:
        record.spawning.append(spawn())
    else:
        record.spawns.append(spawn)


@contextmanager
def calling(item: pytest.Item) -> Iterator[None]:
    """The call of ``item``: starts the spawns its fixtures left for it, and
    waits after the body until every spawn begun during the call is done.

    A spare spawned during setup took the GIL from the test whenever the
    test first waited, most often in teardown, where its exec slowed the
    stop of the server it replaces; during the call it uses the test's own
    waits, and none is left for the teardown. The wait is bounded: a spawn
    is a fork and an exec. Restored after, so a pytester run inside a test
    nests."""
    global _calling
    previous, _calling = _calling, item
    record = item.stash.get(_KEY, None)
    if record is not None:
        spawns, record.spawns = record.spawns, []
        record.spawning += [spawn() for spawn in spawns]
    try:
        yield
    finally:
        _calling = previous
        record = item.stash.get(_KEY, None)  # made during the call, maybe
        if record is not None:
            for job in record.spawning:
                job.done.wait(_SPAWN_WAIT)
            record.spawning.clear()


def check_after(item: pytest.Item, checked: Checked) -> None:
    """Has the verdict of ``item`` call ``checked.obj.check()``, and its
    failure report show the object's log."""
    tracked(item).checked.append(checked)


def track(obj: C) -> C:
    """Makes ``obj.check()`` part of the verdict of the running test, and
    ``obj``'s log part of its failure report, as for a ``Device``: the test
    fails after its call or teardown if ``check()`` raises. Returns ``obj``:
    ``client = track(MyClient(...))``. Call it in a test or a fixture."""
    if not callable(getattr(obj, "check", None)):
        raise TypeError(
            f"track() needs an object with a check() method that raises its callbacks' "
            f"errors; {type(obj).__name__} has none"
        )
    check_after(current_item("track()"), Checked(obj))
    return obj


def current_item(caller: str) -> pytest.Item:
    """The test running in this process (its setup, call or teardown), for
    ``caller``, which needs one: a fixture that asks for ``request`` only to
    learn it costs every test a fixture lookup."""
    if _current is None:
        raise RuntimeError(
            f"{caller} is called while no test is running in this process: call it in a "
            "test or a fixture, with the pytest-chatlab plugin loaded"
        )
    return _current


def start_attempt(item: pytest.Item) -> None:
    """Forgets what an earlier run of ``item`` made (pytest-rerunfailures runs
    it again): each attempt's report explains that attempt alone."""
    if _KEY in item.stash:
        del item.stash[_KEY]


def verdict(item: pytest.Item) -> None:
    """The one judge of a test's chatlab verdict: fails ``item`` if one of its
    servers crashed or printed a sanitizer report, or a callback of one of its
    devices or tracked objects raised on its C++ thread, with everything that
    explains it.

    The plugin asks twice: after the call, so a crash fails the test itself,
    and after teardown, since a sanitizer's report at exit (leaks, say) comes
    only once the server is stopped. ``ChatServer.check`` and ``Device.check``
    (and every tracked ``check``) raise each problem once, so the second look
    adds only what is new.
    """
    record = item.stash.get(_KEY, None)
    if record is None:  # a test that made nothing: most tests of most runs
        return
    from .errors import ServerCrashedError

    failures = []
    for server in record.servers:
        try:
            server.check()
        except ServerCrashedError as error:
            failures.append(str(error))
    for checked in record.checked:
        try:
            checked.obj.check()
        except BaseException as error:  # a callback may raise anything, SystemExit included
            shown = "".join(traceback.format_exception(error)).rstrip()
            failures.append(f"{checked.label}: {checked.failure}\n{shown}")
    for line_server in record.line_servers:
        try:
            line_server.check()
        except BaseException as error:  # a rule may raise anything
            shown = "".join(traceback.format_exception(error)).rstrip()
            failures.append(f"{line_server.label}: raised on the server's thread\n{shown}")
    if failures:
        pytest.fail("\n\n".join(failures), pytrace=False)


def report_sections(item: pytest.Item) -> list[tuple[str, str]]:
    """Titled texts for a failing test's report: server stderr (and stdout, if
    any), client frames,
    device messages, each within the run's log limits; the whole logs go to
    files in the test's tmp_path, named in their sections."""
    record = item.stash.get(_KEY, Tracked())
    limits = log_limits(item.config)
    sections = []
    for server in record.servers:
        title = f"{server.label} {server.host}:{server.port} ({server.status})"
        for stream, tail, path in (
            ("stderr", server.stderr_tail(_STDERR_LINES), server.stderr_path),
            ("stdout", server.stdout_tail(_STDERR_LINES), server.stdout_path),
        ):
            if stream == "stdout" and not tail:
                continue  # most servers log to stderr alone
            lines = [shorten(line, limits.line_bytes) for line in tail.splitlines()]
            text = "\n".join(lines) or "(empty)"
            if server.log_dir is not None:  # else the logs were private, removed at stop
                text += f"\n  (whole log: {path})"
            sections.append((f"{title} {stream}", text))
    logs: list[tuple[str, str, Callable[[int, int], str]]] = [
        ("chatlab mock client", client.label, client.format_log) for client in record.clients
    ]
    logs += [("chatlab line client", c.label, c.format_log) for c in record.line_clients]
    logs += [
        (checked.kind, checked.label, format_log)
        for checked in record.checked
        if callable(format_log := getattr(checked.obj, "format_log", None))
    ]
    logs += [("chatlab line server", s.label, s.format_log) for s in record.line_servers]
    for index, (kind, label, format_log) in enumerate(logs, 1):
        text = format_log(limits.events, limits.line_bytes)
        whole = _keep_whole_log(failure_dir(item), f"{index:02d}-{label}", format_log(0, 0))
        text += f"\n  (whole log: {whole})"
        sections.append((f"{kind} {label}", text))
    for harness in record.harnesses:
        # One snapshot, so the report and the timeline shown agree.
        report = harness.report()
        sections.append(("chatlab harness report", report.render()))
        sections.append(("chatlab harness timeline", report.format_timeline()))
    return sections


def explain_failure(item: pytest.Item, report: pytest.TestReport) -> None:
    """Adds to a failing test's ``report`` what explains it: the sections of
    ``report_sections``, and the conversations drawn (``pictures``) into the
    test's tmp_path, named in a section, embedded by pytest-html if it is
    there, and given to JUnit XML as properties with the sections."""
    sections = report_sections(item)
    record = item.stash.get(_KEY, None)
    if record is not None and _has_conversations(record):
        from .pictures import draw_failure, html_extras

        try:
            paths = draw_failure(record, failure_dir(item), item.name)
        except Exception as error:  # a picture must never hide the failure it explains
            paths = []
            sections.append(("chatlab diagrams", f"could not draw them: {error!r}"))
        else:
            sections.append(("chatlab diagrams", "\n".join(str(path) for path in paths)))
        html_plugin = item.config.pluginmanager.getplugin("html")
        if html_plugin is not None and paths:
            # pytest-html reads this attribute of the report; pytest does not define it.
            extras = [*getattr(report, "extras", []), *html_extras(html_plugin, paths)]
            report.extras = extras  # type: ignore[attr-defined]
    # JUnit XML writes the properties of a test's teardown report, which
    # copies the item's when it is made: a teardown failure adds to its own.
    properties = report.user_properties if report.when == "teardown" else item.user_properties
    for title, text in sections:
        report.sections.append((f"{title} ({report.when})", text))
        properties.append((f"{title} ({report.when})", text))


def _has_conversations(record: Tracked) -> bool:
    return bool(record.clients or record.line_clients or record.checked or record.harnesses)


def failure_dir(item: pytest.Item) -> Path:
    """``chatlab-logs`` in the test's ``tmp_path``, made when the test first
    needs it: only a failure writes there, so a passing test never pays for a
    directory. A test that did not ask for ``tmp_path`` gets one named as
    pytest would name it."""
    record = tracked(item)
    if record.failure_dir is None:
        tmp_path = (getattr(item, "funcargs", None) or {}).get("tmp_path")
        if not isinstance(tmp_path, Path):
            tmp_path = _new_tmp_path(item)
        record.failure_dir = tmp_path / "chatlab-logs"
    return record.failure_dir


def _new_tmp_path(item: pytest.Item) -> Path:
    name = re.sub(r"[\W]", "_", item.name)[:30]
    # pytest's own TempPathFactory, the one behind tmp_path (it has no public
    # handle outside a fixture); without the tmpdir plugin, a temporary directory.
    factory = getattr(item.config, "_tmp_path_factory", None)
    if factory is None:
        import tempfile

        return Path(tempfile.mkdtemp(prefix=f"{name}-"))
    path: Path = factory.mktemp(name, numbered=True)
    return path


def _keep_whole_log(log_dir: Path, name: str, text: str) -> Path:
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / (re.sub(r"[^\w.-]", "_", name) + ".log")
    path.write_text(text + "\n", encoding="utf-8", errors="backslashreplace")
    return path
