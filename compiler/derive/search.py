"""The breadth-first search of one variant's state space, with what makes it affordable: the
outcome of a stimulus at a node is shared by the PICS/query variants that read the same
values on the way (issue 17: the build spent 90 % of its time here).
"""

from __future__ import annotations

import ast
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from compiler.derive.semantics import (
    Firing,
    Node,
    Plan,
    Step,
    Variant,
    names_of,
    plan_of,
    take,
)
from compiler.expressions import evaluate
from compiler.ir import Machine, Transition

__all__ = ["KINDS", "MAX_NODES", "Memo", "ModelCases", "memoisable", "same_search", "search"]

MAX_NODES = 20_000
KINDS = ("states", "transitions", "guard_false", "rejections")


@dataclass
class ModelCases:
    """Everything the model test template needs, keyed by what it covers."""

    variants: list[Variant]
    states: dict[str, tuple[int, list[Step]]]
    transitions: dict[str, tuple[int, list[Step], Step, str, list[tuple[Any, ...]]]]
    guard_false: dict[str, tuple[int, list[Step], Step, str | None, str]]
    rejections: dict[str, tuple[int, list[Step], str]]
    # Further witnesses of a case, ("transitions", key) -> witnesses, each depending on other
    # PICS values than the first, so a device whatever its PICS finds the case applicable.
    more: dict[tuple[str, str], list[tuple[Any, ...]]] = field(default_factory=dict)


def same_search(
    done: list[tuple[Node, dict[tuple[str, str], str], ModelCases]],
    start: Node,
    variant: Variant,
    index: int,
) -> ModelCases | None:
    """The cases of an earlier search that this variant's search would repeat step for step:
    same start node, and the same value for every PICS item and query answer that search
    read (every outcome is a function of those), with this variant's index in the witnesses.
    """
    known = _known(variant)
    for first, reads, local in done:
        if first == start and all(known.get(k, "None") == v for k, v in reads.items()):
            same = ModelCases(local.variants, {}, {}, {}, {})
            for kind in KINDS:
                found: dict[str, tuple[Any, ...]] = getattr(local, kind)
                getattr(same, kind).update({k: (index, *w[1:]) for k, w in found.items()})
            return same
    return None


def search(
    machine: Machine,
    variant: Variant,
    index: int,
    start: Node,
    stimuli: list[Step],
    cases: ModelCases,
    memo: Memo | None = None,
) -> dict[tuple[str, str], str] | None:
    """Breadth-first search of one variant's state space, recording first witnesses in
    ``cases``; returns every PICS item and query answer read on the way (with a memo)."""
    plan = plan_of(machine)
    outcomes = _Outcomes(plan, variant, memo, stimuli)
    states, rejections = cases.states, cases.rejections
    transitions, guard_false = cases.transitions, cases.guard_false
    paths: dict[Node, list[Step]] = {start: []}
    queue = deque([start])
    while queue and len(paths) < MAX_NODES:
        node = queue.popleft()
        path = paths[node]
        if node.state not in states:
            states[node.state] = (index, path)
        rejected = plan.rejected[node.state]
        if rejected is not None and node.state not in rejections:
            rejections[node.state] = (index, path, rejected)
        for step, guarded, result, after in outcomes.expand(node):
            for key, value in guarded:
                if key in guard_false or _value(value):
                    continue
                fired = result.transition.key if result and result.transition else None
                outcome = result.node.state if result else node.state
                guard_false[key] = (index, path, step, fired, outcome)
            if result is not None and result.transition is not None:
                key = result.transition.key
                if key not in transitions:
                    transitions[key] = (index, path, step, result.node.state, result.effects)
            if after is not None and after not in paths:
                paths[after] = [*path, step]
                queue.append(after)
    return outcomes.reads()


@dataclass(frozen=True, slots=True)
class _Raised:
    """A guard that raised: re-raised where the search first needs its value, as before."""

    error: Exception


def _value(found: Any) -> Any:
    if isinstance(found, _Raised):
        raise found.error
    return found


_Outcome = tuple[Firing | None, dict[str, Any]]
_Keys = tuple[tuple[str, str], ...]
_Item = tuple[Step, tuple[tuple[str, Any], ...], Firing | None, Node | None]
_Stimulus = tuple[int, Step, list[Transition] | None, tuple[str, ...]]


_Entries = list[tuple[_Keys, tuple[str, ...], Any]]


class Memo:
    """Results shared by the variants of one machine, each kept with the PICS items and query
    answers it read and the repr of their values: the outcome of a stimulus at a node, and
    the expansion of a node (every stimulus's outcome, with the union of their reads). Equal
    key tuples are interned, so a variant computes its values for them once.

    Nodes are dict keys, so two nodes equal under ``==`` share results; the search's own
    visited set treats them as one node already."""

    def __init__(self) -> None:
        self.outcomes: dict[Node, dict[int, _Entries]] = {}
        self.expansions: dict[Node, _Entries] = {}
        self.keys: dict[_Keys, _Keys] = {}


def _known(variant: Variant) -> dict[tuple[str, str], str]:
    """The repr of each PICS item and query answer of a variant (repr tells True from 1)."""
    known = {("pics", k): repr(v) for k, v in variant.pics.items()}
    return known | {("station", k): repr(v) for k, v in variant.queries.items()}


class _Reads(dict[str, Any]):
    """A PICS or query mapping that notes every item an expression reads (evaluate() calls
    get), with the repr of its value (repr tells True from 1, which == does not)."""

    def __init__(
        self, values: dict[str, Any], namespace: str, log: list[tuple[str, str, str]]
    ) -> None:
        super().__init__(values)
        self.namespace = namespace
        self.log = log

    def get(self, key: str, default: Any = None) -> Any:
        value = super().get(key, default)
        self.log.append((self.namespace, key, repr(value)))
        return value


def memoisable(machine: Machine) -> bool:
    """Whether every PICS and query read goes through ``get`` (``pics.X``, ``station.q()``):
    an expression naming a whole namespace (``'X' in pics``) reads what no log sees."""
    exprs = [t.guard for t in machine.transitions]
    for a in machine.actions:
        exprs += [a.condition, a.after, a.sync_clock, a.transaction]
        exprs += [e for _, e in (*a.args, *a.set_config, *a.assignments)]
    for expr in exprs:
        if expr is None:
            continue
        bases = {id(n.value) for n in ast.walk(expr.tree) if isinstance(n, ast.Attribute)}
        for n in ast.walk(expr.tree):
            if isinstance(n, ast.Name) and n.id in ("pics", "station") and id(n) not in bases:
                return False
    return True


class _Outcomes:
    """What firing a stimulus at a node gives under one variant: the transition taken (or
    None) and the value of every candidate guard (or what it raised).

    The outcome is a function of the node, the stimulus and the PICS items and query answers
    it reads; with a memo, an outcome computed under another variant of the same machine is
    reused when this variant has the same values for everything it read. The search then
    explores each variant's state space for the price of what differs (issue 17: the build
    spent 90 % of its time here).
    """

    def __init__(
        self, plan: Plan, variant: Variant, memo: Memo | None, stimuli: list[Step]
    ) -> None:
        self.plan = plan
        self.memo = memo
        self.stimuli = stimuli
        self.log: list[tuple[str, str, str]] = []
        self.variant = (
            variant
            if memo is None
            else Variant(
                variant.config,
                _Reads(variant.pics, "pics", self.log),
                _Reads(variant.queries, "station", self.log),
            )
        )
        self.known = _known(variant)
        # id(keys) → this variant's values for them; and the (keys, values) used so far.
        self.values: dict[int, tuple[str, ...]] = {}
        self.used: dict[int, tuple[_Keys, tuple[str, ...]]] = {}
        self.at: dict[str, list[_Stimulus]] = {}

    def expand(self, node: Node) -> tuple[_Item, ...]:
        """What each stimulus does at ``node``, in stimulus order: its step, the guards of
        its candidates with their values, the firing (None: rejected or no guard passed),
        and the node it leads to (None: none)."""
        if self.memo is None:
            return self._expand(node, None)
        entries = self.memo.expansions.setdefault(node, [])
        found: tuple[_Item, ...] | None = self._lookup(entries)
        if found is None:
            reads: dict[tuple[str, str], str] = {}
            found = self._expand(node, reads)
            self._remember(entries, reads, found)
        return found

    def _expand(self, node: Node, reads: dict[tuple[str, str], str] | None) -> tuple[_Item, ...]:
        items: list[_Item] = []
        outcomes = self.memo.outcomes.setdefault(node, {}) if self.memo is not None else None
        for number, step, candidates, guard_keys in self._stimuli_at(node.state):
            if candidates is None:
                # a configuration change between events (see paths.variants_of)
                config = tuple({**dict(node.config), **step[1]}.items())
                items.append((step, (), None, Node(node.state, node.ctx, config)))
                continue
            if outcomes is None:
                result, seen = self._compute(node, step[1], candidates)
            else:
                entries = outcomes.setdefault(number, [])
                result, seen = self._outcome(entries, node, step[1], candidates, reads)
            guarded = tuple([(key, seen[key]) for key in guard_keys])
            after = result.node if result is not None and result.transition is not None else None
            items.append((step, guarded, result, after))
        return tuple(items)

    def _stimuli_at(self, state: str) -> list[_Stimulus]:
        """The stimuli that do something in ``state``, with their numbers, candidate
        transitions (None for a configuration change) and the keys of the guarded ones."""
        found = self.at.get(state)
        if found is None:
            found = []
            for number, step in enumerate(self.stimuli):
                if step[0] == "$config":
                    found.append((number, step, None, ()))
                    continue
                # no candidate: rejected, no transition fires, and no guard has a false side
                candidates = self.plan.by_event.get((state, step[0]))
                if candidates:
                    keys = tuple(t.key for t in candidates if t.guard is not None)
                    found.append((number, step, candidates, keys))
            self.at[state] = found
        return found

    def _outcome(
        self,
        entries: _Entries,
        node: Node,
        msg: dict[str, Any],
        candidates: list[Transition],
        reads: dict[tuple[str, str], str] | None,
    ) -> _Outcome:
        found: _Outcome | None = self._lookup(entries, reads)
        if found is None:
            self.log.clear()
            found = self._compute(node, msg, candidates)
            self._remember(entries, {(ns, k): v for ns, k, v in self.log}, found, reads)
        return found

    def _compute(self, node: Node, msg: dict[str, Any], candidates: list[Transition]) -> _Outcome:
        seen = _guard_values(candidates, names_of(node, self.variant, msg, node.state, node.state))
        chosen = _chosen(candidates, seen)
        return (take(self.plan, self.variant, node, chosen, msg) if chosen else None), seen

    def _lookup(self, entries: _Entries, reads: dict[tuple[str, str], str] | None = None) -> Any:
        """The result in ``entries`` whose reads this variant agrees with (None: none); its
        reads are added to ``reads`` when given, and to what the search used."""
        for keys, values, found in entries:
            mine = self.values.get(id(keys))
            if mine is None:
                mine = self.values[id(keys)] = tuple(self.known.get(k, "None") for k in keys)
            if mine == values:
                self.used[id(keys)] = (keys, values)
                if reads is not None:
                    reads.update(zip(keys, values, strict=True))
                return found
        return None

    def _remember(
        self,
        entries: _Entries,
        reads: dict[tuple[str, str], str],
        found: Any,
        into: dict[tuple[str, str], str] | None = None,
    ) -> None:
        assert self.memo is not None
        keys = tuple(reads)
        keys = self.memo.keys.setdefault(keys, keys)
        values = tuple(reads.values())
        entries.append((keys, values, found))
        self.used[id(keys)] = (keys, values)
        if into is not None:
            into.update(reads)

    def reads(self) -> dict[tuple[str, str], str] | None:
        """Every PICS item and query answer the outcomes used so far read (None: no memo)."""
        if self.memo is None:
            return None
        return {
            k: v for keys, values in self.used.values() for k, v in zip(keys, values, strict=True)
        }


def _guard_values(candidates: list[Transition], names: dict[str, Any]) -> dict[str, Any]:
    """The value of each candidate's guard, or what evaluating it raised (kept, and raised
    where the search first needs the value, as when guards were evaluated lazily)."""
    seen: dict[str, Any] = {}
    for t in candidates:
        if t.guard is not None:
            try:
                seen[t.key] = evaluate(t.guard, names)
            except Exception as error:
                seen[t.key] = _Raised(error)
    return seen


def _chosen(candidates: list[Transition], seen: dict[str, Any]) -> Transition | None:
    """The transition that fires: the first whose guard passes (spec order)."""
    for t in candidates:
        if t.guard is None or _value(seen[t.key]):
            return t
    return None
