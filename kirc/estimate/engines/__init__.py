"""The engines that tally: pandas in memory, a stream of chunks, DuckDB, Spark.

Every estimator (:func:`kirc.nps`, :func:`kirc.share`, :func:`kirc.csat`,
:func:`kirc.mean_score`, the named shares, :func:`kirc.trend`, :func:`kirc.change`,
:func:`kirc.contrast`) goes measure → tally → variance → interval → frame, and only the
*tally* depends on what holds the rows (:func:`tally_measure`, one entry point, returns a
:class:`kirc.Tally`). Besides a pandas DataFrame or a survey, the estimators take

* a **path** to a Parquet file (``.parquet``, ``.pq``, or a glob of them) or a CSV file, read
  by DuckDB (``pip install 'kirc[duckdb]'``) through the connection of :func:`connect`, with its
  memory limit and temporary directory, so that files larger than memory spill to disk;
* a **DuckDB relation** (``duckdb.DuckDBPyRelation``), run on its own connection;
* a **Spark DataFrame** (``pyspark.sql.DataFrame``, ``pip install 'kirc[spark]'``);
* an **iterator of pandas DataFrames**, such as ``kirc.read_survey(path, chunksize=...)``
  gives: each chunk is tallied in memory and the tallies are added up
  (:meth:`kirc.Tally.combine`), so that no more than one chunk is held at a time.

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

Multistage designs add the later stages' unit columns to the ``GROUP BY`` (and their
population sizes as ``MIN``/``MAX``), returning units their unit column; a replicate-weight
design adds one ``SUM`` per replicate column and per pair of them (the cross-products whose
rank gives R's degrees of freedom) to the same ``GROUP BY`` — in memory, one weighted count per
replicate column in the same counting pass.

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
from dataclasses import replace

import numpy as np
import pandas as pd

from ..._compat import keyword_only
from ...errors import ColumnError, KircError, ParameterError
from ...survey.design import STRATUM
from ..tally import Tally

__all__ = ["connect", "tally", "tally_measure", "engine_of", "source_of", "MissingExtraError"]


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
# tallying


def tally_measure(data, measure, column: str, by: list[str], call) -> Tally:
    """The tally of ``measure`` on ``column`` per ``by`` domain, by the engine holding ``data``.

    The one entry point of the estimators: ``call`` is the call's resolved design
    (:func:`kirc.survey.survey.resolve_design`). Chunks are tallied one by one and added up;
    a path, DuckDB relation or Spark DataFrame in one ``GROUP BY``.
    """
    kind = engine_of(data)
    if kind == "pandas":
        from .memory import tally_frame
        return tally_frame(data, measure, column, by, call)
    if kind == "chunks":
        return _tally_chunks(data, measure, column, by, call)
    from .sql import tally_source
    source = source_of(data)
    empty = source.empty_frame()
    for name in [column, *by]:
        if name not in empty.columns:
            shown = ", ".join(map(str, empty.columns[:12]))
            raise ColumnError(f"no such column; the data has {shown}"
                              + (", ..." if len(empty.columns) > 12 else ""),
                              file=source.name, column=name)
    call.design = call.design.bind(empty.columns, source.name)
    call.design.check(empty, source.name)
    return tally_source(source, measure, column, by, call.design)


def _tally_chunks(chunks, measure, column, by, call) -> Tally:
    from functools import reduce
    from .memory import tally_frame

    tallies = []
    for chunk in chunks:
        if not isinstance(chunk, pd.DataFrame):
            raise ParameterError(f"an iterator of data must give pandas DataFrames, not "
                                 f"{type(chunk).__name__}")
        for name in [column, *by]:
            if name not in chunk.columns:
                raise ColumnError("no such column", file=call.source, column=name)
        tallies.append(tally_frame(chunk, measure, column, by, call))
    if not tallies:
        raise ParameterError("the iterator of data gave no chunks")
    if call.design.weights is None and call.design.replicates is None:
        if len(call.design.stages) > 1 and call.design.stage_fpcs:
            raise ParameterError("an unweighted multistage design needs its weights in chunks "
                                 "(a column of the product of the stages' inverse sampling "
                                 "fractions, as R's weights(design)): give weights=",
                                 file=call.source)
        # Unweighted with a finite population, a unit weighs N_h / m_h of the *whole* sample:
        # undo each chunk's own m_h before adding up, apply the whole's after.
        tallies = [_scale_by_unit(t, inverse=True) for t in tallies]
        return _scale_by_unit(reduce(lambda a, b: a + b, tallies))
    return reduce(lambda a, b: a + b, tallies)


def _unit_weights(strata: pd.DataFrame) -> np.ndarray:
    """The weight :func:`kirc.survey.design.row_design` gives an unweighted unit per stratum."""
    fpc = strata["fpc"].to_numpy(dtype=float)
    if not np.isfinite(fpc).any() or len(strata) <= 1:
        return np.ones(len(strata))
    psus = strata["psus"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(fpc <= 1, 1 / fpc, np.where(np.isfinite(fpc), fpc / psus, 1.0))


def _scale_by_unit(tally: Tally, inverse: bool = False) -> Tally:
    unit = _unit_weights(tally.strata)
    if np.all(unit == 1):
        return tally
    if inverse:
        unit = 1 / unit
    table = tally.table.copy()
    u = unit[pd.Index(tally.strata[STRATUM]).get_indexer(table[STRATUM])]
    for column in ("sum_w", "sum_wy", "sum_wy2", *(f"w_{c}" for c in tally.classes)):
        table[column] = table[column].to_numpy(float) * u
    for column in ("sum_w2", "sum_w2y", "sum_w2y2", *(f"w2_{c}" for c in tally.classes)):
        table[column] = table[column].to_numpy(float) * u * u
    return replace(tally, table=table)


@keyword_only("by", "design")
def tally(data, metric, column: str, *, by=None, design=None, **options) -> Tally:
    """The tally of ``metric`` on ``column``, computed by the engine that holds ``data``.

    Tallies of disjoint parts (files, partitions, engines) add up with ``+``
    (:meth:`kirc.Tally.combine`) to the tally of the whole.

    Parameters
    ----------
    data : DataFrame, survey, path, DuckDB relation, Spark DataFrame or iterator of DataFrames
    metric : {"nps", "csat", "top_box", "share", "mean"} or a kirc.measures.Measure
    column, by, design, **options
        As for the estimators (``positive=``, ``negative=``, ``top=``, ``scale=``,
        ``weights=``).

    Returns
    -------
    kirc.Tally

    Examples
    --------
    >>> import pandas as pd, kirc, kirc.engines
    >>> df = pd.DataFrame({"q": [10, 9, 6, 8, 7, 2], "g": list("aabbab")})
    >>> parts = kirc.engines.tally(df[:3], "nps", "q", by="g") \\
    ...     + kirc.engines.tally(df[3:], "nps", "q", by="g")
    >>> parts.table[["g", "n", "n_promoter", "n_detractor"]]
       g  n  n_promoter  n_detractor
    0  a  3           2            0
    1  b  3           0            2
    """
    from ...measures import measure_of
    from ...survey.survey import FROM_DESIGN, resolve_design

    weights = options.pop("weights", FROM_DESIGN)
    population = options.pop("population", FROM_DESIGN)
    measure = measure_of(metric, **options)
    by = [by] if isinstance(by, str) else list(by or [])
    empty = data if engine_of(data) == "pandas" else None
    call = resolve_design(empty if empty is not None else pd.DataFrame(), design, weights,
                          population, check=False)
    return tally_measure(data, measure, column, by, call)
