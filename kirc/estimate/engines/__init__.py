"""The tally step in other engines: DuckDB, Spark, and a stream of chunks.

Every estimator of :mod:`kirc.estimate.metrics` (:func:`kirc.nps`, :func:`kirc.share`,
:func:`kirc.csat`, :func:`kirc.mean_score`, the named shares) and of :mod:`kirc.estimate.compare`
(:func:`kirc.change`, :func:`kirc.trend`) takes, besides a pandas DataFrame,

* a **path** to a Parquet file (``.parquet``, ``.pq``, or a glob of them) or a CSV file, read
  by DuckDB (``pip install 'kirc[duckdb]'``) through the connection of :func:`connect`, with its
  memory limit and temporary directory, so that files larger than memory spill to disk;
* a **DuckDB relation** (``duckdb.DuckDBPyRelation``), run on its own connection;
* a **Spark DataFrame** (``pyspark.sql.DataFrame``, ``pip install 'kirc[spark]'``);
* an **iterator of pandas DataFrames**, such as ``kirc.read_survey(path, chunksize=...)``
  gives: each chunk is tallied in memory and the tallies are added up
  (:meth:`kirc.Tally.combine`), so that no more than one chunk is held at a time. An iterator
  can be read once: :func:`kirc.change` and :func:`kirc.trend`, which read the data per year,
  do not take one.

with the same arguments and the same result. Only the *tally* (:mod:`kirc.estimate.tally`: the sums per
domain, stratum and PSU) is computed by the engine, in one ``GROUP BY``; the design-based
variance, intervals, flags and checks are :mod:`kirc`'s own, the code that estimates a pandas
frame. The engine groups by the answer *value* too (an NPS has at most eleven), counting rows
and summing the weights and squared weights; which value is a promoter, which is missing or out
of scale, is decided afterwards in Python on those few distinct values, by the same rules as in
memory. So the validation is the same: an answer outside the scale, a text that is not a
number, a negative or missing weight of an answering respondent, a missing stratum or PSU, or a
population size that differs within a stratum is a :class:`kirc.KircError` naming the column,
never a silently wrong number. :func:`kirc.mean_score`, whose answers may take any value, sums
the powers of y in the engine instead.

The results agree with the in-memory path to rounding (sums added in another order: 1e-12
relative), weighted and with a stratified, clustered design (``tests/test_engines*.py``). One
difference: when a domain column is missing for some rows, the in-memory path lists their
domains (after the others) in the order the rows come in, an engine in sorted order.

Examples
--------
>>> import pandas as pd, kirc
>>> df = pd.DataFrame({"q": [10, 9, 9, 8, 7, 6, 3, 10, 9, 0], "g": list("aabbbaabba")})
>>> chunks = (df.iloc[i:i + 4] for i in range(0, len(df), 4))
>>> kirc.nps(chunks, "q", by="g").equals(kirc.nps(df, "q", by="g"))
True
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping

import numpy as np
import pandas as pd

from ..._frozen import Shared
from ...errors import KircError, ParameterError

__all__ = ["connect", "estimate", "tally", "engine_of", "MissingExtraError"]


class MissingExtraError(KircError, ImportError):
    """An optional engine (DuckDB, PySpark) is needed but not installed."""


def _require(module: str, extra: str, what: str):
    try:
        return __import__(module)
    except ImportError:
        raise MissingExtraError(f"{what} needs {module}, which is not installed: "
                                f"pip install 'kirc[{extra}]'") from None


# --------------------------------------------------------------------------------------------
# DuckDB connection for paths

#: Settings of the DuckDB connection that reads paths (see :func:`connect`).
DUCKDB_DEFAULTS = {"memory_limit": "1GB", "temp_directory": None, "threads": None}
_connection = None


def connect(memory_limit: str | None = "1GB", temp_directory: str | os.PathLike | None = None,
            threads: int | None = None):
    """Open the DuckDB connection with which the estimators read Parquet and CSV paths.

    Parameters
    ----------
    memory_limit : str, default "1GB"
        DuckDB's ``memory_limit``: above it, aggregation state spills to ``temp_directory``.
    temp_directory : str or path, optional
        Where DuckDB spills; default a ``kirc-duckdb`` directory in the system's temporary
        directory.
    threads : int, optional
        DuckDB's ``threads``; default all cores.

    Returns
    -------
    duckdb.DuckDBPyConnection
        Also usable to build relations (``con.read_parquet(...)``) to pass to the estimators.

    Examples
    --------
    >>> import kirc.estimate.engines
    >>> con = kirc.estimate.engines.connect(memory_limit="256MB")
    >>> con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    '244.1 MiB'
    >>> _ = kirc.estimate.engines.connect()       # back to the defaults
    """
    global _connection
    duckdb = _require("duckdb", "duckdb", "reading a Parquet or CSV file")
    if temp_directory is None:
        import tempfile
        temp_directory = os.path.join(tempfile.gettempdir(), "kirc-duckdb")
    config = {"temp_directory": str(temp_directory), "preserve_insertion_order": False}
    if memory_limit is not None:
        config["memory_limit"] = str(memory_limit)
    if threads is not None:
        config["threads"] = int(threads)
    if _connection is not None:
        try:
            _connection.close()
        except Exception:                               # pragma: no cover - already closed
            pass
    _connection = duckdb.connect(config=config)
    _connection.execute("SET enable_progress_bar = false")     # a library prints nothing
    return _connection


def _duckdb_connection():
    if _connection is None:
        connect(**DUCKDB_DEFAULTS)
    return _connection


# --------------------------------------------------------------------------------------------
# what holds the rows


def engine_of(data) -> str:
    """``"pandas"``, ``"duckdb"``, ``"spark"``, ``"chunks"`` or ``"path"`` for ``data``.

    Examples
    --------
    >>> import pandas as pd, kirc.estimate.engines
    >>> kirc.estimate.engines.engine_of(pd.DataFrame()), kirc.estimate.engines.engine_of("answers.parquet")
    ('pandas', 'path')
    """
    if isinstance(data, pd.DataFrame):
        return "pandas"
    if isinstance(data, (str, os.PathLike)):
        return "path"
    module = type(data).__module__ or ""
    if module.startswith("duckdb"):
        return "duckdb"
    if module.startswith("pyspark"):
        return "spark"
    if isinstance(data, Iterator) or (isinstance(data, Iterable)
                                      and not isinstance(data, (bytes, Mapping))):
        return "chunks"
    raise ParameterError(f"data must be a pandas DataFrame, a path to a Parquet or CSV file, a "
                         f"DuckDB relation, a Spark DataFrame or an iterator of DataFrames, not "
                         f"{type(data).__name__}")


_PARQUET = (".parquet", ".pq")
_CSV = (".csv", ".tsv", ".txt", ".csv.gz")


def _relation_of_path(path):
    name = os.fspath(path)
    lower = name.lower()
    con = _duckdb_connection()
    if lower.endswith(_PARQUET):
        if not any(c in name for c in "*?[") and not os.path.exists(name):
            from ...errors import InputFileError
            raise InputFileError("no such file", file=name)
        return con.read_parquet(name)
    if lower.endswith(_CSV):
        if not os.path.exists(name):
            from ...errors import InputFileError
            raise InputFileError("no such file", file=name)
        return con.read_csv(name)
    raise ParameterError(f"{name}: the engines read Parquet (.parquet) and CSV files; read "
                         "other formats with kirc.read_survey (chunksize= for large ones)")


def source_of(data):
    """The engine source (:mod:`kirc.estimate.engines.sql`) for a path, relation or Spark DataFrame."""
    kind = engine_of(data)
    if kind == "path":
        from .sql import DuckDBSource
        return DuckDBSource(_relation_of_path(data), name=os.fspath(data))
    if kind == "duckdb":
        from .sql import DuckDBSource
        return DuckDBSource(data)
    if kind == "spark":
        _require("pyspark", "spark", "a Spark DataFrame")
        from .sql import SparkSource
        return SparkSource(data)
    raise ParameterError(f"{kind} data have no engine source")


# --------------------------------------------------------------------------------------------
# estimating


class _Hook(Shared):
    """An ``attrs`` entry that pandas copies by reference (its tally can be large)."""


class _Given(_Hook):
    """Hands the estimator a tally computed elsewhere."""

    def __init__(self, keys, tally):
        self.keys, self.tally = keys, tally

    def __call__(self, in_memory):
        return self.keys, self.tally


class _Captured(Exception):
    def __init__(self, keys, tally):
        super().__init__("tally captured")
        self.keys, self.tally = keys, tally


class _Capture(_Hook):
    """Tallies one chunk in memory and stops the estimator there."""

    def __call__(self, in_memory):
        raise _Captured(*in_memory())


def _bind(function, data, args, kwargs):
    import inspect
    signature = inspect.signature(function)
    try:
        bound = signature.bind(data, *args, **kwargs)
    except TypeError as error:
        raise ParameterError(f"{function.__name__}(): {error}") from None
    bound.apply_defaults()
    return bound


def _call(function, frame, bound):
    bound.arguments[next(iter(bound.arguments))] = frame
    return function(*bound.args, **bound.kwargs)


def estimate(function, data, args=(), kwargs=None):
    """Run the in-memory estimator ``function`` on data another engine tallies.

    Called by the estimators themselves when ``data`` is not a pandas DataFrame; ``args`` and
    ``kwargs`` are the estimator's other arguments.
    """
    kwargs = dict(kwargs or {})
    function = getattr(function, "__wrapped__", function)
    bound = _bind(function, data, args, kwargs)
    kind = engine_of(data)
    if kind == "chunks":
        keys, tally, empty = _tally_chunks(function, data, bound)
    else:
        source = source_of(data)
        keys, tally, empty = _tally_source(function, source, bound)
    frame = empty.copy()
    frame.attrs[_hook_key()] = _Given(keys, tally)
    return _call(function, frame, bound)


def _hook_key():
    from ..metrics import TALLY_HOOK
    return TALLY_HOOK


def _tally_chunks(function, chunks, bound):
    from functools import reduce
    from ..tally import groups_of
    from ..metrics import _as_list, resolve_design

    tallies, keys, empty = [], [], None
    for chunk in chunks:
        if not isinstance(chunk, pd.DataFrame):
            raise ParameterError(f"an iterator of data must give pandas DataFrames, not "
                                 f"{type(chunk).__name__}")
        if empty is None:
            empty = chunk.iloc[:0].copy()
        frame = chunk.copy(deep=False)
        frame.attrs = dict(chunk.attrs)
        frame.attrs[_hook_key()] = _Capture()
        try:
            _call(function, frame, bound)
        except _Captured as captured:
            keys.append(captured.keys)
            tallies.append(captured.tally)
        else:                                           # pragma: no cover - a missing hook
            raise RuntimeError(f"{function.__name__} did not tally the chunk")
    if empty is None:
        raise ParameterError("the iterator of data gave no chunks")
    by = _as_list(bound.arguments.get("by"))
    arguments = bound.arguments
    design = resolve_design(empty, arguments.get("design"), arguments.get("weights"),
                            arguments.get("population"))
    if design.weights is None:
        # Unweighted with a finite population, a unit weighs N_h / m_h of the *whole* sample:
        # undo each chunk's own m_h before adding up, apply the whole's after.
        tallies = [_scale_by_unit(t, inverse=True) for t in tallies]
        tally = _scale_by_unit(reduce(lambda a, b: a + b, tallies))
    else:
        tally = reduce(lambda a, b: a + b, tallies)
    all_keys = pd.concat(keys, ignore_index=True).drop_duplicates(ignore_index=True) if by \
        else keys[0]
    if by:
        all_keys = groups_of(all_keys, by).keys
    return all_keys, tally, empty


def _unit_weights(strata: pd.DataFrame) -> np.ndarray:
    """The weight :func:`kirc.estimate.tally.row_design` gives an unweighted unit per stratum."""
    fpc = strata["fpc"].to_numpy(dtype=float)
    if not np.isfinite(fpc).any() or len(strata) <= 1:
        return np.ones(len(strata))
    psus = strata["psus"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(fpc <= 1, 1 / fpc, np.where(np.isfinite(fpc), fpc / psus, 1.0))


def _scale_by_unit(tally, inverse: bool = False):
    from ..tally import STRATUM, Tally
    unit = _unit_weights(tally.strata)
    if np.all(unit == 1):
        return tally
    if inverse:
        unit = 1 / unit
    table = tally.table.copy()
    u = unit[pd.Index(tally.strata[STRATUM]).get_indexer(table[STRATUM])]
    for column in ("sum_w", "sum_wy", "sum_wy2", *(f"w_{c}" for c in tally.classes)):
        table[column] = table[column].to_numpy(float) * u
    for column in ("sum_w2", "sum_w2y", "sum_w2y2"):
        table[column] = table[column].to_numpy(float) * u * u
    return Tally(table, list(tally.by), tally.strata, list(tally.classes), tally.clustered,
                 tally.lonely_psu, getattr(tally, "stratified", False))


def _tally_source(function, source, bound):
    from ..metrics import _as_list, resolve_design
    from ...errors import ColumnError
    from .answers import answer_rule
    from .sql import tally_source

    empty = source.empty_frame()
    arguments = bound.arguments
    by = _as_list(arguments.get("by"))
    rule = answer_rule(function, arguments)
    for column in [rule.column, *by]:
        if column not in empty.columns:
            shown = ", ".join(map(str, empty.columns[:12]))
            raise ColumnError(f"no such column; the data has {shown}"
                              + (", ..." if len(empty.columns) > 12 else ""),
                              file=source.name, column=column)
    design = resolve_design(empty, arguments.get("design"), arguments.get("weights"),
                            arguments.get("population"))
    design.check(empty, source.name)
    keys, tally = tally_source(source, rule, by, design)
    return keys, tally, empty


def tally(data, metric: str, column: str, by=None, design=None, **options):
    """The tally of ``metric`` on ``column``, computed by the engine that holds ``data``.

    Tallies of disjoint parts (files, partitions, engines) add up with ``+``
    (:meth:`kirc.Tally.combine`) to the tally of the whole.

    Parameters
    ----------
    data : DataFrame, path, DuckDB relation, Spark DataFrame or iterator of DataFrames
    metric : {"nps", "csat", "share", "mean"}
    column, by, design, **options
        As for the metric (``positive=``, ``negative=``, ``top=``, ``scale=``, ``weights=``).

    Returns
    -------
    kirc.Tally

    Examples
    --------
    >>> import pandas as pd, kirc, kirc.estimate.engines
    >>> df = pd.DataFrame({"q": [10, 9, 6, 8, 7, 2], "g": list("aabbab")})
    >>> parts = kirc.estimate.engines.tally(df[:3], "nps", "q", by="g") \\
    ...     + kirc.estimate.engines.tally(df[3:], "nps", "q", by="g")
    >>> parts.table[["g", "n", "n_promoter", "n_detractor"]]
       g  n  n_promoter  n_detractor
    0  a  3           2            0
    1  b  3           0            2
    """
    from .. import metrics
    functions = {"nps": metrics.nps, "csat": metrics.csat, "share": metrics.share,
                 "mean": metrics.mean_score, "mean_score": metrics.mean_score}
    if metric not in functions:
        raise ParameterError(f"unknown metric {metric!r}; use one of {', '.join(functions)}")
    function = functions[metric].__wrapped__
    bound = _bind(function, data, (column,), dict(by=by, design=design, **options))
    kind = engine_of(data)
    if kind == "pandas":
        frame = data.copy(deep=False)
        frame.attrs = dict(data.attrs)
        frame.attrs[_hook_key()] = _Capture()
        try:
            _call(function, frame, bound)
        except _Captured as captured:
            return captured.tally
    if kind == "chunks":
        return _tally_chunks(function, data, bound)[1]
    return _tally_source(function, source_of(data), bound)[1]


# --------------------------------------------------------------------------------------------
# per year (kirc.estimate.compare)


def years(data, column: str) -> list:
    """The distinct non-missing values of ``column`` (sorted), for :func:`kirc.trend`."""
    kind = engine_of(data)
    if kind == "chunks":
        raise ParameterError("change and trend read the data once per year: pass a DataFrame, "
                             "a Parquet path, a DuckDB relation or a Spark DataFrame, not an "
                             "iterator of chunks")
    source = source_of(data)
    if column not in source.empty_frame().columns:
        from ...errors import ColumnError
        raise ColumnError("no such column", file=source.name, column=column)
    values = source.distinct(column)
    return sorted(v for v in values if not pd.isna(v))


def where_equal(data, column: str, value):
    """The rows of ``data`` whose ``column`` equals ``value``, in the same engine."""
    if isinstance(value, np.generic):
        value = value.item()
    return source_of(data).where_equal(column, value)
