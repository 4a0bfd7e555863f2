"""Load one spec file: plain data plus a position for every node, or the SPEC diagnostics why
it cannot be read.

The reading itself is :mod:`runtime.spec.located_yaml`, shared with the device PICS files
(YAML 1.2 booleans, duplicate keys refused, ``file:line:col`` on every node); this module words
its errors as spec diagnostics: SPEC003 (cannot read), SPEC002 (duplicate key), SPEC001 (YAML
syntax).
"""

from __future__ import annotations

from pathlib import Path

from compiler.diagnostics import Diagnostic
from runtime.spec.located_yaml import JsonPath, YamlError, load_yaml_file
from runtime.spec.located_yaml import LocatedYaml as LoadedFile

__all__ = ["JsonPath", "LoadedFile", "load_file"]


def _diagnostic(error: YamlError) -> Diagnostic:
    if error.kind == "unreadable":
        return Diagnostic(error.pos, "SPEC003", f"cannot read file: {error.problem}")
    if error.kind == "duplicate_key":
        first = f"first defined at line {error.first_line}" if error.first_line else ""
        return Diagnostic(
            error.pos,
            "SPEC002",
            f"duplicate key '{error.problem}'",
            "each key may appear once in a mapping",
            first,
        )
    return Diagnostic(error.pos, "SPEC001", f"YAML syntax error: {error.problem}")


def load_file(path: Path, rel: str) -> tuple[LoadedFile | None, list[Diagnostic]]:
    """Load one YAML spec file.

    Args:
        path: the file on disk.
        rel: the path to print in diagnostics.

    Returns:
        The loaded file (None when it could not be parsed) and the diagnostics found.
    """
    try:
        return load_yaml_file(path, rel), []
    except YamlError as error:
        return None, [_diagnostic(error)]
