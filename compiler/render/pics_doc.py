"""``pics.md``: the PICS form of a spec set, each item with what it gates
(:mod:`compiler.derive.pics_gates`)."""

from __future__ import annotations

from compiler.derive.pics_gates import pics_gates
from compiler.ir import SpecSet
from compiler.render.env import header, render_template

__all__ = ["pics_doc_files"]


def pics_doc_files(spec: SpecSet) -> dict[str, str]:
    """``pics.md``: the PICS form of the spec set, each item with its gates."""
    text = render_template(
        "pics_gates.md.j2",
        header="<!--\n" + header(f"{spec.root}/pics.yaml", comment="") + "-->\n",
        manifest=spec.manifest,
        gates=pics_gates(spec),
    )
    return {"pics.md": text}
