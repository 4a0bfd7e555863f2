"""Adapters that run the sans-IO OCPP-J core over real WebSockets (STYLE.md §2).

* :mod:`runtime.adapters.ws_client`: the Charge Point side; connects to
  ``<endpoint>/<chargePointId>`` with subprotocol ``ocpp1.6`` and reconnects with back-off.
* :mod:`runtime.adapters.ws_server`: a small Central System side for tests and demos.

Only these modules import ``asyncio``/``websockets`` or read the real clock.
"""

from runtime.adapters.ws_client import (
    OCPP16_SUBPROTOCOL,
    Backoff,
    ChargePointConnection,
    Clock,
    PingInterval,
    SansIOChargePoint,
    WallClock,
    basic_auth_header,
    connection_url,
)
from runtime.adapters.ws_server import (
    CsmsConnection,
    CsmsServer,
    PeerGone,
    charge_point_id_from_path,
)

__all__ = [
    "OCPP16_SUBPROTOCOL",
    "Backoff",
    "ChargePointConnection",
    "Clock",
    "CsmsConnection",
    "CsmsServer",
    "PeerGone",
    "PingInterval",
    "SansIOChargePoint",
    "WallClock",
    "basic_auth_header",
    "charge_point_id_from_path",
    "connection_url",
]
