"""What a device's PICS and its meter do to its configuration keys.

- A declared supported range narrows an integer key (PICS Minimum/Maximum HeartbeatInterval
  and MeterValueSampleInterval); 0, "no sampled data" (OCPP 1.6 §9.1.19), stays allowed.
- A fixed cable pins UnlockConnectorOnEVSideDisconnect read-only false (errata E3.84); the
  PICS choice always / never pins StopTransactionOnEVSideDisconnect read-only true / false,
  configurable leaves it read-write (errata E3.80).
- A measurand list takes only measurands the meter supplies (§3.16.4), and a refused list
  changes nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from generated.ocpp16.registry import SPEC
from runtime.spec.config_keys import ConfigError
from runtime.spec.pics import PicsValues
from runtime.station.config import ConfigStore, pinned_values, shaped_keys
from runtime.station.services import SUPPORTED_MEASURANDS
from runtime.station.station import Station, StationIdentity
from tests.runtime.test_callerror_rules import T0, accepted_station, call, reply_to

MEASURAND_KEYS = (
    "MeterValuesSampledData",
    "MeterValuesAlignedData",
    "StopTxnSampledData",
    "StopTxnAlignedData",
)


def _shaped(pics: dict[str, Any]) -> dict[str, Any]:
    values = PicsValues(SPEC.pics_items, pics)
    return {k.name: k for k in shaped_keys(SPEC.config_keys, values)}


def _change(station: Station, key: str, value: str) -> str:
    reply = reply_to(station, call("ChangeConfiguration", {"key": key, "value": value}))
    return str(reply[2]["status"])


# --- ranges --------------------------------------------------------------------------------------


def test_declared_heartbeat_range_narrows_the_key() -> None:
    key = _shaped({"MinHeartbeatInterval": 30, "MaxHeartbeatInterval": 3600})["HeartbeatInterval"]
    assert (key.minimum, key.maximum) == (30, 3600)
    assert key.default == 300  # inside: unchanged


def test_undeclared_range_leaves_the_key_as_the_spec_declares() -> None:
    declared = next(k for k in SPEC.config_keys if k.name == "HeartbeatInterval")
    assert _shaped({})["HeartbeatInterval"] == declared


def test_a_start_value_outside_the_declared_range_starts_at_the_nearest_bound() -> None:
    key = _shaped({"MaxHeartbeatInterval": 120})["HeartbeatInterval"]
    assert key.maximum == 120 and key.default == 120


def test_sample_interval_range_keeps_zero_as_no_sampled_data() -> None:
    pics = {"MinMeterValueSampleInterval": 10, "MaxMeterValueSampleInterval": 900}
    store = ConfigStore(shaped_keys(SPEC.config_keys, PicsValues(SPEC.pics_items, pics)))
    assert store.check("MeterValueSampleInterval", "0") == 0
    assert store.check("MeterValueSampleInterval", "10") == 10
    for value in ("9", "901"):
        with pytest.raises(ConfigError):
            store.check("MeterValueSampleInterval", value)


@pytest.mark.parametrize(
    ("value", "status"),
    [("29", "Rejected"), ("30", "Accepted"), ("3600", "Accepted"), ("3601", "Rejected")],
)
def test_change_configuration_keeps_the_declared_heartbeat_range(value: str, status: str) -> None:
    pics = {"MinHeartbeatInterval": 30, "MaxHeartbeatInterval": 3600}
    station = accepted_station(pics=pics, handlers={})
    assert _change(station, "HeartbeatInterval", value) == status
    expected = int(value) if status == "Accepted" else 300
    assert station.config.get("HeartbeatInterval") == expected


# --- keys the PICS pins --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pics", "key", "pinned"),
    [
        ({"FixedCable": True}, "UnlockConnectorOnEVSideDisconnect", False),
        (
            {"StopTransactionOnEVSideDisconnect": "always"},
            "StopTransactionOnEVSideDisconnect",
            True,
        ),
        (
            {"StopTransactionOnEVSideDisconnect": "never"},
            "StopTransactionOnEVSideDisconnect",
            False,
        ),
    ],
)
def test_a_pinned_key_is_read_only_at_its_value(
    pics: dict[str, Any], key: str, pinned: bool
) -> None:
    spec = _shaped(pics)[key]
    assert spec.read_only and spec.default is pinned
    values = PicsValues(SPEC.pics_items, pics)
    assert pinned_values(SPEC.config_keys, values) == {key: pinned}
    # The pin wins over a start value the caller gives: it is a fact of the device.
    station = Station(
        SPEC, StationIdentity("CP"), connectors=1, now=T0, pics=pics, config={key: not pinned}
    )
    assert station.config.get(key) is pinned and station.config.is_read_only(key)


@pytest.mark.parametrize(
    "pics", [{"FixedCable": False}, {"StopTransactionOnEVSideDisconnect": "configurable"}]
)
def test_without_the_pin_both_keys_stay_read_write(pics: dict[str, Any]) -> None:
    keys = _shaped(pics)
    assert not keys["UnlockConnectorOnEVSideDisconnect"].read_only
    assert not keys["StopTransactionOnEVSideDisconnect"].read_only


def test_change_configuration_of_a_pinned_key_is_rejected_and_changes_nothing() -> None:
    station = accepted_station(pics={"FixedCable": True}, handlers={})
    assert _change(station, "UnlockConnectorOnEVSideDisconnect", "true") == "Rejected"
    assert station.config.get("UnlockConnectorOnEVSideDisconnect") is False


# --- measurands the meter supplies --------------------------------------------------------------


def test_the_simulated_meter_does_not_supply_rpm() -> None:
    assert "RPM" not in SUPPORTED_MEASURANDS  # the measurand the scenarios take as unsupported
    assert "Energy.Active.Import.Register" in SUPPORTED_MEASURANDS


@pytest.mark.parametrize("key", MEASURAND_KEYS)
def test_a_measurand_the_meter_cannot_supply_rejects_the_list(key: str) -> None:
    store = ConfigStore(SPEC.config_keys, supplies={"meter": SUPPORTED_MEASURANDS})
    store.set(key, "Energy.Active.Import.Register")
    with pytest.raises(ConfigError, match="meter cannot supply RPM"):
        store.set(key, "Energy.Active.Import.Register,RPM")
    assert store.get(key) == ["Energy.Active.Import.Register"]
    store.set(key, "Energy.Active.Import.Register,Voltage")
    assert store.get(key) == ["Energy.Active.Import.Register", "Voltage"]


def test_a_store_told_nothing_of_the_meter_takes_every_measurand() -> None:
    store = ConfigStore(SPEC.config_keys)
    store.set("MeterValuesSampledData", "RPM")
    assert store.get("MeterValuesSampledData") == ["RPM"]


@pytest.mark.parametrize("key", MEASURAND_KEYS)
def test_change_configuration_with_an_unsupplied_measurand_is_rejected(key: str) -> None:
    station = accepted_station(handlers={})
    before = station.config.get(key)
    assert _change(station, key, "RPM") == "Rejected"
    assert station.config.get(key) == before


# --- GetConfiguration (§5.8) ---------------------------------------------------------------------


def test_get_configuration_reports_a_key_in_its_declared_spelling() -> None:
    # Keys are CiString50 (§7.29): found whatever the letter case, reported as declared.
    station = accepted_station(handlers={})
    reply = reply_to(station, call("GetConfiguration", {"key": ["heartbeatinterval", "NOPE"]}))
    assert reply[2] == {
        "configurationKey": [{"key": "HeartbeatInterval", "readonly": False, "value": "300"}],
        "unknownKey": ["NOPE"],
    }


def test_get_configuration_lists_a_known_key_without_a_value() -> None:
    # §5.8: every recognized key is in configurationKey; KeyValue.value is optional (§7.29),
    # so a key that has no value is listed without one, never left out of both lists.
    station = accepted_station(handlers={})
    # Every declared Core key has a start value today: take one away to reach the case.
    station.config._values.pop("ConnectorPhaseRotation")
    reply = reply_to(station, call("GetConfiguration", {"key": ["ConnectorPhaseRotation"]}))
    assert reply[2] == {
        "configurationKey": [{"key": "ConnectorPhaseRotation", "readonly": False}],
    }


def test_a_boot_interval_outside_the_declared_range_is_adopted_at_the_nearest_bound() -> None:
    # §4.2: the Charge Point adopts the interval of BootNotification.conf; beyond what it
    # supports (PICS Minimum/Maximum HeartbeatInterval) it comes as close as it can.
    pics = {"MinHeartbeatInterval": 30, "MaxHeartbeatInterval": 3600}
    station = Station(SPEC, StationIdentity("CP"), connectors=1, now=T0, pics=pics)
    station.set_config("HeartbeatInterval", 5)
    assert station.config.get("HeartbeatInterval") == 30
    station.set_config("HeartbeatInterval", 86_400)
    assert station.config.get("HeartbeatInterval") == 3600
    station.set_config("HeartbeatInterval", "often")  # not a number: kept
    assert station.config.get("HeartbeatInterval") == 3600
