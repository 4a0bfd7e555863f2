"""Derive tests from a machine's IR by searching its state space with the expression
interpreter (XState's graph-path idea): the shortest event path to every state, a firing of
every transition with the effects it must produce, the false side of every guard, and an
event each state must reject.

The search runs the spec's own semantics (guards, context assignments, configuration writes)
independently of the generated code, so the generated tests compare two implementations.
"""

from __future__ import annotations

import gc
import itertools
from typing import Any

from compiler.derive.search import KINDS, Memo, ModelCases, memoisable, same_search, search
from compiler.derive.semantics import Node, Step, Variant, initial_node, pics_read
from compiler.ir import Machine, SpecSet, Transition

__all__ = [
    "ModelCases",
    "Step",
    "Variant",
    "derive_cases",
    "pics_read",
    "stimuli_of",
    "variants_of",
    "witness_pics",
]

# Up to this many PICS/query combinations every one is a variant; above it, pairwise.
_FULL_PRODUCT_LIMIT = 16


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


def variants_of(spec: SpecSet, machine: Machine) -> list[Variant]:
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


def stimuli_of(spec: SpecSet, machine: Machine) -> list[Step]:
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
    # The search makes millions of small tuples and dicts, none in a reference cycle: the
    # cyclic garbage collector, triggered by those allocations, would take half its time.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _derive_cases(spec, machine)
    finally:
        if enabled:
            gc.enable()


def _derive_cases(spec: SpecSet, machine: Machine) -> ModelCases:
    variants = variants_of(spec, machine)
    stimuli = stimuli_of(spec, machine)
    cases = ModelCases(list(variants), {}, {}, {}, {})
    memo = Memo() if memoisable(machine) else None
    done: list[tuple[Node, dict[tuple[str, str], str], ModelCases]] = []
    for index, variant in enumerate(variants):
        start = initial_node(machine, variant)
        local = same_search(done, start, variant, index)
        if local is None:
            local = ModelCases(cases.variants, {}, {}, {}, {})
            reads = search(machine, variant, index, start, stimuli, local, memo)
            if reads is not None:
                done.append((start, reads, local))
        _merge(cases, local)
    for transition in (t for t in machine.transitions if t.key not in cases.transitions):
        for variant in _retargeted(machine, cases, transition):
            if transition.key in cases.transitions:
                break
            before = _case_count(cases)
            index = len(cases.variants)
            start = initial_node(machine, variant)
            search(machine, variant, index, start, stimuli, cases, memo)
            if _case_count(cases) > before:
                cases.variants.append(variant)
    _keep_other_pics_witnesses(machine, cases)
    return cases


def _merge(cases: ModelCases, local: ModelCases) -> None:
    """Take one variant's cases: new ones as the first witness, the rest as candidates."""
    for kind in KINDS:
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
