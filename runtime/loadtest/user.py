"""Locust mode: one Locust user is one simulated charge point, load for a Central System.

:class:`ChargePointUser` is mixed into Locust's ``User`` in a locustfile (see
``examples/locustfile.py``)::

    events.init_command_line_parser.add_listener(add_arguments)

    class ChargePoint(ChargePointUser, User):
        registry = SPEC

Each user owns one sans-IO :class:`~runtime.station.station.Station` (every machine of the
spec set, as ``chargespec sim`` runs it) and one :class:`~runtime.loadtest.link.StationLink`
that keeps it connected: it boots, sends its StatusNotifications, Heartbeats and MeterValues,
answers the Central System's requests and reconnects with back-off, all by itself. The user's
tasks are the driver: :meth:`ChargePointUser.charge` plays a charging session on a free
connector, :meth:`ChargePointUser.idle` leaves the station alone.

What Locust counts: every CALL the station sends is one request, ``request_type="OCPP"``,
named by its action, timed from writing the CALL to reading its CALLRESULT; a CALLERROR, no
answer within MessageTimeout and a connection lost first are failures
(:class:`~runtime.loadtest.calls.CallFailed`). Besides those, ``WebSocket``/``connect`` times
each opening handshake and ``Session``/``start`` the wait from presenting the idTag to a
running transaction.

This module imports neither Locust nor gevent (importing Locust monkey-patches the standard
library). It blocks with ``threading`` and ``time.sleep``, which Locust's patching turns into
gevent's: the link runs in a greenlet beside the user's, and every user of a worker waits side
by side.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from runtime.errors import ChargespecError
from runtime.loadtest.calls import CallFailed, CallOutcome
from runtime.loadtest.link import StationLink
from runtime.loadtest.sessions import Session, charge, ready_connectors, registered, wait_until
from runtime.spec.registry import SpecRegistry
from runtime.station.station import Station, StationIdentity

if TYPE_CHECKING:
    from locust.argument_parser import LocustArgumentParser
    from locust.env import Environment

__all__ = [
    "ChargePointOptions",
    "ChargePointUser",
    "SessionFailed",
    "add_arguments",
    "parse_config",
]

# Users of one process are numbered from 1, in the order they start; the identity pattern's {n}.
_NUMBERS = itertools.count(1)
# Without --cp-connectors and without a PICS file, as `chargespec sim`.
_DEFAULT_CONNECTORS = 2
_TICK = 0.1
# How long a stopping user waits for open CALLs' answers, and then for its link to end.
_STOP_TIMEOUT = 5.0


class SessionFailed(ChargespecError):
    """A driver who got no transaction (refused, or no answer in time)."""


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
    wait_min: float = 5.0
    wait_max: float = 30.0
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


#: The help of each option, ``--cp-<field>``; type and default come from ChargePointOptions.
_OPTION_HELP: Mapping[str, str] = {
    "identity": "Charge point identity: {worker} is the worker's index (0 without workers), "
    "{n} the user's number in its process, from 1.",
    "id_tag": "The idTag the driver presents; the same fields.",
    "connectors": "Connectors per charge point; 0: NumberOfConnectors of --cp-pics, else 2.",
    "pics": "A PICS file (pics: {Item: value}); none: the spec's full PICS.",
    "config": "Configuration to start from, KEY=VALUE[,KEY=VALUE...], "
    "e.g. MeterValueSampleInterval=60.",
    "charge_min": "Shortest session (and idle spell), in seconds.",
    "charge_max": "Longest session (and idle spell), in seconds.",
    "wait_min": "Shortest pause between two tasks, in seconds.",
    "wait_max": "Longest pause between two tasks, in seconds.",
    "start_timeout": "Seconds a driver waits for a transaction, and a new station for its boot.",
    "password": "HTTP Basic authorization key (OCPP-J 6.2.2); none by default.",
}


def add_arguments(parser: LocustArgumentParser) -> None:
    """Add the charge point options (``--cp-*``) to Locust's command line.

    Register it in the locustfile:
    ``events.init_command_line_parser.add_listener(add_arguments)``; a master hands the
    values to its workers.
    """
    defaults = ChargePointOptions()
    for name, text in _OPTION_HELP.items():
        default = getattr(defaults, name)
        parser.add_argument(
            f"--cp-{name.replace('_', '-')}",
            type=type(default),
            default=default,
            help=f"{text} Default: {default!r}.",
            # Shown masked in the web UI.
            is_secret=name == "password",
        )


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


class ChargePointUser:
    """One simulated charge point, to be mixed into Locust's ``User`` (module docstring).

    The locustfile sets :attr:`registry`, and overrides :meth:`pics_from_file` to accept
    ``--cp-pics``. Locust provides ``environment`` and ``host`` (``--host``, the Central
    System's URL, e.g. ``ws://csms:9000/ocpp``).

    Attributes:
        registry: The compiled spec set, e.g. ``generated.ocpp16.registry.SPEC``.
        link: The station and its connection, from :meth:`on_start` on.
        identity: The charge point identity (``--cp-identity``).
        id_tag: The idTag its driver presents (``--cp-id-tag``).
    """

    registry: ClassVar[SpecRegistry | None] = None
    environment: Environment
    host: str | None
    link: StationLink | None = None
    identity: str = ""
    id_tag: str = ""

    _pics_cache: ClassVar[dict[str, Mapping[str, Any]]] = {}
    _loop: threading.Thread | None = None
    _options: ChargePointOptions = ChargePointOptions()

    def wait_time(self) -> float:
        """The pause before the next task: between ``--cp-wait-min`` and ``--cp-wait-max``."""
        return _uniform(self._options.wait_min, self._options.wait_max)

    def pics_from_file(self, path: str) -> Mapping[str, Any]:
        """The PICS values of a PICS file; the locustfile knows how to read and check one.

        Raises:
            NotImplementedError: Always, here; a locustfile that accepts ``--cp-pics``
                overrides it (see ``examples/locustfile.py``).
        """
        raise NotImplementedError(f"{type(self).__name__} cannot read --cp-pics {path}")

    # --- lifecycle ------------------------------------------------------------------------
    def on_start(self) -> None:
        """Build the station, start its link, wait (bounded) until it is registered.

        Raises:
            RuntimeError: No :attr:`registry` or no ``--host``.
        """
        self._options = options = ChargePointOptions.of(self.environment)
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
        # Under Locust a thread is a greenlet: the link waits on its socket beside the user.
        self._loop = threading.Thread(target=self.link.run, name=self.identity, daemon=True)
        self._loop.start()
        wait_until(lambda: registered(station), options.start_timeout, _TICK, time.sleep)

    def on_stop(self) -> None:
        """Wait (bounded) for the answers to CALLs already sent, then close the connection
        and wait (bounded) for the link to end."""
        link = self.link
        if link is not None:
            # The Central System's answers to what was sent still count in the statistics.
            wait_until(
                lambda: not (link.online and link.open_calls), _STOP_TIMEOUT, 0.01, time.sleep
            )
            link.close()
        if self._loop is not None:
            self._loop.join(timeout=_STOP_TIMEOUT)

    # --- tasks: the driver --------------------------------------------------------------
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
            _uniform(options.charge_min, options.charge_max),
            start_timeout=options.start_timeout,
        )
        self._report_session(session)

    def idle(self) -> None:
        """Leave the station alone for as long as a session would take (it keeps sending
        its Heartbeats)."""
        time.sleep(_uniform(self._options.charge_min, self._options.charge_max))

    #: The tasks Locust picks from, three sessions to one idle spell. A list with repeats,
    #: the form Locust gathers from a base class's ``tasks``.
    tasks: ClassVar[list[Any]] = [charge, charge, charge, idle]

    # --- what Locust counts -------------------------------------------------------------
    def _fire(self, request_type: str, name: str, elapsed_ms: float, **fields: Any) -> None:
        # Locust's EventHook.fire is untyped; these are its documented request fields.
        self.environment.events.request.fire(  # type: ignore[no-untyped-call]
            request_type=request_type,
            name=name,
            response_time=elapsed_ms,
            context={"charge_point": self.identity},
            **fields,
        )

    def _report_call(self, outcome: CallOutcome) -> None:
        error = None if outcome.error is None else CallFailed(outcome)
        self._fire(
            "OCPP",
            outcome.action,
            outcome.response_time_ms,
            response_length=outcome.response_length,
            exception=error,
        )

    def _report_connect(self, elapsed_ms: float, error: Exception | None) -> None:
        self._fire("WebSocket", "connect", elapsed_ms, response_length=0, exception=error)

    def _report_session(self, session: Session) -> None:
        error = None if session.started else SessionFailed(session.reason)
        self._fire("Session", "start", session.time_to_start_ms, response_length=0, exception=error)

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


def _uniform(low: float, high: float) -> float:
    """A random duration between two option values; ``high`` below ``low`` means ``low``."""
    return random.uniform(low, max(low, high))
