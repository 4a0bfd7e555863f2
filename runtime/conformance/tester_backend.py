"""Who performs a scenario's physical steps on a real charge point: the tester backend.

A scenario's ``tester`` steps (plug in, present an idTag, power cycle …) and ``observe``
steps (is the cable locked?) are declared in events.yaml. In-process our runtime performs
them itself; against a real device a backend does: a person at a terminal
(:mod:`runtime.conformance.operator`) or a hardware-in-the-loop rig speaking the tester API
(:mod:`runtime.conformance.tester_api_client`).
"""

from __future__ import annotations

from typing import Any, Protocol

from runtime.errors import ChargespecError

__all__ = ["CaseAborted", "TesterBackend", "TesterFailed"]


class CaseAborted(ChargespecError):
    """The tester gave up on the case (an operator's abort, or no answer in time); the case
    is inconclusive, not failed: the device was never shown to misbehave."""


class TesterFailed(ChargespecError):
    """The backend could not perform a step (the rig refused it or is unreachable)."""


class TesterBackend(Protocol):
    """Performs tester actions on, and reads observations off, a device under test."""

    async def act(self, name: str, payload: dict[str, Any]) -> None:
        """Perform the tester action ``name`` of events.yaml with ``payload``.

        Raises:
            CaseAborted: the tester gave up on the case.
            TesterFailed: the action could not be performed.
        """
        ...

    async def observe(self, name: str, payload: dict[str, Any]) -> Any:
        """Read the observation ``name`` of events.yaml (e.g. ``cable_locked``).

        Raises:
            CaseAborted: the tester gave up on the case.
            TesterFailed: the observation could not be made.
        """
        ...

    async def close(self) -> None:
        """Release what the backend holds (a connection, the terminal)."""
        ...
