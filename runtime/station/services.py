"""The queries and operations a station offers its machines (specs/ocpp16/station.yaml).

Theory of operation: a machine's guard or value calls ``station.<query>(args)`` and its
actions ``invoke: <operation>``; the generated code turns both into
``env.query(name, *args)`` and an :class:`~runtime.spec.effects.Invoke` effect. This module is
where they are answered: from the persistent store (authorization cache, transactions,
availability), the configuration, the PICS and the hardware. Queries never change anything;
operations are the only writers. Each one restates its clause in its docstring.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from runtime.errors import ChargespecError
from runtime.ocppj.datetime import from_iso8601, to_iso8601
from runtime.spec.config_keys import ConfigError
from runtime.station.charging import ChargingServices
from runtime.station.local_list import LocalListServices
from runtime.station.metering import SUPPORTED_MEASURANDS, meter_value
from runtime.station.port import StationPort
from runtime.station.reservations import ReservationServices
from runtime.station.store import CacheEntry, StationStore
from runtime.station.triggers import TriggerServices

__all__ = ["StationServices", "UnknownStationCall"]

log = logging.getLogger(__name__)

# Authorization Cache size of the simulated charge point; the oldest or not-valid entries
# make room when it is full (OCPP 1.6 §3.5.1).
CACHE_CAPACITY = 1_000
# The vendor extension of the simulated charge point (OCPP 1.6 §4.3, §5.6): messageIds it
# knows and what it answers.
VENDOR_ID = "chargespec"
# Keys in lower case: CiStrings compare without case (§7.17, §7.18).
_VENDOR_MESSAGES = {"echo": "Accepted", "refuse": "Rejected"}

# Statuses of a connector in a session (§4.9): the table has no cell from them to
# Unavailable, so ChangeAvailability(Inoperative) waits for the session to end (§7.7).
_IN_USE = frozenset(
    {"Preparing", "Charging", "SuspendedEV", "SuspendedEVSE", "Finishing", "Reserved"}
)


class UnknownStationCall(ChargespecError, LookupError):
    """A machine used a query or operation this runtime does not implement."""


class StationServices(ChargingServices, LocalListServices, ReservationServices, TriggerServices):
    """Answers ``station.<query>`` and runs ``invoke: <operation>`` for one station."""

    def __init__(self, station: StationPort) -> None:
        self.station = station
        # connector -> whether its status lets a transaction begin (op_set_startable); the
        # status machines set it on every state entry, so it needs no persistence.
        self._startable: dict[int, bool] = {}
        # connector -> whether a user has its Transaction machine (op_set_connector_claimed);
        # set on every state entry of that machine, so it needs no persistence either.
        self._claimed: dict[int, bool] = {}
        # connector -> the status it last entered (op_set_connector_status), set the same way.
        self._status: dict[int, str] = {}

    # --- dispatch ---------------------------------------------------------------------------
    def query(self, name: str, args: Sequence[Any]) -> Any:
        method = getattr(self, f"q_{name}", None)
        if method is None:
            raise UnknownStationCall(f"station query {name!r} is not implemented")
        return method(*args)

    def invoke(self, name: str, args: Mapping[str, Any]) -> None:
        method = getattr(self, f"op_{name}", None)
        if method is None:
            raise UnknownStationCall(f"station operation {name!r} is not implemented")
        method(**args)

    def implemented(self) -> tuple[frozenset[str], frozenset[str]]:
        """The query and operation names this runtime answers."""
        names = dir(self)
        return (
            frozenset(n[2:] for n in names if n.startswith("q_")),
            frozenset(n[3:] for n in names if n.startswith("op_")),
        )

    # --- helpers ----------------------------------------------------------------------------
    @property
    def _store(self) -> StationStore:
        return self.station.store

    def _wall_clock(self) -> float:
        return self.station.now + self.station.clock_offset

    def _open_on(self, connector: int) -> list[Any]:
        return [t for t in self._store.open_transactions() if t.connector == connector]

    def _measurands(self, key: str) -> list[str]:
        config = self.station.config
        if not config.is_known(key):
            return ["Energy.Active.Import.Register"]
        value = config.get(key)
        items = value if isinstance(value, list) else [i for i in str(value).split(",") if i]
        return [i for i in items if i in SUPPORTED_MEASURANDS]

    # --- queries: connection and clock ------------------------------------------------------
    def q_online(self) -> bool:
        """§3.5: online = the Central System can answer now (connected and Accepted)."""
        station = self.station
        return station.endpoint is not None and station.may_send("Authorize")

    def q_now(self) -> str:
        return to_iso8601(self._wall_clock())

    def q_seconds_to_aligned_boundary(self) -> float:
        """§3.16.2: boundaries are multiples of ClockAlignedDataInterval from midnight.

        To the fraction of a second: whole seconds would fire the reading up to a second
        before the boundary on a real clock, stamped ``…:59.2`` instead of ``…:00``."""
        interval = self.station.config.get_int("ClockAlignedDataInterval")
        if interval <= 0:
            return 0
        now = datetime.fromtimestamp(self._wall_clock(), UTC)
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        elapsed = (now - midnight).total_seconds()
        remaining = interval - elapsed % interval
        # At a boundary already: the next one (a reading is never taken twice at one).
        return remaining if remaining > 1e-6 else float(interval)

    # --- queries: authorization -------------------------------------------------------------
    def _cache_enabled(self) -> bool:
        station = self.station
        return station.pics.get_bool("AuthorizationCache") and station.config.get_bool(
            "AuthorizationCacheEnabled"
        )

    def _has_expired(self, entry: CacheEntry) -> bool:
        """§3.5.1: an Accepted entry whose expiryDate has passed (or cannot be read) is
        no longer valid."""
        if entry.status != "Accepted" or not entry.expiry:
            return False
        try:
            return from_iso8601(entry.expiry) <= self._wall_clock()
        except ValueError:
            return True

    def q_authorization(self, id_tag: str) -> str:
        """§3.5.3: the Local Authorization List's status first; else §3.5.1: the cached
        status; Expired once expiryDate has passed (even before op_expire_cache wrote it);
        Unknown if absent."""
        listed = self.list_authorization(id_tag)
        if listed is not None:
            return listed
        if not self._cache_enabled():
            return "Unknown"
        entry = self._store.cache_get(id_tag)
        if entry is None:
            return "Unknown"
        return "Expired" if self._has_expired(entry) else str(entry.status)

    def q_parent_of(self, id_tag: str) -> str:
        listed = self.list_parent(id_tag)  # the list wins over the cache (§3.5.3)
        if listed is not None:
            return listed
        if not self._cache_enabled():
            return ""
        entry = self._store.cache_get(id_tag)
        return (entry.parent_id_tag or "") if entry is not None else ""

    # --- queries: transactions and meters ---------------------------------------------------
    def q_new_transaction_ref(self) -> int:
        return int(self._store.next_transaction_ref())

    def q_meter(self, connector: int) -> int:
        return self.station.hardware.read_meter(connector, self.station.now).energy_wh

    def q_sample(self, connector: int, context: str, measurands_key: str) -> list[dict[str, Any]]:
        """§7.33/§7.43: one MeterValue with the measurands the key lists, all stamped now."""
        return [self._meter_value(connector, context, self._measurands(measurands_key))]

    def _meter_value(self, connector: int, context: str, measurands: list[str]) -> dict[str, Any]:
        reading = self.station.hardware.read_meter(connector, self.station.now)
        return meter_value(reading, context, measurands, self.q_now())

    def q_transaction_data(self, tx_ref: int) -> list[dict[str, Any]] | None:
        """§3.16.5, errata E3.14/E3.91: the kept samples; None (field left out) when neither
        StopTxnSampledData nor StopTxnAlignedData asks for any."""
        record = self._store.transaction(tx_ref)
        if record is None or not record.samples:
            return None
        samples = list(record.samples)
        config = self.station.config
        if config.is_known("StopTransactionMaxMeterValues"):
            limit = max(config.get_int("StopTransactionMaxMeterValues"), 2)
            while len(samples) > limit:  # drop intermediate values, never the first or last
                del samples[len(samples) // 2]
        return samples

    def q_open_transaction(self, connector: int) -> int:
        found = self._open_on(connector)
        return int(found[-1].ref) if found else 0

    def q_transaction_running(self, transaction_id: Any) -> bool:
        return any(
            t.transaction_id == transaction_id and t.ref >= self.station.boot_ref
            for t in self._store.open_transactions()
        )

    def q_connector_busy(self, connector: int) -> bool:
        return any(
            connector in (0, t.connector) and t.ref >= self.station.boot_ref
            for t in self._store.open_transactions()
        )

    def q_connector_exists(self, connector: Any) -> bool:
        return isinstance(connector, int) and 1 <= connector <= self.station.connectors

    def q_availability(self, connector: int) -> str:
        return self._store.get_state(f"availability.{connector}") or "Operative"

    def q_remote_start_connector(self, connector: int | None) -> int:
        """§5.11: the requested connector, or the first one, that can take a transaction."""
        candidates = [connector] if connector is not None else range(1, self.station.connectors + 1)
        for c in candidates:
            if not self.q_connector_exists(c) or self.q_connector_busy(c):
                continue
            if "Inoperative" in (self.q_availability(0), self.q_availability(c)):
                continue
            if not self.q_connector_startable(c) or self._claimed.get(int(c), False):
                continue
            return int(c)
        return 0

    def q_interrupted_transaction(self, connector: int) -> int:
        """§4.10/§5.14: a transaction open from before this boot (power loss, hard reset)."""
        for t in self._open_on(connector):
            if t.ref < self.station.boot_ref:
                return int(t.ref)
        return 0

    def q_interrupted_reason(self, connector: int) -> str:
        ref = self.q_interrupted_transaction(connector)
        record = self._store.transaction(ref) if ref else None
        return (record.stop_reason if record is not None else None) or "PowerLoss"

    # --- queries: configuration (§5.3, §5.8) ------------------------------------------------
    def q_config_known(self, key: str) -> bool:
        return bool(self.station.config.is_known(key))

    def q_config_name(self, key: str) -> str:
        """The declared spelling of a known key (CiString50 compares without case, §7.17)."""
        config = self.station.config
        return config.spec(key).name if config.is_known(key) else key

    def q_config_read_only(self, key: str) -> bool:
        return bool(self.station.config.is_read_only(key))

    def q_config_accepts(self, key: str, value: str) -> bool:
        try:
            self.station.config.check(key, value)
        except ConfigError:
            return False
        return True

    def q_config_reboot_required(self, key: str) -> bool:
        return bool(self.station.config.spec(key).reboot_required)

    def q_config_entries(self, keys: list[str] | None) -> list[dict[str, Any]]:
        """Every requested key the Charge Point knows, with its value (§5.8). A request
        naming more than GetConfigurationMaxKeys keys MAY be limited (§5.8), but dropping
        keys would put them in neither list, which §5.8 does not allow: every key is
        answered."""
        config = self.station.config
        names = list(keys) if keys else sorted(config.specs)
        entries = []
        for name in (config.spec(k).name for k in names if config.is_known(k)):
            # Keys are CiString50 (§7.29): found in any letter case, reported as declared.
            entry: dict[str, Any] = {"key": name, "readonly": config.is_read_only(name)}
            if config.get(name) is not None:  # KeyValue.value is optional (§7.29)
                entry["value"] = config.wire_value(name)
            entries.append(entry)
        return entries

    def q_config_unknown_keys(self, keys: list[str] | None) -> list[str] | None:
        unknown = [k for k in keys or () if not self.station.config.is_known(k)]
        return unknown or None

    # --- queries: hardware ------------------------------------------------------------------
    def q_lock_releases(self, connector: int) -> bool:
        return bool(self.station.hardware.lock_works(connector))

    def q_lock_closes(self, connector: int) -> bool:
        return bool(self.station.hardware.lock_works(connector))

    # --- queries: data transfer (§4.3, §5.6) ------------------------------------------------
    def q_data_transfer_status(self, vendor_id: str, message_id: str | None) -> str:
        """vendorId and messageId are CiString255/CiString50 (§6.17): compared without case."""
        if vendor_id.lower() != VENDOR_ID:
            return "UnknownVendorId"
        return _VENDOR_MESSAGES.get((message_id or "").lower(), "UnknownMessageId")

    def q_data_transfer_data(self, vendor_id: str, message_id: str | None, data: Any) -> Any:
        echo = vendor_id.lower() == VENDOR_ID and (message_id or "").lower() == "echo"
        return data if echo else None

    # --- operations -------------------------------------------------------------------------
    def op_begin_transaction(
        self, ref: int, connector: int, id_tag: str, parent_id_tag: str
    ) -> None:
        """§3.7/§4.8: stored before its StartTransaction is queued, with a Begin sample."""
        store = self._store
        store.begin_transaction(
            connector, id_tag, self.q_meter(connector), self.q_now(), parent_id_tag or None, ref=ref
        )
        self._keep_sample(ref, connector, "Transaction.Begin")

    def op_record_sample(self, ref: int, connector: int, context: str) -> None:
        self._keep_sample(ref, connector, context)

    def _keep_sample(self, ref: int, connector: int, context: str) -> None:
        """§3.16.5: StopTxnSampledData (periodic, begin, end) or StopTxnAlignedData (clock)."""
        key = "StopTxnAlignedData" if context == "Sample.Clock" else "StopTxnSampledData"
        measurands = self._measurands(key) if self.station.config.is_known(key) else []
        if measurands and self._store.transaction(ref) is not None:
            self._store.add_sample(ref, self._meter_value(connector, context, measurands))

    def op_end_transaction(self, ref: int, reason: str) -> None:
        record = self._store.transaction(ref)
        if record is None or record.ended:
            return
        self._keep_sample(ref, record.connector, "Transaction.End")
        self._store.set_stop_reason(ref, reason or None)
        self._store.end_transaction(ref)

    def op_mark_interrupted(self, reason: str) -> None:
        for t in self._store.open_transactions():
            self._store.set_stop_reason(t.ref, reason)

    def op_set_connector_claimed(self, connector: int, claimed: bool) -> None:
        """Errata E3.32: a connector a user has (authorizing, authorized, held) cannot take
        a remote start, so remote_start_connector skips it."""
        self._claimed[int(connector)] = bool(claimed)

    def op_set_energy_flow(self, connector: int, flowing: bool) -> None:
        self.station.hardware.set_energy_flow(int(connector), bool(flowing), self.station.now)

    def op_set_startable(self, connector: int, startable: bool) -> None:
        self._startable[int(connector)] = bool(startable)

    def op_update_cache(self, id_tag: str, id_tag_info: Mapping[str, Any] | None) -> None:
        """§3.5.1, §4.1: every IdTagInfo received overwrites the idTag's cache entry; §3.5.3:
        not for an idTag the Local Authorization List holds (§3.5.2: it may be a conflict)."""
        if not id_tag or not isinstance(id_tag_info, Mapping):
            return
        if self.list_answer(id_tag, id_tag_info) or not self._cache_enabled():
            return
        entry = CacheEntry(
            id_tag=id_tag,
            status=str(id_tag_info.get("status", "Invalid")),
            expiry=id_tag_info.get("expiryDate"),
            parent_id_tag=id_tag_info.get("parentIdTag"),
            updated=self.station.now,
        )
        self._store.cache_put(entry, capacity=CACHE_CAPACITY)

    def op_expire_cache(self) -> None:
        """§3.5.1: when an entry's validity expires it SHALL be changed to Expired in the
        cache (so it is also the first to go when the cache is full)."""
        for entry in self._store.cache_entries():
            if self._has_expired(entry):
                self._store.cache_set_status(entry.id_tag, "Expired")

    def op_clear_cache(self) -> None:
        self._store.cache_clear()

    def op_change_configuration(self, key: str, value: str) -> None:
        self.station.set_config(key, value)

    def op_set_availability(self, connector: int, availability: str) -> None:
        """§5.2: kept across reboots; Operative on connector 0 clears every connector too."""
        store = self._store
        store.set_state(f"availability.{connector}", availability)
        if connector == 0 and availability == "Operative":
            for c in range(1, self.station.connectors + 1):
                store.set_state(f"availability.{c}", None)

    def op_restore_availability(self) -> None:
        for connector in range(self.station.connectors + 1):
            if self.q_availability(connector) == "Inoperative":
                self.station.raise_event("internal.inoperative", {"connector": connector})

    def op_reboot(self, kind: str) -> None:
        self.station.request_reboot(kind)

    def op_unlock(self, connector: int) -> None:
        if not self.station.hardware.unlock(connector):
            log.warning("connector %s: the lock did not open", connector)

    def op_lock(self, connector: int) -> None:
        if not self.station.hardware.lock(connector):
            log.warning("connector %s: the lock did not close", connector)

    # --- availability and faults (§4.9, §5.2, §7.7, errata E3.20) ---------------------------
    def q_connector_startable(self, connector: int) -> bool:
        """§5.2/§7.7: an Unavailable or Faulted connector, or Charge Point, allows no charging;
        errata E3.20: nor does a cable left in Finishing after ConnectionTimeOut. An
        Inoperative still Scheduled (§7.3) takes no new user either, or a new session would
        put it off indefinitely."""
        if "Inoperative" in (self.q_availability(0), self.q_availability(int(connector))):
            return False
        return self._startable.get(int(connector), True) and self._startable.get(0, True)

    def q_connector_in_use(self, connector: int) -> bool:
        """§4.9: no cell leads from a session's statuses to Unavailable (connector 0: any)."""
        ids = range(1, self.station.connectors + 1) if connector == 0 else (int(connector),)
        return any(self._status.get(c, "Available") in _IN_USE for c in ids)

    def q_transactions_open(self) -> int:
        """§5.2/§7.3: Scheduled for the whole Charge Point waits for every transaction."""
        return sum(t.ref >= self.station.boot_ref for t in self._store.open_transactions())

    def op_set_connector_status(self, connector: int, status: str) -> None:
        self._status[int(connector)] = str(status)
