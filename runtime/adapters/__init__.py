"""Adapters: the only runtime code that touches sockets, the event loop or the wall clock.

* :mod:`runtime.adapters.clock`: where ``now`` comes from (the wall clock, or a virtual one).
* :mod:`runtime.adapters.connecting`: connection URL, Basic credentials, reconnect back-off.
* :mod:`runtime.adapters.ws_client`: the Charge Point side; connects to
  ``<endpoint>/<chargePointId>`` with subprotocol ``ocpp1.6`` and reconnects with back-off.
* :mod:`runtime.adapters.ws_server`: a small Central System side for tests and demos.

Nothing is imported here, so that importing the clock does not load ``websockets``.
"""
