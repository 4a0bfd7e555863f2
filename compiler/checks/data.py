"""Checks on the data files: types used by fields, duplicates across files, PICS links."""

from __future__ import annotations

from collections.abc import Iterable

from compiler.checks.common import did_you_mean, one_of
from compiler.checks.config_keys import check_config_keys
from compiler.diagnostics import Diagnostic, Pos
from compiler.ir import (
    DatatypeDef,
    FieldDef,
    LeniencyDef,
    SpecSet,
)

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
    """Every field names a known type, and its constraints fit that type."""
    names = [e.name for e in spec.enums] + [d.name for d in spec.datatypes]
    found = []
    for f in fields:
        if f.kind == "enum" and f.enum is not None and spec.enum(f.enum) is None:
            found.append(
                Diagnostic(
                    f.pos,
                    "SPEC213",
                    f"field '{f.name}' of {owner} has unknown type '{f.enum}'",
                    "expected string, integer, decimal, boolean, datetime, an enum or a "
                    "datatype: " + one_of(names),
                    did_you_mean(f.enum, names),
                )
            )
        found += _misfits(f, owner)
    return found


# Which constraint applies to which kinds (the value of a list field is each item).
_FITS: dict[str, frozenset[str]] = {
    "max_length": frozenset({"string"}),
    "minimum": frozenset({"integer", "decimal"}),
    "maximum": frozenset({"integer", "decimal"}),
    "multiple_of": frozenset({"integer", "decimal"}),
}


def _misfits(f: FieldDef, owner: str) -> list[Diagnostic]:
    found = []
    where = f"field '{f.name}' of {owner}"
    for constraint, kinds in _FITS.items():
        if getattr(f, constraint) is not None and f.kind not in kinds:
            found.append(
                Diagnostic(
                    f.pos,
                    "SPEC219",
                    f"{where} has {constraint} but is of type '{f.type_name}'",
                    f"{constraint} applies to: {', '.join(sorted(kinds))}",
                )
            )
    for constraint in ("min_items", "max_items"):
        if getattr(f, constraint) is not None and not f.is_list:
            found.append(
                Diagnostic(
                    f.pos,
                    "SPEC219",
                    f"{where} has {constraint} but is not a list",
                    "min_items and max_items need 'list: true'",
                )
            )
    bounds = [(f.minimum, f.maximum, "minimum", "maximum")]
    bounds.append((f.min_items, f.max_items, "min_items", "max_items"))
    for low, high, low_name, high_name in bounds:
        if low is not None and high is not None and low > high:
            found.append(
                Diagnostic(
                    f.pos,
                    "SPEC219",
                    f"{where} has {low_name} {low} above {high_name} {high}",
                    "no value could be valid",
                )
            )
    return found


def _owner_fields(spec: SpecSet, owner: str) -> tuple[FieldDef, ...] | None:
    name, _, part = owner.partition(".")
    if not part:
        datatype = spec.datatype(name)
        return None if datatype is None else datatype.fields
    message = spec.message(name)
    if message is None:
        return None
    return message.request if part == "request" else message.response


def _leniency_misfit(spec: SpecSet, item: LeniencyDef, f: FieldDef) -> str:
    """Why the relaxation cannot apply to the field ('' when it can)."""
    if item.allow == "max_length":
        if f.kind != "string" or f.max_length is None:
            return "max_length applies to a string field that has a max_length"
        if item.value <= f.max_length:
            return f"a limit above the field's max_length {f.max_length}"
    elif item.allow == "values":
        enum = spec.enum(f.enum or "") if f.kind == "enum" else None
        if enum is None:
            return "values applies to an enum field"
        already = sorted(set(item.value) & set(enum.values))
        if already:
            return f"values not already in {enum.name} (it has {', '.join(already)})"
    elif f.kind != "datetime":
        return "naive_datetime applies to a datetime field"
    return ""


def _check_leniency(spec: SpecSet, item: LeniencyDef) -> list[Diagnostic]:
    fields = _owner_fields(spec, item.owner)
    if item.owner.partition(".")[0] in spec.broken_messages:
        return []  # the message's definition is broken, and reported
    target = next((f for f in fields or () if f.name == item.field), None)
    if target is None:
        names = [f.name for f in fields or ()]
        return [
            Diagnostic(
                item.pos,
                "SPEC221",
                f"leniency '{item.name}' names unknown field '{item.where}'",
                one_of(names)
                if fields is not None
                else f"no message or datatype '{item.owner}'; write Message.request.field, "
                "Message.response.field or Datatype.field",
                did_you_mean(item.field, names),
            )
        ]
    misfit = _leniency_misfit(spec, item, target)
    if not misfit:
        return []
    return [
        Diagnostic(
            item.pos,
            "SPEC221",
            f"leniency '{item.name}' cannot relax '{item.where}' ({target.type_name}) with "
            f"{item.allow}",
            misfit,
        )
    ]


def _datatype_cycles(spec: SpecSet) -> list[Diagnostic]:
    """A datatype may not contain itself, directly or through others (the wire is a tree)."""
    found = []
    for start in spec.datatypes:
        path = _cycle_from(spec, start, [start.name])
        if path:
            found.append(
                Diagnostic(
                    start.pos,
                    "SPEC220",
                    f"datatype '{start.name}' contains itself: {' -> '.join(path)}",
                    "datatypes that nest without end cannot be sent",
                )
            )
    return found


def _cycle_from(spec: SpecSet, node: DatatypeDef, path: list[str]) -> list[str]:
    for f in node.fields:
        inner = spec.datatype(f.datatype) if f.datatype else None
        if inner is None:
            continue
        if inner.name == path[0]:
            return [*path, inner.name]
        if inner.name not in path:
            cycle = _cycle_from(spec, inner, [*path, inner.name])
            if cycle:
                return cycle
    return []


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
    types = [(e.name, e.pos) for e in spec.enums] + [(d.name, d.pos) for d in spec.datatypes]
    found += _duplicates("type", types)
    found += _datatype_cycles(spec)
    for lenient in spec.leniencies:
        found += _check_leniency(spec, lenient)
    for datatype in spec.datatypes:
        found += check_fields(spec, datatype.fields, f"datatype {datatype.name}")
    found += _duplicates("machine", ((m.name, m.pos) for m in spec.machines))
    found += _duplicates("scenario", ((s.id, s.pos) for s in spec.scenarios))
    for message in spec.messages:
        found += check_fields(spec, message.request, f"{message.name} request")
        found += check_fields(spec, message.response, f"{message.name} response")
    for event in spec.events:
        found += check_fields(spec, event.payload, f"event {event.name}")
    for key in spec.config_keys:
        if key.spec.pics:
            found += _pics_link(spec, key.spec.pics, key.pos, f"configuration key {key.name}")
    found += check_config_keys(spec)
    keys = [k.name for k in spec.config_keys]
    for item in spec.pics:
        if item.spec.sets and spec.config_key(item.spec.sets) is None:
            found.append(
                Diagnostic(
                    item.pos,
                    "SPEC205",
                    f"PICS item {item.name} sets unknown configuration key '{item.spec.sets}'",
                    one_of(keys),
                    did_you_mean(item.spec.sets, keys),
                )
            )
    return found
