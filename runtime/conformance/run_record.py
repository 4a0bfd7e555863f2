"""What one conformance run found, as data: the input of every report (JUnit XML, HTML).

``chargespec test`` fills a :class:`RunRecord` while the cases run and writes it as JSON
(``run.json``); the report writers read only this, so a report can be made again later from
the file alone.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "CaseRecord",
    "Coverage",
    "FrameRecord",
    "Measurement",
    "RunRecord",
    "StepFailure",
    "Target",
    "Verdict",
]

#: passed / failed (the device misbehaved) / inconclusive (a precondition was not reached, or
#: the tester aborted) / not applicable (the PICS rule the case out) / error (the test
#: system itself broke).
Verdict = Literal["passed", "failed", "inconclusive", "not applicable", "error"]


@dataclass
class FrameRecord:
    """One OCPP-J frame: ``direction`` is ">" from the charge point, "<" to it."""

    at: float
    direction: str
    text: str


@dataclass
class StepFailure:
    """The step that did not hold, with what was expected and what came instead.

    Attributes:
        at: where the step is written (``specs/…/core.yaml:42``).
        step: the step in brief (``expect StatusNotification``).
        message: why it failed, in one sentence.
        expected: the expected payload (with its matchers), or None.
        received: the payload that came, or None when nothing came.
        fields: each differing field with its problem (``status: expected 'Finishing', got
            'Available'``); empty when the failure is not about fields.
    """

    at: str
    step: str
    message: str
    expected: Any = None
    received: Any = None
    fields: list[str] = field(default_factory=list)


@dataclass
class CaseRecord:
    """One test case and what became of it."""

    case_id: str
    title: str
    test: str
    kind: str = "scenario"
    profiles: list[str] = field(default_factory=list)
    pics: dict[str, Any] = field(default_factory=dict)
    refs: list[str] = field(default_factory=list)
    source: str = ""
    verdict: Verdict = "passed"
    reason: str = ""
    failure: StepFailure | None = None
    steps: list[str] = field(default_factory=list)
    frames: list[FrameRecord] = field(default_factory=list)
    started: float = 0.0
    duration: float = 0.0
    fired: list[list[str]] = field(default_factory=list)
    """The spec transitions the case took, sorted ``[machine, transition key]`` pairs; only a
    charge point run in process shows them (empty against an external device)."""


@dataclass
class Measurement:
    """A PICS performance item measured on the device against its declared value.

    ``measured`` is None when the run gave no sample; ``samples`` counts them.
    """

    item: str
    description: str
    declared: float | None
    measured: float | None
    unit: str = "s"
    samples: int = 0
    ok: bool | None = None


@dataclass
class Coverage:
    """How many spec transitions the wire-level tests exercised, and which.

    ``fired`` holds the transitions taken as sorted ``[machine, transition key]`` pairs
    (files written before it existed hold only the totals and ``uncovered``).
    """

    total: int = 0
    exercised: int = 0
    machines: dict[str, list[int]] = field(default_factory=dict)
    uncovered: list[str] = field(default_factory=list)
    fired: list[list[str]] = field(default_factory=list)


@dataclass
class Target:
    """What the cases ran against.

    ``kind`` is "reference" (chargespec's own runtime, in process, on virtual time) or
    "external" (a charge point that connected to ``url``).
    """

    kind: str = "reference"
    description: str = "the built-in reference charge point (chargespec runtime, in process)"
    url: str = ""
    identity: str = ""
    backend: str = ""
    time_scale: float = 1.0
    tolerance: float = 0.0


@dataclass
class RunRecord:
    """A whole run: the target, the PICS, every case, the measurements."""

    tool: str
    spec: str
    started: float
    finished: float = 0.0
    target: Target = field(default_factory=Target)
    pics_file: str = ""
    pics: dict[str, Any] = field(default_factory=dict)
    cases: list[CaseRecord] = field(default_factory=list)
    measurements: list[Measurement] = field(default_factory=list)
    coverage: Coverage | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=True, default=str)

    def write(self, path: Path) -> None:
        path.write_text(self.to_json() + "\n", encoding="utf-8")

    @classmethod
    def from_json(cls, text: str) -> RunRecord:
        data = json.loads(text)
        cases = []
        for case in data.pop("cases"):
            failure = case.pop("failure")
            frames = [FrameRecord(**f) for f in case.pop("frames")]
            cases.append(
                CaseRecord(
                    **case,
                    failure=None if failure is None else StepFailure(**failure),
                    frames=frames,
                )
            )
        coverage = data.pop("coverage")
        return cls(
            **{k: v for k, v in data.items() if k not in ("target", "measurements")},
            target=Target(**data["target"]),
            cases=cases,
            measurements=[Measurement(**m) for m in data["measurements"]],
            coverage=None if coverage is None else Coverage(**coverage),
        )

    @classmethod
    def read(cls, path: Path) -> RunRecord:
        return cls.from_json(path.read_text(encoding="utf-8"))
