"""Charging sessions played on a simulated charge point, as a user at the station would.

A :class:`SessionPlan` says how many sessions, with which idTag, for how long and on which
connectors; :func:`run_sessions` plays it on a running
:class:`~runtime.sim.simulator.SimulatedStation` through tester actions (plug in, present the idTag,
present it again, unplug), starting an attempt again when it did not reach a running
transaction, and then waits until the station has :func:`settled`: it owes the Central System
nothing about transactions (OCPP 1.6 §3.7). Every step's wait is bounded.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from runtime.errors import ChargespecError
from runtime.station.station import Station

__all__ = ["RunningStation", "SessionPlan", "SessionsFailed", "run_sessions", "settled"]

# How often the session driver looks at the station, and how long one step may take before the
# attempt is abandoned (e.g. the link dropped while Authorize was out) and started again.
_TICK = 0.05
_STEP_TIMEOUT = 30.0
_ATTEMPTS_PER_SESSION = 100


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


class SessionsFailed(ChargespecError, RuntimeError):
    """A session could not be completed within its attempts."""


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


async def _play_one(station: Station, connector: int, plan: SessionPlan) -> bool:
    """One attempt at a session; ``True`` once a transaction ran and was stopped by the user."""
    if not await _until(lambda: _ready(station, connector), _STEP_TIMEOUT):
        return False
    station.tester("plug_in", connector=connector)
    station.tester("present_id_tag", connector=connector, idTag=plan.id_tag)
    if not await _until(lambda: station.state("Transaction", connector) == "Running", 10.0):
        # No transaction (Authorize lost with the link, or refused): walk away, try again.
        station.tester("unplug", connector=connector)
        return False
    await asyncio.sleep(plan.charge_seconds)
    if station.state("Transaction", connector) == "Running":
        station.tester("present_id_tag", connector=connector, idTag=plan.id_tag)
    station.tester("unplug", connector=connector)
    return True


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
        SessionsFailed: A session failed ``_ATTEMPTS_PER_SESSION`` times in a row.
    """
    station = sim.station
    for number in range(plan.sessions):
        connector = plan.connectors[number % len(plan.connectors)]
        for _ in range(_ATTEMPTS_PER_SESSION):
            if await _play_one(station, connector, plan):
                break
        else:
            raise SessionsFailed(f"session {number + 1} on connector {connector} never ran")
        if on_session is not None:
            on_session(number + 1, connector)
    while not settled(station):
        await asyncio.sleep(_TICK)
