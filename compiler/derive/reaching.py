"""Which generated tests reach each transition, and an event path to one that none reaches.

For a coverage view: next to a transition a run did not exercise, name the tests that would
have. Two kinds of generated test fire transitions:

- the wire tests (``generated/tests/<spec>/test_wire_<machine>.py``), one per transition a
  wire-level path from Booted drives (:func:`compiler.derive.wire.derive_wire`, cheap), named
  after the transition it drives;
- the compiler regression tests (``generated/regression/<spec>/test_model_<machine>.py``),
  each playing an event path on the machine alone. Their paths come from a breadth-first
  search that takes seconds on the large machines, so they are read back from the modules the
  build wrote (drift-checked, so they are the spec's) and replayed with the spec's own
  semantics (:func:`compiler.derive.semantics.fire`) to see every transition on the way.

:func:`event_path` gives the event path to one transition: a prefix of a regression test's
path when one fires it, else a search.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compiler.derive.paths import stimuli_of, variants_of
from compiler.derive.search import MAX_NODES
from compiler.derive.semantics import (
    Node,
    Step,
    Variant,
    by_source_and_event,
    fire,
    initial_node,
)
from compiler.derive.wire import Resolve, derive_wire
from compiler.ir import Machine, SpecSet
from compiler.naming import snake

__all__ = [
    "EventPath",
    "Fired",
    "event_path",
    "event_paths",
    "reaching_tests",
    "regression_paths",
]

Fired = tuple[str, str]
"""(machine name, transition key), as the runtime's transition hook reports it."""

# The parametrized regression tests and the positional arguments holding the event path and
# the step after it (None: the test plays the path only).
_REGRESSION = {
    "test_state_reached": (1, None),
    "test_transition_fires": (1, 2),
    "test_guard_false_side": (1, 2),
    "test_event_rejected": (1, None),
}


@dataclass(frozen=True, slots=True)
class EventPath:
    """Events that take a fresh machine through a transition: ``steps[-1]`` fires it.

    Attributes:
        pics: the PICS values the path was found with.
        config: the configuration it starts from (``$config`` steps change it on the way).
        queries: the station's answers to the spec's queries (station.yaml).
        steps: (event, message) pairs; ``("$config", {key: value})`` is a configuration change.
    """

    pics: dict[str, Any]
    config: dict[str, Any]
    queries: dict[str, Any]
    steps: tuple[Step, ...]


def _ascii_id(text: str) -> str:
    """A parametrize id as pytest writes it in node ids (non-ASCII escaped)."""
    return text.encode("unicode_escape").decode("ascii") if not text.isascii() else text


def _wire_tests(spec: SpecSet, machine: Machine, resolve: Resolve) -> Iterator[tuple[str, str]]:
    """(transition key, node id) of each wire test of ``machine``."""
    folder = f"generated/tests/{spec.manifest.spec}"
    module = f"{folder}/test_wire_{machine.module}.py"
    for case in derive_wire(spec, machine, resolve).cases:
        yield case.transition.key, f"{module}::test_{snake(case.scenario.id)}"


def regression_paths(text: str) -> Iterator[tuple[str, Variant, list[Step]]]:
    """Each regression test of a generated ``test_model_<machine>.py`` with what it plays.

    Args:
        text: the module's source.

    Yields:
        (``test_function[id]``, the variant, the event path and the step after it, if any).
    """
    tree = ast.parse(text)
    variants: list[Variant] = []
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and ast.unparse(node.target) == "VARIANTS":
            assert node.value is not None
            variants = [Variant(**v) for v in ast.literal_eval(node.value)]
        if not isinstance(node, ast.FunctionDef) or node.name not in _REGRESSION:
            continue
        path_at, step_at = _REGRESSION[node.name]
        for param in _params(node):
            values = [ast.literal_eval(arg) for arg in param.args]
            ident = next(ast.literal_eval(k.value) for k in param.keywords if k.arg == "id")
            steps = [*values[path_at], *([values[step_at]] if step_at is not None else [])]
            yield f"{node.name}[{_ascii_id(ident)}]", variants[values[0]], steps


def _params(function: ast.FunctionDef) -> Iterator[ast.Call]:
    """The ``pytest.param(...)`` calls of a function's ``parametrize`` decorator."""
    for decorator in function.decorator_list:
        if isinstance(decorator, ast.Call) and ast.unparse(decorator.func).endswith("parametrize"):
            listed = decorator.args[1]
            if isinstance(listed, ast.List):
                yield from (p for p in listed.elts if isinstance(p, ast.Call))


def _replay(machine: Machine, variant: Variant, steps: list[Step]) -> list[str]:
    """The keys of the transitions the steps fire, in order, from a fresh machine."""
    return [key for _, key in _firings(machine, variant, steps)]


def _firings(machine: Machine, variant: Variant, steps: list[Step]) -> list[tuple[int, str]]:
    """(index of the step, key) of each transition the steps fire, from a fresh machine."""
    index = by_source_and_event(machine)
    node = initial_node(machine, variant)
    found: list[tuple[int, str]] = []
    for position, (event, msg) in enumerate(steps):
        if event == "$config":
            node = Node(node.state, node.ctx, tuple({**dict(node.config), **msg}.items()))
            continue
        firing = fire(machine, variant, node, event, msg, index)
        if firing is None or firing.transition is None:
            continue  # rejected: the machine stays (a rejection test ends so)
        found.append((position, firing.transition.key))
        node = firing.node
    return found


def _regression_module(spec: SpecSet, machine: Machine, generated: Path) -> str | None:
    path = generated / f"regression/{spec.manifest.spec}/test_model_{machine.module}.py"
    return path.read_text(encoding="utf-8") if path.is_file() else None


def _regression_tests(
    spec: SpecSet, machine: Machine, generated: Path
) -> Iterator[tuple[str, str, bool]]:
    """(transition key, node id, whether it is the test's last step) of each regression test."""
    text = _regression_module(spec, machine, generated)
    if text is None:
        return
    module = f"generated/regression/{spec.manifest.spec}/test_model_{machine.module}.py"
    for test, variant, steps in regression_paths(text):
        keys = _replay(machine, variant, steps)
        for position, key in enumerate(keys):
            yield key, f"{module}::{test}", position == len(keys) - 1


def reaching_tests(
    spec: SpecSet, resolve: Resolve, generated: Path | None = None
) -> dict[Fired, tuple[str, ...]]:
    """The pytest node ids of the generated tests that fire each transition.

    Args:
        spec: the spec set.
        resolve: writes out a scenario's setup steps, as for
            :func:`compiler.derive.wire.derive_wire` (the pipeline passes
            ``partial(resolve_scenario, spec.test_states)``).
        generated: the ``generated/`` folder the build wrote; its regression modules add the
            regression tests. Without it, only the wire tests are named.

    Returns:
        (machine name, transition key) → node ids (relative to the repository root): the
        tests that end by firing it first (the wire test driving it, then regression tests),
        then the regression tests whose path passes through it. A transition no test fires
        is absent (see :func:`event_path`). The wire tests' own setup and path are not
        followed (only the transition each drives); which hand-written scenarios fire what
        is known only from a run (the run record's per-case ``fired``).
    """
    found: dict[Fired, tuple[set[str], set[str]]] = {}

    def add(machine: Machine, key: str, test: str, last: bool) -> None:
        last_ones, passing = found.setdefault((machine.name, key), (set(), set()))
        (last_ones if last else passing).add(test)

    for machine in spec.machines:
        for key, test in _wire_tests(spec, machine, resolve):
            add(machine, key, test, True)
        if generated is not None:
            for key, test, last in _regression_tests(spec, machine, generated):
                add(machine, key, test, last)
    return {
        fired: (*sorted(last, key=_wire_first), *sorted(passing - last, key=_wire_first))
        for fired, (last, passing) in sorted(found.items())
    }


def _wire_first(test: str) -> tuple[bool, str]:
    """Conformance (wire) tests before the compiler's regression tests, then by name."""
    return not test.startswith("generated/tests/"), test


def event_path(
    spec: SpecSet, machine_name: str, key: str, generated: Path | None = None
) -> EventPath | None:
    """The shortest event path from a fresh machine that ends by firing the transition ``key``.

    With ``generated``, the paths of the build's regression tests are tried first (the
    shortest prefix of one that fires it; milliseconds). Otherwise, or when none fires it, a
    breadth-first search per PICS variant (bounded by :data:`compiler.derive.search.MAX_NODES`
    states each; up to about a second on the large machines).

    Returns:
        the path, or None when no regression test and no bounded search fires it.

    Raises:
        KeyError: no machine ``machine_name`` in ``spec``.
    """
    machine = {m.name: m for m in spec.machines}[machine_name]
    text = _regression_module(spec, machine, generated) if generated is not None else None
    found = _from_regression(machine, text).get(key) if text is not None else None
    if found is not None:
        return found
    stimuli = stimuli_of(spec, machine)
    index = by_source_and_event(machine)
    for variant in variants_of(spec, machine):
        steps = search(machine, variant, stimuli, index, key)
        if steps is not None:
            return EventPath(variant.pics, variant.config, variant.queries, tuple(steps))
    return None


def _from_regression(machine: Machine, text: str) -> dict[str, EventPath]:
    """Transition key → the shortest prefix of a regression test's path that fires it."""
    best: dict[str, EventPath] = {}
    for _, variant, steps in regression_paths(text):
        for position, key in _firings(machine, variant, steps):
            if key not in best or position + 1 < len(best[key].steps):
                prefix = tuple(steps[: position + 1])
                best[key] = EventPath(variant.pics, variant.config, variant.queries, prefix)
    return best


def event_paths(spec: SpecSet, generated: Path) -> dict[Fired, EventPath]:
    """:func:`event_path` from the regression tests for every transition at once (one read of
    each module; well under a second for the whole spec set).

    Returns:
        (machine name, transition key) → path, for each transition a regression test fires.
    """
    found: dict[Fired, EventPath] = {}
    for machine in spec.machines:
        text = _regression_module(spec, machine, generated)
        if text is not None:
            paths = _from_regression(machine, text)
            found |= {(machine.name, key): path for key, path in sorted(paths.items())}
    return found


def search(
    machine: Machine,
    variant: Variant,
    stimuli: list[Step],
    index: dict[tuple[str, str], Any],
    key: str,
) -> list[Step] | None:
    """Breadth-first from the initial node until a step fires ``key``."""
    start = initial_node(machine, variant)
    paths: dict[Node, list[Step]] = {start: []}
    queue = deque([start])
    while queue and len(paths) < MAX_NODES:
        node = queue.popleft()
        for event, msg in stimuli:
            if event == "$config":
                after = Node(node.state, node.ctx, tuple({**dict(node.config), **msg}.items()))
            else:
                firing = fire(machine, variant, node, event, msg, index)
                if firing is None or firing.transition is None:
                    continue
                if firing.transition.key == key:
                    return [*paths[node], (event, msg)]
                after = firing.node
            if after not in paths:
                paths[after] = [*paths[node], (event, msg)]
                queue.append(after)
    return None
