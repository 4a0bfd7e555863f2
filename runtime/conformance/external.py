"""A test run against a real charge point: the test system as its Central System.

One :class:`ExternalSession` lives for the whole run (the device connects once and stays
connected from case to case). It runs on its own thread with its own event loop, so the
connection outlives each test's event loop: a :class:`CsmsServer` on the host, port and path
of dut.yaml, a :class:`WebSocketDut` reading time in the device's seconds, and the tester
backend dut.yaml names performing the physical steps. Each case's frames are kept with
their timestamps for the report.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from typing import Any, TextIO, TypeVar

from runtime.adapters.ws_server import CsmsServer
from runtime.conformance.dut_file import DutConfig, load_dut_file
from runtime.conformance.run_record import FrameRecord
from runtime.conformance.tester_backend import TesterBackend
from runtime.conformance.websocket_dut import WebSocketDut
from runtime.spec.registry import SpecRegistry

__all__ = ["DUT_ENV", "ExternalSession", "external_session", "make_backend", "terminal"]

#: Names the dut.yaml of an external run (set by ``chargespec test --dut FILE``).
DUT_ENV = "CHARGESPEC_DUT"

T = TypeVar("T")


def terminal() -> tuple[int, TextIO]:
    """The process's terminal as it is now: its input descriptor and its output, both
    duplicated, so pytest capturing standard input and output later does not take the
    operator's terminal away."""
    output = os.fdopen(_dup(sys.stdout, os.O_WRONLY), "w", buffering=1, encoding="utf-8")
    return _dup(sys.stdin, os.O_RDONLY), output


def _dup(stream: TextIO, mode: int) -> int:
    """A duplicate of ``stream``'s descriptor; the null device when it has none (a CI job
    without standard input)."""
    try:
        return os.dup(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return os.open(os.devnull, mode)


def make_backend(
    config: DutConfig, registry: SpecRegistry, console: tuple[int, TextIO] | None = None
) -> TesterBackend:
    """The tester backend dut.yaml names (imported only when used); an operator answers at
    ``console`` (default: this process's terminal)."""
    if config.backend == "api":
        from runtime.conformance.tester_api_client import TesterApiClient

        return TesterApiClient(config.tester_url, registry, timeout=config.prompt_timeout)
    from runtime.conformance.operator import OperatorBackend

    given, shown = console if console is not None else terminal()
    return OperatorBackend(registry, input=given, output=shown, timeout=config.prompt_timeout)


class ExternalSession:
    """The Central System a real charge point connects to, for the length of a run."""

    def __init__(
        self,
        registry: SpecRegistry,
        config: DutConfig,
        *,
        backend: TesterBackend | None = None,
        on_line: Callable[[str], None] | None = None,
    ) -> None:
        self.registry = registry
        self.config = config
        # Taken now, before pytest captures the output: the lab sees progress as it happens.
        self.console = terminal()
        self.on_line = on_line if on_line is not None else self._show
        self.frames: list[FrameRecord] = []
        self._backend = backend
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._connected = False
        self.dut: WebSocketDut | None = None
        self.server: CsmsServer | None = None

    @property
    def backend(self) -> TesterBackend | None:
        """The tester backend performing the physical steps (once started)."""
        return self._backend

    @property
    def url(self) -> str:
        """Where the charge point connects: ``ws://host:port/path/<identity>``."""
        base = self.server.url if self.server is not None else ""
        return f"{base}{self.config.path.rstrip('/')}/{self.config.identity}"

    def _show(self, line: str) -> None:
        print(line, file=self.console[1], flush=True)

    def _on_frame(self, direction: str, text: str) -> None:
        now = self.dut.now() if self.dut is not None else 0.0
        self.frames.append(FrameRecord(now, direction, text))

    def run(self, coro: Coroutine[Any, Any, T]) -> asyncio.Future[T]:
        """Run ``coro`` on the session's loop; await the returned future from any loop."""
        return asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self._loop))

    def start(self) -> None:
        """Start listening (blocking until bound) and print where the device connects."""
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=30)
        self.on_line(f"Central System listening on {self.url}")
        self.on_line("Configure the charge point to connect there; waiting for it.")

    async def _start(self) -> None:
        config = self.config
        backend = self._backend or make_backend(config, self.registry, self.console)
        self._backend = backend
        self.dut = WebSocketDut(
            backend.act,
            self.registry,
            on_frame=self._on_frame,
            connect_timeout=config.connect_timeout,
            response_timeout=config.response_timeout,
            observer=backend.observe,
            time_scale=config.time_scale,
        )
        password = config.basic_auth_password
        self.server = CsmsServer(
            self.dut.handle,
            host=config.host,
            port=config.port,
            accept_id=lambda identity: identity == config.identity,
            basic_auth=None if password is None else (lambda _id, given: given == password),
        )
        await self.server.start()

    async def connected_dut(self) -> WebSocketDut:
        """The DUT, once the charge point has connected (the first case waits for it)."""
        assert self.dut is not None, "start() first"
        if not self._connected:
            await self.dut.start()
            self._connected = True
            self.on_line(f"charge point {self.config.identity} connected")
        return self.dut

    def close(self) -> None:
        """Let the device go, close the backend and stop the loop."""

        async def stop() -> None:
            if self.dut is not None:
                await self.dut.stop()
            if self.server is not None:
                await self.server.stop()
            if self._backend is not None:
                await self._backend.close()
            os.close(self.console[0])
            self.console[1].close()

        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(stop(), self._loop).result(timeout=30)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)


_session: ExternalSession | None = None


def external_session(
    registry: SpecRegistry, environ: Mapping[str, str] = os.environ
) -> ExternalSession | None:
    """The run's external session when ``CHARGESPEC_DUT`` names a dut.yaml (started on
    first use), else None: the run is against the built-in reference charge point."""
    global _session
    path = environ.get(DUT_ENV, "")
    if not path:
        return None
    if _session is None:
        _session = ExternalSession(registry, load_dut_file(Path(path)))
        _session.start()
    return _session


def install_session(session: ExternalSession | None) -> None:
    """Make ``session`` the run's session (``chargespec test`` starts it before pytest)."""
    global _session
    _session = session
