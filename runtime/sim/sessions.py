"""Charging sessions played on a simulated charge point, as a user at the station would.

A :class:`SessionPlan` says how many sessions, with which idTag, for how long and on which
connectors; :func:`run_sessions` plays it on a running
:class:`~runtime.sim.simulator.SimulatedStation` through tester actions (plug in, present the idTag,
present it again, unplug), starting an attempt again when it did not reach a running
transaction, and then waits until the station has :func:`settled`: it owes the Central System
nothing about transactions (OCPP 1.6 §3.7). Every step's wait is bounded.

A session counts as done only if the Central System took part as asked: an idTag it refuses
(Authorize or StartTransaction answered other than Accepted) and a StartTransaction it never
accepted (refused every attempt, so the transaction went on with id -1, errata E3.18) make
:class:`SessionsFailed`, with the Central System's last answer. :func:`end_transactions` ends
the transactions still running when a run is interrupted, once each.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from runtime.errors import ChargespecError
from runtime.sim.call_log import CallLedger
from runtime.station.station import Station

__all__ = [
    "RunningStation",
    "SessionPlan",
    "SessionsFailed",
    "end_transactions",
    "run_sessions",
    "settled",
]

logger = logging.getLogger(__name__)

# How often the session driver looks at the station, and how long one step may take before the
# attempt is abandoned (e.g. the link dropped while Authorize was out) and started again.
_TICK = 0.05
_STEP_TIMEOUT = 30.0
_ATTEMPTS_PER_SESSION = 100
_ACCEPTED = "Accepted"
# A transaction whose StartTransaction could not be delivered (errata E3.18).
_UNDELIVERED = -1


@dataclass(frozen=True, slots=True)
class SessionPlan:
    """Charging sessions to play one after another, as a user at the station would.

    Attributes:
        sessions: How many sessions.
        id_tag: The idTag presented to start and again to stop each session.
        charge_seconds: How long each transaction runs before the idTag is shown again.
        connectors: The connectors to use, in turn (session ``i`` uses ``connectors[i % n]``).
    """

    sessions: int
    id_tag: str = "SIM-TAG-1"
    charge_seconds: float = 10.0
    connectors: tuple[int, ...] = (1,)


class RunningStation(Protocol):
    """A station that runs on its own while the sessions are played (a
    :class:`~runtime.sim.simulator.SimulatedStation` whose ``run`` task is running)."""

    @property
    def station(self) -> Station: ...

    @property
    def calls(self) -> CallLedger | None: ...


class SessionsFailed(ChargespecError, RuntimeError):
    """A session could not be completed as asked: it never ran within its attempts, or the
    Central System refused its idTag or its StartTransaction."""


def settled(station: Station) -> bool:
    """Whether the station owes the Central System nothing about transactions.

    Registered (an Accepted BootNotification, so a transaction a power loss left open has been
    stopped), no transaction open, and the transaction message queue empty (OCPP 1.6 §3.7).
    """
    return (
        station.may_send("Authorize")
        and not station.store.open_transactions()
        and station.queue.pending() == 0
    )


async def _until(condition: Callable[[], bool], timeout: float) -> bool:
    """Poll ``condition`` every tick for at most ``timeout`` seconds; return its last value."""
    for _ in range(max(int(timeout / _TICK), 1)):
        if condition():
            return True
        await asyncio.sleep(_TICK)
    return condition()


def _ready(station: Station, connector: int) -> bool:
    """Online and accepted, nothing happening on the connector: a user may walk up."""
    return (
        station.may_send("Authorize")
        and station.endpoint is not None
        and station.state("Transaction", connector) == "Idle"
        and station.state("ConnectorStatus", connector) == "Available"
    )


def _status(calls: CallLedger | None, action: str) -> str | None:
    """``idTagInfo.status`` of the last answer to ``action``, if one came."""
    if calls is None or (payload := calls.last_result.get(action)) is None:
        return None
    info = payload.get("idTagInfo")
    return str(info.get("status")) if isinstance(info, dict) else None


def _check_refused(calls: CallLedger | None, action: str, id_tag: str) -> None:
    """Fail when the Central System answered ``action`` for ``id_tag`` other than Accepted:
    presenting the same card again would only be refused again (OCPP 1.6 §7.13)."""
    status = _status(calls, action)
    if status is not None and status != _ACCEPTED:
        raise SessionsFailed(f"the Central System answered {action} for {id_tag} with {status}")


def _transaction_ref(station: Station, connector: int) -> int | None:
    open_now = [t for t in station.store.open_transactions() if t.connector == connector]
    return open_now[-1].ref if open_now else None


async def _play_one(
    sim: RunningStation, connector: int, plan: SessionPlan, refs: list[int]
) -> bool:
    """One attempt at a session; ``True`` once a transaction ran and was stopped by the user.

    The ref of the transaction it ran is appended to ``refs``.

    Raises:
        SessionsFailed: The Central System refused the idTag.
    """
    station, calls = sim.station, sim.calls
    if not await _until(lambda: _ready(station, connector), _STEP_TIMEOUT):
        return False
    if calls is not None:
        # Only this attempt's answers count.
        calls.last_result.pop("Authorize", None)
        calls.last_result.pop("StartTransaction", None)
    station.tester("plug_in", connector=connector)
    station.tester("present_id_tag", connector=connector, idTag=plan.id_tag)

    def started_or_refused() -> bool:
        refused = _status(calls, "Authorize") not in (None, _ACCEPTED)
        return refused or station.state("Transaction", connector) == "Running"

    await _until(started_or_refused, 10.0)
    if station.state("Transaction", connector) != "Running":
        # No transaction (Authorize lost with the link, or refused): walk away, try again.
        station.tester("unplug", connector=connector)
        _check_refused(calls, "Authorize", plan.id_tag)
        return False
    if (ref := _transaction_ref(station, connector)) is not None:
        refs.append(ref)
    await asyncio.sleep(plan.charge_seconds)
    if station.state("Transaction", connector) == "Running":
        station.tester("present_id_tag", connector=connector, idTag=plan.id_tag)
    station.tester("unplug", connector=connector)
    _check_refused(calls, "StartTransaction", plan.id_tag)
    return True


def _check_delivered(sim: RunningStation, refs: list[int]) -> None:
    """Fail if a session's StartTransaction never reached the Central System (id -1)."""
    for number, ref in enumerate(refs, start=1):
        record = sim.station.store.transaction(ref)
        if record is None or record.transaction_id != _UNDELIVERED:
            continue
        calls = sim.calls
        how = ""
        if calls is not None and (times := calls.refused["StartTransaction"]):
            how = f" {times} time(s) (last: {calls.last_refusal['StartTransaction']})"
        raise SessionsFailed(
            f"session {number} on connector {record.connector}: the Central System refused "
            f"StartTransaction{how}; the transaction went on with id -1"
        )


async def end_transactions(sim: RunningStation, timeout: float) -> int:
    """End every running transaction once, as its user would, and wait (at most ``timeout``
    seconds) until the Central System has every transaction message.

    Each open transaction's idTag is presented again (StopTransaction, reason Local) and the
    cable unplugged; a transaction already stopping is left alone, so none is stopped twice.

    Returns:
        How many transactions were ended here.
    """
    station = sim.station
    ended = 0
    for record in station.store.open_transactions():
        connector = record.connector
        if station.state("Transaction", connector) != "Running":
            continue
        station.tester("present_id_tag", connector=connector, idTag=record.id_tag)
        station.tester("unplug", connector=connector)
        ended += 1
    await _until(lambda: settled(station) or station.endpoint is None, timeout)
    return ended


async def run_sessions(
    sim: RunningStation,
    plan: SessionPlan,
    on_session: Callable[[int, int], None] | None = None,
) -> None:
    """Play ``plan`` on ``sim``, then wait until the station has :func:`settled`.

    Each session: plug in, present the idTag (Authorize.req), charge for
    ``plan.charge_seconds`` (StartTransaction.req, MeterValues.req), present the idTag again
    (StopTransaction.req, reason Local), unplug. An attempt that does not reach a running
    transaction (say the link dropped while Authorize was out) is abandoned and started again.
    Each step's wait is bounded, the last wait (for the queue to drain) is not: run this under
    a timeout to bound the whole.

    Args:
        sim: The running simulated station (its ``run`` task is running).
        plan: What to play.
        on_session: Called as ``on_session(number, connector)`` after each session (1-based).

    Raises:
        SessionsFailed: A session failed ``_ATTEMPTS_PER_SESSION`` times in a row, the
            Central System refused the idTag, or it never accepted a StartTransaction.
    """
    station = sim.station
    refs: list[int] = []
    for number in range(plan.sessions):
        connector = plan.connectors[number % len(plan.connectors)]
        for attempt in range(1, _ATTEMPTS_PER_SESSION + 1):
            if await _play_one(sim, connector, plan, refs):
                break
            # A retry, said as it happens (the link may be down, or the station not ready).
            logger.warning(
                "%s: session %d on connector %d did not start (attempt %d); trying again",
                station.identity.charge_point_id,
                number + 1,
                connector,
                attempt,
            )
        else:
            raise SessionsFailed(f"session {number + 1} on connector {connector} never ran")
        if on_session is not None:
            on_session(number + 1, connector)
    while not settled(station):
        await asyncio.sleep(_TICK)
    _check_delivered(sim, refs)
