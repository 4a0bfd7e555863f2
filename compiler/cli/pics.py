"""``chargespec pics``: device PICS files (the PICS form a vendor fills in for one charge point).

- ``pics new [--out FILE]`` writes an annotated template holding every item at its default;
- ``pics check FILE`` validates a file and prints every problem (exit 1, no traceback), and
  warns (PICS301, exit 0) of each declared feature profile the spec set does not implement;
- ``pics render FILE [--out-dir DIR]`` writes the filled-in statement as Markdown and HTML, in the
  form's documents, sections and order.

The items come from the generated registry (``SPEC.pics_items``), the same data the runtime and
the conformance suite read, so all of them judge a PICS file alike.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from compiler.cli.generated_spec import spec_registry
from compiler.render.env import render_template
from runtime.spec.pics import PicsItemSpec, allowed_text

__all__ = ["register", "statement_files", "template_text"]


@dataclass
class _Group:
    title: str
    rows: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Section:
    title: str
    groups: list[_Group] = field(default_factory=list)


@dataclass
class _Document:
    title: str
    sections: list[_Section] = field(default_factory=list)


def _form(items: Iterable[PicsItemSpec], row: Any) -> list[_Document]:
    """Items grouped by document, section and sub-heading, keeping the form's order."""
    documents: list[_Document] = []
    for item in items:
        title = item.document_title or "PICS"
        if not documents or documents[-1].title != title:
            documents.append(_Document(title))
        sections = documents[-1].sections
        heading = item.section_title or item.section
        if not sections or sections[-1].title != heading:
            sections.append(_Section(heading))
        groups = sections[-1].groups
        if not groups or groups[-1].title != item.group:
            groups.append(_Group(item.group))
        groups[-1].rows.append(row(item))
    return documents


def _yaml_value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_yaml_value(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML string
    return str(value)


def _rules_text(item: PicsItemSpec) -> str:
    words = {"all_of": "all of", "any_of": "one of", "none_of": "none of", "at_most": "at most"}
    return "; ".join(f"{words[r.kind]} {', '.join(r.items)}" for r in item.requires)


def template_text(items: Sequence[PicsItemSpec]) -> str:
    """An annotated PICS file: every item at its default, with what it takes and sets."""

    def row(item: PicsItemSpec) -> dict[str, Any]:
        return {
            "name": item.name,
            "label": item.label or item.name,
            "allowed": allowed_text(item),
            "default": _yaml_value(item.default),
            "sets": item.sets or "",
            "requires": _rules_text(item),
            "yaml": _yaml_value(item.default),
        }

    return render_template("pics_template.yaml.j2", documents=_form(items, row))


def _shown(value: Any) -> str:
    if value is None:
        return "not declared"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list | tuple):
        return ", ".join(value) if value else "none"
    return str(value)


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def statement_files(
    items: Sequence[PicsItemSpec], values: Mapping[str, Any], source: str
) -> dict[str, str]:
    """The filled-in statement: file name → text (``pics.md`` and ``pics.html``)."""

    def row(item: PicsItemSpec) -> dict[str, Any]:
        value = _shown(values.get(item.name))
        label = item.label or item.name
        return {
            "name": item.name,
            "label": label,
            "value": value,
            "unit": item.unit,
            "md_label": _md(label),
            "md_value": _md(value),
            "md_unit": _md(item.unit),
        }

    profiles = [
        i.name for i in items if i.kind == "boolean" and i.sets == "SupportedFeatureProfiles"
    ]
    supported = ",".join(p for p in profiles if values.get(p) is True) or "none"
    device = (
        " ".join(str(values[n]) for n in ("VendorName", "TypeModel") if values.get(n))
        or "(not named)"
    )
    context = {
        "documents": _form(items, row),
        "device": device,
        "md_device": _md(device),
        "source": source,
        "profiles": supported,
    }
    return {
        "pics.md": render_template("pics_statement.md.j2", **context),
        "pics.html": render_template("pics_statement.html.j2", **context),
    }


def _items() -> tuple[PicsItemSpec, ...]:
    return spec_registry().pics_items


def _load(path: Path) -> dict[str, Any]:
    from runtime.conformance.pics_file import PicsFileError, load_pics_file

    try:
        return load_pics_file(path, _items())
    except PicsFileError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        click.echo(f"{len(exc.problems)} error(s) found", err=True)
        sys.exit(1)


@click.group("pics")
def pics() -> None:
    """Device PICS files: write a template, check one, render the filled-in statement."""


@pics.command("new")
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="File to write (default: print).",
)
def new(out: Path | None) -> None:
    """Write an annotated PICS template: every item of the form at its default."""
    text = template_text(_items())
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as error:  # a file where a folder should be, no permission, …
        raise click.ClickException(f"cannot write {out}: {error.strerror or error}") from None
    click.echo(f"wrote {out}")


@pics.command("check")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def check(file: Path) -> None:
    """Validate a PICS file; print every problem and exit 1 when there is one."""
    from runtime.conformance.pics_file import profile_warnings

    values = _load(file)
    declared = sum(1 for item in _items() if values[item.name] != item.default)
    click.echo(f"{file}: ok ({len(values)} items, {declared} differ from the default)")
    # A declared profile without machines is a warning (exit 0): the file is right about the
    # device; it is this spec set that cannot run or advertise the profile yet.
    implemented = spec_registry().implemented_profiles
    for warning in profile_warnings(file, _items(), values, implemented):
        click.echo(warning, err=True)


@pics.command("render")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--out-dir",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("."),
    show_default=True,
    help="Folder for pics.md and pics.html.",
)
def render(file: Path, out_dir: Path) -> None:
    """Write the filled-in statement (pics.md, pics.html) in the form's sections and order."""
    values = _load(file)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise click.ClickException(
            f"cannot write into {out_dir}: {error.strerror or error}"
        ) from None
    for name, text in statement_files(_items(), values, str(file)).items():
        (out_dir / name).write_text(text, encoding="utf-8")
        click.echo(f"wrote {out_dir / name}")


def register(main: click.Group) -> None:
    """Add the ``pics`` group to the ``chargespec`` command."""
    main.add_command(pics)
