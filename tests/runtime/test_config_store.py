"""The configuration store checks every value the way ChangeConfiguration needs (OCPP 1.6 §5.3,
§7.29, chapter 9), whether the Central System or the Charge Point itself sets it.

Most cases use the Core keys the spec set declares (generated registry); a few use small
hand-made keys for rules no Core key exercises (string keys, a csl without companion). The
last test reads values back from a station's store, SQLite and in-process alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from generated.ocpp16.enums import Measurand, Phase
from generated.ocpp16.registry import SPEC
from runtime.spec.config_keys import ConfigError, ConfigKeySpec, coerce_value, wire_text
from runtime.station.config import ConfigStore
from runtime.station.station import Station, StationIdentity
from runtime.station.store import StationStore, Store
from runtime.station.store_memory import MemoryStore

# OCPP 1.6 §9.1 (edition 2) plus the keys errata E3.83 and E3.91 add to the Core profile.
CORE_KEYS = {
    "AllowOfflineTxForUnknownId",
    "AuthorizationCacheEnabled",
    "AuthorizeRemoteTxRequests",
    "BlinkRepeat",
    "ClockAlignedDataInterval",
    "ConnectionTimeOut",
    "ConnectorPhaseRotation",
    "ConnectorPhaseRotationMaxLength",
    "GetConfigurationMaxKeys",
    "HeartbeatInterval",
    "LightIntensity",
    "LocalAuthorizeOffline",
    "LocalPreAuthorize",
    "MaxEnergyOnInvalidId",
    "MessageTimeout",
    "MeterValuesAlignedData",
    "MeterValuesAlignedDataMaxLength",
    "MeterValuesSampledData",
    "MeterValuesSampledDataMaxLength",
    "MeterValueSampleInterval",
    "MinimumStatusDuration",
    "NumberOfConnectors",
    "ResetRetries",
    "StopTransactionMaxMeterValues",
    "StopTransactionOnEVSideDisconnect",
    "StopTransactionOnInvalidId",
    "StopTxnAlignedData",
    "StopTxnAlignedDataMaxLength",
    "StopTxnSampledData",
    "StopTxnSampledDataMaxLength",
    "SupportedFeatureProfiles",
    "SupportedFeatureProfilesMaxLength",
    "TransactionMessageAttempts",
    "TransactionMessageRetryInterval",
    "UnlockConnectorOnEVSideDisconnect",
    "WebSocketPingInterval",
}


def _store(overrides: dict[str, Any] | None = None) -> ConfigStore:
    return ConfigStore(SPEC.config_keys, overrides)


def _key(**fields: Any) -> ConfigKeySpec:
    base: dict[str, Any] = {
        "name": "K",
        "profile": "Core",
        "kind": "string",
        "access": "RW",
        "required": False,
        "default": None,
    }
    return ConfigKeySpec(**(base | fields))


# --- the declared keys ---------------------------------------------------------------------


def test_every_core_key_is_declared_with_a_default_it_accepts() -> None:
    core = {k.name for k in SPEC.config_keys if k.profile == "Core"}
    assert core == CORE_KEYS
    store = _store()
    for spec in SPEC.config_keys:
        assert spec.default is not None, spec.name
        store.set(spec.name, store.wire_value(spec.name))  # the wire form reads back
    assert store.snapshot() == _store().snapshot()


def test_access_and_requiredness_follow_the_errata() -> None:
    store = _store()
    read_only = {k for k in CORE_KEYS if store.is_read_only(k)}
    assert read_only == {
        "ConnectorPhaseRotationMaxLength",
        "GetConfigurationMaxKeys",
        "MeterValuesAlignedDataMaxLength",
        "MeterValuesSampledDataMaxLength",
        "NumberOfConnectors",
        "StopTransactionMaxMeterValues",
        "StopTxnAlignedDataMaxLength",
        "StopTxnSampledDataMaxLength",
        "SupportedFeatureProfiles",
        "SupportedFeatureProfilesMaxLength",
    }
    # Errata E3.80: optional since the errata sheet, R or RW (the simulator takes RW).
    assert not store.spec("StopTransactionOnEVSideDisconnect").required
    assert not store.is_read_only("StopTransactionOnEVSideDisconnect")
    # No Core key needs a reboot to take effect.
    assert not any(store.spec(k).reboot_required for k in CORE_KEYS)


def test_csl_keys_name_their_max_length_companion() -> None:
    store = _store()
    # Every Core csl key has a <Key>MaxLength companion (§9.1); the other profiles' csl keys
    # (ChargingScheduleAllowedChargingRateUnit §9.4.2, SupportedFileTransferProtocols E3.90)
    # have none.
    csl = {
        k.name: k.max_items_key for k in SPEC.config_keys if k.kind == "csl" and k.profile == "Core"
    }
    assert csl == {name: f"{name}MaxLength" for name in csl}
    assert len(csl) == 6
    for companion in csl.values():
        assert store.spec(companion).kind == "integer"


def test_measurand_keys_take_the_measurand_enum() -> None:
    measurands = [m.value for m in Measurand]
    phases = [p.value for p in Phase]
    store = _store()
    for key in ("MeterValuesAlignedData", "StopTxnAlignedData", "StopTxnSampledData"):
        assert list(store.spec(key).values) == measurands
    # §9.1.17: sampled items may carry a phase, for the electrical measurands.
    for measurand in measurands:
        store.set("MeterValuesSampledData", measurand)
    for phase in phases:
        store.set("MeterValuesSampledData", f"Voltage.{phase}")
        store.set("MeterValuesSampledData", f"Current.Import.{phase}")
    for wrong in ("SoC.L1", "Voltage.L4", "Voltage.", "voltage", "Energy.Active.Import"):
        with pytest.raises(ConfigError, match="does not take item"):
            store.set("MeterValuesSampledData", wrong)


# --- lookup --------------------------------------------------------------------------------


def test_unknown_key() -> None:
    store = _store()
    assert not store.is_known("HeartbeatIntervall")
    for call in (store.get, store.wire_value, store.is_read_only, store.spec):
        with pytest.raises(ConfigError, match="unknown configuration key 'HeartbeatIntervall'"):
            call("HeartbeatIntervall")
    with pytest.raises(ConfigError, match="unknown configuration key"):
        store.set("HeartbeatIntervall", "60")
    with pytest.raises(ConfigError, match="unknown configuration key"):
        _store({"NoSuchKey": 1})


def test_keys_are_case_insensitive_and_keep_their_spelling() -> None:
    # Keys are CiString50Type (§6.9, §7.29).
    store = _store()
    assert store.is_known("heartbeatinterval")
    store.set("HEARTBEATINTERVAL", "42")
    assert store.get("HeartbeatInterval") == 42
    assert "HEARTBEATINTERVAL" not in store.snapshot()
    assert store.spec("numberofconnectors").name == "NumberOfConnectors"


def test_read_only_keys_are_still_set_by_the_charge_point() -> None:
    store = _store({"NumberOfConnectors": 3})
    assert store.is_read_only("NumberOfConnectors")
    assert store.wire_value("NumberOfConnectors") == "3"
    with pytest.raises(ConfigError, match="at least 1"):
        store.set("NumberOfConnectors", 0)


# --- integer -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["1.5", "abc", "", " ", "1e3", "0x10", "1_000", "١٢", "60s"])
def test_integer_rejects_what_is_not_a_decimal_integer(text: str) -> None:
    store = _store()
    with pytest.raises(ConfigError, match="takes an integer"):
        store.set("HeartbeatInterval", text)
    assert store.get("HeartbeatInterval") == 300  # unchanged


@pytest.mark.parametrize(
    ("value", "expected"),
    [("60", 60), (" 60 ", 60), ("+60", 60), ("007", 7), (60, 60), (Decimal("6E+1"), 60)],
)
def test_integer_accepts_decimal_integers(value: Any, expected: int) -> None:
    store = _store()
    store.set("HeartbeatInterval", value)
    assert store.get("HeartbeatInterval") == expected
    assert store.wire_value("HeartbeatInterval") == str(expected)


@pytest.mark.parametrize("value", [True, 1.5, Decimal("1.5"), float("inf"), None, [1]])
def test_integer_rejects_other_python_values(value: Any) -> None:
    with pytest.raises(ConfigError, match="takes an integer"):
        _store().set("HeartbeatInterval", value)


def test_integer_limits() -> None:
    store = _store()
    # §9.1.34: a negative WebSocketPingInterval is Rejected; so is any negative interval.
    for key in ("WebSocketPingInterval", "HeartbeatInterval", "MeterValueSampleInterval"):
        with pytest.raises(ConfigError, match="at least 0, not -1"):
            store.set(key, "-1")
        store.set(key, "0")
    with pytest.raises(ConfigError, match="at most 100, not 101"):
        store.set("LightIntensity", "101")
    store.set("LightIntensity", "100")
    assert store.get_int("LightIntensity") == 100


def test_value_must_fit_a_ci_string_500() -> None:
    with pytest.raises(ConfigError, match="at most 500 fit"):
        _store().set("HeartbeatInterval", "9" * 501)
    with pytest.raises(ConfigError, match="not printable ASCII"):
        coerce_value(_key(), "caf\u00e9")
    assert coerce_value(_key(), "x" * 500) == "x" * 500


# --- boolean -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("false", False), ("TRUE", True), ("False", False), (" true ", True)],
)
def test_boolean_accepts_true_and_false_in_any_case(value: str, expected: bool) -> None:
    store = _store()
    store.set("LocalPreAuthorize", value)
    assert store.get("LocalPreAuthorize") is expected
    assert store.wire_value("LocalPreAuthorize") == ("true" if expected else "false")


@pytest.mark.parametrize("value", ["1", "0", "yes", "on", "", "truee", 1, None])
def test_boolean_rejects_anything_else(value: Any) -> None:
    store = _store()
    with pytest.raises(ConfigError, match="takes true or false"):
        store.set("LocalPreAuthorize", value)
    assert store.get("LocalPreAuthorize") is False


# --- csl -----------------------------------------------------------------------------------


def test_csl_items_must_be_allowed_values() -> None:
    store = _store()
    store.set("StopTxnSampledData", "Energy.Active.Import.Register, Voltage")
    assert store.get("StopTxnSampledData") == ["Energy.Active.Import.Register", "Voltage"]
    # §3.16.4: a measurand the Charge Point cannot supply rejects the whole list.
    with pytest.raises(ConfigError, match=r"does not take item 'Energy\.Active\.Import'"):
        store.set("StopTxnSampledData", "Voltage,Energy.Active.Import")
    assert store.get("StopTxnSampledData") == ["Energy.Active.Import.Register", "Voltage"]


def test_csl_items_must_match_the_pattern() -> None:
    store = _store()
    store.set("ConnectorPhaseRotation", "0.RST, 1.RTS ,2.NotApplicable")
    assert store.wire_value("ConnectorPhaseRotation") == "0.RST,1.RTS,2.NotApplicable"
    for wrong in ("RST", "1.rst", "1.XYZ", "01.RST", "-1.RST", "1.RST.2"):
        with pytest.raises(ConfigError, match="does not take item"):
            store.set("ConnectorPhaseRotation", wrong)


def test_csl_empty_list_and_empty_items() -> None:
    store = _store()
    # §3.16.5: StopTxnAlignedData and StopTxnSampledData empty = no meter data in StopTransaction.
    store.set("StopTxnAlignedData", "")
    assert store.get("StopTxnAlignedData") == []
    assert store.wire_value("StopTxnAlignedData") == ""
    for wrong in ("Voltage,", ",Voltage", "Voltage,,SoC", " , "):
        with pytest.raises(ConfigError, match="empty item"):
            store.set("StopTxnAlignedData", wrong)


def test_csl_takes_a_python_list() -> None:
    store = _store()
    store.set("MeterValuesAlignedData", ["Voltage", " SoC "])
    assert store.wire_value("MeterValuesAlignedData") == "Voltage,SoC"
    for wrong in (["Voltage", 1], 42):
        with pytest.raises(ConfigError, match="takes a"):
            store.set("MeterValuesAlignedData", wrong)


def test_csl_is_bounded_by_its_max_length_companion() -> None:
    store = _store({"MeterValuesSampledDataMaxLength": 2})
    store.set("MeterValuesSampledData", "Voltage,SoC")
    with pytest.raises(
        ConfigError, match=r"at most 2 item\(s\) \(MeterValuesSampledDataMaxLength\)"
    ):
        store.set("MeterValuesSampledData", "Voltage,SoC,RPM")
    assert store.max_items("MeterValuesSampledData") == 2
    # The companion's current value counts, also when it is set in the same overrides
    # (after it, whatever the order of the mapping).
    store = _store(
        {"MeterValuesSampledData": "Voltage,SoC,RPM", "MeterValuesSampledDataMaxLength": 3}
    )
    assert store.wire_value("MeterValuesSampledData") == "Voltage,SoC,RPM"


def test_csl_without_companion_value_holds_one_item() -> None:
    # OCPP 1.6 §5.3: when the <Key>MaxLength key is not set, assume 1 item.
    unset = _key(name="ItemsMaxLength", kind="integer", access="R")
    items = _key(name="Items", kind="csl", values=("a", "b"), max_items_key="ItemsMaxLength")
    store = ConfigStore([items, unset])
    assert store.max_items("Items") == 1
    store.set("Items", "a")
    with pytest.raises(ConfigError, match="at most 1 item"):
        store.set("Items", "a,b")
    # A companion the spec set does not declare at all: 1 item too.
    alone = ConfigStore([_key(name="Items", kind="csl", max_items_key="ItemsMaxLength")])
    assert alone.max_items("Items") == 1
    # A csl key without companion has no item limit; non-csl keys have none either.
    free = ConfigStore([_key(name="Items", kind="csl"), _key(name="N", kind="integer")])
    assert free.max_items("Items") is None
    assert free.max_items("N") is None
    free.set("Items", "a,b,c")
    assert free.get_str("Items") == "a,b,c"


def test_supported_feature_profiles_can_list_every_profile() -> None:
    store = _store()
    assert store.wire_value("SupportedFeatureProfiles") == "Core"
    every = (
        "Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger"
    )
    store.set("SupportedFeatureProfiles", every)
    assert store.wire_value("SupportedFeatureProfiles") == every
    with pytest.raises(ConfigError, match="does not take item 'Security'"):
        store.set("SupportedFeatureProfiles", "Core,Security")


# --- string --------------------------------------------------------------------------------


def test_string_values_and_pattern() -> None:
    mode = _key(name="Mode", values=("Fast", "Slow"), default="Fast")
    code = _key(name="Code", pattern="[A-Z]{3}")
    store = ConfigStore([mode, code])
    assert store.wire_value("Mode") == "Fast"
    assert store.get("Code") is None and store.wire_value("Code") == ""
    store.set("Code", "ABC")
    with pytest.raises(ConfigError, match="does not take value 'ABCD'; expected"):
        store.set("Code", "ABCD")
    with pytest.raises(ConfigError, match="expected one of: Fast, Slow"):
        store.set("Mode", "fast")
    with pytest.raises(ConfigError, match="takes a string"):
        store.set("Mode", 1)


# --- checking without storing, wire form, snapshot -----------------------------------------


def test_check_does_not_store() -> None:
    store = _store()
    assert store.check("HeartbeatInterval", "60") == 60
    assert store.get("HeartbeatInterval") == 300
    with pytest.raises(ConfigError):
        store.check("HeartbeatInterval", "-1")


def test_wire_values_as_get_configuration_shows_them() -> None:
    store = _store()
    assert store.wire_value("HeartbeatInterval") == "300"
    assert store.wire_value("LocalAuthorizeOffline") == "true"
    assert store.wire_value("LocalPreAuthorize") == "false"
    assert store.wire_value("MeterValuesSampledData") == "Energy.Active.Import.Register"
    assert store.wire_value("StopTxnSampledData") == ""
    assert store.get_str("AuthorizeRemoteTxRequests") == "false"
    spec = store.spec("ConnectorPhaseRotation")
    assert wire_text(spec, ["0.RST", "1.RTS"]) == "0.RST,1.RTS"


def test_get_returns_copies_and_typed_helpers() -> None:
    store = _store()
    items = store.get("MeterValuesSampledData")
    items.append("Voltage")
    assert store.get("MeterValuesSampledData") == ["Energy.Active.Import.Register"]
    snapshot = store.snapshot()
    snapshot["MeterValuesSampledData"].append("Voltage")
    assert store.snapshot()["MeterValuesSampledData"] == ["Energy.Active.Import.Register"]
    assert list(snapshot) == sorted(snapshot)
    assert store.get_int("HeartbeatInterval") == 300
    assert store.get_bool("StopTransactionOnInvalidId") is True
    unset = ConfigStore([_key(name="N", kind="integer")])
    assert unset.get_int("N") == 0
    assert unset.snapshot() == {}


def test_heartbeat_interval_from_boot_notification_goes_through_the_same_checks() -> None:
    # registration.yaml sets HeartbeatInterval from BootNotification.conf interval.
    store = _store()
    store.set("HeartbeatInterval", 120)
    assert store.wire_value("HeartbeatInterval") == "120"
    with pytest.raises(ConfigError, match="at least 0"):
        store.set("HeartbeatInterval", -5)
    assert store.get("HeartbeatInterval") == 120


# --- what the station's store keeps ----------------------------------------------------------


@pytest.fixture(params=["sqlite", "memory"])
def station_store(request: pytest.FixtureRequest) -> Iterator[StationStore]:
    store: StationStore = Store(":memory:") if request.param == "sqlite" else MemoryStore()
    yield store
    store.close()


def test_stored_values_come_back_at_power_on_through_the_same_checks(
    station_store: StationStore,
) -> None:
    # Configuration the Central System set survives a reboot (§5.3); read back from either
    # store, each value is checked again, and one the key no longer takes is left out.
    station_store.save_config("HeartbeatInterval", "120")
    station_store.save_config("StopTxnSampledData", "Energy.Active.Import.Register")
    station_store.save_config("ConnectionTimeOut", "soon")
    station = Station(SPEC, StationIdentity("CP"), connectors=1, now=0.0, store=station_store)
    assert station.config.get("HeartbeatInterval") == 120
    assert station.config.get("StopTxnSampledData") == ["Energy.Active.Import.Register"]
    assert station.config.get("ConnectionTimeOut") == _store().get("ConnectionTimeOut")
    station.set_config("HeartbeatInterval", 60)
    station.set_config("HeartbeatInterval", "not a number")  # refused: nothing written
    assert station_store.load_config()["HeartbeatInterval"] == "60"
    rebooted = Station(SPEC, StationIdentity("CP"), connectors=1, now=0.0, store=station_store)
    assert rebooted.config.get("HeartbeatInterval") == 60
