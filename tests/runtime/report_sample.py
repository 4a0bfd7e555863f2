"""A realistic sample run record, and headless Chromium to look at its HTML report.

Used by tests/runtime/test_report.py and to draw docs/images/report.png:

    .venv/bin/python -m tests.runtime.report_sample docs/images/report.png

The cases are real scenarios of specs/ocpp16/scenarios (ids, titles, references, PICS
conditions); their outcomes, frames and measurements are made up to show every verdict.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from runtime.conformance.report import write_html
from runtime.conformance.run_record import (
    CaseRecord,
    Coverage,
    FrameRecord,
    Measurement,
    RunRecord,
    StepFailure,
    Target,
)
from tests.browser import Browser

__all__ = ["dump_dom", "sample_run", "screenshot"]

T0 = 1_733_300_000.0  # 2024-12-04T08:13:20Z
BROWSER_TIMEOUT = 90  # seconds; a cold Chromium start takes about one


def _frames(start: float, rows: list[tuple[float, str, list[Any]]]) -> list[FrameRecord]:
    return [FrameRecord(start + dt, direction, json.dumps(frame)) for dt, direction, frame in rows]


def _status(connector: int, status: str) -> dict[str, Any]:
    return {"connectorId": connector, "status": status, "errorCode": "NoError"}


def _boot_frames(start: float) -> list[FrameRecord]:
    boot = {"chargePointVendor": "Sample", "chargePointModel": "CP-1", "firmwareVersion": "1.4"}
    accepted = {"status": "Accepted", "currentTime": "2024-12-04T08:13:20.015Z", "interval": 300}
    return _frames(
        start,
        [
            (0.012, ">", [2, "b1", "BootNotification", boot]),
            (0.015, "<", [3, "b1", accepted]),
            (0.204, ">", [2, "s0", "StatusNotification", _status(0, "Available")]),
            (0.205, "<", [3, "s0", {}]),
            (0.311, ">", [2, "s1", "StatusNotification", _status(1, "Available")]),
            (0.312, "<", [3, "s1", {}]),
        ],
    )


def _passed() -> list[CaseRecord]:
    boot = CaseRecord(
        case_id="TC_001_CS",
        title="Cold boot charge point",
        test="generated/tests/ocpp16/test_core.py::test_TC_001_CS",
        profiles=["Core"],
        pics={"Core": True},
        refs=["OCTT TC_001_CS", "OCPP 1.6 §4.2", "errata E3.22", "OCPP 1.6 §4.6"],
        source="specs/ocpp16/scenarios/core.yaml:8",
        steps=[
            "[2024-12-04T08:13:20.012Z] expect BootNotification: ok, replied Accepted",
            "[2024-12-04T08:13:20.204Z] expect StatusNotification connector 0 Available: ok",
            "[2024-12-04T08:13:20.311Z] expect StatusNotification connector 1 Available: ok",
        ],
        frames=_boot_frames(T0),
        started=T0,
        duration=0.42,
    )
    heartbeat = CaseRecord(
        case_id="CS_HEARTBEAT_CADENCE",
        title="Heartbeats follow the interval of the Accepted BootNotification",
        test="generated/tests/ocpp16/test_core.py::test_CS_HEARTBEAT_CADENCE",
        profiles=["Core"],
        pics={"Core": True},
        refs=["OCPP 1.6 §4.6", "OCPP 1.6 §4.2", "OCPP 1.6 §9.1.10"],
        source="specs/ocpp16/scenarios/core.yaml:77",
        steps=["[2024-12-04T08:13:21.000Z] expect Heartbeat within 301 s: ok after 300.2 s"],
        started=T0 + 1,
        duration=300.4,
    )
    return [boot, heartbeat]


def _unplug_failed() -> CaseRecord:
    start = T0 + 282
    received = _status(1, "Available")
    stop = {"transactionId": 17, "meterStop": 5120, "reason": "EVDisconnected"}
    stop["timestamp"] = "2024-12-04T08:18:40.400Z"
    return CaseRecord(
        case_id="TC_005_1_CS",
        title="EV Side Disconnected - StopTransactionOnEVSideDisconnect = true - "
        "UnlockConnectorOnEVSideDisconnect = true",
        test="generated/tests/ocpp16/test_core_ev_disconnect.py::test_TC_005_1_CS",
        profiles=["Core"],
        pics={"Core": True, "FixedCable": False},
        refs=["OCTT TC_005_1_CS", "OCPP 1.6 §4.9", "OCPP 1.6 §9.1.25"],
        source="specs/ocpp16/scenarios/core_ev_disconnect.yaml:12",
        verdict="failed",
        reason="StatusNotification does not match: status: expected 'Finishing', got 'Available'",
        failure=StepFailure(
            at="specs/ocpp16/scenarios/core_ev_disconnect.yaml:31",
            step="expect StatusNotification",
            message="The connector did not report Finishing after the EV side was unplugged.",
            expected={"connectorId": 1, "status": "Finishing"},
            received=received,
            fields=["status: expected 'Finishing', got 'Available'"],
        ),
        steps=[
            "[2024-12-04T08:18:22.000Z] tester plug_in connector 1: done",
            "[2024-12-04T08:18:22.310Z] expect StatusNotification connector 1 Preparing: ok",
            "[2024-12-04T08:18:24.020Z] expect StartTransaction: ok, transactionId 17",
            "[2024-12-04T08:18:40.000Z] tester unplug_ev connector 1: done",
            "[2024-12-04T08:18:40.420Z] expect StopTransaction reason EVDisconnected: ok",
            "[2024-12-04T08:18:40.630Z] expect StatusNotification: FAILED",
        ],
        frames=_frames(
            start,
            [
                (38.42, ">", [2, "t9", "StopTransaction", stop]),
                (38.43, "<", [3, "t9", {"idTagInfo": {"status": "Accepted"}}]),
                (38.63, ">", [2, "s7", "StatusNotification", received]),
                (38.64, "<", [3, "s7", {}]),
            ],
        ),
        started=start,
        duration=38.7,
    )


def _meter_failed() -> CaseRecord:
    return CaseRecord(
        case_id="TC_070_CS",
        title="Sampled Meter Values",
        test="generated/tests/ocpp16/test_core_meter_values.py::test_TC_070_CS",
        profiles=["Core"],
        pics={"Core": True},
        refs=["OCTT TC_070_CS", "OCPP 1.6 §4.7", "OCPP 1.6 §9.1.17"],
        source="specs/ocpp16/scenarios/core_meter_values.yaml:9",
        verdict="failed",
        failure=StepFailure(
            at="specs/ocpp16/scenarios/core_meter_values.yaml:27",
            step="expect MeterValues",
            message="MeterValues does not match the configured MeterValuesSampledData.",
            expected={
                "connectorId": 1,
                "meterValue": [{"sampledValue": [{"measurand": "Energy.Active.Import.Register"}]}],
            },
            received={
                "connectorId": 1,
                "transactionId": 18,
                "meterValue": [
                    {
                        "timestamp": "2024-12-04T08:20:00.000Z",
                        "sampledValue": [{"value": "7200", "measurand": "Power.Active.Import"}],
                    }
                ],
            },
            fields=[
                "meterValue[0].sampledValue[0].measurand: expected "
                "'Energy.Active.Import.Register', got 'Power.Active.Import'"
            ],
        ),
        steps=["[2024-12-04T08:20:00.010Z] expect MeterValues: FAILED"],
        started=T0 + 400,
        duration=61.2,
    )


def _others() -> list[CaseRecord]:
    not_applicable = CaseRecord(
        case_id="CS_STATUS_MINIMUM_DURATION",
        title="MinimumStatusDuration leaves out a status that did not last",
        test="generated/tests/ocpp16/test_core.py::test_CS_STATUS_MINIMUM_DURATION",
        profiles=["Core"],
        pics={"Core": True, "MinimumStatusDuration": True},
        refs=["OCPP 1.6 §4.9", "OCPP 1.6 §9.1.20"],
        source="specs/ocpp16/scenarios/core.yaml:160",
        verdict="not applicable",
        reason="PICS MinimumStatusDuration = false (the test needs true)",
    )
    inconclusive = CaseRecord(
        case_id="TC_037_1_CS",
        title="Offline Start Transaction - Valid IdTag",
        test="generated/tests/ocpp16/test_core_offline.py::test_TC_037_1_CS",
        profiles=["Core"],
        pics={"Core": True},
        refs=["OCTT TC_037_1_CS", "OCPP 1.6 §4.1", "OCPP 1.6 §3.8"],
        source="specs/ocpp16/scenarios/core_offline.yaml:40",
        verdict="inconclusive",
        reason="precondition not reached: the operator did not confirm 'present idTag "
        "TAG-0001 at connector 1' within 120 s",
        steps=["[2024-12-04T08:22:00.000Z] tester present_id_tag TAG-0001: no answer in 120 s"],
        started=T0 + 520,
        duration=120.0,
    )
    error = CaseRecord(
        case_id="TC_021_CS",
        title="Change/set Configuration",
        test="generated/tests/ocpp16/test_core_configuration.py::test_TC_021_CS",
        profiles=["Core"],
        pics={"Core": True},
        refs=["OCTT TC_021_CS", "OCPP 1.6 §5.3", "OCPP 1.6 §5.8", "OCPP 1.6 §9.1.19"],
        source="specs/ocpp16/scenarios/core_configuration.yaml:30",
        verdict="error",
        reason="test system error: ConnectionResetError: the connection closed while "
        "sending ChangeConfiguration",
        started=T0 + 640,
        duration=0.8,
    )
    return [not_applicable, inconclusive, error]


def sample_run() -> RunRecord:
    """A run against a (sample) external charge point with every verdict, the performance
    items and the coverage."""
    return RunRecord(
        tool="chargespec 0.1.0",
        spec="ocpp16",
        started=T0,
        finished=T0 + 642,
        target=Target(
            kind="external",
            description="sample run record (tests/runtime/report_sample.py), not a real device",
            url="ws://192.0.2.10:9000/ocpp/SAMPLE-CP-01",
            identity="SAMPLE-CP-01",
            backend="interactive",
            tolerance=0.5,
        ),
        pics_file="lab/sample-cp.pics.yaml",
        pics={"Core": True, "FixedCable": False, "MinimumStatusDuration": False},
        cases=[*_passed(), _unplug_failed(), _meter_failed(), *_others()],
        measurements=[
            Measurement("ResponseTimeout", "OCPP response timeout", 10, 0.84, "s", 42, True),
            Measurement(
                "RemoteStartTransactionResponseTime",
                "Response time RemoteStartTransaction",
                2,
                2.6,
                "s",
                3,
                False,
            ),
            Measurement("TriggeredFunctionTimeout", "OCPP triggered function timeout", 30, None),
        ],
        coverage=Coverage(
            total=212,
            exercised=167,
            machines={"ChargePointStatus": [19, 24], "Heartbeat": [6, 6], "Transaction": [41, 52]},
            uncovered=["ConnectorStatus: Charging -> SuspendedEVSE on ChangeAvailability"],
        ),
    )


# --- headless Chromium (tests/browser.py) ----------------------------------------------------


def screenshot(html: Path, png: Path, size: str = "1280,1600") -> list[str]:
    """Render ``html`` into ``png`` at ``size`` (width,height); return the page's errors
    (console errors, uncaught exceptions, failed loads)."""
    width, height = (int(n) for n in size.split(","))
    with Browser(width=width, height=height, timeout=BROWSER_TIMEOUT) as browser:
        browser.open(html)
        browser.settle(0.3)
        browser.screenshot(png)
        return list(browser.errors)


def dump_dom(html: Path) -> tuple[str, list[str]]:
    """The DOM of ``html`` after its scripts ran, and the page's errors."""
    with Browser(timeout=BROWSER_TIMEOUT) as browser:
        browser.open(html)
        browser.settle(0.3)
        dom: str = browser.evaluate("document.documentElement.outerHTML")
        return dom, list(browser.errors)


def main(argv: list[str]) -> int:
    """Write the sample report's screenshot to ``argv[0]`` (docs/images/report.png)."""
    out = Path(argv[0] if argv else "docs/images/report.png")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        html = Path(tmp) / "report.html"
        write_html(sample_run(), html)
        errors = screenshot(html, out)
    if errors:
        print("\n".join(errors), file=sys.stderr)
        return 1
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
