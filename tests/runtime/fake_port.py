"""A StationPort without a Station, for tests of the station services on a real store.

The services see their station only through :class:`runtime.station.port.StationPort`; this
fake is exactly that: the registry's configuration keys and PICS items, a real SQLite store,
simulated hardware, and a record of the events the services raise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from generated.ocpp16.registry import SPEC
from runtime.spec.pics import PicsValues
from runtime.station.config import ConfigStore
from runtime.station.hardware import Hardware, SimulatedHardware
from runtime.station.services import StationServices
from runtime.station.store import Store

__all__ = ["FakeStationPort", "fake_services"]


@dataclass
class FakeStationPort:
    """Exactly a StationPort with two connectors; ``raised`` keeps the events raised."""

    config: ConfigStore
    pics: PicsValues
    store: Store
    now: float = 1_700_000_000.0
    clock_offset: float = 0.0
    boot_ref: int = 1
    connectors: int = 2
    hardware: Hardware = field(default_factory=SimulatedHardware)
    endpoint: object | None = None
    raised: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def may_send(self, action: str) -> bool:
        return True

    def set_config(self, key: str, value: Any) -> None:
        self.config.set(key, value)

    def raise_event(self, event: str, payload: Mapping[str, Any]) -> None:
        self.raised.append((event, dict(payload)))

    def request_reboot(self, kind: str) -> None:
        raise AssertionError("not asked for")


def fake_services(store: Store) -> tuple[StationServices, FakeStationPort]:
    """StationServices on a fake port with the registry's default keys and PICS."""
    port = FakeStationPort(ConfigStore(SPEC.config_keys), PicsValues(SPEC.pics_items), store)
    return StationServices(port), port
