"""The validator generator on a small spec: compile, import, check payloads.

Covers rules the OCPP 1.6 spec set itself does not use (``max_items``) and the leniency
branches, and shows that the generated code needs nothing but ``runtime``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from compiler.frontend.load import load_spec_set
from compiler.render.payload_modules import payload_files
from runtime.ocppj.checks import CompiledPayloadValidator
from runtime.ocppj.errors import ErrorCode, PayloadError

SPEC_FILES = {
    "spec.yaml": "spec: mini\ntitle: Mini\nedition: test\nprofiles: [Core]\n",
    "types.yaml": """\
enums:
  Colour:
    values: [Red, Green]
datatypes:
  Slot:
    fields:
      start: {type: integer, required: true, minimum: 0}
      power: {type: decimal, multiple_of: 0.5, maximum: 22}
""",
    "messages/core.yaml": """\
messages:
  Plan:
    profile: Core
    direction: csms_to_cp
    request:
      label: {type: string, max_length: 4}
      colour: {type: Colour}
      at: {type: datetime}
      slots: {type: Slot, list: true, min_items: 1, max_items: 3, required: true}
      tags: {type: string, list: true, max_length: 2}
    response: {}
""",
    "leniencies.yaml": """\
leniencies:
  long_label:
    field: Plan.request.label
    allow: {max_length: 8}
    description: test
  blue:
    field: Plan.request.colour
    allow: {values: [Blue]}
    description: test
  local_time:
    field: Plan.request.at
    allow: {naive_datetime: true}
    description: test
""",
}


@pytest.fixture(scope="module")
def validators(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    root = tmp_path_factory.mktemp("codegen")
    for rel, text in SPEC_FILES.items():
        path = root / "spec" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    spec, found = load_spec_set(root / "spec")
    assert spec is not None and found == [], [d.render() for d in found]
    package = root / "minispec_codegen"
    (package / "__init__.py").parent.mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    for rel, text in payload_files(spec, "minispec_codegen").items():
        target = package / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module("minispec_codegen.validators")
    finally:
        sys.path.remove(str(root))
        for name in [n for n in sys.modules if n.startswith("minispec_codegen")]:
            del sys.modules[name]


def _validator(module: ModuleType, *lenient: str) -> CompiledPayloadValidator:
    return CompiledPayloadValidator(module.CHECKS, module.LENIENCIES, lenient)


def _problem(module: ModuleType, payload: Any, *lenient: str) -> tuple[str, str] | None:
    try:
        _validator(module, *lenient).validate("Plan", "req", payload)
    except PayloadError as error:
        return error.code, error.path
    return None


SLOT = {"start": 0}


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"slots": [SLOT]}, None),
        ({"slots": [SLOT, SLOT, SLOT]}, None),
        ({"slots": [SLOT] * 4}, (ErrorCode.OCCURENCE_CONSTRAINT_VIOLATION, "slots")),
        ({"slots": []}, (ErrorCode.OCCURENCE_CONSTRAINT_VIOLATION, "slots")),
        ({}, (ErrorCode.OCCURENCE_CONSTRAINT_VIOLATION, "slots")),
        ({"slots": {}}, (ErrorCode.TYPE_CONSTRAINT_VIOLATION, "slots")),
        (
            {"slots": [SLOT, {"start": -1}]},
            (ErrorCode.PROPERTY_CONSTRAINT_VIOLATION, "slots[1].start"),
        ),
        (
            {"slots": [{"start": 1, "power": 7.25}]},
            (ErrorCode.PROPERTY_CONSTRAINT_VIOLATION, "slots[0].power"),
        ),
        (
            {"slots": [{"start": 1, "power": 22.5}]},
            (ErrorCode.PROPERTY_CONSTRAINT_VIOLATION, "slots[0].power"),
        ),
        ({"slots": [{"start": 1, "power": 21.5}]}, None),
        (
            {"slots": [SLOT], "tags": ["ab", "abc"]},
            (ErrorCode.PROPERTY_CONSTRAINT_VIOLATION, "tags[1]"),
        ),
        ({"slots": [SLOT], "tags": "ab"}, (ErrorCode.TYPE_CONSTRAINT_VIOLATION, "tags")),
        # an unknown field sorting before every known one, and one after
        ({"aaa": 1, "slots": [SLOT]}, (ErrorCode.FORMATION_VIOLATION, "aaa")),
        (
            {"zzz": 1, "slots": [{"start": "x"}]},
            (ErrorCode.TYPE_CONSTRAINT_VIOLATION, "slots[0].start"),
        ),
        ({"zzz": 1, "slots": [SLOT]}, (ErrorCode.FORMATION_VIOLATION, "zzz")),
        ([], (ErrorCode.FORMATION_VIOLATION, "")),
    ],
)
def test_generated_checks(validators: ModuleType, payload: Any, expected: Any) -> None:
    assert _problem(validators, payload) == expected


@pytest.mark.parametrize(
    ("name", "field", "value", "too_far"),
    [
        ("long_label", "label", "abcdefg", "abcdefghi"),
        ("blue", "colour", "Blue", "Purple"),
        ("local_time", "at", "2024-05-01T12:00:00", "12:00"),
    ],
)
def test_leniency_branches(
    validators: ModuleType, name: str, field: str, value: str, too_far: str
) -> None:
    payload = {"slots": [SLOT], field: value}
    assert _problem(validators, payload) == (ErrorCode.PROPERTY_CONSTRAINT_VIOLATION, field)
    assert _problem(validators, payload, name) is None
    assert _validator(validators, name).validate("Plan", "req", payload) == (name,)
    other = next(n for n in validators.LENIENCIES if n != name)
    assert _problem(validators, payload, other) == (ErrorCode.PROPERTY_CONSTRAINT_VIOLATION, field)
    beyond = {"slots": [SLOT], field: too_far}
    assert _problem(validators, beyond, name) == (ErrorCode.PROPERTY_CONSTRAINT_VIOLATION, field)


def test_generated_code_reads_no_schema(validators: ModuleType) -> None:
    source = Path(validators.__file__).parent
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(source.glob("*.py")))
    assert "jsonschema" not in text and "json" not in text.replace("JSON", "")
