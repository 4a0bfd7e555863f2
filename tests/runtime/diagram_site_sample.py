"""The diagram site as a user gets it after a test run: two certification cases of Core (a
cold boot and a charging session) run in process with coverage recording, then
``chargespec diagram --html SITE --coverage RUN``. Used by the browser test and by
``make diagram-image``, which draws docs/images/diagrams.png from it.

Usage: python -m tests.runtime.diagram_site_sample OUT.png
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

from compiler.cli import main as cli
from runtime.conformance.coverage import COVERAGE_ENV
from tests.browser import Browser

ROOT = Path(__file__).resolve().parents[2]
RUN_CASES = "TC_001_CS or TC_068_CS"


def build_site(work: Path) -> Path:
    """Run the two cases with coverage, write the site into ``work/site``; return it.

    Raises:
        AssertionError: the cases or the command failed (with their output).
    """
    run = work / "coverage.json"
    tests = ["generated/tests/ocpp16", "-k", RUN_CASES]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests],
        cwd=ROOT,
        env={**os.environ, COVERAGE_ENV: str(run)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    # The build's regression tests name the tests that reach an unexercised transition.
    shutil.copytree(ROOT / "generated" / "regression", work / "generated" / "regression")
    specs, out, site = str(ROOT / "specs" / "ocpp16"), str(work / "generated"), work / "site"
    args = ["diagram", specs, "--out", out, "--html", str(site), "--coverage", str(run)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return site


def main(out: Path) -> int:
    with tempfile.TemporaryDirectory() as work:
        site = build_site(Path(work))
        with Browser(width=1920, height=1080, timeout=60) as browser:
            # ConnectorStatus, fitted to the window, one transition picked: its panel open.
            page = (site / "connector_status.html").resolve().as_uri()
            browser.open(page + "#t=B6:Preparing:timer.connection_timeout")
            browser.wait_for("!document.getElementById('panel').hidden")
            browser.click("#zoom-fit")
            browser.settle(0.3)
            browser.screenshot(out)
            assert browser.errors == [], browser.errors
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/images/diagrams.png")))
