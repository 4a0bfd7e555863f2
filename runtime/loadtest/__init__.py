"""Load tests of a Central System: many simulated charge points, each a sans-IO station.

:mod:`runtime.loadtest.calls` times every CALL a station sends from the frames on the wire;
:mod:`runtime.loadtest.link` runs one station over a blocking WebSocket (a thread or a gevent
greenlet each); :mod:`runtime.loadtest.sessions` plays a driver's charging session on it;
:mod:`runtime.loadtest.locust_user` makes each one a Locust user (docs/locust.md). Only that
last module imports Locust (and with it gevent's monkey-patching); nothing here imports it.
"""
