"""An EV that charges as real ones do: constant power, then a taper as the battery fills.

A lithium battery charges in two phases (CC/CV): at constant current, i.e. roughly the EV's
(or the EVSE's) full power, up to a knee in the state of charge (about 80 %), then at constant
voltage, where the current and so the power fall as the battery fills. Each plug-in brings a
new EV with its own battery size, maximum power and starting state of charge, drawn from a
:class:`MeterProfile`, so a fleet's load varies as a car park's does.

Theory of operation: a connector's meter is advanced in closed form from its last reading to
``now`` whenever it is read or the flow or limit changes. Below the knee, power ``P`` is
constant and the state of charge rises linearly; above it, ``P = P_max * (1 - soc) / (1 -
knee)``, so ``d(soc)/dt = k * (1 - soc)`` with ``k = P_max / ((1 - knee) * C)``, which gives
``1 - soc(t) = (1 - soc_0) * exp(-k t)``. No ticking: an idle fleet costs nothing.

:class:`CurveHardware` implements :class:`~runtime.station.hardware.Hardware` (meters, locks,
restart), the locks and restart being :class:`~runtime.station.hardware.SimulatedHardware`'s.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from runtime.station.hardware import HardwareWrapper, MeterReading, SimulatedHardware

__all__ = ["CurveHardware", "MeterProfile"]

_WH_PER_KWH = 1000.0
_SECONDS_PER_HOUR = 3600.0
_PHASES = 3


@dataclass(frozen=True, slots=True)
class MeterProfile:
    """The EVSE's supply and the EVs that come to it.

    Attributes:
        evse_max_w: What the connector can deliver (e.g. 11 kW three-phase AC).
        voltage_v: Phase voltage.
        ev_max_w: The EVs' own maximum charging powers; each session draws one.
        capacity_kwh: Range of battery sizes (min, max).
        soc_start: Range of the state of charge an EV arrives with, 0..1.
        knee: State of charge where the constant-voltage taper begins, 0..1.
    """

    evse_max_w: float = 11_000.0
    voltage_v: float = 230.0
    ev_max_w: tuple[float, ...] = (3_700.0, 7_400.0, 11_000.0, 22_000.0)
    capacity_kwh: tuple[float, float] = (40.0, 100.0)
    soc_start: tuple[float, float] = (0.1, 0.6)
    knee: float = 0.8

    def __post_init__(self) -> None:
        if not 0 < self.knee < 1:
            raise ValueError(f"knee must be within (0, 1), got {self.knee}")
        if not self.ev_max_w or min(self.ev_max_w) <= 0 or self.evse_max_w <= 0:
            raise ValueError("powers must be above 0")
        low, high = self.capacity_kwh
        if not 0 < low <= high:
            raise ValueError(f"capacity range must be 0 < min <= max, got {self.capacity_kwh}")
        soc_low, soc_high = self.soc_start
        if not 0 <= soc_low <= soc_high < 1:
            raise ValueError(f"soc_start must be within [0, 1), got {self.soc_start}")


class _Battery:
    """One connector's meter register and the EV plugged into it."""

    __slots__ = ("capacity_wh", "ev_max_w", "flowing", "limit_w", "register_wh", "since", "soc")

    def __init__(self, register_wh: float) -> None:
        self.register_wh = register_wh
        self.capacity_wh = 50_000.0
        self.ev_max_w = 11_000.0
        self.soc = 0.5
        self.limit_w: float | None = None
        self.flowing = False
        self.since = 0.0


class CurveHardware(HardwareWrapper):
    """Simulated EVSE hardware whose meters follow a CC/CV charging curve.

    Args:
        profile: The supply and the EVs' ranges.
        rng: Source of each session's EV; seed it for reproducible runs.
        start_wh: Each meter register's starting value (it never decreases, OCPP 1.6 §7.31).
    """

    def __init__(
        self, profile: MeterProfile, rng: random.Random, start_wh: float = 1_000.0
    ) -> None:
        self._profile = profile
        self._rng = rng
        self._start_wh = start_wh
        super().__init__(SimulatedHardware())  # the cable, the locks and the controller
        self._meters: dict[int, _Battery] = {}

    def _get(self, connector: int) -> _Battery:
        battery = self._meters.get(connector)
        if battery is None:
            battery = self._meters[connector] = _Battery(self._start_wh)
        return battery

    def _p_max(self, b: _Battery) -> float:
        """The power at constant current: the lowest of EV, EVSE and charging limit."""
        p = min(b.ev_max_w, self._profile.evse_max_w)
        return p if b.limit_w is None else max(min(p, b.limit_w), 0.0)

    def _power(self, b: _Battery) -> float:
        """What flows now, at this state of charge."""
        if not b.flowing:
            return 0.0
        knee = self._profile.knee
        p_max = self._p_max(b)
        return p_max if b.soc < knee else p_max * max(1.0 - b.soc, 0.0) / (1.0 - knee)

    def _advance(self, b: _Battery, now: float) -> None:
        """Integrate the energy delivered since the last step (closed form, see module)."""
        dt = now - b.since
        b.since = now
        p_max = self._p_max(b)
        if not b.flowing or dt <= 0 or p_max <= 0:
            return
        capacity_ws = b.capacity_wh * _SECONDS_PER_HOUR  # W·s per unit of soc
        knee = self._profile.knee
        if b.soc < knee:
            step = min(dt, (knee - b.soc) * capacity_ws / p_max)
            b.register_wh += p_max * step / _SECONDS_PER_HOUR
            b.soc += p_max * step / capacity_ws
            dt -= step
        if dt > 0:
            k = p_max / ((1.0 - knee) * capacity_ws)
            soc = 1.0 - (1.0 - b.soc) * math.exp(-k * dt)
            b.register_wh += (soc - b.soc) * b.capacity_wh
            b.soc = soc

    def _new_ev(self, b: _Battery) -> None:
        """An EV arrives: its battery size, maximum power and state of charge."""
        profile = self._profile
        b.capacity_wh = self._rng.uniform(*profile.capacity_kwh) * _WH_PER_KWH
        b.ev_max_w = self._rng.choice(profile.ev_max_w)
        b.soc = self._rng.uniform(*profile.soc_start)

    # -- Hardware: meters --------------------------------------------------------------------

    def read_meter(self, connector: int, now: float) -> MeterReading:
        b = self._get(connector)
        self._advance(b, now)
        power = self._power(b)
        voltage = self._profile.voltage_v
        offered = min(self._profile.evse_max_w, b.limit_w if b.limit_w is not None else math.inf)
        return MeterReading(
            energy_wh=int(b.register_wh),
            power_w=round(power, 1),
            current_a=round(power / (_PHASES * voltage), 1),
            voltage_v=voltage,
            soc_percent=min(100, round(b.soc * 100)),
            temperature_c=25.0,
            frequency_hz=50.0,
            offered_w=round(max(offered, 0.0), 1),
            offered_a=round(max(offered, 0.0) / (_PHASES * voltage), 1),
        )

    def set_energy_flow(self, connector: int, flowing: bool, now: float) -> None:
        b = self._get(connector)
        self._advance(b, now)
        b.flowing = flowing

    def set_power_limit(self, connector: int, limit_w: float | None, now: float) -> None:
        """Cap the draw from ``now`` on (Smart Charging, OCPP 1.6 §3.13)."""
        b = self._get(connector)
        self._advance(b, now)
        b.limit_w = limit_w

    def soc(self, connector: int) -> float:
        """The plugged EV's state of charge, 0..1 (as of the last reading)."""
        return self._get(connector).soc

    # -- Hardware: the cable (a new EV at each plug-in); locks and restart are the inner's ---

    def set_plugged(self, connector: int, plugged: bool) -> None:
        if plugged and not self._inner.plugged(connector):
            self._new_ev(self._get(connector))
        self._inner.set_plugged(connector, plugged)
