"""An in-process DUT: our own Station on a virtual clock, joined to the test system in memory.

Virtual time makes the whole suite run in seconds: waiting means jumping the clock to the next
deadline the station asked for, never sleeping.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from runtime.adapters.clock import VirtualClock
from runtime.conformance.coverage import process_hook
from runtime.conformance.csms_side import CsmsSide
from runtime.conformance.dut import CallOutcome, ReceivedCall
from runtime.ocppj.errors import ErrorCode
from runtime.spec.machine import TransitionHook
from runtime.spec.registry import SpecRegistry
from runtime.station.station import Station, StationIdentity

__all__ = ["InProcessDut"]

_PUMP_LIMIT = 1_000


class InProcessDut:
    """Runs a :class:`Station` against the test system's own OCPP-J endpoint.

    ``on_transition`` is told of every spec transition the station takes; by default the
    recorder of :mod:`runtime.conformance.coverage`, when one records.
    """

    def __init__(
        self,
        registry: SpecRegistry,
        *,
        connectors: int = 1,
        config: Mapping[str, Any] | None = None,
        pics: Mapping[str, Any] | None = None,
        identity: StationIdentity | None = None,
        clock: VirtualClock | None = None,
        on_transition: TransitionHook | None = None,
    ) -> None:
        self.clock = clock or VirtualClock()
        counter = itertools.count(1)
        self.station = Station(
            registry,
            identity or StationIdentity("CP-UNDER-TEST"),
            connectors=connectors,
            now=self.clock.now(),
            config=config,
            pics=pics,
            id_factory=lambda: f"cp-{next(counter)}",
            on_transition=on_transition or process_hook(),
        )
        self.side = CsmsSide(registry)
        self.frames: list[tuple[float, str, str]] = []

    def now(self) -> float:
        return self.clock.now()

    def connected(self) -> bool:
        return self.side.endpoint is not None

    async def start(self) -> None:
        self.side.open()
        self.station.connected(self.now())
        self._pump()

    async def stop(self) -> None:
        self._link_down()

    def _link_down(self) -> None:
        self.station.disconnected(self.now())
        self.side.close()

    def _pump(self) -> None:
        """Move frames both ways until both sides are quiet."""
        for _ in range(_PUMP_LIMIT):
            csms = self.side.endpoint
            if csms is None:
                return
            moved = False
            for text in self.station.data_to_send():
                moved = True
                self.frames.append((self.now(), ">", text))
                for event in csms.receive(text, self.now()):
                    self.side.on_event(event)
            for text in csms.data_to_send():
                moved = True
                self.frames.append((self.now(), "<", text))
                self.station.receive(text, self.now())
            if self.station.reconnect_requested:
                # Power cycle: the charge point drops the link and connects again at once.
                self._link_down()
                self.side.open()
                self.station.connected(self.now())
                moved = True
            if not moved:
                return
        raise RuntimeError("the station and the test system keep exchanging frames")

    def _step_to(self, target: float) -> None:
        """Advance virtual time to ``target``, stopping at every deadline on the way."""
        for _ in range(_PUMP_LIMIT):
            deadlines = [d for d in (self.station.next_deadline(),) if d is not None]
            csms = self.side.endpoint
            if csms is not None and (d := csms.next_deadline()) is not None:
                deadlines.append(d)
            step = min([target, *deadlines])
            self.clock.set(max(step, self.now()))
            self.station.poll(self.now())
            if csms is not None:
                for event in csms.poll(self.now()):
                    self.side.on_event(event)
            self._pump()
            if self.side.inbox or self.now() >= target:
                return

    async def next_call(self, within: float) -> ReceivedCall | None:
        deadline = self.now() + within
        for _ in range(_PUMP_LIMIT):
            self._pump()
            if (call := self.side.take_call()) is not None:
                return call
            if self.now() >= deadline:
                return None
            self._step_to(deadline)
        return None

    async def reply(self, call: ReceivedCall, payload: dict[str, Any]) -> None:
        if self.side.endpoint is not None:
            self.side.endpoint.reply(call.as_call(), payload)
            self._pump()

    async def reply_error(self, call: ReceivedCall, code: str, description: str) -> None:
        if self.side.endpoint is not None:
            self.side.endpoint.reply_error(call.as_call(), ErrorCode(code), description)
            self._pump()

    async def send_call(
        self, action: str, payload: dict[str, Any], wait: float, *, check: bool = True
    ) -> CallOutcome:
        if self.side.endpoint is None:
            return CallOutcome()
        call = self.side.endpoint.call(action, payload, self.now(), check=check)
        self._pump()
        deadline = self.now() + wait
        for _ in range(_PUMP_LIMIT):
            if (outcome := self.side.take_outcome(call.unique_id)) is not None:
                return outcome
            if self.now() >= deadline:
                return CallOutcome()
            self._step_to(deadline)
        return CallOutcome()

    async def observe(self, name: str, payload: dict[str, Any]) -> Any:
        return self.station.observe(name, **payload)

    async def tester(self, name: str, payload: dict[str, Any]) -> None:
        if name == "connection_lost":
            self._link_down()
        elif name == "connection_restored":
            self.side.open()
            self.station.connected(self.now())
        else:
            self.station.tester(name, **payload)
        self._pump()
