"""A deterministic payload corpus for a subset of JSON Schema draft-04.

The corpus feeds the interop test that compares our payload validator with the one of the
``ocpp`` package, and seeds the frame fuzzer (:mod:`runtime.conformance.fuzzing`). It is
written by hand (no hypothesis-jsonschema, no I/O, only ``random.Random``) so that every run
with the same seed yields the same payloads, and so that boundary values are always present
instead of being left to chance.

Supported keywords: ``type`` (object, array, string, integer, number, boolean, null),
``properties``, ``required``, ``additionalProperties``, ``items``, ``minItems``, ``maxItems``,
``enum``, ``maxLength``, ``minLength``, ``format: date-time``, ``minimum``, ``maximum``,
``exclusiveMinimum``, ``exclusiveMaximum`` and ``multipleOf``, plus local ``$ref`` pointers
(``#/definitions/...``), which are resolved against the root schema before anything else
(draft-04 §7: a ``$ref`` object stands for its target, its other keywords are ignored).
Other keywords are ignored.

Payloads are built by *pinning* chosen values at chosen paths and filling everything else with
random valid data. A path is a tuple of property names, with ``"[]"`` standing for "an item of
this array". Valid payloads pin boundary values (each enum value, empty strings, strings of
exactly ``maxLength``, 0, large integers, several date-time shapes); invalid payloads pin one
or two "bad" values (wrong type, over-long string, value outside the enum, below ``minimum``,
malformed date-time, object with a required field dropped or an unknown field added,
non-object payload). The labels are what the generator intends; callers that compare
validators should compare verdicts and not trust the labels.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, Final
from urllib.parse import unquote

__all__ = [
    "INVALID_DATE_TIMES",
    "VALID_DATE_TIMES",
    "SchemaPath",
    "corpus",
    "json_key",
    "resolve_refs",
    "schema_sites",
    "valid_space_size",
]

Schema = Mapping[str, Any]
SchemaPath = tuple[str, ...]
"""Property names from the payload root; ``"[]"`` means an item of the array at that point."""

Pins = Mapping[SchemaPath, object]

_MAX_DEPTH: Final = 8
"""Nesting bound for schemas and generated values (OCPP 1.6 nests at most 5 levels)."""

_MAX_ROUNDS: Final = 200
"""Bound on generation rounds; a round adds at least one candidate per site."""

_RANDOM_PER_ROUND: Final = 4
"""Fully random payloads added per round, besides the pinned ones."""

_DEFAULT_MAX_STRING: Final = 40
_DEFAULT_INT_RANGE: Final = (-1_000_000, 1_000_000_000)
_ALPHABET: Final = "abcxyzABCXYZ0189 _-.:/#éß中\U0001f50c"

VALID_DATE_TIMES: Final[tuple[str, ...]] = (
    "2013-02-01T20:53:32.486Z",
    "2013-02-01T20:53:32Z",
    "2013-02-01T21:53:32+01:00",
    "2013-02-01T15:53:32-05:00",
    "2013-02-01T20:53:32.1Z",
    "2013-02-01T20:53:32.123456789Z",
    "2013-02-01T20:53:32.486+00:00",
    "2013-02-01T20:53:32-00:00",
    "2013-02-02T10:53:32+14:00",
    "2013-02-01T08:53:32-12:00",
    "2013-02-01T20:23:32.5-05:30",
    "2013-02-01t20:53:32z",
    "2016-02-29T00:00:00Z",
    "1970-01-01T00:00:00Z",
    "2099-12-31T23:59:59.999Z",
)
"""RFC 3339 date-times: ``Z`` and numeric offsets, with and without fractions."""

INVALID_DATE_TIMES: Final[tuple[str, ...]] = (
    "2013-02-01T20:53:32",
    "2013-02-01T20:53:32.486",
    "2013-02-01",
    "20:53:32Z",
    "2013-02-01 20:53:32Z",
    "2013-02-01T20:53Z",
    "20130201T205332Z",
    "2013-02-01T20:53:32+0100",
    "2013-02-01T20:53:32+01",
    "2013-02-01T20:53:32.Z",
    "2013-02-01T20:53:32,486Z",
    "2013-02-01T20:53:32UTC",
    "2013-13-01T20:53:32Z",
    "2013-02-30T20:53:32Z",
    "2013-02-01T24:00:00Z",
    "2016-12-31T23:59:60Z",
    "2013-02-01T20:53:32Z ",
    " 2013-02-01T20:53:32Z",
    "1359751112",
    "",
    "yesterday",
    "not a date-time",
)
"""Strings that are not RFC 3339 date-times: no offset, date or time only, ISO 8601 forms
outside RFC 3339 (basic format, comma fraction, ``+hhmm``), impossible dates and garbage.
``23:59:60`` is a leap second, which RFC 3339 allows only at real leap seconds."""

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


def json_key(value: object) -> str:
    """Canonical JSON text of ``value``, used to deduplicate payloads."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _type(schema: Schema) -> str | None:
    declared = schema.get("type")
    if isinstance(declared, list):
        declared = declared[0] if declared else None
    if isinstance(declared, str):
        return declared
    if "properties" in schema or "required" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return None


def _has_type(value: object, type_name: str | None) -> bool:
    """Draft-04 type test: booleans are not numbers and 1.0 is not an integer."""
    if type_name is None:
        return True
    if isinstance(value, bool):
        return type_name == "boolean"
    checks: dict[str, Callable[[object], bool]] = {
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int),
        "number": lambda v: isinstance(v, int | float),
        "null": lambda v: v is None,
        "array": lambda v: isinstance(v, list),
        "object": lambda v: isinstance(v, dict),
    }
    check = checks.get(type_name)
    return check(value) if check is not None else True


# ---------------------------------------------------------------------------------------
# $ref resolution

_SUBSCHEMA_MAPS: Final = ("properties", "patternProperties")
"""Keywords whose value maps names to subschemas (draft-04 §5.4)."""

_SUBSCHEMA_KEYWORDS: Final = ("items", "additionalItems", "additionalProperties", "not")
"""Keywords whose value may be one subschema (draft-04 §5.3, §5.4, §5.5)."""

_SUBSCHEMA_LISTS: Final = ("items", "allOf", "anyOf", "oneOf")
"""Keywords whose value may be a list of subschemas (draft-04 §5.3, §5.5)."""


def _pointer_target(root: Schema, ref: str) -> object:
    """The value a local JSON pointer (RFC 6901, in URI fragment form) points at."""
    if not ref.startswith("#"):
        raise ValueError(f"only local $ref pointers are supported, got {ref!r}")
    node: object = root
    tokens = unquote(ref[1:]).split("/")[1:] if ref != "#" else []
    for token in tokens:
        key = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            raise ValueError(f"$ref {ref!r} does not resolve in the root schema")
    return node


def _resolve(node: object, root: Schema, expansions: int) -> object:
    """``node`` (a schema) with its ``$ref`` objects replaced, to ``_MAX_DEPTH`` expansions."""
    if not isinstance(node, Mapping):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str):
        if expansions >= _MAX_DEPTH:
            # A recursive definition: cut it off with the schema that accepts anything,
            # deeper than the generator ever goes.
            return {}
        return _resolve(_pointer_target(root, ref), root, expansions + 1)
    resolved: dict[str, Any] = dict(node)
    for keyword, value in node.items():
        if keyword in _SUBSCHEMA_MAPS and isinstance(value, Mapping):
            resolved[keyword] = {
                name: _resolve(sub, root, expansions) for name, sub in value.items()
            }
        elif keyword in _SUBSCHEMA_KEYWORDS and isinstance(value, Mapping):
            resolved[keyword] = _resolve(value, root, expansions)
        elif keyword in _SUBSCHEMA_LISTS and isinstance(value, list):
            resolved[keyword] = [_resolve(item, root, expansions) for item in value]
    return resolved


def resolve_refs(schema: Schema) -> dict[str, Any]:
    """A copy of ``schema`` in which every local ``$ref`` is replaced by its target.

    Pointers are resolved against ``schema`` itself (the root), e.g.
    ``{"$ref": "#/definitions/IdToken"}`` becomes the ``IdToken`` definition. Only schema
    positions are rewritten (``properties``, ``items``, ``allOf``, ...), so a property that
    happens to be named ``$ref`` is left alone. A recursive definition is expanded
    ``_MAX_DEPTH`` times and then replaced by ``{}``. A schema without ``$ref`` comes back
    equal to the input, in the same key order.

    Args:
        schema: A draft-04 schema, typically a whole OCPP payload schema.

    Returns:
        The resolved schema; ``definitions`` are kept as they were.

    Raises:
        ValueError: If a ``$ref`` is not a local pointer (``#...``) or does not resolve.
    """
    resolved = _resolve(schema, schema, 0)
    if not isinstance(resolved, dict):
        raise ValueError("the root schema is not a JSON object")
    return resolved


# ---------------------------------------------------------------------------------------
# Sites


def schema_sites(schema: Schema) -> list[tuple[SchemaPath, Schema]]:
    """All subschemas of ``schema`` with their paths, root first, in declaration order.

    ``$ref`` pointers are resolved first (see :func:`resolve_refs`).
    """
    return _sites(resolve_refs(schema))


def _sites(schema: Schema) -> list[tuple[SchemaPath, Schema]]:
    sites: list[tuple[SchemaPath, Schema]] = []
    pending: list[tuple[SchemaPath, Schema]] = [((), schema)]
    for _ in range(10_000):
        if not pending:
            break
        path, node = pending.pop(0)
        sites.append((path, node))
        if len(path) >= _MAX_DEPTH:
            continue
        for name, sub in node.get("properties", {}).items():
            pending.append(((*path, name), sub))
        items = node.get("items")
        if isinstance(items, Mapping):
            pending.append(((*path, "[]"), items))
    return sites


# ---------------------------------------------------------------------------------------
# Size of the valid space (so callers know when fewer than N valid payloads exist)


def valid_space_size(schema: Schema, cap: int) -> int:
    """Number of distinct valid instances of ``schema``, or ``cap`` if there are more.

    Strings, numbers and open objects count as unbounded. For example an object schema
    with no properties and ``additionalProperties: false`` has exactly one instance, ``{}``.
    ``$ref`` pointers are resolved first (see :func:`resolve_refs`).
    """
    return min(cap, _space(resolve_refs(schema), cap, 0))


def _space(schema: Schema, cap: int, depth: int) -> int:
    if depth > _MAX_DEPTH:
        return cap
    if "enum" in schema:
        return len(schema["enum"])
    type_name = _type(schema)
    if type_name == "boolean":
        return 2
    if type_name == "null":
        return 1
    if type_name == "object":
        return _object_space(schema, cap, depth)
    if type_name == "array":
        return _array_space(schema, cap, depth)
    if type_name == "integer" and "minimum" in schema and "maximum" in schema:
        return min(cap, max(0, int(schema["maximum"]) - int(schema["minimum"]) + 1))
    if type_name == "string" and schema.get("maxLength") == 0:
        return 1
    return cap


def _object_space(schema: Schema, cap: int, depth: int) -> int:
    if schema.get("additionalProperties", True) is not False:
        return cap
    required = set(schema.get("required", ()))
    total = 1
    for name, sub in schema.get("properties", {}).items():
        choices = _space(sub, cap, depth + 1)
        total = min(cap, total * (choices if name in required else choices + 1))
    return total


def _array_space(schema: Schema, cap: int, depth: int) -> int:
    if "maxItems" not in schema or not isinstance(schema.get("items"), Mapping):
        return cap
    per_item = _space(schema["items"], cap, depth + 1)
    total = 0
    for length in range(int(schema.get("minItems", 0)), int(schema["maxItems"]) + 1):
        total = min(cap, total + min(cap, per_item**length))
        if total >= cap:
            break
    return total


# ---------------------------------------------------------------------------------------
# Valid values


def _bounds(schema: Schema, step: int | float) -> tuple[float | None, float | None]:
    """Inclusive numeric bounds; exclusive draft-04 bounds are moved inwards by ``step``."""
    low = schema.get("minimum")
    high = schema.get("maximum")
    if low is not None and schema.get("exclusiveMinimum") is True:
        low += step
    if high is not None and schema.get("exclusiveMaximum") is True:
        high -= step
    return low, high


def _in_range(value: int | float, schema: Schema) -> bool:
    low, high = _bounds(schema, 0)
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
    low, high = _bounds(schema, 1)
    candidates: list[int] = [0, 1, -1, 42, 2**31 - 1, 2**31, -(2**31), 2**53, 10**20]
    for bound in (low, high):
        if bound is not None:
            candidates += [int(bound), int(bound) + 1, int(bound) - 1]
    return [c for c in candidates if _in_range(c, schema)]


def _number_boundaries(schema: Schema) -> list[int | float]:
    multiple = schema.get("multipleOf")
    candidates: list[int | float] = [0, 1, 0.5, -1.25, 21.4, 1e10, 3.0, 1e-7, 2**53]
    if multiple is not None:
        candidates += [float(Decimal(repr(multiple)) * k) for k in (0, 1, 7, 214, -3)]
    low, high = _bounds(schema, 0)
    candidates += [b for b in (low, high) if b is not None]
    return [c for c in candidates if _in_range(c, schema)]


def _string_boundaries(schema: Schema) -> list[object]:
    if schema.get("format") == "date-time":
        return list(VALID_DATE_TIMES)
    low = int(schema.get("minLength", 0))
    high = int(schema.get("maxLength", _DEFAULT_MAX_STRING))
    candidates = ["", "a", "Vendor X", "  spaced  ", "é中\U0001f50c"]
    for length in (low, low + 1, high - 1, high):
        candidates += ["x" * length, ("中\U0001f50c" * length)[:length]]
    return [c for c in candidates if low <= len(c) <= high]


def _good_values(schema: Schema) -> list[object]:
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
    producer = producers.get(_type(schema) or "")
    return producer(schema) if producer is not None else []


def _random_date_time(rng: random.Random, *, offset: bool = True) -> str:
    date = f"{rng.randint(1970, 2099):04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    clock = f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
    fraction = rng.choice(("", "", f".{rng.randrange(10 ** rng.randint(1, 9))}"))
    east = f"+{rng.randint(0, 14):02d}:{rng.choice((0, 30, 45)):02d}"
    west = f"-{rng.randint(0, 12):02d}:{rng.choice((0, 30)):02d}"
    zone = rng.choice(("Z", "Z", "z", east, west))
    return f"{date}{rng.choice('TTTt')}{clock}{fraction}{zone if offset else ''}"


def _random_text(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(_ALPHABET) for _ in range(length))


def _random_string(schema: Schema, rng: random.Random) -> str:
    if schema.get("format") == "date-time":
        return _random_date_time(rng)
    low = int(schema.get("minLength", 0))
    high = int(schema.get("maxLength", _DEFAULT_MAX_STRING))
    return _random_text(rng, rng.randint(low, max(low, high)))


def _random_integer(schema: Schema, rng: random.Random) -> int:
    low, high = _bounds(schema, 1)
    first = int(low) if low is not None else _DEFAULT_INT_RANGE[0]
    last = int(high) if high is not None else max(first, _DEFAULT_INT_RANGE[1])
    return rng.randint(first, max(first, last))


def _random_number(schema: Schema, rng: random.Random) -> int | float:
    multiple = schema.get("multipleOf")
    if multiple is not None:
        value: int | float = float(Decimal(repr(multiple)) * rng.randint(0, 10_000))
    else:
        value = round(rng.uniform(-1000.0, 1000.0), rng.randint(0, 6))
    if _in_range(value, schema):
        return value
    fallback = _number_boundaries(schema)
    return rng.choice(fallback) if fallback else value


def _random_json(rng: random.Random, depth: int = 0) -> object:
    """A random JSON value of any type (used for unknown fields)."""
    kind = rng.randrange(7 if depth < 2 else 5)
    scalars: tuple[object, ...] = (
        _random_text(rng, rng.randint(0, 8)),
        rng.randint(-(2**40), 2**40),
        round(rng.uniform(-100.0, 100.0), 3),
        rng.choice((True, False)),
        None,
    )
    if kind < len(scalars):
        return scalars[kind]
    if kind == len(scalars):
        return [_random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {_random_text(rng, 3): _random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))}


def _random_leaf(schema: Schema, rng: random.Random) -> object:
    boundaries = _good_values(schema)
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
    producer = producers.get(_type(schema) or "")
    return producer(schema, rng) if producer is not None else _random_json(rng)


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
            result[name] = _value(sub, rng, depth + 1, pinned, fill)
    for name in schema.get("required", ()):
        if name not in result:
            result[name] = _random_json(rng)
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
        _value(items, rng, depth + 1, item_pins if index == 0 else {}, fill)
        for index in range(length)
    ]


def _value(schema: Schema, rng: random.Random, depth: int, pins: Pins, fill: float) -> object:
    """A value valid for ``schema`` except where ``pins`` force a value.

    Args:
        schema: The subschema to satisfy.
        rng: Source of randomness.
        depth: Current nesting depth (bounded by ``_MAX_DEPTH``).
        pins: Values to place at paths relative to this value; ``()`` replaces it.
        fill: Probability of including each optional property.
    """
    if () in pins:
        return copy.deepcopy(pins[()])
    if depth > _MAX_DEPTH:
        return None
    type_name = _type(schema)
    if type_name == "object":
        return _object_value(schema, rng, depth, pins, fill)
    if type_name == "array":
        return _array_value(schema, rng, depth, pins, fill)
    return _random_leaf(schema, rng)


# ---------------------------------------------------------------------------------------
# Invalid values


def _wrong_types(schema: Schema) -> list[object]:
    type_name = _type(schema)
    if type_name is None:
        return []
    return [copy.deepcopy(v) for _, v in _TYPE_SAMPLES if not _has_type(v, type_name)]


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
        values.append(_random_date_time(rng, offset=False))
    if "maxLength" in schema:
        limit = int(schema["maxLength"])
        values += ["x" * (limit + 1), "中" * (limit + 1), _random_text(rng, limit + 10)]
    if int(schema.get("minLength", 0)) > 0:
        values.append("x" * (int(schema["minLength"]) - 1))
    return values


def _bad_numbers(schema: Schema, rng: random.Random) -> list[object]:
    step: int | float = 1 if _type(schema) == "integer" else 0.5
    low, high = _bounds(schema, step)
    values: list[object] = []
    if low is not None:
        values += [low - step, low - rng.randint(2, 1_000_000)]
    if high is not None:
        values += [high + step, high + rng.randint(2, 1_000_000)]
    multiple = schema.get("multipleOf")
    if multiple is not None:
        values.append(float(Decimal(repr(multiple)) * Decimal("7.5")))
    breaking: list[object] = [
        v for v in values if isinstance(v, int | float) and not _in_range(v, schema)
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
    base = _value(schema, rng, 0, {}, rng.random())
    if not isinstance(base, dict):
        return []
    values: list[object] = [[copy.deepcopy(base)], json_key(base)]
    for name in schema.get("required", ()):
        values.append({k: v for k, v in base.items() if k != name})
    if schema.get("additionalProperties", True) is False:
        properties = schema.get("properties", {})
        for name in _unknown_field_names(properties, rng):
            values.append({**copy.deepcopy(base), name: _random_json(rng)})
    return values


def _bad_arrays(schema: Schema, rng: random.Random) -> list[object]:
    items: Schema = schema.get("items", {}) if isinstance(schema.get("items"), Mapping) else {}
    values: list[object] = []
    if int(schema.get("minItems", 0)) > 0:
        count = int(schema["minItems"]) - 1
        values.append([_value(items, rng, 1, {}, rng.random()) for _ in range(count)])
    if "maxItems" in schema:
        count = int(schema["maxItems"]) + 1
        values.append([_value(items, rng, 1, {}, rng.random()) for _ in range(count)])
    return values


def _bad_values(schema: Schema, rng: random.Random) -> list[object]:
    """Values that break ``schema`` on their own: wrong type or a violated constraint."""
    constraint_breakers: dict[str, Callable[[Schema, random.Random], list[object]]] = {
        "object": _bad_objects,
        "array": _bad_arrays,
        "string": _bad_strings,
        "integer": _bad_numbers,
        "number": _bad_numbers,
    }
    breaker = constraint_breakers.get(_type(schema) or "")
    extra = breaker(schema, rng) if breaker is not None else []
    return _wrong_types(schema) + extra


# ---------------------------------------------------------------------------------------
# Corpus


class _Collector:
    """Deduplicating, bounded payload list."""

    def __init__(self, limit: int, exclude: Iterable[str] = ()) -> None:
        self.limit = limit
        self.items: list[object] = []
        self._seen: set[str] = set(exclude)

    @property
    def full(self) -> bool:
        return len(self.items) >= self.limit

    def add(self, payload: object) -> None:
        key = json_key(payload)
        if not self.full and key not in self._seen:
            self._seen.add(key)
            self.items.append(payload)


def _valid_round(
    schema: Schema, rng: random.Random, targets: list[tuple[SchemaPath, object]]
) -> list[object]:
    payloads = [_value(schema, rng, 0, {}, 0.0), _value(schema, rng, 0, {}, 1.0)]
    payloads += [_value(schema, rng, 0, {path: v}, rng.random()) for path, v in targets]
    payloads += [_value(schema, rng, 0, {}, rng.random()) for _ in range(_RANDOM_PER_ROUND)]
    return payloads


def _independent(first: SchemaPath, second: SchemaPath) -> bool:
    shortest = min(len(first), len(second))
    return first[:shortest] != second[:shortest]


def _invalid_round(
    schema: Schema, rng: random.Random, sites: list[tuple[SchemaPath, Schema]], double: bool
) -> list[object]:
    targets = [(path, bad) for path, sub in sites for bad in _bad_values(sub, rng)]
    payloads = [_value(schema, rng, 0, {path: bad}, rng.random()) for path, bad in targets]
    if double and len(targets) > 1:
        for _ in range(max(1, len(targets) // 4)):
            (path_a, bad_a), (path_b, bad_b) = rng.sample(targets, 2)
            if _independent(path_a, path_b):
                pins = {path_a: bad_a, path_b: bad_b}
                payloads.append(_value(schema, rng, 0, pins, rng.random()))
    return payloads


def corpus(
    schema: Schema, *, seed: int, valid: int, invalid: int
) -> tuple[list[dict[str, Any]], list[object]]:
    """Generate valid and invalid payloads for a draft-04 ``schema``.

    The first round pins every boundary value (valid side) and every bad value (invalid
    side) once, so with counts larger than those lists every case is covered; later rounds
    repeat them on fresh random backgrounds, with double mutations on the invalid side.

    Args:
        schema: An object schema (draft-04 subset, see the module docstring); local
            ``$ref`` pointers are resolved against it first.
        seed: Seed of the ``random.Random`` used; equal seeds give equal corpora.
        valid: Number of valid payloads wanted.
        invalid: Number of invalid payloads wanted.

    Returns:
        ``(valid_payloads, invalid_payloads)``, deduplicated by canonical JSON text and
        disjoint. A list is shorter than asked only when the schema does not admit that many
        distinct payloads (e.g. ``{}`` is the only valid Heartbeat.req).

    Raises:
        ValueError: If a ``$ref`` is not a local pointer or does not resolve.
    """
    rng = random.Random(seed)
    schema = resolve_refs(schema)
    sites = _sites(schema)
    targets = [(path, v) for path, sub in sites if path for v in _good_values(sub)]
    good = _Collector(valid)
    for _ in range(_MAX_ROUNDS):
        if good.full:
            break
        for payload in _valid_round(schema, rng, targets):
            good.add(payload)
    bad = _Collector(invalid, exclude=(json_key(p) for p in good.items))
    for round_number in range(_MAX_ROUNDS):
        if bad.full:
            break
        for payload in _invalid_round(schema, rng, sites, double=round_number > 0):
            bad.add(payload)
    return [p for p in good.items if isinstance(p, dict)], bad.items
