"""Run many StationLinks as gevent greenlets in one process, as a Locust worker does.

    python -m tests.loadtest.gevent_fleet URL COUNT TIMEOUT

Patches the standard library for gevent first (Locust does the same on import), starts COUNT
charge points, each a greenlet, and prints one JSON line: how many registered (an accepted
BootNotification) and how many seconds from starting the first link until the last one did.
Run as a subprocess: the patching must not reach the test process.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import json  # noqa: E402  (after the patching, as in any gevent program)
import sys  # noqa: E402
import time  # noqa: E402

import gevent  # noqa: E402

from generated.ocpp16.registry import SPEC  # noqa: E402
from runtime.loadtest.link import StationLink  # noqa: E402
from runtime.loadtest.sessions import registered, wait_until  # noqa: E402
from runtime.station.station import Station, StationIdentity  # noqa: E402


def main(url: str, count: int, timeout: float) -> dict[str, float]:
    """Start ``count`` links against ``url``; how many registered within ``timeout``."""
    stations = [
        Station(SPEC, StationIdentity(f"GF-{n}"), connectors=1, now=time.time())
        for n in range(count)
    ]
    links = [StationLink(station, url) for station in stations]
    started = time.perf_counter()
    loops = [gevent.spawn(link.run) for link in links]

    def all_registered() -> bool:
        return all(registered(station) for station in stations)

    wait_until(all_registered, timeout, 0.01, gevent.sleep)
    elapsed = time.perf_counter() - started
    booted = sum(registered(station) for station in stations)
    for link in links:
        link.close()
    gevent.joinall(loops, timeout=10.0)
    return {
        "registered": booted,
        "seconds": elapsed,
        "stopped": sum(loop.dead for loop in loops),
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]))))
