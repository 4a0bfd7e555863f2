"""Compiled payload validation: the support code the generated check functions call.

The compiler turns every payload definition into a plain Python function (``generated/<spec>/
validators.py``) that walks a decoded payload and returns the first problem as a
:class:`~runtime.ocppj.errors.PayloadError`, or ``None``. No schema is interpreted at run time.

The first problem is chosen exactly as the reference validator
(:class:`~runtime.conformance.schema_oracle.SchemaPayloadValidator`) chooses it, so the two
can be compared payload by payload: the smallest field path first (fields in name order, list
items in index order, a parent before its children), and at one path the
structural problem before the type, the occurrence and the value. The generated code gets
that order for free by checking an object's fields in name order and a value's type before
its value.

CALLERROR codes follow OCPP-J 1.6 §4.2.3 table 7: wrong JSON type → TypeConstraintViolation;
missing required field or wrong number of list items → OccurenceConstraintViolation; value
too long, outside the enumeration, out of range, not a multiple, bad date-time →
PropertyConstraintViolation; a field the payload must not have → FormationViolation.

Leniencies: a spec may declare named, per-field relaxations for non-compliant peers (for
example a firmware version longer than 50 characters). They are off unless the validator is
created with their names; a payload accepted only thanks to one reports the names it used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from runtime.ocppj.datetime import from_iso8601
from runtime.ocppj.errors import ErrorCode, PayloadError
from runtime.ocppj.exact import is_multiple
from runtime.ocppj.payload import Kind

__all__ = [
    "MISSING",
    "CheckFn",
    "CompiledPayloadValidator",
    "Leniency",
    "Relax",
    "bad_datetime",
    "is_datetime",
    "is_integer",
    "is_multiple",
    "is_naive_datetime",
    "is_number",
    "join",
    "missing",
    "not_in_enum",
    "not_multiple",
    "out_of_range",
    "payload_not_object",
    "too_few_items",
    "too_long",
    "too_many_items",
    "type_error",
    "unexpected",
]

MISSING: Final = object()
"""Marker for an absent field (``None`` is a present JSON null)."""

_MAX_SHOWN: Final = 40


@dataclass(frozen=True, slots=True)
class Leniency:
    """A declared relaxation of one field's rule.

    Attributes:
        name: The name users switch it on with, e.g. ``long_firmware_version``.
        where: The field it applies to, ``BootNotification.request.firmwareVersion`` or
            ``SampledValue.unit`` for every use of a datatype.
        rule: What it allows, in words, e.g. ``max_length 50 -> 255``.
        description: Why a peer may need it.
    """

    name: str
    where: str
    rule: str
    description: str


class Relax:
    """The leniencies switched on for one validation, and those it had to use."""

    __slots__ = ("enabled", "used")

    def __init__(self, enabled: frozenset[str]) -> None:
        self.enabled = enabled
        self.used: list[str] = []


CheckFn = Callable[[object, Relax], "PayloadError | None"]
"""A generated payload check: the payload and the leniency state in, the first problem out."""


class CompiledPayloadValidator:
    """A :class:`~runtime.ocppj.payload.PayloadValidator` made of generated check functions.

    Args:
        checks: One function per ``(action, "req")`` and ``(action, "conf")``.
        leniencies: Every leniency the spec declares, by name.
        lenient: The names to switch on.

    Raises:
        ValueError: If ``lenient`` names a leniency the spec does not declare.
    """

    def __init__(
        self,
        checks: Mapping[tuple[str, str], CheckFn],
        leniencies: Mapping[str, Leniency],
        lenient: Iterable[str] = (),
    ) -> None:
        enabled = frozenset(lenient)
        unknown = sorted(enabled - leniencies.keys())
        if unknown:
            known = ", ".join(sorted(leniencies)) or "none"
            raise ValueError(f"unknown leniency {', '.join(unknown)}; declared: {known}")
        self._checks = dict(checks)
        self._enabled = enabled
        self._actions = frozenset(action for action, _ in checks)
        self.leniencies = dict(leniencies)

    @property
    def enabled(self) -> frozenset[str]:
        """The leniencies switched on."""
        return self._enabled

    def actions(self) -> frozenset[str]:
        """Return the actions that have at least one check."""
        return self._actions

    def validate(self, action: str, kind: Kind, payload: object) -> tuple[str, ...]:
        """Check one payload.

        Returns:
            The leniencies the payload needed, in first-use order; empty if it is strictly
            valid.

        Raises:
            PayloadError: If the payload is invalid (even with the leniencies switched on).
            KeyError: If there is no check for ``(action, kind)``.
        """
        check = self._checks[(action, kind)]
        relax = Relax(self._enabled)
        error = check(payload, relax)
        if error is not None:
            raise error
        return tuple(dict.fromkeys(relax.used)) if relax.used else ()


# --- predicates -----------------------------------------------------------------------------


def is_integer(value: object) -> bool:
    """JSON integer: an int (never a bool) or an integral Decimal such as ``1E+3``."""
    if isinstance(value, int):
        return not isinstance(value, bool)
    if isinstance(value, Decimal):
        return value.is_finite() and value == value.to_integral_value()
    return False


def is_number(value: object) -> bool:
    """JSON number: int, float or Decimal, never a bool."""
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def is_datetime(value: str) -> bool:
    """RFC 3339 §5.6 date-time with a mandatory offset (OCPP 1.6 §3.15, errata E3.10)."""
    try:
        from_iso8601(value)
    except (ValueError, OverflowError):
        return False
    return True


def is_naive_datetime(value: str) -> bool:
    """A date-time that is valid except that it has no offset (read as UTC when lenient)."""
    return is_datetime(value + "Z")


# --- errors ---------------------------------------------------------------------------------


def join(path: str, name: str) -> str:
    """The path of field ``name`` inside the object at ``path`` (``""`` is the payload)."""
    return f"{path}.{name}" if path else name


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


_JSON_TYPES: Final = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "boolean",
    type(None): "null",
}


def _json_type(value: object) -> str:
    for python, name in _JSON_TYPES.items():
        if isinstance(value, python):
            return name
    return "number" if is_number(value) else type(value).__name__


def payload_not_object(value: object) -> PayloadError:
    # OCPP-J 1.6 §4.2.1: the payload element is a JSON object; anything else is no PDU.
    return PayloadError(
        ErrorCode.FORMATION_VIOLATION, "", f"payload is not a JSON object: {_json_type(value)}"
    )


def type_error(path: str, expected: str, value: object) -> PayloadError:
    return PayloadError(
        ErrorCode.TYPE_CONSTRAINT_VIOLATION,
        path,
        f"expected {expected}, got {_json_type(value)} {_shown(value)}",
    )


def missing(path: str, name: str) -> PayloadError:
    return PayloadError(
        ErrorCode.OCCURENCE_CONSTRAINT_VIOLATION, join(path, name), "required field is missing"
    )


def unexpected(path: str, name: str) -> PayloadError:
    return PayloadError(ErrorCode.FORMATION_VIOLATION, join(path, name), "field is not allowed")


def _property(path: str, text: str) -> PayloadError:
    return PayloadError(ErrorCode.PROPERTY_CONSTRAINT_VIOLATION, path, text)


def too_long(path: str, limit: int, value: str) -> PayloadError:
    return _property(path, f"{len(value)} characters, at most {limit} allowed")


def not_in_enum(path: str, enum: str, value: str) -> PayloadError:
    return _property(path, f"{_shown(value)} is not a {enum} value")


def out_of_range(path: str, bound: str, value: object) -> PayloadError:
    return _property(path, f"{_shown(value)} is not {bound}")


def not_multiple(path: str, step: str, value: object) -> PayloadError:
    return _property(path, f"{_shown(value)} is not a multiple of {step}")


def bad_datetime(path: str, value: str) -> PayloadError:
    return _property(path, f"{_shown(value)} is not an RFC 3339 date-time with an offset")


def too_few_items(path: str, limit: int, count: int) -> PayloadError:
    return PayloadError(
        ErrorCode.OCCURENCE_CONSTRAINT_VIOLATION, path, f"{count} items, at least {limit} needed"
    )


def too_many_items(path: str, limit: int, count: int) -> PayloadError:
    return PayloadError(
        ErrorCode.OCCURENCE_CONSTRAINT_VIOLATION, path, f"{count} items, at most {limit} allowed"
    )
