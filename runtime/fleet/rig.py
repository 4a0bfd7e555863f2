"""The tester API's steps on one station of a running fleet.

A CSMS team's end-to-end tests drive a fleet station as the test system drives a rig
(:mod:`runtime.adapters.tester_api`, served per identity by
:class:`~runtime.sim.tester_api_server.TesterApiServer`): plug in, present a card, cut the
network. ``connection_lost`` / ``connection_restored`` act on the station's link; every other
action is the station's own tester action. Each call returns once the step was applied and the
frames it caused were written to the Central System.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from runtime.adapters.tester_api import ActionRefused
from runtime.fleet.driver import StationDriver

__all__ = ["FleetRig"]


class FleetRig:
    """Performs tester API steps on one :class:`StationDriver`.

    Args:
        driver: The station's driver (its task is running, or about to be).
    """

    def __init__(self, driver: StationDriver) -> None:
        self._driver = driver
        self._lock = asyncio.Lock()  # one step at a time on the station, whoever asks

    async def act(self, name: str, params: dict[str, Any]) -> None:
        """Apply one tester action and write the frames it caused.

        Raises:
            ActionRefused: the station has not been started yet (ramp-up) or was stopped.
            TesterError: the station refuses it (e.g. a connector it does not have).
        """
        async with self._lock:
            driver = self._driver
            station = driver.station
            if station is None or driver.finished.is_set():
                raise ActionRefused(f"station {driver.identity} is not running")
            if name == "connection_lost":
                driver.network_down()
            elif name == "connection_restored":
                driver.network_up()
            else:
                # Time passes first: the action and its messages happen now, not at the
                # station's last frame (OCPP 1.6 §4.9 timestamps, meter readings).
                station.poll(time.time())
                station.tester(name, **params)
            await driver.flush()
            driver.nudge()

    async def observe(self, name: str, params: dict[str, Any]) -> Any:
        """Read one observation off the station's simulated hardware.

        Raises:
            ActionRefused: the station has not been started yet.
            TesterError: unknown observation or connector.
        """
        station = self._driver.station
        if station is None:
            raise ActionRefused(f"station {self._driver.identity} is not running")
        return station.observe(name, **params)
