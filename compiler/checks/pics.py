"""Checks of pics.yaml: each item's attributes fit its type, the consistency rules name known
items and fit them, the defaults form a consistent statement (so that a blank device PICS file
is valid), and items sit in the form's sections, in the form's order.

Values are judged by the same functions the runtime uses on a device PICS file
(:mod:`runtime.spec.pics`), so the compiler and ``chargespec pics check`` cannot disagree.
"""

from __future__ import annotations

from compiler.checks.common import did_you_mean, one_of
from compiler.diagnostics import Diagnostic, Pos
from compiler.ir import (
    PicsItem,
    SpecSet,
)
from runtime.spec.pics import PicsRule, rule_problems, value_problem

__all__ = ["check_pics"]

# What kind of configuration key each item type may set; a boolean may also add its name to a
# comma-separated list (the feature profiles to SupportedFeatureProfiles).
_KEY_KINDS = {
    "boolean": ("boolean", "csl"),
    "integer": ("integer",),
    "list": ("csl",),
    "enum": ("string",),
    "string": ("string",),
}


def _misfit(item: PicsItem, found: str, expected: str) -> Diagnostic:
    return Diagnostic(item.pos, "SPEC240", f"PICS item {item.name} {found}", expected)


def _attribute_misfits(item: PicsItem) -> list[Diagnostic]:
    found = []
    if item.spec.values and item.spec.kind not in ("enum", "list"):
        found.append(
            _misfit(item, f"of type {item.spec.kind} lists values", "values suit enum or list")
        )
    if not item.spec.values and item.spec.kind in ("enum", "list"):
        found.append(_misfit(item, f"of type {item.spec.kind} lists no values", "a values list"))
    bounds = item.spec.minimum is not None or item.spec.maximum is not None
    if item.spec.kind != "integer" and (bounds or item.spec.unit):
        found.append(
            _misfit(
                item, f"of type {item.spec.kind} has a minimum, maximum or unit", "only integers do"
            )
        )
    if (
        item.spec.minimum is not None
        and item.spec.maximum is not None
        and item.spec.minimum > item.spec.maximum
    ):
        found.append(
            _misfit(
                item,
                f"has minimum {item.spec.minimum} above maximum {item.spec.maximum}",
                "minimum <= maximum",
            )
        )
    return found


def _default_misfit(item: PicsItem) -> list[Diagnostic]:
    spec = item.spec
    if item.spec.kind == "boolean" and item.spec.default is None:
        return [_misfit(item, "of type boolean defaults to null", "default: true or false")]
    problem = value_problem(spec, item.spec.default)
    if problem is None:
        return []
    return [
        _misfit(item, f"default {item.spec.default!r}: {problem[1]}", "a default the item takes")
    ]


def _sets_misfit(spec: SpecSet, item: PicsItem) -> list[Diagnostic]:
    key = spec.config_key(item.spec.sets) if item.spec.sets else None
    if key is None:
        return []  # an unknown key is SPEC205 (checks/data.py)
    if key.spec.kind not in _KEY_KINDS[item.spec.kind]:
        return [
            _misfit(
                item,
                f"of type {item.spec.kind} sets the {key.spec.kind} configuration key {key.name}",
                f"a key of kind {' or '.join(_KEY_KINDS[item.spec.kind])}",
            )
        ]
    if (
        item.spec.kind == "boolean"
        and key.spec.kind == "csl"
        and key.spec.values
        and item.name not in key.spec.values
    ):
        return [
            _misfit(
                item,
                f"is not one of the values of {key.name}",
                one_of(key.spec.values),
            )
        ]
    return []


def _rule_misfits(spec: SpecSet, item: PicsItem, rule: PicsRule, pos: Pos) -> list[Diagnostic]:
    names = [p.name for p in spec.pics]
    found = []
    for name in rule.items:
        other = spec.pics_item(name)
        if other is None:
            found.append(
                Diagnostic(
                    pos,
                    "SPEC204",
                    f"rule {rule.kind} of PICS item {item.name} names unknown PICS item '{name}'",
                    one_of(names),
                    did_you_mean(name, names),
                )
            )
        elif name == item.name:
            found.append(
                Diagnostic(
                    pos,
                    "SPEC241",
                    f"rule {rule.kind} of PICS item {item.name} names the item itself",
                    "a rule relates the item to other items",
                )
            )
        elif rule.kind == "at_most" and (item.spec.kind, other.spec.kind) != ("integer", "integer"):
            found.append(
                Diagnostic(
                    pos,
                    "SPEC241",
                    f"rule at_most compares {item.spec.kind} {item.name} "
                    f"with {other.spec.kind} {name}",
                    "at_most relates two integer items",
                )
            )
    return found


def _default_rules(spec: SpecSet) -> list[Diagnostic]:
    """The defaults are the statement of a device that declares nothing; it must hold."""
    specs = [p.spec for p in spec.pics]
    defaults = {p.name: p.spec.default for p in spec.pics}
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
        section, document = item.spec.section, item.spec.document
        if item.section_index < 0:
            found.append(
                Diagnostic(
                    pos,
                    "SPEC242",
                    f"PICS item {item.name} is in section '{section}', which the form "
                    "(sections:) does not list",
                )
            )
            continue
        if document and not item.spec.document_title and section not in reported:
            reported.add(section)
            found.append(
                Diagnostic(
                    pos,
                    "SPEC242",
                    f"section '{section}' belongs to unknown document '{document}'",
                    "a document id of documents:",
                )
            )
        if item.section_index < latest:
            found.append(
                Diagnostic(
                    pos,
                    "SPEC242",
                    f"PICS item {item.name} of section '{section}' comes after items of a "
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
        for rule, pos in zip(item.spec.requires, item.rule_pos, strict=True):
            found += _rule_misfits(spec, item, rule, pos)
    found += _section_problems(spec)
    if not found:
        found += _default_rules(spec)
    return found
