"""What a tester may do to a station and ask of it: actions checked, hardware observed.

Tester actions are the physical stimuli ``events.yaml`` declares (``plug_in``,
``present_id_tag``, ``power_cycle`` …); :func:`check_action` refuses one that is not
declared or whose payload does not fit, before anything changes. Observations are the
other direction: a tester asks what the hardware does now (is the cable lock closed?),
which no OCPP message reports. Both are pure checks over the registry and the hardware.

What an action does besides reaching the machines as ``tester.<name>`` is the table
:data:`TESTER_EFFECTS`: a change of the hardware the machines then read (an EV plugged in), or
an action that is not a machine event at all (a jammed lock, a power cycle).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from runtime.errors import ChargespecError
from runtime.spec.registry import SpecRegistry
from runtime.station.hardware import Hardware

__all__ = [
    "OBSERVATIONS",
    "TESTER_EFFECTS",
    "TesterEffect",
    "TesterError",
    "check_action",
    "observe",
    "tester_effect",
]


@dataclass(frozen=True, slots=True)
class TesterEffect:
    """What a tester action does besides reaching the machines.

    Attributes:
        hardware: changes the hardware of the action's connector first, so the machines
            read the new state when the event reaches them.
        machine_event: the machines hear ``tester.<name>``; False for an action that only
            changes the hardware or the whole station.
        power_cycle: the station loses power and comes back (every machine starts over).
    """

    hardware: Callable[[Hardware, int], None] | None = None
    machine_event: bool = True
    power_cycle: bool = False


TESTER_EFFECTS: Mapping[str, TesterEffect] = {
    # Whether an EV is connected: unplugged at either end, it is not (ev_unplug pulls the cable
    # out of the EV; a detachable one stays in the socket, its lock as it is).
    "plug_in": TesterEffect(hardware=lambda hardware, c: hardware.set_plugged(c, True)),
    "unplug": TesterEffect(hardware=lambda hardware, c: hardware.set_plugged(c, False)),
    "ev_unplug": TesterEffect(hardware=lambda hardware, c: hardware.set_plugged(c, False)),
    # A lock that will not move; the machines find out when they try it (OCPP 1.6 §5.18).
    "jam_lock": TesterEffect(
        hardware=lambda hardware, c: hardware.jam_lock(c), machine_event=False
    ),
    "repair_lock": TesterEffect(
        hardware=lambda hardware, c: hardware.repair_lock(c), machine_event=False
    ),
    "power_cycle": TesterEffect(machine_event=False, power_cycle=True),
}
"""Tester actions with an effect beyond their machine event; every other action is only the
event ``tester.<name>``."""

_EVENT_ONLY = TesterEffect()


def tester_effect(name: str) -> TesterEffect:
    """What the tester action ``name`` does besides (or instead of) its machine event."""
    return TESTER_EFFECTS.get(name, _EVENT_ONLY)


class TesterError(ChargespecError, ValueError):
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


OBSERVATIONS: Mapping[str, Callable[[Hardware, int, float], Any]] = {
    # Whether the connector's cable lock is closed. Whether it opens when the EV side is
    # unplugged is behaviour a tester checks (OCPP 1.6 §4.10, §9.1.33
    # UnlockConnectorOnEVSideDisconnect); no OCPP message reports it.
    "cable_locked": lambda hardware, connector, now: hardware.locked(connector),
    # The connector's energy register in Wh, as its meter shows it: what meterStart and
    # meterStop (§6.45, §6.49: Wh) and the Energy.Active.Import.Register samples report.
    "energy_register": lambda hardware, connector, now: (
        hardware.read_meter(connector, now).energy_wh
    ),
}
"""Observations by name; each takes ``connector`` (1..N) and reads the hardware at ``now``."""


def observe(
    hardware: Hardware, connectors: int, name: str, payload: Mapping[str, Any], now: float
) -> Any:
    """Answer the observation ``name`` about ``payload["connector"]`` at ``now``.

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
    return read(hardware, connector, now)
