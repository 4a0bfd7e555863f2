"""``chargespec sim --sessions`` end to end against a Central System built with PyPI ``ocpp``.

The station runs as a separate process, exactly as a user starts it; the Central System runs in
the test on 127.0.0.1 and records every CALL as it came off the wire. One full authorized
session must show the whole OCPP 1.6 flow (§4.1, §4.8, §4.9, §4.10, §3.16.1), every CALL must
pass the ``ocpp`` library's own schema validation, and the process must exit 0 once its
transaction message queue is empty.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.interop.csms_recorder import Received, Recorder, serve_csms

pytestmark = pytest.mark.timeout(60)

# How a test starts ``chargespec``: this interpreter, this checkout.
CHARGESPEC = (sys.executable, "-c", "from compiler.cli import main; main()")
ROOT = Path(__file__).resolve().parents[2]
RUN_LIMIT = 40.0


def _energy(meter_values: Received) -> list[int]:
    return [
        int(sample["value"])
        for value in meter_values.payload["meterValue"]
        for sample in value["sampledValue"]
        if sample.get("measurand", "Energy.Active.Import.Register")
        == "Energy.Active.Import.Register"
    ]


async def _run_sim(url: str, log: Path, *args: str) -> int:
    with log.open("w") as out:
        process = await asyncio.create_subprocess_exec(
            *CHARGESPEC, "sim", "--csms", url, *args, cwd=ROOT, stdout=out, stderr=out
        )
        try:
            return await asyncio.wait_for(process.wait(), RUN_LIMIT)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()


def _statuses(recorder: Recorder, connector: int) -> list[str]:
    found = recorder.of("StatusNotification")
    return [c.payload["status"] for c in found if c.payload["connectorId"] == connector]


def _only(recorder: Recorder, action: str) -> dict[str, Any]:
    calls = recorder.of(action)
    assert len(calls) == 1, calls
    return calls[0].payload


async def test_sim_plays_one_authorized_session(tmp_path: Path) -> None:
    recorder = Recorder()
    log = tmp_path / "sim.log"
    async with serve_csms(recorder) as url:
        code = await _run_sim(
            url,
            log,
            *("--id", "CP-SESSION", "--connectors", "2", "--sessions", "1"),
            *("--id-tag", "TAG-42", "--charge-seconds", "3.5"),
            *("--config", "MeterValueSampleInterval=1", "--duration", "30"),
        )
    transcript = log.read_text()
    assert code == 0, transcript
    assert "sim: 1 session(s) done; transaction message queue empty" in transcript
    assert "Traceback" not in transcript
    # The ocpp library validated every CALL: none came back as a CALLERROR, all were handled.
    assert "< [4," not in transcript, transcript
    assert sum(recorder.handled.values()) == len(recorder.calls), recorder.handled
    assert recorder.identities == ["CP-SESSION"]

    _only(recorder, "BootNotification")
    assert _only(recorder, "Authorize") == {"idTag": "TAG-42"}
    start = _only(recorder, "StartTransaction")
    assert (start["connectorId"], start["idTag"]) == (1, "TAG-42")
    stop = _only(recorder, "StopTransaction")
    assert stop["reason"] == "Local"
    assert stop["idTag"] == "TAG-42"
    assert stop["meterStop"] >= start["meterStart"]
    transaction_id = stop["transactionId"]
    assert transaction_id >= 1

    samples = recorder.of("MeterValues")
    assert len(samples) >= 2, samples
    assert {s.payload["transactionId"] for s in samples} == {transaction_id}
    energy = [start["meterStart"]] + [e for s in samples for e in _energy(s)] + [stop["meterStop"]]
    assert energy == sorted(energy), energy
    assert energy[-1] > energy[0], "no energy delivered"
    assert len(set(energy[1:-1])) == len(energy) - 2, f"the register did not rise: {energy}"

    order = [c.action for c in recorder.calls]
    assert order.index("Authorize") < order.index("StartTransaction") < order.index("MeterValues")
    assert order.index("MeterValues") < order.index("StopTransaction")
    statuses = _statuses(recorder, 1)
    assert statuses == ["Available", "Preparing", "Charging", "Finishing", "Available"], statuses
    assert _statuses(recorder, 0) == ["Available"]
    assert _statuses(recorder, 2) == ["Available"]


async def test_sim_sessions_continue_from_the_same_db(tmp_path: Path) -> None:
    """A second process on the same --db goes on with the stored state: meters keep rising."""
    recorder = Recorder()
    db = str(tmp_path / "station.db")
    common = ("--id", "CP-DB", "--connectors", "1", "--db", db, "--charge-seconds", "1.5")
    async with serve_csms(recorder) as url:
        for run in range(2):
            code = await _run_sim(
                url, tmp_path / f"run{run}.log", *common, "--sessions", "1", "--duration", "30"
            )
            assert code == 0, (tmp_path / f"run{run}.log").read_text()
    starts = [c.payload for c in recorder.of("StartTransaction")]
    stops = [c.payload for c in recorder.of("StopTransaction")]
    assert len(starts) == len(stops) == 2
    assert stops[0]["transactionId"] != stops[1]["transactionId"]
    # The register is the meter's, not the process's: it never goes back (errata E3.9).
    assert starts[1]["meterStart"] >= stops[0]["meterStop"] > starts[0]["meterStart"]
