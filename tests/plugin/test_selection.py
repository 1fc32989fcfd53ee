"""Selecting by level in a downstream suite with no conftest and no configuration.

Every chatlab fixture, alone and combined, in one suite: ``-m unit``,
``-m integration`` and ``-m e2e`` each select exactly the tests of their
level (the highest level a test's fixtures imply, through fixtures of its
own too); the plugin switches off cleanly with ``-p no:chatlab``; its
options and ini keys are documented in ``--help``; and the suite passes
under pytest-xdist. test_markers.py covers the markers' registration and
``room`` on its own.
"""

from __future__ import annotations

import re

import pytest

pytest_plugins = ["pytester"]

NO_HYPOTHESIS = ("-p", "no:hypothesispytest")  # in-process runs re-import every plugin

SUITE = """
    import pytest

    import pytest_chatlab as chatlab


    @pytest.fixture
    def alice(bound_device):
        device = bound_device(label="alice")
        device.send("/name alice")
        device.sync()
        return device


    def test_room(room):
        room.join(1)
        assert room.names() == ["guest-1"]

    def test_own_room_is_not_marked():
        assert len(chatlab.Room()) == 0

    @pytest.mark.unit
    def test_own_room_marked_by_hand():
        assert len(chatlab.Room()) == 0

    def test_plain():
        pass

    def test_server_process(server_process):
        assert server_process.port > 0

    def test_factory(chatlab_server_factory):
        assert chatlab_server_factory(max_clients=1).port > 0

    def test_new_client(new_client):
        new_client().sync()

    def test_room_and_new_client(room, new_client):
        room.join(1)
        new_client().sync()

    def test_bound_device(bound_device):
        bound_device().sync()

    def test_new_client_and_bound_device(new_client, bound_device):
        new_client().sync()
        bound_device().sync()

    def test_harness(chatlab_harness):
        chatlab_harness.run([("solo", "/name solo")])

    def test_own_fixture_on_bound_device(alice):
        assert alice.name == "alice"

    @pytest.mark.parametrize("members", [1, 2])
    def test_parametrized_room(room, members):
        for session in range(members):
            room.join(session)
        assert len(room) == members
"""

SELECTED = {
    "unit": [
        "test_room",
        "test_own_room_marked_by_hand",
        "test_parametrized_room[1]",
        "test_parametrized_room[2]",
    ],
    "integration": [
        "test_server_process",
        "test_factory",
        "test_new_client",
        "test_room_and_new_client",
    ],
    "e2e": [
        "test_bound_device",
        "test_new_client_and_bound_device",
        "test_harness",
        "test_own_fixture_on_bound_device",
    ],
    "not unit and not integration and not e2e": ["test_own_room_is_not_marked", "test_plain"],
}
TOTAL = sum(len(names) for names in SELECTED.values())


def passed_names(result: pytest.RunResult) -> list[str]:
    """The tests ``-v`` reported as passed, in order."""
    return re.findall(r"::(\S+) PASSED", result.stdout.str())


@pytest.mark.parametrize("expression", list(SELECTED))
def test_dash_m_selects_exactly_the_tests_of_a_level(pytester: pytest.Pytester, expression):
    pytester.makepyfile(test_suite=SUITE)

    result = pytester.runpytest(*NO_HYPOTHESIS, "--strict-markers", "-v", "-m", expression)

    selected = SELECTED[expression]
    result.assert_outcomes(passed=len(selected), deselected=TOTAL - len(selected))
    assert passed_names(result) == selected


def test_with_the_plugin_off_its_fixtures_are_not_found(pytester: pytest.Pytester):
    pytester.makepyfile(test_suite=SUITE)

    result = pytester.runpytest(*NO_HYPOTHESIS, "-p", "no:chatlab")

    # The three tests that use no chatlab fixture still pass (--strict-markers is not on).
    result.assert_outcomes(passed=3, errors=TOTAL - 3)
    for fixture in (
        "room",
        "server_process",
        "chatlab_server_factory",
        "new_client",
        "bound_device",
        "chatlab_harness",
    ):
        result.stdout.fnmatch_lines([f"*fixture '{fixture}' not found*"])
    result.stdout.no_fnmatch_line("chatlab: pytest-chatlab*")  # no header line either


MARKED_UNIT = """
    import pytest

    import pytest_chatlab as chatlab

    @pytest.mark.unit
    def test_marked():
        assert len(chatlab.Room()) == 0
"""


def test_with_the_plugin_off_its_markers_are_unknown(pytester: pytest.Pytester):
    pytester.makepyfile(MARKED_UNIT)
    off = (*NO_HYPOTHESIS, "-p", "no:cacheprovider", "-p", "no:chatlab")

    # In a subprocess: pytest.mark caches the marker names it has seen in this process.
    strict = pytester.runpytest_subprocess(*off, "--strict-markers")
    lenient = pytester.runpytest_subprocess(*off)

    strict.assert_outcomes(errors=1)
    strict.stdout.fnmatch_lines(["*'unit' not found in `markers` configuration option*"])
    lenient.assert_outcomes(passed=1, warnings=1)
    lenient.stdout.fnmatch_lines(["*PytestUnknownMarkWarning: Unknown pytest.mark.unit*"])


def test_with_the_plugin_off_its_options_are_gone(pytester: pytest.Pytester):
    result = pytester.runpytest(*NO_HYPOTHESIS, "-p", "no:chatlab", "--help")

    assert result.ret == 0
    assert "chatlab" not in result.stdout.str()


def test_every_option_and_ini_key_shows_in_help(pytester: pytest.Pytester):
    result = pytester.runpytest(*NO_HYPOTHESIS, "--help")

    result.stdout.fnmatch_lines(
        [
            "chatlab: test a C++ chat server three ways:",
            "  --chatlab-server=PATH*",
            "*CHATLAB_SERVER*",
            "  chatlab_server (string):*",
            "  chatlab_timeout (string):*",
        ]
    )


def test_the_suite_passes_under_xdist(pytester: pytest.Pytester):
    pytester.makepyfile(test_suite=SUITE)

    # A subprocess also proves --strict-markers: in-process runs share
    # pytest.mark's cache of the marker names it has seen.
    result = pytester.runpytest_subprocess(
        *NO_HYPOTHESIS, "-p", "no:cacheprovider", "--strict-markers", "-n", "2"
    )

    result.assert_outcomes(passed=TOTAL)
    result.stdout.fnmatch_lines([f"2 workers [[]{TOTAL} items[]]"])
