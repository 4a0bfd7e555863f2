"""Reports from a run record: JUnit XML, the self-contained HTML page, ``chargespec report``,
and the page in a real browser (headless Chromium, which ``make setup`` installs)."""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from compiler.cli import main as cli
from runtime.conformance.report import RunFileError, html_report, junit_xml, read_run
from runtime.conformance.report.summary import by_clause, field_path, verdict_reason
from runtime.conformance.run_record import CaseRecord, FrameRecord, RunRecord, Target
from tests.runtime.report_sample import dump_dom, sample_run, screenshot

# --- JUnit XML ------------------------------------------------------------------------------


def _cases(xml: str) -> dict[str, ET.Element]:
    root = ET.fromstring(xml)
    return {case.attrib["name"].split(":")[0]: case for case in root.iter("testcase")}


def test_junit_counts_every_verdict() -> None:
    root = ET.fromstring(junit_xml(sample_run()))
    assert root.tag == "testsuites"
    assert [root.attrib[k] for k in ("tests", "failures", "errors", "skipped")] == [
        "7",
        "2",
        "1",
        "2",
    ]
    (suite,) = root.iter("testsuite")
    assert suite.attrib["name"] == "Core"
    props = {p.attrib["name"]: p.attrib["value"] for p in suite.find("properties") or []}
    assert props["target.identity"] == "SAMPLE-CP-01"
    assert props["pics_file"] == "lab/sample-cp.pics.yaml"


def test_junit_case_name_properties_and_frames() -> None:
    case = _cases(junit_xml(sample_run()))["TC_001_CS"]
    assert case.attrib["name"] == "TC_001_CS: Cold boot charge point"
    assert case.attrib["classname"] == "ocpp16.Core"
    assert case.attrib["time"] == "0.420"
    properties = [(p.attrib["name"], p.attrib["value"]) for p in case.iter("property")]
    assert ("verdict", "passed") in properties
    assert ("pics.Core", "true") in properties
    assert ("ref", "OCPP 1.6 §4.2") in properties
    assert case.find("failure") is None and case.find("skipped") is None
    log = case.findtext("system-out") or ""
    assert "+0.012s CP→CS" in log and '"BootNotification"' in log


def test_junit_failure_names_step_fields_and_transcript() -> None:
    failure = _cases(junit_xml(sample_run()))["TC_005_1_CS"].find("failure")
    assert failure is not None
    assert failure.attrib["message"] == (
        "The connector did not report Finishing after the EV side was unplugged."
    )
    text = failure.text or ""
    assert "step: expect StatusNotification (specs/ocpp16/scenarios/" in text
    assert "  - status: expected 'Finishing', got 'Available'" in text
    assert "tester unplug_ev connector 1: done" in text


def test_junit_inconclusive_and_not_applicable_are_skips_and_error_is_an_error() -> None:
    cases = _cases(junit_xml(sample_run()))
    inconclusive = cases["TC_037_1_CS"].find("skipped")
    assert inconclusive is not None and inconclusive.attrib["type"] == "inconclusive"
    assert inconclusive.attrib["message"].startswith("inconclusive: precondition not reached")
    skipped = cases["CS_STATUS_MINIMUM_DURATION"].find("skipped")
    assert skipped is not None
    assert skipped.attrib["message"] == (
        "not applicable: PICS MinimumStatusDuration = false (the test needs true)"
    )
    error = cases["TC_021_CS"].find("error")
    assert error is not None and "ConnectionResetError" in error.attrib["message"]


def test_junit_survives_control_characters_from_the_device() -> None:
    record = sample_run()
    case = record.cases[0]
    case.frames.append(FrameRecord(case.started + 1, ">", 'bad \x00\x07\x1b frame <&> "q"'))
    record.cases[1] = replace(record.cases[1], verdict="error", reason="broke \x0c here")
    cases = _cases(junit_xml(record))
    log = cases["TC_001_CS"].findtext("system-out") or ""
    assert 'bad \\x00\\x07\\x1b frame <&> "q"' in log
    error = cases["CS_HEARTBEAT_CADENCE"].find("error")
    assert error is not None and error.attrib["message"] == "error: broke \\x0c here"


# --- HTML -----------------------------------------------------------------------------------


def test_html_shows_every_case_and_names_the_differing_fields() -> None:
    page = html_report(sample_run())
    for case in sample_run().cases:
        assert f"<code>{case.case_id}</code>" in page
        assert f'data-verdict="{case.verdict}"' in page
    assert '<code class="field">status</code>: expected' in page
    assert '<mark class="diff">&quot;status&quot;: &quot;Available&quot;</mark>' in page
    assert '<code class="field">meterValue[0].sampledValue[0].measurand</code>' in page
    measurand = "&quot;measurand&quot;: &quot;Power.Active.Import&quot;"
    assert f'<mark class="diff">{measurand}</mark>' in page
    # The message is the one sentence, not the payload.
    assert "<p>The connector did not report Finishing after the EV side was unplugged.</p>" in page


def test_html_has_the_summaries_and_measurements() -> None:
    page = html_report(sample_run())
    for heading in ("feature profile", "PICS item", "spec clause"):
        assert f"<h2>Summary by {heading}</h2>" in page
    assert "<td>OCPP 1.6 §9.1.25</td>" in page
    assert ">exceeded</span>" in page and ">not measured</span>" in page
    assert "Transitions exercised: 167 of 212 (79 %)." in page
    assert "Charge point identity</dt><dd>SAMPLE-CP-01" in page


def test_html_is_self_contained() -> None:
    page = html_report(sample_run())
    assert 'src="http' not in page and 'href="http' not in page
    assert re.findall(r"\bsrc\s*=", page) == []
    assert all(href.startswith("#") for href in re.findall(r'href="([^"]*)"', page))
    assert "<link" not in page and "@import" not in page and "url(" not in page


def test_html_escapes_what_the_device_sent() -> None:
    record = sample_run()
    record.cases[0].frames.append(FrameRecord(0.0, ">", "<script>alert(1)</script>"))
    record.target = replace(record.target, identity='CP"><img src=x onerror=alert(1)>')
    page = html_report(record)
    assert "<script>alert(1)" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_html_says_plainly_when_the_target_is_the_reference_charge_point() -> None:
    page = html_report(replace(sample_run(), target=Target()))
    assert "Target: the built-in reference charge point" in page
    assert "<strong>not a real device</strong>" in page


# --- shared texts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("problem", "path"),
    [
        ("status: expected 'Finishing', got 'Available'", ("status",)),
        ("idTagInfo.status: missing", ("idTagInfo", "status")),
        (
            "meterValue[0].sampledValue[1].value: missing",
            ("meterValue", 0, "sampledValue", 1, "value"),
        ),
        ("expected 2 items, got 1: [1]", ()),
        ("no path here", ()),
    ],
)
def test_field_path_reads_the_matchers_paths(problem: str, path: tuple[str | int, ...]) -> None:
    assert field_path(problem) == path


def test_clauses_are_grouped_by_document_in_natural_order() -> None:
    case = CaseRecord("X", "x", "t", refs=["OCPP 1.6 §4.10", "errata E3.2", "OCPP 1.6 §4.9"])
    assert {doc: list(refs) for doc, refs in by_clause([case]).items()} == {
        "OCPP 1.6": ["OCPP 1.6 §4.9", "OCPP 1.6 §4.10"],
        "errata": ["errata E3.2"],
    }


def test_reason_is_prefixed_once() -> None:
    case = CaseRecord("X", "x", "t", verdict="not applicable", reason="not applicable: PICS A")
    assert verdict_reason(case) == "not applicable: PICS A"
    assert verdict_reason(replace(case, reason="PICS A")) == "not applicable: PICS A"


# --- the run file and the command -----------------------------------------------------------


def test_run_record_round_trips_through_the_file(tmp_path: Path) -> None:
    record = sample_run()
    record.write(tmp_path / "run.json")
    assert read_run(tmp_path / "run.json") == record


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (None, "cannot read"),
        ("{not json", "invalid JSON"),
        ("[1, 2]", "a JSON object is expected"),
        ('{"tool": 1}', "not a run record"),
    ],
)
def test_bad_run_files_are_one_clear_error(tmp_path: Path, content: str | None, said: str) -> None:
    run = tmp_path / "run.json"
    if content is not None:
        run.write_text(content, encoding="utf-8")
    with pytest.raises(RunFileError, match=said):
        read_run(run)
    result = CliRunner().invoke(cli, ["report", str(run), "--html", str(tmp_path / "r.html")])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {run}: ") and said in result.stderr
    assert "Traceback" not in result.output and not (tmp_path / "r.html").exists()


def test_report_command_writes_both_reports(tmp_path: Path) -> None:
    sample_run().write(tmp_path / "run.json")
    junit, html = tmp_path / "out" / "junit.xml", tmp_path / "out" / "report.html"
    result = CliRunner().invoke(
        cli, ["report", str(tmp_path / "run.json"), "--junit", str(junit), "--html", str(html)]
    )
    assert result.exit_code == 0, result.output
    assert "7 cases (2 passed, 2 failed, 1 error, 1 inconclusive, 1 not applicable)" in (
        result.output
    )
    assert ET.parse(junit).getroot().attrib["tests"] == "7"
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


# --- in a browser ---------------------------------------------------------------------------


def _png_size(png: Path) -> tuple[int, int]:
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk comes first
    return width, height


def test_report_renders_in_chromium_without_console_errors(tmp_path: Path) -> None:
    html, png = tmp_path / "report.html", tmp_path / "report.png"
    html.write_text(html_report(sample_run()), encoding="utf-8")
    assert screenshot(html, png) == []
    assert _png_size(png) == (1280, 1600)
    assert png.stat().st_size > 50_000  # a rendered page, not a blank one
    dom, errors = dump_dom(html)
    assert errors == []
    assert 'data-report-ready="yes"' in dom
    assert 'aria-pressed="true">all (7)</button>' in dom  # the filter script ran


def test_the_browser_check_sees_a_broken_script(tmp_path: Path) -> None:
    """The check above would notice: a page whose script throws has errors and no marker."""
    html = tmp_path / "broken.html"
    page = html_report(RunRecord(tool="chargespec", spec="ocpp16", started=0.0))
    html.write_text(page.replace('"use strict";', '"use strict"; undefinedFunction();'), "utf-8")
    dom, errors = dump_dom(html)
    assert any("undefinedFunction" in line for line in errors)
    assert 'data-report-ready="yes"' not in dom
