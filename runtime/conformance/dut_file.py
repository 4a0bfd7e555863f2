"""``dut.yaml``: what a lab configures for one device under test.

Everything a case needs to know about the device that its PICS does not say comes from here
(docs/dut-file.md): its identity, the connector under test, the idTags the lab provisioned,
its Basic-auth password, where the test system listens as its Central System, how late or
early it may be, and who performs the physical steps (a person at the terminal, or a rig
speaking the tester API). A bad file gets ``file:line:col: error[DUTnnn]`` lines naming the
field and the allowed values; nothing is guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runtime.errors import ChargespecError
from runtime.spec.located_yaml import LocatedYaml, SourcePos, YamlError, load_yaml_file
from runtime.spec.names import did_you_mean

__all__ = ["DutConfig", "DutFileError", "IdTags", "load_dut_file"]

_ID_TAG_MAX = 20  # IdToken is CiString20Type (OCPP 1.6 §7.28)
_BACKENDS = ("operator", "api")


class DutFileError(ChargespecError, ValueError):
    """A dut.yaml that cannot be used; ``problems`` holds one formatted line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class IdTags:
    """The idTags the lab provisioned (cards it can present). The test system, as Central
    System, answers each with the status its name says."""

    valid: str = "TAG-0001"
    other: str = "TAG-0002"
    invalid: str = "BAD-0001"
    blocked: str = "TAG-0009"
    expired: str = "EXPIRED-01"
    parent: str = "PARENT-01"
    unknown: str = "UNKNOWN-01"


@dataclass(frozen=True, slots=True)
class DutConfig:
    """One device under test, as dut.yaml describes it (defaults: the reference device)."""

    identity: str = "CP-UNDER-TEST"
    connector: int = 1
    host: str = "127.0.0.1"
    port: int = 9000
    path: str = "/ocpp"
    basic_auth_password: str | None = None
    id_tags: IdTags = field(default_factory=IdTags)
    tolerance: float = 2.0
    time_scale: float = 1.0
    connect_timeout: float = 600.0
    response_timeout: float = 30.0
    backend: str = "operator"
    tester_url: str = ""
    prompt_timeout: float = 300.0
    source: str = ""

    def values(self) -> dict[str, Any]:
        """What scenario placeholders stand for on this device (``$id_tag`` …)."""
        tags = self.id_tags
        return {
            "id_tag": tags.valid,
            # §7.28: idTags compare case-insensitively; cases present the other case too.
            "id_tag_lowercase": tags.valid.lower(),
            "blocked_id_tag_lowercase": tags.blocked.lower(),
            "other_id_tag": tags.other,
            "invalid_id_tag": tags.invalid,
            "blocked_id_tag": tags.blocked,
            "expired_id_tag": tags.expired,
            "parent_id_tag": tags.parent,
            "unknown_id_tag": tags.unknown,
            "connector_under_test": self.connector,
        }


# field -> (section path, kind, extra check)
_TOP = {"identity", "connector", "listen", "basic_auth_password", "id_tags", "timing", "tester"}
_LISTEN = {"host", "port", "path"}
_TIMING = {"tolerance", "time_scale", "connect_timeout", "response_timeout"}
_TESTER = {"backend", "url", "prompt_timeout"}
_TAGS = set(IdTags.__dataclass_fields__)


class _Reader:
    def __init__(self, loaded: LocatedYaml) -> None:
        self.loaded = loaded
        self.problems: list[str] = []

    def problem(self, path: tuple[str | int, ...], code: str, message: str) -> None:
        pos: SourcePos = self.loaded.pos(path)
        self.problems.append(f"{pos}: error[{code}]: {message}")

    def section(self, data: Any, path: tuple[str, ...], known: set[str]) -> dict[str, Any]:
        if data is None:
            return {}
        if not isinstance(data, dict):
            self.problem(path, "DUT002", f"'{'.'.join(path)}' must be a mapping")
            return {}
        for name in data:
            if name not in known:
                hint = did_you_mean(str(name), sorted(known))
                allowed = ", ".join(sorted(known))
                shown = f"unknown field '{name}'" + (f" ({hint})" if hint else "")
                self.problem((*path, name), "DUT003", f"{shown}; allowed: {allowed}")
        return data

    def number(self, data: dict[str, Any], path: tuple[str, ...], name: str, low: float) -> Any:
        value = data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or value < low:
            self.problem((*path, name), "DUT004", f"'{name}' must be a number >= {low:g}")
            return None
        return value

    def text(self, data: dict[str, Any], path: tuple[str, ...], name: str) -> str | None:
        value = data.get(name)
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            self.problem((*path, name), "DUT004", f"'{name}' must be a non-empty string")
            return None
        return value


def _read(reader: _Reader, data: dict[str, Any]) -> dict[str, Any]:
    """The DutConfig arguments dut.yaml gives; problems go to ``reader``."""
    top = reader.section(data, ("dut",), _TOP)
    args: dict[str, Any] = {}
    if (identity := reader.text(top, ("dut",), "identity")) is not None:
        args["identity"] = identity
    if (connector := reader.number(top, ("dut",), "connector", 1)) is not None:
        args["connector"] = int(connector)
    if "basic_auth_password" in top:
        args["basic_auth_password"] = reader.text(top, ("dut",), "basic_auth_password")
    listen = reader.section(top.get("listen"), ("dut", "listen"), _LISTEN)
    for name in ("host", "path"):
        if (value := reader.text(listen, ("dut", "listen"), name)) is not None:
            args[name] = value
    if (port := reader.number(listen, ("dut", "listen"), "port", 0)) is not None:
        args["port"] = int(port)
    timing = reader.section(top.get("timing"), ("dut", "timing"), _TIMING)
    for name in sorted(_TIMING):
        low = 1.0 if name == "time_scale" else 0.0
        if (value := reader.number(timing, ("dut", "timing"), name, low)) is not None:
            args[name] = float(value)
    args["id_tags"] = _read_tags(reader, top)
    return args | _read_tester(reader, top)


def _read_tags(reader: _Reader, top: dict[str, Any]) -> IdTags:
    tags = reader.section(top.get("id_tags"), ("dut", "id_tags"), _TAGS)
    given = {}
    for name in sorted(_TAGS & set(tags)):
        value = reader.text(tags, ("dut", "id_tags"), name)
        if value is not None and len(value) > _ID_TAG_MAX:
            reader.problem(("dut", "id_tags", name), "DUT004", f"'{name}' is longer than 20")
        elif value is not None:
            given[name] = value
    return IdTags(**given)


def _read_tester(reader: _Reader, top: dict[str, Any]) -> dict[str, Any]:
    args: dict[str, Any] = {}
    tester = reader.section(top.get("tester"), ("dut", "tester"), _TESTER)
    backend = tester.get("backend", "operator")
    if backend not in _BACKENDS:
        reader.problem(
            ("dut", "tester", "backend"),
            "DUT005",
            f"tester backend {backend!r} is not one of: {', '.join(_BACKENDS)}",
        )
    args["backend"] = backend
    url = reader.text(tester, ("dut", "tester"), "url")
    if backend == "api" and url is None:
        reader.problem(("dut", "tester"), "DUT006", "tester backend 'api' needs 'url' (ws://…)")
    args["tester_url"] = url or ""
    if (timeout := reader.number(tester, ("dut", "tester"), "prompt_timeout", 1)) is not None:
        args["prompt_timeout"] = float(timeout)
    return args


def load_dut_file(path: Path) -> DutConfig:
    """Read and check a dut.yaml.

    Raises:
        DutFileError: one ``file:line:col: error[DUTnnn]`` line per problem.
    """
    shown = str(path)
    try:
        loaded = load_yaml_file(path, shown)
    except YamlError as exc:
        raise DutFileError([f"{exc.pos}: error[DUT001]: {exc.problem}"]) from None
    reader = _Reader(loaded)
    if not isinstance(loaded.data, dict) or not isinstance(loaded.data.get("dut"), dict):
        raise DutFileError([f"{shown}:1:1: error[DUT002]: the file must hold a 'dut:' mapping"])
    for name in loaded.data:
        if name != "dut":
            reader.problem((name,), "DUT003", f"unknown top-level field '{name}'; allowed: dut")
    args = _read(reader, loaded.data["dut"])
    if reader.problems:
        raise DutFileError(reader.problems)
    return DutConfig(**args, source=shown)
