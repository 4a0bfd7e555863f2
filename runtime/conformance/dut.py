"""What the test system needs from a device under test, in-process or over a WebSocket."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from runtime.ocppj.frames import Call

__all__ = ["CallOutcome", "Dut", "ReceivedCall"]


@dataclass(frozen=True, slots=True)
class ReceivedCall:
    """A CALL the charge point sent; answer it with ``Dut.reply`` or ``Dut.reply_error``."""

    unique_id: str
    action: str
    payload: dict[str, Any]

    def as_call(self) -> Call:
        """The OCPP-J CALL it came as, for answering through an endpoint."""
        return Call(self.unique_id, self.action, self.payload)


@dataclass(frozen=True, slots=True)
class CallOutcome:
    """How the charge point answered a CALL of the test system (all None = no answer)."""

    result: dict[str, Any] | None = None
    error_code: str | None = None


class Dut(Protocol):
    """A device under test as the test system sees it. Times are in seconds of DUT time."""

    def now(self) -> float: ...
    def connected(self) -> bool:
        """Whether the charge point is connected to the test system now."""
        ...

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def next_call(self, within: float) -> ReceivedCall | None: ...
    async def reply(self, call: ReceivedCall, payload: dict[str, Any]) -> None: ...
    async def reply_error(self, call: ReceivedCall, code: str, description: str) -> None: ...
    async def send_call(
        self, action: str, payload: dict[str, Any], wait: float, *, check: bool = True
    ) -> CallOutcome:
        """Send a CALL and wait up to ``wait`` s for its answer; ``check=False`` sends a
        payload the test system's own schema refuses (a negative test)."""
        ...

    async def tester(self, name: str, payload: dict[str, Any]) -> None: ...
    async def observe(self, name: str, payload: dict[str, Any]) -> Any:
        """Read an observation of the hardware (events.yaml ``observations``), e.g.
        ``cable_locked``; raises LookupError when this DUT offers no way to observe it."""
        ...
