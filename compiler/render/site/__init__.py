"""The browsable diagram site (``chargespec diagram --html OUT``): an index by feature profile
and PICS item, one page per machine with its overview, focus views and transition table, pan
and zoom, details on click, search, and an optional coverage overlay from a test run.

Modules: ``data`` (the JSON each machine page carries) and ``pages`` (the files).
"""

from __future__ import annotations

from compiler.render.site.data import Coverage
from compiler.render.site.pages import inline_svg, site_files

__all__ = ["Coverage", "inline_svg", "site_files"]
