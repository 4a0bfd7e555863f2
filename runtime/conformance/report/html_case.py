"""One test case in the HTML report: verdict, reason, the failing step, transcript, frames.

A failure is shown the way a lab engineer reads it: the step and where it is written, the
differing fields named one per line, then the expected and the received payloads side by
side with exactly those fields highlighted (``StepFailure.fields`` carries their paths). The
payloads are never the message itself. Every text from the run — payloads, frames, reasons,
a charge point's identity — is escaped with :func:`html.escape`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Set
from html import escape
from typing import Any

from runtime.conformance.report.summary import (
    case_start,
    field_path,
    frame_parts,
    shown_value,
    stamp,
    verdict_reason,
)
from runtime.conformance.run_record import CaseRecord, FrameRecord, StepFailure

__all__ = ["anchor", "badge", "case_html", "payload_html"]

Path = tuple[str | int, ...]


def anchor(index: int, case: CaseRecord) -> str:
    """The fragment id of a case's section (unique: the index comes first)."""
    return f"case-{index}-" + re.sub(r"[^A-Za-z0-9_-]", "-", case.case_id)


def badge(verdict: str, *, mini: bool = False, href: str = "", label: str = "") -> str:
    """A verdict badge; a link to ``href`` when given, labelled ``label`` (else the verdict)."""
    classes = f"badge v-{verdict.replace(' ', '-')}" + (" mini" if mini else "")
    text = escape(label or verdict)
    if href:
        return f'<a class="{classes}" href="#{escape(href)}" title="{escape(verdict)}">{text}</a>'
    return f'<span class="{classes}">{text}</span>'


def _scalar(value: Any) -> str:
    return escape(json.dumps(value, ensure_ascii=False, default=str))


def _entry(text: str, path: Path, marked: Set[Path]) -> str:
    return f'<mark class="diff">{text}</mark>' if path in marked else text


def _items(value: dict[str, Any] | list[Any], path: Path, marked: Set[Path], depth: int) -> str:
    pad = "  " * (depth + 1)
    entries = []
    if isinstance(value, dict):
        for key, item in value.items():
            inner = _render(item, (*path, key), marked, depth + 1)
            entries.append(pad + _entry(f"{_scalar(key)}: {inner}", (*path, key), marked))
    else:
        for index, item in enumerate(value):
            inner = _render(item, (*path, index), marked, depth + 1)
            entries.append(pad + _entry(inner, (*path, index), marked))
    return ",\n".join(entries)


def _render(value: Any, path: Path, marked: Set[Path], depth: int) -> str:
    """JSON text of ``value`` indented like ``json.dumps(indent=2)``, the entries at the
    ``marked`` paths wrapped in ``<mark class="diff">``."""
    if not isinstance(value, dict | list) or not value:
        return _scalar(value)
    opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
    body = _items(value, path, marked, depth)
    return f"{opening}\n{body}\n{'  ' * depth}{closing}"


def payload_html(value: Any, marked: Set[Path] = frozenset()) -> str:
    """A payload as an escaped ``<pre>`` block with the differing fields highlighted."""
    if value is None:
        return '<pre class="muted">nothing</pre>'
    text = _render(value, (), marked, 0)
    return f"<pre>{_entry(text, (), marked)}</pre>"


def _field_item(problem: str) -> str:
    if ": " not in problem or not field_path(problem):
        return f"<li>{escape(problem)}</li>"
    name, rest = problem.split(": ", 1)
    return f'<li><code class="field">{escape(name)}</code>: {escape(rest)}</li>'


def _failure_html(failure: StepFailure) -> str:
    where = f' <span class="muted">at {escape(failure.at)}</span>' if failure.at else ""
    parts = [
        '<div class="failure">',
        f"<p><strong>Failing step:</strong> <code>{escape(failure.step)}</code>{where}</p>",
        f"<p>{escape(failure.message)}</p>",
    ]
    if failure.fields:
        parts.append("<p><strong>Differing fields:</strong></p><ul>")
        parts += [_field_item(problem) for problem in failure.fields]
        parts.append("</ul>")
    if failure.expected is not None or failure.received is not None:
        marked = {path for path in map(field_path, failure.fields) if path}
        parts += [
            '<div class="payloads">',
            f"<div><h4>Expected</h4>{payload_html(failure.expected, marked)}</div>",
            f"<div><h4>Received</h4>{payload_html(failure.received, marked)}</div>",
            "</div>",
        ]
    parts.append("</div>")
    return "\n".join(parts)


def _meta(case: CaseRecord) -> str:
    rows = [
        ("Profiles", ", ".join(case.profiles)),
        ("PICS", ", ".join(f"{k} = {shown_value(v)}" for k, v in case.pics.items())),
        ("References", "; ".join(case.refs)),
        ("Source", case.source),
        ("Test", case.test),
        ("Started", stamp(case.started) if case.started else ""),
    ]
    shown = "".join(f"<dt>{name}</dt><dd>{escape(value)}</dd>" for name, value in rows if value)
    return f'<dl class="meta">{shown}</dl>' if shown else ""


def _steps_html(case: CaseRecord) -> str:
    if not case.steps:
        return ""
    is_open = " open" if case.verdict in ("failed", "error", "inconclusive") else ""
    items = "".join(f"<li>{escape(step)}</li>" for step in case.steps)
    return (
        f"<details{is_open}><summary>Steps ({len(case.steps)})</summary>"
        f'<ol class="steps">{items}</ol></details>'
    )


def _frame_row(frame: FrameRecord, start: float) -> str:
    when, offset, arrow = frame_parts(frame, start)
    return (
        f"<tr><td>{escape(when)}</td><td>{escape(offset)}</td>"
        f'<td>{escape(arrow)}</td><td class="text">{escape(frame.text)}</td></tr>'
    )


def _frames_html(case: CaseRecord) -> str:
    if not case.frames:
        return ""
    start = case_start(case, case.frames)
    rows = "".join(_frame_row(frame, start) for frame in case.frames)
    return (
        f"<details><summary>Frame log ({len(case.frames)} frames)</summary>"
        '<table class="frames"><tr><th>Time (UTC)</th><th>Offset</th><th>Direction</th>'
        f"<th>Frame</th></tr>{rows}</table></details>"
    )


def case_html(index: int, case: CaseRecord) -> str:
    """The ``<section>`` of one case (``data-verdict`` is what the filter buttons match)."""
    title = f" {escape(case.title)}" if case.title else ""
    parts = [
        f'<section class="case" id="{anchor(index, case)}" data-verdict="{escape(case.verdict)}">',
        f"<h3>{badge(case.verdict)} <code>{escape(case.case_id)}</code>{title}"
        f' <span class="duration">{case.duration:.3f} s</span></h3>',
    ]
    if case.verdict != "passed":
        parts.append(f'<p class="reason">{escape(verdict_reason(case))}</p>')
    parts.append(_meta(case))
    if case.failure is not None:
        parts.append(_failure_html(case.failure))
    parts += [_steps_html(case), _frames_html(case), "</section>"]
    return "\n".join(part for part in parts if part)
