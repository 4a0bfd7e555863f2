"""The configurations the wire tests fire a transition under.

Theory of operation: a wire test that waits for a timer, or whose path passes a guard that
reads a configuration key, shows the key's effect only when the key's value is one the
machine could not get right by accident. A test run with the key at its default passes a
charge point that ignores the key and hard-codes the default (a ConnectionTimeOut of 60 s
that is really a constant), so the derivation

- tries, for every integer key a timer duration or a guard of the machine reads, values on
  either side of the default and of the machine's own test values (:func:`config_values`);
- sets every key the path's guards read *and* every key the duration of a timer it waits for
  reads (:func:`path_config_keys`), so the scenario's setup.config names them;
- keeps one path per distinct configuration of those keys (:func:`configurations`), and
  leaves out those that set a timer's duration to its default when another one exists.

So a transition whose guard or timer reads a key is fired under more than one configuration
wherever two values of the key fire it, and a timer is always waited for with a duration
other than the default (OCPP 1.6 §9.1: a configuration key is the Central System's to set;
§9.1.6 ConnectionTimeOut, §9.1.10 HeartbeatInterval, §9.1.20 MinimumStatusDuration are
durations a charge point must honour as set).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from compiler.derive.semantics import Variant
from compiler.derive.wire_search import MAX_WAIT, Hop
from compiler.derive.wire_world import STATION
from compiler.ir import Machine, SpecSet

__all__ = [
    "config_values",
    "configurations",
    "duration_keys",
    "label",
    "path_config_keys",
    "variants",
]

Found = TypeVar("Found")


def duration_keys(machine: Machine) -> set[str]:
    """The configuration keys a timer duration of ``machine`` reads."""
    return {
        r.name
        for a in machine.actions
        if a.start_timer and a.after is not None
        for r in a.after.references
        if r.namespace == "config"
    }


def _guard_keys(machine: Machine) -> set[str]:
    return {
        r.name
        for t in machine.transitions
        if t.guard is not None
        for r in t.guard.references
        if r.namespace == "config"
    }


def _timer_keys(machine: Machine, path: Sequence[Hop]) -> set[str]:
    """The keys the durations of the timers ``path`` waits for read, when a stimulus of the
    path started them (one the test state started took its duration from the test state,
    e.g. the Heartbeat interval from the accepted BootNotification, §4.2)."""
    started: set[str] = set()
    waited: set[str] = set()
    for (event, _), firing, wait in path:
        name = event.partition(".")[2]
        if wait and name in started:
            waited.add(name)
        started |= {e[1] for e in firing.effects if e[0] == "start_timer"}
    return {
        r.name
        for a in machine.actions
        if a.start_timer in waited and a.after is not None
        for r in a.after.references
        if r.namespace == "config"
    }


def _guard_reads(machine: Machine, path: Sequence[Hop]) -> set[str]:
    """The keys the guards tried along ``path`` read."""
    names: set[str] = set()
    for (event, _), firing, _ in path:
        assert firing.transition is not None
        for t in machine.transitions:
            if t.source == firing.transition.source and t.event == event and t.guard:
                names |= {r.name for r in t.guard.references if r.namespace == "config"}
    return names


def path_config_keys(machine: Machine, path: Sequence[Hop]) -> set[str]:
    """The configuration keys a wire test of ``path`` sets: those its guards read and those
    the durations of the timers it waits for read."""
    return _guard_reads(machine, path) | _timer_keys(machine, path)


def _spread(value: int, minimum: int | None, maximum: int | None) -> list[int]:
    """Half and one and a half times ``value``, within the key's range and the longest
    wait of a derived test."""
    top = min(maximum if maximum is not None else int(MAX_WAIT), int(MAX_WAIT))
    low = max(minimum if minimum is not None else 1, 1)
    return [v for v in (value // 2, value + value // 2) if low <= v <= top and v != value]


def config_values(spec: SpecSet, machine: Machine) -> list[tuple[str, int]]:
    """(key, value) pairs to try besides the default configuration and the machine's test
    block: around the default and each test value of every integer key a timer duration or
    guard of ``machine`` reads (values of 0 or 1 have no integer on either side)."""
    tested = dict(machine.test.config)
    pairs: list[tuple[str, int]] = []
    for name in sorted(duration_keys(machine) | _guard_keys(machine)):
        key = spec.config_key(name)
        if key is None or key.spec.kind != "integer":
            continue
        bases = [key.spec.default, *tested.get(name, ())]
        for base in bases:
            if not isinstance(base, int) or isinstance(base, bool) or base <= 1:
                continue
            for value in _spread(base, key.spec.minimum, key.spec.maximum):
                if (name, value) not in pairs and value not in bases:
                    pairs.append((name, value))
    return pairs


def variants(spec: SpecSet, machine: Machine) -> Iterator[Variant]:
    """The in-process charge point's configuration and PICS (every boolean item supported),
    then each value the machine's test block lists for a PICS item or a configuration key,
    then the values :func:`config_values` adds."""
    config = {k.name: k.spec.default for k in spec.config_keys}
    pics = {p.name: p.spec.default for p in spec.pics}
    pics |= {p.name: True for p in spec.pics if p.spec.kind == "boolean"}
    yield Variant(config, pics, STATION)
    for item, values in machine.test.pics:
        for value in values:
            if pics.get(item) != value:
                yield Variant(config, {**pics, item: value}, STATION)
    tried: set[tuple[str, Any]] = set()
    for key, values in machine.test.config:
        for value in values:
            if config.get(key) != value:
                tried.add((key, value))
                yield Variant({**config, key: value}, pics, STATION)
    for key, value in config_values(spec, machine):
        if (key, value) not in tried and config.get(key) != value:
            yield Variant({**config, key: value}, pics, STATION)


def _assignment(
    machine: Machine, variant: Variant, path: Sequence[Hop]
) -> tuple[tuple[str, Any], ...]:
    return tuple((k, variant.config[k]) for k in sorted(path_config_keys(machine, path)))


def configurations(
    spec: SpecSet,
    machine: Machine,
    found: Iterable[tuple[Found, Variant, Sequence[Hop]]],
) -> list[tuple[Found, Variant, Sequence[Hop], tuple[tuple[str, Any], ...]]]:
    """One of ``found`` (paths that fire one transition, each with the configuration it was
    found under) per distinct configuration of the keys it sets, in the order found; those
    that set a timer's duration to the key's default are left out when another remains."""
    chosen: dict[tuple[tuple[str, Any], ...], tuple[Found, Variant, Sequence[Hop]]] = {}
    for world, variant, path in found:
        chosen.setdefault(_assignment(machine, variant, path), (world, variant, path))
    timed = duration_keys(machine)

    def at_default(assignment: tuple[tuple[str, Any], ...]) -> bool:
        for name, value in assignment:
            key = spec.config_key(name)
            if name in timed and key is not None and key.spec.default == value:
                return True
        return False

    kept = [a for a in chosen if not at_default(a)] or list(chosen)
    return [(*chosen[a], a) for a in kept]


def label(assignment: tuple[tuple[str, Any], ...]) -> str:
    """`` [Key=value, ...]``, the suffix of a test id that one configuration of several
    names."""
    shown = ", ".join(f"{k}={_wire(v)}" for k, v in assignment)
    return f" [{shown}]"


def _wire(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
