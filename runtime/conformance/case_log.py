"""What the last run of each case showed, for the run's report.

:func:`runtime.conformance.play.play_case` records here, per case id, the transcript, the
frames and the failure; ``chargespec test``'s pytest plugin reads it after each test (both
run in the same process) to fill the :class:`~runtime.conformance.run_record.RunRecord`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from runtime.conformance.run_record import FrameRecord, StepFailure

__all__ = ["LOGS", "CaseLog"]


@dataclass
class CaseLog:
    """One case as it was played."""

    lines: list[str] = field(default_factory=list)
    frames: list[FrameRecord] = field(default_factory=list)
    failure: StepFailure | None = None
    inconclusive: str = ""


#: The log of each case played in this process, by case id.
LOGS: dict[str, CaseLog] = {}
