"""What one station's frames tell the fleet: response times, acceptance, transactions.

The driver hands every frame it writes and reads to the station's :class:`StationLedger`,
which adds to the fleet's :class:`~runtime.fleet.stats.FleetStats` without decoding more than
it must: outgoing CALLs are the station's own encoding (``[2,"<id>","<Action>",{...}]``, ids
without quotes), so the id and action are split off the text; an answer's id likewise. Only the
few frames whose payload matters (StartTransaction.conf, StopTransaction.req) are decoded.

It also keeps the fleet honest about the exactly-once rule: a StopTransaction.req for a
transaction whose StopTransaction.conf already came is counted as a duplicate stop.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from runtime.fleet.stats import FleetStats

__all__ = ["StationFacts", "StationLedger"]

_ON_TIME = 1.1  # a heartbeat is on time within its interval + 10 %


class StationFacts(Protocol):
    """What the ledger asks the station (a :class:`~runtime.station.station.Station` fits)."""

    def may_send(self, action: str) -> bool: ...
    def config_int(self, key: str) -> int: ...


class StationLedger:
    """One station's share of the fleet's statistics.

    Args:
        stats: The fleet's counters.
        station: The station whose frames these are.
        started_at: When the station was started (its boot time is counted from there).
    """

    __slots__ = (
        "_confirmed_stops",
        "_ever_accepted",
        "_heartbeat_ref",
        "_open_ids",
        "_rejected",
        "_started_at",
        "_station",
        "_stats",
        "accepted",
        "pending",
    )

    def __init__(self, stats: FleetStats, station: StationFacts, started_at: float) -> None:
        self._stats = stats
        self._station = station
        self._started_at = started_at
        self.accepted = False
        self._ever_accepted = False
        self._rejected = False
        self._heartbeat_ref: float | None = None
        #: CALLs sent and not yet answered: id -> (action, sent at, transactionId of a Stop).
        self.pending: dict[str, tuple[str, float, int | None]] = {}
        self._open_ids: set[int] = set()
        self._confirmed_stops: set[int] = set()

    def sent(self, text: str, now: float) -> None:
        """Count a frame written; note a CALL's id, action and time."""
        self._stats.frames_out += 1
        if not text.startswith("[2"):
            return
        # [2,"<id>","<Action>",{...}]: the station's own encoding, ids without quotes.
        _, message_id, _, action, _ = text.split('"', 4)
        tx_id = None
        if action == "StopTransaction":
            tx_id = int(json.loads(text)[3]["transactionId"])
            self._stop_sent(tx_id)
        elif action == "Heartbeat":
            self._heartbeat_sent(now)
        self.pending[message_id] = (action, now, tx_id)

    def _stop_sent(self, tx_id: int) -> None:
        if tx_id in self._confirmed_stops:
            self._stats.duplicate_stops += 1
        if tx_id in self._open_ids:
            self._open_ids.discard(tx_id)
            self._stats.transactions_running -= 1

    def _heartbeat_sent(self, now: float) -> None:
        interval = self._station.config_int("HeartbeatInterval")
        if self._heartbeat_ref is not None and interval > 0:
            self._stats.heartbeats += 1
            if now - self._heartbeat_ref <= interval * _ON_TIME:
                self._stats.heartbeats_on_time += 1
        self._heartbeat_ref = now

    def answer_to(self, text: str) -> tuple[str, float, int | None] | None:
        """Count a frame received; for an answer, take the CALL it answers off the pending."""
        self._stats.frames_in += 1
        if text.lstrip("[ \t\r\n")[:1] not in ("3", "4"):
            return None
        return self.pending.pop(text.split('"', 2)[1], None)

    def answered(self, text: str, call: tuple[str, float, int | None], now: float) -> None:
        """Count what an answer tells, after the station has taken it in."""
        action, sent, tx_id = call
        kind = text.lstrip("[ \t\r\n")[:1]
        self._stats.response(action, now - sent)
        if kind == "4":
            code = text.split('"', 4)[3] if text.count('"') >= 4 else "?"
            self._stats.call_errors += 1
            self._stats.error(f"CALLERROR {action} {code}")
        elif action == "BootNotification":
            self._boot_answered(text, now)
        elif action == "StartTransaction":
            self._start_confirmed(text)
        elif action == "StopTransaction" and tx_id is not None:
            self._confirmed_stops.add(tx_id)
            self._stats.transactions_stopped += 1

    def _boot_answered(self, text: str, now: float) -> None:
        if self._station.may_send("Authorize"):
            if not self.accepted:
                self.accepted = True
                self._stats.accepted += 1
                self._heartbeat_ref = now
            if not self._ever_accepted:
                self._ever_accepted = True
                self._stats.ever_accepted += 1
                self._stats.boot_seconds.add(now - self._started_at)
        elif '"Rejected"' in text and not self._rejected:
            self._rejected = True
            self._stats.rejected += 1

    def _start_confirmed(self, text: str) -> None:
        payload: dict[str, Any] = json.loads(text)[2]
        tx_id = payload.get("transactionId")
        if isinstance(tx_id, int) and tx_id not in self._open_ids:
            self._open_ids.add(tx_id)
            self._stats.transactions_started += 1
            self._stats.transactions_running += 1

    def went_offline(self) -> None:
        """The link is gone: unanswered CALLs will never be answered on it."""
        for action, _, _ in self.pending.values():
            self._stats.error(f"no answer before the link closed: {action}")
        self.pending.clear()
        self._heartbeat_ref = None
        if self.accepted:
            self.accepted = False
            self._stats.accepted -= 1

    def finished(self) -> None:
        """The station stopped: transactions still counted as running are no more."""
        self._stats.transactions_running -= len(self._open_ids)
        self._open_ids.clear()
