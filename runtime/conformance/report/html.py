"""A run record as ONE self-contained HTML file: the report a lab keeps as evidence.

Order of the page: what was tested (tool, target — said plainly when it is chargespec's own
reference charge point, not a device —, identity and URL, PICS file, time, totals); the
summaries per feature profile, per PICS item and per spec clause; the PICS performance items;
the coverage when the run measured it; then every case (:mod:`.html_case`), filterable by
verdict. Style and script are inline (:mod:`.html_assets`) and nothing is fetched, so the
file works from ``file://`` on a machine without network.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from runtime.conformance.report.html_assets import SCRIPT, STYLE
from runtime.conformance.report.html_case import badge, case_html
from runtime.conformance.report.html_tables import (
    clause_table,
    coverage_html,
    measurement_table,
    pics_table,
    profile_table,
)
from runtime.conformance.report.summary import VERDICTS, stamp, totals
from runtime.conformance.run_record import RunRecord, Target

__all__ = ["html_report", "write_html"]


_TARGET_KINDS = {
    "reference": "built-in reference charge point (not a device)",
    "external": "external charge point",
}


def _target_html(target: Target) -> str:
    if target.kind == "reference":
        return (
            '<div class="target reference"><strong>Target: the built-in reference charge '
            "point</strong> — chargespec's own runtime, in process, on virtual time. These "
            "results describe chargespec itself, <strong>not a real device</strong>."
            f'<br><span class="muted">{escape(target.description)}</span></div>'
        )
    who = target.identity or "(no identity)"
    where = f" at {escape(target.url)}" if target.url else ""
    backend = f", physical steps by the {escape(target.backend)} tester backend"
    pace = "in real time"
    if target.time_scale != 1:
        pace = f"in real time on its clock, which runs {target.time_scale:g} times faster"
    return (
        f'<div class="target external"><strong>Target: charge point {escape(who)}</strong>'
        f"{where} — a device under test over OCPP-J, {pace}"
        f"{backend if target.backend else ''}</div>"
    )


def _facts(record: RunRecord) -> str:
    target = record.target
    duration = f"{record.finished - record.started:.1f} s" if record.finished else ""
    rows = [
        ("Tool", record.tool),
        ("Spec", record.spec),
        ("Target", _TARGET_KINDS.get(target.kind, target.kind)),
        ("Charge point identity", target.identity),
        ("Charge point URL", target.url),
        ("Tester backend", target.backend),
        ("Time scale", f"{target.time_scale:g}" if target.time_scale != 1.0 else ""),
        ("Timing tolerance", f"{target.tolerance:g} s" if target.tolerance else ""),
        ("PICS file", record.pics_file or "none (every boolean PICS item supported)"),
        ("Started", stamp(record.started)),
        ("Finished", stamp(record.finished) if record.finished else ""),
        ("Duration", duration),
    ]
    cells = "".join(f"<dt>{name}</dt><dd>{escape(value)}</dd>" for name, value in rows if value)
    return f'<dl class="facts">{cells}</dl>'


def _totals_html(record: RunRecord) -> str:
    counts = totals(record.cases)
    shown = " ".join(badge(v, label=f"{counts[v]} {v}") for v in VERDICTS)
    return f'<p class="totals"><strong>{len(record.cases)} cases:</strong> {shown}</p>'


def _filters_html(record: RunRecord) -> str:
    counts = totals(record.cases)
    buttons = "".join(
        f'<button type="button" data-filter="{escape(v)}">{escape(v)} ({counts[v]})</button>'
        for v in VERDICTS
        if counts[v]
    )
    return (
        '<div class="filters">Show: '
        f'<button type="button" data-filter="all">all ({len(record.cases)})</button>'
        f"{buttons}</div>"
    )


def _body(record: RunRecord) -> list[str]:
    parts = [
        f"<h1>Conformance report: {escape(record.spec or 'OCPP 1.6-J')}</h1>",
        _target_html(record.target),
        _facts(record),
        _totals_html(record),
        "<h2>Summary by feature profile</h2>",
        profile_table(record),
        "<h2>Summary by PICS item</h2>",
        pics_table(record),
        "<h2>Summary by spec clause</h2>",
        clause_table(record),
        "<h2>PICS performance items</h2>",
        measurement_table(record.measurements),
    ]
    if record.coverage is not None:
        parts += ["<h2>Coverage</h2>", coverage_html(record.coverage)]
    parts += ["<h2>Cases</h2>", _filters_html(record)]
    parts += [case_html(index, case) for index, case in enumerate(record.cases)]
    return parts


def html_report(record: RunRecord) -> str:
    """The run as one HTML document (no external resources)."""
    title = f"chargespec report: {record.spec} — {stamp(record.started)}"
    body = "\n".join(_body(record))
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )


def write_html(record: RunRecord, path: Path) -> None:
    """Write :func:`html_report` to ``path``."""
    # backslashreplace: a lone surrogate read from an escaped run.json cannot be UTF-8.
    path.write_text(html_report(record), encoding="utf-8", errors="backslashreplace")
