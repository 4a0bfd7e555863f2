"""A recording Central System built with the PyPI ``ocpp`` package, for interop tests.

It accepts every charge point, authorizes every idTag, hands out transactionIds and records every
CALL it receives exactly as it came off the wire (camelCase JSON), tagged with the number of the
WebSocket connection it came on. The ``ocpp`` library validates each CALL against its own copy
of the OCPP 1.6 schemas before a handler runs; ``handled`` counts the ones that passed.

Like a sensible Central System it treats a StartTransaction that repeats an earlier one exactly
(same connectorId, idTag, meterStart and timestamp) as a resend whose answer was lost, and
answers it with the same transactionId (OCPP 1.6 §3.7: the Charge Point resends a
transaction-related message until it gets an answer).
"""

from __future__ import annotations

import contextlib
import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import websockets
from ocpp.routing import on
from ocpp.v16 import ChargePoint as CP
from ocpp.v16 import call_result
from ocpp.v16.enums import Action, AuthorizationStatus, RegistrationStatus
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

__all__ = ["TX_ACTIONS", "Received", "Recorder", "RecordingCsms", "serve_csms", "wire_now"]

#: Transaction-related messages (OCPP 1.6 §3.7); MeterValues only with a transactionId.
TX_ACTIONS = frozenset({"StartTransaction", "MeterValues", "StopTransaction"})
_FIRST_TRANSACTION_ID = 1001


def wire_now() -> str:
    """The current time as an OCPP date-time string."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Received:
    """One CALL as the Central System received it."""

    index: int
    connection: int
    action: str
    payload: dict[str, Any]
    at: float

    @property
    def transaction_related(self) -> bool:
        """StartTransaction, StopTransaction, or MeterValues carrying a transactionId."""
        if self.action == "MeterValues":
            return "transactionId" in self.payload
        return self.action in TX_ACTIONS


@dataclass
class Recorder:
    """Everything the Central System saw, across connections."""

    calls: list[Received] = field(default_factory=list)
    connections: int = 0
    handled: Counter[str] = field(default_factory=Counter)
    identities: list[str] = field(default_factory=list)
    heartbeat_interval: int = 300
    centrals: dict[str, RecordingCsms] = field(default_factory=dict)
    """The Central System side of each identity's latest connection, to send CALLs with."""
    _starts: dict[tuple[Any, ...], int] = field(default_factory=dict)

    def record(self, connection: int, raw: str) -> None:
        """Keep a received frame if it is a CALL ``[2, id, action, payload]``."""
        with contextlib.suppress(ValueError, TypeError, IndexError):
            frame = json.loads(raw)
            if frame[0] == 2 and isinstance(frame[3], dict):
                self.calls.append(
                    Received(len(self.calls), connection, frame[2], frame[3], time.monotonic())
                )

    def transaction_id(self, connector: int, id_tag: str, meter_start: int, stamp: str) -> int:
        """A new transactionId, or the one given before to an identical StartTransaction."""
        key = (connector, id_tag, meter_start, stamp)
        if key not in self._starts:
            self._starts[key] = _FIRST_TRANSACTION_ID + len(self._starts)
        return self._starts[key]

    def known_transaction(self, start: Mapping[str, Any]) -> int | None:
        """The transactionId given for a StartTransaction payload (wire JSON), if any."""
        key = (start["connectorId"], start["idTag"], start["meterStart"], start["timestamp"])
        return self._starts.get(key)

    def of(self, action: str) -> list[Received]:
        """The CALLs of one action, in arrival order."""
        return [c for c in self.calls if c.action == action]

    def first_since(self, mark: int, match: Callable[[Received], bool]) -> Received | None:
        """The first CALL at or after index ``mark`` that ``match`` accepts."""
        return next((c for c in self.calls[mark:] if match(c)), None)


class RecordingCsms(CP):  # type: ignore[misc]
    """An ``ocpp`` library Central System that accepts everything and records it."""

    def __init__(
        self, cp_id: str, connection: ServerConnection, recorder: Recorder, number: int
    ) -> None:
        super().__init__(cp_id, connection)
        self.recorder = recorder
        self.number = number

    async def route_message(self, raw_msg: str) -> None:
        self.recorder.record(self.number, raw_msg)
        await super().route_message(raw_msg)

    @on(Action.boot_notification)
    def on_boot(self, **_: Any) -> Any:
        self.recorder.handled["BootNotification"] += 1
        return call_result.BootNotification(
            current_time=wire_now(),
            interval=self.recorder.heartbeat_interval,
            status=RegistrationStatus.accepted,
        )

    @on(Action.heartbeat)
    def on_heartbeat(self) -> Any:
        self.recorder.handled["Heartbeat"] += 1
        return call_result.Heartbeat(current_time=wire_now())

    @on(Action.status_notification)
    def on_status(self, **_: Any) -> Any:
        self.recorder.handled["StatusNotification"] += 1
        return call_result.StatusNotification()

    @on(Action.authorize)
    def on_authorize(self, **_: Any) -> Any:
        self.recorder.handled["Authorize"] += 1
        return call_result.Authorize(id_tag_info={"status": AuthorizationStatus.accepted})

    @on(Action.start_transaction)
    def on_start(
        self, connector_id: int, id_tag: str, meter_start: int, timestamp: str, **_: Any
    ) -> Any:
        self.recorder.handled["StartTransaction"] += 1
        transaction_id = self.recorder.transaction_id(connector_id, id_tag, meter_start, timestamp)
        return call_result.StartTransaction(
            transaction_id=transaction_id,
            id_tag_info={"status": AuthorizationStatus.accepted},
        )

    @on(Action.meter_values)
    def on_meter_values(self, **_: Any) -> Any:
        self.recorder.handled["MeterValues"] += 1
        return call_result.MeterValues()

    @on(Action.stop_transaction)
    def on_stop(self, **_: Any) -> Any:
        self.recorder.handled["StopTransaction"] += 1
        return call_result.StopTransaction()

    @on(Action.diagnostics_status_notification)
    def on_diagnostics_status(self, **_: Any) -> Any:
        self.recorder.handled["DiagnosticsStatusNotification"] += 1
        return call_result.DiagnosticsStatusNotification()

    @on(Action.firmware_status_notification)
    def on_firmware_status(self, **_: Any) -> Any:
        self.recorder.handled["FirmwareStatusNotification"] += 1
        return call_result.FirmwareStatusNotification()


@contextlib.asynccontextmanager
async def serve_csms(recorder: Recorder) -> AsyncIterator[str]:
    """Serve :class:`RecordingCsms` on 127.0.0.1 (a free port); yields the endpoint URL."""

    async def handler(connection: ServerConnection) -> None:
        assert connection.request is not None
        cp_id = connection.request.path.rstrip("/").rsplit("/", 1)[-1]
        recorder.identities.append(cp_id)
        recorder.connections += 1
        csms = RecordingCsms(cp_id, connection, recorder, recorder.connections)
        recorder.centrals[cp_id] = csms
        with contextlib.suppress(ConnectionClosed):
            await csms.start()

    async with websockets.serve(handler, "127.0.0.1", 0, subprotocols=["ocpp1.6"]) as server:
        port = server.sockets[0].getsockname()[1]
        yield f"ws://127.0.0.1:{port}/ocpp"
