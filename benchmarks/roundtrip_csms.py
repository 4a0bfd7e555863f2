"""The Central System of the round-trip benchmark: raw websockets, no validation, own process.

It answers every CALL with a CALLRESULT (BootNotification Accepted with a one-hour heartbeat
interval, so no Heartbeat gets between two DataTransfers; DataTransfer Accepted; Authorize and
StartTransaction Accepted; ``{}`` for the rest), and echoes every frame on a path beginning
``/echo``. It does the same for every client, so its cost is no client's.
``benchmarks/bench_roundtrip.py`` starts it; it prints its port and serves on 127.0.0.1 until
SIGTERM or, when its standard input is a pipe, until that is closed (the benchmark has ended).

    .venv/bin/python benchmarks/roundtrip_csms.py
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import stat
import sys
from datetime import UTC, datetime
from typing import Any, Final

__all__ = ["OCPP16", "serve"]

OCPP16: Final = "ocpp1.6"


def _answer(action: str) -> str:
    """The CALLRESULT payload for ``action``, as JSON text."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if action == "BootNotification":
        # A long heartbeat interval: no Heartbeat CALL gets between two DataTransfers.
        return json.dumps({"status": "Accepted", "currentTime": now, "interval": 3600})
    if action == "Heartbeat":
        return json.dumps({"currentTime": now})
    if action == "DataTransfer":
        return '{"status":"Accepted"}'
    if action in ("Authorize", "StartTransaction"):
        return '{"idTagInfo":{"status":"Accepted"}' + (
            ',"transactionId":1}' if action == "StartTransaction" else "}"
        )
    return "{}"


async def _central_system(ws: Any) -> None:
    """Answer every CALL with a CALLRESULT, or echo every frame on an ``/echo`` path."""
    from websockets.exceptions import ConnectionClosed

    echo = ws.request.path.startswith("/echo")
    # A client process ending its run may drop the link without a closing handshake.
    with contextlib.suppress(ConnectionClosed):
        async for text in ws:
            if echo:
                await ws.send(text)
                continue
            message = json.loads(text)
            if message[0] == 2:  # a CALL (OCPP-J §4.2.1); answers to our CALLs do not occur
                await ws.send(f"[3,{json.dumps(message[1])},{_answer(message[2])}]")


async def serve() -> None:
    """Serve on a free port of 127.0.0.1, print the port, stop on SIGTERM or closed stdin."""
    from websockets.asyncio.server import serve as ws_serve
    from websockets.typing import Subprotocol

    loop = asyncio.get_running_loop()
    stop: asyncio.Future[None] = loop.create_future()

    def stop_once() -> None:
        if not stop.done():
            stop.set_result(None)

    def stdin_readable() -> None:
        # The benchmark holds our stdin open: end of file means it is gone, so are we.
        if not os.read(sys.stdin.fileno(), 4096):
            loop.remove_reader(sys.stdin.fileno())
            stop_once()

    loop.add_signal_handler(signal.SIGTERM, stop_once)
    if stat.S_ISFIFO(os.fstat(sys.stdin.fileno()).st_mode):  # a pipe from the benchmark
        loop.add_reader(sys.stdin.fileno(), stdin_readable)
    async with ws_serve(
        _central_system, "127.0.0.1", 0, subprotocols=[Subprotocol(OCPP16)], ping_interval=None
    ) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print(port, flush=True)
        await stop


if __name__ == "__main__":
    asyncio.run(serve())
