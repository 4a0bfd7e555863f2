"""The summary tables of the HTML report: per feature profile, per PICS item, per spec clause,
the PICS performance items and the transition coverage.

A reader comes with one of these questions — "how did Core go?", "what did declaring
FixedCable = true cost?", "which cases check OCPP 1.6 §4.2?" — and each table answers one, its
cases shown as verdict badges that link to the case below.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from runtime.conformance.report.html_case import anchor, badge
from runtime.conformance.report.summary import (
    VERDICTS,
    by_clause,
    by_pics_item,
    by_profile,
    measurement_status,
    shown_value,
    totals,
)
from runtime.conformance.run_record import CaseRecord, Coverage, Measurement, RunRecord

__all__ = ["clause_table", "coverage_html", "measurement_table", "pics_table", "profile_table"]


def _links(cases: Sequence[CaseRecord], index_of: dict[int, int]) -> str:
    """Each case as a small badge, coloured by verdict, linking to its section."""
    return " ".join(
        badge(
            case.verdict,
            mini=True,
            href=anchor(index_of[id(case)], case),
            label=case.case_id,
        )
        for case in cases
    )


def _indexes(record: RunRecord) -> dict[int, int]:
    return {id(case): index for index, case in enumerate(record.cases)}


def profile_table(record: RunRecord) -> str:
    """Cases per feature profile, counted by verdict."""
    head = "".join(f"<th>{escape(v)}</th>" for v in VERDICTS)
    rows = []
    for profile, cases in by_profile(record.cases).items():
        counts = totals(cases)
        cells = "".join(f'<td class="num">{counts[v] or ""}</td>' for v in VERDICTS)
        rows.append(f"<tr><td>{escape(profile)}</td><td class='num'>{len(cases)}</td>{cells}</tr>")
    return f"<table><tr><th>Feature profile</th><th>cases</th>{head}</tr>{''.join(rows)}</table>"


def pics_table(record: RunRecord) -> str:
    """Per PICS item: the device's declared value and the cases the item gates."""
    index_of = _indexes(record)
    rows = []
    for item, cases in by_pics_item(record.cases).items():
        declared = shown_value(record.pics[item]) if item in record.pics else "—"
        needs = sorted({shown_value(case.pics[item]) for case in cases})
        rows.append(
            f"<tr><td><code>{escape(item)}</code></td><td>{escape(declared)}</td>"
            f"<td>{escape(', '.join(needs))}</td><td>{_links(cases, index_of)}</td></tr>"
        )
    if not rows:
        return '<p class="muted">No case is gated by a PICS item.</p>'
    return (
        "<table><tr><th>PICS item</th><th>declared</th><th>cases need</th><th>cases</th></tr>"
        f"{''.join(rows)}</table>"
    )


def clause_table(record: RunRecord) -> str:
    """Per spec clause cited by a case (grouped by document): the cases and their verdicts."""
    index_of = _indexes(record)
    rows = []
    for document, refs in by_clause(record.cases).items():
        rows.append(f'<tr><th colspan="2">{escape(document)}</th></tr>')
        rows += [
            f"<tr><td>{escape(ref)}</td><td>{_links(cases, index_of)}</td></tr>"
            for ref, cases in refs.items()
        ]
    if not rows:
        return '<p class="muted">No case cites a spec clause.</p>'
    return f"<table><tr><th>Clause</th><th>cases</th></tr>{''.join(rows)}</table>"


def _amount(value: float | None, unit: str) -> str:
    return "—" if value is None else f"{value:g} {unit}".strip()


def _measurement_row(measurement: Measurement) -> str:
    status = measurement_status(measurement)
    verdict = {"ok": "passed", "exceeded": "failed"}.get(status, "not applicable")
    return (
        f"<tr><td><code>{escape(measurement.item)}</code></td>"
        f"<td>{escape(measurement.description)}</td>"
        f"<td class='num'>{escape(_amount(measurement.declared, measurement.unit))}</td>"
        f"<td class='num'>{escape(_amount(measurement.measured, measurement.unit))}</td>"
        f"<td class='num'>{measurement.samples}</td>"
        f"<td>{badge(verdict, label=status)}</td></tr>"
    )


def measurement_table(measurements: Sequence[Measurement]) -> str:
    """The PICS performance items: declared against measured."""
    if not measurements:
        return '<p class="muted">No performance item was measured in this run.</p>'
    rows = "".join(_measurement_row(m) for m in measurements)
    return (
        "<table><tr><th>PICS item</th><th>description</th><th>declared</th><th>measured</th>"
        f"<th>samples</th><th>status</th></tr>{rows}</table>"
    )


def _share(part: int, whole: int) -> str:
    return f"{part} of {whole}" + (f" ({100 * part / whole:.0f} %)" if whole else "")


def _machine_cell(counts: Sequence[int]) -> str:
    """A machine's ``[exercised, total]`` pair, or the numbers as they are."""
    if len(counts) == 2:
        return _share(counts[0], counts[1])
    return ", ".join(str(count) for count in counts)


def coverage_html(coverage: Coverage) -> str:
    """How many spec transitions the run exercised, per machine, and which it did not."""
    parts = [f"<p>Transitions exercised: {_share(coverage.exercised, coverage.total)}.</p>"]
    if coverage.machines:
        rows = "".join(
            f"<tr><td>{escape(name)}</td><td class='num'>{escape(_machine_cell(counts))}</td></tr>"
            for name, counts in sorted(coverage.machines.items())
        )
        parts.append(f"<table><tr><th>Machine</th><th>transitions</th></tr>{rows}</table>")
    if coverage.uncovered:
        items = "".join(f"<li><code>{escape(t)}</code></li>" for t in coverage.uncovered)
        parts.append(
            f"<details><summary>Not exercised ({len(coverage.uncovered)})</summary>"
            f"<ul>{items}</ul></details>"
        )
    return "\n".join(parts)
