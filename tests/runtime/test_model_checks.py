"""The checks behind the generated model tests fail when the machine disagrees with them."""

from __future__ import annotations

from typing import Any

import pytest

from generated.ocpp16.machines.heartbeat import HeartbeatMachine, make_context
from runtime.conformance.model_checks import (
    ModelEnv,
    check_event_rejected,
    check_guard_false_side,
    check_state_reached,
    check_transition_fires,
)
from runtime.spec.machine import SpecMachine

ACCEPT = ("internal.registration_accepted", {})


def _new(variant: int) -> tuple[SpecMachine, ModelEnv]:
    env = ModelEnv({"HeartbeatInterval": [300, 0][variant]}, {})
    return HeartbeatMachine(env, make_context({})), env


def test_checks_pass_on_what_the_spec_says() -> None:
    check_state_reached(_new, 0, [ACCEPT], "Running")
    check_transition_fires(_new, 0, [], ACCEPT, "Running", [("start_timer", "heartbeat", 300.0)])
    check_guard_false_side(_new, 1, [], ACCEPT, "Idle")
    check_event_rejected(_new, 0, [], "Idle", "timer.heartbeat")


@pytest.mark.parametrize(
    ("check", "args", "message"),
    [
        (check_state_reached, (0, [ACCEPT], "Idle"), "reached Running"),
        (check_transition_fires, (0, [], ACCEPT, "Idle", []), "went to Running"),
        (check_transition_fires, (0, [], ACCEPT, "Running", []), "effects"),
        (check_guard_false_side, (1, [], ACCEPT, "Running"), "went to Idle"),
        (check_event_rejected, (0, [], "Idle", "internal.registration_accepted"), "accepted"),
    ],
)
def test_checks_fail_on_a_wrong_expectation(
    check: Any, args: tuple[Any, ...], message: str
) -> None:
    with pytest.raises(AssertionError, match=message):
        check(_new, *args)
