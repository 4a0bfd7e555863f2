"""Invalid values for the payload corpus: what breaks a subschema on its own.

:func:`bad_values` gives, for one subschema, values of the wrong JSON type and values that
violate one constraint (over-long or too short string, value outside the enum, below
``minimum`` or above ``maximum``, not a ``multipleOf``, malformed date-time, object with a
required field dropped or an unknown field added, array of the wrong length). The invalid
side of the corpus pins them into otherwise valid payloads.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Final

from runtime.conformance.payload_corpus.date_times import INVALID_DATE_TIMES, random_date_time
from runtime.conformance.payload_corpus.schema import Schema, has_type, json_key, schema_type
from runtime.conformance.payload_corpus.valid import (
    bounds,
    in_range,
    pinned_value,
    random_json,
    random_text,
)

__all__ = ["bad_values"]

_TYPE_SAMPLES: Final[tuple[tuple[str, object], ...]] = (
    ("string", "text"),
    ("string", ""),
    ("string", "1"),
    ("integer", 0),
    ("integer", 7),
    ("number", 2.5),
    ("number", 1.0),
    ("boolean", True),
    ("boolean", False),
    ("null", None),
    ("array", []),
    ("array", ["text"]),
    ("object", {}),
    ("object", {"key": "value"}),
)
"""One or two values of each JSON type, used as wrong-type values for other types."""


def _wrong_types(schema: Schema) -> list[object]:
    type_name = schema_type(schema)
    if type_name is None:
        return []
    return [copy.deepcopy(v) for _, v in _TYPE_SAMPLES if not has_type(v, type_name)]


def _bad_enum_values(schema: Schema) -> list[object]:
    allowed = list(schema["enum"])
    first = next((v for v in allowed if isinstance(v, str) and v), None)
    if first is None:
        return []
    candidates = [
        "",
        "Unknown",
        first.lower(),
        first.upper(),
        f"{first} ",
        f" {first}",
        first[:-1],
        f"{first}X",
    ]
    return [c for c in candidates if c not in allowed]


def _bad_strings(schema: Schema, rng: random.Random) -> list[object]:
    values: list[object] = []
    if "enum" in schema:
        values += _bad_enum_values(schema)
    if schema.get("format") == "date-time":
        values += list(INVALID_DATE_TIMES)
        values.append(random_date_time(rng, offset=False))
    if "maxLength" in schema:
        limit = int(schema["maxLength"])
        values += ["x" * (limit + 1), "中" * (limit + 1), random_text(rng, limit + 10)]
    if int(schema.get("minLength", 0)) > 0:
        values.append("x" * (int(schema["minLength"]) - 1))
    return values


def _bad_numbers(schema: Schema, rng: random.Random) -> list[object]:
    step: int | float = 1 if schema_type(schema) == "integer" else 0.5
    low, high = bounds(schema, step)
    values: list[object] = []
    if low is not None:
        values += [low - step, low - rng.randint(2, 1_000_000)]
    if high is not None:
        values += [high + step, high + rng.randint(2, 1_000_000)]
    multiple = schema.get("multipleOf")
    if multiple is not None:
        values.append(float(Decimal(repr(multiple)) * Decimal("7.5")))
    breaking: list[object] = [
        v for v in values if isinstance(v, int | float) and not in_range(v, schema)
    ]
    allowed = list(schema.get("enum", ()))
    if allowed:
        breaking += [v + 1 for v in allowed if isinstance(v, int) and v + 1 not in allowed]
    return breaking


def _unknown_field_names(properties: Iterable[str], rng: random.Random) -> list[str]:
    names = list(properties)
    candidates = ["unknownField", "", "__proto__", "vendorExtension", f"x{rng.randrange(10**6)}"]
    if names:
        candidates += [names[0][0].swapcase() + names[0][1:], names[-1] + "s"]
    return [c for c in candidates if c not in names]


def _bad_objects(schema: Schema, rng: random.Random) -> list[object]:
    base = pinned_value(schema, rng, 0, {}, rng.random())
    if not isinstance(base, dict):
        return []
    values: list[object] = [[copy.deepcopy(base)], json_key(base)]
    for name in schema.get("required", ()):
        values.append({k: v for k, v in base.items() if k != name})
    if schema.get("additionalProperties", True) is False:
        properties = schema.get("properties", {})
        for name in _unknown_field_names(properties, rng):
            values.append({**copy.deepcopy(base), name: random_json(rng)})
    return values


def _bad_arrays(schema: Schema, rng: random.Random) -> list[object]:
    items: Schema = schema.get("items", {}) if isinstance(schema.get("items"), Mapping) else {}
    values: list[object] = []
    if int(schema.get("minItems", 0)) > 0:
        count = int(schema["minItems"]) - 1
        values.append([pinned_value(items, rng, 1, {}, rng.random()) for _ in range(count)])
    if "maxItems" in schema:
        count = int(schema["maxItems"]) + 1
        values.append([pinned_value(items, rng, 1, {}, rng.random()) for _ in range(count)])
    return values


def bad_values(schema: Schema, rng: random.Random) -> list[object]:
    """Values that break ``schema`` on their own: wrong type or a violated constraint."""
    constraint_breakers: dict[str, Callable[[Schema, random.Random], list[object]]] = {
        "object": _bad_objects,
        "array": _bad_arrays,
        "string": _bad_strings,
        "integer": _bad_numbers,
        "number": _bad_numbers,
    }
    breaker = constraint_breakers.get(schema_type(schema) or "")
    extra = breaker(schema, rng) if breaker is not None else []
    return _wrong_types(schema) + extra
