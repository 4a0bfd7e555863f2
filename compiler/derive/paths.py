"""Derive tests from a machine's IR by searching its state space with the expression
interpreter (XState's graph-path idea): the shortest event path to every state, a firing of
every transition with the effects it must produce, the false side of every guard, and an
event each state must reject.

The search runs the spec's own semantics (guards, context assignments, configuration writes)
independently of the generated code, so the generated tests compare two implementations.
"""

from __future__ import annotations

import ast
import itertools
from collections import deque
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from compiler.expressions import evaluate
from compiler.ir import (
    Action,
    Machine,
    SpecSet,
    Transition,
)

__all__ = [
    "ModelCases",
    "Step",
    "derive_cases",
    "initial_context",
    "pics_read",
    "witness_pics",
]

MAX_NODES = 20_000
# Up to this many PICS/query combinations every one is a variant; above it, pairwise.
_FULL_PRODUCT_LIMIT = 16
Step = tuple[str, dict[str, Any]]
_PARAM_VALUES = {"integer": 1, "string": "TEST", "boolean": False}


@dataclass(frozen=True, slots=True)
class Variant:
    config: dict[str, Any]
    pics: dict[str, Any]
    queries: dict[str, Any]


class Node(NamedTuple):
    """A machine instance as the search sees it. A named tuple, not a dataclass: the search
    hashes millions of them, and a tuple hashes in C."""

    state: str
    ctx: tuple[tuple[str, Any], ...]
    config: tuple[tuple[str, Any], ...]


@dataclass(frozen=True, slots=True)
class Firing:
    transition: Transition | None
    node: Node
    effects: list[tuple[Any, ...]]


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


def initial_context(machine: Machine) -> dict[str, Any]:
    """The context of a fresh instance, with the parameters the tests pass."""
    return {
        v.name: (None if v.optional else _PARAM_VALUES[v.kind]) if v.param else v.default
        for v in machine.context
    }


def _names(
    node: Node, variant: Variant, msg: dict[str, Any], src: str, state: str
) -> dict[str, Any]:
    return {
        "config": dict(node.config),
        "pics": variant.pics,
        "ctx": dict(node.ctx),
        "msg": msg,
        "station": variant.queries,
        "source": src,
        "state": state,
    }


def _reply_effect(action: Action, args: dict[str, Any]) -> tuple[Any, ...]:
    """A reply action's effect: the response payload, or the CALLERROR code it answers with."""
    assert action.reply is not None
    if action.reply_error:
        return ("reply_error", action.reply, action.reply_error)
    return ("reply", action.reply, args)


def _run_action(
    action: Action,
    names: dict[str, Any],
    out: list[tuple[Any, ...]],
    ctx: dict[str, Any],
    config: dict[str, Any],
) -> None:
    if action.condition is not None and not evaluate(action.condition, names):
        return
    args = {k: evaluate(v, names) for k, v in action.args}
    args = {k: v for k, v in args.items() if v is not None}
    if action.send:
        tx_ref = evaluate(action.transaction, names) if action.transaction is not None else None
        out.append(
            ("send", action.send, args) if tx_ref is None else ("send", action.send, args, tx_ref)
        )
    if action.reply:
        out.append(_reply_effect(action, args))
    if action.invoke:
        out.append(("invoke", action.invoke, {k: evaluate(v, names) for k, v in action.args}))
    if action.raise_event:
        out.append(("raise", action.raise_event, args))
    if action.start_timer and action.after is not None:
        out.append(("start_timer", action.start_timer, float(evaluate(action.after, names))))
    if action.cancel_timer:
        out.append(("cancel_timer", action.cancel_timer))
    for key, value in action.set_config:
        config[key] = evaluate(value, names)
        out.append(("set_config", key, config[key]))
    if action.sync_clock is not None:
        out.append(("sync_clock", str(evaluate(action.sync_clock, names))))
    values = {var: evaluate(expr, names) for var, expr in action.assignments}
    ctx.update(values)
    names["ctx"] = dict(ctx)


class _ReadLog(dict[str, Any]):
    """A PICS mapping that notes every item an expression reads (evaluate() calls get)."""

    def __init__(self, values: dict[str, Any]) -> None:
        super().__init__(values)
        self.read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)


def pics_read(
    machine: Machine, variant: Variant, path: list[Step], last: Step | None = None
) -> dict[str, Any]:
    """The PICS values a case depends on: the items its guards and actions read while its
    path (and ``last``, the step under test) is replayed, with the variant's values.

    A case that never reads an item applies to a device whatever it declares for it, so its
    ``pics`` mark names only these (issue: PICS selects the tests).
    """
    log = _ReadLog(variant.pics)
    replay = Variant(variant.config, log, variant.queries)
    node = _initial_node(machine, replay)
    index = _by_source_and_event(machine)
    for event, msg in [*path, *([last] if last is not None else [])]:
        if event == "$config":
            node = Node(node.state, node.ctx, tuple({**dict(node.config), **msg}.items()))
            continue
        fired = fire(machine, replay, node, event, msg, index)
        if fired is not None:
            node = fired.node
    return {name: variant.pics[name] for name in sorted(log.read) if name in variant.pics}


def _by_source_and_event(machine: Machine) -> dict[tuple[str, str], list[Transition]]:
    """The transitions of each (state, event), in spec order (the order guards are tried)."""
    return _plan(machine).by_event


@dataclass(frozen=True, slots=True)
class _Plan:
    """What firing an event looks up, indexed once per machine instead of scanned per firing."""

    by_event: dict[tuple[str, str], list[Transition]]
    actions: dict[str, Action]
    exits: dict[str, tuple[str, ...]]
    entries: dict[str, tuple[str, ...]]
    rejected: dict[str, str | None]


# Keyed by the machine's id; the machine is kept in the value so the id is never reused.
_PLANS: dict[int, tuple[Machine, _Plan]] = {}


def _plan(machine: Machine) -> _Plan:
    found = _PLANS.get(id(machine))
    if found is not None:
        return found[1]
    by_event: dict[tuple[str, str], list[Transition]] = {}
    for t in machine.transitions:
        by_event.setdefault((t.source, t.event), []).append(t)
    rejected = {}
    for s in machine.states:
        accepted = {t.event for t in machine.transitions if t.source == s.name}
        rejected[s.name] = min(set(machine.events) - accepted, default=None)
    plan = _Plan(
        by_event,
        {a.name: a for a in reversed(machine.actions)},  # the first of a name wins, as next()
        {s.name: s.exit for s in reversed(machine.states)},
        {s.name: machine.entry + s.entry for s in reversed(machine.states)},
        rejected,
    )
    _PLANS[id(machine)] = (machine, plan)
    return plan


def fire(
    machine: Machine,
    variant: Variant,
    node: Node,
    event: str,
    msg: dict[str, Any],
    index: dict[tuple[str, str], list[Transition]] | None = None,
) -> Firing | None:
    """What the spec says happens; None when no transition fires (the event is rejected)."""
    candidates = (index or _plan(machine).by_event).get((node.state, event), [])
    names = _names(node, variant, msg, node.state, node.state)
    for t in candidates:
        if t.guard is not None and not evaluate(t.guard, names):
            continue
        return _take(_plan(machine), variant, node, t, msg)
    return None


def _take(plan: _Plan, variant: Variant, node: Node, t: Transition, msg: dict[str, Any]) -> Firing:
    """Fire ``t`` (its guard passed): exit actions, its own actions, then entry actions."""
    ctx, config = dict(node.ctx), dict(node.config)
    effects: list[tuple[Any, ...]] = []
    target = t.target or node.state
    groups: list[tuple[tuple[str, ...], str]] = []
    if t.target is not None:
        groups.append((plan.exits[node.state], node.state))
    groups.append((t.actions, target))
    if t.target is not None:
        groups.append((plan.entries[target], target))
    for actions, state in groups:
        # Each group reads the context and configuration as they were when it began; a
        # context assignment is seen by the next action of the group (see _run_action).
        names = {
            "config": dict(config),
            "pics": variant.pics,
            "ctx": dict(ctx),
            "msg": msg,
            "station": variant.queries,
            "source": node.state,
            "state": state,
        }
        for name in actions:
            _run_action(plan.actions[name], names, effects, ctx, config)
    return Firing(t, Node(target, tuple(ctx.items()), tuple(config.items())), effects)


def _initial_node(machine: Machine, variant: Variant) -> Node:
    """A fresh instance after the initial state's entry actions ran (their effects are not
    asserted; the generated tests drop them too)."""
    initial = machine.initial.name
    ctx, config = initial_context(machine), dict(variant.config)
    node = Node(initial, tuple(ctx.items()), tuple(config.items()))
    names = _names(node, variant, {}, initial, initial)
    for name in machine.entry + machine.initial.entry:
        _run_action(machine.action(name), names, [], ctx, config)
    return Node(initial, tuple(ctx.items()), tuple(config.items()))


_QUERY_ZERO: dict[str, Any] = {
    "boolean": False,
    "integer": 0,
    "decimal": 0.0,
    "string": "",
    "list": [],
    "object": {},
    "any": None,
}


def _pairwise(choices: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """All combinations when there are few (guards such as "known and writable and valid"
    need them all); above that, combinations in which every pair of values of two lists
    occurs at least once, chosen greedily in product order, so the result is deterministic.
    The search varies the configuration on top of each variant;
    tests/compiler/test_model_coverage.py checks every transition of the spec set still fires."""
    combos = list(itertools.product(*choices))
    if len(choices) <= 2 or len(combos) <= _FULL_PRODUCT_LIMIT:
        return combos

    def pairs(combo: tuple[Any, ...]) -> set[tuple[int, int, int, int]]:
        index = [choices[i].index(v) for i, v in enumerate(combo)]
        return {
            (i, index[i], j, index[j]) for i in range(len(combo)) for j in range(i + 1, len(combo))
        }

    uncovered = set().union(*(pairs(c) for c in combos))
    chosen = []
    while uncovered:
        best = max(combos, key=lambda c: len(pairs(c) & uncovered))
        chosen.append(best)
        uncovered -= pairs(best)
    return sorted(chosen, key=combos.index)


def _referenced(machine: Machine) -> dict[str, set[str]]:
    """The config keys, PICS items and station queries the machine's expressions read (and
    the config keys it writes)."""
    exprs = [t.guard for t in machine.transitions]
    for a in machine.actions:
        exprs += [a.condition, a.after, a.sync_clock, a.transaction]
        exprs += [e for _, e in (*a.args, *a.set_config, *a.assignments)]
    used: dict[str, set[str]] = {"config": set(), "pics": set(), "station": set()}
    for expr in exprs:
        for ref in expr.references if expr is not None else ():
            if ref.namespace in used:
                used[ref.namespace].add(ref.name)
    used["config"] |= {key for a in machine.actions for key, _ in a.set_config}
    return used


def _variants(spec: SpecSet, machine: Machine) -> list[Variant]:
    """Combinations of the PICS and query values the machine's test block lists (pairwise).

    PICS items and query answers (station.yaml) are fixed per variant. Configuration values
    are not: each variant starts from the first listed value of every key, and the search
    switches keys to their other values with "$config" steps (a ChangeConfiguration between
    events), so config-dependent guards are covered without multiplying the variants.
    """
    # Only what the machine reads goes into a variant: smaller tests, faster search.
    used = _referenced(machine)
    config = {k.name: k.spec.default for k in spec.config_keys if k.name in used["config"]}
    config.update({key: values[0] for key, values in machine.test.config})
    pics = {p.name: p.spec.default for p in spec.pics if p.name in used["pics"]}
    queries = {
        c.name: _QUERY_ZERO[c.returns]
        for c in spec.station
        if c.kind == "query" and c.name in used["station"]
    }
    test = machine.test
    keys = [("pics", k) for k, _ in test.pics] + [("queries", k) for k, _ in test.queries]
    choices = [v for _, v in (*test.pics, *test.queries)]
    variants = []
    for combo in _pairwise(choices):
        parts = {"pics": dict(pics), "queries": dict(queries)}
        for (part, key), value in zip(keys, combo, strict=True):
            parts[part][key] = value
        variants.append(Variant(dict(config), parts["pics"], parts["queries"]))
    return variants


def _retargeted(machine: Machine, cases: ModelCases, transition: Transition) -> list[Variant]:
    """Variants that may fire a transition no variant fired: each variant that reached its
    source state (the first witness first), with the PICS items and query answers its guard
    reads set to every combination the test block lists."""
    reads = {r.name for r in transition.guard.references} if transition.guard else set()
    lists = [("pics", k, v) for k, v in machine.test.pics if k in reads]
    lists += [("queries", k, v) for k, v in machine.test.queries if k in reads]
    first = cases.states.get(transition.source, (None,))[0]
    order = sorted(range(len(cases.variants)), key=lambda i: i != first)
    found = []
    for index in order:
        base = cases.variants[index]
        for combo in itertools.product(*(values for _, _, values in lists)):
            parts = {"pics": dict(base.pics), "queries": dict(base.queries)}
            for (part, key, _), value in zip(lists, combo, strict=True):
                parts[part][key] = value
            candidate = Variant(dict(base.config), parts["pics"], parts["queries"])
            if candidate not in cases.variants and candidate not in found:
                found.append(candidate)
    return found


def _stimuli(spec: SpecSet, machine: Machine) -> list[Step]:
    examples = dict(machine.test.events)
    catalogue = {e.name: e.examples for e in spec.events}
    # A configuration change (ChangeConfiguration, a BootNotification interval) is a stimulus
    # too: "$config" steps switch between the values the spec lists for its tests.
    steps: list[Step] = [("$config", {k: v}) for k, values in machine.test.config for v in values]
    for event in machine.events:
        for msg in examples.get(event) or catalogue.get(event) or ({},):
            steps.append((event, dict(msg)))
    return steps


def derive_cases(spec: SpecSet, machine: Machine) -> ModelCases:
    """Breadth-first search per variant; the first (shortest) witness of each case wins.

    A transition whose guard needs three or more PICS/query values together may fire in no
    pairwise variant; for each such transition the variants that reached its source state
    are searched again with the values its guard reads changed (:func:`_retargeted`), and a
    variant that covered something new joins the variants.
    """
    variants = _variants(spec, machine)
    stimuli = _stimuli(spec, machine)
    cases = ModelCases(list(variants), {}, {}, {}, {})
    memo = _Memo() if _memoisable(machine) else None
    done: list[tuple[Node, dict[tuple[str, str], str], ModelCases]] = []
    for index, variant in enumerate(variants):
        start = _initial_node(machine, variant)
        local = _same_search(done, start, variant, index)
        if local is None:
            local = ModelCases(cases.variants, {}, {}, {}, {})
            reads = _search(machine, variant, index, start, stimuli, local, memo)
            if reads is not None:
                done.append((start, reads, local))
        _merge(cases, local)
    for transition in (t for t in machine.transitions if t.key not in cases.transitions):
        for variant in _retargeted(machine, cases, transition):
            if transition.key in cases.transitions:
                break
            before = _case_count(cases)
            index = len(cases.variants)
            start = _initial_node(machine, variant)
            _search(machine, variant, index, start, stimuli, cases, memo)
            if _case_count(cases) > before:
                cases.variants.append(variant)
    _keep_other_pics_witnesses(machine, cases)
    return cases


_KINDS = ("states", "transitions", "guard_false", "rejections")


def _same_search(
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
            for kind in _KINDS:
                found: dict[str, tuple[Any, ...]] = getattr(local, kind)
                getattr(same, kind).update({k: (index, *w[1:]) for k, w in found.items()})
            return same
    return None


def _merge(cases: ModelCases, local: ModelCases) -> None:
    """Take one variant's cases: new ones as the first witness, the rest as candidates."""
    for kind in _KINDS:
        first: dict[str, Any] = getattr(cases, kind)
        for key, witness in getattr(local, kind).items():
            if key in first:
                cases.more.setdefault((kind, key), []).append(witness)
            else:
                first[key] = witness


def witness_pics(machine: Machine, cases: ModelCases, kind: str, witness: Any) -> dict[str, Any]:
    """The PICS values one witness of a case depends on (see :func:`pics_read`)."""
    variant = cases.variants[witness[0]]
    if kind == "states":
        return pics_read(machine, variant, witness[1])
    if kind == "rejections":
        return pics_read(machine, variant, witness[1], (witness[2], {}))
    return pics_read(machine, variant, witness[1], witness[2])


def _keep_other_pics_witnesses(machine: Machine, cases: ModelCases) -> None:
    """Keep a candidate witness only if it depends on PICS values no kept witness of the same
    case has; the others repeat a test with the same conditions."""
    if not machine.test.pics:
        cases.more.clear()
        return
    for (kind, key), candidates in list(cases.more.items()):
        seen = [witness_pics(machine, cases, kind, getattr(cases, kind)[key])]
        kept = []
        for witness in candidates:
            needs = witness_pics(machine, cases, kind, witness)
            if needs not in seen:
                seen.append(needs)
                kept.append(witness)
        if kept:
            cases.more[(kind, key)] = kept
        else:
            del cases.more[(kind, key)]


def _case_count(cases: ModelCases) -> int:
    parts = (cases.states, cases.transitions, cases.guard_false, cases.rejections)
    return sum(len(part) for part in parts)


def _search(
    machine: Machine,
    variant: Variant,
    index: int,
    start: Node,
    stimuli: list[Step],
    cases: ModelCases,
    memo: _Memo | None = None,
) -> dict[tuple[str, str], str] | None:
    """Breadth-first search of one variant's state space, recording first witnesses in
    ``cases``; returns every PICS item and query answer read on the way (with a memo)."""
    plan = _plan(machine)
    outcome = _Outcomes(plan, variant, memo)
    paths: dict[Node, list[Step]] = {start: []}
    queue = deque([start])
    while queue and len(paths) < MAX_NODES:
        node = queue.popleft()
        path = paths[node]
        cases.states.setdefault(node.state, (index, path))
        rejected = plan.rejected[node.state]
        if rejected is not None:
            cases.rejections.setdefault(node.state, (index, path, rejected))
        for number, (event, msg) in enumerate(stimuli):
            if event == "$config":
                changed = Node(node.state, node.ctx, tuple({**dict(node.config), **msg}.items()))
                if changed not in paths:
                    paths[changed] = [*path, (event, msg)]
                    queue.append(changed)
                continue
            candidates = plan.by_event.get((node.state, event))
            if not candidates:
                continue  # rejected: no transition fires, and no guard has a false side
            result, seen = outcome(node, number, msg, candidates)
            step = (event, msg)
            _record_guard_sides(candidates, seen, node, step, result, index, path, cases)
            if result is None or result.transition is None:
                continue
            key = result.transition.key
            cases.transitions.setdefault(
                key, (index, path, (event, msg), result.node.state, result.effects)
            )
            if result.node not in paths:
                paths[result.node] = [*path, (event, msg)]
                queue.append(result.node)
    return outcome.reads()


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


class _Memo:
    """Outcomes shared by the variants of one machine: (node, stimulus number) → each outcome
    computed so far with the PICS items and query answers it read and the repr of their
    values. Equal key tuples are interned, so a variant computes its values for them once."""

    def __init__(self) -> None:
        self.outcomes: dict[tuple[Node, int], list[tuple[_Keys, tuple[str, ...], _Outcome]]] = {}
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


def _memoisable(machine: Machine) -> bool:
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

    def __init__(self, plan: _Plan, variant: Variant, memo: _Memo | None) -> None:
        self.plan = plan
        self.memo = memo
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

    def __call__(
        self, node: Node, number: int, msg: dict[str, Any], candidates: list[Transition]
    ) -> _Outcome:
        if self.memo is None:
            return self._compute(node, msg, candidates)
        entries = self.memo.outcomes.setdefault((node, number), [])
        for keys, values, found in entries:
            mine = self.values.get(id(keys))
            if mine is None:
                mine = self.values[id(keys)] = tuple(self.known.get(k, "None") for k in keys)
            if mine == values:
                self.used[id(keys)] = (keys, values)
                return found
        self.log.clear()
        found = self._compute(node, msg, candidates)
        reads = dict.fromkeys(self.log)
        keys = tuple((ns, k) for ns, k, _ in reads)
        keys = self.memo.keys.setdefault(keys, keys)
        values = tuple(value for _, _, value in reads)
        entries.append((keys, values, found))
        self.used[id(keys)] = (keys, values)
        return found

    def reads(self) -> dict[tuple[str, str], str] | None:
        """Every PICS item and query answer the outcomes used so far read (None: no memo)."""
        if self.memo is None:
            return None
        return {
            k: v for keys, values in self.used.values() for k, v in zip(keys, values, strict=True)
        }

    def _compute(self, node: Node, msg: dict[str, Any], candidates: list[Transition]) -> _Outcome:
        names = _names(node, self.variant, msg, node.state, node.state)
        seen: dict[str, Any] = {}
        for t in candidates:
            if t.guard is not None:
                try:
                    seen[t.key] = evaluate(t.guard, names)
                except Exception as error:
                    seen[t.key] = _Raised(error)
        for t in candidates:
            if t.guard is None or _value(seen[t.key]):
                return _take(self.plan, self.variant, node, t, msg), seen
        return None, seen


def _record_guard_sides(
    candidates: list[Transition],
    seen: dict[str, Any],
    node: Node,
    step: Step,
    result: Firing | None,
    index: int,
    path: list[Step],
    cases: ModelCases,
) -> None:
    for t in candidates:
        if t.guard is None or t.key in cases.guard_false or _value(seen[t.key]):
            continue
        fired = result.transition.key if result and result.transition else None
        outcome = result.node.state if result else node.state
        cases.guard_false[t.key] = (index, path, step, fired, outcome)
