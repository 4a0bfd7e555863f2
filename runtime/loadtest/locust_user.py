"""Locust mode: one Locust user is one simulated charge point, load for a Central System.

Each :class:`ChargePointUser` owns one sans-IO
:class:`~runtime.station.station.Station` (every machine of the spec set, as ``chargespec
sim`` runs it) and one :class:`~runtime.loadtest.link.StationLink` greenlet that keeps it
connected: it boots, sends its StatusNotifications, Heartbeats and MeterValues, answers the
Central System's requests and reconnects with back-off, all by itself. The user's tasks are the
driver: :meth:`ChargePointUser.charge` plays a charging session on a free connector,
:meth:`ChargePointUser.idle` leaves the station alone.

What Locust counts: every CALL the station sends is one request, ``request_type="OCPP"``,
named by its action, timed from writing the CALL to reading its CALLRESULT; a CALLERROR, no
answer within MessageTimeout and a connection lost first are failures
(:class:`~runtime.loadtest.calls.CallFailed`). Besides those, ``WebSocket``/``connect`` times
each opening handshake and ``Session``/``start`` the wait from presenting the idTag to a
running transaction.

Importing this module imports Locust, which monkey-patches the standard library for gevent;
only a locustfile (or a Locust process) should import it. It also adds the ``--cp-*`` options
to Locust's command line (a master hands them to its workers).
"""

from __future__ import annotations

import itertools
import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import gevent
from locust import User, between, events, task
from locust.argument_parser import LocustArgumentParser
from locust.env import Environment

from runtime.loadtest.calls import CallFailed, CallOutcome
from runtime.loadtest.link import StationLink
from runtime.loadtest.sessions import Session, charge, ready_connectors, registered, wait_until
from runtime.spec.registry import SpecRegistry
from runtime.station.station import Station, StationIdentity

__all__ = ["ChargePointOptions", "ChargePointUser", "add_arguments", "parse_config"]

log = logging.getLogger(__name__)

# Users of one process are numbered from 1, in the order they start; the identity pattern's {n}.
_NUMBERS = itertools.count(1)
# Without --cp-connectors and without a PICS file, as `chargespec sim`.
_DEFAULT_CONNECTORS = 2
_TICK = 0.1


def add_arguments(parser: LocustArgumentParser) -> None:
    """Add the charge point options (``--cp-*``) to Locust's command line."""
    parser.add_argument(
        "--cp-identity",
        default="CP{worker}-{n}",
        help="Charge point identity; {worker} is the worker's index, {n} the user's number "
        "in its process (from 1). Default: CP{worker}-{n}.",
    )
    parser.add_argument(
        "--cp-id-tag", default="T{worker}-{n}", help="The driver's idTag; same fields."
    )
    parser.add_argument(
        "--cp-connectors",
        type=int,
        default=0,
        help="Connectors per charge point. Default: NumberOfConnectors of --cp-pics, else 2.",
    )
    parser.add_argument(
        "--cp-pics", default="", help="A PICS file (pics: {Item: value}); default: the spec's."
    )
    parser.add_argument(
        "--cp-config",
        default="",
        help="Configuration to start from, KEY=VALUE[,KEY=VALUE...], "
        "e.g. MeterValueSampleInterval=60.",
    )
    parser.add_argument(
        "--cp-charge-min", type=float, default=60.0, help="Shortest session, in seconds."
    )
    parser.add_argument(
        "--cp-charge-max", type=float, default=600.0, help="Longest session, in seconds."
    )
    parser.add_argument(
        "--cp-start-timeout",
        type=float,
        default=30.0,
        help="Seconds a driver waits for a transaction, or a station for its boot.",
    )
    parser.add_argument(
        "--cp-password",
        default="",
        is_secret=True,
        help="HTTP Basic authorization key (OCPP-J 6.2.2); none by default.",
    )


# Locust's EventHook is untyped; the listener's signature is Locust's documented one.
events.init_command_line_parser.add_listener(add_arguments)  # type: ignore[no-untyped-call]


def parse_config(text: str) -> dict[str, str]:
    """``KEY=VALUE[,KEY=VALUE...]`` as a mapping; values stay wire strings (§9.1).

    Raises:
        ValueError: An item without ``=`` or without a key.
    """
    values: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--cp-config item {item!r} is not KEY=VALUE")
        values[key.strip()] = value.strip()
    return values


@dataclass(frozen=True, slots=True)
class ChargePointOptions:
    """The ``--cp-*`` options, with their defaults when Locust parsed none."""

    identity: str = "CP{worker}-{n}"
    id_tag: str = "T{worker}-{n}"
    connectors: int = 0
    pics: str = ""
    config: str = ""
    charge_min: float = 60.0
    charge_max: float = 600.0
    start_timeout: float = 30.0
    password: str = ""

    @classmethod
    def of(cls, environment: Environment) -> ChargePointOptions:
        """The options of a run (the master's, on a worker)."""
        parsed = environment.parsed_options
        if parsed is None:
            return cls()
        defaults = cls()
        # The web UI hands values back as text: every one is converted to its field's type.
        found = {
            name: type(getattr(defaults, name))(getattr(parsed, f"cp_{name}"))
            for name in cls.__dataclass_fields__
            if getattr(parsed, f"cp_{name}", None) is not None
        }
        return cls(**found)


class ChargePointUser(User):
    """One simulated charge point (see the module docstring).

    Subclass it in a locustfile and set :attr:`registry`; override :meth:`pics_from_file` to
    accept ``--cp-pics``.

    Attributes:
        registry: The compiled spec set, e.g. ``generated.ocpp16.registry.SPEC``.
        link: The station and its connection, from :meth:`on_start` on.
        identity: The charge point identity.
    """

    abstract = True
    registry: ClassVar[SpecRegistry | None] = None
    wait_time = between(5.0, 30.0)

    _pics_cache: ClassVar[dict[str, Mapping[str, Any]]] = {}

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        self.link: StationLink | None = None
        self.identity = ""
        self.id_tag = ""
        self._loop: gevent.Greenlet[[], None] | None = None
        self._options = ChargePointOptions.of(environment)

    def pics_from_file(self, path: str) -> Mapping[str, Any]:
        """The PICS values of a PICS file; the locustfile knows how to read and check one.

        Raises:
            NotImplementedError: Always, here; a subclass that accepts ``--cp-pics``
                overrides it (see ``examples/locustfile.py``).
        """
        raise NotImplementedError(f"{type(self).__name__} cannot read --cp-pics {path}")

    # --- lifecycle ------------------------------------------------------------------------
    def on_start(self) -> None:
        """Build the station, start its link, wait (bounded) until it is registered."""
        options = self._options
        if self.registry is None:
            raise RuntimeError(f"{type(self).__name__}.registry is not set (the compiled spec)")
        if not self.host:
            raise RuntimeError("no Central System URL: pass --host ws://HOST:PORT/PATH")
        pics = self._pics(options.pics)
        worker = getattr(self.environment.runner, "worker_index", 0)
        number = next(_NUMBERS)
        self.identity = options.identity.format(worker=worker, n=number)
        self.id_tag = options.id_tag.format(worker=worker, n=number)
        station = Station(
            self.registry,
            StationIdentity(self.identity),
            connectors=options.connectors or _connectors_of(pics),
            now=time.time(),
            config=parse_config(options.config),
            pics=pics,
        )
        self.link = StationLink(
            station,
            self.host,
            on_call=self._report_call,
            on_connect=self._report_connect,
            basic_auth_password=options.password or None,
        )
        self._loop = gevent.spawn(self.link.run)
        wait_until(lambda: registered(station), options.start_timeout, _TICK, gevent.sleep)

    def on_stop(self) -> None:
        """Close the connection and end the link's greenlet."""
        if self.link is not None:
            self.link.close()
        if self._loop is not None:
            self._loop.join(timeout=5.0)
            self._loop.kill(block=False)

    # --- tasks: the driver --------------------------------------------------------------
    @task(3)
    def charge(self) -> None:
        """Charge on a free connector for a random time between the session bounds."""
        link = self.link
        if link is None:
            return
        free = ready_connectors(link.station)
        if not free:
            return  # offline, not accepted yet, or every connector busy: come back later
        options = self._options
        session = charge(
            link,
            random.choice(free),
            self.id_tag,
            random.uniform(options.charge_min, max(options.charge_min, options.charge_max)),
            start_timeout=options.start_timeout,
            sleep=gevent.sleep,
        )
        self._report_session(session)

    @task(1)
    def idle(self) -> None:
        """Leave the station alone for as long as a session would take (it keeps sending
        its Heartbeats)."""
        options = self._options
        gevent.sleep(
            random.uniform(options.charge_min, max(options.charge_min, options.charge_max))
        )

    # --- what Locust counts -------------------------------------------------------------
    def _report_call(self, outcome: CallOutcome) -> None:
        self.environment.events.request.fire(
            request_type="OCPP",
            name=outcome.action,
            response_time=outcome.response_time_ms,
            response_length=outcome.response_length,
            exception=None if outcome.error is None else CallFailed(outcome),
            context={"charge_point": self.identity},
        )

    def _report_connect(self, elapsed_ms: float, error: Exception | None) -> None:
        self.environment.events.request.fire(
            request_type="WebSocket",
            name="connect",
            response_time=elapsed_ms,
            response_length=0,
            exception=error,
            context={"charge_point": self.identity},
        )

    def _report_session(self, session: Session) -> None:
        self.environment.events.request.fire(
            request_type="Session",
            name="start",
            response_time=session.time_to_start_ms,
            response_length=0,
            exception=None if session.started else RuntimeError(session.reason),
            context={"charge_point": self.identity},
        )

    def _pics(self, path: str) -> Mapping[str, Any] | None:
        """The PICS of ``--cp-pics``, read once per process; ``None`` for the spec's own."""
        if not path:
            return None
        if path not in self._pics_cache:
            self._pics_cache[path] = self.pics_from_file(path)
        return self._pics_cache[path]


def _connectors_of(pics: Mapping[str, Any] | None) -> int:
    if pics is None or "NumberOfConnectors" not in pics:
        return _DEFAULT_CONNECTORS
    return int(pics["NumberOfConnectors"])
