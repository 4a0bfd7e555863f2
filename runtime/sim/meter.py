"""The simulated station's meters, whose energy registers survive a restart as a real meter's do.

:class:`NonVolatileMeter` wraps :class:`~runtime.station.hardware.SimulatedHardware` and keeps
each connector's register in the station's store (OCPP 1.6 §7.31, errata E3.9: a register never
decreases).
"""

from __future__ import annotations

import dataclasses

from runtime.station.hardware import HardwareWrapper, MeterReading, SimulatedHardware
from runtime.station.store import StationStore

__all__ = ["NonVolatileMeter"]

_METER_STATE = "sim.meter.{}"


class NonVolatileMeter(HardwareWrapper):
    """:class:`~runtime.station.hardware.SimulatedHardware` whose energy registers survive a
    restart.

    A real meter keeps counting across a power loss of the charge point's controller, and its
    register never decreases (OCPP 1.6 §7.31, errata E3.9). The simulated one lives in the
    process, so every reading is written to the store (``sim.meter.<connector>``) before the
    station can put it into a message; after a restart the register resumes from there. A
    StopTransaction sent after a power loss therefore never reports less than was sent before.

    Args:
        store: The station's store (the same file the station uses).
        inner: The simulated hardware to wrap; a fresh one by default.
    """

    def __init__(self, store: StationStore, inner: SimulatedHardware | None = None) -> None:
        super().__init__(inner if inner is not None else SimulatedHardware())
        self._store = store
        self._offset: dict[int, int] = {}
        self._saved: dict[int, int] = {}

    def _offset_of(self, connector: int, now: float) -> int:
        if connector not in self._offset:
            stored = self._store.get_state(_METER_STATE.format(connector))
            fresh = self._inner.read_meter(connector, now).energy_wh
            self._offset[connector] = max(int(stored) - fresh, 0) if stored else 0
            if stored:
                self._saved[connector] = int(stored)
        return self._offset[connector]

    def read_meter(self, connector: int, now: float) -> MeterReading:
        """The inner reading, shifted to continue the stored register, saved before returned."""
        offset = self._offset_of(connector, now)
        reading = self._inner.read_meter(connector, now)
        energy = reading.energy_wh + offset
        if self._saved.get(connector, -1) < energy:
            self._store.set_state(_METER_STATE.format(connector), str(energy))
            self._saved[connector] = energy
        return dataclasses.replace(reading, energy_wh=energy)
