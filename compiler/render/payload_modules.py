"""Render the payload layer of a spec set: typed classes and compiled validators.

Layout (one module per feature profile keeps each file readable):

* ``datatypes.py`` — the shared datatypes; ``messages/<profile>.py`` — request and response
  classes; ``messages/__init__.py`` — re-exports and ``MESSAGE_TYPES``.
* ``validators/values.py`` — enumeration sets and number steps; ``validators/datatypes.py``
  — checks of the datatypes; ``validators/<profile>.py`` — checks of the payloads;
  ``validators/__init__.py`` — ``CHECKS`` and ``LENIENCIES``.
"""

from __future__ import annotations

from compiler.ir import (
    Message,
    SpecSet,
)
from compiler.render.data_code import (
    FieldView,
    PayloadView,
    datatype_views,
    payload_views,
    profile_module,
)
from compiler.render.env import header, render_template
from compiler.render.validator_code import datatype_function, validator_views

__all__ = ["payload_files"]


def _by_profile(spec: SpecSet) -> dict[str, tuple[Message, ...]]:
    """Messages grouped by the module of their profile, modules in manifest order."""
    order = {p: i for i, p in enumerate(spec.manifest.profiles)}
    profiles = sorted({m.profile for m in spec.messages}, key=lambda p: (order.get(p, 99), p))
    return {profile_module(p): tuple(m for m in spec.messages if m.profile == p) for p in profiles}


def _used(fields: list[FieldView], names: set[str]) -> list[str]:
    """The names among ``names`` that the fields hold."""
    return sorted({f.type_name for f in fields} & names)


def _message_files(
    spec: SpecSet, package: str, groups: dict[str, tuple[Message, ...]]
) -> dict[str, str]:
    common = {"manifest": spec.manifest, "package": package}
    enums = {e.name for e in spec.enums}
    datatypes = {d.name for d in spec.datatypes}
    classes = datatype_views(spec)
    files = {
        "datatypes.py": render_template(
            "datatypes.py.j2",
            header=header(f"{spec.root}/types.yaml"),
            classes=classes,
            enum_names=_used([f for c in classes for f in c.fields], enums),
            **common,
        )
    }
    modules: list[tuple[str, list[PayloadView]]] = []
    for module, messages in groups.items():
        views = payload_views(spec, messages)
        fields = [f for v in views for f in v.fields]
        modules.append((module, views))
        files[f"messages/{module}.py"] = render_template(
            "messages.py.j2",
            header=header(f"{spec.root}/messages"),
            profile=messages[0].profile,
            payloads=views,
            enum_names=_used(fields, enums),
            datatype_names=_used(fields, datatypes),
            **common,
        )
    files["messages/__init__.py"] = render_template(
        "messages_init.py.j2", header=header(f"{spec.root}/messages"), modules=modules, **common
    )
    return files


def _validator_files(
    spec: SpecSet, package: str, groups: dict[str, tuple[Message, ...]]
) -> dict[str, str]:
    common = {"manifest": spec.manifest, "package": package}
    module_of = {m.name: module for module, messages in groups.items() for m in messages}
    v = validator_views(spec, module_of)
    files = {
        "validators/values.py": render_template(
            "validators_values.py.j2", header=header(f"{spec.root}/types.yaml"), v=v, **common
        ),
        "validators/datatypes.py": render_template(
            "validators_datatypes.py.j2", header=header(f"{spec.root}/types.yaml"), v=v, **common
        ),
    }
    for module, messages in groups.items():
        files[f"validators/{module}.py"] = render_template(
            "validators_profile.py.j2",
            header=header(f"{spec.root}/messages"),
            profile=messages[0].profile,
            v=v,
            key_sets=v.payload_key_sets[module],
            functions=v.payload_functions[module],
            datatype_functions=[datatype_function(d.name) for d in spec.datatypes],
            **common,
        )
    files["validators/__init__.py"] = render_template(
        "validators_init.py.j2",
        header=header(f"{spec.root}/messages"),
        modules=[(module, v.checks[module]) for module in groups],
        leniencies=spec.leniencies,
        **common,
    )
    return files


def payload_files(spec: SpecSet, package: str) -> dict[str, str]:
    """Relative path inside the package → text, for the payload classes and validators."""
    groups = _by_profile(spec)
    return {**_message_files(spec, package, groups), **_validator_files(spec, package, groups)}
