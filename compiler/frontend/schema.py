"""Validate loaded spec files against the JSON Schema of their kind, reporting in spec terms.

jsonschema's own messages talk about instances and validators; users wrote states, transitions
and messages. Each error is mapped back to the nearest located node and reworded from the
path ("state 'Charging'", "transition 3") — every error in every file, not just the first.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource

from compiler.diagnostics import Diagnostic, value_kind
from compiler.frontend.yaml import (
    JsonPath,
    LoadedFile,
)
from runtime.spec.names import did_you_mean

__all__ = [
    "ENTRY_SECTIONS",
    "SCHEMA_KINDS",
    "describe_path",
    "salvage_entries",
    "schema_kind_for",
    "validate_file",
]

SCHEMA_KINDS = (
    "config_keys",
    "demo",
    "events",
    "leniencies",
    "machine",
    "manifest",
    "messages",
    "pics",
    "scenarios",
    "test_states",
    "types",
)

# File kinds whose definitions are named entries of one top-level mapping, each valid or not
# on its own: a broken entry is left out alone (kind -> the mapping's key), so one mistake in
# a definition gives one error, not one for every use of the names in its file.
ENTRY_SECTIONS = {"messages": "messages"}

_FIXED_FILES = {
    "spec.yaml": "manifest",
    "types.yaml": "types",
    "config_keys.yaml": "config_keys",
    "pics.yaml": "pics",
    "events.yaml": "events",
    "leniencies.yaml": "leniencies",
    "station.yaml": "station",
    "test_states.yaml": "test_states",
    "demo.yaml": "demo",
}
_FOLDERS = {"messages": "messages", "machines": "machine", "scenarios": "scenarios"}


def schema_kind_for(relative: str) -> str | None:
    """The schema kind for a file, from its path inside the spec directory."""
    parts = relative.split("/")
    if len(parts) == 1:
        return _FIXED_FILES.get(parts[0])
    if len(parts) == 2:
        return _FOLDERS.get(parts[0])
    return None


@cache
def _registry() -> Registry[Any]:
    """Every schema of the package by its ``$id``, so one may use another's ``$defs`` (the
    test states and the demo reuse the scenario step language of scenarios.schema.json)."""
    folder = resources.files("compiler.frontend.schemas")
    schemas = [
        json.loads(entry.read_text())
        for entry in folder.iterdir()
        if entry.name.endswith(".schema.json")
    ]
    return Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas
    )


@cache
def _validator(kind: str) -> Draft202012Validator:
    text = resources.files("compiler.frontend.schemas").joinpath(f"{kind}.schema.json").read_text()
    return Draft202012Validator(json.loads(text), registry=_registry())


def _names(path: JsonPath) -> Iterator[str]:
    """Yield a readable name for each meaningful step of a path."""
    labels = {
        "states": "state",
        "messages": "message",
        "keys": "configuration key",
        "items": "PICS item",
        "enums": "enum",
        "datatypes": "datatype",
        "leniencies": "leniency",
        "queries": "query",
        "operations": "operation",
        "actions": "action",
        "context": "context variable",
        "tester": "tester event",
        "internal": "internal event",
        "request": "request field",
        "response": "response field",
        "test_states": "test state",
        "parameters": "parameter",
    }
    index = 0
    while index < len(path):
        step = path[index]
        nxt = path[index + 1] if index + 1 < len(path) else None
        if step in ("transitions", "scenarios", "steps") and isinstance(nxt, int):
            noun = {"transitions": "transition", "scenarios": "scenario", "steps": "step"}[step]
            yield f"{noun} {nxt + 1}"
            index += 2
        elif isinstance(step, str) and step in labels and isinstance(nxt, str):
            yield f"{labels[step]} '{nxt}'"
            index += 2
        else:
            yield f"'{step}'" if isinstance(step, str) else f"item {step + 1}"
            index += 1


def describe_path(path: JsonPath) -> str:
    """Describe a node in spec terms, e.g. ``state 'Charging'`` or ``transition 3, 'guard'``."""
    names = list(_names(path))
    return ", ".join(names) if names else "the file"


def _unknown_fields(error: ValidationError, loaded: LoadedFile) -> list[Diagnostic]:
    path = tuple(error.absolute_path)
    allowed = sorted(error.schema.get("properties", {}))
    found: list[Diagnostic] = []
    for key in sorted(error.instance):
        if key in allowed:
            continue
        found.append(
            Diagnostic(
                loaded.key_pos((*path, key)),
                "SPEC101",
                f"unknown field '{key}' in {describe_path(path)}",
                f"expected one of: {', '.join(allowed)}",
                did_you_mean(key, allowed),
            )
        )
    return found


def _reword(error: ValidationError, loaded: LoadedFile) -> list[Diagnostic]:
    path: JsonPath = tuple(error.absolute_path)
    where = describe_path(path)
    keyword = str(error.validator)
    if keyword == "additionalProperties" and isinstance(error.instance, dict):
        return _unknown_fields(error, loaded)
    if keyword == "required":
        missing = str(error.message).split("'")[1]
        return [
            Diagnostic(
                loaded.pos(path),
                "SPEC102",
                f"{where} has no '{missing}'",
                f"'{missing}' is required here",
            )
        ]
    if keyword == "type":
        expected = error.validator_value
        wanted = " or ".join(expected) if isinstance(expected, list) else str(expected)
        return [
            Diagnostic(
                loaded.pos(path),
                "SPEC103",
                f"{where} is {value_kind(error.instance)}",
                f"expected {wanted}",
            )
        ]
    return [_not_allowed(error, loaded, path, where, keyword)]


def _expected_text(keyword: str, limit: Any) -> str:
    """What the schema wanted, in words; only the failing keyword's text is built, because
    ``limit`` is a list for 'enum' and a number for 'minimum' and friends."""
    if keyword == "enum":
        return f"expected one of: {', '.join(map(str, limit or []))}"
    texts = {
        "const": f"expected {json.dumps(limit)}",
        "pattern": f"expected a name matching {limit}",
        "minItems": f"expected at least {limit} item(s)",
        "minProperties": f"expected at least {limit} entry(ies)",
        "maxProperties": f"expected at most {limit} entry(ies)",
        "minimum": f"expected at least {limit}",
        "exclusiveMinimum": f"expected more than {limit}",
        "uniqueItems": "expected no repeated items",
        "anyOf": "expected at least one effect (send, start_timer, cancel_timer, raise, set, "
        "set_config, sync_clock)",
    }
    return texts.get(keyword, "see docs/spec-language.md")


def _not_allowed(
    error: ValidationError, loaded: LoadedFile, path: JsonPath, where: str, keyword: str
) -> Diagnostic:
    value = json.dumps(error.instance) if not isinstance(error.instance, dict) else "this mapping"
    expected = _expected_text(keyword, error.validator_value)
    return Diagnostic(loaded.pos(path), "SPEC104", f"{value} is not allowed for {where}", expected)


def validate_file(kind: str, loaded: LoadedFile) -> list[Diagnostic]:
    """Check one loaded file against the schema of its kind; report every problem."""
    found: list[Diagnostic] = []
    for error in _validator(kind).iter_errors(loaded.data):
        if "propertyNames" in error.relative_schema_path:
            # jsonschema reports the offending name as the instance; locate it as a key.
            bad = error.instance
            parent = tuple(error.absolute_path)
            found.append(
                Diagnostic(
                    loaded.key_pos((*parent, bad)),
                    "SPEC104",
                    f"name {json.dumps(bad)} is not allowed in {describe_path(parent)}",
                    "expected a name in the spec's naming style (see docs/spec-language.md)",
                )
            )
            continue
        found.extend(_reword(error, loaded))
    return found


def _broken_entry(error: ValidationError, section: str) -> str | None:
    """The name of the ``section`` entry an error lies in, or None when it lies outside."""
    path = tuple(error.absolute_path)
    if "propertyNames" in error.relative_schema_path and path == (section,):
        return str(error.instance)  # the entry's name itself is refused
    if len(path) >= 2 and path[0] == section and isinstance(path[1], str):
        return path[1]
    return None


def salvage_entries(kind: str, loaded: LoadedFile) -> tuple[LoadedFile, frozenset[str]] | None:
    """A file that failed its schema, without its broken entries, when every error lies in
    one of the named entries of :data:`ENTRY_SECTIONS` (None otherwise: the file is left out).

    Returns:
        The file as if the broken entries were not written (positions unchanged), and their
        names.
    """
    section = ENTRY_SECTIONS.get(kind)
    if section is None:
        return None
    names = set()
    for error in _validator(kind).iter_errors(loaded.data):
        name = _broken_entry(error, section)
        if name is None:
            return None
        names.add(name)
    # Every error lies inside an entry, so the section is a mapping; the schema checks each
    # entry on its own, so the others stay valid without the broken ones.
    kept = {name: entry for name, entry in loaded.data[section].items() if name not in names}
    return replace(loaded, data={**loaded.data, section: kept}), frozenset(names)
