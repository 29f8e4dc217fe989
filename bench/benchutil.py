"""Helpers shared by the bench scripts."""

from __future__ import annotations

import statistics
import time


def median_s(fn, runs: int) -> float:
    """Median wall time of ``runs`` calls of ``fn()``, s."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)
