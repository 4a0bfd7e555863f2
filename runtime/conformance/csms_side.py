"""The test system's end of one connection: its OCPP-J endpoint and what it has received.

Both DUT kinds (in-process and over a WebSocket) play the Central System through this piece;
they differ only in how frames travel and how time passes.
"""

from __future__ import annotations

import itertools
import logging
from collections import Counter, deque
from collections.abc import Iterable

from runtime.conformance.dut import CallOutcome, ReceivedCall
from runtime.ocppj.endpoint import Endpoint
from runtime.ocppj.events import (
    CallReceived,
    CallTimedOut,
    EndpointEvent,
    ErrorReceived,
    ResultInvalid,
    ResultReceived,
)
from runtime.spec.registry import SpecRegistry

__all__ = ["CsmsSide"]

log = logging.getLogger(__name__)


class CsmsSide:
    """The Central System end: CALLs from the charge point queue up in ``inbox``; answers to
    our own CALLs are kept in ``outcomes`` by unique id until taken."""

    def __init__(
        self,
        registry: SpecRegistry,
        *,
        response_timeout: float = 30.0,
        lenient: Iterable[str] = (),
    ) -> None:
        # Strict by default; a lab may switch on declared leniencies for a known deviation of
        # the charge point, and every frame that needed one is counted in lenient_frames.
        self._validator = registry.validator(lenient)
        self.lenient_frames: Counter[str] = Counter()
        # The test system handles exactly the CALLs a charge point may send.
        self._cp_actions = frozenset(
            name for name, info in registry.messages.items() if info.sent_by_charge_point()
        )
        self._response_timeout = response_timeout
        self._ids = itertools.count(1)
        self.endpoint: Endpoint | None = None
        self.inbox: deque[ReceivedCall] = deque()
        self.outcomes: dict[str, CallOutcome] = {}

    def open(self) -> Endpoint:
        """A fresh endpoint for a new connection (ids keep counting across connections)."""
        self.close()
        self.endpoint = Endpoint(
            validator=self._validator,
            response_timeout=self._response_timeout,
            id_factory=lambda: f"cs-{next(self._ids)}",
            supported_actions=self._cp_actions,
        )
        return self.endpoint

    def close(self) -> None:
        """The connection is gone: pending CALLs are settled as unanswered."""
        if self.endpoint is not None:
            for event in self.endpoint.connection_lost():
                self.on_event(event)
        self.endpoint = None
        self.inbox.clear()

    def on_event(self, event: EndpointEvent) -> None:
        """Record one event of the endpoint."""
        if isinstance(event, CallReceived | ResultReceived):
            self.lenient_frames.update(event.lenient)
        if isinstance(event, CallReceived):
            call = event.call
            self.inbox.append(ReceivedCall(call.unique_id, call.action, call.payload))
            return
        if isinstance(event, ResultReceived):
            outcome = CallOutcome(result=event.result.payload)
        elif isinstance(event, ErrorReceived):
            outcome = CallOutcome(error_code=str(event.error.error_code))
        elif isinstance(event, ResultInvalid):
            outcome = CallOutcome(error_code=str(event.error.code))
        elif isinstance(event, CallTimedOut):
            outcome = CallOutcome()
        else:
            log.warning("from the charge point: %s", event)
            return
        self.outcomes[event.request.unique_id] = outcome

    def take_call(self) -> ReceivedCall | None:
        return self.inbox.popleft() if self.inbox else None

    def take_outcome(self, unique_id: str) -> CallOutcome | None:
        return self.outcomes.pop(unique_id, None)
