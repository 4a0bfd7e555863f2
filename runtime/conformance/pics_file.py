"""Load and validate a device PICS file: what one charge point declares on the PICS form.

The format (``chargespec pics new`` writes an annotated template)::

    # PICS of <device>
    pics:
      VendorName: Acme
      Core: true
      Reservation: false

Items not given take their default. YAML 1.2 is used, so ``yes``/``no``/``on``/``off`` are strings
(and reported as such), not booleans; duplicate keys are errors. Every problem is reported, each
as ``file:line:col: error[PICSnnn]: message`` naming the item and the values it allows:

=======  =========================================================================
PICS001  YAML syntax error, or a key written twice
PICS002  the file cannot be read
PICS003  no top-level ``pics:`` mapping (or another top-level key)
PICS101  unknown PICS item (with the closest item's name)
PICS102  value of the wrong type
PICS103  value out of range, or not one of the allowed values
PICS201  inconsistent combination: a rule of pics.yaml ``requires``, or a mandatory item
PICS301  (warning) a feature profile is declared that the spec set does not implement yet
=======  =========================================================================

PICS301 is a warning, not an error: the file is a good statement of the device, but the
simulated Charge Point (and the suite, in process) have only the profiles that have machines,
so they neither advertise nor test the others (:func:`profile_warnings`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from runtime.errors import ChargespecError
from runtime.spec.located_yaml import LocatedYaml, SourcePos, YamlError, load_yaml_file
from runtime.spec.names import closest
from runtime.spec.pics import PicsItemSpec, rule_problems, unimplemented_profiles, value_problem

__all__ = ["CODES", "PicsFileError", "load_pics_file", "profile_warnings"]

CODES: Mapping[str, str] = {
    "PICS001": "YAML syntax error or duplicate key",
    "PICS002": "file cannot be read",
    "PICS003": "no top-level 'pics:' mapping",
    "PICS101": "unknown PICS item",
    "PICS102": "value of the wrong type",
    "PICS103": "value out of range or not allowed",
    "PICS201": "inconsistent combination of PICS values",
    "PICS301": "declared feature profile not implemented (warning)",
}
_KIND_CODES = {"wrong_type": "PICS102", "not_allowed": "PICS103"}


class PicsFileError(ChargespecError, ValueError):
    """A PICS file that cannot be used; ``problems`` holds one formatted line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _problem(pos: SourcePos, code: str, message: str) -> str:
    return f"{pos}: error[{code}]: {message}"


def _read(path: Path, shown: str) -> LocatedYaml:
    """The file as located YAML whose top level is exactly ``pics:`` with a mapping."""
    try:
        loaded = load_yaml_file(path, shown)
    except YamlError as error:
        if error.kind == "unreadable":
            message, code = f"cannot read file: {error.problem}", "PICS002"
        elif error.kind == "duplicate_key":
            message, code = f"duplicate key '{error.problem}'; write each item once", "PICS001"
        else:
            message, code = f"YAML syntax error: {error.problem}", "PICS001"
        raise PicsFileError([_problem(error.pos, code, message)]) from None
    root = loaded.data
    if not isinstance(root, dict) or not isinstance(root.get("pics"), dict):
        message = (
            "no top-level 'pics:' mapping; a PICS file is 'pics:' followed by one "
            "'Item: value' line per item (chargespec pics new writes a template)"
        )
        raise PicsFileError([_problem(SourcePos(shown), "PICS003", message)])
    extra = [key for key in root if key != "pics"]
    if extra:
        message = f"unknown top-level key '{extra[0]}'; a PICS file holds only 'pics:'"
        raise PicsFileError([_problem(loaded.key_pos((extra[0],)), "PICS003", message)])
    return loaded


def _unknown(pos: SourcePos, name: str, names: list[str]) -> str:
    close = closest(name, names)
    hint = f" (did you mean '{close}'?)" if close is not None else ""
    return _problem(
        pos,
        "PICS101",
        f"unknown PICS item '{name}'; expected one of: {', '.join(sorted(names))}{hint}",
    )


def _element_pos(loaded: LocatedYaml, name: str, value: Any, spec: PicsItemSpec) -> SourcePos:
    """Where the first element a list item does not allow is, if that is the problem; else
    where the value is."""
    if spec.kind == "list" and isinstance(value, list):
        for index, element in enumerate(value):
            if element not in spec.values:
                return loaded.pos(("pics", name, index))
    return loaded.pos(("pics", name))


def _values(
    loaded: LocatedYaml, specs: Mapping[str, PicsItemSpec]
) -> tuple[dict[str, Any], dict[str, SourcePos], list[tuple[SourcePos, str]]]:
    """The declared values, where each is, and the problems of single items."""
    values: dict[str, Any] = {}
    where: dict[str, SourcePos] = {}
    problems: list[tuple[SourcePos, str]] = []
    for name, value in loaded.data["pics"].items():
        spec = specs.get(name)
        if spec is None:
            pos = loaded.key_pos(("pics", name))
            problems.append((pos, _unknown(pos, name, list(specs))))
            continue
        found = value_problem(spec, value)
        if found is not None:
            kind, message = found
            pos = _element_pos(loaded, name, value, spec)
            problems.append((pos, _problem(pos, _KIND_CODES[kind], f"{name} {message}")))
            continue
        values[name] = tuple(value) if isinstance(value, list) else value
        where[name] = loaded.pos(("pics", name))
    return values, where, problems


def load_pics_file(path: Path, items: Sequence[PicsItemSpec]) -> dict[str, Any]:
    """Load a device PICS file and check it against the PICS items of a spec set.

    Args:
        path: the file; problems name it as given.
        items: the spec set's PICS items (``SPEC.pics_items`` of the generated registry).

    Returns:
        Item name → value for every item, in the form's order, defaults filled in for items
        the file does not give; list items are tuples.

    Raises:
        PicsFileError: with every problem found, one formatted line each.
    """
    loaded = _read(path, str(path))
    specs = {spec.name: spec for spec in items}
    values, where, problems = _values(loaded, specs)
    top = loaded.key_pos(("pics",))
    # Rules are judged only on a file whose values are each fine: a bad value would make
    # them report noise about the item already reported.
    if not problems:
        full = {spec.name: values.get(spec.name, spec.default) for spec in items}
        for name, message in rule_problems(items, full):
            pos = where.get(name, top)
            problems.append((pos, _problem(pos, "PICS201", message)))
        if not problems:
            return full
    raise PicsFileError([text for _, text in sorted(problems)])


def profile_warnings(
    path: Path, items: Sequence[PicsItemSpec], values: Mapping[str, Any], implemented: Iterable[str]
) -> list[str]:
    """One PICS301 warning per profile ``values`` declare that ``implemented`` lacks.

    Args:
        path: the file ``values`` were loaded from (for the positions).
        items: the spec set's PICS items.
        values: the file's values, as :func:`load_pics_file` returns them.
        implemented: the profiles the spec set implements (``SpecRegistry.implemented_profiles``).
    """
    names = unimplemented_profiles(items, values, implemented)
    if not names:
        return []
    loaded = _read(path, str(path))
    return [
        f"{loaded.pos(('pics', name))}: warning[PICS301]: feature profile {name} is declared, "
        "but this spec set implements no machines for it yet: the simulated Charge Point "
        "neither advertises it in SupportedFeatureProfiles (OCPP 1.6 §9.1.29) nor has its keys, "
        "and answers its requests as a Charge Point without it"
        for name in names
    ]
