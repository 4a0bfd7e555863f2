"""Render the Python package and JSON Schemas of a spec set (``generated/<spec>/``)."""

from __future__ import annotations

from compiler.ir import SpecSet
from compiler.naming import class_name
from compiler.render.env import header, render_template
from compiler.render.machine_code import machine_view
from compiler.render.payload_modules import payload_files
from compiler.render.scenario_data import scenario_data
from compiler.render.schemas import message_schemas, object_schema
from compiler.render.tester_api_doc import tester_api_doc
from runtime.spec.registry import TesterEventSpec

__all__ = ["python_files"]


def _machine_modules(spec: SpecSet, package: str) -> dict[str, str]:
    files = {
        "machines/__init__.py": render_template(
            "package_init.py.j2",
            header=header(f"{spec.root}/machines"),
            doc=f"One python-statemachine module per machine of {spec.manifest.title}.",
        )
    }
    for m in spec.machines:
        view = machine_view(spec, m)
        files[f"machines/{m.module}.py"] = render_template(
            "machine.py.j2",
            header=header(m.source_file),
            m=m,
            v=view,
            entry_states={e[0] for e in view.entries},
            exit_states={e[0] for e in view.exits},
        )
    return files


def python_files(spec: SpecSet, package: str) -> dict[str, str]:
    """Relative path inside the package → text, for every module and schema."""
    common = {"manifest": spec.manifest, "package": package}
    files = {
        "__init__.py": render_template(
            "package_init.py.j2",
            header=header(f"{spec.root}/spec.yaml"),
            doc=f"{spec.manifest.title}: compiled from {spec.root} ({spec.manifest.edition}).",
        ),
        "enums.py": render_template(
            "enums.py.j2", header=header(f"{spec.root}/types.yaml"), enums=spec.enums, **common
        ),
        "config_keys.py": render_template(
            "config_keys.py.j2",
            header=header(f"{spec.root}/config_keys.yaml"),
            keys=spec.config_keys,
            **common,
        ),
        "pics.py": render_template(
            "pics.py.j2", header=header(f"{spec.root}/pics.yaml"), items=spec.pics, **common
        ),
    }
    machine_infos = [
        {
            "name": m.name,
            "module": m.module,
            "class_name": f"{class_name(m.name)}Machine",
            "state_type": f"{class_name(m.name)}State",
            "instance": m.instance,
            "profile": m.profile,
        }
        for m in spec.machines
    ]
    files["registry.py"] = render_template(
        "registry.py.j2",
        header=header(spec.root),
        messages=spec.messages,
        machines=machine_infos,
        tester_events=_tester_specs(spec, "tester"),
        observations=_tester_specs(spec, "observation"),
        **common,
    )
    # The tester API's methods are the registry's tester events: documented beside it.
    files["tester-api.md"] = tester_api_doc(spec)
    files["hooks.py"] = render_template(
        "hooks.py.j2", header=header(f"{spec.root}/machines"), machines=machine_infos, **common
    )
    files.update(payload_files(spec, package))
    files.update(_machine_modules(spec, package))
    for message in spec.messages:
        for name, text in message_schemas(spec, message).items():
            files[f"schemas/{name}"] = text
    if spec.demo is not None:
        files["demo.py"] = render_template(
            "demo.py.j2",
            header=header(spec.demo.source_file),
            demo=spec.demo,
            at=f"{spec.demo.pos.file}:{spec.demo.pos.line}",
            data=scenario_data(spec, spec.demo),
        )
    return files


def _tester_specs(spec: SpecSet, namespace: str) -> list[TesterEventSpec]:
    """The tester actions (or observations) as the registry holds them, each with the JSON
    Schema of its payload (what the tester API checks a call's params against)."""
    return [
        e.tester_spec(object_schema(spec, e.payload))
        for e in spec.events
        if e.namespace == namespace
    ]
