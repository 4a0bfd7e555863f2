"""Our emitted schemas + validator against the official OCA schemas + the ``ocpp`` library.

For every schema the compiler emitted into ``generated/ocpp16/schemas/`` a deterministic
corpus (``tests.interop.schema_corpus``, mostly generated from our schema plus a smaller part
generated from the official one) is run through

* ours: :class:`runtime.payload.SchemaPayloadValidator` over the emitted schemas, and
* official: ``ocpp.messages.validate_payload`` of the ``ocpp`` package, which validates
  against the OCA schemas shipped in ``ocpp/v16/schemas/``.

Both must reach the same verdict (accepted or rejected) on every payload, except for the
deliberate differences in :data:`DOCUMENTED_DIFFERENCES` (documented in
``docs/schema-differences.md``). A payload on which the verdicts differ must violate at least
one documented rule, be rejected by the side the table names as stricter, and, when that side
is ours, be accepted by our validator once the documented rules are removed from our schema.
Every documented difference must also show up at least once, so the table cannot go stale.

A second test compares the schemas structurally (properties, required, enums, maxLength,
types, formats, bounds) so that a missing field cannot hide behind corpus luck.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import ocpp  # type: ignore[import-untyped]
import pytest
from ocpp.exceptions import NotImplementedError as OcppNotImplementedError  # type: ignore[import-untyped]
from ocpp.exceptions import OCPPError
from ocpp.messages import Call, CallResult, validate_payload  # type: ignore[import-untyped]

from runtime.payload import Kind, PayloadError, SchemaPayloadValidator
from tests.interop.schema_corpus import corpus, json_key, valid_space_size

ROOT: Final = Path(__file__).resolve().parents[2]
GENERATED_DIR: Final = ROOT / "generated" / "ocpp16" / "schemas"
OFFICIAL_DIR: Final = Path(ocpp.__file__).parent / "v16" / "schemas"
DOCS_PAGE: Final = ROOT / "docs" / "schema-differences.md"

SEED: Final = 1601
VALID_COUNT: Final = 300
INVALID_COUNT: Final = 300
OFFICIAL_COUNT: Final = 100
"""Valid and invalid payloads also generated from the official schema."""
MIN_AGREED: Final = 200
"""Each corpus must have this many payloads accepted by both and rejected by both (capped,
on the accepted side, by the number of distinct valid payloads the schema admits)."""

SCHEMA_FILES: Final = sorted(p.name for p in GENERATED_DIR.glob("*.json"))

Side = Literal["ours", "official"]


@dataclass(frozen=True)
class Difference:
    """One deliberate difference between our verdict and the official one.

    Attributes:
        schema_file: File name in ``generated/ocpp16/schemas/``.
        field: Dotted path of the field (``[]`` marks array items).
        keyword: The JSON-schema keyword that makes the difference.
        value: Its value in our schema.
        stricter: The side that rejects what the other accepts.
        source: ``"schema"`` if only our schema has the rule; ``"enforcement"`` if both
            schemas have it but only the stricter side's validator checks it.
        clause: Where the specification states the rule.
    """

    schema_file: str
    field: str
    keyword: str
    value: str | int
    stricter: Side
    source: Literal["schema", "enforcement"]
    clause: str

    @property
    def rule(self) -> str:
        return f"{self.keyword}: {self.value}"


_DATE_TIME_CLAUSE: Final = "OCPP 1.6 §3.15 (errata 3.10); OCPP-J §4.2.4 (errata 3.8); RFC 3339 §5.6"

DOCUMENTED_DIFFERENCES: Final[tuple[Difference, ...]] = (
    Difference(
        "StatusNotification.json",
        "connectorId",
        "minimum",
        0,
        "ours",
        "schema",
        "OCPP 1.6 §6.47, §3.8",
    ),
    Difference(
        "BootNotificationResponse.json",
        "currentTime",
        "format",
        "date-time",
        "ours",
        "enforcement",
        _DATE_TIME_CLAUSE,
    ),
    Difference(
        "HeartbeatResponse.json",
        "currentTime",
        "format",
        "date-time",
        "ours",
        "enforcement",
        _DATE_TIME_CLAUSE,
    ),
    Difference(
        "StatusNotification.json",
        "timestamp",
        "format",
        "date-time",
        "ours",
        "enforcement",
        _DATE_TIME_CLAUSE,
    ),
)


# ---------------------------------------------------------------------------------------
# Schemas and validators


def _action_kind(schema_file: str) -> tuple[str, Kind]:
    stem = schema_file.removesuffix(".json")
    if stem.endswith("Response"):
        return stem.removesuffix("Response"), "conf"
    return stem, "req"


@functools.cache
def _load(directory: Path, schema_file: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((directory / schema_file).read_text(encoding="utf-8"))
    return loaded


def _ours(schema_file: str) -> dict[str, Any]:
    return _load(GENERATED_DIR, schema_file)


def _official(schema_file: str) -> dict[str, Any]:
    return _load(OFFICIAL_DIR, schema_file)


@functools.cache
def _our_validator() -> SchemaPayloadValidator:
    return SchemaPayloadValidator({_action_kind(name): _ours(name) for name in SCHEMA_FILES})


def _differences(schema_file: str) -> tuple[Difference, ...]:
    return tuple(d for d in DOCUMENTED_DIFFERENCES if d.schema_file == schema_file)


def _subschema(schema: dict[str, Any], field_path: str) -> dict[str, Any]:
    """The subschema at a dotted field path such as ``meterValue[].timestamp``."""
    node = schema
    for part in field_path.split("."):
        name, brackets = part.removesuffix("[]"), part.endswith("[]")
        node = node["properties"][name]
        if brackets:
            node = node["items"]
    return node


@functools.cache
def _relaxed_validator(schema_file: str) -> SchemaPayloadValidator:
    """Our validator for one schema with the documented rules where ours is stricter removed."""
    schema = copy.deepcopy(_ours(schema_file))
    for difference in _differences(schema_file):
        if difference.stricter == "ours":
            _subschema(schema, difference.field).pop(difference.keyword, None)
    return SchemaPayloadValidator({_action_kind(schema_file): schema})


@functools.cache
def _rule_validator(keyword: str, value: str | int) -> SchemaPayloadValidator:
    rule = {"type": "object", "properties": {"value": {keyword: value}}}
    return SchemaPayloadValidator({("Rule", "req"): rule})


def _values_at(payload: object, field_path: str) -> Iterator[object]:
    """Values found at a dotted field path (every item for ``[]`` parts)."""
    nodes: list[object] = [payload]
    for part in field_path.split("."):
        name = part.removesuffix("[]")
        nodes = [n[name] for n in nodes if isinstance(n, dict) and name in n]
        if part.endswith("[]"):
            nodes = [item for n in nodes if isinstance(n, list) for item in n]
    yield from nodes


def _violates(difference: Difference, payload: object) -> bool:
    """Whether ``payload`` breaks the documented rule, judged by our validator's semantics."""
    checker = _rule_validator(difference.keyword, difference.value)
    for value in _values_at(payload, difference.field):
        try:
            checker.validate("Rule", "req", {"value": value})
        except PayloadError:
            return True
    return False


# ---------------------------------------------------------------------------------------
# Verdicts


def _our_verdict(action: str, kind: Kind, payload: object) -> bool:
    try:
        _our_validator().validate(action, kind, payload)
    except PayloadError:
        return False
    return True


async def _official_verdicts(action: str, kind: Kind, payloads: list[object]) -> list[bool]:
    """The ``ocpp`` package's verdicts: ``validate_payload`` on a Call or CallResult."""
    verdicts: list[bool] = []
    for index, payload in enumerate(payloads):
        unique_id = f"corpus-{index}"
        own_copy = copy.deepcopy(payload)
        message = (
            Call(unique_id, action, own_copy)
            if kind == "req"
            else CallResult(unique_id, own_copy, action=action)
        )
        try:
            await validate_payload(message, "1.6")
        except OcppNotImplementedError:
            raise  # no official schema for this action: a setup problem, not a verdict
        except OCPPError:
            verdicts.append(False)
        else:
            verdicts.append(True)
    return verdicts


@dataclass
class Outcome:
    """Verdict comparison for one schema file."""

    schema_file: str
    total: int = 0
    generated_valid: int = 0
    generated_invalid: int = 0
    both_accept: int = 0
    both_reject: int = 0
    only_ours_rejects: int = 0
    only_official_rejects: int = 0
    witnesses: dict[Difference, int] = field(default_factory=dict)
    unexplained: list[str] = field(default_factory=list)


def _explain(outcome: Outcome, payload: object, rejecting: Side) -> None:
    """Account for one payload on which the verdicts differ, or record it as unexplained."""
    schema_file = outcome.schema_file
    matching = [
        d for d in _differences(schema_file) if d.stricter == rejecting and _violates(d, payload)
    ]
    action, kind = _action_kind(schema_file)
    relaxed_accepts = True
    if rejecting == "ours":
        try:
            _relaxed_validator(schema_file).validate(action, kind, payload)
        except PayloadError:
            relaxed_accepts = False
    if matching and relaxed_accepts:
        for difference in matching:
            outcome.witnesses[difference] = outcome.witnesses.get(difference, 0) + 1
        return
    outcome.unexplained.append(f"only {rejecting} rejects {json_key(payload)[:300]}")


def _payloads(schema_file: str) -> tuple[list[object], int, int]:
    """The corpus of one schema file: ``(payloads, valid count, invalid count)``.

    Most payloads come from our schema. A smaller corpus from the official schema is added so
    that a value only the official schema allows (say an enum member we lost) is tried too.
    """
    valid, invalid = corpus(_ours(schema_file), seed=SEED, valid=VALID_COUNT, invalid=INVALID_COUNT)
    extra_valid, extra_invalid = corpus(
        _official(schema_file), seed=SEED + 1, valid=OFFICIAL_COUNT, invalid=OFFICIAL_COUNT
    )
    payloads: list[object] = []
    seen: set[str] = set()
    for payload in [*valid, *invalid, *extra_valid, *extra_invalid]:
        key = json_key(payload)
        if key not in seen:
            seen.add(key)
            payloads.append(payload)
    return payloads, len(valid), len(invalid)


@functools.cache
def _outcome(schema_file: str) -> Outcome:
    action, kind = _action_kind(schema_file)
    payloads, generated_valid, generated_invalid = _payloads(schema_file)
    official = asyncio.run(_official_verdicts(action, kind, payloads))
    outcome = Outcome(schema_file, len(payloads), generated_valid, generated_invalid)
    for payload, official_accepts in zip(payloads, official, strict=True):
        ours_accepts = _our_verdict(action, kind, payload)
        if ours_accepts and official_accepts:
            outcome.both_accept += 1
        elif not ours_accepts and not official_accepts:
            outcome.both_reject += 1
        elif official_accepts:
            outcome.only_ours_rejects += 1
            _explain(outcome, payload, "ours")
        else:
            outcome.only_official_rejects += 1
            _explain(outcome, payload, "official")
    return outcome


# ---------------------------------------------------------------------------------------
# Structure


_STRUCTURAL_KEYWORDS: Final = (
    "type",
    "enum",
    "maxLength",
    "minLength",
    "format",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minItems",
    "maxItems",
    "uniqueItems",
)
"""Keywords compared between schemas. ``additionalProperties`` is compared on objects only:
the official schemas also put it on enum strings, where draft-04 gives it no effect."""

_ABSENT: Final = "<absent>"


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _structure(
    schema: Mapping[str, Any], path: str = "", depth: int = 0
) -> dict[tuple[str, str], object]:
    """Flatten a schema to ``{(field path, keyword): canonical value}``."""
    if depth > 8:
        raise AssertionError(f"schema nested deeper than expected at {path!r}")
    flat: dict[tuple[str, str], object] = {}
    for keyword in _STRUCTURAL_KEYWORDS:
        if keyword in schema:
            value = schema[keyword]
            flat[(path, keyword)] = sorted(value, key=json_key) if keyword == "enum" else value
    if schema.get("type") == "object" or "properties" in schema:
        properties: Mapping[str, Any] = schema.get("properties", {})
        flat[(path, "properties")] = sorted(properties)
        flat[(path, "required")] = sorted(schema.get("required", []))
        flat[(path, "additionalProperties")] = schema.get("additionalProperties", True)
        for name, sub in properties.items():
            flat.update(_structure(sub, _join(path, name), depth + 1))
    items = schema.get("items")
    if isinstance(items, Mapping):
        flat.update(_structure(items, f"{path}[]", depth + 1))
    return flat


def _structural_diff(schema_file: str) -> dict[tuple[str, str], tuple[object, object]]:
    ours = _structure(_ours(schema_file))
    official = _structure(_official(schema_file))
    return {
        key: (official.get(key, _ABSENT), ours.get(key, _ABSENT))
        for key in sorted(ours.keys() | official.keys())
        if official.get(key, _ABSENT) != ours.get(key, _ABSENT)
    }


def _format_sites(schema_file: str) -> set[tuple[str, str]]:
    return {
        (path, str(value))
        for (path, keyword), value in _structure(_ours(schema_file)).items()
        if keyword == "format"
    }


# ---------------------------------------------------------------------------------------
# Tests


def test_generated_schemas_have_official_counterparts() -> None:
    assert SCHEMA_FILES, f"no schemas emitted in {GENERATED_DIR}"
    missing = [name for name in SCHEMA_FILES if not (OFFICIAL_DIR / name).is_file()]
    assert not missing, f"no official schema in {OFFICIAL_DIR} for {missing}"


def test_difference_table_refers_to_emitted_rules() -> None:
    for difference in DOCUMENTED_DIFFERENCES:
        assert difference.schema_file in SCHEMA_FILES, difference
        ours = _subschema(_ours(difference.schema_file), difference.field)
        official = _subschema(_official(difference.schema_file), difference.field)
        assert ours.get(difference.keyword) == difference.value, difference
        if difference.source == "enforcement":
            assert official.get(difference.keyword) == difference.value, difference
        else:
            assert official.get(difference.keyword) != difference.value, difference


def test_ocpp_library_does_not_check_date_time_format() -> None:
    # The reason the date-time rows exist: validate_payload builds a Draft4Validator without
    # a format checker, so it accepts any string where the schema says "date-time".
    [verdict] = asyncio.run(_official_verdicts("Heartbeat", "conf", [{"currentTime": "noon"}]))
    assert verdict is True
    assert _our_verdict("Heartbeat", "conf", {"currentTime": "noon"}) is False


@pytest.mark.parametrize("schema_file", SCHEMA_FILES)
def test_every_format_keyword_is_documented(schema_file: str) -> None:
    # validate_payload ignores every "format", so each one in our schemas is a difference.
    documented = {
        (d.field, str(d.value)) for d in _differences(schema_file) if d.keyword == "format"
    }
    assert _format_sites(schema_file) == documented


@pytest.mark.parametrize("schema_file", SCHEMA_FILES)
def test_structure_matches_official_apart_from_documented_rules(schema_file: str) -> None:
    expected = {
        (d.field, d.keyword): (_ABSENT, d.value)
        for d in _differences(schema_file)
        if d.source == "schema"
    }
    assert _structural_diff(schema_file) == expected


@pytest.mark.parametrize("schema_file", SCHEMA_FILES)
def test_verdicts_agree_except_documented_differences(schema_file: str) -> None:
    outcome = _outcome(schema_file)
    assert not outcome.unexplained, (
        f"{len(outcome.unexplained)} undocumented disagreements, e.g.:\n"
        + "\n".join(outcome.unexplained[:10])
    )
    unseen = [
        f"{d.field} ({d.rule})" for d in _differences(schema_file) if not outcome.witnesses.get(d)
    ]
    assert not unseen, f"documented differences never observed in the corpus: {unseen}"
    valid_space = valid_space_size(_ours(schema_file), MIN_AGREED)
    assert outcome.generated_valid >= valid_space
    assert outcome.generated_invalid >= MIN_AGREED
    assert outcome.both_accept >= valid_space, outcome
    assert outcome.both_reject >= MIN_AGREED, outcome


def _documented_rows() -> set[tuple[str, str, str]]:
    """``(schema file, field, our rule)`` for each row of the table in the docs page."""
    rows: set[tuple[str, str, str]] = set()
    for line in DOCS_PAGE.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 5:
            continue
        file_match = re.search(r"`([A-Za-z]+\.json)`", cells[0])
        field_match = re.search(r"`([^`]+)`", cells[1])
        rule_match = re.search(r"`([A-Za-z]+: [^`]+)`", cells[3])
        if file_match and field_match and rule_match:
            rows.add((file_match.group(1), field_match.group(1), rule_match.group(1)))
    return rows


def test_docs_page_lists_exactly_the_documented_differences() -> None:
    expected = {(d.schema_file, d.field, d.rule) for d in DOCUMENTED_DIFFERENCES}
    assert _documented_rows() == expected


def test_summary(record_property: Callable[[str, object], None]) -> None:
    outcomes = [_outcome(name) for name in SCHEMA_FILES]
    total = sum(o.total for o in outcomes)
    record_property("corpus_size", total)
    for o in outcomes:
        record_property(f"corpus_{o.schema_file}", o.total)
        print(
            f"{o.schema_file}: {o.total} payloads, both accept {o.both_accept}, "
            f"both reject {o.both_reject}, only ours rejects {o.only_ours_rejects}, "
            f"only official rejects {o.only_official_rejects}"
        )
    print(
        f"schema agreement: {len(outcomes)} schemas, {total} payloads, "
        f"{len(DOCUMENTED_DIFFERENCES)} documented differences"
    )
    assert total >= len(outcomes) * MIN_AGREED
