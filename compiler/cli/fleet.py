"""``chargespec fleet``: N simulated charge points in one process, for CSMS load tests.

The stations come from a template (``--template FILE``, YAML or JSON, and the options below over
it) or devices' PICS (``--pics``, repeatable: the stations take the files in turn); an
automatic transaction generator plays sessions on their connectors; a progress line goes to
stderr, a JSON summary to ``--summary``; SIGINT, SIGTERM or ``--duration`` stop the fleet
gracefully (each open transaction stopped exactly once). The exit code is 1, with a one-line
reason, when the run did not complete as asked (docs/fleet.md).

Like every command of this package it imports the runtime and ``generated/`` only when it runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import ssl
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from runtime.fleet.fleet import Fleet, FleetResult

__all__ = ["register"]

_PORT_MAX = 65535
_TEMPLATE_KEYS = frozenset(
    {"identity", "connectors", "vendor", "model", "password", "config", "pics", "meter"}
)
_METER_KEYS = frozenset(
    {"evse_max_w", "voltage_v", "ev_max_w", "capacity_kwh", "soc_start", "knee"}
)


def _range(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    """``MIN:MAX`` seconds (or one number for both)."""
    if value is None:
        return None
    low, _, high = value.partition(":")
    try:
        bounds = (float(low), float(high or low))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not MIN:MAX", ctx=ctx, param=param) from None
    if not 0 <= bounds[0] <= bounds[1]:
        raise click.BadParameter(f"{value!r}: need 0 <= MIN <= MAX", ctx=ctx, param=param)
    return bounds


def _host_port(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    if value is None:
        return None
    host, sep, port = value.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port.isdigit() or int(port) > _PORT_MAX:
        raise click.BadParameter(f"{value!r} is not HOST:PORT", ctx=ctx, param=param)
    return host, int(port)


def _read_template(path: Path | None) -> dict[str, Any]:
    """The template file's mapping (YAML or JSON), its keys checked."""
    if path is None:
        return {}
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        data = json.loads(text)
    else:
        from ruamel.yaml import YAML

        data = YAML(typ="safe", pure=True).load(text)
    data = data.get("station", data) if isinstance(data, dict) else data
    if not isinstance(data, dict):
        raise click.BadParameter("a template is a mapping", param_hint="--template")
    unknown = sorted(set(data) - _TEMPLATE_KEYS) + sorted(
        set(data.get("meter") or {}) - _METER_KEYS
    )
    if unknown:
        raise click.BadParameter(f"unknown template keys: {unknown}", param_hint="--template")
    return dict(data)


def _device_pics(pics_file: Path | None) -> dict[str, Any]:
    """The device's PICS, checked as ``chargespec test`` checks it (exit 1 on problems)."""
    if pics_file is None:
        return {}
    from generated.ocpp16.registry import SPEC
    from runtime.conformance.applicability import load_device_pics, pics_file_problems

    problems = pics_file_problems(pics_file, SPEC)
    if problems:
        click.echo("\n".join(problems), err=True)
        sys.exit(1)
    return dict(load_device_pics(pics_file, SPEC))


def _config(values: tuple[str, ...]) -> dict[str, str]:
    parsed = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--config")
        parsed[key.strip()] = value
    return parsed


def _templates(options: dict[str, Any]) -> list[Any]:
    """One station template per ``--pics`` file (one without): the file, then the PICS, then
    the options over it."""
    data = _read_template(options["template_file"])
    files = options["pics_file"] or (None,)
    return [_template(options, data, _device_pics(path)) for path in files]


def _template(options: dict[str, Any], data: dict[str, Any], device: dict[str, Any]) -> Any:
    from runtime.fleet.meter import MeterProfile
    from runtime.fleet.template import StationTemplate

    pics = {**(data.get("pics") or {}), **device}
    meter = dict(data.get("meter") or {})
    for key in ("ev_max_w", "capacity_kwh", "soc_start"):
        if key in meter:
            meter[key] = tuple(meter[key])
    if options["evse_kw"] is not None:
        meter["evse_max_w"] = options["evse_kw"] * 1000.0
    connectors = options["connectors"] or data.get("connectors")
    connectors = connectors or int(pics.get("NumberOfConnectors", 2))
    chosen = {
        key: options[key] if options[key] is not None else data.get(key)
        for key in ("identity", "vendor", "model", "password")
    }
    # Without a vendor or model of its own, a station says what its PICS says it is.
    for key, item in (("vendor", "VendorName"), ("model", "TypeModel")):
        if chosen[key] is None and pics.get(item):
            chosen[key] = str(pics[item])
    return StationTemplate(
        **{key: value for key, value in chosen.items() if value is not None},
        connectors=int(connectors),
        pics=pics,
        config={**(data.get("config") or {}), **_config(options["config"])},
        meter=MeterProfile(**meter),
    )


def _plan(options: dict[str, Any]) -> Any:
    from runtime.fleet.template import TransactionPlan

    chosen: dict[str, Any] = {"enabled": not options["no_transactions"]}
    for key, name in (("duration", "charge"), ("pause", "pause"), ("id_tag_mode", "id_tag_mode")):
        if options[name] is not None:
            chosen[key] = options[name]
    if options["start_probability"] is not None:
        chosen["start_probability"] = options["start_probability"]
    if options["id_tags"]:
        chosen["id_tags"] = tuple(t.strip() for t in options["id_tags"].split(",") if t.strip())
    return TransactionPlan(**chosen)


def _ssl_context(ca: Path | None, url: str) -> ssl.SSLContext | None:
    """The TLS context for ``wss://``: the ``--ca`` trust anchor (the Central System's CA,
    OCPP security profiles 2 and 3), else the system's trust store."""
    if not url.startswith("wss://"):
        if ca is not None:
            raise click.BadParameter("--ca needs a wss:// URL", param_hint="--ca")
        return None
    context = ssl.create_default_context(cafile=str(ca) if ca is not None else None)
    return context


async def _run(fleet: Fleet, tester_api: tuple[str, int] | None) -> FleetResult:
    from generated.ocpp16.registry import SPEC
    from runtime.sim.tester_api_server import TesterApiServer

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with contextlib.AsyncExitStack() as stack:
        if tester_api is not None:
            server = TesterApiServer(None, SPEC, *tester_api, rigs=fleet.rig)
            await stack.enter_async_context(server)
            click.echo(f"tester API on {server.url}<identity>", err=True)
        return await fleet.run(stop)


def _progress(quiet: bool) -> Any:
    if quiet:
        return None
    tty = sys.stderr.isatty()

    def show(line: str) -> None:
        # A live line on a terminal; one line per report in a CI log.
        click.echo(f"\r\x1b[2K{line}" if tty else line, err=True, nl=not tty)

    return show


@click.command()
@click.option("--csms", "csms_url", required=True, help="Central System URL, ws(s)://host/path.")
@click.option(
    "--stations", type=click.IntRange(min=1), default=10, show_default=True, help="How many."
)
@click.option(
    "--template",
    "template_file",
    type=click.Path(exists=True, path_type=Path),
    help="Station template (YAML/JSON): identity, connectors, vendor, model, "
    "password, config, pics, meter.",
)
@click.option(
    "--pics",
    "pics_file",
    type=click.Path(exists=True, path_type=Path),
    multiple=True,
    help="The stations' PICS file (pics: {Item: value, ...}); repeated, the stations take "
    "them in turn (a mixed fleet).",
)
@click.option("--identity", help="Identity pattern; {N} 1-based, {n} 0-based [CP{N:05d}].")
@click.option(
    "--connectors",
    type=click.IntRange(min=1),
    help="Connectors per station [NumberOfConnectors of --pics, else 2].",
)
@click.option("--vendor", help="chargePointVendor.")
@click.option("--model", help="chargePointModel.")
@click.option(
    "--password", help="Basic auth password pattern ({identity}, {N}, {n}); security profile 1."
)
@click.option(
    "--ca",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Trust anchor (CA certificate, PEM) for a wss:// Central System.",
)
@click.option("--config", multiple=True, help="Configuration KEY=VALUE (repeatable).")
@click.option("--evse-kw", type=click.FloatRange(min=0.1), help="What a connector delivers.")
@click.option(
    "--ramp",
    type=click.FloatRange(min=0),
    default=50.0,
    show_default=True,
    help="Stations started per second (0: all at once).",
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Opening handshakes in flight at most.",
)
@click.option("--duration", type=click.FloatRange(min=0), help="Stop after this many seconds.")
@click.option(
    "--stop-timeout",
    type=click.FloatRange(min=0),
    default=30.0,
    show_default=True,
    help="Seconds the graceful stop may take (transactions stopped, queues drained).",
)
@click.option("--no-transactions", is_flag=True, help="No automatic transactions.")
@click.option(
    "--start-probability",
    type=click.FloatRange(0, 1),
    help="Chance a free connector starts a session after a pause [1].",
)
@click.option("--charge", callback=_range, help="Session length MIN:MAX seconds [60:300].")
@click.option("--pause", callback=_range, help="Pause MIN:MAX seconds [5:60].")
@click.option("--id-tags", help="idTags, comma-separated [FLEET0001..FLEET0100].")
@click.option(
    "--id-tag-mode",
    type=click.Choice(["round-robin", "random", "per-connector"]),
    help="Which idTag a session presents: the next of the list fleet-wide, any, or one per "
    "connector [round-robin].",
)
@click.option(
    "--summary",
    "summary_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the JSON summary here at the end.",
)
@click.option(
    "--tester-api",
    callback=_host_port,
    help="Serve the tester API on HOST:PORT; a station is ws://HOST:PORT/<identity>.",
)
@click.option("--seed", type=int, help="Seed of every random draw.")
@click.option("--quiet", is_flag=True, help="No progress line.")
def fleet(**options: Any) -> None:
    """Run N simulated charge points in one process against a Central System.

    Exits 0 when every station was accepted and every session ended as it should; otherwise
    1, saying why in one line (stations never accepted, connections dropped, transactions
    left open...).
    """
    from generated.ocpp16.registry import SPEC
    from runtime.fleet.driver import Link
    from runtime.fleet.fleet import Fleet, FleetOptions

    try:
        templates = _templates(options)
        plan = _plan(options)
        fleet_options = FleetOptions(
            stations=options["stations"],
            ramp=options["ramp"],
            connect_concurrency=options["concurrency"],
            duration=options["duration"],
            stop_timeout=options["stop_timeout"],
            seed=options["seed"],
        )
    except (ValueError, TypeError) as error:
        raise click.UsageError(str(error)) from None
    link = Link(options["csms_url"], _ssl_context(options["ca"], options["csms_url"]))
    runner = Fleet(SPEC, templates, plan, link, fleet_options, _progress(options["quiet"]))
    try:
        runner.check_template()
    except ValueError as error:  # ConfigError among them
        raise click.UsageError(f"the station template does not fit: {error}") from None
    result = asyncio.run(_run(runner, options["tester_api"]))
    if not options["quiet"] and sys.stderr.isatty():
        click.echo("", err=True)
    if options["summary_file"] is not None:
        summary = {**result.summary, "problems": list(result.problems)}
        options["summary_file"].write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    if not result.ok:
        click.echo(f"fleet: {result.problems[0]}", err=True)
        sys.exit(1)
    click.echo(f"fleet: {result.summary['stations']['ever_accepted']} stations accepted", err=True)


def register(main: click.Group) -> None:
    """Add the ``fleet`` command to the ``chargespec`` command group."""
    main.add_command(fleet)
