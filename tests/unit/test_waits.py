"""waits.py: a wait's own timeout, cut short before the test's."""

from __future__ import annotations

import time

import pytest

from pytest_chatlab.waits import DEFAULT_TIMEOUT, start_wait, waits_end

pytestmark = pytest.mark.unit


def test_a_wait_takes_its_timeout_or_the_default_when_the_test_has_no_deadline():
    assert start_wait(None, None).seconds == DEFAULT_TIMEOUT
    wait = start_wait(2.5, None)
    assert (wait.seconds, wait.cut, str(wait)) == (2.5, False, "2.5 s")


def test_a_wait_ends_by_the_tests_deadline_and_says_so():
    wait = start_wait(30, time.monotonic() + 1.0)
    assert 0.9 < wait.seconds <= 1.0
    assert wait.cut
    assert str(wait).endswith("s (cut short, to end before the test's timeout)")


def test_a_deadline_already_past_leaves_no_time():
    assert start_wait(5, time.monotonic() - 1).seconds == 0.0


@pytest.mark.parametrize(
    ("timeout", "margin"), [(1.0, 0.5), (10.0, 1.0), (60.0, 2.0), (0.1, 0.5), (5.0, 0.5)]
)
def test_waits_end_a_tenth_of_the_timeout_before_it_between_half_a_second_and_2_s(timeout, margin):
    assert waits_end(100.0, timeout) == pytest.approx(100.0 + max(timeout - margin, 0.0))
