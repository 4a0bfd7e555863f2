"""Tests for the reference payload validator, JSON schemas mapped to CALLERROR codes
(runtime.conformance.schema_oracle)."""

from __future__ import annotations

import functools
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import ocpp  # type: ignore[import-untyped]
import pytest

from runtime.conformance.schema_oracle import SchemaPayloadValidator, validation_error_code
from runtime.ocppj.errors import ErrorCode, PayloadError
from runtime.ocppj.frames import Call, decode_frame, encode_frame
from runtime.ocppj.payload import PayloadValidator

SCHEMA_DIR = Path(ocpp.__file__).parent / "v16" / "schemas"

PROPERTY = ErrorCode.PROPERTY_CONSTRAINT_VIOLATION
OCCURENCE = ErrorCode.OCCURENCE_CONSTRAINT_VIOLATION
TYPE = ErrorCode.TYPE_CONSTRAINT_VIOLATION
FORMATION = ErrorCode.FORMATION_VIOLATION


@functools.cache
def official_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """The official OCPP 1.6 schemas from the ``ocpp`` package, keyed by (action, kind)."""
    schemas: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        name = path.stem
        key = (name.removesuffix("Response"), "conf" if name.endswith("Response") else "req")
        schemas[key] = json.loads(path.read_text(encoding="utf-8"))
    return schemas


@functools.cache
def official_validator() -> SchemaPayloadValidator:
    return SchemaPayloadValidator(official_schemas())


def _error(action: str, kind: str, payload: object) -> PayloadError:
    validator = official_validator()
    with pytest.raises(PayloadError) as info:
        validator.validate(action, kind, payload)  # type: ignore[arg-type]
    return info.value


def _custom_error(schema: dict[str, Any], payload: object) -> PayloadError:
    validator = SchemaPayloadValidator({("Custom", "req"): schema})
    with pytest.raises(PayloadError) as info:
        validator.validate("Custom", "req", payload)
    return info.value


def _custom_ok(schema: dict[str, Any], payload: object) -> None:
    SchemaPayloadValidator({("Custom", "req"): schema}).validate("Custom", "req", payload)


BOOT_CONF_OK = {"status": "Accepted", "currentTime": "2013-02-01T20:53:32.486Z", "interval": 300}


@pytest.mark.parametrize(
    ("keyword", "code"),
    [
        ("type", TYPE),
        ("required", OCCURENCE),
        ("minItems", OCCURENCE),
        ("maxItems", OCCURENCE),
        ("additionalProperties", FORMATION),
        ("maxLength", PROPERTY),
        ("minLength", PROPERTY),
        ("enum", PROPERTY),
        ("minimum", PROPERTY),
        ("maximum", PROPERTY),
        ("multipleOf", PROPERTY),
        ("pattern", PROPERTY),
        ("format", PROPERTY),
        ("anyOf", FORMATION),
        ("dependencies", FORMATION),
        ("somethingElse", FORMATION),
    ],
)
def test_validation_error_code_table(keyword: str, code: ErrorCode) -> None:
    assert validation_error_code(keyword) is code


def test_all_official_schemas_load_and_are_valid_draft4() -> None:
    validator = official_validator()
    assert len(official_schemas()) == len(list(SCHEMA_DIR.glob("*.json")))
    assert {"BootNotification", "Heartbeat", "SetChargingProfile"} <= validator.actions()
    assert isinstance(validator.actions(), frozenset)


def test_schema_validator_satisfies_protocol() -> None:
    validator: PayloadValidator = official_validator()
    validator.validate("Heartbeat", "req", {})


def test_valid_payloads_pass() -> None:
    validator = official_validator()
    validator.validate(
        "BootNotification", "req", {"chargePointVendor": "v", "chargePointModel": "m"}
    )
    validator.validate("BootNotification", "conf", BOOT_CONF_OK)
    validator.validate("Authorize", "conf", {"idTagInfo": {"status": "Accepted"}})


def test_missing_required_field_is_occurence_violation_naming_field() -> None:
    error = _error("BootNotification", "req", {"chargePointVendor": "v"})
    assert error.code is OCCURENCE
    assert error.path == "chargePointModel"


def test_missing_nested_required_field_path() -> None:
    error = _error("Authorize", "conf", {"idTagInfo": {}})
    assert error.code is OCCURENCE
    assert error.path == "idTagInfo.status"
    assert str(error) == f"idTagInfo.status: {error.message}"


def test_wrong_type_is_type_constraint_violation() -> None:
    error = _error("BootNotification", "req", {"chargePointVendor": 12, "chargePointModel": "m"})
    assert error.code is TYPE
    assert error.path == "chargePointVendor"


def test_too_long_string_is_property_constraint_violation() -> None:
    payload = {"chargePointVendor": "v" * 21, "chargePointModel": "m"}
    error = _error("BootNotification", "req", payload)
    assert error.code is PROPERTY
    assert error.path == "chargePointVendor"
    official_validator().validate(
        "BootNotification", "req", {**payload, "chargePointVendor": "v" * 20}
    )


def test_extra_field_is_formation_violation_naming_field() -> None:
    payload = {"chargePointVendor": "v", "chargePointModel": "m", "colour": "red"}
    error = _error("BootNotification", "req", payload)
    assert error.code is FORMATION
    assert error.path == "colour"


def test_enum_violation_is_property_constraint_violation() -> None:
    error = _error("BootNotification", "conf", {**BOOT_CONF_OK, "status": "Maybe"})
    assert error.code is PROPERTY
    assert error.path == "status"


def test_empty_array_below_min_items_is_occurence_violation() -> None:
    error = _error("MeterValues", "req", {"connectorId": 1, "meterValue": []})
    assert error.code is OCCURENCE
    assert error.path == "meterValue"


def test_list_index_in_path() -> None:
    sampled = [{"value": "1"}, {"value": "2"}, {"value": "3"}, {"value": 4}]
    payload = {
        "connectorId": 1,
        "meterValue": [{"timestamp": "2020-01-01T00:00:00Z", "sampledValue": sampled}],
    }
    error = _error("MeterValues", "req", payload)
    assert error.code is TYPE
    assert error.path == "meterValue[0].sampledValue[3].value"


@pytest.mark.parametrize(
    ("schema", "payload", "code"),
    [
        ({"type": "integer", "minimum": 0}, -1, PROPERTY),
        ({"type": "integer", "maximum": 10}, 11, PROPERTY),
        ({"type": "string", "pattern": "^[A-Z]+$"}, "abc", PROPERTY),
        ({"type": "string", "minLength": 2}, "a", PROPERTY),
        ({"type": "array", "maxItems": 1}, [1, 2], OCCURENCE),
        ({"type": "number", "multipleOf": 0.5}, 1.25, PROPERTY),
        ({"anyOf": [{"type": "string"}, {"type": "integer"}]}, 1.5, FORMATION),
    ],
)
def test_keyword_mapping_on_custom_schemas(
    schema: dict[str, Any], payload: Any, code: ErrorCode
) -> None:
    wrapped = {"type": "object", "properties": {"f": schema}}
    error = _custom_error(wrapped, {"f": payload})
    assert error.code is code
    assert error.path == "f"


@pytest.mark.parametrize(
    "text",
    [
        "2013-02-01T20:53:32.486Z",
        "2013-02-01T20:53:32Z",
        "2013-02-01t20:53:32z",
        "2013-02-01T21:53:32+01:00",
        "2013-02-01T15:23:32.123456-05:30",
    ],
)
def test_date_time_with_time_zone_passes(text: str) -> None:
    official_validator().validate("Heartbeat", "conf", {"currentTime": text})


@pytest.mark.parametrize(
    "text",
    [
        "2013-02-01T20:53:32.486",
        "2013-02-01T20:53:32",
        "2013-02-01",
        "2013-02-01T20:53Z",
        "20130201T205332Z",
        "2013-02-30T20:53:32Z",
        "2013-02-01T25:00:00Z",
        "2013-02-01 20:53:32Z",
        "2013-02-01T20:53:32+0100",
        "yesterday",
        "",
    ],
)
def test_bad_date_time_is_property_constraint_violation(text: str) -> None:
    error = _error("Heartbeat", "conf", {"currentTime": text})
    assert error.code is PROPERTY
    assert error.path == "currentTime"


def test_date_time_without_time_zone_in_boot_conf() -> None:
    error = _error(
        "BootNotification", "conf", {**BOOT_CONF_OK, "currentTime": "2013-02-01T20:53:32"}
    )
    assert (error.code, error.path) == (PROPERTY, "currentTime")


def test_true_is_not_an_integer_or_number() -> None:
    assert _error("BootNotification", "conf", {**BOOT_CONF_OK, "interval": True}).code is TYPE
    error = _custom_error({"type": "object", "properties": {"n": {"type": "number"}}}, {"n": False})
    assert error.code is TYPE


@pytest.mark.parametrize("value", [Decimal("300"), Decimal("3E+2"), Decimal("300.0")])
def test_integral_decimal_is_an_integer(value: Decimal) -> None:
    official_validator().validate("BootNotification", "conf", {**BOOT_CONF_OK, "interval": value})


@pytest.mark.parametrize("value", [Decimal("300.5"), 300.0, "300"])
def test_non_integral_values_are_not_integers(value: object) -> None:
    error = _error("BootNotification", "conf", {**BOOT_CONF_OK, "interval": value})
    assert error.code is TYPE


def _profile(limit: object) -> dict[str, Any]:
    schedule = {
        "chargingRateUnit": "A",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}],
    }
    profile = {
        "chargingProfileId": 1,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": schedule,
    }
    return {"connectorId": 1, "csChargingProfiles": profile}


@pytest.mark.parametrize("limit", [Decimal("16.1"), Decimal("16"), 16, 0.3, 16.1, Decimal("1E+2")])
def test_decimal_and_one_decimal_numbers_pass_multiple_of(limit: object) -> None:
    official_validator().validate("SetChargingProfile", "req", _profile(limit))


@pytest.mark.parametrize("limit", [Decimal("16.15"), 16.15, Decimal("0.01")])
def test_multiple_of_is_exact(limit: object) -> None:
    error = _error("SetChargingProfile", "req", _profile(limit))
    assert error.code is PROPERTY
    assert error.path == "csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit"


def test_decoded_frame_payload_validates_with_decimal_schema() -> None:
    # Schemas parsed with Decimal (multipleOf 0.1 exact) work as well as float ones.
    schema_text = (SCHEMA_DIR / "SetChargingProfile.json").read_text(encoding="utf-8")
    schema = json.loads(schema_text, parse_float=Decimal)
    validator = SchemaPayloadValidator({("SetChargingProfile", "req"): schema})
    frame = decode_frame(encode_frame(Call("1", "SetChargingProfile", _profile(Decimal("16.1")))))
    assert isinstance(frame, Call)
    period = frame.payload["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"]
    assert period[0]["limit"] == Decimal("16.1")
    validator.validate("SetChargingProfile", "req", frame.payload)
    with pytest.raises(PayloadError):
        validator.validate("SetChargingProfile", "req", _profile(Decimal("16.15")))


def test_errors_are_chosen_by_path_then_priority() -> None:
    # Missing chargePointModel sorts before chargePointVendor's type error.
    error = _error("BootNotification", "req", {"chargePointVendor": 12})
    assert (error.code, error.path) == (OCCURENCE, "chargePointModel")
    # Siblings are ordered by field name.
    error = _error(
        "Authorize", "conf", {"idTagInfo": {"status": "Bogus", "parentIdTag": 5, "x": 1}}
    )
    assert (error.code, error.path) == (TYPE, "idTagInfo.parentIdTag")
    # A parent's problem comes before its children's.
    schema = {
        "type": "object",
        "properties": {
            "a": {"type": "object", "maxProperties": 0, "properties": {"b": {"type": "string"}}}
        },
    }
    error = _custom_error(schema, {"a": {"b": 1}})
    assert (error.code, error.path) == (FORMATION, "a")


def test_numeric_list_order_in_paths() -> None:
    sampled: list[dict[str, object]] = [{"value": "ok"} for _ in range(11)]
    sampled[10] = {"value": 10}
    sampled[2] = {"value": 2}
    payload = {
        "connectorId": 1,
        "meterValue": [{"timestamp": "2020-01-01T00:00:00Z", "sampledValue": sampled}],
    }
    assert _error("MeterValues", "req", payload).path == "meterValue[0].sampledValue[2].value"


def test_choice_does_not_depend_on_key_order() -> None:
    a = {"chargePointVendor": "v" * 30, "chargePointModel": "m" * 30, "extra": 1}
    b = dict(reversed(list(a.items())))
    first, second = _error("BootNotification", "req", a), _error("BootNotification", "req", b)
    assert (first.code, first.path, first.message) == (second.code, second.path, second.message)
    assert first.path == "chargePointModel"


def test_several_missing_fields_pick_the_first_by_name() -> None:
    error = _error("BootNotification", "req", {})
    assert (error.code, error.path) == (OCCURENCE, "chargePointModel")


def test_non_object_payload_is_formation_violation_at_root() -> None:
    payloads: list[object] = [[], "x", None, 3]
    for payload in payloads:
        error = _error("Heartbeat", "req", payload)
        assert (error.code, error.path) == (FORMATION, "")
        assert str(error) == error.message


def test_unknown_action_or_kind_raises_key_error() -> None:
    validator = SchemaPayloadValidator({("OnlyReq", "req"): {"type": "object"}})
    assert validator.actions() == frozenset({"OnlyReq"})
    with pytest.raises(KeyError):
        validator.validate("Nope", "req", {})
    with pytest.raises(KeyError):
        validator.validate("OnlyReq", "conf", {})


def test_invalid_schema_is_rejected_at_construction() -> None:
    with pytest.raises(jsonschema.SchemaError):
        SchemaPayloadValidator({("Bad", "req"): {"type": 5}})


def test_long_messages_are_truncated() -> None:
    error = _custom_error(
        {"type": "object", "properties": {"s": {"enum": ["a"]}}}, {"s": "x" * 1000}
    )
    assert error.code is PROPERTY
    assert len(error.message) <= 200


def test_payload_error_attributes() -> None:
    error = PayloadError(TYPE, "a.b", "bad")
    assert (error.code, error.path, error.message, str(error)) == (TYPE, "a.b", "bad", "a.b: bad")
