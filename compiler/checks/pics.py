"""Checks of pics.yaml: each item's attributes fit its type, the consistency rules name known
items and fit them, the defaults form a consistent statement (so that a blank device PICS file
is valid), and items sit in the form's sections, in the form's order.

Values are judged by the same functions the runtime uses on a device PICS file
(:mod:`runtime.pics`), so the compiler and ``chargespec pics check`` cannot disagree.
"""

from __future__ import annotations

from compiler.checks.common import did_you_mean, one_of
from compiler.diagnostics import Diagnostic
from compiler.ir import (
    PicsItem,
    PicsRule,
    SpecSet,
)
from runtime.spec.pics import PicsItemSpec, rule_problems, value_problem
from runtime.spec.pics import PicsRule as RuntimeRule

__all__ = ["check_pics", "item_spec"]

# What kind of configuration key each item type may set; a boolean may also add its name to a
# comma-separated list (the feature profiles to SupportedFeatureProfiles).
_KEY_KINDS = {
    "boolean": ("boolean", "csl"),
    "integer": ("integer",),
    "list": ("csl",),
    "enum": ("string",),
    "string": ("string",),
}


def item_spec(item: PicsItem) -> PicsItemSpec:
    """The runtime's view of an IR item (what generated/<spec>/pics.py holds)."""
    return PicsItemSpec(
        name=item.name,
        section=item.section,
        kind=item.kind,
        default=item.default,
        values=item.values,
        minimum=item.minimum,
        maximum=item.maximum,
        sets=item.sets,
        description=item.description,
        label=item.label,
        unit=item.unit,
        group=item.group,
        mandatory=item.mandatory,
        requires=tuple(RuntimeRule(r.kind, r.items) for r in item.requires),
        section_title=item.section_title,
        document=item.document,
        document_title=item.document_title,
    )


def _misfit(item: PicsItem, found: str, expected: str) -> Diagnostic:
    return Diagnostic(item.pos, "SPEC240", f"PICS item {item.name} {found}", expected)


def _attribute_misfits(item: PicsItem) -> list[Diagnostic]:
    found = []
    if item.values and item.kind not in ("enum", "list"):
        found.append(_misfit(item, f"of type {item.kind} lists values", "values suit enum or list"))
    if not item.values and item.kind in ("enum", "list"):
        found.append(_misfit(item, f"of type {item.kind} lists no values", "a values list"))
    bounds = item.minimum is not None or item.maximum is not None
    if item.kind != "integer" and (bounds or item.unit):
        found.append(
            _misfit(item, f"of type {item.kind} has a minimum, maximum or unit", "only integers do")
        )
    if item.minimum is not None and item.maximum is not None and item.minimum > item.maximum:
        found.append(
            _misfit(
                item,
                f"has minimum {item.minimum} above maximum {item.maximum}",
                "minimum <= maximum",
            )
        )
    return found


def _default_misfit(item: PicsItem) -> list[Diagnostic]:
    spec = item_spec(item)
    if item.kind == "boolean" and item.default is None:
        return [_misfit(item, "of type boolean defaults to null", "default: true or false")]
    problem = value_problem(spec, item.default)
    if problem is None:
        return []
    return [_misfit(item, f"default {item.default!r}: {problem[1]}", "a default the item takes")]


def _sets_misfit(spec: SpecSet, item: PicsItem) -> list[Diagnostic]:
    key = spec.config_key(item.sets) if item.sets else None
    if key is None:
        return []  # an unknown key is SPEC205 (checks/data.py)
    if key.kind not in _KEY_KINDS[item.kind]:
        return [
            _misfit(
                item,
                f"of type {item.kind} sets the {key.kind} configuration key {key.name}",
                f"a key of kind {' or '.join(_KEY_KINDS[item.kind])}",
            )
        ]
    if item.kind == "boolean" and key.kind == "csl" and key.values and item.name not in key.values:
        return [
            _misfit(
                item,
                f"is not one of the values of {key.name}",
                one_of(key.values),
            )
        ]
    return []


def _rule_misfits(spec: SpecSet, item: PicsItem, rule: PicsRule) -> list[Diagnostic]:
    names = [p.name for p in spec.pics]
    found = []
    for name in rule.items:
        other = spec.pics_item(name)
        if other is None:
            found.append(
                Diagnostic(
                    rule.pos,
                    "SPEC204",
                    f"rule {rule.kind} of PICS item {item.name} names unknown PICS item '{name}'",
                    one_of(names),
                    did_you_mean(name, names),
                )
            )
        elif name == item.name:
            found.append(
                Diagnostic(
                    rule.pos,
                    "SPEC241",
                    f"rule {rule.kind} of PICS item {item.name} names the item itself",
                    "a rule relates the item to other items",
                )
            )
        elif rule.kind == "at_most" and (item.kind, other.kind) != ("integer", "integer"):
            found.append(
                Diagnostic(
                    rule.pos,
                    "SPEC241",
                    f"rule at_most compares {item.kind} {item.name} with {other.kind} {name}",
                    "at_most relates two integer items",
                )
            )
    return found


def _default_rules(spec: SpecSet) -> list[Diagnostic]:
    """The defaults are the statement of a device that declares nothing; it must hold."""
    specs = [item_spec(p) for p in spec.pics]
    defaults = {p.name: p.default for p in spec.pics}
    found = []
    for name, message in rule_problems(specs, defaults):
        item = spec.pics_item(name)
        assert item is not None
        found.append(
            Diagnostic(
                item.pos,
                "SPEC241",
                f"the PICS defaults break a rule: {message}",
                "defaults that together form a consistent statement",
            )
        )
    return found


def _section_problems(spec: SpecSet) -> list[Diagnostic]:
    found = []
    latest = -1
    reported: set[str] = set()
    for item in spec.pics:
        pos = item.section_pos or item.pos
        if item.section_index < 0:
            found.append(
                Diagnostic(
                    pos,
                    "SPEC242",
                    f"PICS item {item.name} is in section '{item.section}', which the form "
                    "(sections:) does not list",
                )
            )
            continue
        if item.document and not item.document_title and item.section not in reported:
            reported.add(item.section)
            found.append(
                Diagnostic(
                    pos,
                    "SPEC242",
                    f"section '{item.section}' belongs to unknown document '{item.document}'",
                    "a document id of documents:",
                )
            )
        if item.section_index < latest:
            found.append(
                Diagnostic(
                    pos,
                    "SPEC242",
                    f"PICS item {item.name} of section '{item.section}' comes after items of a "
                    "later section",
                    "items in the form's order of sections",
                )
            )
        latest = max(latest, item.section_index)
    return found


def check_pics(spec: SpecSet) -> list[Diagnostic]:
    """Every problem of the PICS items (pics.yaml) of the spec set."""
    found = []
    for item in spec.pics:
        misfits = _attribute_misfits(item)
        found += misfits or _default_misfit(item)
        found += _sets_misfit(spec, item)
        for rule in item.requires:
            found += _rule_misfits(spec, item, rule)
    found += _section_problems(spec)
    if not found:
        found += _default_rules(spec)
    return found
