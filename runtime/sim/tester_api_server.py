"""The tester API served for a running simulated station (``chargespec sim --tester-api``).

The simulator stands in for a hardware-in-the-loop rig: the test system drives it through the
same protocol (:mod:`runtime.adapters.tester_api`) it would use on a real charge point, so the
whole external path runs in CI against a separate process.

How the simulator performs each step (:class:`SimulatedRig`):

* ``connection_lost`` cuts the station's network: the WebSocket to the Central System is
  aborted and no reconnect is attempted until ``connection_restored``;
* ``power_cycle`` reboots the station: it drops the connection, reconnects and boots again;
* every other action is the station's own tester action (a plug in, an idTag …), and an
  observation reads the simulated hardware.

Each call is answered after the step was applied and the frames it caused were written to the
Central System, so a test that sees the answer can expect those frames on the wire.

One server may also serve many stations (a fleet): given ``rigs``, a lookup from charge point
identity to the station's :class:`~runtime.adapters.tester_api.Dispatcher`, a client addresses
a station by the URL path, ``ws://host:port/<identity>`` (percent-encoded as in the OCPP-J
connection URL, §3.1.1); an unknown identity is refused at the handshake with HTTP 404.
"""

from __future__ import annotations

import asyncio
import http
import logging
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from runtime.adapters.tester_api import SUBPROTOCOL, Dispatcher, TesterApi
from runtime.sim.simulator import SimulatedStation
from runtime.spec.registry import SpecRegistry

__all__ = ["RigLookup", "SimulatedRig", "TesterApiServer"]

logger = logging.getLogger(__name__)

_SUBPROTOCOL = Subprotocol(SUBPROTOCOL)
# RFC 6455 §7.4.1: 1002 is "protocol error"; the client did not offer our subprotocol.
_CLOSE_PROTOCOL_ERROR = 1002

#: The dispatcher of the station with this charge point identity, ``None`` for no such station.
RigLookup = Callable[[str], Dispatcher | None]


class SimulatedRig:
    """Performs tester API steps on a running :class:`SimulatedStation`.

    Args:
        sim: The station; its ``run`` task is running (or about to).
    """

    def __init__(self, sim: SimulatedStation) -> None:
        self._sim = sim
        # One step at a time on the station, whichever client asked.
        self._lock = asyncio.Lock()

    async def act(self, name: str, params: dict[str, Any]) -> None:
        """Apply one tester action and write the frames it caused.

        Raises:
            TesterError: the station refuses it (e.g. a connector it does not have).
        """
        async with self._lock:
            if name == "connection_lost":
                await self._sim.connection_lost()
            elif name == "connection_restored":
                self._sim.connection_restored()
            else:
                # power_cycle reboots in the station; the simulator drops the socket after.
                self._sim.station.tester(name, **params)
            await self._sim.flush()

    async def observe(self, name: str, params: dict[str, Any]) -> Any:
        """Read one observation off the simulated hardware.

        Raises:
            TesterError: unknown observation or connector.
        """
        async with self._lock:
            return self._sim.station.observe(name, **params)


class TesterApiServer:
    """A WebSocket server speaking the tester API for one simulated station, or for many.

    Args:
        sim: The simulated station the steps are performed on; ``None`` with ``rigs``.
        registry: The spec set whose tester events are the methods.
        host: Interface to bind.
        port: TCP port; 0 picks a free one (see :attr:`port` after :meth:`start`).
        rigs: Many stations, addressed by identity in the URL path (module docstring);
            without it every client drives ``sim``, whatever the path.

    Raises:
        ValueError: Neither ``sim`` nor ``rigs`` is given.
    """

    __test__ = False  # not a pytest test class, whatever its name

    def __init__(
        self,
        sim: SimulatedStation | None,
        registry: SpecRegistry,
        host: str,
        port: int,
        *,
        rigs: RigLookup | None = None,
    ) -> None:
        if sim is None and rigs is None:
            raise ValueError("a tester API server needs a station or a lookup of stations")
        self.api = TesterApi(registry)
        self.rig: Dispatcher | None = SimulatedRig(sim) if sim is not None else None
        self._rigs = rigs
        self.host = host
        self.port = port
        self._server: Server | None = None

    @property
    def url(self) -> str:
        """The API's URL, e.g. ``ws://127.0.0.1:9001/``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"ws://{host}:{self.port}/"

    async def start(self) -> None:
        """Bind and start accepting clients."""
        self._server = await serve(
            self._serve_one,
            self.host,
            self.port,
            select_subprotocol=_select_subprotocol,
            process_request=self._check_path if self._rigs is not None else None,
        )
        self.port = self._server.sockets[0].getsockname()[1]
        logger.debug("tester API on %s", self.url)

    async def stop(self) -> None:
        """Close every client connection and stop accepting."""
        if self._server is None:
            return
        self._server.close()
        await self._server.wait_closed()
        self._server = None

    async def __aenter__(self) -> TesterApiServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def _dispatcher(self, path: str) -> Dispatcher | None:
        """The station a request path addresses (``/<identity>``), or the only one."""
        if self._rigs is None:
            return self.rig
        identity = unquote(urlsplit(path).path.strip("/"))
        return self._rigs(identity) if identity else None

    def _check_path(self, ws: ServerConnection, request: Request) -> Response | None:
        """Refuse the handshake (HTTP 404) for a path that names no station."""
        if self._dispatcher(request.path) is None:
            return ws.respond(http.HTTPStatus.NOT_FOUND, f"no station at {request.path}\n")
        return None

    async def _serve_one(self, ws: ServerConnection) -> None:
        """Answer one client's frames in order, one at a time."""
        if ws.subprotocol != _SUBPROTOCOL:
            await ws.close(_CLOSE_PROTOCOL_ERROR, f"{SUBPROTOCOL} subprotocol required")
            return
        rig = self._dispatcher(ws.request.path if ws.request is not None else "/")
        if rig is None:  # the station went away between the handshake and now
            await ws.close(1008, "no such station")
            return
        try:
            async for frame in ws:
                if isinstance(frame, bytes):
                    # JSON-RPC travels in text frames; a binary one is read as UTF-8 text
                    # rather than dropped, so the client still gets an answer.
                    frame = frame.decode("utf-8", "replace")
                response = await self.api.handle(frame, rig)
                if response is not None:
                    await ws.send(response)
        except ConnectionClosed:
            logger.info("tester API client went away")


def _select_subprotocol(ws: ServerConnection, offered: Sequence[Subprotocol]) -> Subprotocol | None:
    """Agree to the tester subprotocol if offered; otherwise finish the handshake without one
    and close (as OCPP-J §3.2 does for ``ocpp1.6``), rather than answer HTTP 400."""
    return _SUBPROTOCOL if _SUBPROTOCOL in offered else None
