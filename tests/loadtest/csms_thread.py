"""Central Systems for the load-test tests, each served from a thread of its own.

The load-test code under test blocks (a thread or a greenlet per charge point), so the test
cannot share an event loop with it: the Central System gets its own loop in a daemon thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager

import websockets
from websockets.asyncio.server import ServerConnection
from websockets.typing import Subprotocol

from tests.interop.csms_recorder import Recorder, serve_csms

__all__ = ["csms_in_thread", "serve_in_thread"]

_START_TIMEOUT = 10.0

Handler = Callable[[ServerConnection], Awaitable[None]]


@contextlib.contextmanager
def _in_thread(server: Callable[[], AbstractAsyncContextManager[str]]) -> Iterator[str]:
    """Run the async context manager ``server()`` in a thread's event loop; yield its URL."""
    ready = threading.Event()
    found: dict[str, object] = {}

    async def serve() -> None:
        stop = asyncio.Event()
        found["loop"], found["stop"] = asyncio.get_running_loop(), stop
        async with server() as url:
            found["url"] = url
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=lambda: asyncio.run(serve()), daemon=True)
    thread.start()
    assert ready.wait(_START_TIMEOUT), "the Central System did not start"
    try:
        yield str(found["url"])
    finally:
        loop, stop = found["loop"], found["stop"]
        assert isinstance(loop, asyncio.AbstractEventLoop) and isinstance(stop, asyncio.Event)
        loop.call_soon_threadsafe(stop.set)
        thread.join(_START_TIMEOUT)


def csms_in_thread(recorder: Recorder) -> contextlib.AbstractContextManager[str]:
    """The recording Central System of the interop tests (the ``ocpp`` package) on 127.0.0.1."""
    return _in_thread(lambda: serve_csms(recorder))


def serve_in_thread(
    handler: Handler, subprotocols: tuple[str, ...] = ("ocpp1.6",)
) -> contextlib.AbstractContextManager[str]:
    """A bare WebSocket server on 127.0.0.1 running ``handler`` per connection."""

    @contextlib.asynccontextmanager
    async def server() -> AsyncIterator[str]:
        offered = [Subprotocol(name) for name in subprotocols] or None
        async with websockets.serve(handler, "127.0.0.1", 0, subprotocols=offered) as running:
            yield f"ws://127.0.0.1:{running.sockets[0].getsockname()[1]}/ocpp"

    return _in_thread(server)
