"""pytest_chatlab.track, checked through pytester: any object with a check()
gets a device's verdict and failure sections, in-process and under xdist."""

from __future__ import annotations

import pytest

from support.pytester_runs import run

pytest_plugins = ["pytester"]

# A stand-in for a binding built on the C++ bridge: a real thread calls the
# callback, and check() raises what it raised, once.
TICKER = """
    import threading

    import pytest
    import pytest_chatlab as chatlab


    class Ticker:
        def __init__(self, callback, label=None):
            self.errors = []
            self.log = []
            if label is not None:
                self.label = label
            thread = threading.Thread(target=self._tick, args=(callback,))
            thread.start()
            thread.join()

        def _tick(self, callback):
            for n in range(3):
                self.log.append(f"tick {n}")
                try:
                    callback(n)
                except Exception as error:
                    self.errors.append(error)

        def check(self):
            errors, self.errors = self.errors, []
            if errors:
                raise errors[0]

        def format_log(self, last, max_bytes):
            return "\\n".join(self.log[-last:] if last else self.log)


    def explode(n):
        if n == 1:
            raise ZeroDivisionError(f"tick {n} divided by zero")
"""


def test_a_tracked_object_whose_check_raises_fails_the_test_with_its_log(
    pytester: pytest.Pytester,
):
    pytester.makepyfile(
        TICKER
        + """
    def test_ticks():
        ticker = chatlab.track(Ticker(explode, label="ticker-1"))
        assert ticker.log == ["tick 0", "tick 1", "tick 2"]  # the body itself passes

    def test_next():
        chatlab.track(Ticker(lambda n: None))
    """
    )

    result = run(pytester)

    result.assert_outcomes(failed=1, passed=1)  # one failure, no extra teardown error
    result.stdout.fnmatch_lines(
        [
            "*ticker-1: check() raised*",
            "*in explode*",
            "*ZeroDivisionError: tick 1 divided by zero*",
            "*- chatlab tracked ticker-1 (call) -*",
            "tick 0",
            "tick 1",
            "tick 2",
        ]
    )


def test_a_clean_tracked_object_passes_and_shows_no_section(pytester: pytest.Pytester):
    pytester.makepyfile(
        TICKER
        + """
    def test_clean():
        ticker = Ticker(lambda n: None)
        assert chatlab.track(ticker) is ticker

    def test_fails_for_its_own_reason():
        chatlab.track(Ticker(lambda n: None))
        assert False, "the test's own assertion"
    """
    )

    result = run(pytester)

    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*the test's own assertion*", "*- chatlab tracked Ticker (call) -*"]
    )
    result.stdout.no_fnmatch_line("*check() raised*")


def test_an_error_of_a_fixture_teardown_fails_in_teardown(pytester: pytest.Pytester):
    pytester.makepyfile(
        TICKER
        + """
    @pytest.fixture
    def ticker():
        box = []
        ticker = chatlab.track(Ticker(lambda n: box and box[0](n)))
        yield ticker
        box.append(explode)
        ticker._tick(box[0])  # a callback that raises while the fixture closes it

    def test_uses_ticker(ticker):
        pass
    """
    )

    result = run(pytester)

    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_uses_ticker*", "*check() raised*"])


def test_track_outside_a_test_and_without_check_are_clear_errors(pytester: pytest.Pytester):
    pytester.makepyfile(
        TICKER
        + """
    at_import = []
    try:
        chatlab.track(Ticker(lambda n: None))
    except RuntimeError as error:
        at_import.append(str(error))

    def test_at_import():
        assert at_import == [
            "track() is called while no test is running in this process: call it in a "
            "test or a fixture, with the pytest-chatlab plugin loaded"
        ]

    def test_no_check():
        with pytest.raises(TypeError, match="check\\\\(\\\\) method.*; object has none"):
            chatlab.track(object())
    """
    )

    # In a process of its own: in-process, the test running this one would be running.
    pytester.runpytest_subprocess("-p", "no:hypothesispytest").assert_outcomes(passed=2)


def test_tracked_objects_fail_their_own_tests_under_xdist(pytester: pytest.Pytester):
    pytester.makepyfile(
        TICKER
        + """
    @pytest.mark.parametrize("n", range(6))
    def test_ticks(n):
        chatlab.track(Ticker(explode if n % 2 else lambda n: None, label=f"ticker-{n}"))
    """
    )

    result = run(pytester, "-n", "2")

    result.assert_outcomes(passed=3, failed=3)
    for n in (1, 3, 5):
        result.stdout.fnmatch_lines([f"*ticker-{n}: check() raised*"])
    for n in (0, 2, 4):
        result.stdout.no_fnmatch_line(f"*ticker-{n}: check() raised*")
