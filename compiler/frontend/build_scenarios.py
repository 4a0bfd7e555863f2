"""Build Scenario IR from scenarios/<profile>.yaml and demo.yaml, and the step IR that
test_states.yaml shares with them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from compiler.diagnostics import Pos
from compiler.frontend.yaml import LoadedFile
from compiler.ir.scenario import (
    DEMO_SETUP_KEYS,
    SCENARIO_SETUP_KEYS,
    Scenario,
    ScenarioStep,
    StateSelection,
)

__all__ = ["STEP_KINDS", "build_demo", "build_scenarios", "build_steps"]

# The key that decides a step's kind, in priority order (a step has exactly one of them).
STEP_KINDS = (
    "tester",
    "observe",
    "expect",
    "any_order",
    "send",
    "silence",
    "advance",
    "settle",
)

Path = tuple[str | int, ...]


def _send_expectation(s: dict[str, Any]) -> dict[str, Any]:
    """The answer a ``send`` step wants: ``{"$none": True}``, ``{"$error": code}``, a result
    payload, or ``{"$result": payload, "$error": code}`` when either will do."""
    if "expect_no_reply" in s:
        return {"$none": True}
    if "expect_error" in s and "expect_reply" in s:
        return {"$result": s["expect_reply"], "$error": s["expect_error"]}
    if "expect_error" in s:
        return {"$error": s["expect_error"]}
    return dict(s.get("expect_reply", {}))


def _expect_reply(s: dict[str, Any]) -> dict[str, Any] | None:
    """The test system's answer to an expected CALL: ``{"$none": True}`` (left unanswered),
    ``{"$error": code}``, a result payload, or ``None`` for the default answer."""
    if s.get("no_reply"):
        return {"$none": True}
    if "reply_error" in s:
        return {"$error": s["reply_error"]}
    reply = s.get("reply")
    return dict(reply) if reply is not None else None


def _positions(f: LoadedFile, path: Path, step: dict[str, Any]) -> dict[Path, Pos]:
    """Where each node under the step ``step`` at ``path`` is written, by its path from the
    step (a mapping entry's key, a list item's value)."""
    found: dict[Path, Pos] = {}
    pending: list[tuple[Path, dict[str, Any] | list[Any]]] = [((), step)]
    while pending:  # bounded: each node of the step is visited once
        rel, node = pending.pop()
        items: Iterable[tuple[str | int, Any]] = (
            node.items() if isinstance(node, dict) else enumerate(node)
        )
        for key, value in items:
            found[(*rel, key)] = f.key_pos((*path, *rel, key))
            if isinstance(value, dict | list):
                pending.append(((*rel, key), value))
    return found


def _step(f: LoadedFile, path: Path, s: dict[str, Any]) -> ScenarioStep:
    kind = next((k for k in STEP_KINDS if k in s), "comment")
    name, payload, seconds = "", {}, None
    reply: dict[str, Any] | None = None
    items: tuple[ScenarioStep, ...] = ()
    if kind in ("tester", "observe", "expect", "send"):
        name, payload = next(iter(s[kind].items()))
        payload = payload or {}
    if kind == "expect":
        reply, seconds = _expect_reply(s), s.get("within")
    elif kind == "observe":
        reply = {"$is": s.get("is")}
    elif kind == "any_order":
        items = tuple(_step(f, (*path, kind, i), item) for i, item in enumerate(s[kind]))
        seconds = s.get("within")
    elif kind == "send":
        reply, seconds = _send_expectation(s), s.get("expect_no_reply")
    elif kind in ("silence", "advance", "settle"):
        seconds = float(s[kind])
    return ScenarioStep(
        kind,
        name,
        payload,
        reply,
        seconds,
        s.get("comment", ""),
        f.pos(path),
        items=items,
        unchecked=bool(s.get("unchecked", False)),
        answer_others=s.get("others") == "answer",
        for_each_connector=s["for_each_connector"]["from"] if "for_each_connector" in s else None,
        positions=_positions(f, path, s),
    )


def build_steps(f: LoadedFile, path: Path, steps: list[dict[str, Any]]) -> tuple[ScenarioStep, ...]:
    """The steps of the list ``steps`` at ``path`` (a scenario's, the demo's or a test
    state's)."""
    return tuple(_step(f, (*path, i), s) for i, s in enumerate(steps))


def _selections(
    f: LoadedFile, path: Path, setup: dict[str, Any], fixed: tuple[str, ...]
) -> tuple[StateSelection, ...]:
    """The entries of the setup at ``path`` that select test states (all but ``fixed``)."""
    found = []
    for key, value in setup.items():
        if key in fixed:
            continue
        names = value if isinstance(value, dict) else {}
        found.append(
            StateSelection(
                key,
                value,
                f.pos((*path, key)),
                f.key_pos((*path, key)),
                {name: f.key_pos((*path, key, name)) for name in names},
            )
        )
    return tuple(found)


def _scenario(f: LoadedFile, path: Path, sc: dict[str, Any], fixed: tuple[str, ...]) -> Scenario:
    return Scenario(
        id=sc["id"],
        title=sc["title"],
        refs=tuple(sc.get("refs", ())),
        description=" ".join(sc.get("description", "").split()),
        requires=tuple(sc.get("requires", ())),
        setup=dict(sc.get("setup", {})),
        steps=build_steps(f, (*path, "steps"), sc["steps"]),
        teardown=build_steps(f, (*path, "teardown"), sc.get("teardown", [])),
        source_file=f.path,
        pos=f.pos(path),
        selections=_selections(f, (*path, "setup"), sc.get("setup", {}), fixed),
    )


def build_scenarios(f: LoadedFile) -> list[Scenario]:
    """The scenarios of a scenarios/<profile>.yaml file, in file order."""
    return [
        _scenario(f, ("scenarios", index), sc, SCENARIO_SETUP_KEYS)
        for index, sc in enumerate(f.data["scenarios"])
    ]


def build_demo(f: LoadedFile) -> Scenario:
    """The session of demo.yaml, as a scenario that requires nothing."""
    return _scenario(f, ("demo",), f.data["demo"], DEMO_SETUP_KEYS)
