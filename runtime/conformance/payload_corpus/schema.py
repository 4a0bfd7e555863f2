"""Reading a draft-04 schema for the payload corpus: types, ``$ref``, sites, valid space.

Everything the generators need to know about a schema before making values: its JSON type
(draft-04 rules: booleans are not numbers, 1.0 is not an integer), its local ``$ref`` pointers
resolved (draft-04 §7), the *sites* (subschemas with their paths) where a value can be pinned,
and how many valid instances it has. :func:`json_key` is the canonical text by which payloads
are told apart.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Final
from urllib.parse import unquote

__all__ = [
    "MAX_DEPTH",
    "Schema",
    "SchemaPath",
    "has_type",
    "json_key",
    "resolve_refs",
    "resolved_sites",
    "schema_sites",
    "schema_type",
    "valid_space_size",
]

Schema = Mapping[str, Any]
SchemaPath = tuple[str, ...]
"""Property names from the payload root; ``"[]"`` means an item of the array at that point."""

MAX_DEPTH: Final = 8
"""Nesting bound for schemas and generated values (OCPP 1.6 nests at most 5 levels)."""


def json_key(value: object) -> str:
    """Canonical JSON text of ``value``, used to deduplicate payloads."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def schema_type(schema: Schema) -> str | None:
    """The JSON type ``schema`` declares (the first, if a list), else the one its keywords
    imply (``properties`` or ``required``: object; ``items``: array); ``None`` if neither."""
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


def has_type(value: object, type_name: str | None) -> bool:
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
    """``node`` (a schema) with its ``$ref`` objects replaced, to ``MAX_DEPTH`` expansions."""
    if not isinstance(node, Mapping):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str):
        if expansions >= MAX_DEPTH:
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
    ``MAX_DEPTH`` times and then replaced by ``{}``. A schema without ``$ref`` comes back
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
    return resolved_sites(resolve_refs(schema))


def resolved_sites(schema: Schema) -> list[tuple[SchemaPath, Schema]]:
    """:func:`schema_sites` of a schema whose ``$ref`` pointers are already resolved."""
    sites: list[tuple[SchemaPath, Schema]] = []
    pending: list[tuple[SchemaPath, Schema]] = [((), schema)]
    for _ in range(10_000):
        if not pending:
            break
        path, node = pending.pop(0)
        sites.append((path, node))
        if len(path) >= MAX_DEPTH:
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
    if depth > MAX_DEPTH:
        return cap
    if "enum" in schema:
        return len(schema["enum"])
    type_name = schema_type(schema)
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
