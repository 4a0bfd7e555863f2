"""Charging as a driver does it, on a :class:`~runtime.loadtest.link.StationLink`.

One session: plug in, present the idTag (Authorize.req, then StartTransaction.req, OCPP 1.6
§4.1, §4.8), charge for a while (MeterValues.req every MeterValueSampleInterval, §4.7), present
the idTag again (StopTransaction.req, reason Local, §4.10), unplug. The station's machines send
every message; this module only plays the person at the station, as
:mod:`runtime.sim.sessions` does for the asyncio simulator.

Blocking, with ``sleep`` passed in: under Locust ``time.sleep`` is gevent's and lets the other
users run. Every wait is bounded.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from runtime.loadtest.link import StationLink
from runtime.station.station import Station

__all__ = ["Session", "charge", "ready_connectors", "registered", "wait_until"]

Sleep = Callable[[float], None]


@dataclass(frozen=True, slots=True)
class Session:
    """How one charging session went.

    Attributes:
        connector: The connector used.
        started: Whether a transaction ran (the Central System accepted the idTag and the
            StartTransaction).
        time_to_start_ms: From presenting the idTag to the transaction running, in
            milliseconds: what the driver waits for, round trips to the Central System
            included. Up to the give-up time when the transaction never started.
        reason: Why it did not start; empty when it did.
    """

    connector: int
    started: bool
    time_to_start_ms: float
    reason: str = ""


def registered(station: Station) -> bool:
    """Online, and the Central System accepted the BootNotification (OCPP 1.6 §4.2)."""
    return station.endpoint is not None and station.may_send("Authorize")


def ready_connectors(station: Station) -> list[int]:
    """The connectors a driver may walk up to now: registered, Available, no transaction."""
    if not registered(station):
        return []
    return [
        connector
        for connector in range(1, station.connectors + 1)
        if station.state("Transaction", connector) == "Idle"
        and station.state("ConnectorStatus", connector) == "Available"
    ]


def wait_until(condition: Callable[[], bool], timeout: float, tick: float, sleep: Sleep) -> bool:
    """Look at ``condition`` every ``tick`` seconds for at most ``timeout``; its last value."""
    for _ in range(max(int(timeout / tick), 1)):
        if condition():
            return True
        sleep(tick)
    return condition()


def charge(
    link: StationLink,
    connector: int,
    id_tag: str,
    charge_seconds: float,
    *,
    start_timeout: float = 30.0,
    tick: float = 0.01,
    sleep: Sleep = time.sleep,
) -> Session:
    """Play one charging session on ``connector`` (see the module docstring).

    A transaction that is not running ``start_timeout`` seconds after the idTag was
    presented (refused, or the link dropped) is walked away from: the cable is unplugged.

    Returns:
        How it went.
    """
    station = link.station
    link.act("plug_in", connector=connector)
    presented = time.perf_counter()
    link.act("present_id_tag", connector=connector, idTag=id_tag)

    def running() -> bool:
        return station.state("Transaction", connector) == "Running"

    started = wait_until(running, start_timeout, tick, sleep)
    waited = (time.perf_counter() - presented) * 1000.0
    if not started:
        state = station.state("Transaction", connector)
        link.act("unplug", connector=connector)
        reason = f"no transaction {start_timeout:g} s after the idTag (Transaction {state})"
        return Session(connector, False, waited, reason)
    sleep(charge_seconds)
    if running():
        link.act("present_id_tag", connector=connector, idTag=id_tag)
    link.act("unplug", connector=connector)
    return Session(connector, True, waited)
