"""How a Charge Point reaches its Central System: the URL, the credentials and the back-off.

Pure helpers of the WebSocket client (:mod:`runtime.adapters.ws_client`), kept apart so they
can be used and tested without a socket:

* OCPP-J 1.6 §3.1.1: the connection URL is the Central System's endpoint URL, a ``/`` and the
  charge point identity, percent-encoded where needed (``RDAM 123`` becomes ``RDAM%20123``).
* §6.2.2: HTTP Basic authentication, user name = charge point identity.
* Errata JE 3.4: after a failed attempt the charge point retries with a back-off; exponential
  here, with jitter so that a fleet does not come back in lockstep.
* :func:`describe_failure` says in a few words why an attempt failed (refused, TLS, HTTP
  status), for logs and for the one-line reason a command exits with.
"""

from __future__ import annotations

import base64
import random
import socket
import ssl
from urllib.parse import quote

from websockets.exceptions import InvalidHandshake, InvalidMessage, InvalidStatus

__all__ = ["Backoff", "basic_auth_header", "connection_url", "describe_failure"]

# HTTP answers to an opening handshake worth a hint (OCPP-J §3.1.1 unknown identity, §6.2.2).
_HTTP_HINTS = {
    401: "Basic authentication refused",
    403: "forbidden",
    404: "unknown charge point identity or path",
}


def connection_url(csms_url: str, charge_point_id: str) -> str:
    """Build the connection URL from the endpoint URL and the charge point identity.

    OCPP-J §3.1.1: append ``/`` and the identity, percent-encoded as RFC 3986 requires.

    Args:
        csms_url: The Central System's OCPP-J endpoint URL (``ws://`` or ``wss://``).
        charge_point_id: The charge point identity.

    Returns:
        The connection URL, for example ``ws://host/ocpp/RDAM%20123``.
    """
    return f"{csms_url.rstrip('/')}/{quote(charge_point_id, safe='')}"


def basic_auth_header(charge_point_id: str, password: str | bytes) -> str:
    """Build the ``Authorization`` header value for OCPP-J §6.2.2.

    Args:
        charge_point_id: User name; OCPP-J §6.2.2 makes it the charge point identity.
        password: The authorization key. ``bytes`` are used as they are (the §6.2.2 example key
            is raw bytes); ``str`` is encoded as UTF-8 (RFC 7617 §2.1 ``charset``).

    Returns:
        The header value, ``"Basic "`` followed by base64 of ``id:password``.

    Raises:
        ValueError: If the identity contains ``:``, which Basic authentication cannot carry.
    """
    if ":" in charge_point_id:
        raise ValueError("a Basic authentication user name cannot contain ':'")
    secret = password if isinstance(password, bytes) else password.encode("utf-8")
    token = base64.b64encode(charge_point_id.encode("utf-8") + b":" + secret)
    return f"Basic {token.decode('ascii')}"


class Backoff:
    """Exponential reconnect delays with jitter (OCPP-J errata JE 3.4).

    Args:
        minimum: First delay in seconds.
        maximum: Largest delay before jitter.
        rng: Source of jitter; inject a seeded one for reproducible tests.
        jitter: Relative spread; each delay is multiplied by a factor in ``[1-j, 1+j]``.
    """

    def __init__(
        self, minimum: float, maximum: float, rng: random.Random, jitter: float = 0.2
    ) -> None:
        if not 0 < minimum <= maximum:
            raise ValueError("need 0 < minimum <= maximum")
        self._minimum = minimum
        self._maximum = maximum
        self._rng = rng
        self._jitter = jitter
        self._current = minimum

    def next(self) -> float:
        """Return the next delay and double the base for the one after."""
        base = self._current
        self._current = min(base * 2, self._maximum)
        return base * self._rng.uniform(1 - self._jitter, 1 + self._jitter)

    def reset(self) -> None:
        """Start again from the minimum, after a connection succeeded."""
        self._current = self._minimum


def describe_failure(error: BaseException, *, secure: bool = False) -> str:
    """Say in a few words why a connection attempt failed, never an empty string.

    Args:
        error: What the attempt raised (``OSError``, ``TimeoutError``, a websockets
            handshake error, ...).
        secure: Whether the URL was ``wss://``: a peer that resets the connection then most
            likely did not speak TLS.

    Returns:
        For example ``connection refused``, ``TLS: certificate verify failed: self-signed
        certificate``, ``HTTP 401 (Basic authentication refused)``.
    """
    if isinstance(error, ssl.SSLCertVerificationError):
        # verify_message says what failed: self-signed, expired, hostname/IP mismatch, ...
        said = getattr(error, "verify_message", None) or getattr(error, "reason", None)
        return f"TLS: certificate verify failed: {said or error}"
    if isinstance(error, ssl.SSLError):
        # reason is OpenSSL's short name (e.g. WRONG_VERSION_NUMBER); strerror the sentence.
        said = getattr(error, "reason", None) or error.strerror or type(error).__name__
        return f"TLS: {said}"
    if isinstance(error, InvalidStatus):
        status = error.response.status_code
        hint = _HTTP_HINTS.get(status)
        return f"HTTP {status}" + (f" ({hint})" if hint else "")
    if isinstance(error, InvalidMessage):
        cause = error.__cause__
        return f"not a WebSocket server: {error}" + (f" ({cause})" if cause else "")
    if isinstance(error, InvalidHandshake):
        return f"handshake refused: {error}"
    return _describe_os_error(error, secure)


def _describe_os_error(error: BaseException, secure: bool) -> str:
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, socket.gaierror):
        return f"cannot resolve the host: {error.strerror}"
    if isinstance(error, TimeoutError):
        return "timed out opening the connection"
    if isinstance(error, ConnectionResetError | EOFError) and secure:
        # The TLS client hello was answered by a reset: the port does not speak TLS.
        return "connection reset during the TLS handshake (is the server using TLS?)"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror[:1].lower() + error.strerror[1:]
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
