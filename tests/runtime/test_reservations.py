"""Reservations kept by the station (OCPP 1.6 §5.13, §5.1): the store and the services.

Internal state a conformance scenario cannot see: what the store keeps across a restart, which
connector a reservation of connector 0 holds, what is dropped at boot.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from runtime.conformance.steps import substitute
from runtime.ocppj.datetime import to_iso8601
from runtime.station.services import StationServices
from runtime.station.store import CacheEntry, Reservation, Store
from tests.runtime.fake_port import FakeStationPort, fake_services

NOW = 1_700_000_000.0


def _services(store: Store) -> tuple[StationServices, FakeStationPort]:
    return fake_services(store)


def _reserve(services: StationServices, rid: int, connector: int, **extra: Any) -> None:
    args = {"parent_id_tag": None, "expiry": to_iso8601(NOW + 600), "id_tag": "TAG-0001"}
    args.update(extra)
    services.invoke("reserve", {"reservation_id": rid, "connector": connector, **args})


def test_a_reservation_survives_closing_the_store(tmp_path: Path) -> None:
    # §5.13 ends a reservation on use, expiry, cancellation, Faulted/Unavailable; a reboot
    # (the store closed and opened again) is none of these.
    kept = Reservation(7, 0, 2, "TAG-0001", "PARENT", "2030-01-01T00:00:00Z")
    with Store(tmp_path / "cp.db") as store:
        store.reservation_put(kept)
        store.reservation_put(Reservation(8, 1, 1, "TAG-0002", None, "2030-01-01T00:00:00Z"))
        store.reservation_delete(8)
    with Store(tmp_path / "cp.db") as store:
        assert store.reservations() == [kept]
        with pytest.raises(KeyError):
            store.reservation_delete(8)


def test_any_json_integer_is_a_reservation_id(tmp_path: Path) -> None:
    # §6.43 bounds reservationId nowhere; SQLite integers stop at 64 bits (a fuzzed ReserveNow
    # with a larger one once ended in an OverflowError).
    huge = 2**70
    with Store(tmp_path / "cp.db") as store:
        store.reservation_put(Reservation(huge, 1, 1, "TAG-0001", None, "2030-01-01T00:00:00Z"))
        store.reservation_put(Reservation(-3, 2, 2, "TAG-0002", None, "2030-01-01T00:00:00Z"))
        assert [r.reservation_id for r in store.reservations()] == [-3, huge]
        found = store.reservation_get(huge)
        assert found is not None and found.connector == 1
        store.reservation_delete(huge)
        assert store.reservation_get(huge) is None


def test_the_same_reservation_id_replaces_and_may_move(tmp_path: Path) -> None:
    with Store(tmp_path / "cp.db") as store:
        services, port = _services(store)
        _reserve(services, 5, 1)
        assert port.raised == [("internal.reserved", {"connector": 1})]
        # Replaced by a request for connector 2 (§5.13): connector 1 is freed.
        assert services.query("reservation_answer", (2, 5)) == "Accepted"
        _reserve(services, 5, 2, id_tag="TAG-0002")
        assert port.raised[1:] == [
            ("internal.reservation_ended", {"connector": 1}),
            ("internal.reserved", {"connector": 2}),
        ]
        assert [(r.reservation_id, r.held, r.id_tag) for r in store.reservations()] == [
            (5, 2, "TAG-0002")
        ]


def test_answers_follow_the_connector_status(tmp_path: Path) -> None:
    with Store(tmp_path / "cp.db") as store:
        services, _ = _services(store)
        services.invoke("set_connector_status", {"connector": 1, "status": "Faulted"})
        services.invoke("set_connector_status", {"connector": 2, "status": "Preparing"})
        assert services.query("reservation_answer", (1, 1)) == "Faulted"
        assert services.query("reservation_answer", (2, 1)) == "Occupied"
        # Connector 0: no connector is free; one is in use, so Occupied (§5.13).
        assert services.query("reservation_answer", (0, 1)) == "Occupied"
        services.invoke("set_availability", {"connector": 2, "availability": "Inoperative"})
        assert services.query("reservation_answer", (2, 1)) == "Unavailable"
        assert services.query("reservation_answer", (0, 1)) == "Unavailable"
        # The whole Charge Point faulted (it lets no transaction begin, not Inoperative).
        services.invoke("set_startable", {"connector": 0, "startable": False})
        services.invoke("set_availability", {"connector": 2, "availability": "Operative"})
        assert services.query("reservation_answer", (2, 1)) == "Faulted"


def test_connector_zero_holds_the_first_free_connector(tmp_path: Path) -> None:
    with Store(tmp_path / "cp.db") as store:
        services, port = _services(store)
        services.invoke("set_connector_status", {"connector": 1, "status": "Charging"})
        assert services.query("reservation_answer", (0, 3)) == "Accepted"
        _reserve(services, 3, 0)
        assert port.raised == [("internal.reserved", {"connector": 2})]
        # No free connector is left for another reservation, of connector 0 or of 2.
        services.invoke("set_connector_status", {"connector": 2, "status": "Reserved"})
        assert services.query("reservation_answer", (0, 4)) == "Occupied"
        assert services.query("reservation_answer", (2, 4)) == "Occupied"
        # The reserved idTag may start on any connector; doing so on 1 frees connector 2.
        assert services.query("reservation_used", (1, "tag-0001", "")) == 3
        services.invoke(
            "use_reservation", {"connector": 1, "id_tag": "TAG-0001", "parent_id_tag": ""}
        )
        assert port.raised[-1] == ("internal.reservation_ended", {"connector": 2})
        assert store.reservations() == []


def test_who_may_use_a_reserved_connector(tmp_path: Path) -> None:
    with Store(tmp_path / "cp.db") as store:
        services, _ = _services(store)
        _reserve(services, 9, 1, parent_id_tag="GROUP")
        check = services.q_reservation_check
        assert check(2, "TAG-0002") == "Free"  # another connector is not held
        assert check(1, "tag-0001") == "Free"  # the reserved idTag, any case (§7.28)
        assert check(1, "TAG-0002") == "Ask"  # its parent is not known locally
        store.cache_put(CacheEntry("TAG-0002", "Accepted", None, "OTHER", NOW), capacity=10)
        store.cache_put(CacheEntry("TAG-0003", "Accepted", None, "group", NOW), capacity=10)
        assert check(1, "TAG-0002") == "Refused"  # cached parent of another group
        assert check(1, "TAG-0003") == "Free"  # cached parent of the reservation's group
        assert services.q_reservation_allows(1, "TAG-0004", "GROUP") is True
        assert services.q_reservation_allows(1, "TAG-0004", "OTHER") is False


def test_expired_reservations_are_dropped_at_boot(tmp_path: Path) -> None:
    with Store(tmp_path / "cp.db") as store:
        services, port = _services(store)
        _reserve(services, 1, 1, expiry=to_iso8601(NOW - 1))
        _reserve(services, 2, 2, expiry=to_iso8601(NOW + 60))
        assert services.q_reservation_seconds_left(2) == pytest.approx(60)
        port.raised.clear()
        services.invoke("restore_reservations", {})
        assert [r.reservation_id for r in store.reservations()] == [2]
        assert port.raised == [("internal.reserved", {"connector": 2})]


def test_cancel_frees_the_held_connector(tmp_path: Path) -> None:
    with Store(tmp_path / "cp.db") as store:
        services, port = _services(store)
        _reserve(services, 4, 2)
        assert services.query("reservation_exists", (4,)) is True
        services.invoke("cancel_reservation", {"reservation_id": 4})
        assert port.raised[-1] == ("internal.reservation_ended", {"connector": 2})
        assert services.query("reservation_exists", (4,)) is False


def test_now_plus_seconds_is_the_test_systems_clock_shifted() -> None:
    payload = {"expiryDate": "$now+120", "retrieveDate": "$now-30", "idTag": "$id_tag"}
    filled = substitute(payload, NOW, {"id_tag": "TAG-0001"})
    assert filled == {
        "expiryDate": to_iso8601(NOW + 120),
        "retrieveDate": to_iso8601(NOW - 30),
        "idTag": "TAG-0001",
    }
    assert substitute("$now+x", NOW, {}) == "$now+x"  # not a number of seconds: left alone


def test_a_reservation_past_its_expiry_date_is_no_longer_in_force(tmp_path: Path) -> None:
    # §5.13 (2): expiryDate ends it even while a start is under way (connector Preparing, its
    # expiry timer disarmed): no reservationId is used and CancelReservation finds none.
    with Store(tmp_path / "cp.db") as store:
        services, port = _services(store)
        _reserve(services, 6, 1, expiry=to_iso8601(NOW + 30))
        assert services.query("reservation_used", (1, "TAG-0001", "")) == 6
        port.now = NOW + 30
        assert services.query("reservation_used", (1, "TAG-0001", "")) == 0
        assert services.query("reservation_exists", (6,)) is False
        assert services.query("reservation_check", (1, "TAG-0002")) == "Free"
        services.invoke("end_reservation", {"connector": 1})  # the expiry timer fired
        assert store.reservations() == []
