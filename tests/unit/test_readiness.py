"""_readiness: what each form of ``ready=`` makes of a line, without a process."""

from __future__ import annotations

import re

import pytest

from pytest_chatlab._readiness import Readiness


def test_a_pattern_gives_host_and_port_from_its_groups() -> None:
    readiness = Readiness(r"on (?P<host>\S+):(?P<port>\d+)", "stderr")
    assert readiness.judge("listening on 127.0.0.1:8080") == ("127.0.0.1", 8080)
    assert readiness.judge("still loading") is None
    assert readiness.streams == {"stderr"}


def test_a_bracketed_ipv6_host_loses_its_brackets() -> None:
    readiness = Readiness(re.compile(r"READY (?P<host>\S+):(?P<port>\d+)$"), "stdout")
    assert readiness.judge("READY [::1]:43117") == ("::1", 43117)


def test_a_pattern_without_a_port_group_says_only_ready() -> None:
    readiness = Readiness("Ready to accept connections", "both")
    assert readiness.judge("* Ready to accept connections tcp") is True
    assert readiness.streams == {"stdout", "stderr"}
    assert readiness.description == "a stdout or stderr line matching 'Ready to accept connections'"


def test_a_callable_is_given_the_line_and_its_answer_normalised() -> None:
    answers = iter([None, False, ("::1", "9"), True])
    readiness = Readiness(lambda line: next(answers), "both")
    assert [readiness.judge("x") for _ in range(4)] == [None, None, ("::1", 9), True]


def test_a_callable_is_named_by_its_docstring() -> None:
    def banner(line: str) -> bool:
        """the banner line."""
        return True

    assert Readiness(banner, "stdout").description == "the banner line"


def test_connect_and_none_watch_no_line() -> None:
    assert Readiness("connect", "both").connect
    assert not Readiness("connect", "both").watches_lines
    assert Readiness(None, "both").immediate


@pytest.mark.parametrize(
    ("ready", "stream", "error"),
    [(42, "both", TypeError), ("x", "stdin", ValueError)],
)
def test_what_cannot_be_a_readiness_check_is_refused(ready, stream, error) -> None:
    with pytest.raises(error):
        Readiness(ready, stream)
