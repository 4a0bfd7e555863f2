"""Helpers shared by the checks: spelling hints and event-name parsing."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["MESSAGE_NAMESPACES", "NAMESPACES", "did_you_mean", "one_of"]

# Event namespaces (DESIGN.md): a CALL from the peer, the outcome of a CALL we sent, a physical
# stimulus, a timer, or an event raised by another machine.
MESSAGE_NAMESPACES = ("ocpp", "result", "error", "timeout")
NAMESPACES = (*MESSAGE_NAMESPACES, "tester", "timer", "internal")


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """A hint naming the closest option, or '' when none is close."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def one_of(options: Iterable[str], limit: int = 12) -> str:
    """``expected one of: a, b, c`` with long lists cut short."""
    items = sorted(set(options))
    shown = ", ".join(items[:limit]) + (", …" if len(items) > limit else "")
    return f"expected one of: {shown}" if items else "none are defined"
