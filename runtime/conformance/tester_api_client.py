"""A tester backend that drives a hardware-in-the-loop rig over the tester API.

:class:`TesterApiClient` sends each tester action and observation of a scenario as a JSON-RPC
2.0 request (:mod:`runtime.adapters.tester_api`) to the rig's WebSocket and waits for its
answer. It connects on the first step, sends one request at a time, and turns every error the
rig answers with, and every connection failure or timeout, into
:class:`~runtime.conformance.tester_backend.TesterFailed` carrying the rig's own message.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException
from websockets.typing import Subprotocol

from runtime.adapters.tester_api import (
    SUBPROTOCOL,
    RpcError,
    decode_response,
    encode_request,
)
from runtime.conformance.tester_backend import TesterFailed
from runtime.spec.registry import SpecRegistry

__all__ = ["TesterApiClient"]

logger = logging.getLogger(__name__)


class TesterApiClient:
    """A :class:`~runtime.conformance.tester_backend.TesterBackend` speaking the tester API.

    Args:
        url: The rig's tester API URL, e.g. ``ws://rig.lab:9001/``.
        registry: The spec set; a step it does not declare fails before anything is sent.
        timeout: Seconds allowed for connecting and for each answer.
    """

    __test__ = False  # not a pytest test class, whatever its name

    def __init__(self, url: str, registry: SpecRegistry, *, timeout: float = 30.0) -> None:
        self.url = url
        self.registry = registry
        self.timeout = timeout
        self._ws: ClientConnection | None = None
        self._ids = itertools.count(1)
        # One request at a time: the rig performs steps in order, answers in order.
        self._lock = asyncio.Lock()

    async def act(self, name: str, payload: dict[str, Any]) -> None:
        """Perform the tester action ``name`` on the rig; return once it was applied.

        Raises:
            TesterFailed: the rig refused or failed it, or could not be reached in time.
        """
        if name not in self.registry.tester_events:
            raise TesterFailed(f"unknown tester action {name!r}")
        await self.call(f"tester.{name}", payload)

    async def observe(self, name: str, payload: dict[str, Any]) -> Any:
        """Read the observation ``name`` off the rig.

        Raises:
            TesterFailed: the rig refused or failed it, or could not be reached in time.
        """
        if name not in self.registry.observations:
            raise TesterFailed(f"unknown observation {name!r}")
        return await self.call(f"observe.{name}", payload)

    async def describe(self) -> dict[str, Any]:
        """The rig's ``describe``: API version and methods.

        Raises:
            TesterFailed: as for :meth:`act`.
        """
        result = await self.call("describe", {})
        if not isinstance(result, dict):
            raise TesterFailed(f"tester API at {self.url}: describe answered {result!r}")
        return result

    async def call(self, method: str, params: dict[str, Any]) -> Any:
        """Send one request and wait for its answer.

        Returns:
            The result.

        Raises:
            TesterFailed: an error answer (its message), a dropped connection or a timeout.
        """
        async with self._lock:
            ws = await self._connection()
            request_id = next(self._ids)
            try:
                async with asyncio.timeout(self.timeout):
                    await ws.send(encode_request(request_id, method, params))
                    return await self._answer(ws, request_id)
            except RpcError as error:
                raise TesterFailed(f"{method}: {error.message}") from error
            except TimeoutError:
                await self._forget()
                raise TesterFailed(
                    f"tester API at {self.url}: no answer to {method} within {self.timeout:g} s"
                ) from None
            except ConnectionClosed as error:
                self._ws = None
                raise TesterFailed(
                    f"tester API at {self.url}: connection lost during {method} ({error})"
                ) from None

    async def close(self) -> None:
        """Close the connection to the rig, if open."""
        async with self._lock:
            await self._forget()

    async def _answer(self, ws: ClientConnection, request_id: int) -> Any:
        """The result of ``request_id``; answers to anything else (there are none when one
        request is out at a time) are skipped."""
        while True:
            frame = await ws.recv()
            text = frame if isinstance(frame, str) else frame.decode("utf-8", "replace")
            answered, result = decode_response(text)
            if answered == request_id:
                return result
            logger.warning("tester API: ignoring an answer to id %r", answered)

    async def _connection(self) -> ClientConnection:
        if self._ws is not None:
            return self._ws
        try:
            ws = await connect(
                self.url,
                subprotocols=[Subprotocol(SUBPROTOCOL)],
                open_timeout=self.timeout,
                proxy=None,
            )
        except (OSError, TimeoutError, WebSocketException) as error:
            raise TesterFailed(f"tester API at {self.url} unreachable: {error}") from None
        if ws.subprotocol != SUBPROTOCOL:
            await ws.close()
            raise TesterFailed(
                f"tester API at {self.url} did not agree to the {SUBPROTOCOL} subprotocol"
            )
        self._ws = ws
        return ws

    async def _forget(self) -> None:
        ws, self._ws = self._ws, None
        if ws is not None:
            await ws.close()
