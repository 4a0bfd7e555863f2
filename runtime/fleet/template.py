"""What the stations of a fleet look like and how their users behave.

A :class:`StationTemplate` makes station number ``n`` (0-based): its identity from a pattern
(``CP{n:05d}``), its Basic-auth password from another (OCPP-J §6.2.2, security profile 1), its
connectors, vendor and model for BootNotification, its PICS and configuration, and the meter
profile of its EVs. A :class:`TransactionPlan` drives the automatic transaction generator:
how likely a free connector is to start a session, how long sessions and pauses last, and which
idTag each session presents (:class:`IdTagPicker`).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from runtime.fleet.meter import MeterProfile

__all__ = ["IdTagMode", "IdTagPicker", "StationTemplate", "TransactionPlan"]

_ID_TAG_MAX = 20  # IdToken is CiString20Type (OCPP 1.6 §7.28)
_IDENTITY_MAX = 48  # chargeBoxIdentity is CiString48Type (OCPP 1.6 §6.1)

IdTagMode = Literal["round-robin", "random", "per-connector"]


def _format(pattern: str, what: str, n: int) -> str:
    try:
        return pattern.format(n=n, N=n + 1)
    except (KeyError, IndexError, ValueError) as error:
        raise ValueError(f"{what} pattern {pattern!r} cannot be filled: {error}") from None


@dataclass(frozen=True, slots=True)
class StationTemplate:
    """How to make station number ``n`` of a fleet.

    Attributes:
        identity: Pattern of the charge point identity; ``{n}`` is the 0-based number,
            ``{N}`` the 1-based one (``CP{N:05d}`` gives CP00001, CP00002 ...).
        connectors: Connectors per station.
        vendor: chargePointVendor in BootNotification.
        model: chargePointModel in BootNotification.
        password: Pattern of the Basic-auth password (same placeholders; ``{identity}`` too),
            or ``None`` for no authentication.
        pics: PICS values over the spec's defaults (decide profiles and configuration keys).
        config: Configuration values to start from.
        meter: The EVSE supply and the EVs that come to it.
    """

    identity: str = "CP{N:05d}"
    connectors: int = 2
    vendor: str = "chargespec"
    model: str = "FleetStation"
    password: str | None = None
    pics: Mapping[str, Any] = field(default_factory=dict)
    config: Mapping[str, Any] = field(default_factory=dict)
    meter: MeterProfile = field(default_factory=MeterProfile)

    def __post_init__(self) -> None:
        if self.connectors < 1:
            raise ValueError(f"a station needs at least one connector, got {self.connectors}")
        first, second = self.identity_of(0), self.identity_of(1)
        if first == second:
            raise ValueError(f"identity pattern {self.identity!r} gives every station one name")
        self.password_of(0)

    def identity_of(self, n: int) -> str:
        """Station ``n``'s identity.

        Raises:
            ValueError: the pattern does not fill, or gives more than 48 characters (§6.1).
        """
        identity = _format(self.identity, "identity", n)
        if not identity or len(identity) > _IDENTITY_MAX:
            raise ValueError(f"identity {identity!r} must be 1 to {_IDENTITY_MAX} characters")
        return identity

    def password_of(self, n: int) -> str | None:
        """Station ``n``'s Basic-auth password, or ``None`` without authentication."""
        if self.password is None:
            return None
        try:
            return self.password.format(n=n, N=n + 1, identity=self.identity_of(n))
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError(f"password pattern cannot be filled: {error}") from None


@dataclass(frozen=True, slots=True)
class TransactionPlan:
    """The automatic transaction generator, per connector.

    At the end of each pause a free connector starts a session with ``start_probability``
    (else it pauses again): plug in, present an idTag, charge for a duration drawn from
    ``duration``, present the same idTag (StopTransaction, reason Local), unplug, pause for a
    time drawn from ``pause``. Times in seconds.

    Attributes:
        enabled: Whether sessions are generated at all.
        start_probability: Chance that a connector starts a session after a pause, 0..1.
        duration: (min, max) of a session's charging time.
        pause: (min, max) of the pause between two attempts; the first pause too.
        id_tags: The idTags to present.
        id_tag_mode: ``round-robin`` (the next tag of the list, fleet-wide), ``random``,
            or ``per-connector`` (each connector of each station keeps one tag).
        start_timeout: How long a start may take (Authorize, StartTransaction) before the
            user walks away.
    """

    enabled: bool = True
    start_probability: float = 1.0
    duration: tuple[float, float] = (60.0, 300.0)
    pause: tuple[float, float] = (5.0, 60.0)
    id_tags: tuple[str, ...] = tuple(f"FLEET{n:04d}" for n in range(1, 101))
    id_tag_mode: IdTagMode = "round-robin"
    start_timeout: float = 30.0

    def __post_init__(self) -> None:
        if not 0 <= self.start_probability <= 1:
            raise ValueError(f"start probability must be 0..1, got {self.start_probability}")
        for name in ("duration", "pause"):
            low, high = getattr(self, name)
            if not 0 <= low <= high:
                raise ValueError(f"{name} must be 0 <= min <= max, got {(low, high)}")
        if not self.id_tags:
            raise ValueError("at least one idTag is needed")
        bad = [tag for tag in self.id_tags if not 0 < len(tag) <= _ID_TAG_MAX]
        if bad:
            raise ValueError(f"idTags must be 1 to {_ID_TAG_MAX} characters: {bad[:3]}")
        if self.id_tag_mode not in ("round-robin", "random", "per-connector"):
            raise ValueError(f"unknown idTag mode {self.id_tag_mode!r}")


class IdTagPicker:
    """Hands out idTags for sessions, as the plan's mode says (one picker per fleet).

    Args:
        plan: The plan with the tags and the mode.
        connectors: Connectors per station (numbers the per-connector tags).
        rng: Source of random picks.
    """

    def __init__(self, plan: TransactionPlan, connectors: int, rng: random.Random) -> None:
        self._tags = plan.id_tags
        self._mode = plan.id_tag_mode
        self._connectors = connectors
        self._rng = rng
        self._next = 0

    def pick(self, station: int, connector: int) -> str:
        """The idTag for the next session of ``connector`` (1-based) of station ``station``."""
        if self._mode == "random":
            return self._rng.choice(self._tags)
        if self._mode == "per-connector":
            return self._tags[(station * self._connectors + connector - 1) % len(self._tags)]
        tag = self._tags[self._next % len(self._tags)]
        self._next += 1
        return tag
