"""Local helpers for the tests of ChatServer and MockClient.

The server fixtures themselves are the plugin's (``chatlab_server_factory``,
``server_process``, ``new_client``); the binary is the one the run selects
(``--chatlab-server``, the ini key, ``CHATLAB_SERVER`` or the bundled one).
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pytest_chatlab.mock import MockClient
from pytest_chatlab.options import configured_binary


@pytest.fixture
def server_path(request: pytest.FixtureRequest) -> Path:
    """The server binary under test, for tests that drive ``ChatServer`` by hand."""
    return configured_binary(request.config)


@pytest.fixture
def peer() -> Iterator[Callable[[], tuple[MockClient, socket.socket]]]:
    """A local TCP listener standing in for the server: yields (mock, the accepted socket).

    For what the real server never does, such as sending a line that is not JSON.
    """
    opened: list[MockClient | socket.socket] = []
    with socket.create_server(("127.0.0.1", 0)) as listener:

        def make() -> tuple[MockClient, socket.socket]:
            client = MockClient(listener.getsockname(), label="peer-test")
            accepted, _ = listener.accept()
            opened.extend([client, accepted])
            return client, accepted

        yield make
        for item in opened:
            item.close()
