"""Transition coverage: which spec transitions a run of the conformance tests exercised.

Theory of operation: every generated machine tells its ``on_transition`` hook (machine name,
transition key) of each transition it takes (:class:`runtime.spec.machine.SpecMachine`). A
:class:`TransitionRecorder` is such a hook that keeps the set. While one is recording for the
process (:func:`recording`), an :class:`~runtime.conformance.inprocess.InProcessDut` created
without a hook of its own reports to it, so a whole pytest session of the generated tests is
measured without any test knowing. Recorders nest: a run's recorder of one test case
(:class:`~runtime.conformance.recorder.RunRecorder`) and the session's recorder both hear it.
:func:`coverage` compares the set with every transition of every machine of the registry.

Only a charge point we run ourselves can be measured this way: a real one shows its frames,
not its transitions. ``chargespec sim --coverage FILE`` is such a charge point over a real
socket. Its file, the session's ``CHARGESPEC_COVERAGE`` file and a run record all hold the
fired set; :func:`load_fired` reads any of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from runtime.conformance.run_record import Coverage
from runtime.errors import ChargespecError
from runtime.spec.machine import TransitionHook
from runtime.spec.registry import SpecRegistry

__all__ = [
    "COVERAGE_ENV",
    "CoverageFileError",
    "TransitionRecorder",
    "coverage",
    "fired_pairs",
    "load_fired",
    "process_hook",
    "recording",
    "write_coverage",
]

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


@dataclass(frozen=True)
class _Recorders:
    """Tells several recorders (those active when the DUT was made) of each transition."""

    recorders: tuple[TransitionRecorder, ...]

    def __call__(self, machine: str, key: str) -> None:
        for recorder in self.recorders:
            recorder(machine, key)


_process: list[TransitionRecorder] = []


def process_hook() -> TransitionHook | None:
    """The hook of the recorders active for this process, or None when nothing records.

    One recorder is its own hook; nested ones are told together.
    """
    if len(_process) == 1:
        return _process[0]
    return _Recorders(tuple(_process)) if _process else None


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
    result = Coverage(fired=fired_pairs(seen))
    for binding in registry.machines:
        done = [t for t in binding.transitions if (binding.name, t.key) in seen]
        result.machines[binding.name] = [len(done), len(binding.transitions)]
        result.total += len(binding.transitions)
        result.exercised += len(done)
        result.uncovered += [
            t.label(binding.name) for t in binding.transitions if (binding.name, t.key) not in seen
        ]
    return result


def fired_pairs(fired: Iterable[Fired]) -> list[list[str]]:
    """The fired set as JSON keeps it: sorted ``[machine, transition key]`` pairs."""
    return [[machine, key] for machine, key in sorted(set(fired))]


def write_coverage(path: Path, result: Coverage) -> None:
    """Write a coverage file (the ``CHARGESPEC_COVERAGE`` and ``sim --coverage`` format)."""
    text = json.dumps(asdict(result), indent=1, sort_keys=True)
    path.write_text(text + "\n", encoding="utf-8")


class CoverageFileError(ChargespecError, ValueError):
    """A file given as coverage is not one: it names the file and what was expected."""


_EXPECTED = (
    "expected a run record (chargespec test --record), a CHARGESPEC_COVERAGE file or a "
    "chargespec sim --coverage file"
)


def load_fired(path: Path) -> set[Fired]:
    """The transitions a run fired, from any file that records them.

    Accepts a run record (``chargespec test --record run.json``; its coverage and each
    case's transitions), the file a session of the generated tests writes
    (``CHARGESPEC_COVERAGE``) and the file ``chargespec sim --coverage`` writes. Callers
    merge several files by taking the union.

    Raises:
        CoverageFileError: the file cannot be read, is not JSON, is none of those, or holds
            no fired transitions to read (a run against an external device, or a file
            written before chargespec kept them).
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CoverageFileError(f"{path}: cannot read it ({error.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise CoverageFileError(f"{path}: not JSON; {_EXPECTED}") from None
    if not isinstance(data, dict):
        raise CoverageFileError(f"{path}: not a JSON object; {_EXPECTED}")
    if "cases" in data and "tool" in data:
        return _from_run_record(path, data)
    if {"total", "exercised", "uncovered"} <= data.keys():
        return _pairs(path, data, "the file")
    raise CoverageFileError(f"{path}: neither a run record nor a coverage file; {_EXPECTED}")


def _from_run_record(path: Path, data: dict[str, Any]) -> set[Fired]:
    cases = data["cases"] if isinstance(data["cases"], list) else []
    found: set[Fired] = set()
    for case in cases:
        if isinstance(case, dict) and "fired" in case:
            found |= _pairs(path, case, f"case {case.get('case_id', '?')}")
    total = data.get("coverage")
    if isinstance(total, dict):
        found |= _pairs(path, total, "its coverage")
    elif not found:
        raise CoverageFileError(
            f"{path}: a run record without transition coverage; only a run of the reference "
            "charge point in process records transitions (a real device shows only frames; "
            "for our simulator use chargespec sim --coverage FILE)"
        )
    return found


def _pairs(path: Path, data: dict[str, Any], where: str) -> set[Fired]:
    """The ``fired`` list of ``data``, checked."""
    if "fired" not in data:
        raise CoverageFileError(
            f"{path}: {where} holds only totals, no fired transitions (written by an older "
            "chargespec); run it again"
        )
    fired = data["fired"]
    good = isinstance(fired, list) and all(
        isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)
        for pair in fired
    )
    if not good:
        raise CoverageFileError(
            f"{path}: {where}: 'fired' is not a list of [machine, transition key] pairs"
        )
    return {(machine, key) for machine, key in fired}
