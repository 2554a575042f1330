"""One ``GROUP BY`` per estimate, written once in the SQL that DuckDB and Spark share.

The query is plain SQL: ``CASE``, ``SUM``, ``COUNT``, ``MIN``, ``MAX``, ``TRY_CAST``,
``isnan``; the dialects differ only in how they quote a name. (Ibis would write it once too,
but adds a dependency tree for one SELECT and still leaves the NaN-versus-NULL and
``TRY_CAST`` semantics to check per backend; see the commit that added this module.)

NaN compares greater than every number in both engines, so "finite and positive" is written
``w > 0 AND w < Infinity``, which is false for NaN, NULL and infinity alike.
"""

from __future__ import annotations

import uuid

import numpy as np
import pandas as pd

from ..._keys import groups_of
from ...errors import ColumnError, ParameterError, ScaleError
from ...survey.design import PSU, STRATUM, _fpc_per_stratum, stage_key
from ..tally import SUMS, ReplicateTerms, Tally, replicate_columns, restage

_INF = "CAST('Infinity' AS DOUBLE)"


class Source:
    """Rows held by an engine: schema, one aggregate query, distinct values, a filter."""

    name: str | None = None

    def quote(self, name: str) -> str:
        raise NotImplementedError

    def empty_frame(self) -> pd.DataFrame:
        raise NotImplementedError

    def numeric(self, column: str) -> bool:
        raise NotImplementedError

    def run(self, select: str, group: list[str]) -> pd.DataFrame:
        """``SELECT {select} FROM rows GROUP BY {group}`` as a pandas frame."""
        raise NotImplementedError


_DUCKDB_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
                   "USMALLINT", "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE", "DECIMAL", "REAL",
                   "BOOLEAN")


class DuckDBSource(Source):
    def __init__(self, relation, name: str | None = None):
        self.relation = relation
        self.name = name
        self._types = dict(zip(relation.columns, (str(t).upper() for t in relation.types)))
        self._empty = None

    def quote(self, name):
        return '"' + str(name).replace('"', '""') + '"'

    def empty_frame(self):
        if self._empty is None:
            self._empty = self.relation.limit(0).df()
            if self.name:
                self._empty.attrs["source"] = self.name
        return self._empty

    def numeric(self, column):
        return self._types[column].startswith(_DUCKDB_NUMERIC)

    def run(self, select, group):
        view = f"kirc_{uuid.uuid4().hex[:12]}"
        query = f"SELECT {select} FROM {view}" + (f" GROUP BY {', '.join(group)}" if group
                                                   else "")
        return self.relation.query(view, query).df()

    def distinct(self, column):
        return [v for (v,) in self.relation.select(self.quote(column)).distinct().fetchall()]

    def where_equal(self, column, value):
        return self.relation.filter(f"{self.quote(column)} = {_literal(value)}")


class SparkSource(Source):
    def __init__(self, frame):
        self.frame = frame
        self.name = None
        self._types = dict(frame.dtypes)
        self._empty = None

    def quote(self, name):
        return "`" + str(name).replace("`", "``") + "`"

    def empty_frame(self):
        if self._empty is None:
            self._empty = pd.DataFrame({c: pd.Series(dtype=_spark_dtype(t))
                                        for c, t in self.frame.dtypes})
        return self._empty

    def numeric(self, column):
        kind = self._types[column]
        return kind in ("tinyint", "smallint", "int", "bigint", "float", "double",
                        "boolean") or kind.startswith("decimal")

    def run(self, select, group):
        view = f"kirc_{uuid.uuid4().hex[:12]}"
        session = self.frame.sparkSession
        self.frame.createOrReplaceTempView(view)
        try:
            query = f"SELECT {select} FROM {view}" + (f" GROUP BY {', '.join(group)}" if group
                                                       else "")
            return session.sql(query).toPandas()
        finally:
            session.catalog.dropTempView(view)

    def distinct(self, column):
        return [r[0] for r in self.frame.select(column).distinct().collect()]

    def where_equal(self, column, value):
        from pyspark.sql import functions as F
        return self.frame.filter(F.col(column) == F.lit(value))


def _spark_dtype(kind: str):
    return {"tinyint": "int64", "smallint": "int64", "int": "int64", "bigint": "int64",
            "float": "float64", "double": "float64", "boolean": "bool"}.get(kind, object)


def _literal(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return repr(float(value)) if isinstance(value, (float, np.floating)) else str(int(value))
    return "'" + str(value).replace("'", "''") + "'"


# --------------------------------------------------------------------------------------------
# the query


def _unit_columns(design) -> list[str]:
    """The unit columns the cells are keyed by (every stage with an fpc per stage)."""
    columns = list(design.unit_columns)
    return columns if len(columns) <= 1 or design.stage_fpcs else columns[:1]


def _unit_items(q, design) -> list[tuple[str, str]]:
    return [(q(c), f"_p{i}") for i, c in enumerate(_unit_columns(design))]


def _fpc_items(source, design, kept: str) -> list[str]:
    """MIN, MAX and the bad values of every stage's fpc column."""
    q = source.quote
    items = []
    for i, column in enumerate(design.stage_fpcs):
        f = f"CAST({q(column)} AS DOUBLE)" if source.numeric(column) else \
            f"TRY_CAST({q(column)} AS DOUBLE)"
        items += [f"MIN(CASE WHEN {kept} THEN {f} END) AS _fpc{i}_min",
                  f"MAX(CASE WHEN {kept} THEN {f} END) AS _fpc{i}_max",
                  f"SUM(CASE WHEN {kept} AND NOT COALESCE({f} > 0 AND {f} <= {_INF}, FALSE) "
                  f"THEN 1 ELSE 0 END) AS _fpc{i}_bad"]
    return items


def _replicate_items(source, design, ok: str, x: str | None = None) -> list[str]:
    """Per replicate column Σw_r (and Σw_r·x), the cross-products Σw_j·w_k, and a count of
    missing or non-numeric replicate weights, over the rows where ``ok``."""
    replicates = design.replicates
    if replicates is None:
        return []
    q = source.quote
    names = [f"CAST({q(c)} AS DOUBLE)" for c in replicates.columns]
    items = []
    for k, r in enumerate(names, start=1):
        items.append(f"SUM(CASE WHEN {ok} THEN {r} ELSE 0 END) AS _rs{k}")
        if x is not None:
            items.append(f"SUM(CASE WHEN {ok} THEN {r} * {x} ELSE 0 END) AS _rsy{k}")
    for j in range(len(names)):
        for k in range(j, len(names)):
            items.append(f"SUM(CASE WHEN {ok} THEN {names[j]} * {names[k]} ELSE 0 END) "
                         f"AS _g{j + 1}_{k + 1}")
    bad = " OR ".join(f"{r} IS NULL OR NOT ({r} > -{_INF} AND {r} < {_INF})" for r in names)
    items.append(f"SUM(CASE WHEN {ok} AND ({bad}) THEN 1 ELSE 0 END) AS _r_bad")
    return items


def _trusting_query(source: Source, column: str, by, strata, design):
    """The weighted answer-value query when every weight is a positive finite number.

    Plain ``SUM(w)``, ``SUM(w * w)`` and ``MIN``/``MAX``/``COUNT`` of w, no ``CASE``: as cheap
    as a bare ``GROUP BY``. Its MIN, MAX and COUNT tell whether that assumption held; where it
    did not (a zero, negative, missing or NaN weight), :func:`tally_source` runs
    :func:`_query`, which keeps only the rows with a positive weight and counts the bad ones.
    """
    q = source.quote
    keys = [(q(c), f"_b{i}") for i, c in enumerate(by)]
    keys += [(q(c), f"_s{i}") for i, c in enumerate(strata)]
    keys += _unit_items(q, design)
    keys.append((q(column), "_v"))
    w = q(design.weights)
    items = [f"{expr} AS {alias}" for expr, alias in keys]
    items += ["COUNT(*) AS _rows", f"COUNT({w}) AS _w_count", f"MIN({w}) AS _w_min",
              f"MAX({w}) AS _w_max", f"SUM({w}) AS _sw", f"SUM({w} * {w}) AS _sw2"]
    items += _fpc_items(source, design, "TRUE")
    items += _replicate_items(source, design, "TRUE")
    return ", ".join(items), list(dict.fromkeys(expr for expr, _ in keys))


def _trusted(cells: pd.DataFrame) -> bool:
    """Every weight present, positive and finite (NaN compares greater than infinity)."""
    low = cells["_w_min"].to_numpy(float)
    high = cells["_w_max"].to_numpy(float)
    return bool((cells["_w_count"].to_numpy() == cells["_rows"].to_numpy()).all()
                and (low > 0).all() and np.isfinite(high).all())


def _query(source: Source, measure, column: str, by, strata, design):
    q = source.quote

    def double(column):
        return f"CAST({q(column)} AS DOUBLE)" if source.numeric(column) else \
            f"TRY_CAST({q(column)} AS DOUBLE)"

    keys = [(q(c), f"_b{i}") for i, c in enumerate(by)]
    keys += [(q(c), f"_s{i}") for i, c in enumerate(strata)]
    keys += _unit_items(q, design)
    if measure.discrete:
        keys.append((q(column), "_v"))
    items = [f"{expr} AS {alias}" for expr, alias in keys]
    items.append("COUNT(*) AS _rows")
    weighted = design.weights is not None
    if weighted:
        w = double(design.weights)
        kept = f"({w} > 0 AND {w} < {_INF})"
        finite = f"({w} > -{_INF} AND {w} < {_INF})"
        items += [f"SUM(CASE WHEN {kept} THEN 1 ELSE 0 END) AS _kept",
                  f"SUM(CASE WHEN {q(design.weights)} IS NOT NULL AND {w} IS NULL THEN 1 "
                  "ELSE 0 END) AS _w_text",
                  f"SUM(CASE WHEN {w} < 0 THEN 1 ELSE 0 END) AS _w_negative"]
    else:
        w, kept, finite = "1.0", "TRUE", "TRUE"
    if measure.discrete:
        if weighted:
            items += [f"SUM(CASE WHEN {kept} THEN {w} ELSE 0 END) AS _sw",
                      f"SUM(CASE WHEN {kept} THEN {w} * {w} ELSE 0 END) AS _sw2",
                      f"SUM(CASE WHEN {finite} THEN 0 ELSE 1 END) AS _w_nonfinite"]
    else:
        x = double(column)
        valid = f"({x} IS NOT NULL AND NOT isnan({x}))"
        ok = f"({kept} AND {valid})"
        wv = f"CASE WHEN {ok} THEN {w} ELSE 0 END"
        y = f"CASE WHEN {ok} THEN {x} ELSE 0 END"
        items += [f"SUM(CASE WHEN {ok} THEN 1 ELSE 0 END) AS n",
                  f"SUM(CASE WHEN {kept} AND NOT {valid} THEN 1 ELSE 0 END) AS n_missing",
                  f"SUM({wv}) AS sum_w", f"SUM(({wv}) * ({y})) AS sum_wy",
                  f"SUM(({wv}) * ({y}) * ({y})) AS sum_wy2",
                  f"SUM(({wv}) * ({wv})) AS sum_w2",
                  f"SUM(({wv}) * ({wv}) * ({y})) AS sum_w2y",
                  f"SUM(({wv}) * ({wv}) * ({y}) * ({y})) AS sum_w2y2",
                  f"MIN(CASE WHEN {valid} THEN {x} END) AS _x_min",
                  f"MAX(CASE WHEN {valid} THEN {x} END) AS _x_max",
                  f"SUM(CASE WHEN {q(column)} IS NOT NULL AND {x} IS NULL THEN 1 ELSE 0 "
                  "END) AS _x_text",
                  f"SUM(CASE WHEN {valid} AND NOT {finite} THEN 1 ELSE 0 END) AS _w_nonfinite"]
        if not weighted:
            items.append("SUM(1) AS _kept")
    if measure.discrete:
        items += _replicate_items(source, design, kept)
    else:
        items += _replicate_items(source, design, ok, y)
    items += _fpc_items(source, design, kept)
    group = list(dict.fromkeys(expr for expr, _ in keys))
    return ", ".join(items), group


# --------------------------------------------------------------------------------------------
# from the engine's cells to a Tally


def tally_source(source: Source, measure, column: str, by: list[str], design) -> Tally:
    """The :class:`kirc.Tally` of ``measure`` on ``column`` over the rows of ``source``."""
    strata = design.strata_columns
    weighted = design.weights is not None
    cells = None
    if weighted and measure.discrete and source.numeric(design.weights) and \
            all(source.numeric(c) for c in design.stage_fpcs):
        cells = source.run(*_trusting_query(source, column, by, strata, design))
        if _trusted(cells):
            cells["_kept"] = cells["_rows"]
            cells["_w_text"] = cells["_w_negative"] = cells["_w_nonfinite"] = 0
        else:
            cells = None
    if cells is None:
        cells = source.run(*_query(source, measure, column, by, strata, design))
    name = source.name
    rows = cells["_rows"].to_numpy(np.int64)
    if weighted:
        if cells["_w_text"].sum() > 0:
            raise ScaleError(f"{int(cells['_w_text'].sum())} weights are not numbers",
                             file=name, column=design.weights)
    if measure.discrete:
        answers = measure.answers(cells["_v"], counts=rows, source=name, column=column)
        valid, y, code = answers.valid, answers.y, answers.code
        kept = cells["_kept"].to_numpy(float) if weighted else rows.astype(float)
        sw = cells["_sw"].to_numpy(float) if weighted else rows.astype(float)
        sw2 = cells["_sw2"].to_numpy(float) if weighted else rows.astype(float)
        sums = {"n": np.where(valid, kept, 0.0), "n_missing": np.where(valid, 0.0, kept),
                "sum_w": np.where(valid, sw, 0.0)}
        sums["sum_wy"] = sums["sum_w"] * y
        sums["sum_wy2"] = sums["sum_wy"] * y
        sums["sum_w2"] = np.where(valid, sw2, 0.0)
        sums["sum_w2y"] = sums["sum_w2"] * y
        sums["sum_w2y2"] = sums["sum_w2y"] * y
        for k, label in enumerate(measure.classes):
            mine = valid & (code == k)
            sums[f"n_{label}"] = np.where(mine, kept, 0.0)
            sums[f"w_{label}"] = np.where(mine, sw, 0.0)
            sums[f"w2_{label}"] = np.where(mine, sw2, 0.0)
        if weighted:
            _check_weights(cells, design, name,
                           int(cells["_w_nonfinite"].to_numpy(float)[valid].sum()))
        gram = None
        if design.replicates is not None:
            _check_replicates(cells, design, name, valid)
            size = design.replicates.size
            names = replicate_columns(size, measure.classes)
            for k in range(size):
                rs = cells[f"_rs{k + 1}"].to_numpy(float)
                sums[names["w"][k]] = np.where(valid, rs, 0.0)
                sums[names["wy"][k]] = sums[names["w"][k]] * y
                for c, label in enumerate(measure.classes):
                    sums[names[label][k]] = np.where(valid & (code == c), rs, 0.0)
            gram = _gram_cells(cells, size, valid, by)
        key_columns = [*(f"_b{i}" for i in range(len(by))),
                       *(f"_s{i}" for i in range(len(strata))),
                       *(f"_p{i}" for i in range(len(_unit_columns(design))))]
        extra = [c for c in cells.columns if c.startswith("_fpc")]
        # one frame at once (column by column, pandas warns of fragmentation past 100)
        frame = pd.DataFrame({**sums, **{c: cells[c].to_numpy() for c in key_columns},
                              "_kept": kept, **{c: cells[c].to_numpy() for c in extra}})
        aggregations = {c: "sum" for c in [*sums, "_kept"]}
        aggregations.update({c: ("min" if c.endswith("_min") else "max" if c.endswith("_max")
                                 else "sum") for c in extra})
        aggregations = {c: a for c, a in aggregations.items() if c in frame}
        if key_columns:
            # the sums in one groupby-sum (one block; agg with a dict gives a column each)
            grouped = frame.groupby(key_columns, dropna=False, sort=False, observed=True)
            sums_only = [c for c, a in aggregations.items() if a == "sum"]
            others = {c: a for c, a in aggregations.items() if a != "sum"}
            parts = [grouped[sums_only].sum(), *([grouped.agg(others)] if others else [])]
            cells = pd.concat(parts, axis=1)[list(aggregations)].reset_index()
        else:
            cells = frame.agg(aggregations).to_frame().T
    else:
        if cells["_x_text"].sum() > 0:
            raise ScaleError(f"{int(cells['_x_text'].sum())} values are not numbers",
                             file=name, column=column)
        scale = measure.scale
        if scale is not None:
            low = cells["_x_min"].min()
            high = cells["_x_max"].max()
            if low < scale[0] or high > scale[1]:
                examples = ", ".join(f"{v:g}" for v in sorted({low, high})
                                     if v < scale[0] or v > scale[1])
                raise ScaleError(f"answers are outside the scale {scale[0]:g}–{scale[1]:g} "
                                 f"(for example {examples}); declare codes such as 99 'weet "
                                 "niet' as missing", file=name, column=column)
        if weighted:
            _check_weights(cells, design, name, int(cells["_w_nonfinite"].sum()))
        gram = None
        if design.replicates is not None:
            _check_replicates(cells, design, name, None)
            size = design.replicates.size
            names = replicate_columns(size)
            replicated = {}
            for k in range(size):
                replicated[names["w"][k]] = cells[f"_rs{k + 1}"].to_numpy(float)
                replicated[names["wy"][k]] = cells[f"_rsy{k + 1}"].to_numpy(float)
            cells = pd.concat([cells.drop(columns=[c for c in replicated if c in cells]),
                               pd.DataFrame(replicated, index=cells.index)], axis=1)
            gram = _gram_cells(cells, size, None, by)
    return _assemble(cells, measure, by, strata, design, name, gram)


def _check_replicates(cells, design, name, valid) -> None:
    bad = cells["_r_bad"].to_numpy(float)
    if valid is not None:
        bad = np.where(valid, bad, 0.0)
    if bad.sum() > 0:
        raise ScaleError(f"{int(bad.sum())} rows have a missing or non-numeric replicate "
                         "weight (R: 'Missing values not allowed in repweights')", file=name,
                         column=design.replicates.columns[0])


def _gram_cells(cells, size, valid, by) -> pd.DataFrame:
    """The replicate weights' cross-products per domain (keys ``_b0``, ...), R × R each."""
    names = [f"_g{j + 1}_{k + 1}" for j in range(size) for k in range(j, size)]
    values = cells[names].to_numpy(float)
    if valid is not None:
        values = np.where(valid[:, None], values, 0.0)
    keys = [f"_b{i}" for i in range(len(by))]
    frame = pd.concat([pd.DataFrame(values, columns=names),
                       pd.DataFrame({key: cells[key].to_numpy() for key in keys})], axis=1)
    if keys:
        return frame.groupby(keys, dropna=False, sort=False, observed=True)[names].sum() \
            .reset_index()
    return frame[names].sum().to_frame().T


def _check_weights(cells, design, name, nonfinite_valid):
    negative = int(cells["_w_negative"].sum())
    if negative:
        raise ScaleError(f"{negative} weights are negative; weights must be 0 or more",
                         file=name, column=design.weights)
    if nonfinite_valid:
        raise ScaleError(f"{nonfinite_valid} weights of answering respondents are missing or "
                         "infinite", file=name, column=design.weights)


def _assemble(cells: pd.DataFrame, measure, by, strata, design, name, gram=None) -> Tally:
    by_columns = [f"_b{i}" for i in range(len(by))]
    strata_columns = [f"_s{i}" for i in range(len(strata))]
    units = _unit_columns(design)
    unit_columns = [f"_p{i}" for i in range(len(units))]
    # every domain of the data, also one whose rows all weigh 0, as the in-memory path lists
    if by:
        domains = cells[by_columns].drop_duplicates(ignore_index=True)
        domains.columns = by
        keys = groups_of(domains, by).keys
    else:
        keys = pd.DataFrame(index=range(1))
    cells = cells[cells["_kept"].to_numpy(float) > 0].reset_index(drop=True)
    for column, alias in zip(strata, strata_columns):
        if cells[alias].isna().any():
            raise ColumnError("the stratum of some respondents is missing", file=name,
                              column=column)
    for column, alias in zip(units, unit_columns):
        if cells[alias].isna().any():
            what = "PSU (cluster)" if alias == "_p0" and design.stages else \
                "unit (linked id)" if not design.stages else "sampling unit"
            raise ColumnError(f"the {what} of some respondents is missing", file=name,
                              column=column)
    # strata: sorted keys, codes per cell
    if strata:
        unique = cells[strata_columns].drop_duplicates().sort_values(strata_columns)
        unique = unique.reset_index(drop=True)
        if len(strata) == 1:
            stratum_keys = list(unique[strata_columns[0]])
        else:
            stratum_keys = list(unique.itertuples(index=False, name=None))
        code_of = pd.MultiIndex.from_frame(unique) if len(strata) > 1 else \
            pd.Index(unique[strata_columns[0]])
        stratum_code = code_of.get_indexer(pd.MultiIndex.from_frame(cells[strata_columns])
                                           if len(strata) > 1 else cells[strata_columns[0]])
    else:
        stratum_keys = [0]
        stratum_code = np.zeros(len(cells), dtype=np.int64)
    strata_frame = pd.DataFrame({STRATUM: stratum_keys})
    strata_frame["fpc"] = _fpc(cells, design, stratum_code, strata_frame, name)
    n = cells["n"].to_numpy(float)
    n_missing = cells["n_missing"].to_numpy(float)
    if units:
        psu_codes = pd.factorize(cells["_p0"])[0]
        pairs = np.unique(stratum_code * (psu_codes.max() + 1) + psu_codes)
        psus = np.bincount(pairs // (psu_codes.max() + 1), minlength=len(strata_frame))
    else:
        psus = np.bincount(stratum_code, weights=n + n_missing, minlength=len(strata_frame))
    strata_frame["psus"] = psus.astype(np.int64)
    if len(units) > 1 and design.weights is None:
        raise ParameterError("an unweighted multistage design needs its weights in the engines "
                             "(a column of the product of the stages' inverse sampling "
                             "fractions, as R's weights(design)): give weights=", file=name)
    _weigh_by_fraction(cells, design, strata_frame, stratum_code, measure)
    table = cells[by_columns].copy() if by else pd.DataFrame(index=cells.index)
    table.columns = by
    # the other columns made first and joined at once (a replicate design has hundreds)
    rest = {}
    if not strata:
        rest[STRATUM] = np.zeros(len(cells), dtype=np.int64)
    elif len(strata) == 1:
        rest[STRATUM] = cells[strata_columns[0]].to_numpy()
    else:
        rest[STRATUM] = pd.Series([stratum_keys[c] for c in stratum_code], dtype=object,
                                  index=table.index)
    for stage, alias in enumerate(unit_columns, start=1):
        rest[stage_key(stage)] = cells[alias].to_numpy()
    integer = ["n", "n_missing", *(f"n_{c}" for c in measure.classes)]
    for column in SUMS + [x for c in measure.classes for x in (f"n_{c}", f"w_{c}", f"w2_{c}")]:
        values = cells[column].to_numpy(float)
        rest[column] = np.rint(values).astype(np.int64) if column in integer else values
    replicates = None
    if design.replicates is not None:
        size = design.replicates.size
        names = replicate_columns(size, measure.classes if measure.discrete else ())
        rest.update({column: cells[column].to_numpy(float)
                     for columns in names.values() for column in columns})
        replicates = ReplicateTerms(design.replicates, _gram_of_domains(gram, keys, by, size))
    table = pd.concat([table, pd.DataFrame(rest, index=table.index)], axis=1)
    order = np.lexsort([stratum_code, *(pd.factorize(table[c], sort=True)[0]
                                        for c in reversed(by))]) if len(table) else []
    table = table.iloc[order].reset_index(drop=True)
    stages = []
    if len(units) > 1:
        given = []
        for stage in range(2, len(units) + 1):
            parent = table[[STRATUM, *(stage_key(k) for k in range(1, stage))]].copy()
            low = cells[f"_fpc{stage - 1}_min"].to_numpy(float)[order]
            high = cells[f"_fpc{stage - 1}_max"].to_numpy(float)[order]
            if cells[f"_fpc{stage - 1}_bad"].sum() > 0:
                raise ScaleError("the population sizes (fpc) must be positive numbers",
                                 file=name, column=design.stage_fpcs[stage - 1])
            given.append(pd.concat([parent.assign(fpc=low), parent.assign(fpc=high)],
                                   ignore_index=True))
        try:
            stages = restage(table, strata_frame, given)
        except ParameterError as error:
            raise ScaleError(error.message, file=name,
                             column=design.stage_fpcs[1]) from None
    linked = None
    if design.linked is not None:
        present = table[(table["n"] + table["n_missing"]) > 0]
        linked = present[[STRATUM, PSU]].drop_duplicates(ignore_index=True)
    return Tally(table, list(by), strata_frame, list(measure.classes), bool(units),
                 design.lonely_psu, design.stratified, keys, None, stages, replicates, linked)


def _gram_of_domains(gram: pd.DataFrame, keys: pd.DataFrame, by, size) -> np.ndarray:
    """The cross-products per domain of ``keys`` (R × R each), from the engine's sums."""
    out = np.zeros((len(keys), size, size))
    names = [(j, k) for j in range(size) for k in range(j, size)]
    columns = [f"_g{j + 1}_{k + 1}" for j, k in names]
    values = gram[columns].to_numpy(float)
    if by:
        frame = gram[[f"_b{i}" for i in range(len(by))]].copy()
        frame.columns = by
        position = pd.concat([keys[by], frame], ignore_index=True)
        codes = groups_of(position, by).codes
        lookup = {code: i for i, code in enumerate(codes[:len(keys)])}
        rows = np.array([lookup.get(code, -1) for code in codes[len(keys):]], dtype=np.int64)
    else:
        rows = np.zeros(len(values), dtype=np.int64)
    upper = np.zeros((len(values), size, size))
    j, k = np.array([p[0] for p in names]), np.array([p[1] for p in names])
    upper[:, j, k] = values
    upper[:, k, j] = values
    keep = rows >= 0
    np.add.at(out, rows[keep], upper[keep])
    return out


def _weigh_by_fraction(cells, design, strata, stratum_code, measure) -> None:
    """Unweighted with a finite population: each unit weighs N_h / m_h, as in memory.

    (:func:`kirc.survey.design.row_design`, as ``svydesign(fpc=)`` without weights.) The weight is
    constant within a stratum, so the engine's counts are scaled per cell.
    """
    fpc = strata["fpc"].to_numpy(dtype=float)
    if design.weights is not None or not np.isfinite(fpc).any() or len(strata) <= 1:
        return
    psus = strata["psus"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        unit = np.where(fpc <= 1, 1 / fpc, np.where(np.isfinite(fpc), fpc / psus, 1.0))
    u = unit[stratum_code]
    for column in ("sum_w", "sum_wy", "sum_wy2", *(f"w_{c}" for c in measure.classes)):
        cells[column] = cells[column].to_numpy(float) * u
    for column in ("sum_w2", "sum_w2y", "sum_w2y2", *(f"w2_{c}" for c in measure.classes)):
        cells[column] = cells[column].to_numpy(float) * u * u


def _fpc(cells, design, stratum_code, strata_frame, name) -> np.ndarray:
    size = len(strata_frame)
    if design.fpc is None:
        return _fpc_per_stratum(None, design, None, None, strata_frame, name)
    column = design.stage_fpcs[0]
    if cells["_fpc0_bad"].sum() > 0:
        raise ScaleError("the population sizes (fpc) must be positive numbers", file=name,
                         column=column)
    low = np.full(size, np.inf)
    high = np.full(size, -np.inf)
    np.minimum.at(low, stratum_code, cells["_fpc0_min"].to_numpy(float))
    np.maximum.at(high, stratum_code, cells["_fpc0_max"].to_numpy(float))
    if np.any(low != high):
        raise ScaleError("the population size (fpc) differs within a stratum", file=name,
                         column=column)
    return low


__all__ = ["DuckDBSource", "SparkSource", "tally_source"]
