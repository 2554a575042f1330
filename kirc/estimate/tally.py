"""Tallies: the sufficient statistics of design-based estimates, as a plain table of sums.

Every estimate of :mod:`kirc.estimate.metrics` (a share, an NPS, a mean, per domain) and its
design-based variance (:mod:`kirc.estimate.variance`) is a function of a few sums per cell
(domain, stratum, PSU). A :class:`Tally` is that table: one row per observed cell, keyed by the
domain columns, ``_stratum`` and ``_psu`` (absent when every respondent is its own PSU), with
the columns

===============  ===========================================================================
column           sum over the rows of the cell (rows with a positive weight only)
===============  ===========================================================================
``n``            rows with a valid answer
``n_missing``    rows whose answer is missing
``sum_w``        Σw over valid answers
``sum_wy``       Σw·y (y: the answer; 1/0 for a share, +1/0/−1 for the NPS score)
``sum_wy2``      Σw·y²
``sum_w2``       Σw²
``sum_w2y``      Σw²·y
``sum_w2y2``     Σw²·y²
``n_<class>``    valid answers per answer class (shares: ``no``/``yes``; NPS: ``detractor``,
``w_<class>``    ``passive``, ``promoter``) and their Σw
===============  ===========================================================================

Where the PSUs are clusters, the variance needs only ``sum_w`` and ``sum_wy`` per cell (the PSU
totals of the linearised values); where the respondents are the PSUs, the cells are (domain,
stratum) and the squares ``sum_w2*`` carry the within-stratum spread. ``sum_wy2`` gives the
simple-random-sampling variance for the design effect.

Because every column is a sum, tallies of two parts of the data combine into the tally of the
whole (:meth:`Tally.combine`, ``a + b``): a cell present in both adds up. This is what lets
another engine (a ``GROUP BY`` in DuckDB or Spark) compute the same table chunk by chunk. The
per-stratum population (the finite population correction) is design information, not a sum; it
must agree between the parts.

Examples
--------
>>> import pandas as pd, kirc
>>> df = pd.DataFrame({"sector": ["a", "a", "b", "b"], "ok": [1, 0, 1, None],
...                    "w": [1.0, 2.0, 1.5, 1.0]})
>>> t = kirc.tally_of(df, "ok", by="sector", design=kirc.Design(weights="w"))
>>> t.table[["sector", "n", "n_missing", "sum_w", "sum_wy", "sum_w2"]]
  sector  n  n_missing  sum_w  sum_wy  sum_w2
0      a  2          0    3.0     1.0    5.00
1      b  1          1    1.5     1.5    2.25
>>> whole = kirc.tally_of(df.iloc[:1], "ok", by="sector", design=kirc.Design(weights="w")) \\
...     + kirc.tally_of(df.iloc[1:], "ok", by="sector", design=kirc.Design(weights="w"))
>>> whole.table.equals(t.table)
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..survey.design import Design, design_of
from .._pieces import each_piece
from ..errors import ColumnError, ParameterError, ScaleError

__all__ = ["Tally", "tally_of", "SUMS", "STRATUM", "PSU"]

#: Name of the stratum key column of a tally table.
STRATUM = "_stratum"
#: Name of the PSU key column of a tally table (absent when the respondents are the PSUs).
PSU = "_psu"
#: The sum columns every tally table has.
SUMS = ["n", "n_missing", "sum_w", "sum_wy", "sum_wy2", "sum_w2", "sum_w2y", "sum_w2y2"]


# --------------------------------------------------------------------------------------------
# group codes (one pass, integer codes)


@dataclass
class Groups:
    """Integer domain code per row and the domain keys (one row per domain)."""

    codes: np.ndarray          # int64 code per row, -1 where a by-value is missing
    keys: pd.DataFrame         # one row per domain, the by columns
    size: int


# Integer keys spanning at most this many values are coded by offset, not by hashing.
_DENSE_KEY_RANGE = 1 << 22


def factorize(series: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Sorted codes of a key column, as ``pd.factorize(sort=True)`` gives them.

    Integer keys over a modest range (years, sector codes, organisation numbers) are coded as
    offsets from their minimum and compressed to the values that occur: a counting pass instead
    of a hash table, several times faster on millions of rows.
    """
    # numpy integer dtypes only: nullable Int64 columns can hold <NA> and go through pandas
    if isinstance(series.dtype, np.dtype) and series.dtype.kind in "iu" and len(series):
        values = series.to_numpy()
        low, high = int(values.min()), int(values.max())
        if high - low < _DENSE_KEY_RANGE:
            offsets = (values - low).astype(np.int64)
            present = np.bincount(offsets, minlength=high - low + 1) > 0
            remap = np.cumsum(present) - 1
            # in the column's own type (wrapping, exact): low + offset overflows int64 for
            # unsigned keys above 2**63
            uniques = np.flatnonzero(present).astype(values.dtype) + values.min()
            return remap[offsets], pd.Index(uniques, name=series.name)
    codes, uniques = pd.factorize(series, sort=True, use_na_sentinel=True)
    return codes.astype(np.int64), uniques


def groups_of(data: pd.DataFrame, by: list[str], missing_group: bool = True) -> Groups:
    """Domain codes of the rows of ``data`` by the columns ``by``.

    A categorical column yields a domain for every category, also empty ones. Rows whose
    ``by`` value is missing form a domain of their own (its key is missing), appended last,
    so that they are visible rather than dropped; ``missing_group=False`` gives them code -1.
    """
    n_rows = len(data)
    if not by:
        return Groups(np.zeros(n_rows, dtype=np.int64), pd.DataFrame(index=range(1)), 1)
    level_codes, level_values = [], []
    for column in by:
        series = data[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            codes = series.cat.codes.to_numpy().astype(np.int64)
            values = series.cat.categories
        else:
            codes, values = factorize(series)
        level_codes.append(codes)
        level_values.append(values)
    sizes = [len(v) for v in level_values]
    codes = np.zeros(n_rows, dtype=np.int64)
    missing = np.zeros(n_rows, dtype=bool)
    for c, size in zip(level_codes, sizes):
        codes = codes * size + c
        missing |= c < 0
    codes[missing] = -1
    total = int(np.prod(sizes, dtype=np.int64)) if sizes else 1
    index = pd.MultiIndex.from_product(level_values, names=by) if len(by) > 1 else \
        pd.Index(level_values[0], name=by[0])
    keys = index.to_frame(index=False)
    for column in by:
        if isinstance(data[column].dtype, pd.CategoricalDtype):
            keys[column] = pd.Categorical(keys[column], dtype=data[column].dtype)
    if total > 100_000 and len(by) > 1:
        # Many combinations of non-categorical keys: keep only those observed.
        observed = np.unique(codes[codes >= 0])
        remap = np.full(total, -1, dtype=np.int64)
        remap[observed] = np.arange(len(observed))
        codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
        keys = keys.iloc[observed].reset_index(drop=True)
        total = len(observed)
    if missing_group and missing.any():
        # One domain per combination of the present values with a missing one would explode;
        # rows with any missing by-value share one visible domain whose keys are all missing,
        # unless only one column is missing (the common case), then the others are kept.
        extra = data.loc[missing, by].drop_duplicates()
        extra_keys = extra.reset_index(drop=True)
        lookup = {tuple(_key(v) for v in row): total + i
                  for i, row in enumerate(extra_keys.itertuples(index=False))}
        rows = data.loc[missing, by].itertuples(index=False)
        codes[missing] = [lookup[tuple(_key(v) for v in row)] for row in rows]
        for column in by:
            if isinstance(keys[column].dtype, pd.CategoricalDtype):
                extra_keys[column] = pd.Categorical(extra_keys[column],
                                                    dtype=keys[column].dtype)
        keys = pd.concat([keys, extra_keys], ignore_index=True)
        total += len(extra_keys)
    return Groups(codes, keys, total)


def _key(value):
    return None if pd.isna(value) else value


# --------------------------------------------------------------------------------------------
# design columns per row


@dataclass
class RowDesign:
    """The design resolved on the rows of one frame."""

    design: Design
    weights: np.ndarray | None        # float per row (None: all 1)
    keep: np.ndarray                  # rows in the sample (weight > 0)
    stratum_codes: np.ndarray         # int64 per row
    strata: pd.DataFrame              # one row per stratum: _stratum key, fpc value
    psu_codes: np.ndarray | None      # int64 per row (None: respondents are the PSUs)
    psu_values: np.ndarray | None


def _source(data) -> str | None:
    return data.attrs.get("source") or data.attrs.get("survey")


def row_design(data: pd.DataFrame, design: Design, valid: np.ndarray | None = None) -> RowDesign:
    """Resolve ``design`` on ``data``: weights, stratum and PSU codes, the fpc per stratum."""
    source = _source(data)
    design.check(data, source)
    n_rows = len(data)
    valid = np.ones(n_rows, dtype=bool) if valid is None else valid
    weights = None
    keep = np.ones(n_rows, dtype=bool)
    if design.weights is not None:
        column = design.weights
        series = data[column]
        if series.dtype == np.float64:
            w = series.to_numpy()
        else:
            w = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64",
                                                                na_value=np.nan)
            not_number = series.notna().to_numpy() & np.isnan(w)
            if not_number.any():
                raise ScaleError(f"{int(not_number.sum())} weights are not numbers",
                                 file=source, column=column)
        # the common case in two passes (a finite minimum above 0); the checks otherwise
        parts = each_piece(lambda rows: (np.fmin.reduce(w[rows], initial=np.inf),
                                         np.add.reduce(w[rows])), len(w))
        lowest = min(part[0] for part in parts)
        if lowest < 0:
            negative = w < 0
            raise ScaleError(f"{int(negative.sum())} weights are negative (for example "
                             f"{w[negative][0]:g}); weights must be 0 or more",
                             file=source, column=column)
        if lowest > 0 and np.isfinite(sum(part[1] for part in parts)):
            # every weight positive and finite: the column itself, read-only (never changed)
            weights = w.view()
            weights.flags.writeable = False
        else:
            bad = valid & ~np.isfinite(w)
            if bad.any():
                raise ScaleError(f"{int(bad.sum())} weights of answering respondents are "
                                 "missing or infinite", file=source, column=column)
            keep = np.isfinite(w) & (w > 0)
            weights = np.where(keep, w, 0.0)
    # strata: the declared columns, preceded by the year when the population is per year
    strata_columns = (["year"] if design.by_year else []) + design.strata_columns
    if strata_columns:
        for column in strata_columns:
            if data[column][keep].isna().any():
                raise ColumnError("the stratum of some respondents is missing", file=source,
                                  column=column)
        groups = groups_of(data, strata_columns, missing_group=False)
        codes = groups.codes
        used = np.unique(codes[keep & (codes >= 0)])
        remap = np.full(max(groups.size, 1), -1, dtype=np.int64)
        remap[used] = np.arange(len(used))
        stratum_codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
        key_frame = groups.keys.iloc[used].reset_index(drop=True)
        if len(strata_columns) == 1:
            keys = list(key_frame[strata_columns[0]])
        else:
            keys = list(key_frame.itertuples(index=False, name=None))
    else:
        stratum_codes = np.zeros(n_rows, dtype=np.int64)
        keys = [0]
    strata = pd.DataFrame({STRATUM: keys})
    strata["fpc"] = _fpc_per_stratum(data, design, stratum_codes, keep, strata, source)
    psu_codes = psu_values = None
    if design.psu is not None:
        series = data[design.psu]
        if series[keep].isna().any():
            raise ColumnError("the PSU (cluster) of some respondents is missing", file=source,
                              column=design.psu)
        codes, values = factorize(series)
        psu_codes, psu_values = codes, np.asarray(values, dtype=object)
    fpc = strata["fpc"].to_numpy(dtype=float)
    if weights is None and np.isfinite(fpc).any() and len(strata) > 1:
        # As svydesign(fpc=) without weights: each unit weighs N_h / m_h (1 / f_h for a
        # fraction), so that estimates pooling strata of different fractions (years) are
        # those of the population. Within one stratum the weight is constant and changes
        # nothing.
        sel = keep & (stratum_codes >= 0)
        if psu_codes is None:
            psus = np.bincount(stratum_codes[sel], minlength=len(strata)).astype(float)
        else:
            pairs = np.unique(stratum_codes[sel] * (len(psu_values) + 1) + psu_codes[sel])
            psus = np.bincount(pairs // (len(psu_values) + 1),
                               minlength=len(strata)).astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            unit = np.where(fpc <= 1, 1 / fpc, np.where(np.isfinite(fpc), fpc / psus, 1.0))
        weights = np.where(sel, unit[np.maximum(stratum_codes, 0)], 0.0)
    return RowDesign(design, weights, keep, stratum_codes, strata, psu_codes, psu_values)


def _fpc_per_stratum(data, design: Design, stratum_codes, keep, strata, source) -> np.ndarray:
    size = len(strata)
    if design.fpc is not None:
        column = design.fpc
        values = pd.to_numeric(data[column], errors="coerce").to_numpy(dtype=float,
                                                                       na_value=np.nan)
        sel = keep & (stratum_codes >= 0)
        if np.isnan(values[sel]).any() or (values[sel] <= 0).any():
            raise ScaleError("the population sizes (fpc) must be positive numbers",
                             file=source, column=column)
        low = np.full(size, np.inf)
        high = np.full(size, -np.inf)
        np.minimum.at(low, stratum_codes[sel], values[sel])
        np.maximum.at(high, stratum_codes[sel], values[sel])
        if np.any(low != high):
            raise ScaleError("the population size (fpc) differs within a stratum",
                             file=source, column=column)
        return low
    population = design.population
    if population is None:
        return np.full(size, np.inf)
    if isinstance(population, Mapping):
        years = strata[STRATUM] if not design.strata_columns else None
        if years is None:
            raise ParameterError("a population per year cannot be combined with strata; "
                                 "give the population per stratum as an fpc column")
        return np.array([np.inf if population.get(int(y)) is None
                         else float(population[int(y)]) for y in years])
    if design.strata is not None:
        raise ParameterError("population= is one number for an unstratified design; with "
                             "strata give the population per stratum as an fpc column")
    return np.full(size, float(population))


# --------------------------------------------------------------------------------------------
# the tally


@dataclass
class Tally:
    """A table of sums per (domain, stratum, PSU) cell, with the design information.

    Attributes
    ----------
    table : pandas.DataFrame
        The cells: the domain columns, ``_stratum``, ``_psu`` (clustered designs only), then
        the sums (:data:`SUMS` and ``n_<class>``/``w_<class>`` per answer class).
    by : list of str
        The domain columns.
    strata : pandas.DataFrame
        One row per stratum of the whole design: ``_stratum``, ``fpc`` (population size, the
        sampling fraction when at most 1, or inf) and ``psus`` (PSUs in the sample, all
        domains together, counting rows whose answer is missing).
    classes : list of str
        The answer classes (empty for a mean).
    clustered : bool
        True when the design has PSUs other than the respondents.
    lonely_psu : str
        The design's lonely-PSU rule.
    stratified : bool
        True when the design has strata (declared, or the years of a per-year population).
    """

    table: pd.DataFrame
    by: list[str]
    strata: pd.DataFrame
    classes: list[str] = field(default_factory=list)
    clustered: bool = False
    lonely_psu: str = "fail"
    stratified: bool = False

    @property
    def keys(self) -> list[str]:
        return [*self.by, STRATUM, *([PSU] if self.clustered else [])]

    def combine(self, other: Tally) -> Tally:
        """The tally of the union of two disjoint parts of the data."""
        if not isinstance(other, Tally):
            return NotImplemented
        if (self.by, self.classes, self.clustered, self.lonely_psu) != \
                (other.by, other.classes, other.clustered, other.lonely_psu):
            raise ParameterError("these tallies are of different domains, classes or designs "
                                 "and cannot be combined")
        keys = self.keys
        table = pd.concat([self.table, other.table], ignore_index=True)
        sums = [c for c in table.columns if c not in keys]
        table = (table.groupby(keys, dropna=False, observed=True, sort=True)[sums].sum()
                 .reset_index())
        strata = pd.concat([self.strata, other.strata], ignore_index=True)
        fpc = strata.groupby(STRATUM, sort=True, dropna=False)["fpc"]
        if (fpc.nunique(dropna=False) > 1).any():
            raise ParameterError("the tallies give different population sizes for a stratum")
        merged = fpc.first().reset_index()
        merged["psus"] = _psus(table, self.clustered, merged)
        return Tally(table, list(self.by), merged, list(self.classes), self.clustered,
                     self.lonely_psu, self.stratified)

    __add__ = combine


def _psus(table: pd.DataFrame, clustered: bool, strata: pd.DataFrame) -> np.ndarray:
    """PSUs per stratum in the whole sample, from a table of cells."""
    rows = table[(table["n"] + table["n_missing"]) > 0]
    if clustered:
        counts = rows.groupby(STRATUM, dropna=False)[PSU].nunique()
    else:
        counts = rows.groupby(STRATUM, dropna=False)[["n", "n_missing"]].sum().sum(axis=1)
    return counts.reindex(strata[STRATUM]).fillna(0).to_numpy(dtype=np.int64)


def tally_rows(values: np.ndarray, valid: np.ndarray, groups: Groups, rows: RowDesign,
               classes: np.ndarray | None = None, class_names=()) -> Tally:
    """Tally precomputed per-row arrays (the fast path of :mod:`kirc.estimate.metrics`).

    ``values`` is y per row (ignored where ``valid`` is False), ``classes`` the answer class
    code per row (0..K−1) for shares and NPS.
    """
    keep = rows.keep & (groups.codes >= 0)
    g = groups.codes[keep]
    s = rows.stratum_codes[keep]
    n_strata = len(rows.strata)
    clustered = rows.psu_codes is not None
    cell = g * n_strata + s
    if clustered:
        n_psu = len(rows.psu_values)
        cell = cell * n_psu + rows.psu_codes[keep]
    span = groups.size * n_strata * (n_psu if clustered else 1)
    dense = span <= max(_DENSE_KEY_RANGE, 4 * len(cell))
    if dense:
        # cell codes over a modest range: count directly, keep the cells that occur
        inverse, size = cell, span
    else:
        cells, inverse = np.unique(cell, return_inverse=True)
        size = len(cells)
    ok = valid[keep]
    y = np.where(ok, values[keep], 0.0)
    w = np.ones(len(y)) if rows.weights is None else rows.weights[keep]
    wv = np.where(ok, w, 0.0)
    sums = {
        "n": np.bincount(inverse, weights=ok, minlength=size).astype(np.int64),
        "n_missing": np.bincount(inverse, weights=~ok, minlength=size).astype(np.int64),
        "sum_w": np.bincount(inverse, weights=wv, minlength=size),
        "sum_wy": np.bincount(inverse, weights=wv * y, minlength=size),
        "sum_wy2": np.bincount(inverse, weights=wv * y * y, minlength=size),
        "sum_w2": np.bincount(inverse, weights=wv * wv, minlength=size),
        "sum_w2y": np.bincount(inverse, weights=wv * wv * y, minlength=size),
        "sum_w2y2": np.bincount(inverse, weights=wv * wv * y * y, minlength=size),
    }
    if classes is not None:
        k = classes[keep]
        for code, name in enumerate(class_names):
            mine = ok & (k == code)
            sums[f"n_{name}"] = np.bincount(inverse, weights=mine,
                                            minlength=size).astype(np.int64)
            sums[f"w_{name}"] = np.bincount(inverse, weights=np.where(mine, w, 0.0),
                                            minlength=size)
    if dense:
        cells = np.flatnonzero(np.bincount(inverse, minlength=size))
        sums = {name: column[cells] for name, column in sums.items()}
    psu_code, n_psu = (cells % n_psu, n_psu) if clustered else (None, 1)
    rest = cells // n_psu
    domain_code, stratum_code = rest // n_strata, rest % n_strata
    columns = {STRATUM: rows.strata[STRATUM].to_numpy()[stratum_code]}
    if clustered:
        columns[PSU] = rows.psu_values[psu_code]
    columns.update(sums)
    keys = groups.keys.iloc[domain_code].reset_index(drop=True)
    table = pd.concat([keys, pd.DataFrame(columns)], axis=1) if len(keys.columns) else \
        pd.DataFrame(columns)
    strata = strata_table(rows, sums, stratum_code, psu_code, n_strata, n_psu, clustered)
    stratified = bool(rows.design.strata_columns) or rows.design.by_year
    return Tally(table, list(groups.keys.columns), strata, list(class_names), clustered,
                 rows.design.lonely_psu, stratified)


def strata_table(rows: RowDesign, sums: dict, stratum_code: np.ndarray, psu_code: np.ndarray,
                 n_strata: int, n_psu: int, clustered: bool) -> pd.DataFrame:
    """The design's strata with their number of PSUs in the whole sample.

    All domains count, and rows with a missing answer too: a PSU is in the sample whether or
    not it answered this question (R's ``degf`` and lonely-PSU rules count them so). ``sums``
    holds the per-cell ``n`` and ``n_missing`` of the cells coded ``stratum_code`` /
    ``psu_code``.
    """
    present = (sums["n"] + sums["n_missing"]) > 0
    if clustered:
        pairs = np.unique(stratum_code[present] * n_psu + psu_code[present])
        psus = np.bincount(pairs // n_psu, minlength=n_strata)
    else:
        psus = np.bincount(stratum_code, weights=sums["n"] + sums["n_missing"],
                           minlength=n_strata)
    strata = rows.strata.copy()
    strata["psus"] = psus.astype(np.int64)
    return strata


def tally_of(data: pd.DataFrame, values, by=None, design: Design | None = None,
          classes: Mapping | None = None) -> Tally:
    """Tally the sufficient statistics of ``values`` per domain, stratum and PSU.

    Parameters
    ----------
    data : pandas.DataFrame
    values : str or array_like
        The answer column (numbers, NaN missing), or y per row.
    by : str or list of str, optional
        The domain columns.
    design : kirc.Design, optional
        Default: the design the frame carries (:func:`kirc.design_of`).
    classes : dict, optional
        ``{class name: list of answer values}`` to count per class as well (y itself is then
        not changed).

    Returns
    -------
    Tally

    Notes
    -----
    The sums are checked against ``pandas.DataFrame.groupby().sum()`` in
    ``tests/test_design.py``; combining the tallies of parts is checked to give the tally of
    the whole.
    """
    by = [by] if isinstance(by, str) else list(by or [])
    design = design_of(data) if design is None else design
    for column in by:
        if column not in data.columns:
            raise ColumnError("no such column", file=_source(data), column=column)
    if isinstance(values, str):
        if values not in data.columns:
            raise ColumnError("no such column", file=_source(data), column=values)
        y = pd.to_numeric(data[values], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    else:
        y = np.asarray(values, dtype=float)
    valid = ~np.isnan(y)
    rows = row_design(data, design, valid)
    codes = None
    names = ()
    if classes:
        names = tuple(classes)
        codes = np.full(len(y), -1, dtype=np.int64)
        for code, members in enumerate(classes.values()):
            codes[np.isin(y, list(members))] = code
    return tally_rows(y, valid, groups_of(data, by), rows, codes, names)
