"""Live commands: ``chargespec sim`` (a simulated station) and ``chargespec demo``.

``sim`` runs one simulated charge point against any Central System and prints every frame;
with ``--sessions`` it also plays charging sessions as a user would, and ``--db`` keeps what a
charge point must remember across a restart in a SQLite file. ``--tester-api HOST:PORT``
serves the tester API (docs/tester-api.md) so a test system drives it as it would a rig,
``--pics`` gives it a device's PICS and ``--time-scale`` runs its clock faster. ``--coverage
FILE`` writes the spec transitions its machines took when it stops (for diagrams' coverage).
``demo`` runs both sides on this machine over a real WebSocket on 127.0.0.1: our
:class:`CsmsServer` plays a short scripted session (:func:`run_scenario`) through a
:class:`WebSocketDut` against a simulated station, and prints the conversation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

__all__ = ["register"]


_ID_TAG_MAX = 20  # IdToken is CiString20Type (OCPP 1.6 §7.28)
_PORT_MAX = 65535


def _parse_config(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> dict[str, str]:
    """``--config KEY=VALUE`` options, checked against the spec's configuration keys."""
    parsed: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", ctx=ctx, param=param)
        parsed[key.strip()] = value
    from compiler.cli import live_runs
    from runtime.spec.config_keys import ConfigError

    try:
        live_runs.check_config(parsed)
    except ConfigError as error:
        raise click.BadParameter(str(error), ctx=ctx, param=param) from None
    return parsed


def _parse_host_port(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[str, int] | None:
    """``HOST:PORT`` (``[::1]:9001`` for IPv6); port 0 picks a free one."""
    if value is None:
        return None
    host, sep, port = value.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port.isdigit() or int(port) > _PORT_MAX:
        raise click.BadParameter(f"{value!r} is not HOST:PORT", ctx=ctx, param=param)
    return host, int(port)


def _check_id_tag(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not value or len(value) > _ID_TAG_MAX or not (value.isascii() and value.isprintable()):
        raise click.BadParameter(
            f"{value!r} is not an idTag (1 to {_ID_TAG_MAX} printable ASCII characters)",
            ctx=ctx,
            param=param,
        )
    return value


@click.command()
def demo() -> None:
    """Run a CSMS and a simulated station on 127.0.0.1 and play a short scripted session."""
    from compiler.cli import live_runs

    live_runs.play_demo()


@click.command()
@click.option("--csms", "csms_url", required=True, help="Central System URL, ws://host:port/path.")
@click.option("--id", "charge_point_id", default="CP1", show_default=True, help="Identity.")
@click.option(
    "--connectors",
    type=click.IntRange(min=1),
    help="Number of connectors [default: NumberOfConnectors of --pics, else 2].",
)
@click.option("--duration", type=click.FloatRange(min=0), help="Stop after this many seconds.")
@click.option(
    "--db",
    type=click.Path(dir_okay=False),
    help="SQLite file keeping transactions, queued messages, cache and configuration "
    "across restarts (default: in memory).",
)
@click.option(
    "--sessions",
    type=click.IntRange(min=0),
    help="Play this many charging sessions, then exit 0 once no transaction message is queued.",
)
@click.option(
    "--id-tag",
    default="SIM-TAG-1",
    show_default=True,
    callback=_check_id_tag,
    help="idTag presented to start and stop each session.",
)
@click.option(
    "--charge-seconds",
    default=10.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="How long each session charges.",
)
@click.option(
    "--round-robin",
    is_flag=True,
    help="Spread the sessions over all connectors in turn (default: connector 1).",
)
@click.option(
    "--config",
    "config",
    multiple=True,
    metavar="KEY=VALUE",
    callback=_parse_config,
    help="Set a configuration key at start, e.g. MeterValueSampleInterval=2 (repeatable).",
)
@click.option("--seed", type=int, help="Seed for the reconnect back-off jitter.")
@click.option(
    "--connect-attempts",
    default=5,
    show_default=True,
    type=click.IntRange(min=0),
    help="Give up (exit 3) after this many failed connection attempts, or BootNotifications "
    "Rejected, in a row before the first success; 0 tries for ever. Once connected and "
    "accepted it reconnects for ever.",
)
@click.option(
    "--tester-api",
    "tester_api",
    metavar="HOST:PORT",
    callback=_parse_host_port,
    help="Serve the tester API (JSON-RPC over WebSocket) here; port 0 picks a free one.",
)
@click.option(
    "--pics",
    "pics_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The simulated device's PICS file (pics: {Item: value, ...}).",
)
@click.option(
    "--time-scale",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=1.0),
    help="Run the station's clock this many times faster than the wall clock.",
)
@click.option(
    "--basic-auth-password",
    help="Authorization key for HTTP Basic authentication (security profile 1).",
)
@click.option(
    "--ca",
    "ca_file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Trust anchor (PEM) for a wss:// Central System, instead of the system's store.",
)
@click.option(
    "--coverage",
    "coverage_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="On exit (end, --duration, Ctrl-C, SIGTERM), write the spec transitions the "
    "station's machines took to this file (JSON, as CHARGESPEC_COVERAGE).",
)
def sim(**options: Any) -> None:
    """Run a simulated charge point against a Central System until Ctrl-C.

    With --sessions N it plays N charging sessions (plug in, present the idTag, charge,
    present it again, unplug) and exits 0 once the Central System has every transaction
    message.

    With --tester-api HOST:PORT a test system performs a scenario's physical steps on it
    through the tester API (docs/tester-api.md), as it would on a hardware-in-the-loop rig.

    \b
    Exit codes (docs/sim.md); unless 0, the reason is one line on stderr:
      0    done as asked (without --sessions: connected, ran until --duration)
      1    sessions failed (not done in --duration, idTag or StartTransaction refused)
      2    usage error
      3    never connected (--connect-attempts), or BootNotification Rejected
      130  Ctrl-C; 143 SIGTERM (running transactions are ended first, once)
    """
    from compiler.cli import sim_run

    # The options arrive by their parameter names, as SimOptions declares them (typed there).
    sim_run.run_sim(sim_run.SimOptions(**options))


def register(main: click.Group) -> None:
    """Add the ``sim`` and ``demo`` commands to the ``chargespec`` command group."""
    main.add_command(sim)
    main.add_command(demo)
