"""Load one spec file: plain data plus a position for every node, or the SPEC diagnostics why
it cannot be read.

The reading itself is :mod:`runtime.spec.located_yaml`, shared with the device PICS files
(YAML 1.2 booleans, duplicate keys refused, ``file:line:col`` on every node); this module words
its errors as spec diagnostics: SPEC003 (cannot read), SPEC002 (duplicate key), SPEC001 (YAML
syntax).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from compiler.diagnostics import Diagnostic
from compiler.emit.cache import Store, code_digest, text_key
from runtime.spec.located_yaml import JsonPath, SourcePos, YamlError, load_yaml_file
from runtime.spec.located_yaml import LocatedYaml as LoadedFile

__all__ = ["JsonPath", "LoadedFile", "ParsedCache", "load_file"]


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


def load_file(
    path: Path, rel: str, parsed: ParsedCache | None = None
) -> tuple[LoadedFile | None, list[Diagnostic]]:
    """Load one YAML spec file.

    Args:
        path: the file on disk.
        rel: the path to print in diagnostics.
        parsed: a cache of parsed files (by content), so an edit re-reads only what changed.

    Returns:
        The loaded file (None when it could not be parsed) and the diagnostics found.
    """
    key = parsed.key(path, rel) if parsed is not None else None
    if parsed is not None and key is not None:
        found = parsed.get(key, rel)
        if found is not None:
            return found, []
    try:
        loaded = load_yaml_file(path, rel)
    except YamlError as error:
        return None, [_diagnostic(error)]
    # kept only if the file did not change while it was read
    if parsed is not None and key is not None and parsed.key(path, rel) == key:
        parsed.put(key, loaded)
    return loaded, []


class ParsedCache:
    """Parsed spec files in the build cache, keyed by the file's bytes, the path it is shown
    by and the code that reads it (:func:`compiler.emit.cache.code_digest`). Parsing YAML with
    positions is most of what ``validate`` does; a file read before is taken from here.

    Args:
        store: the build cache.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.code = code_digest()

    def key(self, path: Path, rel: str) -> str | None:
        """The key of the file as it is now (None: it cannot be read)."""
        try:
            content = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            return None
        return text_key("yaml", self.code, rel, content)

    def get(self, key: str, rel: str) -> LoadedFile | None:
        """The file parsed before under ``key``, or None (not cached, or a damaged entry)."""
        payload: Any = self.store.get(key, "yaml")
        try:
            data, positions, key_positions = payload
            return LoadedFile(rel, data, _positions(rel, positions), _positions(rel, key_positions))
        except (TypeError, ValueError):
            return None

    def put(self, key: str, loaded: LoadedFile) -> None:
        """Keep a freshly parsed file under ``key``."""
        payload = [loaded.data, _rows(loaded.positions), _rows(loaded.key_positions)]
        self.store.put(key, "yaml", payload)


def _rows(positions: dict[JsonPath, SourcePos]) -> list[list[Any]]:
    return [[list(path), pos.line, pos.col] for path, pos in positions.items()]


def _positions(rel: str, rows: Any) -> dict[JsonPath, SourcePos]:
    positions: dict[JsonPath, SourcePos] = {}
    for path, line, col in rows:
        if not all(isinstance(p, str | int) for p in path) or not isinstance(line + col, int):
            raise ValueError("not a position")
        positions[tuple(path)] = SourcePos(rel, line, col)
    return positions
