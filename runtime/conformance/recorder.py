"""pytest plugin: fills a :class:`~runtime.conformance.run_record.RunRecord` as the
generated conformance tests run, one :class:`CaseRecord` per test.

It reads what a test declares (its ``case`` and ``pics`` marks, its docstring's title,
source and refs), what became of it (passed, failed, inconclusive, not applicable, error)
and what :func:`~runtime.conformance.play.play_case` kept of it (transcript, frames, the
failing step). Tests the PICS selection deselected are recorded as not applicable with the
reason. Each case also keeps the spec transitions an in-process charge point took while it
ran (:func:`~runtime.conformance.coverage.recording`; nothing against an external device).
"""

from __future__ import annotations

import re
import time
from contextlib import ExitStack
from typing import Any

from runtime.conformance.applicability import marker_conditions
from runtime.conformance.case_log import LOGS
from runtime.conformance.coverage import TransitionRecorder, fired_pairs, recording
from runtime.conformance.play import INCONCLUSIVE
from runtime.conformance.run_record import CaseRecord, RunRecord, StepFailure
from runtime.spec.applicability import inapplicable_reason
from runtime.spec.registry import SpecRegistry

__all__ = ["RunRecorder"]

_REFS = re.compile(r"Refs: (.*?)\.?\s*$", re.S)
_SOURCE = re.compile(r"Source: (\S+?)\.?(\s|$)")


def _doc_parts(doc: str) -> tuple[str, str, list[str]]:
    """(title, source, refs) of a generated test's docstring."""
    first = doc.strip().splitlines()[0] if doc.strip() else ""
    title = first.split(": ", 1)[1].rstrip(".") if ": " in first else first
    source = (m.group(1) if (m := _SOURCE.search(doc)) else "").rstrip(".")
    refs_text = m.group(1) if (m := _REFS.search(doc)) else ""
    refs = [r.strip() for r in " ".join(refs_text.split()).split(", ") if r.strip()]
    return title, source, refs


class RunRecorder:
    """Records every collected test of the run into ``record``.

    Args:
        record: the run record to fill (target and PICS already set).
        registry: the spec set, for the feature profiles of a case's conditions.
        device: the device's PICS (None: the reference run, where every test is selected).
    """

    def __init__(
        self, record: RunRecord, registry: SpecRegistry, device: dict[str, Any] | None
    ) -> None:
        self.record = record
        self.device = device
        self._profiles = {info.profile for info in registry.messages.values()}
        self._cases: dict[str, CaseRecord] = {}
        self._started: dict[str, float] = {}
        self._fired: dict[str, TransitionRecorder] = {}
        self._recording = ExitStack()

    def _case(self, item: Any) -> CaseRecord:
        mark = item.get_closest_marker("case")
        case_id = str(mark.args[0]) if mark is not None else item.nodeid.split("::")[-1]
        conditions = marker_conditions(item.iter_markers("pics"))
        title, source, refs = _doc_parts(getattr(item.obj, "__doc__", None) or "")
        return CaseRecord(
            case_id=case_id,
            title=title,
            test=item.nodeid,
            kind="scenario"
            if item.get_closest_marker("case") and "model " not in case_id
            else "model",
            profiles=sorted(k for k, v in conditions.items() if k in self._profiles and v),
            pics=dict(conditions),
            refs=refs,
            source=source,
        )

    def pytest_collection_modifyitems(self, config: Any, items: list[Any]) -> None:
        """Record every test, the ones the device's PICS rule out as not applicable."""
        for item in items:
            case = self._case(item)
            self._cases[item.nodeid] = case
            self.record.cases.append(case)
            if self.device is not None:
                reason = inapplicable_reason(case.pics, self.device)
                if reason is not None:
                    case.verdict, case.reason = "not applicable", reason

    def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
        """The case starts (before its fixtures): note when, record its transitions."""
        self._started[nodeid] = time.time()
        self._recording.close()
        self._fired[nodeid] = self._recording.enter_context(recording())

    def pytest_runtest_logfinish(self, nodeid: str, location: Any) -> None:
        """The case is over (after its teardown): keep the transitions it took."""
        self._recording.close()
        case = self._cases.get(nodeid)
        recorder = self._fired.pop(nodeid, None)
        if case is not None and recorder is not None:
            case.fired = fired_pairs(recorder.fired)

    def pytest_runtest_logreport(self, report: Any) -> None:
        """The verdict of a test from its reports (setup, call, teardown)."""
        case = self._cases.get(report.nodeid)
        if case is None:
            return
        case.started = self._started.get(report.nodeid, 0.0)
        case.duration += float(getattr(report, "duration", 0.0))
        if report.skipped:
            reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else ""
            reason = reason.removeprefix("Skipped: ")
            inconclusive = reason.startswith(INCONCLUSIVE)
            case.verdict = "inconclusive" if inconclusive else "not applicable"
            case.reason = reason.removeprefix(INCONCLUSIVE) if inconclusive else reason
        elif report.failed:
            case.verdict = "failed" if report.when == "call" else "error"
            case.reason = _first_line(report)
        self._attach_log(case, report)

    def _attach_log(self, case: CaseRecord, report: Any) -> None:
        log = LOGS.get(case.case_id)
        if log is None or report.when != "call":
            return
        case.steps = list(log.lines)
        case.frames = list(log.frames)
        if log.failure is not None:
            case.failure = log.failure
            case.reason = log.failure.message if case.verdict != "inconclusive" else case.reason
        elif case.verdict == "failed":
            case.failure = StepFailure(at=case.source, step="", message=case.reason)


def _kind(case_id: str) -> str:
    """scenario (a written test case), wire (derived from the machines, checked on the
    wire) or model (a regression test of the machines' internal states)."""
    if case_id.startswith("model "):
        return "model"
    return "wire" if case_id.startswith("WIRE ") else "scenario"


def _first_line(report: Any) -> str:
    """The assertion's first line (generated model tests fail with a plain AssertionError)."""
    crash = getattr(report.longrepr, "reprcrash", None)
    text = str(crash.message) if crash is not None else str(report.longrepr)
    return text.splitlines()[0] if text else "failed"
