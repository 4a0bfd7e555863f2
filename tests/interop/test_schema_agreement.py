"""Our emitted schemas + validator against the official OCA schemas + the ``ocpp`` library.

For every schema the compiler emitted into ``generated/ocpp16/schemas/`` (78: the 39 actions of
OCPP 1.6 and its security extension, request and response each) a deterministic corpus
(:func:`schema_corpus`, mostly generated from our schema plus a smaller part generated from the
official one) is run through

* ours: :class:`runtime.conformance.schema_oracle.SchemaPayloadValidator` over the emitted
  schemas, and
* official: ``ocpp.messages.validate_payload`` of the ``ocpp`` package, which validates
  against the OCA schemas shipped in ``ocpp/v16/schemas/``.

Both must reach the same verdict (accepted or rejected) on every payload, except for the
deliberate differences in :data:`DOCUMENTED_DIFFERENCES` (documented in
``docs/schema-differences.md``). A payload on which the verdicts differ must violate at least
one documented rule, be rejected by the side the table names as stricter, and, when that side
is ours, be accepted by our validator once the documented rules are removed from our schema.
Every enforced documented difference must also show up at least once, so the table cannot go
stale.

A second test compares the schemas structurally (properties, required, enums, maxLength,
types, formats, bounds) so that a missing field cannot hide behind corpus luck. The official
security schemas (draft-06, ``definitions`` + ``$ref``) are compared after resolving their
``$ref`` pointers; ours are draft-04 with the datatypes inlined.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
import json
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import ocpp  # type: ignore[import-untyped]
import pytest
from ocpp.exceptions import NotImplementedError as OcppNotImplementedError  # type: ignore[import-untyped]
from ocpp.exceptions import OCPPError
from ocpp.messages import Call, CallResult, validate_payload  # type: ignore[import-untyped]

from runtime.conformance.payload_corpus.generator import corpus
from runtime.conformance.payload_corpus.schema import (
    json_key,
    resolve_refs,
    schema_sites,
    valid_space_size,
)
from runtime.conformance.schema_oracle import SchemaPayloadValidator
from runtime.ocppj.errors import PayloadError
from runtime.ocppj.payload import Kind

ROOT: Final = Path(__file__).resolve().parents[2]
GENERATED_DIR: Final = ROOT / "generated" / "ocpp16" / "schemas"
OFFICIAL_DIR: Final = Path(ocpp.__file__).parent / "v16" / "schemas"
DOCS_PAGE: Final = ROOT / "docs" / "schema-differences.md"

SEED: Final = 1601
VALID_COUNT: Final = 300
INVALID_COUNT: Final = 300
INVALID_PER_SITE: Final = 20
"""Invalid payloads asked for per schema site, when that is more than ``INVALID_COUNT``: the
generator's first round pins each bad value of each site once (about a dozen wrong types plus
the site's own breakers), so this lets the first round reach the deepest sites of the large
schemas (ChargingProfile, MeterValue) instead of being cut off after the first fields."""
OFFICIAL_COUNT: Final = 100
"""Valid and invalid payloads also generated from the official schema."""
MIN_AGREED: Final = 200
"""Each corpus must have this many payloads accepted by both and rejected by both (capped,
on the accepted side, by the number of distinct valid payloads the schema admits)."""

SCHEMA_FILES: Final = sorted(p.name for p in GENERATED_DIR.glob("*.json"))
OFFICIAL_FILES: Final = sorted(p.name for p in OFFICIAL_DIR.glob("*.json"))

Side = Literal["ours", "official"]
Source = Literal["schema", "enforcement", "unenforced"]
RuleValue = str | int | tuple[str, ...]

_ABSENT: Final = "<absent>"


@dataclass(frozen=True)
class Difference:
    """One deliberate difference between our schema or verdict and the official one.

    Attributes:
        schema_file: File name in ``generated/ocpp16/schemas/``.
        field: Dotted path of the field (``[]`` marks array items).
        keyword: The JSON-schema keyword that makes the difference.
        value: Its value on the stricter side (an enum as a tuple).
        stricter: The side that rejects what the other accepts.
        source: ``"schema"`` if only our schema has the rule (or a narrower value of it);
            ``"enforcement"`` if both schemas have it but only our validator checks it;
            ``"unenforced"`` if only the official schema declares it and the ``ocpp``
            package does not check it either, so the verdicts cannot differ.
        clause: Where the specification states the rule.
        official: For ``"schema"``, the keyword's value in the official schema.
        display: Short text for the rule where ``keyword: value`` would be unreadable.
    """

    schema_file: str
    field: str
    keyword: str
    value: RuleValue
    stricter: Side
    source: Source
    clause: str
    official: RuleValue = _ABSENT
    display: str = ""

    @property
    def rule(self) -> str:
        return self.display or f"{self.keyword}: {self.value}"

    @property
    def enforced(self) -> bool:
        """Whether some validator checks the rule, so that verdicts can differ on it."""
        return self.source != "unenforced"


def _ours_only(schema_file: str, field: str, keyword: str, value: int, clause: str) -> Difference:
    return Difference(schema_file, field, keyword, value, "ours", "schema", clause)


def _unchecked_uri(schema_file: str, clause: str) -> Difference:
    return Difference(schema_file, "location", "format", "uri", "official", "unenforced", clause)


_UNITS_WITHOUT_HERTZ: Final = (
    *("Wh", "kWh", "varh", "kvarh", "W", "kW", "VA", "kVA", "var", "kvar", "A", "V", "K"),
    *("Celcius", "Celsius", "Fahrenheit", "Percent"),
)
"""UnitOfMeasure as in OCPP 1.6 §7.45 plus ``Celcius`` (OCPP-J errata 2.1), in schema order."""

_PROFILE: Final = "chargingProfile"
_CS_PROFILE: Final = "csChargingProfiles"
_PERIODS: Final = "chargingSchedule.chargingSchedulePeriod"
_DATE_TIME_CLAUSE: Final = (
    "OCPP 1.6 §3.15 (errata E3.10); OCPP-J §4.2.4 (OCPP-J errata 3.8); RFC 3339 §5.6"
)

_LISTED_DIFFERENCES: Final[tuple[Difference, ...]] = (
    _ours_only("ChangeAvailability.json", "connectorId", "minimum", 0, "OCPP 1.6 §6.7"),
    _ours_only("MeterValues.json", "connectorId", "minimum", 0, "OCPP 1.6 §6.31"),
    _ours_only("ReserveNow.json", "connectorId", "minimum", 0, "OCPP 1.6 §6.37"),
    _ours_only("StartTransaction.json", "connectorId", "minimum", 1, "OCPP 1.6 §6.45"),
    _ours_only("StatusNotification.json", "connectorId", "minimum", 0, "OCPP 1.6 §6.47, §3.8"),
    _ours_only(
        "ExtendedTriggerMessage.json", "connectorId", "minimum", 1, "Security whitepaper §5.5"
    ),
    _ours_only(
        "RemoteStartTransaction.json", f"{_PROFILE}.stackLevel", "minimum", 0, "OCPP 1.6 §7.8"
    ),
    _ours_only(
        "SetChargingProfile.json", f"{_CS_PROFILE}.stackLevel", "minimum", 0, "OCPP 1.6 §7.8"
    ),
    _ours_only(
        "RemoteStartTransaction.json", f"{_PROFILE}.{_PERIODS}", "minItems", 1, "OCPP 1.6 §7.13"
    ),
    _ours_only(
        "SetChargingProfile.json", f"{_CS_PROFILE}.{_PERIODS}", "minItems", 1, "OCPP 1.6 §7.13"
    ),
    _ours_only("GetCompositeScheduleResponse.json", _PERIODS, "minItems", 1, "OCPP 1.6 §7.13"),
    _ours_only(
        "StopTransaction.json", "transactionData[].sampledValue", "minItems", 1, "OCPP 1.6 §7.33"
    ),
    Difference(
        "MeterValues.json",
        "meterValue[].sampledValue[].unit",
        "enum",
        _UNITS_WITHOUT_HERTZ,
        "ours",
        "schema",
        "OCPP 1.6 §7.45; errata E3.86",
        official=(*_UNITS_WITHOUT_HERTZ, "Hertz"),
        display="enum without Hertz",
    ),
    _unchecked_uri("GetDiagnostics.json", "OCPP 1.6 §6.25 (anyURI)"),
    _unchecked_uri("UpdateFirmware.json", "OCPP 1.6 §6.55 (anyURI)"),
)
"""The differences listed by hand; the date-time ones are derived below."""


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


@functools.cache
def _official(schema_file: str) -> dict[str, Any]:
    """The official schema with its ``$ref`` pointers (security schemas) resolved."""
    return resolve_refs(_load(OFFICIAL_DIR, schema_file))


@functools.cache
def _our_validator() -> SchemaPayloadValidator:
    return SchemaPayloadValidator({_action_kind(name): _ours(name) for name in SCHEMA_FILES})


def _subschema(schema: Mapping[str, Any], field_path: str) -> Mapping[str, Any]:
    """The subschema at a dotted field path such as ``meterValue[].timestamp``."""
    node = schema
    for part in field_path.split("."):
        name, brackets = part.removesuffix("[]"), part.endswith("[]")
        node = node["properties"][name]
        if brackets:
            node = node["items"]
    return node


def _schema_value(value: RuleValue) -> object:
    """A rule value as it appears in a schema (enums are lists there)."""
    return list(value) if isinstance(value, tuple) else value


def _canonical(keyword: str, value: object) -> object:
    """A keyword's value in comparable form: enums as sorted lists."""
    if keyword == "enum" and isinstance(value, list | tuple):
        return sorted(value, key=json_key)
    return value


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

_NESTING_KEYWORDS: Final = frozenset({"properties", "required", "additionalProperties", "items"})

_IGNORED_KEYWORDS: Final = frozenset(
    {"$schema", "$id", "title", "javaType", "additionalItems", "definitions"}
)
"""Keywords that carry no validation, or none here: names and ids; ``definitions``, whose
entries are compared where ``$ref`` used them; ``additionalItems``, which draft-04 §5.3.1
ignores when ``items`` is one schema (the only form OCPP uses)."""


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _structure(
    schema: Mapping[str, Any], path: str = "", depth: int = 0
) -> dict[tuple[str, str], object]:
    """Flatten a ``$ref``-free schema to ``{(field path, keyword): canonical value}``."""
    if depth > 8:
        raise AssertionError(f"schema nested deeper than expected at {path!r}")
    unknown = set(schema) - {*_STRUCTURAL_KEYWORDS, *_NESTING_KEYWORDS, *_IGNORED_KEYWORDS}
    if unknown:
        raise AssertionError(f"keywords the comparison does not know at {path!r}: {unknown}")
    flat: dict[tuple[str, str], object] = {
        (path, keyword): _canonical(keyword, schema[keyword])
        for keyword in _STRUCTURAL_KEYWORDS
        if keyword in schema
    }
    if schema.get("type") == "object" or "properties" in schema:
        # A missing "properties" (three security responses) is the same as {}.
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


def _format_sites(schema: Mapping[str, Any]) -> set[tuple[str, str]]:
    return {
        (path, str(value))
        for (path, keyword), value in _structure(schema).items()
        if keyword == "format"
    }


def _date_time_differences() -> Iterator[Difference]:
    """One "enforcement" row per ``format: date-time`` site of the official schemas."""
    for schema_file in OFFICIAL_FILES:
        for path, value in sorted(_format_sites(_official(schema_file))):
            if value == "date-time":
                yield Difference(
                    schema_file, path, "format", value, "ours", "enforcement", _DATE_TIME_CLAUSE
                )


DOCUMENTED_DIFFERENCES: Final[tuple[Difference, ...]] = (
    *_LISTED_DIFFERENCES,
    *_date_time_differences(),
)


def _differences(schema_file: str) -> tuple[Difference, ...]:
    return tuple(d for d in DOCUMENTED_DIFFERENCES if d.schema_file == schema_file)


# ---------------------------------------------------------------------------------------
# Rules


@functools.cache
def _relaxed_validator(schema_file: str) -> SchemaPayloadValidator:
    """Our validator for one schema with the documented rules where ours is stricter removed."""
    schema = copy.deepcopy(_ours(schema_file))
    for difference in _differences(schema_file):
        if difference.stricter == "ours":
            node = _subschema(schema, difference.field)
            assert isinstance(node, dict)
            node.pop(difference.keyword, None)
    return SchemaPayloadValidator({_action_kind(schema_file): schema})


@functools.cache
def _rule_validator(keyword: str, value: RuleValue) -> SchemaPayloadValidator:
    rule = {"type": "object", "properties": {"value": {keyword: _schema_value(value)}}}
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


@contextlib.contextmanager
def _validation_in_loop() -> Iterator[None]:
    """Let ``validate_payload`` validate in the event loop instead of a worker thread.

    The validation is the same (``validate_payload`` calls the same function either way); the
    thread hop per payload would cost more than the validation itself over the whole corpus.
    """
    saved = ocpp.messages.ASYNC_VALIDATION
    ocpp.messages.ASYNC_VALIDATION = False
    try:
        yield
    finally:
        ocpp.messages.ASYNC_VALIDATION = saved


async def _official_verdicts(action: str, kind: Kind, payloads: list[object]) -> list[bool]:
    """The ``ocpp`` package's verdicts: ``validate_payload`` on a Call or CallResult."""
    with _validation_in_loop():
        return [await _official_verdict(action, kind, index, p) for index, p in enumerate(payloads)]


async def _official_verdict(action: str, kind: Kind, index: int, payload: object) -> bool:
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
        return False
    return True


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
        d
        for d in _differences(schema_file)
        if d.enforced and d.stricter == rejecting and _violates(d, payload)
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


@functools.cache
def schema_corpus(schema_file: str) -> tuple[tuple[object, ...], int, int]:
    """The corpus of one schema file: ``(payloads, valid count, invalid count)``.

    Most payloads come from our schema. A smaller corpus from the official schema is added so
    that a value only the official schema allows (say an enum member we lost) is tried too.
    The counts are those generated from our schema, before deduplication.
    """
    invalid_count = max(INVALID_COUNT, INVALID_PER_SITE * len(schema_sites(_ours(schema_file))))
    valid, invalid = corpus(_ours(schema_file), seed=SEED, valid=VALID_COUNT, invalid=invalid_count)
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
    return tuple(payloads), len(valid), len(invalid)


@functools.cache
def _outcome(schema_file: str) -> Outcome:
    action, kind = _action_kind(schema_file)
    payloads, generated_valid, generated_invalid = schema_corpus(schema_file)
    official = asyncio.run(_official_verdicts(action, kind, list(payloads)))
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
# Docs page


_SOURCE_LABELS: Final[Mapping[Source, str]] = {
    "schema": "ours only",
    "enforcement": "both; checked by ours only",
    "unenforced": "official only; checked by neither",
}


def _message(schema_file: str) -> str:
    action, kind = _action_kind(schema_file)
    return f"{action}.{kind} (`{schema_file}`)"


def docs_row(difference: Difference) -> tuple[str, str, str, str, str]:
    """The row of the docs page table for ``difference``: message, field, rule, kind, clause.

    The rows in the page were produced with::

        for d in DOCUMENTED_DIFFERENCES: print("| " + " | ".join(docs_row(d)) + " |")
    """
    return (
        _message(difference.schema_file),
        f"`{difference.field}`",
        f"`{difference.rule}`",
        _SOURCE_LABELS[difference.source],
        difference.clause,
    )


def _documented_rows() -> list[tuple[str, ...]]:
    """The rows of the table under ``## Table`` in the docs page, header excluded."""
    rows: list[tuple[str, ...]] = []
    in_table = False
    for line in DOCS_PAGE.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            in_table = line.strip() == "## Table"
        elif in_table and line.startswith("|"):
            rows.append(tuple(c.strip() for c in line.strip().strip("|").split("|")))
    header, separator, *body = rows
    assert header == ("Message", "Field", "Rule", "Kind", "Clause")
    assert set("".join(separator)) <= {"-", " "}
    return body


# ---------------------------------------------------------------------------------------
# Tests


def test_generated_schemas_have_official_counterparts() -> None:
    assert len(SCHEMA_FILES) == 78, f"expected 78 schemas in {GENERATED_DIR}"
    assert SCHEMA_FILES == OFFICIAL_FILES


def test_difference_table_refers_to_emitted_rules() -> None:
    assert len(set(DOCUMENTED_DIFFERENCES)) == len(DOCUMENTED_DIFFERENCES)
    for d in DOCUMENTED_DIFFERENCES:
        assert d.schema_file in SCHEMA_FILES, d
        ours = _subschema(_ours(d.schema_file), d.field).get(d.keyword, _ABSENT)
        official = _subschema(_official(d.schema_file), d.field).get(d.keyword, _ABSENT)
        expected: dict[Source, tuple[object, object]] = {
            "schema": (d.official, d.value),
            "enforcement": (d.value, d.value),
            "unenforced": (d.value, _ABSENT),
        }
        expected_official, expected_ours = expected[d.source]
        assert _canonical(d.keyword, official) == _canonical(d.keyword, expected_official), d
        assert _canonical(d.keyword, ours) == _canonical(d.keyword, expected_ours), d
        assert (d.stricter == "ours") == (d.source != "unenforced"), d


def test_stricter_enum_is_a_subset_of_the_official_one() -> None:
    for d in DOCUMENTED_DIFFERENCES:
        if d.keyword == "enum":
            assert isinstance(d.value, tuple) and isinstance(d.official, tuple), d
            assert set(d.value) < set(d.official), d


def test_ocpp_library_does_not_check_formats() -> None:
    # The reason for the date-time and uri rows: validate_payload builds a Draft4Validator
    # without a format checker, so it accepts any string where the schema names a format.
    heartbeat = {"currentTime": "noon"}
    diagnostics = {"location": "not a URI at all"}
    [heartbeat_verdict] = asyncio.run(_official_verdicts("Heartbeat", "conf", [heartbeat]))
    [diagnostics_verdict] = asyncio.run(_official_verdicts("GetDiagnostics", "req", [diagnostics]))
    assert heartbeat_verdict is True
    assert diagnostics_verdict is True
    assert _our_verdict("Heartbeat", "conf", heartbeat) is False
    assert _our_verdict("GetDiagnostics", "req", diagnostics) is True


@pytest.mark.parametrize("schema_file", SCHEMA_FILES)
def test_every_format_keyword_is_documented(schema_file: str) -> None:
    # validate_payload ignores every "format", so each one in either schema is a difference.
    documented = [d for d in _differences(schema_file) if d.keyword == "format"]
    ours = {(d.field, str(d.value)) for d in documented if d.source != "unenforced"}
    official = {(d.field, str(d.value)) for d in documented}
    assert _format_sites(_ours(schema_file)) == ours
    assert _format_sites(_official(schema_file)) == official


@pytest.mark.parametrize("schema_file", SCHEMA_FILES)
def test_structure_matches_official_apart_from_documented_rules(schema_file: str) -> None:
    expected: dict[tuple[str, str], tuple[object, object]] = {}
    for d in _differences(schema_file):
        if d.source == "schema":
            expected[(d.field, d.keyword)] = (
                _canonical(d.keyword, _schema_value(d.official)),
                _canonical(d.keyword, _schema_value(d.value)),
            )
        elif d.source == "unenforced":
            expected[(d.field, d.keyword)] = (d.value, _ABSENT)
    assert _structural_diff(schema_file) == expected


@pytest.mark.parametrize("schema_file", SCHEMA_FILES)
def test_verdicts_agree_except_documented_differences(schema_file: str) -> None:
    outcome = _outcome(schema_file)
    assert not outcome.unexplained, (
        f"{len(outcome.unexplained)} undocumented disagreements, e.g.:\n"
        + "\n".join(outcome.unexplained[:10])
    )
    unseen = [
        f"{d.field} ({d.rule})"
        for d in _differences(schema_file)
        if d.enforced and not outcome.witnesses.get(d)
    ]
    assert not unseen, f"documented differences never observed in the corpus: {unseen}"
    valid_space = valid_space_size(_ours(schema_file), MIN_AGREED)
    assert outcome.generated_valid >= valid_space
    assert outcome.generated_invalid >= MIN_AGREED
    assert outcome.both_accept >= valid_space, outcome
    assert outcome.both_reject >= MIN_AGREED, outcome


def test_docs_page_lists_exactly_the_documented_differences() -> None:
    expected = sorted(docs_row(d) for d in DOCUMENTED_DIFFERENCES)
    assert sorted(_documented_rows()) == expected


def test_summary(record_property: Callable[[str, object], None]) -> None:
    outcomes = [_outcome(name) for name in SCHEMA_FILES]
    total = sum(o.total for o in outcomes)
    record_property("corpus_size", total)
    accepted: Counter[str] = Counter()
    rejected: Counter[str] = Counter()
    for o in outcomes:
        record_property(f"corpus_{o.schema_file}", o.total)
        action, _ = _action_kind(o.schema_file)
        accepted[action] += o.both_accept
        rejected[action] += o.both_reject
        print(
            f"{o.schema_file}: {o.total} payloads, both accept {o.both_accept}, "
            f"both reject {o.both_reject}, only ours rejects {o.only_ours_rejects}, "
            f"only official rejects {o.only_official_rejects}"
        )
    for action in sorted(accepted):
        record_property(f"message_{action}", (accepted[action], rejected[action]))
        print(
            f"{action} (req+conf): {accepted[action]} valid (accepted by both), "
            f"{rejected[action]} invalid (rejected by both)"
        )
    print(
        f"schema agreement: {len(outcomes)} schemas, {total} payloads, "
        f"{len(DOCUMENTED_DIFFERENCES)} documented differences; per message (req+conf) at "
        f"least {min(accepted.values())} valid and {min(rejected.values())} invalid"
    )
    assert total >= len(outcomes) * MIN_AGREED
