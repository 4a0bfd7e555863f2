"""Tester observations of the hardware (``Station.observe``) and the EV-side unplug action."""

from __future__ import annotations

from typing import Any

import pytest

from generated.ocpp16.registry import SPEC
from runtime.station import tester as station_tester
from runtime.station.station import Station, StationIdentity

# TesterError and TesterEventSpec are used through their modules: pytest would take a name
# starting with "Test" in a test module for a test class.

T0 = 1_700_000_000.0


def _station() -> Station:
    return Station(SPEC, StationIdentity("CP-OBSERVE"), connectors=2, now=T0)


def test_cable_locked_reads_the_lock() -> None:
    station = _station()
    assert station.observe("cable_locked", connector=1) is False
    assert station.hardware.lock(1)
    assert station.observe("cable_locked", connector=1) is True
    assert station.observe("cable_locked", connector=2) is False  # each connector its own
    station.tester("jam_lock", connector=1)
    assert not station.hardware.unlock(1)
    assert station.observe("cable_locked", connector=1) is True  # jammed shut


@pytest.mark.parametrize(
    ("name", "payload", "message"),
    [
        ("cable_open", {"connector": 1}, "unknown observation 'cable_open'"),
        ("cable_locked", {}, "takes connector, a connector 1..2"),
        ("cable_locked", {"connector": 0}, "takes connector, a connector 1..2"),
        ("cable_locked", {"connector": 3}, "takes connector, a connector 1..2"),
        ("cable_locked", {"connector": "1"}, "takes connector, a connector 1..2"),
        ("cable_locked", {"connector": True}, "takes connector, a connector 1..2"),
        ("cable_locked", {"connector": 1, "side": "EV"}, "takes connector, a connector 1..2"),
    ],
)
def test_bad_observation_lists_the_known_ones(
    name: str, payload: dict[str, Any], message: str
) -> None:
    with pytest.raises(station_tester.TesterError, match=message) as raised:
        _station().observe(name, **payload)
    assert "cable_locked(connector)" in str(raised.value)


@pytest.mark.parametrize("action", ["unplug", "ev_unplug"])
def test_unplugging_at_either_end_disconnects_the_ev(action: str) -> None:
    station = _station()
    station.tester("plug_in", connector=1)
    assert station.hardware.plugged(1)
    station.tester(action, connector=1)
    assert not station.hardware.plugged(1)
    assert not station.hardware.plugged(2)


def test_ev_unplug_is_checked_like_other_tester_actions() -> None:
    station = _station()
    with pytest.raises(station_tester.TesterError, match="missing: connector"):
        station.tester("ev_unplug")
