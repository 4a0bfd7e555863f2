"""Play one generated test case against the device under test of this run.

Every generated conformance test calls :func:`play_case` with its scenario data; which
device it meets — our runtime in process on virtual time, or a real charge point over a
WebSocket (``chargespec test --dut dut.yaml``) — is the run's choice, not the test's.

Verdicts: a step of the case that does not hold fails the test; a setup step that does not
hold (the device refused a precondition, such as a read-only key) or a tester who aborts
makes it *inconclusive*: the test is skipped with a reason starting "inconclusive:", never
passed. What was played is kept in :data:`runtime.conformance.case_log.LOGS` for the report.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from runtime.conformance.applicability import device_pics, pics_placeholders, scenario_run_pics
from runtime.conformance.case_log import LOGS, CaseLog
from runtime.conformance.dut_file import DutConfig
from runtime.conformance.external import ExternalSession, external_session
from runtime.conformance.inprocess import InProcessDut
from runtime.conformance.run_record import FrameRecord
from runtime.conformance.runner import (
    PreconditionNotReached,
    ScenarioFailed,
    Timing,
    Transcript,
    run_scenario,
)
from runtime.conformance.tester_backend import CaseAborted, TesterFailed
from runtime.spec.registry import SpecRegistry

__all__ = ["INCONCLUSIVE", "play_case"]

#: How the reason of an inconclusive case begins (the report tells it from not applicable).
INCONCLUSIVE = "inconclusive: "


async def play_case(registry: SpecRegistry, scenario: Mapping[str, Any]) -> None:
    """Run ``scenario`` (generated scenario data) and fail the test on the first step that
    does not hold; skip it when the PICS make it inapplicable or it is inconclusive."""
    setup = scenario["setup"]
    pics, reason = scenario_run_pics(registry, scenario["requires"], setup.get("pics", {}))
    if reason is not None:
        pytest.skip(reason)
    log = LOGS[scenario["id"]] = CaseLog()
    transcript = Transcript(log.lines)
    session = external_session(registry)
    try:
        if session is None:
            await _in_process(registry, scenario, pics, transcript, log)
        else:
            await session.run(_external(session, registry, scenario, transcript, log))
    except ScenarioFailed as failed:
        log.failure = failed.failure
        raise
    except (PreconditionNotReached, CaseAborted, TesterFailed) as stopped:
        log.failure = getattr(stopped, "failure", None)
        log.inconclusive = str(stopped)
        pytest.skip(f"{INCONCLUSIVE}{stopped}")


async def _in_process(
    registry: SpecRegistry,
    scenario: Mapping[str, Any],
    pics: dict[str, Any],
    transcript: Transcript,
    log: CaseLog,
) -> None:
    # The configuration the case assumes is set over OCPP by its setup steps, as on a device.
    dut = InProcessDut(registry, connectors=scenario["setup"].get("connectors", 1), pics=pics)
    try:
        await dut.start()
        values = {**DutConfig().values(), **pics_placeholders(pics)}
        await run_scenario(scenario, dut, values=values, transcript=transcript)
    finally:
        log.frames = [FrameRecord(at, direction, text) for at, direction, text in dut.frames]


async def _external(
    session: ExternalSession,
    registry: SpecRegistry,
    scenario: Mapping[str, Any],
    transcript: Transcript,
    log: CaseLog,
) -> None:
    config = session.config
    pics = device_pics(registry) or {}
    connectors = int(pics.get("NumberOfConnectors") or scenario["setup"].get("connectors", 1))
    first_frame = len(session.frames)
    title = str(scenario.get("title", ""))
    session.on_line(f"--- {scenario['id']}: {title}")
    # An operator's prompts are headed by the case they belong to.
    set_context = getattr(session.backend, "set_context", None)
    if callable(set_context):
        set_context(str(scenario["id"]), title)
    try:
        try:
            dut = await session.connected_dut()
        except TimeoutError:
            # Nothing can be tested: stop the run, saying what to check.
            pytest.exit(
                f"the charge point {config.identity} did not connect to {session.url} within "
                f"{config.connect_timeout:g} s (check its Central System URL, identity and "
                "Basic-auth password)",
                returncode=2,
            )
        await run_scenario(
            scenario,
            dut,
            values={**config.values(), **pics_placeholders(pics)},
            connectors=connectors,
            timing=Timing(tolerance=config.tolerance),
            on_progress=session.on_line,
            transcript=transcript,
        )
    finally:
        log.frames = session.frames[first_frame:]
