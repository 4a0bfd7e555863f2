"""Central System side WebSocket adapter, used by the test system and the demos.

Handshake rules followed here (OCPP-J 1.6):

* §3.1.1: the charge point identity is the last path segment of the connection URL,
  percent-decoded (``/ocpp/RDAM%20123`` is identity ``RDAM 123``).
* §3.2: an identity the Central System does not recognise gets HTTP 404 and no WebSocket.
* §3.2: when the client offers no subprotocol the server agrees to, the server still completes
  the handshake, without a ``Sec-WebSocket-Protocol`` header, and then closes at once.
  (websockets' default would answer HTTP 400 instead, so subprotocol selection is overridden.)
* §6.2.2: optional HTTP Basic authentication; the user name must equal the identity in the URL.
  Missing or wrong credentials get HTTP 401. The identity check (404) comes first, as §3.2
  describes it for every connection.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import http
import logging
from collections.abc import Awaitable, Callable, Sequence
from ssl import SSLContext
from types import TracebackType
from urllib.parse import unquote, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.protocol import State
from websockets.typing import Subprotocol

from runtime.errors import ChargespecError

__all__ = ["CsmsConnection", "CsmsServer", "PeerGone", "charge_point_id_from_path"]

logger = logging.getLogger(__name__)

_OCPP16 = Subprotocol("ocpp1.6")
# RFC 6455 §7.4.1: 1002 is "protocol error"; used when no OCPP version could be agreed.
_CLOSE_PROTOCOL_ERROR = 1002


class PeerGone(ChargespecError):
    """The charge point's connection is closed; nothing more can be sent or received."""


def charge_point_id_from_path(path: str) -> str:
    """Return the charge point identity from a request target (OCPP-J §3.1.1).

    Args:
        path: The HTTP request target, e.g. ``/ocpp/RDAM%20123?x=1``.

    Returns:
        The last path segment, percent-decoded; empty if the path ends with ``/``.
    """
    return unquote(urlsplit(path).path.rsplit("/", 1)[-1])


def _basic_credentials(headers: Headers) -> tuple[str, str] | None:
    """Parse ``Authorization: Basic ...`` into (user, password), or ``None`` if absent/invalid."""
    value = headers.get("Authorization")
    if value is None:
        return None
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        raw = base64.b64decode(token.strip(), validate=True)
        user_bytes, sep, password_bytes = raw.partition(b":")
        user = user_bytes.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    if not sep:
        return None
    # The OCPP-J §6.2.2 example key is raw bytes, not text; surrogateescape keeps every byte
    # so a checker can compare against key.decode("utf-8", "surrogateescape").
    return user, password_bytes.decode("utf-8", "surrogateescape")


class CsmsConnection:
    """One accepted charge point connection, as seen by the Central System.

    Args:
        charge_point_id: Identity from the URL path.
        ws: The underlying websockets connection.
    """

    def __init__(self, charge_point_id: str, ws: ServerConnection) -> None:
        self.charge_point_id = charge_point_id
        self._ws = ws

    @property
    def subprotocol(self) -> str | None:
        """The agreed WebSocket subprotocol (``"ocpp1.6"`` for handed-out connections)."""
        return self._ws.subprotocol

    @property
    def closed(self) -> bool:
        """Whether the connection is closing or closed."""
        return self._ws.state in (State.CLOSING, State.CLOSED)

    @property
    def close_code(self) -> int | None:
        """The close code once the connection is closed (1000 = clean), else ``None``."""
        return self._ws.close_code

    async def recv(self, timeout: float | None = None) -> str | None:
        """Wait for the next text frame.

        Args:
            timeout: Seconds to wait; ``None`` waits forever.

        Returns:
            The frame's text, or ``None`` if ``timeout`` elapsed first.

        Raises:
            PeerGone: The connection is closed.
        """
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        try:
            async with asyncio.timeout_at(deadline):
                return await self._recv_text()
        except TimeoutError:
            return None
        except ConnectionClosed as exc:
            raise PeerGone(f"{self.charge_point_id}: connection closed ({exc})") from exc

    async def _recv_text(self) -> str:
        while True:
            data = await self._ws.recv()
            if isinstance(data, str):
                return data
            # OCPP-J §4.1.2: messages are UTF-8 JSON text; a binary frame is not OCPP.
            logger.warning("%s: ignoring a binary frame", self.charge_point_id)

    async def send(self, text: str) -> None:
        """Send one text frame.

        Raises:
            PeerGone: The connection is closed.
        """
        try:
            await self._ws.send(text)
        except ConnectionClosed as exc:
            raise PeerGone(f"{self.charge_point_id}: connection closed ({exc})") from exc

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection with a closing handshake; no-op if already closed."""
        await self._ws.close(code, reason)


class CsmsServer:
    """A minimal OCPP 1.6-J Central System WebSocket server.

    Args:
        handler: Coroutine run for each accepted connection; the connection is closed when it
            returns. :class:`PeerGone` escaping it is treated as a normal end.
        host: Interface to bind; loopback by default so tests and demos are not exposed.
        port: TCP port; 0 picks a free one (see :attr:`port` after :meth:`start`).
        accept_id: Returns whether an identity is known; ``False`` → HTTP 404 (OCPP-J §3.2).
        basic_auth: Checks ``(identity, password)``; ``False`` or no credentials → HTTP 401.
        ssl: TLS context to serve ``wss://``.
    """

    def __init__(
        self,
        handler: Callable[[CsmsConnection], Awaitable[None]],
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        accept_id: Callable[[str], bool] | None = None,
        basic_auth: Callable[[str, str], bool] | None = None,
        ssl: SSLContext | None = None,
    ) -> None:
        self._handler = handler
        self.host = host
        self.port = port
        self._accept_id = accept_id
        self._basic_auth = basic_auth
        self._ssl = ssl
        self._server: Server | None = None
        self.connections: dict[str, CsmsConnection] = {}
        # Replaced after every arrival so waiters re-check `connections` each time.
        self._arrival = asyncio.Event()

    @property
    def url(self) -> str:
        """Endpoint URL, e.g. ``ws://127.0.0.1:8765``; charge points append ``/<id>``."""
        scheme = "wss" if self._ssl is not None else "ws"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"

    async def start(self) -> None:
        """Bind and start accepting connections."""
        self._server = await serve(
            self._serve_one,
            self.host,
            self.port,
            process_request=self._process_request,
            select_subprotocol=_select_subprotocol,
            ssl=self._ssl,
        )
        self.port = self._server.sockets[0].getsockname()[1]
        logger.info("CSMS listening on %s", self.url)

    async def stop(self) -> None:
        """Stop accepting, close every connection (code 1001) and wait until done."""
        if self._server is None:
            return
        self._server.close()
        await self._server.wait_closed()
        self._server = None
        logger.info("CSMS on %s stopped", self.url)

    async def __aenter__(self) -> CsmsServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def wait_for_connection(self, charge_point_id: str, timeout: float) -> CsmsConnection:
        """Wait until ``charge_point_id`` has a live connection and return it.

        Raises:
            TimeoutError: No such connection within ``timeout`` seconds.
        """
        async with asyncio.timeout(timeout):
            while True:
                conn = self.connections.get(charge_point_id)
                if conn is not None and not conn.closed:
                    return conn
                await self._arrival.wait()

    def _process_request(self, ws: ServerConnection, request: Request) -> Response | None:
        """Reject unknown identities (404) and bad credentials (401) before the upgrade."""
        cp_id = charge_point_id_from_path(request.path)
        if not cp_id or (self._accept_id is not None and not self._accept_id(cp_id)):
            logger.info("rejecting unknown charge point %r with 404", cp_id)
            return ws.respond(http.HTTPStatus.NOT_FOUND, "Unknown charge point\n")
        if self._basic_auth is None:
            return None
        credentials = _basic_credentials(request.headers)
        # OCPP-J §6.2.2: the user name is the identity from the URL, nothing else.
        if credentials is None or credentials[0] != cp_id or not self._basic_auth(*credentials):
            logger.info("rejecting charge point %r with 401", cp_id)
            response = ws.respond(http.HTTPStatus.UNAUTHORIZED, "Unauthorized\n")
            response.headers["WWW-Authenticate"] = 'Basic realm="OCPP", charset="UTF-8"'
            return response
        return None

    async def _serve_one(self, ws: ServerConnection) -> None:
        """websockets handler: wrap the socket, register it and run the user handler."""
        assert ws.request is not None  # set by the handshake before the handler runs
        cp_id = charge_point_id_from_path(ws.request.path)
        if ws.subprotocol != _OCPP16:
            # OCPP-J §3.2: handshake done without a subprotocol; now close immediately.
            logger.info("closing %r: no OCPP version agreed", cp_id)
            await ws.close(_CLOSE_PROTOCOL_ERROR, "ocpp1.6 subprotocol required")
            return
        conn = CsmsConnection(cp_id, ws)
        self.connections[cp_id] = conn
        arrival, self._arrival = self._arrival, asyncio.Event()
        arrival.set()
        logger.info("charge point %r connected", cp_id)
        try:
            await self._handler(conn)
        except PeerGone:
            logger.info("charge point %r went away", cp_id)
        finally:
            # A newer connection for the same identity may have replaced this one.
            if self.connections.get(cp_id) is conn:
                del self.connections[cp_id]
            await conn.close()


def _select_subprotocol(ws: ServerConnection, offered: Sequence[Subprotocol]) -> Subprotocol | None:
    """Agree to ``ocpp1.6`` if offered, else to nothing (never HTTP 400; OCPP-J §3.2)."""
    return _OCPP16 if _OCPP16 in offered else None
