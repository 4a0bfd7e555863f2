"""A fast Central System for fleet load: raw websockets, one JSON decode and encode per frame.

It answers what a fleet sends (BootNotification Accepted with a short heartbeat interval,
Heartbeat, StatusNotification, Authorize, Start/StopTransaction, MeterValues, anything else
with an empty CALLRESULT) and counts per action. It also keeps what the fleet tests assert on:
which transactions were started and how many StopTransaction each got. Two knobs make a
misbehaving Central System: ``reject`` (BootNotification Rejected for those identities) and
``drop`` (the connection aborted once, right after the station's first Accepted boot); and two
make a secured one: ``passwords`` (HTTP Basic auth, OCPP-J §6.2.2, user name = identity) and a
TLS context for ``wss://``.

Run it as a separate process for benchmarks (``python benchmarks/fleet_csms.py --port 0``
prints ``READY ws://127.0.0.1:PORT`` and serves until SIGTERM/SIGINT, then prints its counts
as JSON), or in-process in tests (:class:`FleetCsms`).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import gc
import json
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from http import HTTPStatus
from ssl import SSLContext
from typing import Any
from urllib.parse import unquote

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

__all__ = ["FleetCsms", "main"]

_OCPP = Subprotocol("ocpp1.6")
# Full garbage collections walk every connection's objects: with 10,000 stations connected
# that stalls the server for hundreds of milliseconds, so what exists is frozen every so often.
_FREEZE_EVERY = 500


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class FleetCsms:
    """The Central System (see the module docstring).

    Args:
        heartbeat_interval: The interval in an Accepted BootNotification.conf, seconds.
        reject: Identities whose BootNotification is Rejected (their retry interval: 3600).
        drop: Identities whose connection is aborted once, after their first Accepted boot.
        passwords: The Basic-auth password expected of each identity (HTTP 401 otherwise);
            ``None``: no authentication.
    """

    def __init__(
        self,
        heartbeat_interval: int = 60,
        reject: Callable[[str], bool] = lambda identity: False,
        drop: Callable[[str], bool] = lambda identity: False,
        passwords: Callable[[str], str] | None = None,
    ) -> None:
        self.heartbeat_interval = heartbeat_interval
        self._reject = reject
        self._drop = drop
        self._passwords = passwords
        self._scheme = "ws"
        self.actions: Counter[str] = Counter()
        self.connections = 0
        self.unauthorized = 0
        self.online: set[str] = set()
        self.accepted: set[str] = set()
        self.dropped: set[str] = set()
        self.started: dict[int, tuple[str, int, str]] = {}  # tx id -> identity, connector, tag
        self.models: dict[str, str] = {}  # identity -> chargePointModel of its last boot
        self.stops: Counter[int] = Counter()
        self.stop_reasons: Counter[str] = Counter()
        #: (identity, connectorId, status, timestamp) of every StatusNotification, in order.
        self.statuses: list[tuple[str, int, str, str | None]] = []
        self._next_tx = 1
        self._server: Server | None = None
        self.port = 0

    async def start(
        self, host: str = "127.0.0.1", port: int = 0, ssl: SSLContext | None = None
    ) -> None:
        """Bind and serve (``wss://`` with ``ssl``); :attr:`port` tells where."""
        self._scheme = "wss" if ssl is not None else "ws"
        self._server = await serve(
            self._serve_one,
            host,
            port,
            subprotocols=[_OCPP],
            ping_interval=None,
            compression=None,
            max_queue=4,
            backlog=4096,
            ssl=ssl,
            process_request=self._authorize if self._passwords is not None else None,
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Close every connection and stop serving."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        gc.unfreeze()

    @property
    def url(self) -> str:
        """The endpoint URL the stations append their identity to."""
        return f"{self._scheme}://127.0.0.1:{self.port}/ocpp"

    def _authorize(self, ws: ServerConnection, request: Any) -> Any:
        """HTTP 401 unless the Basic credentials are the identity and its password."""
        assert self._passwords is not None
        identity = unquote(request.path.rsplit("/", 1)[-1])
        token = base64.b64encode(f"{identity}:{self._passwords(identity)}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {token}":
            self.unauthorized += 1
            return ws.respond(HTTPStatus.UNAUTHORIZED, "bad credentials\n")
        return None

    async def _serve_one(self, ws: ServerConnection) -> None:
        assert ws.request is not None
        identity = unquote(ws.request.path.rsplit("/", 1)[-1])
        self.connections += 1
        self.online.add(identity)
        if self.connections % _FREEZE_EVERY == 0:
            gc.freeze()
        try:
            async for text in ws:
                answer = self._answer(identity, json.loads(text))
                if answer is not None:
                    await ws.send(answer)
                if (
                    identity in self.accepted
                    and self._drop(identity)
                    and (identity not in self.dropped)
                ):
                    self.dropped.add(identity)
                    ws.transport.abort()
                    return
        except ConnectionClosed:
            pass
        finally:
            self.online.discard(identity)

    def _answer(self, identity: str, frame: list[Any]) -> str | None:
        if frame[0] != 2:
            return None  # an answer to a CALL of ours: we send none
        _, message_id, action, payload = frame
        self.actions[action] += 1
        handler = getattr(self, f"_on_{action}", None)
        result: dict[str, Any] = handler(identity, payload) if handler is not None else {}
        return json.dumps([3, message_id, result], separators=(",", ":"))

    def _on_BootNotification(self, identity: str, payload: dict[str, Any]) -> dict[str, Any]:
        self.models[identity] = str(payload.get("chargePointModel"))
        if self._reject(identity):
            return {"status": "Rejected", "currentTime": _now_iso(), "interval": 3600}
        self.accepted.add(identity)
        return {
            "status": "Accepted",
            "currentTime": _now_iso(),
            "interval": self.heartbeat_interval,
        }

    def _on_StatusNotification(self, identity: str, payload: dict[str, Any]) -> dict[str, Any]:
        connector, status = int(payload["connectorId"]), str(payload["status"])
        self.statuses.append((identity, connector, status, payload.get("timestamp")))
        return {}

    def _on_Heartbeat(self, identity: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {"currentTime": _now_iso()}

    def _on_Authorize(self, identity: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {"idTagInfo": {"status": "Accepted"}}

    def _on_StartTransaction(self, identity: str, payload: dict[str, Any]) -> dict[str, Any]:
        tx_id = self._next_tx
        self._next_tx += 1
        self.started[tx_id] = (identity, int(payload["connectorId"]), str(payload["idTag"]))
        return {"transactionId": tx_id, "idTagInfo": {"status": "Accepted"}}

    def _on_StopTransaction(self, identity: str, payload: dict[str, Any]) -> dict[str, Any]:
        self.stops[int(payload["transactionId"])] += 1
        self.stop_reasons[str(payload.get("reason", "Local"))] += 1
        return {"idTagInfo": {"status": "Accepted"}}

    def counts(self) -> dict[str, Any]:
        """What it saw, JSON-ready."""
        return {
            "connections": self.connections,
            "accepted": len(self.accepted),
            "actions": dict(sorted(self.actions.items())),
            "transactions_started": len(self.started),
            "transactions_stopped": len(self.stops),
            "duplicate_stops": sum(n - 1 for n in self.stops.values() if n > 1),
        }


async def _serve_until_signal(csms: FleetCsms, host: str, port: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    gc.set_threshold(50_000, 20, 100)  # as the fleet: no stalls for young collections
    await csms.start(host, port)
    print(f"READY ws://{host}:{csms.port}/ocpp", flush=True)
    began = time.monotonic()
    await stop.wait()
    await csms.stop()
    print(json.dumps({**csms.counts(), "seconds": round(time.monotonic() - began, 1)}))


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until SIGTERM/SIGINT (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--heartbeat-interval", type=int, default=60)
    args = parser.parse_args(argv)
    csms = FleetCsms(heartbeat_interval=args.heartbeat_interval)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve_until_signal(csms, args.host, args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
