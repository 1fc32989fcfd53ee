"""The kvstore fixtures: the core in-process (kv_store), the real kv-server
(kv_server) and the real C++ client bound to Python (kv_device).

Their levels come from pyproject.toml's ``chatlab_levels``: a test that uses
``kv_store`` is marked ``unit``, one that uses ``kv_server`` ``integration``,
one that uses ``kv_device`` ``e2e``.
"""

from collections.abc import Callable, Iterator
from typing import Any

import kvstore
import pytest
from kvserver import READY, kv_server_binary

import pytest_chatlab


@pytest.fixture
def kv_store() -> Callable[..., kvstore.Engine]:
    """A factory of fresh engines: ``kv_store(max_keys=2)`` takes Limits' keywords."""

    def make(**limits: int) -> kvstore.Engine:
        return kvstore.Engine(kvstore.Limits(**limits))

    return make


@pytest.fixture
def kv_server(chatlab_process: Callable[..., Any]) -> Callable[..., Any]:
    """A factory of started kv-servers: ``kv_server(max_keys=2)`` passes ``--max-keys 2``."""

    def start(**limits: int) -> Any:
        command = [kv_server_binary(), "--port", "0"]
        for name, value in limits.items():
            command += [f"--{name.replace('_', '-')}", str(value)]
        return chatlab_process(command, ready=READY, ready_stream="stderr")

    return start


@pytest.fixture
def kv_device() -> Iterator[Callable[..., kvstore.KvDevice]]:
    """A factory of KvDevices connected to a server: ``kv_device(kv_server(), label="a")``.

    Each is tracked (what its callbacks raise fails the test) and closed at teardown.
    """
    made: list[kvstore.KvDevice] = []

    def connect(server: Any, label: str = "kv") -> kvstore.KvDevice:
        device = pytest_chatlab.track(kvstore.KvDevice(label))
        made.append(device)
        host, port = server.address
        return device.connect(host, port)

    yield connect
    for device in made:
        device.close()
