"""Load tests of a Central System: many simulated charge points, each a sans-IO station.

:mod:`runtime.loadtest.calls` times every CALL a station sends from the frames on the wire;
:mod:`runtime.loadtest.link` runs one station over a blocking WebSocket (a thread or a gevent
greenlet each); :mod:`runtime.loadtest.sessions` plays a driver's charging session on it;
:mod:`runtime.loadtest.user` is the charge point a locustfile mixes into a Locust user
(docs/locust.md). None of them imports Locust or gevent: importing Locust monkey-patches the
standard library, which only a Locust process (or a locustfile) should do.
"""
