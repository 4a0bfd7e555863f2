"""Build Scenario IR from scenarios/<profile>.yaml."""

from __future__ import annotations

from typing import Any

from compiler.frontend.yaml import LoadedFile
from compiler.ir import (
    Scenario,
    ScenarioStep,
)

__all__ = ["STEP_KINDS", "build_scenarios"]

# The key that decides a step's kind, in priority order (a step has exactly one of them).
STEP_KINDS = ("tester", "observe", "expect", "any_order", "send", "silence", "advance")

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
    if "reply_error" in s:
        return {"$error": s["reply_error"]}
    reply = s.get("reply")
    return dict(reply) if reply is not None else None


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
    elif kind in ("silence", "advance"):
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
    )


def build_scenarios(f: LoadedFile) -> list[Scenario]:
    built = []
    for index, sc in enumerate(f.data["scenarios"]):
        path: Path = ("scenarios", index)
        steps = tuple(_step(f, (*path, "steps", i), s) for i, s in enumerate(sc["steps"]))
        built.append(
            Scenario(
                id=sc["id"],
                title=sc["title"],
                refs=tuple(sc.get("refs", ())),
                description=" ".join(sc.get("description", "").split()),
                requires=tuple(sc.get("requires", ())),
                setup=dict(sc.get("setup", {})),
                steps=steps,
                source_file=f.path,
                pos=f.pos(path),
            )
        )
    return built
