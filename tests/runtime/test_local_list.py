"""The Local Authorization List through a real Station (OCPP 1.6 §3.5.2, §3.5.3, §5.10, §5.15).

The station is booted and Accepted, declares the profile, and gets GetLocalListVersion and
SendLocalList as text frames; what the list then does to authorization is read through the
station's own queries (station.authorization, station.parent_of), which the Transaction
machine reads. Internal state (the cache, the stored list) is checked here, never in a
conformance scenario.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from generated.ocpp16.registry import SPEC
from runtime.station.station import Station, StationIdentity
from runtime.station.store import CacheEntry, Store
from tests.runtime.test_callerror_rules import (
    EVERY_PROFILE,
    T0,
    accepted_station,
    call,
    reply_to,
)

ACCEPTED = {"status": "Accepted"}


def _station(**pics: Any) -> Station:
    # No application handlers: the spec's machines answer every CALL.
    pics = {**EVERY_PROFILE, "AuthorizationCache": True, **pics}
    return accepted_station(pics=pics, handlers={})


def _send_list(station: Station, version: int, kind: str, entries: list[Any] | None) -> str:
    payload: dict[str, Any] = {"listVersion": version, "updateType": kind}
    if entries is not None:
        payload["localAuthorizationList"] = entries
    reply = reply_to(station, call("SendLocalList", payload))
    assert reply[0] == 3, reply
    return str(reply[2]["status"])


def _version(station: Station) -> int:
    reply = reply_to(station, call("GetLocalListVersion", {}))
    assert reply[0] == 3, reply
    return int(reply[2]["listVersion"])


def _entry(id_tag: str, status: str | None = "Accepted", **info: str) -> dict[str, Any]:
    if status is None:
        return {"idTag": id_tag}
    return {"idTag": id_tag, "idTagInfo": {"status": status, **info}}


def test_full_and_differential_updates_and_the_version() -> None:
    station = _station()
    assert _version(station) == 0  # never updated: empty (§5.10)
    assert _send_list(station, 3, "Full", [_entry("A"), _entry("B", "Blocked")]) == "Accepted"
    assert _version(station) == 3
    assert station.query("authorization", "a") == "Accepted"  # §7.28: without case
    assert station.query("authorization", "B") == "Blocked"
    # Differential (§7.1): add C, overwrite A, delete B (no idTagInfo).
    changes = [_entry("C"), _entry("A", "Invalid"), _entry("B", None)]
    assert _send_list(station, 4, "Differential", changes) == "Accepted"
    assert _version(station) == 4
    assert station.query("authorization", "A") == "Invalid"
    assert station.query("authorization", "B") == "Unknown"
    assert station.query("authorization", "C") == "Accepted"
    # A Differential without entries changes nothing but the version (§6.41).
    assert _send_list(station, 5, "Differential", None) == "Accepted"
    assert _version(station) == 5
    assert station.query("authorization", "C") == "Accepted"
    # A Full without entries empties the list; an empty list reports 0 (§5.10, §6.41).
    assert _send_list(station, 6, "Full", None) == "Accepted"
    assert _version(station) == 0
    assert station.query("authorization", "C") == "Unknown"


def test_a_differential_not_above_the_version_is_a_mismatch() -> None:
    station = _station()
    assert _send_list(station, 5, "Full", [_entry("A")]) == "Accepted"
    for version in (5, 4):  # §7.47: less than or equal
        assert _send_list(station, version, "Differential", [_entry("B")]) == "VersionMismatch"
    assert _version(station) == 5
    assert station.query("authorization", "B") == "Unknown"
    # A Full update replaces the list whatever its version (§5.15).
    assert _send_list(station, 2, "Full", [_entry("B")]) == "Accepted"
    assert _version(station) == 2


def test_what_cannot_be_stored_is_failed_and_changes_nothing() -> None:
    station = _station(SendLocalListMaxLength=3, LocalAuthListMaxLength=3)
    assert _send_list(station, 1, "Full", [_entry("A"), _entry("B")]) == "Accepted"
    refused: list[tuple[int, str, list[Any]]] = [
        (2, "Full", [_entry(t) for t in ("W", "X", "Y", "Z")]),  # > SendLocalListMaxLength
        (2, "Differential", [_entry("X"), _entry("Y")]),  # 4 > LocalAuthListMaxLength
        (2, "Full", [_entry("X"), _entry("x")]),  # duplicate idTags (§6.41, §7.28)
        (2, "Full", [_entry("X", None)]),  # Full needs idTagInfo (§7.1)
        (0, "Full", [_entry("X")]),  # errata E3.52: 0 and -1 are not list versions
        (-1, "Full", [_entry("X")]),
    ]
    for version, kind, entries in refused:
        assert _send_list(station, version, kind, entries) == "Failed", entries
    assert _version(station) == 1
    assert station.query("authorization", "X") == "Unknown"
    # Deleting one entry makes room for another in the same Differential.
    changes = [_entry("A", None), _entry("X"), _entry("Y")]
    assert _send_list(station, 2, "Differential", changes) == "Accepted"
    assert station.query("authorization", "A") == "Unknown"


def test_a_storage_fault_fails_every_update_until_repaired() -> None:
    station = _station()
    station.tester("local_list_storage_fails")
    assert _send_list(station, 1, "Full", [_entry("A")]) == "Failed"
    assert _version(station) == 0
    station.tester("local_list_storage_repaired")
    assert _send_list(station, 1, "Full", [_entry("A")]) == "Accepted"
    assert _version(station) == 1


def test_a_disabled_list_answers_as_none_and_is_kept() -> None:
    station = _station()
    assert _send_list(station, 7, "Full", [_entry("A", parentIdTag="P")]) == "Accepted"
    station.set_config("LocalAuthListEnabled", False)
    assert _version(station) == -1  # OCTT TC_042_1_CS
    assert _send_list(station, 8, "Full", None) == "NotSupported"
    assert station.query("authorization", "A") == "Unknown"  # the list is not used
    assert station.query("parent_of", "A") == ""
    station.set_config("LocalAuthListEnabled", True)
    assert _version(station) == 7
    assert station.query("authorization", "A") == "Accepted"


def test_without_the_profile_the_unsupported_answers_stay() -> None:
    station = accepted_station(
        pics={**EVERY_PROFILE, "LocalAuthListManagement": False}, handlers={}
    )
    assert _version(station) == -1  # §5.10
    assert _send_list(station, 1, "Full", None) == "NotSupported"  # §7.47


def test_the_list_wins_over_the_cache_and_its_idtags_are_not_cached() -> None:
    station = _station()
    station.store.cache_put(CacheEntry("A", "Invalid", None, "CACHED", T0), capacity=10)
    assert station.query("authorization", "A") == "Invalid"
    assert _send_list(station, 1, "Full", [_entry("A", parentIdTag="LISTED")]) == "Accepted"
    # §3.5.3: the list's entry has priority, parent included (§3.10).
    assert station.query("authorization", "A") == "Accepted"
    assert station.query("parent_of", "A") == "LISTED"
    # §3.5.3: an IdTagInfo for an idTag in the list does not go into the cache.
    services = station.services
    services.invoke("update_cache", {"id_tag": "a", "id_tag_info": {"status": "Blocked"}})
    assert station.store.cache_get("A") == CacheEntry("A", "Invalid", None, "CACHED", T0)
    # §3.5.2: the answer contradicts the list (Blocked, the list says Accepted): reported on
    # connector 0 in its current status.
    station.poll(T0)
    conflict = {"connectorId": 0, "status": "Available", "errorCode": "LocalListConflict"}
    assert [json.loads(text)[2:] for text in station.data_to_send()] == [
        ["StatusNotification", conflict]
    ]
    # Agreeing about validity is no conflict (§3.5.2: Accepted and ConcurrentTx are valid).
    services.invoke("update_cache", {"id_tag": "A", "id_tag_info": {"status": "ConcurrentTx"}})
    station.poll(T0)
    assert station.data_to_send() == []
    services.invoke("update_cache", {"id_tag": "B", "id_tag_info": {"status": "Blocked"}})
    assert station.store.cache_get("B") is not None
    # §5.4: ClearCache empties the cache only.
    assert reply_to(station, call("ClearCache", {}))[2] == ACCEPTED
    assert station.store.cache_get("B") is None
    assert station.query("authorization", "A") == "Accepted"


def test_an_expired_entry_does_not_authorize() -> None:
    station = _station()
    entries = [
        _entry("OLD", expiryDate="2000-01-01T00:00:00Z"),
        _entry("NEW", expiryDate="2999-01-01T00:00:00Z"),
    ]
    assert _send_list(station, 1, "Full", entries) == "Accepted"
    # A date that cannot be read (the schema refuses one on the wire) is not a validity.
    bad = [_entry("BAD", expiryDate="not a date")]
    station.services.invoke(
        "apply_local_list", {"update_type": "Differential", "list_version": 2, "entries": bad}
    )
    assert station.query("authorization", "OLD") == "Expired"  # §3.5.4
    assert station.query("authorization", "NEW") == "Accepted"
    assert station.query("authorization", "BAD") == "Expired"


def test_the_list_and_its_version_survive_a_reboot(tmp_path: Path) -> None:
    path = tmp_path / "station.db"
    with Store(path) as store:
        station = Station(
            SPEC, StationIdentity("CP"), connectors=1, now=T0, store=store, pics=EVERY_PROFILE
        )
        station.services.invoke(
            "apply_local_list",
            {"update_type": "Full", "list_version": 9, "entries": [_entry("A", parentIdTag="P")]},
        )
    with Store(path) as reopened:  # §3.5.2: kept in non-volatile memory
        station = Station(
            SPEC, StationIdentity("CP"), connectors=1, now=T0, store=reopened, pics=EVERY_PROFILE
        )
        assert station.query("local_list_version") == 9
        assert station.query("authorization", "a") == "Accepted"
        assert station.query("parent_of", "a") == "P"
