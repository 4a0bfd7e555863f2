"""Declared leniencies: strict by default, switched on by name, every use counted.

The CSMS end of the test system (CsmsSide) is where a non-compliant charge point's frames
arrive, so it is the end these tests drive; the station takes the same ``lenient`` option.
"""

from __future__ import annotations

import json

import pytest

from generated.ocpp16.registry import SPEC
from runtime.conformance.csms_side import CsmsSide
from runtime.ocppj.errors import ErrorCode
from runtime.ocppj.events import CallReceived
from runtime.station.station import Station, StationIdentity

T0 = 1_700_000_000.0
LONG_FIRMWARE = "main-4.2.17+modem-11.03.0032+meter-2.1.9+hmi-5.0.1-rc3-build-20240501"
BOOT = json.dumps(
    [
        2,
        "b1",
        "BootNotification",
        {
            "chargePointVendor": "Acme",
            "chargePointModel": "Wall2",
            "firmwareVersion": LONG_FIRMWARE,
        },
    ]
)


def test_declared_leniencies_are_listed_with_their_field_and_rule() -> None:
    assert set(SPEC.leniencies) == {
        "long_firmware_version",
        "long_status_info",
        "naive_meter_timestamp",
        "sampled_value_hertz",
    }
    firmware = SPEC.leniencies["long_firmware_version"]
    assert firmware.where == "BootNotification.request.firmwareVersion"
    assert firmware.rule == "max_length 255"


def test_strict_by_default_the_long_firmware_version_is_refused() -> None:
    side = CsmsSide(SPEC)
    endpoint = side.open()
    for event in endpoint.receive(BOOT, T0):
        side.on_event(event)
    [reply] = json.loads(f"[{endpoint.data_to_send()[0]}]")
    assert reply[:3] == [4, "b1", ErrorCode.PROPERTY_CONSTRAINT_VIOLATION]
    assert reply[4] == {"path": "firmwareVersion"}
    assert side.lenient_frames == {}


def test_switched_on_the_frame_is_accepted_and_counted() -> None:
    side = CsmsSide(SPEC, lenient=["long_firmware_version"])
    endpoint = side.open()
    events = endpoint.receive(BOOT, T0)
    assert [type(e) for e in events] == [CallReceived]
    assert isinstance(events[0], CallReceived)
    assert events[0].lenient == ("long_firmware_version",)
    for event in events:
        side.on_event(event)
    assert side.lenient_frames == {"long_firmware_version": 1}
    assert endpoint.lenient_frames == {"long_firmware_version": 1}


def test_a_leniency_only_widens_its_own_rule() -> None:
    side = CsmsSide(SPEC, lenient=["long_firmware_version"])
    endpoint = side.open()
    too_long = BOOT.replace(LONG_FIRMWARE, "v" * 256)
    endpoint.receive(too_long, T0)
    [reply] = json.loads(f"[{endpoint.data_to_send()[0]}]")
    assert reply[2] == ErrorCode.PROPERTY_CONSTRAINT_VIOLATION
    assert side.lenient_frames == {}


def test_strictly_valid_frames_are_not_counted() -> None:
    side = CsmsSide(SPEC, lenient=["long_firmware_version"])
    endpoint = side.open()
    events = endpoint.receive(BOOT.replace(LONG_FIRMWARE, "4.2.17"), T0)
    assert isinstance(events[0], CallReceived) and events[0].lenient == ()
    assert endpoint.lenient_frames == {}


def test_unknown_leniency_name_is_refused_with_the_declared_ones() -> None:
    with pytest.raises(ValueError, match="unknown leniency everything_goes; declared: "):
        Station(SPEC, StationIdentity("CP"), connectors=1, now=T0, lenient=["everything_goes"])
