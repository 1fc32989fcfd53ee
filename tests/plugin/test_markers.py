"""The plugin's markers, checked through pytester in projects with no conftest."""

import pytest

from support.pytester_runs import run

pytest_plugins = ["pytester"]


ROOM_AND_PLAIN = """
    def test_uses_room(room):
        assert len(room) == 0

    def test_plain():
        assert True
"""


def test_markers_are_registered(pytester: pytest.Pytester):
    result = run(pytester, "--markers")

    result.stdout.fnmatch_lines(
        ["@pytest.mark.unit:*", "@pytest.mark.integration:*", "@pytest.mark.e2e:*"]
    )


def test_strict_markers_accepts_the_chatlab_markers(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.unit
        def test_a(): pass

        @pytest.mark.integration
        def test_b(): pass

        @pytest.mark.e2e
        def test_c(): pass
        """
    )

    run(pytester, "--strict-markers").assert_outcomes(passed=3)


def test_dash_m_unit_selects_only_the_test_that_uses_room(pytester: pytest.Pytester):
    pytester.makepyfile(ROOM_AND_PLAIN)

    result = run(pytester, "-m", "unit", "-v")

    result.assert_outcomes(passed=1, deselected=1)
    result.stdout.fnmatch_lines(["*test_uses_room PASSED*"])


def test_dash_m_not_unit_selects_the_rest(pytester: pytest.Pytester):
    pytester.makepyfile(ROOM_AND_PLAIN)

    result = run(pytester, "-m", "not unit", "-v")

    result.assert_outcomes(passed=1, deselected=1)
    result.stdout.fnmatch_lines(["*test_plain PASSED*"])


def test_room_used_through_another_fixture_still_marks_unit(pytester: pytest.Pytester):
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def busy_room(room):
            room.join(1)
            return room
        """
    )
    pytester.makepyfile(
        """
        def test_indirect(busy_room):
            assert busy_room.names() == ["guest-1"]
        """
    )

    run(pytester, "-m", "unit").assert_outcomes(passed=1)


def test_an_explicit_level_marker_is_kept(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.integration
        def test_marked(room):
            pass
        """
    )

    run(pytester, "-m", "unit").assert_outcomes(deselected=1)
    run(pytester, "-m", "integration").assert_outcomes(passed=1)


def test_each_test_gets_a_fresh_room(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("round", [1, 2])
        def test_join(room, round):
            room.join(1)
            assert room.names() == ["guest-1"]
        """
    )

    run(
        pytester,
    ).assert_outcomes(passed=2)


def test_plugin_can_be_switched_off(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        def test_uses_room(room):
            pass
        """
    )

    result = run(pytester, "-p", "no:chatlab")

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'room' not found*"])
