"""Long columns in pieces, in threads: the counting pass and the checks of weights.

numpy's arithmetic and reductions release the GIL, so pieces of a few hundred thousand rows
run in parallel threads, and a piece's temporaries stay in the processor's cache. Results are
combined in piece order and pieces depend only on the number of rows (and of codes), never on
the number of cores, so that sums are the same on every machine.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

__all__ = ["PIECE_ROWS", "each_piece"]

#: Rows per piece.
PIECE_ROWS = 1 << 19

_lock = threading.Lock()
_pool: tuple[int, ThreadPoolExecutor] | None = None


def _threads() -> ThreadPoolExecutor | None:
    """This process's threads (None on one core); a forked child starts its own."""
    global _pool
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
        (os.cpu_count() or 1)
    if cores < 2:
        return None
    with _lock:
        if _pool is None or _pool[0] != os.getpid():
            _pool = (os.getpid(), ThreadPoolExecutor(max_workers=min(cores, 8),
                                                     thread_name_prefix="kirc-piece"))
        return _pool[1]


def each_piece(function, n_rows: int, codes: int = 0) -> list:
    """``function(rows)`` for consecutive slices of rows, in order (at least one slice).

    Equal slices of at most :data:`PIECE_ROWS` rows, or of eight rows per code where
    ``codes`` (the length of what each piece returns, to be added up) is larger, so that
    adding stays cheap. Equal, because the threads wait for the longest piece: 10M rows in
    pieces of 8.8M and 1.2M rows counted into 1.1M codes took 66 ms, in two of 5M 44 ms.

    Examples
    --------
    >>> [(rows.start, rows.stop) for rows in each_piece(lambda rows: rows, 1_200_000)]
    [(0, 400000), (400000, 800000), (800000, 1200000)]
    >>> [(rows.start, rows.stop) for rows in each_piece(lambda rows: rows, 1_200_000,
    ...                                                  codes=100_000)]   # 800,000 at most
    [(0, 600000), (600000, 1200000)]
    >>> each_piece(lambda rows: rows, 0)
    [slice(0, 0, None)]
    """
    count = -(-n_rows // max(PIECE_ROWS, 8 * codes)) or 1
    size = max(-(-n_rows // count), 1)          # equal pieces: the threads finish together
    pieces = [slice(start, min(start + size, n_rows)) for start in range(0, n_rows, size)] \
        or [slice(0, 0)]
    threads = _threads() if len(pieces) > 1 else None
    return [function(piece) for piece in pieces] if threads is None else \
        list(threads.map(function, pieces))
