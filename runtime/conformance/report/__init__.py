"""Reports made from a :class:`~runtime.conformance.run_record.RunRecord`: JUnit XML for CI
and one self-contained HTML file for people (issue 12: reports usable as evidence).

Both writers read only the run record, so a report can be made again later from ``run.json``
alone (``chargespec report RUN.json --junit FILE --html FILE``).
"""

from runtime.conformance.report.html import html_report, write_html
from runtime.conformance.report.junit import junit_xml, write_junit
from runtime.conformance.report.summary import RunFileError, read_run

__all__ = ["RunFileError", "html_report", "junit_xml", "read_run", "write_html", "write_junit"]
