"""Which test level a test is: read from the fixture definitions it resolves.

A test is ``unit``, ``integration`` or ``e2e`` by the highest level among
the fixtures it uses, directly or through fixtures of its own. What counts
is the *definition* pytest resolves for each name, not the name: a
project's own ``room`` (a hotel's) or ``server_process`` overrides the
plugin's, so a test that uses it is left alone. A definition has a level
when it is one of the plugin's own fixtures, when its function carries
``@level(...)``, or when its name is declared in the ini key
``chatlab_levels`` (``kv_server = integration``): a declaration made by the
project, for the project's fixtures. Stdlib and pytest only: the plugin
imports this module in every run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import pytest

__all__ = ["LEVELS", "LEVEL_OF_FIXTURE", "level", "level_of_item", "read_levels"]

#: Test levels from lowest to highest, with the help text of their markers.
LEVELS: dict[str, str] = {
    "unit": "Mode 1: the bound C++ core, in-process (set by the room fixture)",
    "integration": "Mode 2: the real C++ server over TCP, driven by the Python mock",
    "e2e": "Mode 3: real C++ clients driven from Python, with the mock as injector",
}

#: The level of each of the plugin's own fixtures (``pytest_chatlab.fixtures``).
LEVEL_OF_FIXTURE: dict[str, str] = {
    "room": "unit",
    "server_process": "integration",
    "chatlab_server_factory": "integration",
    "new_client": "integration",
    "chatlab_line_client": "integration",
    "chatlab_process": "integration",
    "chatlab_line_server": "integration",
    "mock_server": "integration",
    "bound_device": "e2e",
    "chatlab_harness": "e2e",
}

_OWN_MODULE = "pytest_chatlab.fixtures"
_ATTRIBUTE = "_chatlab_level"
_KEY = pytest.StashKey[dict[str, str]]()

_Fixture = TypeVar("_Fixture", bound=Callable[..., Any])


def level(name: str) -> Callable[[_Fixture], _Fixture]:
    """Declares the test level a fixture implies, above or below ``@pytest.fixture``::

    @chatlab.level("integration")
    @pytest.fixture
    def kv_server(chatlab_process): ...
    """
    if name not in LEVELS:  # raised where the decorator is written
        raise ValueError(f"chatlab.level: unknown level {name!r}; one of {', '.join(LEVELS)}")

    def mark(fixture: _Fixture) -> _Fixture:
        setattr(fixture, _ATTRIBUTE, name)
        # Above @pytest.fixture (pytest 8.4+), the object is a wrapper;
        # pytest registers the function inside it.
        wrapped = getattr(fixture, "_get_wrapped_function", None)
        if wrapped is not None:
            setattr(wrapped(), _ATTRIBUTE, name)
        return fixture

    return mark


def read_levels(config: pytest.Config) -> None:
    """Checks the ini key ``chatlab_levels`` at configure time and keeps it."""
    declared: dict[str, str] = {}
    for entry in config.getini("chatlab_levels"):
        fixture, sep, name = (part.strip() for part in str(entry).partition("="))
        if not sep or not fixture.isidentifier():
            raise pytest.UsageError(f"chatlab_levels: {entry!r} is not 'fixture_name = level'")
        if name not in LEVELS:
            raise pytest.UsageError(
                f"chatlab_levels: {entry!r} names an unknown level; one of {', '.join(LEVELS)}"
            )
        declared[fixture] = name
    config.stash[_KEY] = declared


def level_of_item(item: pytest.Item) -> str | None:
    """The highest level among the fixture definitions ``item`` resolves, if any."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:  # not a pytest Function (a doctest, a plugin's own item)
        return None
    declared = item.config.stash.get(_KEY, {})
    used = {
        found
        for name in info.names_closure
        for definition in _resolved(name, info.name2fixturedefs)
        if (found := _level_of_definition(name, definition, declared)) is not None
    }
    return next((name for name in reversed(LEVELS) if name in used), None)


def _resolved(name: str, definitions: Mapping[str, Sequence[Any]]) -> Iterable[Any]:
    """The definitions of ``name`` a test reaches: the closest one, and each
    it overrides that the one above requests by the same name."""
    for definition in reversed(definitions.get(name, ())):
        yield definition
        if name not in definition.argnames:
            return


def _level_of_definition(name: str, definition: Any, declared: Mapping[str, str]) -> str | None:
    func = definition.func
    own = getattr(func, _ATTRIBUTE, None)
    if own is not None:
        return str(own)
    if getattr(func, "__module__", None) == _OWN_MODULE:
        return LEVEL_OF_FIXTURE.get(name)
    return declared.get(name)
