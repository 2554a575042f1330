"""The one timer of the speed benchmarks: the best of a few runs (least disturbed by the rest
of a shared machine)."""

from __future__ import annotations

import time


def best_of(function, repeat: int = 3) -> float:
    """The fastest of ``repeat`` calls of ``function``, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)
