"""The simulated meter read into OCPP MeterValue objects (OCPP 1.6 §7.31–§7.33, §7.43, §7.45).

One job: turn a :class:`~runtime.station.hardware.MeterReading` and the measurands a
configuration key lists (MeterValuesSampledData, StopTxnAlignedData, …) into the wire form of
one MeterValue. Which measurands this meter can supply is :data:`SUPPORTED_MEASURANDS`; a
ChangeConfiguration naming another one is Rejected (§3.16.4).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from runtime.station.hardware import MeterReading

__all__ = ["SUPPORTED_MEASURANDS", "meter_value"]

# measurand -> (unit, how to read it from the meter, phase-resolved?)
_MEASURANDS: dict[str, tuple[str | None, Callable[[MeterReading], float], bool]] = {
    "Energy.Active.Import.Register": ("Wh", lambda m: m.energy_wh, False),
    "Power.Active.Import": ("W", lambda m: m.power_w, False),
    "Power.Offered": ("W", lambda m: m.offered_w, False),
    "Current.Import": ("A", lambda m: m.current_a, True),
    "Current.Offered": ("A", lambda m: m.offered_a, False),
    "Voltage": ("V", lambda m: m.voltage_v, True),
    "Frequency": (None, lambda m: m.frequency_hz, False),  # no Hertz unit (§7.45, E3.86)
    "Temperature": ("Celcius", lambda m: m.temperature_c, False),  # OCPP-J errata 2.1
    "SoC": ("Percent", lambda m: m.soc_percent, False),
}
SUPPORTED_MEASURANDS = frozenset(_MEASURANDS)
_PHASES = {"Current.Import": ("L1", "L2", "L3"), "Voltage": ("L1-N", "L2-N", "L3-N")}


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def meter_value(
    reading: MeterReading, context: str, measurands: list[str], timestamp: str
) -> dict[str, Any]:
    """One MeterValue (§7.33) with a sampledValue per measurand (per phase where the meter
    resolves phases), all stamped ``timestamp``; the energy register when none is listed,
    since a MeterValue holds at least one sampledValue."""
    sampled = []
    for measurand in measurands:
        unit, read, phased = _MEASURANDS[measurand]
        for phase in _PHASES.get(measurand, (None,)) if phased else (None,):
            value: dict[str, Any] = {
                "value": _number(read(reading)),
                "context": context,
                "measurand": measurand,
                "location": "Outlet",
            }
            if unit is not None:
                value["unit"] = unit
            if phase is not None:
                value["phase"] = phase
            sampled.append(value)
    if not sampled:
        sampled.append({"value": str(reading.energy_wh), "context": context, "unit": "Wh"})
    return {"timestamp": timestamp, "sampledValue": sampled}
