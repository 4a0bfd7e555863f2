"""A run record as JUnit XML, the format CI servers and test-management tools import.

Layout (the de-facto schema of Jenkins, GitLab and pytest's ``--junitxml``):

- ``<testsuites>`` holds the totals and one ``<testsuite>`` per feature profile (a case's
  first profile; its spec file when it has none), whose ``<properties>`` name the tool, the
  target and the PICS file, so the XML alone says what was tested;
- one ``<testcase classname="<spec>.<suite>" name="TC_001_CS: Cold boot charge point">`` per
  case, its ``<properties>`` holding the verdict, the PICS conditions (``pics.Item``), the
  references (``ref``, one each) and the source position;
- failed: ``<failure>`` (the failing step, the differing fields, the payloads, the
  transcript); error: ``<error>``; not applicable: ``<skipped>``; inconclusive:
  ``<skipped type="inconclusive">`` — a tool that knows no inconclusive shows it as skipped,
  never as passed;
- the case's frame log in ``<system-out>``.

XML 1.0 cannot carry most control characters even escaped, and a charge point may send any;
they are written as visible ``\\xNN`` text so the file always parses.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from runtime.conformance.report.summary import (
    case_start,
    frame_line,
    shown_value,
    stamp,
    suite_of,
    totals,
    verdict_reason,
)
from runtime.conformance.run_record import CaseRecord, RunRecord, StepFailure

__all__ = ["junit_xml", "write_junit"]

# Characters XML 1.0 §2.2 does not allow (tab, newline and carriage return are allowed).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _sub(parent: ET.Element, tag: str, text: str = "", **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: _clean(v) for k, v in attributes.items()})
    if text:
        element.text = _clean(text)
    return element


def _properties(parent: ET.Element, rows: list[tuple[str, str]]) -> None:
    if rows:
        properties = _sub(parent, "properties")
        for name, value in rows:
            _sub(properties, "property", name=name, value=value)


def _run_properties(record: RunRecord) -> list[tuple[str, str]]:
    target = record.target
    rows = [
        ("tool", record.tool),
        ("spec", record.spec),
        ("target.kind", target.kind),
        ("target.description", target.description),
        ("target.identity", target.identity),
        ("target.url", target.url),
        ("target.backend", target.backend),
        ("pics_file", record.pics_file),
        ("started", stamp(record.started)),
    ]
    return [(name, value) for name, value in rows if value]


def _case_properties(case: CaseRecord) -> list[tuple[str, str]]:
    rows = [("verdict", case.verdict), ("kind", case.kind)]
    rows += [("profile", profile) for profile in case.profiles]
    rows += [(f"pics.{item}", shown_value(value)) for item, value in case.pics.items()]
    rows += [("ref", ref) for ref in case.refs]
    rows += [("source", case.source), ("test", case.test)]
    if case.verdict != "passed":
        rows.append(("reason", verdict_reason(case)))
    return [(name, value) for name, value in rows if value]


def _payload(value: Any) -> str:
    return "nothing" if value is None else json.dumps(value, sort_keys=True, default=str)


def _failure_text(failure: StepFailure) -> list[str]:
    lines = [f"step: {failure.step}" + (f" ({failure.at})" if failure.at else "")]
    lines.append(failure.message)
    if failure.fields:
        lines.append("differing fields:")
        lines += [f"  - {problem}" for problem in failure.fields]
    if failure.expected is not None:
        lines.append(f"expected: {_payload(failure.expected)}")
    lines.append(f"received: {_payload(failure.received)}")
    return lines


def _details(case: CaseRecord) -> str:
    lines = [verdict_reason(case)]
    if case.failure is not None:
        lines += ["", *_failure_text(case.failure)]
    if case.steps:
        lines += ["", "transcript:", *(f"  {step}" for step in case.steps)]
    return "\n".join(lines) + "\n"


def _outcome(element: ET.Element, case: CaseRecord) -> None:
    """The child that tells a CI tool the verdict; a passed case has none."""
    message = verdict_reason(case)
    if case.verdict == "failed":
        short = case.failure.message if case.failure else message
        _sub(element, "failure", _details(case), message=short, type="failed")
    elif case.verdict == "error":
        _sub(element, "error", _details(case), message=message, type="error")
    elif case.verdict == "inconclusive":
        _sub(element, "skipped", _details(case), message=message, type="inconclusive")
    elif case.verdict == "not applicable":
        _sub(element, "skipped", message=message, type="not applicable")


def _testcase(parent: ET.Element, classname: str, case: CaseRecord) -> None:
    element = _sub(
        parent,
        "testcase",
        classname=classname,
        name=f"{case.case_id}: {case.title}" if case.title else case.case_id,
        time=f"{case.duration:.3f}",
    )
    _properties(element, _case_properties(case))
    _outcome(element, case)
    if case.frames:
        start = case_start(case, case.frames)
        log = "\n".join(frame_line(frame, start) for frame in case.frames)
        _sub(element, "system-out", log + "\n")


def _counts(element: ET.Element, cases: list[CaseRecord]) -> None:
    counts = totals(cases)
    element.set("tests", str(len(cases)))
    element.set("failures", str(counts["failed"]))
    element.set("errors", str(counts["error"]))
    element.set("skipped", str(counts["inconclusive"] + counts["not applicable"]))
    element.set("time", f"{sum(case.duration for case in cases):.3f}")


def _tree(record: RunRecord) -> ET.Element:
    root = ET.Element("testsuites", {"name": _clean(record.tool or "chargespec")})
    _counts(root, record.cases)
    suites: dict[str, list[CaseRecord]] = {}
    for case in record.cases:
        suites.setdefault(suite_of(case), []).append(case)
    spec = record.spec.strip("/").replace("/", ".")
    for name, cases in suites.items():
        suite = _sub(root, "testsuite", name=name, timestamp=stamp(record.started))
        _counts(suite, cases)
        _properties(suite, _run_properties(record))
        for case in cases:
            _testcase(suite, f"{spec}.{name}" if spec else name, case)
    return root


def junit_xml(record: RunRecord) -> str:
    """The run as JUnit XML text (UTF-8, with an XML declaration)."""
    root = _tree(record)
    ET.indent(root, space=" ")
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


def write_junit(record: RunRecord, path: Path) -> None:
    """Write :func:`junit_xml` to ``path``."""
    path.write_text(junit_xml(record), encoding="utf-8")
