"""Checks on the data files: types used by fields, duplicates across files, PICS links."""

from __future__ import annotations

from collections.abc import Iterable

from compiler.checks.common import did_you_mean, one_of
from compiler.diagnostics import Diagnostic, Pos
from compiler.ir.model import FieldDef, SpecSet

__all__ = ["check_data", "check_fields"]


def _duplicates(kind: str, named: Iterable[tuple[str, Pos]]) -> list[Diagnostic]:
    seen: dict[str, Pos] = {}
    found = []
    for name, pos in named:
        if name in seen:
            found.append(
                Diagnostic(
                    pos,
                    "SPEC214",
                    f"{kind} '{name}' is defined twice",
                    f"one definition per {kind}",
                    f"first defined at {seen[name]}",
                )
            )
        else:
            seen[name] = pos
    return found


def check_fields(spec: SpecSet, fields: Iterable[FieldDef], owner: str) -> list[Diagnostic]:
    """Every enum-typed field names an enum from types.yaml."""
    enums = [e.name for e in spec.enums]
    return [
        Diagnostic(
            f.pos,
            "SPEC213",
            f"field '{f.name}' of {owner} has unknown type '{f.enum}'",
            "expected string, integer, decimal, boolean, datetime or an enum: " + one_of(enums),
            did_you_mean(f.enum, enums),
        )
        for f in fields
        if f.kind == "enum" and f.enum is not None and spec.enum(f.enum) is None
    ]


def _pics_link(spec: SpecSet, name: str, pos: Pos, what: str) -> list[Diagnostic]:
    if spec.pics_item(name) is not None:
        return []
    names = [p.name for p in spec.pics]
    return [
        Diagnostic(
            pos,
            "SPEC204",
            f"unknown PICS item '{name}' in {what}",
            one_of(names),
            did_you_mean(name, names),
        )
    ]


def check_data(spec: SpecSet) -> list[Diagnostic]:
    """Types, duplicates and cross-links between messages, keys and PICS items."""
    found = _duplicates("message", ((m.name, m.pos) for m in spec.messages))
    found += _duplicates("machine", ((m.name, m.pos) for m in spec.machines))
    found += _duplicates("scenario", ((s.id, s.pos) for s in spec.scenarios))
    for message in spec.messages:
        found += check_fields(spec, message.request, f"{message.name} request")
        found += check_fields(spec, message.response, f"{message.name} response")
    for event in spec.events:
        found += check_fields(spec, event.payload, f"event {event.name}")
    for key in spec.config_keys:
        if key.pics:
            found += _pics_link(spec, key.pics, key.pos, f"configuration key {key.name}")
    keys = [k.name for k in spec.config_keys]
    for item in spec.pics:
        if item.sets and spec.config_key(item.sets) is None:
            found.append(
                Diagnostic(
                    item.pos,
                    "SPEC205",
                    f"PICS item {item.name} sets unknown configuration key '{item.sets}'",
                    one_of(keys),
                    did_you_mean(item.sets, keys),
                )
            )
    return found
