"""Where server logs go: each start claims a pair of files no other start
has, and the pairs made ahead in the plugin's own directories are used or
removed, never left behind."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_chatlab import _logs


@pytest.fixture
def ahead(tmp_path: Path) -> Iterator[Path]:
    """A directory the plugin owns, as a session's ``chatlab-logs`` is."""
    _logs.ahead_in(tmp_path)
    yield tmp_path
    _logs.discard_made_ahead(tmp_path)


def names(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


def claim(directory: Path, label: str) -> str:
    """``_logs.claim``'s stem, its fds checked and closed."""
    stem, fds = _logs.claim(directory, label)
    for stream, fd in fds.items():
        assert os.path.samestat(os.fstat(fd), os.stat(f"{stem}.{stream}.log"))
        os.close(fd)
    return stem


def test_each_claim_makes_a_pair_of_its_own(tmp_path: Path) -> None:
    first = claim(tmp_path, "srv")
    second = claim(tmp_path, "srv")

    assert (first, second) == (f"{tmp_path}/srv-1", f"{tmp_path}/srv-2")
    assert names(tmp_path) == [f"srv-{n}.{s}.log" for n in (1, 2) for s in ("stderr", "stdout")]


def test_a_number_another_process_took_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "srv-1.stderr.log").touch()  # claimed by someone else, O_EXCL tells

    assert claim(tmp_path, "srv") == f"{tmp_path}/srv-2"


def test_a_pair_made_ahead_is_the_next_claim(ahead: Path) -> None:
    _logs.make_ahead(ahead, "srv")
    assert names(ahead) == ["srv-1.stderr.log", "srv-1.stdout.log"]

    assert claim(ahead, "srv") == f"{ahead}/srv-1"
    assert names(ahead) == ["srv-1.stderr.log", "srv-1.stdout.log"]  # used, not made again


def test_a_pair_made_ahead_and_removed_meanwhile_is_made_again(ahead: Path) -> None:
    _logs.make_ahead(ahead, "srv")
    for path in ahead.iterdir():
        path.unlink()

    stem = claim(ahead, "srv")

    assert Path(f"{stem}.stderr.log").exists()
    assert Path(f"{stem}.stdout.log").exists()


def test_unused_pairs_made_ahead_are_removed_and_no_more_made(ahead: Path) -> None:
    used = claim(ahead, "srv")
    _logs.make_ahead(ahead, "srv")

    _logs.discard_made_ahead(ahead)
    _logs.make_ahead(ahead, "srv")

    assert names(ahead) == [f"{Path(used).name}.stderr.log", f"{Path(used).name}.stdout.log"]


def test_nothing_is_made_ahead_in_a_directory_of_the_users(tmp_path: Path) -> None:
    _logs.make_ahead(tmp_path, "srv")

    assert names(tmp_path) == []


def test_a_claim_writes_where_its_files_are_and_appends(tmp_path: Path) -> None:
    stem, fds = _logs.claim(tmp_path, "srv")
    os.write(fds["stderr"], b"one\n")
    os.lseek(fds["stderr"], 0, os.SEEK_SET)
    os.write(fds["stderr"], b"two\n")  # opened to append: a seek changes nothing
    for fd in fds.values():
        os.close(fd)

    assert Path(f"{stem}.stderr.log").read_text() == "one\ntwo\n"
    assert Path(f"{stem}.stdout.log").read_text() == ""


def test_of_two_pairs_made_ahead_at_once_one_is_kept(
    ahead: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_pair = _logs._make_pair

    def racing(directory: Path, label: str, **kwargs: bool) -> tuple[str, dict[str, int]]:
        # Another thread makes a pair for the same label meanwhile.
        _logs._made_ahead[(directory, label)] = make_pair(directory, label, **kwargs)
        return make_pair(directory, label, **kwargs)

    monkeypatch.setattr(_logs, "_make_pair", racing)
    _logs.make_ahead(ahead, "srv")

    assert names(ahead) == ["srv-1.stderr.log", "srv-1.stdout.log"]
    assert claim(ahead, "srv") == f"{ahead}/srv-1"
