"""A long fuzzing campaign against the sans-IO charge point (``make fuzz``).

Feeds fuzzed OCPP-J frames (:mod:`runtime.conformance.fuzzing`) to fresh stations of the OCPP
1.6 spec set and checks every invariant after every frame. A frame that takes longer than
``--slow`` seconds is a failure too (a denial of service). Prints progress and frames per
second, then the failures grouped by kind with one example each; ``--save`` writes all kept
failures as JSON lines for replay. Exit status 1 if anything failed.

    .venv/bin/python benchmarks/fuzz.py --frames 1000000 --seed 0
"""

from __future__ import annotations

import argparse
import collections
import json
import logging
import platform
import random
import re
import sys
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

from generated.ocpp16.registry import SPEC
from runtime.conformance.fuzzing.oracle import Failure, check_frame
from runtime.conformance.fuzzing.source import FrameSource
from runtime.conformance.fuzzing.station_target import StationTarget

MAX_KEPT = 10_000
"""Failures kept in memory (all are counted)."""


@dataclass(slots=True)
class Report:
    """What a campaign found."""

    frames: int = 0
    seconds: float = 0.0
    stations: int = 0
    failure_count: int = 0
    failures: list[Failure] = field(default_factory=list)

    def add(self, found: list[Failure]) -> None:
        self.failure_count += len(found)
        self.failures.extend(found[: max(0, MAX_KEPT - len(self.failures))])


@dataclass(slots=True)
class Campaign:
    """Fresh stations fed with fuzzed frames; see ``--help`` for the knobs."""

    frames: int
    seed: int
    restart_every: int
    boot_share: float
    handler_share: float
    slow: float
    progress_every: int
    report: Report = field(default_factory=Report)

    def run(self) -> Report:
        rng = random.Random(self.seed)
        source = FrameSource(SPEC, seed=self.seed)
        started = time.perf_counter()
        target: StationTarget | None = None
        fed_to_target = 0
        while self.report.frames < self.frames:
            if target is None or fed_to_target >= self.restart_every:
                target, fed_to_target = self._fresh(source, rng), 0
            if target.outstanding() is None and rng.random() < 0.05 and not self._advance(target):
                target = None  # an exception escaped: its state is undefined
                continue
            if not self._feed(target, source, rng):
                target = None
            fed_to_target += 1
            if self.report.frames % self.progress_every == 0:
                self._progress(time.perf_counter() - started)
        self.report.seconds = time.perf_counter() - started
        return self.report

    def _fresh(self, source: FrameSource, rng: random.Random) -> StationTarget:
        self.report.stations += 1
        return StationTarget(
            SPEC,
            connectors=rng.randint(1, 3),
            # Some stations stay in their first BootNotification: the registration phase
            # (BootNotification.conf handling) is fuzzed too.
            accept=rng.random() >= self.boot_share,
            # Some answer every Central System action, so accepted CALLs are fuzzed too.
            handlers=source.handlers() if rng.random() < self.handler_share else None,
        )

    def _advance(self, target: StationTarget) -> bool:
        """Let time pass (timers fire, new CALLs to answer); ``False`` if it raised."""
        try:
            target.advance()
        except Exception as exc:  # the invariant: nothing at all may escape
            details = "".join(traceback.format_exception(exc))
            self.report.add([Failure(self.report.frames, "", "advance", "no-exception", details)])
            return False
        return True

    def _feed(self, target: StationTarget, source: FrameSource, rng: random.Random) -> bool:
        """Feed one frame and record what broke; ``False`` if an exception escaped."""
        frame = source.frame(rng, target.outstanding())
        started = time.perf_counter()
        found = check_frame(target, frame, index=self.report.frames)
        elapsed = time.perf_counter() - started
        if elapsed > self.slow:
            details = f"{elapsed:.2f} s to handle one frame (limit {self.slow} s)"
            found.append(Failure(self.report.frames, frame.text, frame.recipe, "slow", details))
        self.report.frames += 1
        self.report.add(found)
        return not any(failure.invariant == "no-exception" for failure in found)

    def _progress(self, seconds: float) -> None:
        done = self.report.frames
        print(
            f"{done:>11,} / {self.frames:,} frames  {done / seconds:>8,.0f} frames/s  "
            f"{self.report.failure_count:,} failures  {self.report.stations:,} stations",
            flush=True,
        )


def signature(failure: Failure) -> str:
    """The kind of a failure: its invariant and its details without ids and numbers."""
    lines = failure.details.strip().splitlines() or [""]
    if failure.invariant == "unchanged":
        text = ", ".join(part.split(":")[0] for part in failure.details.split("; "))
    elif failure.invariant == "well-formed-output":
        text = re.split(r" \(|:", lines[0])[0]
    else:
        last = lines[-1] if failure.invariant == "no-exception" else lines[0]
        text = re.sub(r"-?[0-9]+", "N", re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", last))
    return f"[{failure.invariant}] {text[:120]}"


def print_failures(report: Report) -> None:
    groups: dict[str, list[Failure]] = collections.defaultdict(list)
    for failure in report.failures:
        groups[signature(failure)].append(failure)
    kept = "" if report.failure_count == len(report.failures) else f" ({MAX_KEPT:,} kept)"
    print(f"\n{report.failure_count:,} failures{kept} of {len(groups)} kinds")
    for kind, members in sorted(groups.items(), key=lambda item: -len(item[1])):
        example = members[0]
        print(f"\n{len(members):>7,} x {kind}")
        print(f"          e.g. {example.summary(240)}")
        if example.invariant == "no-exception":
            for line in example.details.strip().splitlines()[-4:]:
                print(f"               {line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A long fuzzing campaign (make fuzz).")
    parser.add_argument("--frames", type=int, default=1_000_000, help="frames to feed")
    parser.add_argument("--seed", type=int, default=0, help="seed of the whole campaign")
    parser.add_argument("--restart-every", type=int, default=500, help="frames per station")
    parser.add_argument("--boot-share", type=float, default=0.1, help="share not Accepted")
    parser.add_argument("--handler-share", type=float, default=0.5, help="share with handlers")
    parser.add_argument("--slow", type=float, default=1.0, help="seconds per frame at most")
    parser.add_argument("--progress-every", type=int, default=50_000, help="frames per line")
    parser.add_argument("--save", type=Path, help="write the kept failures as JSON lines")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # every fuzzed frame is a violation the station logs
    print(f"Python {platform.python_version()} on {platform.platform()}")
    csms = [n for n, i in SPEC.messages.items() if i.direction in ("csms_to_cp", "both")]
    print(f"spec {SPEC.name}: {len(SPEC.messages)} actions, {len(csms)} sent by the CSMS")
    print(f"{args.frames:,} frames, seed {args.seed}", flush=True)
    campaign = Campaign(
        frames=args.frames,
        seed=args.seed,
        restart_every=args.restart_every,
        boot_share=args.boot_share,
        handler_share=args.handler_share,
        slow=args.slow,
        progress_every=max(1, args.progress_every),
    )
    report = campaign.run()
    rate = report.frames / report.seconds if report.seconds else 0.0
    print(f"\n{report.frames:,} frames in {report.seconds:.1f} s: {rate:,.0f} frames/s")
    print(f"{report.stations:,} stations")
    if args.save is not None:
        with args.save.open("w", encoding="utf-8") as out:
            for failure in report.failures:
                out.write(json.dumps(asdict(failure)) + "\n")
    if not report.failure_count:
        print("no failures")
        return 0
    print_failures(report)
    return 1


if __name__ == "__main__":
    sys.exit(main())
