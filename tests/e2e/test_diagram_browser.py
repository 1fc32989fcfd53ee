"""The sequence diagram in a real browser: Debian's chromium, headless.

The page must load with no console error, render to a PNG that is not
blank, and hold the expected text in the DOM the browser built.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from pytest_chatlab import ChatServer, Harness
from pytest_chatlab.cli import ARTICLE_SCRIPT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci installs it)"),
]


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0", *args],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def png_pixels(path: Path) -> bytes:
    """The decompressed image data of a PNG (filter bytes included)."""
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    chunks, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        if kind == b"IDAT":
            chunks.append(data[offset + 8 : offset + 8 + length])
        offset += 12 + length
    return zlib.decompress(b"".join(chunks))


@pytest.fixture
def article_page(tmp_path: Path, server_process: ChatServer) -> Path:
    with Harness(server_process) as harness:
        report = harness.run(ARTICLE_SCRIPT)
    page = tmp_path / "article.html"
    page.write_text(report.to_html(), encoding="utf-8")
    return page


def test_the_article_scenario_renders_to_a_png_that_is_not_blank(tmp_path, article_page):
    shot = tmp_path / "article.png"

    size = "--window-size=900,700"
    done = chromium(tmp_path, f"--screenshot={shot}", size, article_page.as_uri())

    assert shot.exists(), done.stderr
    pixels = png_pixels(shot)
    assert len(set(pixels)) > 8  # more than a white page's few byte values
    assert "CONSOLE" not in done.stderr, done.stderr


def test_the_dom_holds_the_lanes_and_the_frames(tmp_path, article_page):
    done = chromium(tmp_path, "--dump-dom", article_page.as_uri())

    assert done.returncode == 0, done.stderr
    dom = done.stdout
    for lane in ("server", "alice", "bob", "carol"):
        assert f">{lane}</text>" in dom
    assert "hi everyone" in dom
    assert "<script" not in dom


def test_a_failing_tests_diagram_shows_what_never_arrived(tmp_path, new_client, bound_device):
    from pytest_chatlab.diagram import Diagram, Missing

    alice, bob = new_client(label="alice"), bound_device(label="bob")
    alice.send_text("hello </svg><script>alert(1)</script>")
    bob.expect(type="chat")
    with pytest.raises(AssertionError):
        alice.expect(type="chat", text="never sent", timeout=0.1)
    missing = [Missing("alice", what) for what in alice.missed]
    page = tmp_path / "failure.html"
    page.write_text(
        Diagram.from_logs([("alice", alice.log), ("bob", bob.log)], missing=missing).to_html()
    )

    shot = tmp_path / "failure.png"
    drawn = chromium(tmp_path, f"--screenshot={shot}", "--window-size=900,500", page.as_uri())
    done = chromium(tmp_path, "--dump-dom", page.as_uri())

    assert len(set(png_pixels(shot))) > 8, drawn.stderr  # not a blank page
    assert "CONSOLE" not in drawn.stderr, drawn.stderr
    assert done.returncode == 0, done.stderr
    assert "never arrived: a frame matching" in done.stdout
    assert "&lt;/svg&gt;&lt;script&gt;" in done.stdout  # the chat text, as text
    assert "CONSOLE" not in done.stderr, done.stderr
