"""logtext.py: long lines shortened, long logs capped, for people."""

from __future__ import annotations

import pytest

from pytest_chatlab.logtext import cap, printable, shorten

pytestmark = pytest.mark.unit


def test_a_line_that_fits_is_left_whole_and_0_means_no_limit():
    assert shorten("x" * 100, 100) == "x" * 100
    assert shorten("x" * 10_000, 0) == "x" * 10_000


def test_a_long_line_keeps_its_head_and_tail_and_says_how_much_is_left_out():
    text = "H" * 50 + "m" * 10_000 + "T" * 50
    short = shorten(text, 100)
    assert short.startswith("H" * 50)
    assert short.endswith("T" * 50)
    assert "[10,100 bytes, 10,000 left out]" in short


def test_the_limit_counts_utf8_bytes_not_characters():
    assert shorten("é" * 60, 100) != "é" * 60  # 120 bytes
    assert shorten("é" * 50, 100) == "é" * 50


def test_a_long_log_keeps_its_last_lines_after_a_count_of_the_others():
    lines = [f"line {n}" for n in range(10)]
    assert cap(lines, 3) == ["... 7 earlier events left out", "line 7", "line 8", "line 9"]
    assert cap(lines, 0) == lines
    assert cap(lines, 10) == lines


def test_printable_shows_undecodable_bytes_and_lone_surrogates_as_escapes():
    assert printable("plain é") == "plain é"
    assert printable(b"bad \xff".decode("utf-8", "surrogateescape")) == "bad \\xff"
    assert printable("lone \ud800") == "lone \\ud800"
