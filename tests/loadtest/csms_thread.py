"""The recording Central System of the interop tests, served from a thread of its own.

The load-test code under test blocks (a thread or a greenlet per charge point), so the test
cannot share an event loop with it: the Central System gets its own loop in a daemon thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator

from tests.interop.csms_recorder import Recorder, serve_csms

__all__ = ["csms_in_thread"]

_START_TIMEOUT = 10.0


@contextlib.contextmanager
def csms_in_thread(recorder: Recorder) -> Iterator[str]:
    """Serve a recording Central System on 127.0.0.1 until the block ends; yields its URL."""
    ready = threading.Event()
    found: dict[str, object] = {}

    async def serve() -> None:
        stop = asyncio.Event()
        found["loop"], found["stop"] = asyncio.get_running_loop(), stop
        async with serve_csms(recorder) as url:
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
