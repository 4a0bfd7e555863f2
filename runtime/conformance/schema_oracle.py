"""The reference payload validator: JSON schemas, mapped to OCPP-J CALLERROR codes.

A received CALL whose payload breaks its action's schema must be answered with a CALLERROR
whose code says what kind of problem it is (OCPP-J 1.6 §4.2.3 table 7). This module turns
JSON-schema findings into one deterministic :class:`PayloadError` carrying that code and the
path of the offending field.

The official OCPP 1.6 schemas are JSON Schema draft-04 (see the OCPP-J 1.6 errata sheet), so
validation uses ``Draft4Validator``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import jsonschema

from runtime.ocppj.datetime import from_iso8601
from runtime.ocppj.errors import ErrorCode, PayloadError
from runtime.ocppj.exact import is_multiple
from runtime.ocppj.payload import Kind

__all__ = ["SchemaPayloadValidator", "validation_error_code"]


# JSON-schema keyword → OCPP-J 1.6 §4.2.3 table 7 code:
# - TypeConstraintViolation: a field has the wrong data type.
# - OccurenceConstraintViolation: a field or list element occurs too few or too many times.
# - PropertyConstraintViolation: the type is right but the value is not allowed.
# - FormationViolation: the payload does not have the PDU structure (unexpected field, and
#   anything structural not listed here).
_KEYWORD_CODES: Mapping[str, ErrorCode] = {
    "type": ErrorCode.TYPE_CONSTRAINT_VIOLATION,
    "required": ErrorCode.OCCURENCE_CONSTRAINT_VIOLATION,
    "minItems": ErrorCode.OCCURENCE_CONSTRAINT_VIOLATION,
    "maxItems": ErrorCode.OCCURENCE_CONSTRAINT_VIOLATION,
    "additionalProperties": ErrorCode.FORMATION_VIOLATION,
    "maxLength": ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
    "minLength": ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
    "enum": ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
    "minimum": ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
    "maximum": ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
    "multipleOf": ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
    "pattern": ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
    "format": ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
}

# Tie-break between errors at the same path: structural problems first, then type, then
# occurrence, then value; the first one found is the most useful one to report.
_CODE_PRIORITY: Mapping[ErrorCode, int] = {
    ErrorCode.FORMATION_VIOLATION: 0,
    ErrorCode.TYPE_CONSTRAINT_VIOLATION: 1,
    ErrorCode.OCCURENCE_CONSTRAINT_VIOLATION: 2,
    ErrorCode.PROPERTY_CONSTRAINT_VIOLATION: 3,
}

_MAX_MESSAGE_LENGTH = 200


def validation_error_code(keyword: str) -> ErrorCode:
    """Map a failed JSON-schema keyword to its OCPP-J 1.6 §4.2.3 CALLERROR code.

    ``type`` → TypeConstraintViolation; ``required``, ``minItems``, ``maxItems`` →
    OccurenceConstraintViolation; ``maxLength``, ``minLength``, ``enum``, ``minimum``,
    ``maximum``, ``multipleOf``, ``pattern``, ``format`` → PropertyConstraintViolation;
    ``additionalProperties`` and every other keyword → FormationViolation.

    Args:
        keyword: A JSON-schema validation keyword such as ``"maxLength"``.

    Returns:
        The CALLERROR code to answer with.
    """
    return _KEYWORD_CODES.get(keyword, ErrorCode.FORMATION_VIOLATION)


def _is_number(checker: object, instance: object) -> bool:
    # Decimal is what the frame codec produces for fractional numbers; bool is not a number.
    return isinstance(instance, int | float | Decimal) and not isinstance(instance, bool)


def _is_integer(checker: object, instance: object) -> bool:
    # Draft-04 semantics (int, never bool or float) plus integral Decimals such as 1E+3.
    if isinstance(instance, Decimal):
        return instance.is_finite() and instance == instance.to_integral_value()
    return isinstance(instance, int) and not isinstance(instance, bool)


def _multiple_of(validator: Any, divisor: Any, instance: Any, schema: Any) -> Iterator[Any]:
    # jsonschema divides with floats, which fails for Decimal and is inexact for the
    # one-decimal steps ("multipleOf": 0.1) of the charging-profile schemas. Fractions built
    # from the decimal text are exact.
    if not validator.is_type(instance, "number"):
        return
    if not is_multiple(instance, _exact(divisor)):
        yield jsonschema.ValidationError(f"{instance!r} is not a multiple of {divisor}")


def _exact(number: int | float | Decimal) -> Fraction:
    return Fraction(repr(number)) if isinstance(number, float) else Fraction(number)


def _is_date_time(instance: object) -> bool:
    # Formats only constrain strings; other types are the "type" keyword's business.
    if not isinstance(instance, str):
        return True
    try:
        from_iso8601(instance)
    except (ValueError, OverflowError):
        return False
    return True


def _make_format_checker() -> Any:
    # Only date-time is checked, and always, whatever optional jsonschema extras are
    # installed, so results do not depend on the environment.
    checker = jsonschema.FormatChecker(formats=())
    checker.checks("date-time")(_is_date_time)
    return checker


_OcppDraft4Validator: Any = jsonschema.validators.extend(
    jsonschema.Draft4Validator,
    validators={"multipleOf": _multiple_of},
    type_checker=jsonschema.Draft4Validator.TYPE_CHECKER.redefine_many(
        {"number": _is_number, "integer": _is_integer}
    ),
)


@dataclass(frozen=True, slots=True)
class _Finding:
    sort_key: tuple[tuple[int, int, str], ...]
    priority: int
    error: PayloadError


def _render_path(parts: tuple[str | int, ...]) -> str:
    rendered = ""
    for part in parts:
        if isinstance(part, int):
            rendered += f"[{part}]"
        else:
            rendered += f".{part}" if rendered else part
    return rendered


def _finding(parts: tuple[str | int, ...], keyword: str, message: str) -> _Finding:
    code = validation_error_code(keyword)
    key = tuple((0, p, "") if isinstance(p, int) else (1, 0, p) for p in parts)
    if len(message) > _MAX_MESSAGE_LENGTH:
        message = message[: _MAX_MESSAGE_LENGTH - 3] + "..."
    return _Finding(
        key, _CODE_PRIORITY.get(code, 9), PayloadError(code, _render_path(parts), message)
    )


def _unexpected_fields(error: Any) -> list[str]:
    schema = error.schema
    declared = schema.get("properties", {})
    patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
    return sorted(
        key
        for key in error.instance
        if key not in declared and not any(p.search(key) for p in patterns)
    )


def _findings(error: Any) -> Iterator[_Finding]:
    parts = tuple(error.absolute_path)
    keyword = str(error.validator)
    # For these two keywords jsonschema reports the enclosing object; name the field itself.
    if keyword == "required" and isinstance(error.instance, dict):
        for name in error.validator_value:
            if name not in error.instance:
                yield _finding((*parts, name), keyword, "required field is missing")
    elif keyword == "additionalProperties" and isinstance(error.instance, dict):
        for name in _unexpected_fields(error):
            yield _finding((*parts, name), keyword, "field is not allowed here")
    else:
        yield _finding(parts, keyword, str(error.message))


class SchemaPayloadValidator:
    """A :class:`PayloadValidator` backed by JSON schemas (draft-04).

    When a payload has several problems, the one reported is chosen deterministically: the
    smallest field path first (a parent before its children, list indexes in numeric order),
    then FormationViolation, TypeConstraintViolation, OccurenceConstraintViolation,
    PropertyConstraintViolation, in that order.

    Args:
        schemas: Schemas keyed by ``(action, "req")`` and ``(action, "conf")``.

    Raises:
        jsonschema.SchemaError: If a schema is not a valid draft-04 schema.
    """

    def __init__(self, schemas: Mapping[tuple[str, str], Mapping[str, Any]]) -> None:
        format_checker = _make_format_checker()
        self._validators: dict[tuple[str, str], Any] = {}
        for key, schema in schemas.items():
            _OcppDraft4Validator.check_schema(schema)
            self._validators[key] = _OcppDraft4Validator(schema, format_checker=format_checker)
        self._actions = frozenset(action for action, _ in schemas)

    def actions(self) -> frozenset[str]:
        """Return the actions that have at least one schema."""
        return self._actions

    def validate(self, action: str, kind: Kind, payload: object) -> tuple[str, ...]:
        """Validate ``payload`` against the schema of ``(action, kind)``; no leniencies.

        Args:
            action: The OCPP action, e.g. ``"BootNotification"``.
            kind: ``"req"`` for a CALL payload, ``"conf"`` for a CALLRESULT payload.
            payload: The decoded payload.

        Raises:
            PayloadError: If the payload is invalid; a payload that is not a JSON object is a
                FormationViolation (OCPP-J 1.6 §4.2.1: the payload is a JSON object).
            KeyError: If there is no schema for ``(action, kind)``.
        """
        validator = self._validators[(action, kind)]
        if not isinstance(payload, dict):
            raise PayloadError(ErrorCode.FORMATION_VIOLATION, "", "payload is not a JSON object")
        findings = [f for error in validator.iter_errors(payload) for f in _findings(error)]
        if findings:
            first = min(findings, key=lambda f: (f.sort_key, f.priority, f.error.message))
            raise first.error
        return ()
