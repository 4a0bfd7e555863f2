"""Frames per second through our sans-IO core, side by side with the ``ocpp`` package.

A realistic mix of OCPP 1.6-J CALL frames (MeterValues with 10 sampled values,
StartTransaction, StatusNotification from the charge point; SetChargingProfile with 24 hourly
periods from the Central System) goes through

* ours: a :class:`runtime.ocppj.endpoint.Endpoint` with ``SPEC.validator()`` on the receiving side
  (the Central System's for charge point CALLs, the charge point's for SetChargingProfile):
  decode, validate, dispatch as a ``CallReceived`` event, then answer with a CALLRESULT
  (which is validated and encoded too);
* theirs: ``ocpp.messages.unpack(text)`` then ``ocpp.messages._validate_payload(call,
  "1.6")``, what the package's ``ChargePoint`` does with a received CALL (no answer).

Both sides get the identical frame texts, are warmed up, and are timed over several
repetitions, alternating. The report gives the median frames per second of each side and
the ratio; ``--check-ratio X`` exits 1 if ours is less than X times faster.

    .venv/bin/python benchmarks/bench_frames.py --frames 1000 --repeat 7 --check-ratio 5
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import json
import os
import platform
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import ocpp.messages  # type: ignore[import-untyped]

from runtime.ocppj.datetime import to_iso8601
from runtime.ocppj.endpoint import Endpoint
from runtime.ocppj.events import CallReceived
from runtime.ocppj.payload import PayloadValidator

CP_ACTIONS: Final = ("MeterValues", "StartTransaction", "StatusNotification")
CSMS_ACTIONS: Final = ("SetChargingProfile",)
ACTIONS: Final = CP_ACTIONS + CSMS_ACTIONS
MIX: Final = (
    ("MeterValues", 6),
    ("StatusNotification", 2),
    ("StartTransaction", 1),
    ("SetChargingProfile", 1),
)
"""Frames of each action per ten: metering dominates a charging session's traffic."""

T0: Final = 1_709_287_200.0  # 2024-03-01T10:00:00Z
RESPONSES: Final[Mapping[str, dict[str, Any]]] = {
    "MeterValues": {},
    "StatusNotification": {},
    "StartTransaction": {
        "idTagInfo": {"status": "Accepted", "expiryDate": "2024-12-31T23:59:59Z"},
        "transactionId": 4711,
    },
    "SetChargingProfile": {"status": "Accepted"},
}

# --- realistic payloads ---------------------------------------------------------------------


def _sample(value: str, measurand: str, unit: str, **extra: str) -> dict[str, str]:
    return {
        "value": value,
        "context": "Sample.Periodic",
        "format": "Raw",
        "measurand": measurand,
        "location": extra.pop("location", "Outlet"),
        "unit": unit,
        **extra,
    }


def meter_values(n: int, rng: random.Random) -> dict[str, Any]:
    """A periodic sample of a three-phase 22 kW session: 10 sampled values."""
    amps = [rng.uniform(28.0, 32.0) for _ in range(3)]
    volts = [rng.uniform(226.0, 234.0) for _ in range(3)]
    power = sum(a * v for a, v in zip(amps, volts, strict=True))
    sampled = [
        _sample(f"{1_250_000 + 367 * n:.0f}", "Energy.Active.Import.Register", "Wh"),
        _sample(f"{power:.1f}", "Power.Active.Import", "W"),
        *(
            _sample(f"{a:.1f}", "Current.Import", "A", phase=p)
            for a, p in zip(amps, ("L1", "L2", "L3"), strict=True)
        ),
        *(
            _sample(f"{v:.1f}", "Voltage", "V", phase=p)
            for v, p in zip(volts, ("L1-N", "L2-N", "L3-N"), strict=True)
        ),
        _sample(f"{min(100, 20 + n // 10)}", "SoC", "Percent", location="EV"),
        _sample(f"{rng.uniform(30.0, 45.0):.1f}", "Temperature", "Celsius", location="Body"),
    ]
    return {
        "connectorId": 1 + n % 2,
        "transactionId": 4711 + n % 2,
        "meterValue": [{"timestamp": to_iso8601(T0 + 60 * n), "sampledValue": sampled}],
    }


def start_transaction(n: int, rng: random.Random) -> dict[str, Any]:
    """An authorised RFID card starts charging."""
    return {
        "connectorId": 1 + n % 2,
        "idTag": f"04{rng.getrandbits(48):012X}",
        "meterStart": 1_250_000 + 367 * n,
        "timestamp": to_iso8601(T0 + 60 * n),
    }


def status_notification(n: int, rng: random.Random) -> dict[str, Any]:
    """A connector status change during a session."""
    status = ("Preparing", "Charging", "SuspendedEV", "Finishing", "Available")[n % 5]
    return {
        "connectorId": 1 + n % 2,
        "errorCode": "NoError",
        "status": status,
        "timestamp": to_iso8601(T0 + 60 * n),
    }


def set_charging_profile(n: int, rng: random.Random) -> dict[str, Any]:
    """A daily default profile: 24 hourly current limits, one decimal (OCPP 1.6 §7.13)."""
    periods = [
        {
            "startPeriod": 3600 * hour,
            "limit": round(32.0 if hour < 7 or hour >= 22 else rng.uniform(6.0, 24.0), 1),
            "numberPhases": 3,
        }
        for hour in range(24)
    ]
    return {
        "connectorId": 1 + n % 2,
        "csChargingProfiles": {
            "chargingProfileId": 100 + n,
            "stackLevel": 1,
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Recurring",
            "recurrencyKind": "Daily",
            "validFrom": "2024-03-01T00:00:00Z",
            "validTo": "2024-12-31T23:59:59Z",
            "chargingSchedule": {
                "duration": 86_400,
                "startSchedule": "2024-03-01T00:00:00Z",
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": periods,
                "minChargingRate": 6.0,
            },
        },
    }


PAYLOADS: Final[Mapping[str, Callable[[int, random.Random], dict[str, Any]]]] = {
    "MeterValues": meter_values,
    "StartTransaction": start_transaction,
    "StatusNotification": status_notification,
    "SetChargingProfile": set_charging_profile,
}


@dataclass(frozen=True, slots=True)
class BenchFrame:
    """One CALL frame text and the action it carries."""

    action: str
    text: str


def build_frames(count: int, seed: int = 1601) -> list[BenchFrame]:
    """``count`` frames in the proportions of :data:`MIX`, each with its own UUID."""
    rng = random.Random(seed)
    cycle = [action for action, share in MIX for _ in range(share)]
    frames = []
    for n in range(count):
        action = cycle[n % len(cycle)]
        unique_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        wrapper = [2, unique_id, action, PAYLOADS[action](n, rng)]
        frames.append(BenchFrame(action, json.dumps(wrapper, separators=(",", ":"))))
    return frames


# --- the two sides --------------------------------------------------------------------------


class Ours:
    """The receiving endpoints of both directions, answering every CALL."""

    def __init__(self, validator: PayloadValidator) -> None:
        def endpoint(actions: tuple[str, ...]) -> Endpoint:
            return Endpoint(
                validator=validator, response_timeout=30.0, supported_actions=frozenset(actions)
            )

        csms, charge_point = endpoint(CP_ACTIONS), endpoint(CSMS_ACTIONS)
        self._endpoints = {action: csms for action in CP_ACTIONS}
        self._endpoints.update({action: charge_point for action in CSMS_ACTIONS})

    def process(self, frames: Sequence[BenchFrame]) -> None:
        endpoints = self._endpoints
        for frame in frames:
            endpoint = endpoints[frame.action]
            [event] = endpoint.receive(frame.text, T0)
            if type(event) is not CallReceived:
                raise RuntimeError(f"ours refused a {frame.action} frame: {event}")
            endpoint.reply(event.call, RESPONSES[frame.action])
            endpoint.data_to_send()


def theirs(frames: Sequence[BenchFrame]) -> None:
    """What ``ocpp.v16.ChargePoint`` does with a received CALL before routing it."""
    for frame in frames:
        call = ocpp.messages.unpack(frame.text)
        ocpp.messages._validate_payload(call, "1.6")


def _rate(run: Callable[[Sequence[BenchFrame]], None], frames: Sequence[BenchFrame]) -> float:
    # As timeit does: no garbage collection inside the timed run, for either side.
    gc.collect()
    gc.disable()
    try:
        started = time.perf_counter()
        run(frames)
        return len(frames) / (time.perf_counter() - started)
    finally:
        gc.enable()


@dataclass(frozen=True, slots=True)
class Result:
    """Median frames per second of each side over the repetitions."""

    label: str
    ours: float
    theirs: float

    @property
    def ratio(self) -> float:
        return self.ours / self.theirs


def measure(
    label: str, ours: Ours, frames: Sequence[BenchFrame], repeat: int
) -> tuple[Result, list[float], list[float]]:
    """Warm both sides up, then time them ``repeat`` times each, alternating who goes first."""
    ours.process(frames)
    theirs(frames)
    our_rates: list[float] = []
    their_rates: list[float] = []
    for round_number in range(repeat):
        if round_number % 2:
            their_rates.append(_rate(theirs, frames))
            our_rates.append(_rate(ours.process, frames))
        else:
            our_rates.append(_rate(ours.process, frames))
            their_rates.append(_rate(theirs, frames))
    result = Result(label, statistics.median(our_rates), statistics.median(their_rates))
    return result, our_rates, their_rates


# --- report ---------------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def print_machine() -> None:
    implementation = platform.python_implementation()
    print(f"Python {platform.python_version()} ({implementation}) on {platform.platform()}")
    print(f"CPU: {_cpu_model()}, {os.cpu_count()} logical cores, {platform.machine()}")
    versions = {name: importlib.metadata.version(name) for name in ("ocpp", "jsonschema")}
    print("packages: " + ", ".join(f"{name} {version}" for name, version in versions.items()))


def run(validator: PayloadValidator, *, count: int, repeat: int, check_ratio: float | None) -> int:
    """Run the benchmark with ``validator`` on our side; return the exit status."""
    missing = sorted(set(ACTIONS) - validator.actions())
    if missing:
        print(f"cannot run yet: the validator knows no {', '.join(missing)}", file=sys.stderr)
        return 2
    print_machine()
    frames = build_frames(count)
    size = sum(len(frame.text.encode()) for frame in frames) / len(frames)
    mix = ", ".join(f"{action} {share}/10" for action, share in MIX)
    print(f"{len(frames):,} frames ({mix}), {size:,.0f} bytes on average, {repeat} repetitions")
    ours = Ours(validator)
    results = []
    for action in ACTIONS:
        subset = [frame for frame in frames if frame.action == action]
        results.append(measure(action, ours, subset, repeat)[0])
    overall, our_rates, their_rates = measure("mix", ours, frames, repeat)
    print(f"\n{'frames/s (median)':<22}{'ours':>12}{'ocpp':>12}{'ratio':>9}")
    for result in (*results, overall):
        print(
            f"{result.label:<22}{result.ours:>12,.0f}{result.theirs:>12,.0f}{result.ratio:>8.1f}x"
        )
    spread = (min(our_rates), max(our_rates), min(their_rates), max(their_rates))
    print("mix spread: ours {:,.0f}..{:,.0f}, ocpp {:,.0f}..{:,.0f} frames/s".format(*spread))
    print(f"\nours is {overall.ratio:.1f}x the ocpp package on the mix (target: 5x)")
    if check_ratio is not None and overall.ratio < check_ratio:
        print(f"FAIL: ratio {overall.ratio:.2f} is below {check_ratio}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None, validator: PayloadValidator | None = None) -> int:
    """Parse the command line and run; ``validator`` defaults to ``SPEC.validator()``."""
    parser = argparse.ArgumentParser(description="Frames/s of our core vs. the ocpp package.")
    parser.add_argument("--frames", type=int, default=1000, help="frames in the mix")
    parser.add_argument("--repeat", type=int, default=7, help="timed repetitions per side")
    parser.add_argument("--check-ratio", type=float, help="exit 1 if ours/ocpp is below this")
    args = parser.parse_args(argv)
    if validator is None:
        from generated.ocpp16.registry import SPEC

        validator = SPEC.validator()
    count, repeat = max(10, args.frames), max(1, args.repeat)
    return run(validator, count=count, repeat=repeat, check_ratio=args.check_ratio)


if __name__ == "__main__":
    sys.exit(main())
