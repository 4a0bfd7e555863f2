"""Draw docs/images/report.png from a real external run: the whole suite, as ``chargespec
test --dut`` plays it, against the deliberately broken station (it skips Finishing), so the
report shows passed, failed and not-applicable cases with their real frames.

Usage (``make report-image``): python -m tests.interop.report_image OUT.png
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from tests.interop.external_run import (
    ROOT,
    RUN_TIMEOUT,
    broken_station_args,
    new_lab,
    running,
    suite_args,
)
from tests.runtime.report_sample import screenshot

PICS = ROOT / "specs" / "ocpp16" / "pics" / "core-only.yaml"


def main(out: Path) -> int:
    with tempfile.TemporaryDirectory() as work:
        lab = new_lab(Path(work) / "lab")
        station = broken_station_args(lab, PICS)
        with running(station, Path(work) / "station.log"):
            subprocess.run(suite_args(lab, PICS), cwd=ROOT, timeout=RUN_TIMEOUT, check=False)
        errors = screenshot(lab.work / "report.html", out, size="1280,1600")
    if errors:
        print("\n".join(errors), file=sys.stderr)
        return 1
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/images/report.png")))
