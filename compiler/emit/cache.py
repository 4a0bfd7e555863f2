"""A content-addressed cache of compiler output, so a build where nothing changed is cheap.

An entry is keyed by a SHA-256 over everything the output is a function of: the bytes and
names of every file under the spec directory, the path the output names it by, every source
and data file of the ``compiler`` and ``runtime`` packages, and the versions of Python and of
the packages that shape the text (ruff formats it, jinja2 renders it, ruamel.yaml and
jsonschema read the specs). No modification times: the same inputs give the same key on
every machine and after every checkout, and any changed byte gives another key. Same key,
same output, by construction: the compiler is deterministic (STYLE.md §3), which is what
lets ``check`` compare the files on disk with a cached entry and stay exact.

An entry is one file, ``<key>.<kind>``: a first line with the SHA-256 of the rest, then the
payload as JSON. A truncated, corrupt or unreadable entry fails that test and is ignored (the
caller rebuilds and replaces it), never trusted. Entries are written to a temporary file in
the same folder and renamed into place, so a reader sees a whole entry or none, even with two
builds at once. The folder (default ``.chargespec-cache/``, git-ignored) may be deleted at any
time.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_CACHE_DIR", "Store", "code_digest", "input_key", "text_key"]

DEFAULT_CACHE_DIR = ".chargespec-cache"
# Bump when the layout of an entry changes, so older entries are simply never found.
_FORMAT = "chargespec-cache 1"
# Packages whose version shapes the output text (ruff is run as `python -m ruff`).
_TOOLS = (
    "chargespec",
    "ruff",
    "jinja2",
    "ruamel.yaml",
    "PyYAML",
    "jsonschema",
    "python-statemachine",
)
_PACKAGES = ("compiler", "runtime")


def _tree_digest(hasher: Any, root: Path, label: str) -> None:
    """Feed every file under ``root`` (name and bytes, sorted by path) to ``hasher``."""
    files = sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for path in files:
        data = path.read_bytes()
        name = f"{label}/{path.relative_to(root).as_posix()}"
        hasher.update(f"{name}\0{len(data)}\0".encode())
        hasher.update(data)


def _tool_versions() -> str:
    versions = [sys.version]
    for name in _TOOLS:
        try:
            versions.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} missing")
    return "\n".join(versions)


def _shown(path: Path) -> str:
    """The spec directory as the output names it (see compiler.frontend.load.display_path)."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def _source_roots() -> list[tuple[str, Path]]:
    """The folders of the packages whose files the output depends on: the compiler, its
    templates and schemas, and the runtime whose data (OCPP schemas) and names it uses."""
    roots = []
    for package in _PACKAGES:
        # Found, not imported: a warm build should not pay for importing the runtime.
        found = importlib.util.find_spec(package)
        assert found is not None and found.submodule_search_locations
        roots.append((package, Path(next(iter(found.submodule_search_locations)))))
    return roots


def code_digest() -> str:
    """A SHA-256 over the compiler's and runtime's files and the tool versions: what every
    cached result depends on besides its own input."""
    hasher = hashlib.sha256(f"{_FORMAT}\0{_tool_versions()}\0".encode())
    for label, root in _source_roots():
        _tree_digest(hasher, root, label)
    return hasher.hexdigest()


def input_key(spec_dir: Path) -> str:
    """The key of everything a compilation of ``spec_dir`` depends on.

    Args:
        spec_dir: the spec directory as given on the command line.

    Returns:
        A SHA-256 hex digest; equal keys mean equal compiler output.
    """
    hasher = hashlib.sha256()
    hasher.update(f"{_FORMAT}\0{_shown(spec_dir)}\0{code_digest()}\0".encode())
    if spec_dir.is_dir():
        _tree_digest(hasher, spec_dir, "specs")
    return hasher.hexdigest()


def text_key(*parts: str) -> str:
    """The key of a derived text (e.g. an SVG): a SHA-256 over ``parts``."""
    hasher = hashlib.sha256(_FORMAT.encode())
    for part in parts:
        data = part.encode()
        hasher.update(f"\0{len(data)}\0".encode())
        hasher.update(data)
    return hasher.hexdigest()


class Store:
    """The cache folder: JSON payloads under a key and a kind, checked on every read.

    Args:
        root: the folder; created on the first write.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str, kind: str) -> Path:
        return self.root / f"{key}.{kind}"

    def get(self, key: str, kind: str) -> Any | None:
        """The payload stored under ``key``, or None when there is none or it is damaged."""
        try:
            raw = self._path(key, kind).read_bytes()
        except OSError:
            return None
        digest, newline, body = raw.partition(b"\n")
        if not newline or hashlib.sha256(body).hexdigest().encode() != digest:
            return None
        try:
            return json.loads(body)
        except ValueError:
            return None

    def put(self, key: str, kind: str, payload: Any) -> None:
        """Store ``payload`` (JSON data) under ``key``, atomically; a failed write is ignored
        (the cache only saves time)."""
        # Key order is kept: a parsed spec's mappings are in the order the spec writes them.
        body = json.dumps(payload, separators=(",", ":")).encode()
        data = hashlib.sha256(body).hexdigest().encode() + b"\n" + body
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(prefix=".tmp-", dir=self.root)
        except OSError:
            return
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.chmod(temp, 0o644)  # mkstemp makes it private; the rest of a checkout is not
            os.replace(temp, self._path(key, kind))
        except OSError:
            Path(temp).unlink(missing_ok=True)
