"""Load a Central System with simulated OCPP 1.6-J charge points (docs/locust.md).

    locust -f examples/locustfile.py --host ws://csms.example:9000/ocpp

Each Locust user is one charge point with every machine of specs/ocpp16: it boots, reports its
connectors, sends Heartbeats and MeterValues and answers the Central System by itself; its
tasks are a driver charging (plug in, idTag, charge, idTag, unplug) or leaving it idle. Every
OCPP request it sends is a Locust request named by its action (BootNotification,
StartTransaction, ...). The ``--cp-*`` options (``locust --help``) set the identity pattern,
the connectors, a PICS file, configuration and the session lengths.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from locust import User, events

from generated.ocpp16.registry import SPEC
from runtime.conformance.applicability import load_device_pics
from runtime.loadtest.user import ChargePointUser, add_arguments

# The --cp-* options (identity pattern, connectors, PICS, configuration, session lengths).
events.init_command_line_parser.add_listener(add_arguments)


class ChargePoint(ChargePointUser, User):
    """A charge point of the OCPP 1.6 spec set, with the PICS of ``--cp-pics`` if given."""

    registry = SPEC

    def pics_from_file(self, path: str) -> Mapping[str, Any]:
        """The checked PICS file, defaults filled in (as ``chargespec sim --pics``)."""
        return load_device_pics(Path(path), SPEC)
