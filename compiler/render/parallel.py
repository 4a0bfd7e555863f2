"""Run the independent pieces of a build on several cores.

The model-path search of one machine does not depend on another's, and its rendered module is
a deterministic function of the spec set, so the pieces can run in forked worker processes
and be put back in their order: the output is the same as a run on one core. Workers are
forked (they inherit the spec set; only an index goes out and a text comes back), so this is
used only where ``fork`` exists; elsewhere, with one core, or with ``CHARGESPEC_JOBS=1``, the
pieces run one after another in this process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

__all__ = ["JOBS_VARIABLE", "run_all"]

JOBS_VARIABLE = "CHARGESPEC_JOBS"
# The piece the forked workers run: set before they are forked, so they inherit it.
_PIECE: Callable[[int], str] | None = None


def _jobs(count: int) -> int:
    wanted = os.environ.get(JOBS_VARIABLE, "")
    limit = int(wanted) if wanted.isdigit() and int(wanted) > 0 else os.cpu_count() or 1
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(count, limit))


def _run(index: int) -> str:
    assert _PIECE is not None
    return _PIECE(index)


def run_all(piece: Callable[[int], str], count: int) -> list[str]:
    """``[piece(0), ..., piece(count - 1)]``, computed on up to one core each.

    Args:
        piece: a deterministic function of the index (and of data it closes over).
        count: how many pieces.
    """
    global _PIECE
    jobs = _jobs(count)
    if jobs == 1:
        return [piece(index) for index in range(count)]
    _PIECE = piece
    try:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            return list(pool.map(_run, range(count)))
    finally:
        _PIECE = None
