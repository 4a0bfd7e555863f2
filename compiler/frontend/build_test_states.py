"""Build TestState IR from test_states.yaml: the reusable starting points of scenarios."""

from __future__ import annotations

from typing import Any

from compiler.frontend.build_scenarios import build_steps
from compiler.frontend.yaml import LoadedFile
from compiler.ir import ALWAYS, TestParameter, TestState

__all__ = ["build_test_states"]

# The JSON Schema limits a parameter may carry besides its type.
_LIMITS = ("minimum", "minLength", "maxLength")


def _parameter(f: LoadedFile, state: str, name: str, p: dict[str, Any]) -> TestParameter:
    return TestParameter(
        name=name,
        description=" ".join(p.get("description", "").split()),
        type=p["type"],
        limits={k: p[k] for k in _LIMITS if k in p},
        default=p.get("default"),
        optional=bool(p.get("optional", False)),
        pos=f.key_pos(("test_states", state, "parameters", name)),
    )


def build_test_states(f: LoadedFile) -> list[TestState]:
    """The test states of a test_states.yaml file, in file order."""
    built = []
    for name, st in f.data["test_states"].items():
        path = ("test_states", name)
        parameters = st.get("parameters", {})
        built.append(
            TestState(
                name=name,
                description=" ".join(st["description"].split()),
                refs=tuple(st.get("refs", ())),
                key=st["selected_by"].get("key", ALWAYS),
                value=st["selected_by"].get("value"),
                after=tuple(st.get("after", ())),
                parameters=tuple(_parameter(f, name, n, p) for n, p in parameters.items()),
                steps=build_steps(f, (*path, "steps"), st["steps"]),
                source_file=f.path,
                pos=f.key_pos(path),
            )
        )
    return built
