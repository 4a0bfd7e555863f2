"""Checks on scenarios and the demo: every step (and every CALL of an any_order step) names a
known tester action, observation or message, every PICS condition (``Item`` or ``not Item``)
and configuration key exists. Test states reuse :func:`check_steps`."""

from __future__ import annotations

from collections.abc import Iterable

from compiler.checks.common import did_you_mean, one_of
from compiler.checks.step_payloads import check_step_payloads
from compiler.diagnostics import Diagnostic
from compiler.ir import (
    Scenario,
    ScenarioStep,
    SpecSet,
)

__all__ = ["check_scenarios", "check_steps"]


def check_steps(spec: SpecSet, steps: Iterable[ScenarioStep]) -> list[Diagnostic]:
    """Unknown tester actions (SPEC216), observations (SPEC233) and messages (SPEC203), and
    payloads that do not fit them (SPEC238)."""
    found = []
    testers = [e.short for e in spec.events if e.namespace == "tester"]
    observations = [e.short for e in spec.events if e.namespace == "observation"]
    messages = [m.name for m in spec.messages]
    for step in (s for top in steps for s in (top, *top.items)):
        if step.kind == "tester" and step.name not in testers:
            found.append(
                Diagnostic(
                    step.pos,
                    "SPEC216",
                    f"unknown tester action '{step.name}'",
                    one_of(testers),
                    did_you_mean(step.name, testers),
                )
            )
        if step.kind == "observe" and step.name not in observations:
            found.append(
                Diagnostic(
                    step.pos,
                    "SPEC233",
                    f"unknown observation '{step.name}'",
                    one_of(observations),
                    did_you_mean(step.name, observations),
                )
            )
        if step.kind in ("expect", "send") and spec.unknown_message(step.name):
            found.append(
                Diagnostic(
                    step.pos,
                    "SPEC203",
                    f"step names unknown message '{step.name}'",
                    one_of(messages),
                    did_you_mean(step.name, messages),
                )
            )
        found += check_step_payloads(spec, step)
    return found


def _check_one(spec: SpecSet, sc: Scenario) -> list[Diagnostic]:
    found = []
    pics = [p.name for p in spec.pics]
    keys = [k.name for k in spec.config_keys]
    for item in (r.removeprefix("not ") for r in sc.requires):
        if spec.pics_item(item) is None:
            found.append(
                Diagnostic(
                    sc.pos,
                    "SPEC204",
                    f"scenario {sc.id} requires unknown PICS item '{item}'",
                    one_of(pics),
                    did_you_mean(item, pics),
                )
            )
    for key in sc.setup.get("config", {}):
        if spec.config_key(key) is None:
            found.append(
                Diagnostic(
                    sc.pos,
                    "SPEC205",
                    f"scenario {sc.id} sets unknown configuration key '{key}'",
                    one_of(keys),
                    did_you_mean(key, keys),
                )
            )
    return found + check_steps(spec, sc.steps)


def check_scenarios(spec: SpecSet) -> list[Diagnostic]:
    """Check every scenario of the spec set, and the demo."""
    found: list[Diagnostic] = []
    for sc in (*spec.scenarios, *([spec.demo] if spec.demo is not None else [])):
        found += _check_one(spec, sc)
    return found
