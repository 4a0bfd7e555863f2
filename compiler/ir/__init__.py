"""The intermediate representation: frozen dataclasses built from validated spec files."""

from compiler.ir.model import *  # noqa: F403
from compiler.ir.model import __all__  # noqa: F401
