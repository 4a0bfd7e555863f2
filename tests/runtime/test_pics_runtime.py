"""The PICS configures the runtime: the configuration keys a station has, their PICS-given
values, and the answers to requests of a feature profile it does not declare.

OCPP 1.6 §3.3 (normative, errata E3.2): a Charge Point supports the profiles it declares;
chapter 9 lists each profile's keys; §9.1.29 SupportedFeatureProfiles names the profiles.
A station built from a spec set has only the declared profiles that have machines
(``SPEC.implemented_profiles``): another one is neither advertised nor given keys, and its
requests are answered as by a Charge Point without it. Which keys a PICS gives is also tested
on :func:`supported_keys` itself, which does not know what is implemented.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generated.ocpp16.registry import SPEC
from runtime.conformance.pics_file import load_pics_file
from runtime.ocppj.errors import ErrorCode
from runtime.spec.config_keys import ConfigError
from runtime.spec.pics import PicsValues
from runtime.station.config import pics_config_values, supported_keys
from runtime.station.station import Station, StationIdentity
from tests.runtime.test_callerror_rules import (
    CURRENT_TIME,
    T0,
    accepted_station,
    call,
    call_error,
    reply_to,
)

PROFILES = (
    "Core",
    "FirmwareManagement",
    "LocalAuthListManagement",
    "Reservation",
    "SmartCharging",
    "RemoteTrigger",
)
CORE_ONLY = {name: name == "Core" for name in PROFILES}
EVERY_PROFILE = dict.fromkeys(PROFILES, True)
RESERVE_NOW = {"connectorId": 1, "expiryDate": CURRENT_TIME, "idTag": "TAG", "reservationId": 1}


def _station(pics: dict[str, Any], **options: Any) -> Station:
    return Station(SPEC, StationIdentity("CP-PICS"), connectors=1, now=T0, pics=pics, **options)


def _listed(station: Station) -> dict[str, dict[str, Any]]:
    """GetConfiguration without keys: every key the station reports, by name."""
    reply = reply_to(station, call("GetConfiguration", {}))
    assert reply[0] == 3, reply
    return {entry["key"]: entry for entry in reply[2]["configurationKey"]}


def _profile_of(key: str) -> str:
    return next(spec.profile for spec in SPEC.config_keys if spec.name == key)


def _keys_for(pics: dict[str, Any]) -> set[str]:
    """The keys a Charge Point declaring ``pics`` has, whatever this spec set implements."""
    return {k.name for k in supported_keys(SPEC.config_keys, PicsValues(SPEC.pics_items, pics))}


def _implemented(pics: dict[str, bool]) -> list[str]:
    return [name for name in PROFILES if pics[name] and name in SPEC.implemented_profiles]


# --- which keys a station has -----------------------------------------------------------------


def test_core_only_station_lists_no_key_of_another_profile() -> None:
    listed = _listed(accepted_station(pics=CORE_ONLY, handlers={}))
    assert "ReserveConnectorZeroSupported" not in listed
    assert {_profile_of(key) for key in listed} == {"Core"}


def test_core_only_station_does_not_know_a_reservation_key() -> None:
    station = accepted_station(pics=CORE_ONLY, handlers={})
    reply = reply_to(station, call("GetConfiguration", {"key": ["ReserveConnectorZeroSupported"]}))
    assert reply[2].get("configurationKey", []) == []
    assert reply[2]["unknownKey"] == ["ReserveConnectorZeroSupported"]
    change = {"key": "ReserveConnectorZeroSupported", "value": "true"}
    assert reply_to(station, call("ChangeConfiguration", change))[2] == {"status": "NotSupported"}


def test_declaring_reservation_brings_its_key() -> None:
    keys = _keys_for({**CORE_ONLY, "Reservation": True})
    assert "ReserveConnectorZeroSupported" in keys
    assert "ChargeProfileMaxStackLevel" not in keys  # SmartCharging is not declared


def test_a_declared_profile_without_machines_brings_no_key() -> None:
    assert "FirmwareManagement" not in SPEC.implemented_profiles  # until its machines exist
    pics = {**CORE_ONLY, "FirmwareManagement": True}
    listed = _listed(accepted_station(pics=pics, handlers={}))
    assert "SupportedFileTransferProtocols" not in listed
    assert listed["SupportedFeatureProfiles"]["value"] == "Core"


def test_a_declared_smart_charging_profile_is_implemented_and_advertised() -> None:
    # The SmartCharging and ChargingLimit machines make the profile implemented (issue 16):
    # declared, it is listed (§9.1.29) with its keys (§9.4), and SetChargingProfile installs.
    assert "SmartCharging" in SPEC.implemented_profiles
    pics = {
        **CORE_ONLY,
        "SmartCharging": True,
        "ChargingScheduleAllowedChargingRateUnit": ["Current"],
    }
    station = accepted_station(pics=pics, handlers={})
    listed = _listed(station)
    assert listed["SupportedFeatureProfiles"]["value"] == "Core,SmartCharging"
    assert "ChargeProfileMaxStackLevel" in listed
    profile = {
        "chargingProfileId": 1,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": {
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 6}],
        },
    }
    answer = reply_to(
        station, call("SetChargingProfile", {"connectorId": 0, "csChargingProfiles": profile})
    )
    assert answer == [3, "m1", {"status": "Accepted"}]


def test_a_declared_reservation_profile_is_implemented_and_advertised() -> None:
    # The Reservation machine makes the profile implemented (issue 15): declared, it is
    # listed in SupportedFeatureProfiles (§9.1.29), its key is there and ReserveNow reserves.
    assert "Reservation" in SPEC.implemented_profiles
    station = accepted_station(pics={**CORE_ONLY, "Reservation": True}, handlers={})
    listed = _listed(station)
    assert listed["SupportedFeatureProfiles"]["value"] == "Core,Reservation"
    assert listed["ReserveConnectorZeroSupported"]["value"] == "false"
    station.receive(call("ReserveNow", RESERVE_NOW), T0)
    sent = [json.loads(frame) for frame in station.data_to_send()]
    assert sent[0] == [3, "m1", {"status": "Accepted"}]
    # The connector reports Reserved (§4.9 A7) after the answer.
    assert sent[1][2:] == [
        "StatusNotification",
        {"connectorId": 1, "status": "Reserved", "errorCode": "NoError"},
    ]


def test_every_profile_brings_every_profile_key() -> None:
    keys = _keys_for(EVERY_PROFILE)
    for key in (
        "LocalAuthListEnabled",
        "LocalAuthListMaxLength",
        "SendLocalListMaxLength",
        "ReserveConnectorZeroSupported",
        "ChargeProfileMaxStackLevel",
        "ChargingScheduleAllowedChargingRateUnit",
        "ChargingScheduleMaxPeriods",
        "ConnectorSwitch3to1PhaseSupported",
        "MaxChargingProfilesInstalled",
        "SupportedFileTransferProtocols",
    ):
        assert key in keys, key


@pytest.mark.parametrize(
    ("item", "key"),
    [
        ("AuthorizationCache", "AuthorizationCacheEnabled"),
        ("MinimumStatusDuration", "MinimumStatusDuration"),
        ("UnknownOfflineAuthorization", "AllowOfflineTxForUnknownId"),
        ("UnknownOfflineAuthorization", "MaxEnergyOnInvalidId"),
        ("WebSocketPingInterval", "WebSocketPingInterval"),
    ],
)
def test_optional_core_key_exists_only_with_its_feature(item: str, key: str) -> None:
    assert _station({item: True}).config.is_known(key)
    assert not _station({item: False}).config.is_known(key)


def test_setting_a_key_the_station_does_not_have_is_an_error() -> None:
    with pytest.raises(ConfigError, match="ReserveConnectorZeroSupported"):
        _station(CORE_ONLY, config={"ReserveConnectorZeroSupported": True})


def test_machines_read_a_missing_key_as_unset() -> None:
    station = _station({"MinimumStatusDuration": False})
    assert station.config_int("MinimumStatusDuration") == 0
    assert station.config_bool("ReserveConnectorZeroSupported") is False
    assert station.config_str("SupportedFileTransferProtocols") == ""


# --- values the PICS gives ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "pics",
    [
        CORE_ONLY,
        EVERY_PROFILE,
        {**CORE_ONLY, "Reservation": True, "RemoteTrigger": True},
        {**CORE_ONLY, "SmartCharging": True, "FirmwareManagement": True},
    ],
)
def test_supported_feature_profiles_names_the_declared_implemented_profiles(
    pics: dict[str, bool],
) -> None:
    station = _station(pics)
    expected = _implemented(pics)  # §9.1.29 order and spelling
    assert station.config.wire_value("SupportedFeatureProfiles") == ",".join(expected)
    assert station.config.is_read_only("SupportedFeatureProfiles")
    declared = PicsValues(SPEC.pics_items, pics)
    values = pics_config_values(supported_keys(SPEC.config_keys, declared), declared)
    assert values["SupportedFeatureProfiles"] == [name for name in PROFILES if pics[name]]


def test_a_pics_item_that_sets_a_key_gives_its_read_only_value() -> None:
    item = next(i for i in SPEC.pics_items if i.sets == "GetConfigurationMaxKeys")
    station = accepted_station(pics={**CORE_ONLY, item.name: 7}, handlers={})
    reply = reply_to(station, call("GetConfiguration", {"key": ["GetConfigurationMaxKeys"]}))
    assert reply[2]["configurationKey"] == [
        {"key": "GetConfigurationMaxKeys", "readonly": True, "value": "7"}
    ]


def test_an_unset_pics_item_leaves_the_key_default() -> None:
    item = next(i for i in SPEC.pics_items if i.sets == "GetConfigurationMaxKeys")
    key = next(k for k in SPEC.config_keys if k.name == "GetConfigurationMaxKeys")
    assert item.default is None  # the form leaves the limit for the vendor to fill in
    assert _station(CORE_ONLY).config.get("GetConfigurationMaxKeys") == key.default


# --- requests of a profile the PICS does not declare --------------------------------------------


@pytest.mark.parametrize(
    ("profile", "action", "payload", "answer"),
    [
        ("Reservation", "ReserveNow", RESERVE_NOW, {"status": "Rejected"}),  # §5.13, §7.40
        ("Reservation", "CancelReservation", {"reservationId": 1}, {"status": "Rejected"}),  # §5.1
        ("LocalAuthListManagement", "GetLocalListVersion", {}, {"listVersion": -1}),  # §5.10
        (
            "LocalAuthListManagement",
            "SendLocalList",
            {"listVersion": 1, "updateType": "Full"},
            {"status": "NotSupported"},  # §7.47
        ),
        (
            "RemoteTrigger",
            "TriggerMessage",
            {"requestedMessage": "Heartbeat"},
            {"status": "NotImplemented"},  # §5.17, §7.44
        ),
    ],
)
def test_undeclared_profile_request_gets_the_status_the_spec_gives(
    profile: str, action: str, payload: dict[str, Any], answer: dict[str, Any]
) -> None:
    station = accepted_station(pics={**EVERY_PROFILE, profile: False}, handlers={})
    assert reply_to(station, call(action, payload)) == [3, "m1", answer]
    assert station.data_to_send() == []  # TriggerMessage NotImplemented: nothing follows


@pytest.mark.parametrize(
    ("profile", "action", "payload"),
    [
        ("SmartCharging", "ClearChargingProfile", {}),  # §7.21 has no such status
        ("SmartCharging", "GetCompositeSchedule", {"connectorId": 1, "duration": 60}),
        (
            "FirmwareManagement",
            "UpdateFirmware",
            {"location": "ftp://x/", "retrieveDate": CURRENT_TIME},
        ),
        ("FirmwareManagement", "GetDiagnostics", {"location": "ftp://x/"}),
    ],
)
def test_undeclared_profile_request_without_such_status_is_not_supported(
    profile: str, action: str, payload: dict[str, Any]
) -> None:
    station = accepted_station(pics={**EVERY_PROFILE, profile: False}, handlers={})
    code, description, _ = call_error(station, call(action, payload))
    assert code == ErrorCode.NOT_SUPPORTED  # OCPP-J 1.6 §4.2.3
    assert f"{profile} profile" in description


@pytest.mark.parametrize(
    ("action", "payload"),
    [
        ("UpdateFirmware", {"location": "ftp://x/", "retrieveDate": CURRENT_TIME}),
        ("GetDiagnostics", {"location": "ftp://x/"}),
    ],
)
def test_declared_profile_without_a_machine_is_answered_as_undeclared(
    action: str, payload: dict[str, Any]
) -> None:
    # Firmware Management has no machines yet; until it does the station
    # does not advertise them (§9.1.29), so it answers as a Charge Point without them: CALLERROR
    # NotSupported (OCPP-J 1.6 §4.2.3), as for an undeclared profile.
    every = accepted_station(pics=EVERY_PROFILE, handlers={})
    without = accepted_station(pics=CORE_ONLY, handlers={})
    assert call_error(every, call(action, payload))[0] == ErrorCode.NOT_SUPPORTED
    assert call_error(without, call(action, payload))[0] == ErrorCode.NOT_SUPPORTED


# --- the example PICS files configure the runtime ----------------------------------------------


def _example(name: str) -> dict[str, Any]:
    path = Path(__file__).resolve().parents[2] / "specs" / "ocpp16" / "pics" / f"{name}.yaml"
    return load_pics_file(path, SPEC.pics_items)


def test_core_only_example_rejects_reserve_now_and_lists_no_reservation_key() -> None:
    # Issue "done when": ReserveNow -> Rejected (§5.13, ReserveNowStatus) and GetConfiguration
    # without the Reservation keys, for the runtime configured from core-only.yaml.
    station = accepted_station(pics=_example("core-only"), handlers={})
    assert reply_to(station, call("ReserveNow", RESERVE_NOW)) == [3, "m1", {"status": "Rejected"}]
    listed = _listed(station)
    assert "ReserveConnectorZeroSupported" not in listed
    assert listed["SupportedFeatureProfiles"]["value"] == "Core"
    assert {_profile_of(key) for key in listed} == {"Core"}


def test_wallbox_example_lists_its_profiles_and_limits() -> None:
    station = accepted_station(pics=_example("wallbox"), handlers={})
    listed = _listed(station)
    assert listed["SupportedFeatureProfiles"]["value"].split(",") == _implemented(
        dict.fromkeys(PROFILES, True)
    )
    assert listed["GetConfigurationMaxKeys"] == {
        "key": "GetConfigurationMaxKeys",
        "readonly": True,
        "value": "40",
    }
    # Declared, but its profile has no machines yet: no key (a limit of a profile it has not).
    assert "SupportedFileTransferProtocols" not in listed
    # Declared and implemented (machine SmartCharging): the key, at the PICS's limit (§9.4.1).
    assert listed["ChargeProfileMaxStackLevel"]["value"] == "5"
    # Declared and implemented (machine LocalAuthList): the key, at the PICS's limit (§9.2.2).
    assert listed["LocalAuthListMaxLength"]["value"] == "500"
    values = pics_config_values(
        supported_keys(SPEC.config_keys, PicsValues(SPEC.pics_items, _example("wallbox"))),
        PicsValues(SPEC.pics_items, _example("wallbox")),
    )
    assert values["LocalAuthListMaxLength"] == 500


def test_an_application_handler_implements_its_profile() -> None:
    # A handler for one of a profile's actions is an implementation of it: the profile is
    # advertised and its keys are there (the other actions answer CALLERROR NotSupported).
    handlers = {"ReserveNow": lambda _call: {"status": "Accepted"}}
    station = accepted_station(pics={**CORE_ONLY, "Reservation": True}, handlers=handlers)
    listed = _listed(station)
    assert listed["SupportedFeatureProfiles"]["value"] == "Core,Reservation"
    assert "ReserveConnectorZeroSupported" in listed
    assert reply_to(station, call("ReserveNow", RESERVE_NOW)) == [3, "m1", {"status": "Accepted"}]
