"""Transition coverage: which spec transitions a run of the conformance tests exercised.

Theory of operation: every generated machine tells its ``on_transition`` hook (machine name,
transition key) of each transition it takes (:class:`runtime.spec.machine.SpecMachine`). A
:class:`TransitionRecorder` is such a hook that keeps the set. While one is recording for the
process (:func:`recording`), an :class:`~runtime.conformance.inprocess.InProcessDut` created
without a hook of its own reports to it, so a whole pytest session of the generated tests is
measured without any test knowing. :func:`coverage` compares the set with every transition of
every machine of the registry. Only a charge point we run ourselves can be measured this way:
a real one shows its frames, not its transitions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from runtime.conformance.run_record import Coverage
from runtime.spec.machine import TransitionHook
from runtime.spec.registry import SpecRegistry

__all__ = ["COVERAGE_ENV", "TransitionRecorder", "coverage", "process_hook", "recording"]

#: Names the file a session of the generated tests writes its coverage to (JSON).
COVERAGE_ENV = "CHARGESPEC_COVERAGE"

Fired = tuple[str, str]
"""(machine name, transition key)."""


@dataclass
class TransitionRecorder:
    """A transition hook that keeps the set of transitions fired."""

    fired: set[Fired] = field(default_factory=set)

    def __call__(self, machine: str, key: str) -> None:
        self.fired.add((machine, key))


_process: list[TransitionRecorder] = []


def process_hook() -> TransitionHook | None:
    """The hook of the recorder active for this process, or None when nothing records."""
    return _process[-1] if _process else None


@contextmanager
def recording(recorder: TransitionRecorder | None = None) -> Iterator[TransitionRecorder]:
    """Record the transitions of every in-process DUT created inside the block.

    Args:
        recorder: the recorder to add to (a session's); a new one by default.
    """
    active = recorder if recorder is not None else TransitionRecorder()
    _process.append(active)
    try:
        yield active
    finally:
        _process.remove(active)


def coverage(registry: SpecRegistry, fired: Iterable[Fired]) -> Coverage:
    """How many of the registry's transitions are among ``fired``.

    Returns:
        the totals, ``[exercised, total]`` per machine, and each transition not exercised as
        ``<Machine> <id> <source> --<event>--> <target> (file:line)``.
    """
    seen = set(fired)
    result = Coverage()
    for binding in registry.machines:
        done = [t for t in binding.transitions if (binding.name, t.key) in seen]
        result.machines[binding.name] = [len(done), len(binding.transitions)]
        result.total += len(binding.transitions)
        result.exercised += len(done)
        result.uncovered += [
            t.label(binding.name) for t in binding.transitions if (binding.name, t.key) not in seen
        ]
    return result
