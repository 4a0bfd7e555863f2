"""Naming an unknown name: "expected one of: …" and "did you mean …?".

One helper for every place a user can misspell a name: spec files (the compiler's checks and
schema messages), device PICS files, tester actions and observations.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["closest", "did_you_mean", "one_of"]


def closest(word: str, options: Iterable[str]) -> str | None:
    """The option closest in spelling to ``word``, or None when none is close."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """A hint naming the closest option, or '' when none is close."""
    found = closest(word, options)
    return f"did you mean '{found}'?" if found is not None else ""


def one_of(options: Iterable[str], limit: int = 12) -> str:
    """``expected one of: a, b, c`` with long lists cut short."""
    items = sorted(set(options))
    shown = ", ".join(items[:limit]) + (", …" if len(items) > limit else "")
    return f"expected one of: {shown}" if items else "none are defined"
