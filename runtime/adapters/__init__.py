"""Adapters: the only runtime code that touches sockets, the event loop or the wall clock.

* :mod:`runtime.adapters.clock`: where ``now`` comes from (the wall clock, a virtual one, or
  the wall clock run faster).
* :mod:`runtime.adapters.connecting`: connection URL, Basic credentials, reconnect back-off.
* :mod:`runtime.adapters.ws_client`: the Charge Point side; connects to
  ``<endpoint>/<chargePointId>`` with subprotocol ``ocpp1.6`` and reconnects with back-off.
* :mod:`runtime.adapters.ws_server`: a small Central System side for tests and demos.
* :mod:`runtime.adapters.tester_api`: the tester API (JSON-RPC 2.0 over WebSocket) by which
  a test system has a rig perform a scenario's physical steps; sans-IO, text in, text out.

Nothing is imported here, so that importing the clock does not load ``websockets``.
"""
