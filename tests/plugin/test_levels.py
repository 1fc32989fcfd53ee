"""Levels follow the fixture definitions a test resolves, through pytester.

The plugin's own fixtures, and a project's fixtures declared with the ini
key ``chatlab_levels`` or ``@chatlab.level``, mark the tests that use them
and give them the default timeout; a project's own fixture that happens to
share a name with one of the plugin's is left alone.
"""

from __future__ import annotations

import textwrap

import pytest

from support.pytester_runs import run

pytest_plugins = ["pytester"]

SHOW_MARKERS = """
    import pytest

    @pytest.fixture(autouse=True)
    def show_markers(request):
        names = sorted(m.name for m in request.node.iter_markers())
        print(f"\\n{request.node.name}: {' '.join(names)}")
"""


def markers_of(result: pytest.RunResult, test: str) -> list[str]:
    """The markers ``test`` printed through the SHOW_MARKERS fixture."""
    for line in result.stdout.lines:
        if line.startswith(f"{test}: "):
            return line.split(": ", 1)[1].split()
    raise AssertionError(f"{test} printed no markers:\n{result.stdout.str()}")


def test_a_hotel_room_is_not_the_chatlab_room(pytester: pytest.Pytester):
    pytester.makeconftest(
        SHOW_MARKERS
        + """
    @pytest.fixture
    def room():
        return {"number": 101, "beds": 2}

    @pytest.fixture
    def server_process():
        return "the hotel's night porter"
    """
    )
    pytester.makepyfile(
        """
        def test_booking(room, server_process):
            assert room["beds"] == 2
        """
    )

    result = run(pytester, "-s")

    result.assert_outcomes(passed=1)
    assert markers_of(result, "test_booking") == []  # no level, no chatlab timeout
    run(pytester, "-m", "unit or integration").assert_outcomes(deselected=1)


def test_an_override_that_uses_the_plugins_fixture_keeps_its_level(pytester: pytest.Pytester):
    pytester.makeconftest(
        SHOW_MARKERS
        + """
    @pytest.fixture
    def server_process(server_process):
        return server_process
    """
    )
    pytester.makepyfile(
        """
        def test_wrapped(server_process):
            assert server_process.port > 0
        """
    )

    result = run(pytester, "-s", "-m", "integration")

    result.assert_outcomes(passed=1)
    assert markers_of(result, "test_wrapped") == ["integration", "timeout"]


def test_levels_declared_in_the_ini_mark_and_select(pytester: pytest.Pytester):
    pytester.makeini(
        """
        [pytest]
        chatlab_levels =
            kv_store = unit
            kv_server = integration
        """
    )
    pytester.makeconftest(
        SHOW_MARKERS
        + """
    @pytest.fixture
    def kv_store():
        return {}

    @pytest.fixture
    def kv_server():
        return ("127.0.0.1", 6379)

    @pytest.fixture
    def kv_pair(kv_store, kv_server):
        return kv_store, kv_server
    """
    )
    pytester.makepyfile(
        """
        def test_store(kv_store):
            pass

        def test_server(kv_server):
            pass

        def test_pair(kv_pair):
            pass

        def test_plain():
            pass
        """
    )

    result = run(pytester, "-s", "--strict-markers", "--strict-config")

    result.assert_outcomes(passed=4)
    assert markers_of(result, "test_store") == ["timeout", "unit"]
    assert markers_of(result, "test_server") == ["integration", "timeout"]
    assert markers_of(result, "test_pair") == ["integration", "timeout"]  # the highest wins
    assert markers_of(result, "test_plain") == []
    run(pytester, "-m", "integration").assert_outcomes(passed=2, deselected=2)


@pytest.mark.parametrize("order", ["above", "below"])
def test_the_decorator_declares_a_level_above_or_below_pytest_fixture(
    pytester: pytest.Pytester, order: str
):
    decorators = ["@chatlab.level('e2e')", "@pytest.fixture"]
    if order == "below":
        decorators.reverse()
    fixture = "\n".join([*decorators, "def kv_device():", "    return 'a bound client'"])
    pytester.makeconftest(
        textwrap.dedent(SHOW_MARKERS) + "import pytest_chatlab as chatlab\n" + fixture
    )
    pytester.makepyfile("def test_device(kv_device):\n    assert kv_device\n")

    result = run(pytester, "-s", "-m", "e2e")

    result.assert_outcomes(passed=1)
    assert markers_of(result, "test_device") == ["e2e", "timeout"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("kv_server", "*chatlab_levels: 'kv_server' is not 'fixture_name = level'*"),
        ("kv server = unit", "*chatlab_levels: 'kv server = unit' is not 'fixture_name = level'*"),
        ("kv_server = system", "*chatlab_levels: 'kv_server = system' names an unknown level;*"),
    ],
)
def test_a_bad_ini_declaration_is_a_usage_error(pytester: pytest.Pytester, entry, message):
    pytester.makeini(f"[pytest]\nchatlab_levels = {entry}\n")
    pytester.makepyfile("def test_a():\n    pass\n")

    result = run(pytester)

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_an_unknown_level_in_the_decorator_fails_where_it_is_written(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        import pytest
        import pytest_chatlab as chatlab

        @chatlab.level("system")
        @pytest.fixture
        def kv_server():
            pass

        def test_a(kv_server):
            pass
        """
    )

    result = run(pytester)

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*ValueError: chatlab.level: unknown level 'system'; one of unit, integration, e2e*"]
    )
