"""The compiled payload validators against the schema-interpreting reference.

The compiler turns every payload definition into a Python check function
(``generated/ocpp16/validators/``, reached through ``SPEC.validator()``) and also emits the
same definition as a draft-04 schema (``generated/ocpp16/schemas/``). The schemas are held to
the official OCA schemas by ``test_schema_agreement``; this module holds the compiled checks to
the schemas. :class:`runtime.conformance.schema_oracle.SchemaPayloadValidator`, which interprets
the emitted schemas with jsonschema, is the reference.

Every payload of the schema agreement corpus (all 78 schemas), plus hand-picked edge cases,
goes through both. They must reach the same outcome: both accept, or both raise
:class:`~runtime.ocppj.errors.PayloadError` with the same CALLERROR code (OCPP-J 1.6 §4.2.3) and the
same field path. Messages may be worded differently.

The leniencies of ``specs/ocpp16/leniencies.yaml`` exist only in the compiled checks. Each one
must reject its payload when off, exactly as the reference does, and accept it when on,
reporting its name.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

import pytest

from generated.ocpp16.registry import SPEC
from runtime.conformance.schema_oracle import SchemaPayloadValidator
from runtime.ocppj.errors import ErrorCode, PayloadError
from runtime.ocppj.payload import Kind, PayloadValidator
from tests.interop.test_schema_agreement import GENERATED_DIR, SCHEMA_FILES, schema_corpus

Verdict = tuple[ErrorCode, str] | None
"""``None`` for an accepted payload, else the error's ``(code, path)``."""

FORMATION: Final = ErrorCode.FORMATION_VIOLATION
TYPE: Final = ErrorCode.TYPE_CONSTRAINT_VIOLATION
OCCURRENCE: Final = ErrorCode.OCCURENCE_CONSTRAINT_VIOLATION
PROPERTY: Final = ErrorCode.PROPERTY_CONSTRAINT_VIOLATION


def _action_kind(schema_file: str) -> tuple[str, Kind]:
    stem = schema_file.removesuffix(".json")
    if stem.endswith("Response"):
        return stem.removesuffix("Response"), "conf"
    return stem, "req"


@functools.cache
def _reference() -> SchemaPayloadValidator:
    schemas: dict[tuple[str, str], Mapping[str, Any]] = {
        _action_kind(name): json.loads((GENERATED_DIR / name).read_text(encoding="utf-8"))
        for name in SCHEMA_FILES
    }
    return SchemaPayloadValidator(schemas)


@functools.cache
def _compiled(*lenient: str) -> PayloadValidator:
    return SPEC.validator(lenient=lenient)


def _verdict(validator: PayloadValidator, action: str, kind: Kind, payload: object) -> Verdict:
    """The outcome of one validation; an accepted payload must have needed no leniency."""
    try:
        used = validator.validate(action, kind, payload)
    except PayloadError as error:
        return error.code, error.path
    assert used == (), f"{action}.{kind} accepted {payload!r} only thanks to {used}"
    return None


def _lenient_verdict(action: str, kind: Kind, payload: object) -> tuple[str, ...] | None:
    """The leniencies used with all of them on, or ``None`` if still rejected."""
    try:
        return _compiled(*sorted(SPEC.leniencies)).validate(action, kind, payload)
    except PayloadError:
        return None


@dataclass(frozen=True)
class Comparison:
    """Compiled against reference over the corpus of one schema file."""

    compared: int
    accepted: int
    mismatches: tuple[str, ...]


@functools.cache
def _comparison(schema_file: str) -> Comparison:
    action, kind = _action_kind(schema_file)
    payloads, _, _ = schema_corpus(schema_file)
    mismatches: list[str] = []
    accepted = 0
    for payload in payloads:
        expected = _verdict(_reference(), action, kind, payload)
        actual = _verdict(_compiled(), action, kind, payload)
        accepted += expected is None
        if actual != expected:
            mismatches.append(f"{json.dumps(payload, default=str)[:200]}: {actual} != {expected}")
    return Comparison(len(payloads), accepted, tuple(mismatches))


# ---------------------------------------------------------------------------------------
# Edge cases


def _meter_value(**sampled: object) -> dict[str, object]:
    return {"timestamp": "2013-02-01T20:53:32Z", "sampledValue": [{"value": "1", **sampled}]}


def _status(**fields: object) -> dict[str, object]:
    return {"connectorId": 1, "errorCode": "NoError", "status": "Available", **fields}


def _profile(limit: object) -> dict[str, object]:
    schedule = {
        "chargingRateUnit": "A",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}],
    }
    profile = {
        "chargingProfileId": 1,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": schedule,
    }
    return {"connectorId": 1, "csChargingProfiles": profile}


_LIMIT: Final = "csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit"

EDGE_CASES: Final[tuple[tuple[str, Kind, object, Verdict], ...]] = (
    # OCPP-J 1.6 §4.2.1: the payload is a JSON object; anything else is no PDU.
    ("Heartbeat", "req", [], (FORMATION, "")),
    ("Heartbeat", "req", None, (FORMATION, "")),
    ("StatusNotification", "req", "connectorId", (FORMATION, "")),
    ("Heartbeat", "conf", Decimal("1"), (FORMATION, "")),
    # null is a present value of the wrong type, not a missing field.
    ("StatusNotification", "req", _status(connectorId=None), (TYPE, "connectorId")),
    ("StatusNotification", "req", _status(info=None), (TYPE, "info")),
    ("MeterValues", "req", {"connectorId": 0, "meterValue": [None]}, (TYPE, "meterValue[0]")),
    # Draft-04 integers: never a bool or a float, but an integral Decimal is one.
    ("StatusNotification", "req", _status(connectorId=True), (TYPE, "connectorId")),
    ("StatusNotification", "req", _status(connectorId=False), (TYPE, "connectorId")),
    ("StatusNotification", "req", _status(connectorId=1.0), (TYPE, "connectorId")),
    ("StatusNotification", "req", _status(connectorId=Decimal("1E+3")), None),
    ("StatusNotification", "req", _status(connectorId=Decimal("2.0")), None),
    ("StatusNotification", "req", _status(connectorId=Decimal("1.5")), (TYPE, "connectorId")),
    ("StatusNotification", "req", _status(connectorId=Decimal("-1E+0")), (PROPERTY, "connectorId")),
    ("Heartbeat", "conf", {"currentTime": True}, (TYPE, "currentTime")),
    # multipleOf 0.1 is exact on decimal text (OCPP 1.6 §7.14: one fractional digit).
    ("SetChargingProfile", "req", _profile(Decimal("16.1")), None),
    ("SetChargingProfile", "req", _profile(Decimal("16.15")), (PROPERTY, _LIMIT)),
    ("SetChargingProfile", "req", _profile(21.4), None),
    ("SetChargingProfile", "req", _profile(0.30000000000000004), (PROPERTY, _LIMIT)),
    ("SetChargingProfile", "req", _profile(Decimal("NaN")), (PROPERTY, _LIMIT)),
    ("SetChargingProfile", "req", _profile(False), (TYPE, _LIMIT)),
    # The first problem is at the smallest path: an unknown field competes by its name.
    ("StatusNotification", "req", _status(connectorId=-1, aaa=1), (FORMATION, "aaa")),
    ("StatusNotification", "req", _status(connectorId=-1, Zed=1), (FORMATION, "Zed")),
    ("StatusNotification", "req", _status(connectorId=-1, zzz=1), (PROPERTY, "connectorId")),
    ("StatusNotification", "req", _status(status="Bad", info2=1), (FORMATION, "info2")),
    ("StatusNotification", "req", _status(status="Bad", tim=1), (PROPERTY, "status")),
    ("StatusNotification", "req", _status(**{"": 1}), (FORMATION, "")),
    ("BootNotification", "req", {"a": 1}, (FORMATION, "a")),
    ("BootNotification", "req", {"d": 1}, (OCCURRENCE, "chargePointModel")),
    # Nested errors in list items: index order, and a parent before its children.
    (
        "MeterValues",
        "req",
        {"connectorId": 1, "meterValue": [_meter_value(), _meter_value(value=2)]},
        (TYPE, "meterValue[1].sampledValue[0].value"),
    ),
    (
        "MeterValues",
        "req",
        {
            "connectorId": 1,
            "meterValue": [
                *[_meter_value()] * 2,
                {"timestamp": "2013-02-01T20:53:32Z"},
                *[_meter_value()] * 7,
                _meter_value(unit="Volt"),
            ],
        },
        (OCCURRENCE, "meterValue[2].sampledValue"),
    ),
    (
        "MeterValues",
        "req",
        {"connectorId": 1, "meterValue": [{**_meter_value(), "extra": 1}], "meterValuf": 1},
        (FORMATION, "meterValue[0].extra"),
    ),
    (
        "MeterValues",
        "req",
        {"connectorId": -1, "meterValue": [{"timestamp": "noon", "sampledValue": []}]},
        (PROPERTY, "connectorId"),
    ),
    ("MeterValues", "req", {"connectorId": 1, "meterValue": []}, (OCCURRENCE, "meterValue")),
    (
        "GetConfiguration",
        "conf",
        {"configurationKey": [{"key": "k", "readonly": False}, {"key": "k", "readonly": "no"}]},
        (TYPE, "configurationKey[1].readonly"),
    ),
    (
        "SendLocalList",
        "req",
        {
            "listVersion": 1,
            "updateType": "Full",
            "localAuthorizationList": [
                {"idTag": "a"},
                {"idTag": "b", "idTagInfo": {"status": "Accepted", "expiryDate": "noon"}},
            ],
        },
        (PROPERTY, "localAuthorizationList[1].idTagInfo.expiryDate"),
    ),
    # maxLength counts characters (code points), not bytes or UTF-16 units.
    ("Authorize", "req", {"idTag": "\U0001f50c" * 20}, None),
    ("Authorize", "req", {"idTag": "\U0001f50c" * 21}, (PROPERTY, "idTag")),
)


@dataclass(frozen=True)
class LeniencyCase:
    """A payload that needs exactly one leniency, and the error it gets without it."""

    action: str
    kind: Kind
    payload: dict[str, object]
    path: str


LENIENCY_CASES: Final[Mapping[str, LeniencyCase]] = {
    "long_firmware_version": LeniencyCase(
        "BootNotification",
        "req",
        {"chargePointVendor": "Acme", "chargePointModel": "Wall2", "firmwareVersion": "v" * 51},
        "firmwareVersion",
    ),
    "sampled_value_hertz": LeniencyCase(
        "MeterValues",
        "req",
        {"connectorId": 1, "meterValue": [_meter_value(measurand="Frequency", unit="Hertz")]},
        "meterValue[0].sampledValue[0].unit",
    ),
    "naive_meter_timestamp": LeniencyCase(
        "StopTransaction",
        "req",
        {
            "meterStop": 10,
            "timestamp": "2013-02-01T20:53:32Z",
            "transactionId": 7,
            "transactionData": [
                _meter_value(),
                {**_meter_value(), "timestamp": "2013-02-01T21:00:00"},
            ],
        },
        "transactionData[1].timestamp",
    ),
    "long_status_info": LeniencyCase("StatusNotification", "req", _status(info="i" * 255), "info"),
}


# ---------------------------------------------------------------------------------------
# Tests


def test_compiled_checks_cover_exactly_the_emitted_schemas() -> None:
    assert set(SPEC.checks) == {_action_kind(name) for name in SCHEMA_FILES}
    assert _compiled().actions() == _reference().actions()


@pytest.mark.parametrize("schema_file", SCHEMA_FILES)
def test_compiled_validator_equals_reference_on_corpus(schema_file: str) -> None:
    comparison = _comparison(schema_file)
    assert not comparison.mismatches, (
        f"{len(comparison.mismatches)} of {comparison.compared} payloads differ "
        "(compiled != reference), e.g.:\n" + "\n".join(comparison.mismatches[:10])
    )


@pytest.mark.parametrize(("action", "kind", "payload", "expected"), EDGE_CASES)
def test_compiled_validator_equals_reference_on_edge_case(
    action: str, kind: Kind, payload: object, expected: Verdict
) -> None:
    assert _verdict(_reference(), action, kind, payload) == expected
    assert _verdict(_compiled(), action, kind, payload) == expected


@pytest.mark.parametrize("schema_file", SCHEMA_FILES)
def test_leniencies_only_accept_what_strict_rejects(schema_file: str) -> None:
    # With every leniency on, a strictly valid payload still needs none, and a payload the
    # strict check rejects is either still rejected or accepted naming what it needed.
    action, kind = _action_kind(schema_file)
    payloads, _, _ = schema_corpus(schema_file)
    for payload in payloads:
        strict = _verdict(_compiled(), action, kind, payload)
        lenient = _lenient_verdict(action, kind, payload)
        if strict is None:
            assert lenient == (), payload
        elif lenient is not None:
            assert lenient and set(lenient) <= set(SPEC.leniencies), (payload, lenient)


def test_every_declared_leniency_has_a_case() -> None:
    assert set(LENIENCY_CASES) == set(SPEC.leniencies)


@pytest.mark.parametrize("name", sorted(LENIENCY_CASES))
def test_leniency_off_rejects_like_the_reference(name: str) -> None:
    case = LENIENCY_CASES[name]
    expected = (PROPERTY, case.path)
    assert _verdict(_reference(), case.action, case.kind, case.payload) == expected
    assert _verdict(_compiled(), case.action, case.kind, case.payload) == expected
    others = sorted(set(SPEC.leniencies) - {name})
    assert _verdict(_compiled(*others), case.action, case.kind, case.payload) == expected


@pytest.mark.parametrize("name", sorted(LENIENCY_CASES))
def test_leniency_on_accepts_and_names_itself(name: str) -> None:
    case = LENIENCY_CASES[name]
    assert _compiled(name).validate(case.action, case.kind, case.payload) == (name,)
    everything = _compiled(*sorted(SPEC.leniencies))
    assert everything.validate(case.action, case.kind, case.payload) == (name,)


def test_leniencies_used_together_are_reported_in_first_use_order() -> None:
    # Fields are checked in name order: sampledValue (Hertz) before timestamp (naive).
    meter_value = {**_meter_value(unit="Hertz"), "timestamp": "2013-02-01T21:00:00"}
    payload = {"connectorId": 1, "meterValue": [meter_value]}
    validator = _compiled("naive_meter_timestamp", "sampled_value_hertz")
    used = validator.validate("MeterValues", "req", payload)
    assert used == ("sampled_value_hertz", "naive_meter_timestamp")


def test_a_leniency_only_widens_its_own_rule() -> None:
    too_long = {"chargePointVendor": "A", "chargePointModel": "B", "firmwareVersion": "v" * 256}
    validator = _compiled(*sorted(SPEC.leniencies))
    assert _verdict(validator, "BootNotification", "req", too_long) == (PROPERTY, "firmwareVersion")
    no_offset = _status(timestamp="2013-02-01T21:00:00")  # naive_meter_timestamp: meters only
    assert _verdict(validator, "StatusNotification", "req", no_offset) == (PROPERTY, "timestamp")


def test_unknown_leniency_name_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown leniency everything_goes"):
        SPEC.validator(lenient=["everything_goes"])


def test_summary(record_property: Callable[[str, object], None]) -> None:
    comparisons = [_comparison(name) for name in SCHEMA_FILES]
    corpus_total = sum(c.compared for c in comparisons)
    accepted = sum(c.accepted for c in comparisons)
    total = corpus_total + len(EDGE_CASES) + len(LENIENCY_CASES)
    record_property("compared_payloads", total)
    print(
        f"compiled vs reference: {total} payloads compared ({corpus_total} from the corpus of "
        f"{len(comparisons)} schemas, {accepted} of them accepted; {len(EDGE_CASES)} edge "
        f"cases; {len(LENIENCY_CASES)} leniency cases)"
    )
    assert all(not c.mismatches for c in comparisons)
