"""The one place where OCPP names become Python identifiers.

OCPP names keep their spec spelling in strings; every identifier derived from one comes from
here, so a name is converted the same way in machines, messages, tests and diagrams.
"""

from __future__ import annotations

import keyword
import re

__all__ = ["class_name", "event_attr", "module_name", "snake", "transition_attr"]

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NOT_IDENT = re.compile(r"[^0-9a-zA-Z]+")


def snake(name: str) -> str:
    """``BootNotification`` → ``boot_notification``; ``SuspendedEVSE`` → ``suspended_evse``."""
    words = _CAMEL_BOUNDARY.sub("_", name)
    ident = _NOT_IDENT.sub("_", words).strip("_").lower()
    if not ident or ident[0].isdigit():
        ident = f"n_{ident}"
    return f"{ident}_" if keyword.iskeyword(ident) else ident


def class_name(name: str) -> str:
    """A PascalCase class name from a spec name (keeps an OCPP name as written)."""
    parts = [p for p in _NOT_IDENT.split(name) if p]
    return "".join(p[0].upper() + p[1:] for p in parts)


def module_name(name: str) -> str:
    """The module for a machine or profile: ``ConnectorStatus`` → ``connector_status``."""
    return snake(name)


def event_attr(event: str) -> str:
    """``tester.plug_in`` → ``tester_plug_in``; ``result.BootNotification`` →
    ``result_boot_notification``."""
    namespace, _, short = event.partition(".")
    return f"{snake(namespace)}_{snake(short)}"


def transition_attr(transition_id: str, source: str, event: str) -> str:
    """A unique method-name stem for one transition."""
    return f"{snake(transition_id)}__{snake(source)}__{event_attr(event)}"
