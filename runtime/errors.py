"""The root of every error the runtime raises on purpose.

Callers that drive a station, a simulator or the test system can catch
:class:`ChargespecError` to tell "the runtime refused this" from a bug (any other exception).
Each layer derives its own errors from it: OCPP-J protocol errors in
:mod:`runtime.ocppj.errors`, spec-data errors in :mod:`runtime.spec`, station errors in
:mod:`runtime.station`. This module imports nothing, so every layer may import it.
"""

from __future__ import annotations

__all__ = ["ChargespecError"]


class ChargespecError(Exception):
    """Base of every error the runtime raises deliberately."""
