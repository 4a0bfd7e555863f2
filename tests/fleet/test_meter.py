"""The fleet's EVs charge on a CC/CV curve: full power up to the knee, then a taper."""

from __future__ import annotations

import random

import pytest

from runtime.fleet.meter import CurveHardware, MeterProfile

_HOUR = 3600.0


def _one_ev(**profile: object) -> CurveHardware:
    # One EV kind: 50 kWh, 11 kW, arriving at 50 %; the knee at 80 %.
    base = {"ev_max_w": (11_000.0,), "capacity_kwh": (50.0, 50.0), "soc_start": (0.5, 0.5)}
    hardware = CurveHardware(MeterProfile(**{**base, **profile}), random.Random(1))  # type: ignore[arg-type]
    hardware.set_plugged(1, True)
    return hardware


def test_power_is_constant_below_the_knee_and_tapers_above() -> None:
    hw = _one_ev()
    hw.set_energy_flow(1, True, 0.0)
    early = hw.read_meter(1, 0.5 * _HOUR)
    # 0.5 h at 11 kW is 5.5 kWh: 50 % + 11 % = 61 %, still below the knee.
    assert early.power_w == 11_000.0
    assert early.energy_wh == 1_000 + 5_500
    assert early.soc_percent == 61
    # The knee (80 %) is reached after 15 kWh, i.e. 15/11 h; later the power falls.
    late = hw.read_meter(1, 3 * _HOUR)
    assert 0 < late.power_w < 11_000.0
    assert late.soc_percent > 80
    full = hw.read_meter(1, 30 * _HOUR)
    assert full.power_w < 50 and full.soc_percent == 100
    # The register never passes what the battery could take: 50 % of 50 kWh.
    assert full.energy_wh <= 1_000 + 25_000


def test_the_register_only_grows_and_stops_with_the_flow() -> None:
    hw = _one_ev()
    hw.set_energy_flow(1, True, 0.0)
    readings = [hw.read_meter(1, t * 600.0).energy_wh for t in range(20)]
    assert readings == sorted(readings)
    hw.set_energy_flow(1, False, 12_000.0)
    stopped = hw.read_meter(1, 12_000.0)
    assert stopped.power_w == 0.0
    assert hw.read_meter(1, 20_000.0).energy_wh == stopped.energy_wh


def test_a_charging_limit_caps_the_power() -> None:
    hw = _one_ev()
    hw.set_energy_flow(1, True, 0.0)
    hw.set_power_limit(1, 4_000.0, 0.0)
    reading = hw.read_meter(1, 60.0)
    assert reading.power_w == 4_000.0
    assert reading.offered_w == 4_000.0
    hw.set_power_limit(1, None, 60.0)
    assert hw.read_meter(1, 61.0).power_w == 11_000.0


def test_each_plug_in_brings_a_new_ev() -> None:
    hw = CurveHardware(MeterProfile(), random.Random(3))
    seen = set()
    for _ in range(10):
        hw.set_plugged(1, True)
        seen.add(round(hw.soc(1), 3))
        hw.set_plugged(1, False)
    assert len(seen) > 5
    assert hw.plugged(1) is False


@pytest.mark.parametrize(
    "bad",
    [{"knee": 1.0}, {"capacity_kwh": (0.0, 10.0)}, {"soc_start": (0.5, 1.0)}, {"ev_max_w": ()}],
)
def test_a_profile_out_of_range_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        MeterProfile(**bad)  # type: ignore[arg-type]
