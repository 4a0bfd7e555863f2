"""What a tester may do to a station and ask of it: actions checked, hardware observed.

Tester actions are the physical stimuli ``events.yaml`` declares (``plug_in``,
``present_id_tag``, ``power_cycle`` …); :func:`check_action` refuses one that is not
declared or whose payload does not fit, before anything changes. Observations are the
other direction: a tester asks what the hardware does now (is the cable lock closed?),
which no OCPP message reports. Both are pure checks over the registry and the hardware.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from runtime.spec.registry import SpecRegistry
from runtime.station.hardware import Hardware

__all__ = ["OBSERVATIONS", "TesterError", "check_action", "observe"]


class TesterError(ValueError):
    """A tester action or observation that does not exist or is missing a field."""


def check_action(registry: SpecRegistry, name: str, payload: Mapping[str, Any]) -> None:
    """Refuse an undeclared tester action or a payload with missing or unknown fields.

    Raises:
        TesterError: saying what is declared.
    """
    spec = registry.tester_events.get(name)
    if spec is None:
        known = ", ".join(sorted(registry.tester_events))
        raise TesterError(f"unknown tester action {name!r}; expected one of: {known}")
    missing = [f for f in spec.required if f not in payload]
    unknown = [f for f in payload if f not in spec.fields]
    if missing or unknown:
        raise TesterError(
            f"tester action {name!r} takes {', '.join(spec.fields) or 'no fields'}; "
            f"missing: {', '.join(missing) or '-'}, unknown: {', '.join(unknown) or '-'}"
        )


OBSERVATIONS: Mapping[str, Callable[[Hardware, int], Any]] = {
    # Whether the connector's cable lock is closed. Whether it opens when the EV side is
    # unplugged is behaviour a tester checks (OCPP 1.6 §4.10, §9.1.33
    # UnlockConnectorOnEVSideDisconnect); no OCPP message reports it.
    "cable_locked": lambda hardware, connector: hardware.locked(connector),
}
"""Observations by name; each takes ``connector`` (1..N) and reads the hardware."""


def observe(hardware: Hardware, connectors: int, name: str, payload: Mapping[str, Any]) -> Any:
    """Answer the observation ``name`` about ``payload["connector"]``.

    Raises:
        TesterError: unknown observation, or a payload that is not one existing connector;
            the message lists the known observations.
    """
    known = ", ".join(f"{n}(connector)" for n in sorted(OBSERVATIONS))
    read = OBSERVATIONS.get(name)
    if read is None:
        raise TesterError(f"unknown observation {name!r}; expected one of: {known}")
    connector = payload.get("connector")
    if (
        set(payload) != {"connector"}
        or not isinstance(connector, int)
        or isinstance(connector, bool)
        or not 1 <= connector <= connectors
    ):
        raise TesterError(
            f"observation {name!r} takes connector, a connector 1..{connectors}, not "
            f"{dict(payload)!r}; observations: {known}"
        )
    return read(hardware, connector)
