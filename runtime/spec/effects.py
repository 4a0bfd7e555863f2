"""What a machine asks of the world: its effects, and what it may read (:class:`MachineEnv`).

A generated machine performs no I/O. Each action produces an :data:`Effect`; a station carries
it out (or a model test compares it). The configuration, the PICS and the station's queries are
read through :class:`MachineEnv`, a port a test fakes with three dicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

__all__ = [
    "OUTCOME_ID_TAG",
    "OUTCOME_TX_REF",
    "CancelTimer",
    "Effect",
    "Invoke",
    "MachineEnv",
    "RaiseEvent",
    "Reply",
    "SendCall",
    "SetConfig",
    "StartTimer",
    "SyncClock",
]


# What the outcome events of a sent CALL (result.*, error.*, timeout.*) carry besides the
# answer's own fields: which transaction a transaction-related message belongs to (its
# ``tx_ref``, 0 for other CALLs) and the idTag the request carried ("" when none). A
# transaction message may be answered long after the fact (OCPP 1.6 §3.7), when the
# connector runs another transaction, and an IdTagInfo is about the idTag that was sent
# (§4.8, §4.10).
OUTCOME_TX_REF = "txRef"
OUTCOME_ID_TAG = "sentIdTag"


@dataclass(frozen=True, slots=True)
class SendCall:
    """Send ``action`` as a CALL with this payload (None-valued fields already left out).

    ``tx_ref`` marks a transaction-related message (OCPP 1.6 §3.7): it names the local
    transaction it belongs to, and the station queues it persistently instead of sending it
    directly.
    """

    action: str
    payload: dict[str, Any]
    tx_ref: int | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """Answer the open CALL of ``action`` (the one being processed) with this payload, or
    with a CALLERROR of code ``error`` (OCPP-J 1.6 §4.2.3) when that is set."""

    action: str
    payload: dict[str, Any]
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Invoke:
    """Run one of the station's declared operations (station.yaml) with these arguments."""

    operation: str
    args: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StartTimer:
    """(Re)start the machine instance's timer ``name``; it fires ``timer.<name>``."""

    name: str
    seconds: float


@dataclass(frozen=True, slots=True)
class CancelTimer:
    """Cancel the machine instance's timer ``name`` if it runs."""

    name: str


@dataclass(frozen=True, slots=True)
class RaiseEvent:
    """Raise ``internal.<name>`` for the other machines of the station."""

    event: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class SetConfig:
    """Store a configuration value (e.g. HeartbeatInterval from BootNotification.conf)."""

    key: str
    value: Any


@dataclass(frozen=True, slots=True)
class SyncClock:
    """Adopt the Central System's time (an ISO 8601 string), as §4.2 and §4.6 recommend."""

    timestamp: str


Effect = SendCall | StartTimer | CancelTimer | RaiseEvent | SetConfig | SyncClock | Reply | Invoke


class MachineEnv(Protocol):
    """What a machine may read besides its own context: configuration and PICS."""

    def config_int(self, key: str) -> int: ...
    def config_bool(self, key: str) -> bool: ...
    def config_str(self, key: str) -> str: ...
    def pics_bool(self, item: str) -> bool: ...
    def pics_int(self, item: str) -> int: ...
    def pics_str(self, item: str) -> str: ...
    def query(self, name: str, *args: Any) -> Any: ...
