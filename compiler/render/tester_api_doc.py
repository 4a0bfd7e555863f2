"""``tester-api.md``: the methods of the tester API, one per tester action and observation of
events.yaml (the protocol itself is described in docs/tester-api.md)."""

from __future__ import annotations

from compiler.ir import SpecSet
from compiler.render.env import header, render_template

__all__ = ["tester_api_doc"]


def tester_api_doc(spec: SpecSet) -> str:
    """The method table: ``tester.<action>`` and ``observe.<name>``, each with its params
    (type, required, limits), operator prompt and result, in name order."""
    by_name = sorted(spec.events, key=lambda e: e.short)
    return render_template(
        "tester_api.md.j2",
        header="<!--\n" + header(f"{spec.root}/events.yaml", comment="") + "-->\n",
        manifest=spec.manifest,
        actions=[e for e in by_name if e.namespace == "tester"],
        observations=[e for e in by_name if e.namespace == "observation"],
    )
