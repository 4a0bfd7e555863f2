"""Play one generated test case against the device under test of this run.

Every generated conformance test calls :func:`play_case` with its scenario data; which
device it meets — our runtime in process on virtual time, or a real charge point over a
WebSocket — is the run's choice, not the test's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from runtime.conformance.applicability import scenario_run_pics
from runtime.conformance.inprocess import InProcessDut
from runtime.conformance.runner import run_scenario
from runtime.spec.registry import SpecRegistry

__all__ = ["play_case"]


async def play_case(registry: SpecRegistry, scenario: Mapping[str, Any]) -> None:
    """Run ``scenario`` (generated scenario data) and fail the test on the first step that
    does not hold; skip it when the PICS make it inapplicable."""
    setup = scenario["setup"]
    pics, reason = scenario_run_pics(registry, scenario["requires"], setup.get("pics", {}))
    if reason is not None:
        pytest.skip(reason)
    dut = InProcessDut(
        registry, connectors=setup.get("connectors", 1), config=setup.get("config"), pics=pics
    )
    await dut.start()
    await run_scenario(scenario, dut)
