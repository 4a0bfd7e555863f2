"""The station as a fuzz target: a connected, registered charge point on a virtual clock.

:class:`StationTarget` offers what :class:`~runtime.conformance.fuzzing.oracle.FuzzTarget`
asks for (feed a frame, observe the state, the outstanding CALL, whether CALLs are answered)
and lets time run to the next deadline. :class:`StationSnapshot` is what a Central System
could ever notice about the station, so that the oracle can tell a frame that changed nothing
from one that changed something.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Final

from runtime.ocppj.datetime import to_iso8601
from runtime.ocppj.frames import Call
from runtime.spec.applicability import full_pics
from runtime.spec.registry import SpecRegistry
from runtime.station.station import CallHandler, Station, StationIdentity

__all__ = ["StationSnapshot", "StationTarget", "snapshot_station"]

_T0: Final = 1_700_000_000.0


@dataclass(frozen=True, slots=True)
class StationSnapshot:
    """What a Central System could ever notice about a charge point's state.

    Calls and contexts are kept as their ``repr`` so that a payload changed in place
    cannot compare equal to itself.
    """

    machines: tuple[tuple[str, int, str, str], ...]
    config: str
    timers: tuple[tuple[tuple[tuple[str, int], str], tuple[float, int]], ...]
    outstanding: str
    queued: str
    awaiting_reply: str
    connected: bool
    clock_offset: float
    reconnect_requested: bool

    def changes(self, other: StationSnapshot) -> list[str]:
        """``field: before -> after`` for every field that differs."""
        return [
            f"{item.name}: {getattr(self, item.name)!r} -> {getattr(other, item.name)!r}"
            for item in fields(self)
            if getattr(self, item.name) != getattr(other, item.name)
        ]


def snapshot_station(station: Station) -> StationSnapshot:
    """Take a :class:`StationSnapshot` of ``station`` (read only)."""
    endpoint = station.endpoint
    return StationSnapshot(
        machines=tuple(
            (name, connector, machine.state_name, repr(getattr(machine, "ctx", None)))
            for (name, connector), machine in sorted(station.machines.items())
        ),
        config=repr(station.config.snapshot()),
        timers=tuple(sorted(station.timers.items())),
        outstanding=repr(endpoint.outstanding if endpoint else None),
        queued=repr(endpoint.queued if endpoint else ()),
        awaiting_reply=repr(endpoint.awaiting_reply if endpoint else ()),
        connected=endpoint is not None,
        clock_offset=station.clock_offset,
        reconnect_requested=station.reconnect_requested,
    )


class StationTarget:
    """A :class:`~runtime.station.station.Station` on a virtual clock, connected and registered.

    The target plays the Central System only to answer the first BootNotification with
    Accepted (OCPP 1.6 §4.2); after that, the frames fed in are all the station hears.

    Args:
        registry: The spec set.
        connectors: Number of connectors.
        accept: ``False`` leaves the station in its first BootNotification, unanswered (the
            registration phase is then what gets fuzzed).
        pics: The PICS; default: every boolean item supported.
        config: Configuration overrides.
        handlers: Application handlers answering Central System CALLs, by action.

    Raises:
        ValueError: If the station does not start with a BootNotification.
    """

    def __init__(
        self,
        registry: SpecRegistry,
        *,
        connectors: int = 2,
        accept: bool = True,
        pics: Mapping[str, Any] | None = None,
        config: Mapping[str, Any] | None = None,
        handlers: Mapping[str, CallHandler] | None = None,
    ) -> None:
        self.now = _T0
        counter = itertools.count(1)
        self.station = Station(
            registry,
            StationIdentity("FUZZ-CP"),
            connectors=connectors,
            now=self.now,
            config=config,
            pics=full_pics(registry) if pics is None else pics,
            id_factory=lambda: f"cp-{next(counter)}",
            handlers=handlers,
        )
        self.accept = accept
        self._register()

    def _register(self) -> None:
        """Connect and (if ``accept``) answer the BootNotification with Accepted."""
        self.station.connected(self.now)
        self.station.data_to_send()
        boot = self.outstanding()
        if boot is None or boot.action != "BootNotification":
            raise ValueError(f"the station did not start with a BootNotification: {boot!r}")
        if self.accept:
            result = {"status": "Accepted", "currentTime": to_iso8601(self.now), "interval": 300}
            self.feed(json.dumps([3, boot.unique_id, result]))

    def feed(self, text: str) -> list[str]:
        """Hand one frame to the station; return what it sends."""
        self.station.receive(text, self.now)
        return self.station.data_to_send()

    def observe(self) -> StationSnapshot:
        """The station's observable state."""
        return snapshot_station(self.station)

    def outstanding(self) -> Call | None:
        """The station's CALL awaiting an answer."""
        endpoint = self.station.endpoint
        return endpoint.outstanding if endpoint is not None else None

    def answers_calls(self) -> bool:
        """Whether every station-level machine's state lets the station answer CALLs."""
        return all(m.answers_calls() for (_, n), m in self.station.machines.items() if n == 0)

    def advance(self) -> list[str]:
        """Let time run to the next deadline (timers fire, CALLs time out); return frames."""
        deadline = self.station.next_deadline()
        if deadline is not None:
            self.now = max(self.now, deadline)
        self.station.poll(self.now)
        sent = self.station.data_to_send()
        if self.station.reconnect_requested:
            # A Reset rebooted the station: it connects and registers again, as after power-on.
            self._register()
            sent += self.station.data_to_send()
        return sent
