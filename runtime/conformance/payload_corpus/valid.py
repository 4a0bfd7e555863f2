"""Valid values for the payload corpus: boundary values, random values, and pins.

:func:`pinned_value` makes a value valid for a subschema except at the paths where *pins*
force a value (good or bad); everything around the pins is random valid data. Boundary values
(:func:`good_values`: each enum value, empty strings, strings of exactly ``maxLength``, 0,
large integers, date-times) are what the valid side of the corpus pins.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Final

from runtime.conformance.payload_corpus.date_times import VALID_DATE_TIMES, random_date_time
from runtime.conformance.payload_corpus.schema import MAX_DEPTH, Schema, SchemaPath, schema_type

__all__ = [
    "Pins",
    "bounds",
    "good_values",
    "in_range",
    "pinned_value",
    "random_json",
    "random_text",
]

Pins = Mapping[SchemaPath, object]

_DEFAULT_MAX_STRING: Final = 40
_DEFAULT_INT_RANGE: Final = (-1_000_000, 1_000_000_000)
_ALPHABET: Final = "abcxyzABCXYZ0189 _-.:/#éß中\U0001f50c"


def bounds(schema: Schema, step: int | float) -> tuple[float | None, float | None]:
    """Inclusive numeric bounds; exclusive draft-04 bounds are moved inwards by ``step``."""
    low = schema.get("minimum")
    high = schema.get("maximum")
    if low is not None and schema.get("exclusiveMinimum") is True:
        low += step
    if high is not None and schema.get("exclusiveMaximum") is True:
        high -= step
    return low, high


def in_range(value: int | float, schema: Schema) -> bool:
    low, high = bounds(schema, 0)
    strict_low = schema.get("exclusiveMinimum") is True
    strict_high = schema.get("exclusiveMaximum") is True
    if low is not None and (value < low or (strict_low and value == low)):
        return False
    if high is not None and (value > high or (strict_high and value == high)):
        return False
    multiple = schema.get("multipleOf")
    if multiple is None:
        return True
    quotient = Decimal(repr(value)) / Decimal(repr(multiple))
    return quotient == quotient.to_integral_value()


def _integer_boundaries(schema: Schema) -> list[object]:
    low, high = bounds(schema, 1)
    candidates: list[int] = [0, 1, -1, 42, 2**31 - 1, 2**31, -(2**31), 2**53, 10**20]
    for bound in (low, high):
        if bound is not None:
            candidates += [int(bound), int(bound) + 1, int(bound) - 1]
    return [c for c in candidates if in_range(c, schema)]


def _number_boundaries(schema: Schema) -> list[int | float]:
    multiple = schema.get("multipleOf")
    candidates: list[int | float] = [0, 1, 0.5, -1.25, 21.4, 1e10, 3.0, 1e-7, 2**53]
    if multiple is not None:
        candidates += [float(Decimal(repr(multiple)) * k) for k in (0, 1, 7, 214, -3)]
    low, high = bounds(schema, 0)
    candidates += [b for b in (low, high) if b is not None]
    return [c for c in candidates if in_range(c, schema)]


def _string_boundaries(schema: Schema) -> list[object]:
    if schema.get("format") == "date-time":
        return list(VALID_DATE_TIMES)
    low = int(schema.get("minLength", 0))
    high = int(schema.get("maxLength", _DEFAULT_MAX_STRING))
    candidates = ["", "a", "Vendor X", "  spaced  ", "é中\U0001f50c"]
    for length in (low, low + 1, high - 1, high):
        candidates += ["x" * length, ("中\U0001f50c" * length)[:length]]
    return [c for c in candidates if low <= len(c) <= high]


def good_values(schema: Schema) -> list[object]:
    """Deterministic boundary values of a leaf schema (none for objects and arrays)."""
    if "enum" in schema:
        return list(schema["enum"])
    producers: dict[str, Callable[[Schema], list[object]]] = {
        "string": _string_boundaries,
        "integer": _integer_boundaries,
        "number": lambda s: list(_number_boundaries(s)),
        "boolean": lambda _: [True, False],
        "null": lambda _: [None],
    }
    producer = producers.get(schema_type(schema) or "")
    return producer(schema) if producer is not None else []


def random_text(rng: random.Random, length: int) -> str:
    """``length`` random characters, non-ASCII ones among them."""
    return "".join(rng.choice(_ALPHABET) for _ in range(length))


def _random_string(schema: Schema, rng: random.Random) -> str:
    if schema.get("format") == "date-time":
        return random_date_time(rng)
    low = int(schema.get("minLength", 0))
    high = int(schema.get("maxLength", _DEFAULT_MAX_STRING))
    return random_text(rng, rng.randint(low, max(low, high)))


def _random_integer(schema: Schema, rng: random.Random) -> int:
    low, high = bounds(schema, 1)
    first = int(low) if low is not None else _DEFAULT_INT_RANGE[0]
    last = int(high) if high is not None else max(first, _DEFAULT_INT_RANGE[1])
    return rng.randint(first, max(first, last))


def _random_number(schema: Schema, rng: random.Random) -> int | float:
    multiple = schema.get("multipleOf")
    if multiple is not None:
        value: int | float = float(Decimal(repr(multiple)) * rng.randint(0, 10_000))
    else:
        value = round(rng.uniform(-1000.0, 1000.0), rng.randint(0, 6))
    if in_range(value, schema):
        return value
    fallback = _number_boundaries(schema)
    return rng.choice(fallback) if fallback else value


def random_json(rng: random.Random, depth: int = 0) -> object:
    """A random JSON value of any type (used for unknown fields)."""
    kind = rng.randrange(7 if depth < 2 else 5)
    scalars: tuple[object, ...] = (
        random_text(rng, rng.randint(0, 8)),
        rng.randint(-(2**40), 2**40),
        round(rng.uniform(-100.0, 100.0), 3),
        rng.choice((True, False)),
        None,
    )
    if kind < len(scalars):
        return scalars[kind]
    if kind == len(scalars):
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {random_text(rng, 3): random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))}


def _random_leaf(schema: Schema, rng: random.Random) -> object:
    boundaries = good_values(schema)
    if boundaries and rng.random() < 0.3:
        return rng.choice(boundaries)
    if "enum" in schema:
        return rng.choice(list(schema["enum"]))
    producers: dict[str, Callable[[Schema, random.Random], object]] = {
        "string": _random_string,
        "integer": _random_integer,
        "number": _random_number,
        "boolean": lambda _, r: r.choice((True, False)),
        "null": lambda _, __: None,
    }
    producer = producers.get(schema_type(schema) or "")
    return producer(schema, rng) if producer is not None else random_json(rng)


def _sub_pins(pins: Pins, head: str) -> dict[SchemaPath, object]:
    return {path[1:]: value for path, value in pins.items() if path and path[0] == head}


def _object_value(
    schema: Schema, rng: random.Random, depth: int, pins: Pins, fill: float
) -> dict[str, object]:
    properties: Mapping[str, Schema] = schema.get("properties", {})
    required = set(schema.get("required", ()))
    result: dict[str, object] = {}
    for name, sub in properties.items():
        pinned = _sub_pins(pins, name)
        if name in required or pinned or rng.random() < fill:
            result[name] = pinned_value(sub, rng, depth + 1, pinned, fill)
    for name in schema.get("required", ()):
        if name not in result:
            result[name] = random_json(rng)
    return result


def _array_value(
    schema: Schema, rng: random.Random, depth: int, pins: Pins, fill: float
) -> list[object]:
    items: Schema = schema.get("items", {}) if isinstance(schema.get("items"), Mapping) else {}
    item_pins = _sub_pins(pins, "[]")
    low = int(schema.get("minItems", 0))
    if item_pins:
        low = max(low, 1)
    high = min(int(schema.get("maxItems", low + 3)), low + 3)
    length = rng.randint(low, max(low, high))
    return [
        pinned_value(items, rng, depth + 1, item_pins if index == 0 else {}, fill)
        for index in range(length)
    ]


def pinned_value(schema: Schema, rng: random.Random, depth: int, pins: Pins, fill: float) -> object:
    """A value valid for ``schema`` except where ``pins`` force a value.

    Args:
        schema: The subschema to satisfy.
        rng: Source of randomness.
        depth: Current nesting depth (bounded by ``MAX_DEPTH``).
        pins: Values to place at paths relative to this value; ``()`` replaces it.
        fill: Probability of including each optional property.
    """
    if () in pins:
        return copy.deepcopy(pins[()])
    if depth > MAX_DEPTH:
        return None
    type_name = schema_type(schema)
    if type_name == "object":
        return _object_value(schema, rng, depth, pins, fill)
    if type_name == "array":
        return _array_value(schema, rng, depth, pins, fill)
    return _random_leaf(schema, rng)
