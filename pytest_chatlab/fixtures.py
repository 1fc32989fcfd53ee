"""The chatlab fixtures. All are function-scoped and need no configuration.

``room`` (unit), ``chatlab_server_factory``, ``server_process``,
``new_client`` and ``chatlab_process`` (integration), ``bound_device`` and
``chatlab_harness`` (e2e); ``chatlab_line_client`` (integration) for any line
protocol on any address; ``mock_server`` and ``chatlab_line_server``
(integration), stand-in servers for testing a client (with ``bound_device``,
the test is ``e2e``).
A client or device they make is a member of the room when it is returned
(or was refused, as a full server does). The server binary is
the one given by ``--chatlab-server`` or the ini key ``chatlab_server``, else
the one ``server_binary()`` finds (``CHATLAB_SERVER``, the bundled one, ``PATH``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from tempfile import mkdtemp
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from .options import configured_binary
from .timeouts import waits_deadline
from .tracking import Checked, check_after, current_item, spawn_during_call, tracked

if TYPE_CHECKING:
    from ._native import Room
    from .device import Device
    from .line import Address, HasAddress, LineClient
    from .line_server import LineServer
    from .mock import MockClient
    from .mock_server import MockServer
    from .orchestrator import Harness
    from .prestart import Spares
    from .process import ServerProcess
    from .server import ChatServer

# The machinery (the compiled core, the clients, the server process) is
# imported by the fixture that needs it, when a test first asks for it: a
# run that uses no chatlab fixture never pays for it.

ServerFactory = Callable[..., "ChatServer"]
_Process = TypeVar("_Process", bound="ServerProcess")
ProcessFactory = Callable[..., "ServerProcess"]
ClientFactory = Callable[..., "MockClient"]
LineClientFactory = Callable[..., "LineClient"]
LineServerFactory = Callable[..., "LineServer"]
DeviceFactory = Callable[..., "Device"]


@pytest.fixture
def room() -> Room:
    """A fresh, empty ``Room`` of the bound C++ core (Mode 1, marks the test ``unit``)."""
    from ._native import Room

    return Room()


@pytest.fixture(scope="session")
def chatlab_spares(pytestconfig: pytest.Config) -> Spares[Any]:
    """The servers prestart keeps ready, one per configuration, for this
    pytest process (each xdist worker has its own); stopped at session end."""
    return _spares(pytestconfig)


# A fixture that needs only the running test takes no ``request``: each
# fixture a test resolves costs its setup about 0.1 ms of pytest's machinery
# (pytest 9 builds a new definition of ``request`` each time, signature and
# all), a twentieth of a server's start. ``tracking`` knows the running test.
# Those that start ``server_process`` lazily need ``request`` for it.


@pytest.fixture
def chatlab_server_factory() -> Iterator[ServerFactory]:
    """Starts ``chatlab-server`` processes with the given limits (``max_clients=2``,
    ``max_frame_bytes=...``, ``max_outbound_bytes=...``); stops them all after
    the test; the plugin fails the test if one crashed or printed a sanitizer
    report. ``prestart=True`` (or the ini key ``chatlab_prestart``) takes one
    started while an earlier test ran."""
    from .server import ChatServer

    item = current_item("chatlab_server_factory")
    binary = configured_binary(item.config)
    logs = _logs(item.config)
    servers = tracked(item).servers

    def start(
        *,
        max_clients: int | None = None,
        max_frame_bytes: int | None = None,
        max_outbound_bytes: int | None = None,
        env: Mapping[str, str] | None = None,
        prestart: bool | None = None,
    ) -> ChatServer:
        def make() -> ChatServer:
            return ChatServer(
                binary,
                max_clients=max_clients,
                max_frame_bytes=max_frame_bytes,
                max_outbound_bytes=max_outbound_bytes,
                env=env,
                log_dir=logs,
            )

        key = ("chatlab-server", binary, max_clients, max_frame_bytes, max_outbound_bytes, env)
        server = _start(item, prestart, key, make)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()  # the plugin judges them after teardown


@pytest.fixture
def chatlab_process() -> Iterator[ProcessFactory]:
    """Starts any server: ``chatlab_process(argv, ready=..., env=..., cwd=..., **kwargs)``
    takes ``ServerProcess``'s arguments and returns it started, its logs in
    ``chatlab-logs`` of the session's temporary directory (the failure report
    names them). All are stopped after the test; the plugin fails
    the test if one crashed or printed a sanitizer report, and shows the tail
    of its stderr and stdout when the test fails. ``prestart=True`` (or the ini
    key ``chatlab_prestart``) takes one started while an earlier test ran."""
    from .process import ServerProcess

    item = current_item("chatlab_process")
    record = tracked(item)
    logs = _logs(item.config)
    started: list[ServerProcess] = []

    def start(
        argv: Sequence[str | os.PathLike[str]], *, prestart: bool | None = None, **kwargs: Any
    ) -> ServerProcess:
        def make() -> ServerProcess:
            return ServerProcess(argv, **{"log_dir": logs, **kwargs})

        key = ("process", [os.fspath(arg) for arg in argv], kwargs)
        process = _start(item, prestart, key, make)
        started.append(process)
        record.servers.append(process)
        return process

    yield start
    for process in started:
        process.stop()  # the plugin judges them after teardown


def _start(
    item: pytest.Item,
    prestart: bool | None,
    configuration: object,
    make: Callable[[], _Process],
) -> _Process:
    """A started process of ``make``: a spare of its configuration when
    prestart is on, else one started now. A failed start fails the test with
    its message once, with no chained copy."""
    from .errors import ServerStartError
    from .prestart import configuration_key

    if prestart is None:
        prestart = bool(item.config.getini("chatlab_prestart"))
    try:
        if prestart:
            spares: Spares[_Process] = _spares(item.config)
            key = configuration_key(configuration)
            process = spares.take(key, make, replace=False)
            spawn_during_call(item, lambda: spares.replace(key, make))
            return process
        process = make()
        process.start()
        return process
    except ServerStartError as error:
        failure = str(error)
    pytest.fail(failure, pytrace=False)


def _logs(config: pytest.Config) -> Path:
    """One directory for the server logs of this pytest process, in its
    session's temporary directory (each xdist worker has its own): a
    directory per test cost a start a quarter of its time, and the file
    names (``chatlab-server-N``) never repeat. Looked up once a session."""
    logs = config.stash.get(_LOGS, None)
    if logs is None:
        from ._logs import ahead_in

        # What the tmp_path_factory fixture returns, without a fixture lookup
        # each test; a run without pytest's tmpdir plugin gets a directory.
        factory: pytest.TempPathFactory | None = getattr(config, "_tmp_path_factory", None)
        base = factory.getbasetemp() if factory is not None else Path(mkdtemp(prefix="chatlab-"))
        logs = config.stash[_LOGS] = base / "chatlab-logs"
        ahead_in(logs)  # the plugin's until the session ends: log files may be made ahead
    return logs


def _spares(config: pytest.Config) -> Spares[Any]:
    """The prestart pool of this session, made on first use."""
    spares = config.stash.get(_SPARES, None)
    if spares is None:
        from .prestart import Spares

        spares = config.stash[_SPARES] = Spares()
    return spares


_LOGS = pytest.StashKey[Path]()
_SPARES = pytest.StashKey["Spares[Any]"]()


def begin_session() -> None:
    """Counts a session in (pytester's in-process runs nest one in another)."""
    global _sessions
    _sessions += 1


def finish_session(config: pytest.Config) -> None:
    """What the session leaves once its tests are done: its prestart spares
    (stopped), the log files made ahead for it and, once no session of this
    process is left, the threads that spawned the servers and drained their
    output (an outer session still uses them after an inner one ends).
    Nothing imported if no server ran."""
    global _sessions
    _sessions -= 1
    spares = config.stash.get(_SPARES, None)
    if spares is not None:
        spares.close()
    logs = config.stash.get(_LOGS, None)
    if logs is not None:
        from ._logs import discard_made_ahead

        discard_made_ahead(logs)
    if _sessions > 0:
        return
    for name, finish in (("_spawn", "stop_spawner"), ("_output", "stop_drainer")):
        module = sys.modules.get(f"pytest_chatlab.{name}")
        if module is not None:
            getattr(module, finish)()


_sessions = 0  # pytest sessions running in this process


def _server(request: pytest.FixtureRequest, server: HasAddress | None) -> HasAddress:
    """``server`` (a ``ChatServer``, a ``MockServer``: anything with an
    ``address``), or else ``server_process``, started only when first needed."""
    return server if server is not None else request.getfixturevalue("server_process")


@pytest.fixture
def server_process(chatlab_server_factory: ServerFactory) -> ChatServer:
    """A running ``chatlab-server`` on an ephemeral loopback port, default limits."""
    return chatlab_server_factory()


@pytest.fixture
def new_client(
    request: pytest.FixtureRequest, chatlab_server_factory: ServerFactory
) -> Iterator[ClientFactory]:
    """Makes connected ``MockClient``s: on ``server_process`` unless ``server=``
    names another; ``label=`` names one in logs. All are closed after the test."""
    from .mock import MockClient

    clients = tracked(request.node).clients

    def connect(server: HasAddress | None = None, label: str | None = None) -> MockClient:
        client = MockClient(_server(request, server).address, label=label)
        client.deadline = waits_deadline(request.node)
        clients.append(client)
        client.wait_greeted()  # a member (or refused) on return: no race with the next line
        return client

    yield connect
    for client in clients:
        client.close()


@pytest.fixture
def chatlab_line_client() -> Iterator[LineClientFactory]:
    """Makes connected ``LineClient``s, for any newline-framed protocol:
    ``connect(target, label=None, timeout=5.0, max_line_bytes=...)``, where
    ``target`` is a ``(host, port)`` or a server object with an ``address``.
    Their waits end before the test's timeout; all are closed after the test,
    and a failing test shows what each one sent and received."""
    from .line import DEFAULT_MAX_LINE_BYTES, LineClient

    item = current_item("chatlab_line_client")
    clients = tracked(item).line_clients

    def connect(
        target: Address | HasAddress,
        label: str | None = None,
        timeout: float = 5.0,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    ) -> LineClient:
        client = LineClient(target, label=label, timeout=timeout, max_line_bytes=max_line_bytes)
        client.deadline = waits_deadline(item)
        clients.append(client)
        return client

    yield connect
    for client in clients:
        client.close()


@pytest.fixture
def bound_device(
    request: pytest.FixtureRequest, chatlab_server_factory: ServerFactory
) -> Iterator[DeviceFactory]:
    """Makes connected ``Device``s, real C++ clients (Mode 3, marks the test
    ``e2e``): on ``server_process`` unless ``server=`` names another;
    ``label=`` names one in logs. After the test all are disconnected, and an
    exception a device callback raised fails the test."""
    from .device import Device

    devices: list[Device] = []

    def connect(
        server: HasAddress | None = None, label: str | None = None, timeout: float = 5.0
    ) -> Device:
        device = Device(_server(request, server).address, label=label, timeout=timeout)
        device.deadline = waits_deadline(request.node)
        devices.append(device)
        failure = "a callback raised on the C++ receive thread"
        check_after(request.node, Checked(device, kind="chatlab device", failure=failure))
        # A member (or refused) on return, so what others send next reaches it.
        greeted = device.wait_for(lambda m: m.type in ("roster", "error"), timeout=timeout)
        if greeted is None and device.connected:
            raise TimeoutError(f"{device.label}: no roster within {timeout} s of connecting")
        return device

    yield connect
    for device in devices:
        device.disconnect()  # the plugin judges their callbacks after teardown


@pytest.fixture
def chatlab_harness(server_process: ChatServer) -> Iterator[Harness]:
    """A ``Harness`` on ``server_process`` (Mode 3, marks the test ``e2e``):
    ``chatlab_harness.run([("alice", "/name alice"), ...])`` returns the
    ``Report``. For another server, use ``Harness(server)`` in a ``with``
    block. After the test its devices are disconnected; if the test failed,
    the rendered report and the timeline are attached to the failure."""
    from .orchestrator import Harness

    harness = Harness(server_process)
    tracked(current_item("chatlab_harness")).harnesses.append(harness)
    yield harness
    harness.close()


@pytest.fixture
def chatlab_line_server() -> Iterator[LineServerFactory]:
    """Starts ``LineServer``s, stand-in servers of any newline-framed protocol
    for testing a client: ``start(address=("127.0.0.1", 0), label="line-server",
    timeout=5.0, max_line_bytes=...)``. Their waits end before the test's
    timeout; all are stopped after the test; an exception raised on a
    server's thread (a rule's predicate or reply) fails the test, and a
    failing test shows what each connection sent and received."""
    from .line import DEFAULT_MAX_LINE_BYTES
    from .line_server import LineServer

    item = current_item("chatlab_line_server")
    servers = tracked(item).line_servers

    def start(
        address: Address = ("127.0.0.1", 0),
        label: str = "line-server",
        timeout: float = 5.0,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    ) -> LineServer:
        server = LineServer(address, label=label, timeout=timeout, max_line_bytes=max_line_bytes)
        server.deadline = waits_deadline(item)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()  # the plugin judges their threads after teardown


@pytest.fixture
def mock_server() -> Iterator[MockServer]:
    """A started ``MockServer``: answers like ``chatlab-server`` until the test
    makes it lie. ``bound_device(server=mock_server)`` connects a real C++
    client to it (the test is then ``e2e``; ``integration`` otherwise). Stopped
    after the test; a server-thread exception fails the test, and a failing
    test shows each connection's frames."""
    from .mock_server import MockServer

    item = current_item("mock_server")
    server = MockServer()
    server.deadline = waits_deadline(item)
    tracked(item).line_servers.append(server)
    server.start()
    yield server
    server.stop()
