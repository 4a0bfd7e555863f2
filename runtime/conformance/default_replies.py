"""The test system's answer to a CALL no step waits for.

While a test state puts away what an earlier case left (``settle``, or an ``expect`` step
with ``others: answer``) the charge point may send anything; each CALL gets the plainest
answer the spec allows, so the charge point moves on and nothing is left queued. A
transaction it starts then gets an id far from the ones scenarios assign.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

from runtime.ocppj.datetime import to_iso8601

__all__ = ["DefaultReplies"]

_ACCEPTED = {"idTagInfo": {"status": "Accepted"}}


class DefaultReplies:
    """Answers by action; unknown actions get an empty payload."""

    def __init__(self, first_transaction_id: int = 90_001) -> None:
        self._transaction_ids: Iterator[int] = itertools.count(first_transaction_id)
        self._answers: dict[str, Callable[[float], dict[str, Any]]] = {
            # §4.2: Accepted with the interval the test states use.
            "BootNotification": lambda now: {
                "status": "Accepted",
                "currentTime": to_iso8601(now),
                "interval": 300,
            },
            "Heartbeat": lambda now: {"currentTime": to_iso8601(now)},
            "Authorize": lambda now: dict(_ACCEPTED),
            "StartTransaction": lambda now: {
                "transactionId": next(self._transaction_ids),
                **_ACCEPTED,
            },
            # §6.46: idTagInfo is optional; none is given.
            "StopTransaction": lambda now: {},
            "DataTransfer": lambda now: {"status": "UnknownVendorId"},
        }

    def answer(self, action: str, now: float) -> dict[str, Any]:
        """The payload answering a CALL ``action`` at ``now``."""
        make = self._answers.get(action)
        return make(now) if make is not None else {}
