"""Build Scenario IR from scenarios/<profile>.yaml."""

from __future__ import annotations

from typing import Any

from compiler.ir.model import Scenario, ScenarioStep
from compiler.loader import LoadedFile

__all__ = ["STEP_KINDS", "build_scenarios"]

# The key that decides a step's kind, in priority order (a step has exactly one of them).
STEP_KINDS = ("tester", "expect", "send", "silence", "advance")


def _step(f: LoadedFile, path: tuple[str | int, ...], s: dict[str, Any]) -> ScenarioStep:
    kind = next((k for k in STEP_KINDS if k in s), "comment")
    name, payload, seconds = "", {}, None
    reply: dict[str, Any] | None = None
    if kind in ("tester", "expect", "send"):
        name, payload = next(iter(s[kind].items()))
        payload = payload or {}
    if kind == "expect":
        reply = s.get("reply")
        seconds = s.get("within")
        if "reply_error" in s:
            reply = {"$error": s["reply_error"]}
    elif kind == "send":
        seconds = s.get("expect_no_reply")
        if "expect_error" in s:
            reply = {"$error": s["expect_error"]}
        elif "expect_no_reply" in s:
            reply = {"$none": True}
        else:
            reply = s.get("expect_reply", {})
    elif kind in ("silence", "advance"):
        seconds = float(s[kind])
    return ScenarioStep(kind, name, payload, reply, seconds, s.get("comment", ""), f.pos(path))


def build_scenarios(f: LoadedFile) -> list[Scenario]:
    built = []
    for index, sc in enumerate(f.data["scenarios"]):
        path: tuple[str | int, ...] = ("scenarios", index)
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
