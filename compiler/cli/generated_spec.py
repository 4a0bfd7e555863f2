"""The compiled spec set a command runs on, imported when the command runs.

The commands that run the runtime (sim, demo, test, frames, pics) need the generated registry
of ``generated/<spec>/``; the compiler's own verbs must not, so that ``chargespec build`` can
repair a missing or broken ``generated/``. Importing it here, at call time, keeps that promise
and turns a missing build into a clear message instead of a traceback.
"""

from __future__ import annotations

import importlib

import click

from runtime.spec.registry import SpecRegistry

__all__ = ["spec_registry"]


def spec_registry(spec: str = "ocpp16") -> SpecRegistry:
    """The ``SPEC`` registry of ``generated/<spec>/``.

    Raises:
        click.ClickException: The generated code is missing or does not import; the message
            says to run ``chargespec build``.
    """
    try:
        module = importlib.import_module(f"generated.{spec}.registry")
    except Exception as error:  # any failure of generated code means: rebuild it
        raise click.ClickException(
            f"generated/{spec} cannot be imported ({type(error).__name__}: {error}); "
            "run: chargespec build"
        ) from None
    registry = getattr(module, "SPEC", None)
    if not isinstance(registry, SpecRegistry):
        raise click.ClickException(
            f"generated/{spec}/registry.py has no SPEC; run: chargespec build"
        )
    return registry
