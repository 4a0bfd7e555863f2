"""The headless-Chromium driver (tests/browser.py) on two tiny pages: one that logs an error,
throws and loads a missing file (each reported), one that does none of it (nothing reported);
plus evaluation, clicks, the viewport and screenshots."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import pytest

from tests.browser import Browser, BrowserError

pytestmark = pytest.mark.timeout(180)

CLEAN = """<!doctype html>
<html><head><meta charset="utf-8"><title>clean</title>
<link rel="icon" href="data:,"></head>
<body style="margin:0">
<div id="box" style="width:300px;height:100px;background:#c00"></div>
<button id="go" onclick="document.body.dataset.clicked = 'yes'">go</button>
<script>console.log("hello", 1); window.answer = {n: 42, list: [1, "two"]};</script>
</body></html>
"""

BROKEN = """<!doctype html>
<html><head><meta charset="utf-8"><title>broken</title>
<link rel="icon" href="data:,"></head>
<body>
<img src="missing-picture.png">
<script>
console.error("diagram failed:", "no such state");
setTimeout(() => { throw new Error("boom later"); }, 0);
</script>
</body></html>
"""


def _page(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_a_clean_page_reports_nothing_and_can_be_driven(tmp_path: Path) -> None:
    page = _page(tmp_path, "clean.html", CLEAN)
    with Browser() as browser:
        browser.open(page)
        browser.settle()
        assert browser.errors == []
        assert "log: hello 1" in browser.console
        assert browser.evaluate("document.title") == "clean"
        assert browser.evaluate("window.answer") == {"n": 42, "list": [1, "two"]}
        assert browser.evaluate("[innerWidth, innerHeight]") == [1920, 1080]
        browser.click("#go")
        assert browser.wait_for("document.body.dataset.clicked") == "yes"
        shot = browser.screenshot(tmp_path / "shots" / "clean.png")
        assert _png_size(shot) == (1920, 1080)
        browser.set_viewport(800, 600)
        assert browser.evaluate("innerWidth") == 800
        assert _png_size(browser.screenshot(tmp_path / "small.png")) == (800, 600)
        with pytest.raises(BrowserError, match="no element matches"):
            browser.click("#absent")
        with pytest.raises(BrowserError, match="threw"):
            browser.evaluate("nothing.here")
        process = browser._process
        assert process is not None
    assert process.poll() is not None, "the browser process outlived the block"
    # Its helper processes (renderer, zygote) went with it: nothing is left in its group.
    left = subprocess.run(["pgrep", "-g", str(process.pid)], capture_output=True, check=False)
    assert left.stdout == b"", left.stdout


def test_a_broken_page_reports_its_console_error_exception_and_missing_file(
    tmp_path: Path,
) -> None:
    page = _page(tmp_path, "broken.html", BROKEN)
    with Browser() as browser:
        browser.open(page)
        browser.settle(0.5)
        errors = "\n".join(browser.errors)
    assert "console.error: diagram failed: no such state" in errors
    assert "uncaught exception: Error: boom later" in errors
    assert "ERR_FILE_NOT_FOUND" in errors


def test_the_process_is_killed_when_the_block_raises(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), Browser(timeout=20) as browser:
        process = browser._process
        raise RuntimeError("a test failed inside")
    assert process is not None and process.poll() is not None
