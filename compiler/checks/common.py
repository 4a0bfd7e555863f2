"""Helpers shared by the checks: spelling hints (the runtime's one helper for unknown names,
:mod:`runtime.spec.names`) and the event namespaces."""

from __future__ import annotations

from runtime.spec.names import did_you_mean, one_of

__all__ = ["MESSAGE_NAMESPACES", "NAMESPACES", "did_you_mean", "one_of"]

# Event namespaces (DESIGN.md): a CALL from the peer, the outcome of a CALL we sent, a physical
# stimulus, a timer, or an event raised by another machine.
MESSAGE_NAMESPACES = ("ocpp", "result", "error", "timeout")
NAMESPACES = (*MESSAGE_NAMESPACES, "tester", "timer", "internal")
