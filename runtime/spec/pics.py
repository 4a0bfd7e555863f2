"""PICS values of a device: what it declares it supports (the PICS form, as data).

An item is *claimed* when a boolean is true or a value is declared (not None, not an empty
string or list). Consistency rules (pics.yaml ``requires``) are checked only for claimed items:
``SmartCharging: true`` needs its four limits declared, an undeclared limit needs nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from runtime.errors import ChargespecError

__all__ = [
    "PicsError",
    "PicsItemSpec",
    "PicsRule",
    "PicsValues",
    "allowed_text",
    "claimed",
    "implemented_pics",
    "profile_items",
    "rule_problems",
    "unimplemented_profiles",
    "value_problem",
]

PROFILES_KEY = "SupportedFeatureProfiles"
"""The key the feature-profile items set (OCPP 1.6 §9.1.29): how a profile item is told."""


@dataclass(frozen=True, slots=True)
class PicsRule:
    """A consistency rule: ``all_of`` / ``any_of`` / ``none_of`` the named items must be
    claimed, or (``at_most``) this item's value may not exceed the named item's."""

    kind: str
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PicsItemSpec:
    """A PICS item as declared in pics.yaml.

    Attributes:
        kind: boolean, integer, string, enum or list (a subset of ``values``).
        default: the value when a device does not declare it (None: not declared).
        label: the item's text on the form.
        section, section_title: the form section and its heading; ``group`` a sub-heading.
        document, document_title: the PICS document (ocpp16, security, performance).
        mandatory: every device must claim it.
        requires: consistency rules checked when the item is claimed.
    """

    name: str
    section: str
    kind: str
    default: Any
    values: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    sets: str | None = None
    description: str = ""
    label: str = ""
    unit: str = ""
    group: str = ""
    mandatory: bool = False
    requires: tuple[PicsRule, ...] = ()
    section_title: str = ""
    document: str = ""
    document_title: str = ""

    def allowed(self) -> str:
        """The values the item takes, in words."""
        return allowed_text(self)


class PicsError(ChargespecError, ValueError):
    """An unknown PICS item or a value the item does not allow; names both."""


def claimed(value: Any) -> bool:
    """Whether a value claims its item: true, or declared (not None, '', [] or ())."""
    if isinstance(value, bool):
        return value
    return value is not None and value != "" and value != [] and value != ()


def _range_text(spec: PicsItemSpec) -> str:
    unit = f" {spec.unit}" if spec.unit else ""
    if spec.minimum is not None and spec.maximum is not None:
        return f"an integer from {spec.minimum} to {spec.maximum}{unit}"
    if spec.minimum is not None:
        return f"an integer of at least {spec.minimum}{unit}"
    if spec.maximum is not None:
        return f"an integer of at most {spec.maximum}{unit}"
    return f"an integer{unit}"


def allowed_text(spec: PicsItemSpec) -> str:
    """``true or false``, ``an integer from 1 to 64 connectors``, ``one of: a, b`` …"""
    if spec.kind == "boolean":
        text = "true or false"
    elif spec.kind == "integer":
        text = _range_text(spec)
    elif spec.kind == "enum":
        text = "one of: " + ", ".join(spec.values)
    elif spec.kind == "list":
        text = "a list of: " + ", ".join(spec.values)
    else:
        text = "a string"
    return text + (" (or null: not declared)" if spec.default is None else "")


def _list_problem(spec: PicsItemSpec, value: Any) -> tuple[str, str] | None:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        return "wrong_type", f"takes {allowed_text(spec)}, not {value!r}"
    unknown = [v for v in value if v not in spec.values]
    if unknown:
        return "not_allowed", f"does not allow {unknown[0]!r}; {allowed_text(spec)}"
    if len(set(value)) != len(value):
        return "not_allowed", f"lists a value twice in {list(value)!r}"
    return None


def value_problem(spec: PicsItemSpec, value: Any) -> tuple[str, str] | None:
    """What is wrong with ``value`` for this item, or None.

    Returns:
        ``("wrong_type" | "not_allowed", message)``; the message follows the item's name.
    """
    if value is None and spec.default is None:
        return None
    if spec.kind == "boolean":
        if not isinstance(value, bool):
            return "wrong_type", f"takes true or false, not {value!r}"
    elif spec.kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            return "wrong_type", f"takes {allowed_text(spec)}, not {value!r}"
        low, high = spec.minimum, spec.maximum
        if (low is not None and value < low) or (high is not None and value > high):
            return "not_allowed", f"must be {_range_text(spec)}, not {value}"
    elif spec.kind == "list":
        return _list_problem(spec, value)
    elif not isinstance(value, str):
        return "wrong_type", f"takes {allowed_text(spec)}, not {value!r}"
    elif spec.kind == "enum" and value not in spec.values:
        return "not_allowed", f"must be one of: {', '.join(spec.values)}, not {value!r}"
    return None


def _rule_problem(
    item: PicsItemSpec, rule: PicsRule, values: Mapping[str, Any]
) -> tuple[str, str] | None:
    """(item to blame, message) when ``rule`` of the claimed ``item`` does not hold."""
    held = [n for n in rule.items if claimed(values.get(n))]
    what = f"{item.name} is {'true' if values.get(item.name) is True else 'declared'}"
    if rule.kind == "all_of" and len(held) < len(rule.items):
        missing = [n for n in rule.items if n not in held]
        return item.name, f"{what}, so {' and '.join(missing)} must be declared too"
    if rule.kind == "any_of" and not held:
        return item.name, f"{what}, so at least one of {', '.join(rule.items)} must be true"
    if rule.kind == "none_of" and held:
        return item.name, f"{what}, so {' and '.join(held)} may not be"
    if rule.kind == "at_most" and held:
        other = rule.items[0]
        if values[item.name] > values[other]:
            return (
                item.name,
                f"{item.name} ({values[item.name]}) must not exceed {other} ({values[other]})",
            )
    return None


def rule_problems(
    specs: Sequence[PicsItemSpec], values: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """Every broken consistency rule, as (item to blame, message), in the form's order."""
    found = []
    for spec in specs:
        if spec.mandatory and not claimed(values.get(spec.name)):
            found.append((spec.name, f"{spec.name} is mandatory; it must be true"))
        if not claimed(values.get(spec.name)):
            continue
        for rule in spec.requires:
            problem = _rule_problem(spec, rule, values)
            if problem is not None:
                found.append(problem)
    return found


def _check(spec: PicsItemSpec, value: Any) -> Any:
    problem = value_problem(spec, value)
    if problem is not None:
        raise PicsError(f"PICS item {spec.name} {problem[1]}")
    if spec.kind == "list" and value is not None:
        return tuple(value)
    return value


class PicsValues:
    """A device's PICS: every item's value, defaults filled in."""

    def __init__(self, specs: Iterable[PicsItemSpec], values: Mapping[str, Any] | None = None):
        self.specs = {s.name: s for s in specs}
        self._values = {s.name: s.default for s in self.specs.values()}
        for name, value in (values or {}).items():
            if name not in self.specs:
                raise PicsError(
                    f"unknown PICS item {name!r}; expected one of: {', '.join(sorted(self.specs))}"
                )
            self._values[name] = _check(self.specs[name], value)

    def get(self, name: str) -> Any:
        if name not in self._values:
            raise PicsError(f"unknown PICS item {name!r}")
        return self._values[name]

    def get_bool(self, name: str) -> bool:
        return bool(self.get(name))

    def get_int(self, name: str) -> int:
        return int(self.get(name) or 0)

    def get_str(self, name: str) -> str:
        value = self.get(name)
        return "" if value is None else str(value)

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)


def profile_items(specs: Iterable[PicsItemSpec]) -> list[str]:
    """The names of the feature-profile items, in the form's order (OCPP 1.6 §3.3)."""
    return [s.name for s in specs if s.kind == "boolean" and s.sets == PROFILES_KEY]


def unimplemented_profiles(
    specs: Iterable[PicsItemSpec], values: Mapping[str, Any], implemented: Iterable[str]
) -> list[str]:
    """The profiles ``values`` declare that ``implemented`` does not hold, in form order."""
    have = frozenset(implemented)
    return [name for name in profile_items(specs) if values.get(name) is True and name not in have]


def implemented_pics(
    specs: Iterable[PicsItemSpec], values: Mapping[str, Any], implemented: Iterable[str]
) -> dict[str, Any]:
    """``values`` with every declared profile that is not implemented taken back (false).

    A Charge Point built from a spec set has only the profiles that have machines: it
    neither advertises another in SupportedFeatureProfiles (§9.1.29) nor has its keys
    (chapter 9), and answers its requests as a Charge Point without the profile does.
    """
    specs = list(specs)
    dropped = unimplemented_profiles(specs, values, implemented)
    return {**values, **dict.fromkeys(dropped, False)}
