"""The port through which the station services see their station (STYLE.md §8.2).

The services read the world through this Protocol rather than through a back-reference to
:class:`~runtime.station.station.Station`, so a service test needs a small fake instead of a
whole station, and ``services`` does not import ``station`` (no import circle).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from runtime.spec.pics import PicsValues
from runtime.station.config import ConfigStore
from runtime.station.hardware import Hardware
from runtime.station.store import StationStore

__all__ = ["StationPort"]


class StationPort(Protocol):
    """Exactly what the services read and do in their station; a test fakes it in a few lines.

    Reads: the station's time (``now``, and ``clock_offset`` to the Central System's clock),
    the current boot's transaction reference, the connector count, the configuration, the
    PICS, the hardware, the store and whether a connection is up. Does: set a configuration
    key, raise an internal event, ask for a reboot. ``may_send`` tells whether the
    registration state lets the station send an action now (OCPP 1.6 §4.2).
    """

    @property
    def now(self) -> float: ...
    @property
    def clock_offset(self) -> float: ...
    @property
    def boot_ref(self) -> int: ...
    @property
    def connectors(self) -> int: ...
    @property
    def config(self) -> ConfigStore: ...
    @property
    def pics(self) -> PicsValues: ...
    @property
    def hardware(self) -> Hardware: ...
    @property
    def store(self) -> StationStore: ...
    @property
    def endpoint(self) -> object | None: ...
    def may_send(self, action: str) -> bool: ...
    def set_config(self, key: str, value: Any) -> None: ...
    def raise_event(self, event: str, payload: Mapping[str, Any]) -> None: ...
    def request_reboot(self, kind: str) -> None: ...
