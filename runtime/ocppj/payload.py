"""What a payload validator is: checks one OCPP payload by action and direction.

Two implementations answer the same question the same way: the compiled checks the compiler
generates from the message specs (:mod:`runtime.ocppj.checks`), which the runtime uses, and
the reference validator over the JSON schemas (:mod:`runtime.conformance.schema_oracle`),
which the tests compare them with. A payload that breaks its rules raises
:class:`~runtime.ocppj.errors.PayloadError` with the CALLERROR code to answer with
(OCPP-J 1.6 §4.2.3 table 7).
"""

from __future__ import annotations

from typing import Literal, Protocol

__all__ = ["Kind", "PayloadValidator"]

Kind = Literal["req", "conf"]


class PayloadValidator(Protocol):
    """Validates OCPP payloads by action and direction."""

    def actions(self) -> frozenset[str]:
        """Return the actions this validator knows."""
        ...

    def validate(self, action: str, kind: Kind, payload: object) -> tuple[str, ...]:
        """Check one payload.

        Args:
            action: The OCPP action, e.g. ``"BootNotification"``.
            kind: ``"req"`` for a CALL payload, ``"conf"`` for a CALLRESULT payload.
            payload: The decoded payload.

        Returns:
            The names of the declared leniencies the payload needed to pass; empty when it
            is strictly valid.

        Raises:
            PayloadError: If the payload is invalid.
            KeyError: If there is no schema for ``(action, kind)``.
        """
        ...
