"""The runner's view of a scenario: the plain data a generated test module (or the demo
module) holds and :func:`runtime.conformance.runner.run_scenario` plays."""

from __future__ import annotations

from typing import Any

from compiler.ir import Scenario, ScenarioStep, SpecSet

__all__ = ["scenario_data", "setup_pics", "step_data"]


def _at(st: ScenarioStep) -> str:
    """Where a step is written, and for which test state and connector it is played."""
    played_for = [st.state] if st.state else []
    if st.connector is not None:
        played_for.append(f"connector {st.connector}")
    where = f"{st.pos.file}:{st.pos.line}"
    return f"{where} ({', '.join(played_for)})" if played_for else where


def step_data(st: ScenarioStep) -> dict[str, Any]:
    """The runner's view of one step; ``items`` and ``unchecked`` only where they apply."""
    data: dict[str, Any] = {
        "kind": st.kind,
        "name": st.name,
        "payload": st.payload,
        "reply": st.reply,
        "seconds": st.seconds,
        "comment": st.comment,
        "at": _at(st),
    }
    if st.items:
        data["items"] = [step_data(item) for item in st.items]
    if st.unchecked:
        data["unchecked"] = True
    if st.answer_others:
        data["others"] = "answer"
    if st.for_each_connector is not None:
        data["for_each_connector"] = st.for_each_connector
    if st.state:
        data["state"] = st.state
    return data


def setup_pics(spec: SpecSet, sc: Scenario) -> dict[str, Any]:
    """The scenario's setup.pics, plus what its setup.config implies: a configuration key
    exists only on a device that declares its profile and its optional feature (the key's
    ``pics:``), so a scenario that sets it needs those items true."""
    implied: dict[str, Any] = {}
    for name in sc.setup.get("config", {}):
        key = spec.config_key(name)
        if key is None:
            continue
        if spec.pics_item(key.spec.profile) is not None:
            implied[key.spec.profile] = True
        if key.spec.pics is not None:
            implied[key.spec.pics] = True
    return {**implied, **sc.setup.get("pics", {})}


def scenario_data(spec: SpecSet, sc: Scenario) -> dict[str, Any]:
    """The scenario as the runner plays it: the setup the test system reads (the entries
    selecting test states are already written out as ``setup_steps``), then the steps."""
    selected = {s.key for s in sc.selections}
    setup = {k: v for k, v in sc.setup.items() if k not in selected}
    if pics := setup_pics(spec, sc):
        setup["pics"] = pics
    return {
        "id": sc.id,
        "title": sc.title,
        "refs": list(sc.refs),
        "at": f"{sc.pos.file}:{sc.pos.line}",
        "requires": list(sc.requires),
        "setup": setup,
        "setup_steps": [step_data(st) for st in sc.setup_steps],
        "steps": [step_data(st) for st in sc.steps],
        **({"teardown": [step_data(st) for st in sc.teardown]} if sc.teardown else {}),
    }
