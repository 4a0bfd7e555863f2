"""Station queries and operations of the Reservation profile (OCPP 1.6 §3.11, §5.1, §5.13).

Theory of operation: a reservation accepted by ReserveNow is a row of the store (it survives
a reboot: §5.13 ends a reservation only when it is used, expires, is cancelled or its
connector goes Faulted/Unavailable, and a reboot is none of these). Each reservation *holds*
one connector, which reports Reserved: the requested one, or for connectorId 0 the first
free connector, kept free so that the reserved idTag finds one (§5.13; the idTag may still
start on any free connector, which uses the reservation up and frees the held one).

The machines decide (specs/ocpp16/machines/reservation.yaml, connector_status.yaml,
transaction.yaml); this mixin answers their questions from the store and the statuses the
status machines report, and raises ``internal.reserved`` / ``internal.reservation_ended`` for
the held connector so its ConnectorStatus machine follows (§4.9 A7, G1).
"""

from __future__ import annotations

from collections.abc import Callable

from runtime.ocppj.datetime import from_iso8601
from runtime.station.port import StationPort
from runtime.station.store import Reservation

__all__ = ["ReservationServices"]

# Answers of ReserveNow.conf (§7.40) this module gives; Rejected is the machine's own.
_ACCEPTED, _OCCUPIED, _FAULTED, _UNAVAILABLE = "Accepted", "Occupied", "Faulted", "Unavailable"


def _same(a: str | None, b: str | None) -> bool:
    """IdTokens compare case-insensitively (§7.28); an empty one matches nothing."""
    return bool(a) and bool(b) and str(a).casefold() == str(b).casefold()


class ReservationServices:
    """``station.reservation_*`` queries and the reservation operations (mixed into
    :class:`~runtime.station.services.StationServices`)."""

    station: StationPort
    # Kept by StationServices: the status each connector last entered, whether a user has
    # its Transaction machine, and whether a transaction may begin (0: the Charge Point).
    _status: dict[int, str]
    _claimed: dict[int, bool]
    _startable: dict[int, bool]

    # StationServices' parentIdTag lookup: the Local Authorization List, then the cache.
    q_parent_of: Callable[[str], str]

    # --- helpers ----------------------------------------------------------------------------
    def _reservations(self) -> list[Reservation]:
        """The reservations in force: §5.13 (2) ends one when its expiryDate is reached, even
        while its connector is not Reserved (a start under way); the row goes at the next boot."""
        return [r for r in self.station.store.reservations() if self._seconds_left(r) > 0]

    def _held_on(self, connector: int) -> Reservation | None:
        return next((r for r in self._reservations() if r.held == int(connector)), None)

    def _cached_parent(self, id_tag: str) -> str:
        """§5.13: the parent MAY be looked up locally: in the Local Authorization List, then
        the Authorization Cache (station.parent_of, §3.5.3)."""
        return self.q_parent_of(id_tag)

    def _admits(self, reservation: Reservation, id_tag: str, parent: str | None) -> bool:
        """§5.13: the reserved idTag, or an idTag whose parent is the reservation's parent."""
        if _same(id_tag, reservation.id_tag):
            return True
        return _same(parent or self._cached_parent(id_tag), reservation.parent_id_tag)

    def _seconds_left(self, reservation: Reservation) -> float:
        wall_clock = self.station.now + self.station.clock_offset
        try:
            return max(from_iso8601(reservation.expiry) - wall_clock, 0.0)
        except ValueError:
            return 0.0

    def _free(self, connector: int, reservation_id: int) -> bool:
        """Free for a new reservation: Available (or held by the reservation being replaced),
        no user on it and not held by another reservation."""
        held = self._held_on(connector)
        if held is not None and held.reservation_id != reservation_id:
            return False
        status = self._status.get(connector, "Available")
        return status in ("Available", "Reserved") and not self._claimed.get(connector, False)

    def _free_connectors(self, reservation_id: int) -> list[int]:
        ids = range(1, self.station.connectors + 1)
        return [c for c in ids if self._free(c, reservation_id)]

    def _zero_reservations(self, reservation_id: int) -> int:
        others = (r for r in self._reservations() if r.reservation_id != reservation_id)
        return sum(r.connector == 0 for r in others)

    # --- queries ----------------------------------------------------------------------------
    def q_reservation_exists(self, reservation_id: int) -> bool:
        """§5.1/§5.13: the Charge Point has a reservation with this reservationId."""
        return any(r.reservation_id == int(reservation_id) for r in self._reservations())

    def q_reservation_answer(self, connector: int, reservation_id: int) -> str:
        """§5.13: Faulted/Unavailable when the Charge Point or the connector is; Occupied when
        it is in use or reserved (by any other reservation); else Accepted. A reservation
        with the same reservationId is being replaced, so it holds nothing here. Every
        connector-0 reservation needs one free connector kept for it (§5.13)."""
        # The ChargePointStatus machine reports only whether the Charge Point lets a
        # transaction begin (set_startable 0); not so and not Inoperative means Faulted.
        charge_point_down = not self._startable.get(0, True)
        if charge_point_down and not self._inoperative(0):
            return _FAULTED
        if charge_point_down or self._inoperative(0):
            return _UNAVAILABLE
        if int(connector) == 0:
            return self._zero_answer(int(reservation_id))
        status = self._status.get(int(connector), "Available")
        if status == _FAULTED:
            return _FAULTED
        if status == _UNAVAILABLE or self._inoperative(int(connector)):
            return _UNAVAILABLE
        if not self._free(int(connector), int(reservation_id)):
            return _OCCUPIED
        left = len(self._free_connectors(int(reservation_id))) - 1
        return _ACCEPTED if left >= self._zero_reservations(int(reservation_id)) else _OCCUPIED

    def _inoperative(self, connector: int) -> bool:
        return self.station.store.get_state(f"availability.{connector}") == "Inoperative"

    def _zero_answer(self, reservation_id: int) -> str:
        """Connector 0: Accepted while a free connector is left over for it; otherwise the
        statuses of the connectors say why not (all Faulted, all out of service, or in use)."""
        free = len(self._free_connectors(reservation_id))
        if free > self._zero_reservations(reservation_id):
            return _ACCEPTED
        ids = range(1, self.station.connectors + 1)
        statuses = [self._status.get(c, "Available") for c in ids]
        if all(s == _FAULTED for s in statuses):
            return _FAULTED
        if all(
            s in (_FAULTED, _UNAVAILABLE) or self._inoperative(c)
            for c, s in zip(ids, statuses, strict=True)
        ):
            return _UNAVAILABLE
        return _OCCUPIED

    def q_reserved(self, connector: int) -> bool:
        """A reservation holds the connector (it reports Reserved)."""
        return self._held_on(connector) is not None

    def q_reservation_check(self, connector: int, id_tag: str) -> str:
        """§5.13: whether the idTag may begin a session on the connector: Free (no
        reservation holds it, or one the idTag may use), Ask (only Authorize.req can tell
        its parent) or Refused."""
        held = self._held_on(connector)
        if held is None or self._admits(held, id_tag, None):
            return "Free"
        if not held.parent_id_tag or self._cached_parent(id_tag):
            return "Refused"
        return "Ask"

    def q_reservation_allows(self, connector: int, id_tag: str, parent: str | None) -> bool:
        """§5.13: after Authorize.conf (whose parentIdTag MAY tell the group, errata 4.12)."""
        held = self._held_on(connector)
        return held is None or self._admits(held, id_tag, parent)

    def q_reservation_used(self, connector: int, id_tag: str, parent: str | None) -> int:
        """§4.8/§5.13: the reservationId a transaction starting now uses up: the one held on
        its connector, or a connector-0 one for its idTag (any connector); 0 for none."""
        held = self._held_on(connector)
        if held is not None and self._admits(held, id_tag, parent):
            return held.reservation_id
        for reservation in self._reservations():
            if reservation.connector == 0 and self._admits(reservation, id_tag, parent):
                return reservation.reservation_id
        return 0

    def q_reservation_seconds_left(self, connector: int) -> float:
        """Seconds until the expiryDate of the reservation held on the connector (§5.13)."""
        held = self._held_on(connector)
        return self._seconds_left(held) if held is not None else 0.0

    # --- operations -------------------------------------------------------------------------
    def op_reserve(
        self,
        reservation_id: int,
        connector: int,
        id_tag: str,
        parent_id_tag: str | None,
        expiry: str,
    ) -> None:
        """§5.13: store the reservation (replacing one with its reservationId) on the held
        connector, which then reports Reserved."""
        store = self.station.store
        old = store.reservation_get(int(reservation_id))
        held = int(connector)
        if held == 0:
            free = self._free_connectors(int(reservation_id))
            keep = [old.held] if old is not None and old.held in free else []
            held = (keep or free or [0])[0]
        store.reservation_put(
            Reservation(int(reservation_id), int(connector), held, id_tag, parent_id_tag, expiry)
        )
        if old is not None and old.held != held:
            self.station.raise_event("internal.reservation_ended", {"connector": old.held})
        self.station.raise_event("internal.reserved", {"connector": held})

    def op_cancel_reservation(self, reservation_id: int) -> None:
        """§5.1: the reservation ends; its connector becomes Available again (G1)."""
        store = self.station.store
        reservation = store.reservation_get(int(reservation_id))
        if reservation is None:
            return
        store.reservation_delete(reservation.reservation_id)
        self.station.raise_event("internal.reservation_ended", {"connector": reservation.held})

    def op_end_reservation(self, connector: int) -> None:
        """§5.13: the reservation held on the connector expired, or the connector went
        Faulted; its status machine has already left Reserved."""
        store = self.station.store
        for reservation in store.reservations():  # expired ones too: this is their end
            if reservation.held == int(connector):
                store.reservation_delete(reservation.reservation_id)

    def op_use_reservation(self, connector: int, id_tag: str, parent_id_tag: str | None) -> None:
        """§5.13 (1): a transaction for the reserved idTag (or group) started; a connector-0
        reservation used on another connector frees the connector it held."""
        used = self.q_reservation_used(connector, id_tag, parent_id_tag)
        reservation = self.station.store.reservation_get(used) if used else None
        if reservation is None:
            return
        self.station.store.reservation_delete(reservation.reservation_id)
        if reservation.held != int(connector):
            self.station.raise_event("internal.reservation_ended", {"connector": reservation.held})

    def op_restore_reservations(self) -> None:
        """After power-on: reservations still valid are held again (reported Reserved after
        the boot, §4.9); expired ones are dropped (§5.13 (2))."""
        for reservation in self.station.store.reservations():
            if self._seconds_left(reservation) <= 0 or reservation.held < 1:
                self.station.store.reservation_delete(reservation.reservation_id)
            else:
                self.station.raise_event("internal.reserved", {"connector": reservation.held})
