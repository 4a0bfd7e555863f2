"""A deliberately non-conformant charge point, run as its own process for the external-run
tests: our simulator with one realistic bug, serving the tester API like ``chargespec sim``.

Bugs (``--bug``):

* ``skip-finishing``: the connector goes from Charging straight to Available in its
  StatusNotification; OCPP 1.6 §4.9 (transitions C6/D6…) has it report Finishing when a
  transaction ends with the cable still in.
* ``start-before-authorize``: the StartTransaction of a locally presented idTag is sent
  before its Authorize (§4.1 and §5.11: the idTag is authorized first).

Usage: python -m tests.interop.broken_station --csms URL --id CP1 --pics FILE
    --tester-api PORT --time-scale K --bug NAME
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Callable
from pathlib import Path

from generated.ocpp16.registry import SPEC
from runtime.conformance.applicability import load_device_pics
from runtime.sim.simulator import SimulatedStation
from runtime.sim.tester_api_server import TesterApiServer

Bug = Callable[[list[str]], list[str]]


def _skip_finishing(frames: list[str]) -> list[str]:
    out = []
    for text in frames:
        message = json.loads(text)
        is_status = message[0] == 2 and message[2] == "StatusNotification"
        if is_status and message[3].get("status") == "Finishing":
            message[3]["status"] = "Available"
            text = json.dumps(message)
        out.append(text)
    return out


class _StartFirst:
    """Holds back an Authorize until the StartTransaction after it has been sent."""

    def __init__(self) -> None:
        self.held: list[str] = []

    def __call__(self, frames: list[str]) -> list[str]:
        out = []
        for text in frames:
            message = json.loads(text)
            if message[0] == 2 and message[2] == "Authorize":
                self.held.append(text)
                continue
            out.append(text)
            if message[0] == 2 and message[2] == "StartTransaction":
                out += self.held
                self.held = []
        return out


def _bug(name: str) -> Bug:
    if name == "skip-finishing":
        return _skip_finishing
    return _StartFirst()


async def _main(args: argparse.Namespace) -> None:
    pics = load_device_pics(Path(args.pics), SPEC)
    sim = SimulatedStation(
        SPEC,
        args.csms,
        args.id,
        int(pics["NumberOfConnectors"]),
        pics=pics,
        time_scale=args.time_scale,
    )
    bug = _bug(args.bug)
    frames_of = sim.station.data_to_send
    sim.station.data_to_send = lambda: bug(frames_of())  # type: ignore[method-assign]
    async with TesterApiServer(sim, SPEC, "127.0.0.1", args.tester_api) as api:
        print(f"tester API on {api.url}", flush=True)
        await sim.run(asyncio.Event())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--csms", required=True)
    parser.add_argument("--id", default="CP1")
    parser.add_argument("--pics", required=True)
    parser.add_argument("--tester-api", type=int, required=True)
    parser.add_argument("--time-scale", type=float, default=1.0)
    parser.add_argument(
        "--bug", choices=["skip-finishing", "start-before-authorize"], required=True
    )
    asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
