"""chargespec runtime: a sans-IO OCPP 1.6-J core, the charge point built on it, and adapters.

The public face: the names below are the supported API, importable from ``runtime``. Everything
else lives in the layers, each importing only those below it:

- :mod:`runtime.errors`: :class:`ChargespecError`, the base of every runtime error;
- :mod:`runtime.ocppj`: OCPP-J 1.6 only (frames, endpoint and its events, payload checks,
  date-time text);
- :mod:`runtime.spec`: what a compiled spec set declares (registry, machine base, keys, PICS);
- :mod:`runtime.station`: the sans-IO charge point;
- :mod:`runtime.adapters`: sockets, the event loop and the wall clock;
- :mod:`runtime.sim` and :mod:`runtime.conformance`: simulated charge points; the test system.

The names are loaded on first use, so importing one layer (``runtime.ocppj``, say) does not load
the layers above it. Code inside ``runtime`` imports from the layers, never from here.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runtime.adapters.clock import SystemClock, VirtualClock
    from runtime.errors import ChargespecError
    from runtime.ocppj.endpoint import Endpoint
    from runtime.ocppj.errors import (
        ErrorCode,
        LocalProtocolError,
        PayloadError,
        ProtocolError,
        RemoteProtocolError,
    )
    from runtime.ocppj.events import (
        CallAborted,
        CallReceived,
        CallTimedOut,
        ErrorReceived,
        ProtocolViolation,
        ResultInvalid,
        ResultReceived,
    )
    from runtime.ocppj.frames import Call, CallError, CallResult, Frame, FrameError
    from runtime.spec.config_keys import ConfigError
    from runtime.spec.registry import SpecRegistry
    from runtime.station.hardware import Hardware, SimulatedHardware
    from runtime.station.station import Station, StationIdentity
    from runtime.station.store import Store

__all__ = [
    "Call",
    "CallAborted",
    "CallError",
    "CallReceived",
    "CallResult",
    "CallTimedOut",
    "ChargespecError",
    "ConfigError",
    "Endpoint",
    "ErrorCode",
    "ErrorReceived",
    "Frame",
    "FrameError",
    "Hardware",
    "LocalProtocolError",
    "PayloadError",
    "ProtocolError",
    "ProtocolViolation",
    "RemoteProtocolError",
    "ResultInvalid",
    "ResultReceived",
    "SimulatedHardware",
    "SpecRegistry",
    "Station",
    "StationIdentity",
    "Store",
    "SystemClock",
    "VirtualClock",
]

_HOMES: dict[str, str] = {
    "ChargespecError": "runtime.errors",
    **dict.fromkeys(
        ("ErrorCode", "LocalProtocolError", "PayloadError", "ProtocolError", "RemoteProtocolError"),
        "runtime.ocppj.errors",
    ),
    **dict.fromkeys(
        ("Call", "CallError", "CallResult", "Frame", "FrameError"), "runtime.ocppj.frames"
    ),
    "Endpoint": "runtime.ocppj.endpoint",
    **dict.fromkeys(
        (
            "CallAborted",
            "CallReceived",
            "CallTimedOut",
            "ErrorReceived",
            "ProtocolViolation",
            "ResultInvalid",
            "ResultReceived",
        ),
        "runtime.ocppj.events",
    ),
    "ConfigError": "runtime.spec.config_keys",
    "SpecRegistry": "runtime.spec.registry",
    "Hardware": "runtime.station.hardware",
    "SimulatedHardware": "runtime.station.hardware",
    "Station": "runtime.station.station",
    "StationIdentity": "runtime.station.station",
    "Store": "runtime.station.store",
    "SystemClock": "runtime.adapters.clock",
    "VirtualClock": "runtime.adapters.clock",
}


def __getattr__(name: str) -> Any:
    """Load a public name from its layer on first use (PEP 562)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'runtime' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
