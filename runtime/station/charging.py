"""Station queries and operations of the Smart Charging profile (OCPP 1.6 §3.13, §5.5, §5.7,
§5.16).

Theory of operation: the installed charging profiles are rows of the store (they survive a
reboot, §3.13.6 has a Charge Point keep using its stored profiles), each with the connector
it was set on. Every question is answered by the pure functions of
:mod:`runtime.station.smart_charging` from those rows, the transactions running now (the
anchors of Relative schedules and the owners of TxProfiles) and the station's time; this
mixin only reads and writes the rows and hands the limit in force to the hardware.

The machines decide (specs/ocpp16/machines/smart_charging.yaml answers the Central System,
charging_limit.yaml follows the limit of a running transaction); a TxProfile goes with the
transaction it was set for (§3.13.1).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from runtime.ocppj.datetime import from_iso8601
from runtime.station.port import StationPort
from runtime.station.smart_charging.composite import composite_schedule, limit_at, next_change
from runtime.station.smart_charging.installation import (
    Limits,
    Refusal,
    allowed_units,
    check_remote_start_profile,
    clear,
    install,
)
from runtime.station.smart_charging.profiles import (
    Installed,
    Period,
    Profile,
    Purpose,
    Session,
    Supply,
    Unit,
)

__all__ = ["ChargingServices"]

# The local limit of each connector (§5.7 "possible local limits"): a 16 A three-phase
# supply, what the meters report as Current.Offered without a charging limit.
SUPPLY_CURRENT = 16.0


class ChargingServices:
    """``station.charging_*`` queries and the charging-profile operations (mixed into
    :class:`~runtime.station.services.StationServices`)."""

    station: StationPort
    # Kept by StationServices: the status each connector last entered.
    _status: dict[int, str]

    # --- helpers ----------------------------------------------------------------------------
    def _installed(self) -> tuple[Installed, ...]:
        rows = self.station.store.charging_profiles()
        return tuple(Installed(c, Profile.from_payload(p)) for c, p in rows)

    def _save(self, installed: tuple[Installed, ...]) -> None:
        rows = [(i.connector, i.profile.to_payload()) for i in installed]
        self.station.store.set_charging_profiles(rows)

    def _now(self) -> float:
        """Profiles speak the Central System's time (§7.8 validFrom/validTo, §7.13)."""
        return self.station.now + self.station.clock_offset

    def _sessions(self) -> dict[int, Session]:
        """The transactions of this boot by connector: when each began and its id (``None``
        until StartTransaction.conf gave one)."""
        sessions = {}
        for t in self.station.store.open_transactions():
            if t.ref >= self.station.boot_ref:
                sessions[t.connector] = Session(from_iso8601(t.started), t.transaction_id)
        return sessions

    def _supply(self) -> Supply:
        """The electrical model amperes and watts convert with (§7.12): the nominal voltage
        the station's meter reports, on three phases (the meter resolves L1 to L3)."""
        reading = self.station.hardware.read_meter(1, self.station.now)
        return Supply(voltage=reading.voltage_v, phases=3, max_current=SUPPLY_CURRENT)

    def _limits(self) -> Limits:
        """The limits the read-only keys of §9.4 state (the PICS sets them,
        specs/ocpp16/pics.yaml; a PICS that leaves one out gets the key's default)."""
        config = self.station.config
        units = config.get("ChargingScheduleAllowedChargingRateUnit")
        return Limits(
            max_stack_level=config.get_int("ChargeProfileMaxStackLevel"),
            max_periods=config.get_int("ChargingScheduleMaxPeriods"),
            allowed_units=allowed_units(units if isinstance(units, list) else str(units or "")),
            max_installed=config.get_int("MaxChargingProfilesInstalled"),
        )

    def _outcome(self, connector: int, payload: Mapping[str, Any]) -> tuple[Installed, ...] | str:
        try:
            profile = Profile.from_payload(payload)
        except ValueError:  # a date-time only the naive_datetime leniency let through
            return "Rejected"
        outcome = install(
            self._installed(),
            connector,
            profile,
            limits=self._limits(),
            sessions=self._sessions(),
            connectors=self.station.connectors,
            now=self._now(),
        )
        return outcome.status if isinstance(outcome, Refusal) else outcome

    def _limit_w(self, connector: int) -> float:
        now = self._now()
        return limit_at(
            self._installed(),
            connector,
            now,
            unit="W",
            sessions=self._sessions(),
            supply=self._supply(),
            connectors=self.station.connectors,
            idle_anchor=now,
        )

    # --- SetChargingProfile (§5.16) ---------------------------------------------------------
    def q_charging_profile_answer(self, connector: int, profile: Mapping[str, Any]) -> str:
        """Accepted, Rejected, or PropertyConstraintViolation (errata E3.39: a connectorId
        the Charge Point does not have)."""
        outcome = self._outcome(int(connector), profile)
        return outcome if isinstance(outcome, str) else "Accepted"

    def op_install_charging_profile(self, connector: int, profile: Mapping[str, Any]) -> None:
        """§3.13.2: the profile replaces one with its id or its stackLevel and purpose."""
        outcome = self._outcome(int(connector), profile)
        if not isinstance(outcome, str):
            self._save(outcome)

    # --- ClearChargingProfile (§5.5, errata E3.25, E3.26) ----------------------------------
    def _cleared(
        self,
        profile_id: int | None,
        connector: int | None,
        purpose: Purpose | None,
        stack: int | None,
    ) -> tuple[tuple[Installed, ...], int]:
        return clear(
            self._installed(),
            profile_id=profile_id,
            connector=connector,
            purpose=purpose,
            stack_level=stack,
        )

    def q_charging_profiles_match(
        self,
        profile_id: int | None,
        connector: int | None,
        purpose: Purpose | None,
        stack: int | None,
    ) -> bool:
        """Whether ClearChargingProfile with these fields would remove anything (Accepted)
        or not (Unknown, §7.9)."""
        return self._cleared(profile_id, connector, purpose, stack)[1] > 0

    def op_clear_charging_profiles(
        self,
        profile_id: int | None,
        connector: int | None,
        purpose: Purpose | None,
        stack: int | None,
    ) -> None:
        remaining, removed = self._cleared(profile_id, connector, purpose, stack)
        if removed:
            self._save(remaining)

    # --- GetCompositeSchedule (§5.7, errata E3.24, E3.57) ----------------------------------
    def q_composite_schedule(
        self, connector: int, duration: int, unit: Unit | None
    ) -> dict[str, Any]:
        """The composite schedule from now for ``duration`` seconds, in ``unit`` or, when the
        request names none, in the first unit the Charge Point allows (§9.4.2). Its start is
        scheduleStart of the answer, so the schedule carries no startSchedule (E3.57)."""
        if unit is None:
            unit = "A" if "A" in self._limits().allowed_units else "W"
        now = self._now()
        installed, sessions = self._installed(), self._sessions()
        periods = composite_schedule(
            installed,
            int(connector),
            now,
            int(duration),
            unit,
            sessions=sessions,
            supply=self._supply(),
            connectors=self.station.connectors,
        )
        if not periods:
            # duration 0: the limit in force at this instant, held for no time (§5.7 has the
            # schedule start at receipt; a schedule needs a period, §7.13).
            limit = limit_at(
                installed,
                int(connector),
                now,
                unit=unit,
                sessions=sessions,
                supply=self._supply(),
                connectors=self.station.connectors,
                idle_anchor=now,
            )
            periods = (Period(0, math.floor(limit * 10) / 10),)
        # The composite is a ChargingSchedule, whose periods ChargingScheduleMaxPeriods bounds
        # (§9.4.3): a longer one is cut there, and its duration says how far it reaches
        # (§7.13). Ambiguity: §5.7 sets no bound, but an unbounded answer (a Daily profile
        # over years) would not fit a WebSocket message a Central System accepts.
        reach = int(duration)
        most = self._limits().max_periods
        if len(periods) > most:
            periods, reach = periods[:most], periods[most].start
        return {
            "duration": reach,
            "chargingRateUnit": unit,
            "chargingSchedulePeriod": [p.to_payload() for p in periods],
        }

    # --- RemoteStartTransaction with a profile (§5.11, §5.16.2, E3.41, E3.42) --------------
    def q_remote_start_profile_ok(self, profile: Mapping[str, Any]) -> bool:
        try:
            parsed = Profile.from_payload(profile)
        except ValueError:
            return False
        return check_remote_start_profile(parsed, self._limits()) is None

    def op_hold_remote_start_profile(self, connector: int, profile: Mapping[str, Any]) -> None:
        """Keep the TxProfile for the transaction about to start on ``connector``: it governs
        that transaction only (E3.41) and goes when it ends or never starts. It replaces a
        profile with its id, or a TxProfile of its stackLevel on that connector (§3.13.2)."""
        new = Installed(int(connector), Profile.from_payload(profile))
        kept = tuple(
            i
            for i in self._installed()
            if i.profile.id != new.profile.id
            and not (
                i.connector == new.connector
                and i.profile.purpose == "TxProfile"
                and i.profile.stack_level == new.profile.stack_level
            )
        )
        self._save((*kept, new))

    # --- the limit of a running transaction (§3.13.3, §4.9) --------------------------------
    def q_charging_session(self, connector: int) -> bool:
        """Whether a transaction of this boot runs on the connector."""
        return int(connector) in self._sessions()

    def q_charging_limit(self, connector: int) -> float:
        """The limit in force on the connector now, in W (the composite limit, §3.13.3)."""
        return math.floor(self._limit_w(int(connector)) * 10) / 10

    def q_charging_limit_seconds(self, connector: int) -> float:
        """Seconds until the limit may change (0: it never will)."""
        now = self._now()
        change = next_change(
            self._installed(),
            int(connector),
            now,
            sessions=self._sessions(),
            supply=self._supply(),
            connectors=self.station.connectors,
        )
        return 0.0 if change is None else max(change - now, 0.001)

    def q_connector_status(self, connector: int) -> str:
        return self._status.get(int(connector), "Available")

    def op_apply_charging_limit(self, connector: int) -> None:
        """The EV draws at most the limit in force (§3.13.3)."""
        limit = self.q_charging_limit(connector)
        self.station.hardware.set_power_limit(int(connector), limit, self.station.now)

    def op_end_charging_session(self, connector: int) -> None:
        """§3.13.1: a TxProfile SHOULD be deleted when its transaction ends; the connector's
        supply is no longer capped."""
        remaining, removed = self._cleared(None, int(connector), "TxProfile", None)
        if removed:
            self._save(remaining)
        self.station.hardware.set_power_limit(int(connector), None, self.station.now)

    def op_restore_charging_profiles(self) -> None:
        """At power-on no transaction runs any more (§4.10 ends them as interrupted), so the
        TxProfiles kept for them go; the other profiles stay in force (§3.13.6). No supply
        stays capped: the next transaction's limit is applied when it offers energy."""
        installed = self._installed()
        kept = tuple(i for i in installed if i.profile.purpose != "TxProfile")
        if len(kept) != len(installed):
            self._save(kept)
        for connector in range(1, self.station.connectors + 1):
            self.station.hardware.set_power_limit(connector, None, self.station.now)
