"""The style sheet and script every HTML report carries inline.

The report is one file that a lab mails or archives and opens from ``file://``, so nothing is
fetched: no fonts, images, style sheets or scripts from anywhere. The script only filters the
cases by verdict; when it has run without error it marks ``<body data-report-ready="yes">``,
which the browser test looks for.
"""

from __future__ import annotations

__all__ = ["SCRIPT", "STYLE"]

STYLE = """
:root { --pass: #1a7f37; --fail: #cf222e; --error: #8250df; --inconclusive: #bf8700;
  --na: #6e7781; --line: #d0d7de; --soft: #f6f8fa; }
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5em auto;
  max-width: 78em; padding: 0 1em; color: #1f2328; line-height: 1.4; }
h1 { margin-bottom: 0.2em; }
h2 { border-bottom: 1px solid var(--line); padding-bottom: 0.2em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { border: 1px solid var(--line); padding: 0.25em 0.6em; text-align: left;
  vertical-align: top; }
th { background: var(--soft); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
  font-size: 0.88em; }
pre { background: var(--soft); padding: 0.5em; overflow-x: auto; white-space: pre-wrap;
  word-break: break-word; margin: 0.3em 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr max-content 1fr;
  gap: 0.2em 1em; margin: 0.5em 0; }
dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; word-break: break-all; }
p.totals .badge { font-size: 0.95em; }
.target { padding: 0.6em 0.8em; border-radius: 6px; margin: 0.8em 0; border: 1px solid; }
.target.reference { background: #fff8c5; border-color: #d4a72c; }
.target.external { background: #ddf4ff; border-color: #54aeff; }
.badge { display: inline-block; min-width: 6.5em; text-align: center; border-radius: 1em;
  padding: 0.05em 0.6em; color: #fff; font-size: 0.85em; font-weight: 600; }
.mini { min-width: 0; font-size: 0.75em; margin: 0.1em; }
.v-passed { background: var(--pass); } .v-failed { background: var(--fail); }
.v-error { background: var(--error); } .v-inconclusive { background: var(--inconclusive); }
.v-not-applicable { background: var(--na); }
a.badge { text-decoration: none; }
.filters button { margin: 0 0.3em 0.3em 0; padding: 0.3em 0.8em; border-radius: 6px;
  border: 1px solid var(--line); background: #fff; cursor: pointer; font: inherit; }
.filters button[aria-pressed="true"] { background: #1f2328; color: #fff; }
section.case { border: 1px solid var(--line); border-left-width: 6px; border-radius: 6px;
  padding: 0.3em 1em 0.6em; margin: 0.8em 0; }
section.case[data-verdict="passed"] { border-left-color: var(--pass); }
section.case[data-verdict="failed"] { border-left-color: var(--fail); }
section.case[data-verdict="error"] { border-left-color: var(--error); }
section.case[data-verdict="inconclusive"] { border-left-color: var(--inconclusive); }
section.case[data-verdict="not applicable"] { border-left-color: var(--na); }
section.case h3 { margin: 0.4em 0; font-size: 1.05em; }
.duration { color: #59636e; font-weight: normal; font-size: 0.9em; }
.reason { font-weight: 600; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 0.1em 1em;
  margin: 0.3em 0; font-size: 0.92em; }
dl.meta dt { color: #59636e; } dl.meta dd { margin: 0; }
.failure { border: 1px solid #ff8182; background: #fff5f5; border-radius: 6px;
  padding: 0.4em 0.8em; margin: 0.5em 0; }
.payloads { display: grid; grid-template-columns: 1fr 1fr; gap: 0.8em; }
.payloads h4 { margin: 0.3em 0 0; font-size: 0.9em; }
mark.diff { background: #ffd8b5; outline: 1px solid #fb8f44; border-radius: 2px; }
code.field { background: #ffd8b5; padding: 0 0.2em; }
details { margin: 0.3em 0; } summary { cursor: pointer; color: #0969da; }
table.frames td { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.82em; }
table.frames td.text { word-break: break-all; }
ol.steps { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.82em; }
.muted { color: #59636e; }
"""

SCRIPT = """
(function () {
  "use strict";
  var buttons = Array.prototype.slice.call(document.querySelectorAll("button[data-filter]"));
  var cases = Array.prototype.slice.call(document.querySelectorAll("section.case"));
  function show(filter) {
    cases.forEach(function (section) {
      section.hidden = filter !== "all" && section.getAttribute("data-verdict") !== filter;
    });
    buttons.forEach(function (button) {
      var pressed = button.getAttribute("data-filter") === filter;
      button.setAttribute("aria-pressed", pressed ? "true" : "false");
    });
  }
  buttons.forEach(function (button) {
    button.addEventListener("click", function () { show(button.getAttribute("data-filter")); });
  });
  show("all");
  document.body.setAttribute("data-report-ready", "yes");
})();
"""
