"""The hardware of a charge point as the runtime sees it: meters, cable locks, whether an
EV is plugged in, and the restart of the controller.

Theory of operation: the station never touches hardware itself; it asks a :class:`Hardware`
for meter readings, drives the locks through it and asks it to restart for a reset.
:class:`SimulatedHardware` is the simulator's implementation: a meter per connector whose
energy register rises while the connector delivers energy, locks that work until a tester
jams them, and restarts that succeed unless a test asks for failures. A vendor implements
the same protocol with real devices. Time is passed in (sans-IO), never read from a clock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["Hardware", "MeterReading", "SimulatedHardware", "restart_with_retries"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MeterReading:
    """What a connector's meter measures at one instant."""

    energy_wh: int
    power_w: float
    current_a: float
    voltage_v: float
    soc_percent: int
    temperature_c: float
    frequency_hz: float
    # What the EVSE offers the EV (Power.Offered, Current.Offered, §7.31): its own maximum,
    # or less under a charging limit (§3.13).
    offered_w: float = 11_000.0
    offered_a: float = 16.0


class Hardware(Protocol):
    """Meters and locks, one per connector (1..N), and the controller's restart.

    ``set_power_limit`` caps what the connector delivers from ``now`` on (``None``: no cap),
    the charging limit of Smart Charging (OCPP 1.6 §3.13). ``locked`` tells whether the
    cable lock is closed; ``plugged`` whether an EV is connected.
    ``restart`` restarts the controller for a Reset and returns whether it did (the station
    retries a failed one ResetRetries times, OCPP 1.6 §9.1.22).
    """

    def read_meter(self, connector: int, now: float) -> MeterReading: ...
    def set_energy_flow(self, connector: int, flowing: bool, now: float) -> None: ...
    def set_power_limit(self, connector: int, limit_w: float | None, now: float) -> None: ...
    def unlock(self, connector: int) -> bool: ...
    def lock(self, connector: int) -> bool: ...
    def lock_works(self, connector: int) -> bool: ...
    def locked(self, connector: int) -> bool: ...
    def jam_lock(self, connector: int) -> None: ...
    def repair_lock(self, connector: int) -> None: ...
    def restart(self) -> bool: ...
    def set_plugged(self, connector: int, plugged: bool) -> None: ...
    def plugged(self, connector: int) -> bool: ...


class HardwareWrapper:
    """A :class:`Hardware` that hands every call to ``inner``: the base of a simulated part
    that changes one thing (a meter whose register survives a restart, a charging curve) and
    leaves the cable, the lock and the controller as they are."""

    def __init__(self, inner: Hardware) -> None:
        self._inner = inner

    def read_meter(self, connector: int, now: float) -> MeterReading:
        return self._inner.read_meter(connector, now)

    def set_energy_flow(self, connector: int, flowing: bool, now: float) -> None:
        self._inner.set_energy_flow(connector, flowing, now)

    def set_power_limit(self, connector: int, limit_w: float | None, now: float) -> None:
        self._inner.set_power_limit(connector, limit_w, now)

    def unlock(self, connector: int) -> bool:
        return self._inner.unlock(connector)

    def lock(self, connector: int) -> bool:
        return self._inner.lock(connector)

    def lock_works(self, connector: int) -> bool:
        return self._inner.lock_works(connector)

    def locked(self, connector: int) -> bool:
        return self._inner.locked(connector)

    def jam_lock(self, connector: int) -> None:
        self._inner.jam_lock(connector)

    def repair_lock(self, connector: int) -> None:
        self._inner.repair_lock(connector)

    def restart(self) -> bool:
        return self._inner.restart()

    def set_plugged(self, connector: int, plugged: bool) -> None:
        self._inner.set_plugged(connector, plugged)

    def plugged(self, connector: int) -> bool:
        return self._inner.plugged(connector)


def restart_with_retries(hardware: Hardware, retries: int) -> int | None:
    """Ask ``hardware`` to restart; retry a failed restart up to ``retries`` more times.

    OCPP 1.6 §9.1.22 ResetRetries: "Number of times to retry an unsuccessful reset of the
    Charge Point". Nothing gives an interval, so each retry follows the failure at once.

    Returns:
        The attempt (1-based) that succeeded, or ``None`` when all ``1 + retries`` failed.
    """
    attempts = 1 + max(retries, 0)
    for attempt in range(1, attempts + 1):
        if hardware.restart():
            return attempt
        log.warning("restart attempt %d of %d failed", attempt, attempts)
    return None


@dataclass
class _SimulatedConnector:
    register_wh: float = 0.0
    flowing_since: float | None = None
    limit_w: float | None = None
    locked: bool = False
    lock_jammed: bool = False
    plugged: bool = False


@dataclass
class SimulatedHardware:
    """A simulated EVSE: an 11 kW three-phase AC supply per connector.

    The energy register starts at ``start_wh`` per connector (a raw register that never
    decreases, OCPP 1.6 §7.31 / errata E3.9) and rises while energy flows at what the EV
    draws: ``power_w``, or less when a charging limit caps it (``set_power_limit``).
    The next ``failing_resets`` restarts fail (a test sets it to exercise ResetRetries).
    """

    power_w: float = 11_000.0
    voltage_v: float = 230.0
    start_wh: float = 1_000.0
    failing_resets: int = 0
    _connectors: dict[int, _SimulatedConnector] = field(default_factory=dict)

    def _get(self, connector: int) -> _SimulatedConnector:
        if connector not in self._connectors:
            self._connectors[connector] = _SimulatedConnector(register_wh=self.start_wh)
        return self._connectors[connector]

    def _draw(self, c: _SimulatedConnector) -> float:
        """What the EV draws while energy flows: its own maximum, or the limit if lower."""
        return self.power_w if c.limit_w is None else max(min(self.power_w, c.limit_w), 0.0)

    def _delivered(self, c: _SimulatedConnector, now: float) -> float:
        """Wh delivered since the flow started or the limit last changed."""
        if c.flowing_since is None:
            return 0.0
        return self._draw(c) * max(now - c.flowing_since, 0.0) / 3600.0

    def read_meter(self, connector: int, now: float) -> MeterReading:
        c = self._get(connector)
        energy = c.register_wh + self._delivered(c, now)
        power = self._draw(c) if c.flowing_since is not None else 0.0
        current = power / (3 * self.voltage_v)
        offered = self._draw(c)
        soc = min(100, 20 + int((energy - self.start_wh) / 500))
        return MeterReading(
            energy_wh=int(energy),
            power_w=round(power, 1),
            current_a=round(current, 1),
            voltage_v=self.voltage_v,
            soc_percent=soc,
            temperature_c=25.0,
            frequency_hz=50.0,
            offered_w=round(offered, 1),
            offered_a=self._offered_current(c),
        )

    def _offered_current(self, c: _SimulatedConnector) -> float:
        """Current.Offered per phase: the 16 A supply, or what the limit leaves of it."""
        if c.limit_w is None:
            return 16.0
        return round(min(16.0, self._draw(c) / 3 / self.voltage_v), 1)

    def set_energy_flow(self, connector: int, flowing: bool, now: float) -> None:
        c = self._get(connector)
        if flowing and c.flowing_since is None:
            c.flowing_since = now
        elif not flowing and c.flowing_since is not None:
            c.register_wh += self._delivered(c, now)
            c.flowing_since = None

    def set_power_limit(self, connector: int, limit_w: float | None, now: float) -> None:
        """Cap the draw from ``now`` on; what flowed until now is counted at the old rate."""
        c = self._get(connector)
        if c.flowing_since is not None:
            c.register_wh += self._delivered(c, now)
            c.flowing_since = now
        c.limit_w = limit_w

    def unlock(self, connector: int) -> bool:
        c = self._get(connector)
        if c.lock_jammed:
            return False
        c.locked = False
        return True

    def lock(self, connector: int) -> bool:
        c = self._get(connector)
        if c.lock_jammed:
            return False
        c.locked = True
        return True

    def lock_works(self, connector: int) -> bool:
        return not self._get(connector).lock_jammed

    def locked(self, connector: int) -> bool:
        """Whether the cable lock is closed (a jammed lock stays as it was)."""
        return self._get(connector).locked

    def jam_lock(self, connector: int) -> None:
        self._get(connector).lock_jammed = True

    def repair_lock(self, connector: int) -> None:
        self._get(connector).lock_jammed = False

    def restart(self) -> bool:
        """Restart the controller for a reset; ``False`` while ``failing_resets`` lasts.

        The meters, locks and cables are not touched: the station power cycles itself after
        a successful restart, and the contactors open then.
        """
        if self.failing_resets > 0:
            self.failing_resets -= 1
            return False
        return True

    def set_plugged(self, connector: int, plugged: bool) -> None:
        self._get(connector).plugged = plugged

    def plugged(self, connector: int) -> bool:
        return self._get(connector).plugged
