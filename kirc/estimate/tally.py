"""Tallies: the sufficient statistics of design-based estimates, as a plain table of sums.

Every estimate of the package (a share, an NPS, a mean, per domain), its design-based variance
and every contrast between domains (:mod:`kirc.estimate.variance`) are functions of a few sums
per cell (domain, stratum, PSU; and calibration cell on a calibrated survey). A :class:`Tally`
is that table, and the one contract between the estimators and the engines that compute it
(pandas in memory, chunk by chunk, DuckDB, Spark: :mod:`kirc.estimate.engines`). Its columns:

===============  ===========================================================================
column           meaning
===============  ===========================================================================
``<by>``         the domain's keys; ``_domain`` its row in :attr:`Tally.domains`
``_stratum``     the stratum (a tuple of values for several stratum columns)
``_psu``         the PSU (clustered designs only)
``_psu2``, ...   the units of later stages (multistage designs with an fpc per stage)
``_cell``        the calibration cell (calibrated surveys only)
``n``            rows with a valid answer (rows with a positive weight only, as every sum)
``n_missing``    rows whose answer is missing
``sum_w``        Σw over valid answers
``sum_wy``       Σw·y (y: what the answer adds: 1/0 for a share, +1/0/−1 for the NPS score)
``sum_wy2``      Σw·y²
``sum_w2``       Σw²
``sum_w2y``      Σw²·y
``sum_w2y2``     Σw²·y²
``n_<class>``    valid answers per answer class (shares: ``no``/``yes``; NPS: ``detractor``,
``w_<class>``    ``passive``, ``promoter``), their Σw and their Σw² (for the variance of a
``w2_<class>``   class's share, as a crosstab needs)
``_r<k>_w``      replicate-weight designs: per replicate ``k`` (1…R) Σw_k, Σw_k·y and Σw_k
``_r<k>_wy``     per answer class, over valid answers (the replicate estimates of every
``_r<k>_<c>``    domain and of every comparison are functions of them)
===============  ===========================================================================

A replicate-weight tally also holds, per domain, the cross-products Σ w_j w_k of the replicate
weights (:class:`ReplicateTerms`), whose rank gives R's degrees of freedom. A multistage tally
holds the stage tables (per unit of a stage: the units sampled below it, their population and
the sampling fractions above it), and a tally of returning units the (stratum, unit) pairs of
the whole sample.

Because every column is a sum, tallies of two parts of the data combine into the tally of the
whole (:meth:`Tally.combine`, ``a + b``): a cell present in both adds up. What is not a sum —
the strata with their number of PSUs in the whole sample and their population sizes, the
calibration — is design information that must agree between the parts.

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

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from .._compat import keyword_only
from .._keys import DENSE_KEY_RANGE, Groups, groups_of
from ..errors import ColumnError, ParameterError
from ..survey.design import PSU, STRATUM, Design, RowDesign, row_design, stage_key

__all__ = ["Tally", "tally_of", "tally_rows", "SUMS", "STRATUM", "PSU", "CELL",
           "CalibrationTerms", "ReplicateTerms", "replicate_columns", "restage"]

#: Name of the calibration cell key column of a tally table.
CELL = "_cell"
#: The sum columns every tally table has.
SUMS = ["n", "n_missing", "sum_w", "sum_wy", "sum_wy2", "sum_w2", "sum_w2y", "sum_w2y2"]


@dataclass
class CalibrationTerms:
    """What the variance of a calibrated survey's domains needs besides the domains' cells.

    ``x`` (cells × p) and ``g`` per calibration cell, ``inverse`` = (Σ d x x')⁺, and
    ``design_cells``: Σw and Σw² of the whole sample per (``_stratum``, ``_psu``, ``_cell``).
    """

    x: np.ndarray
    g: np.ndarray
    inverse: np.ndarray
    design_cells: pd.DataFrame


def replicate_columns(size: int, classes=()) -> dict[str, list[str]]:
    """The names of a tally's replicate sums: ``{"w": [...], "wy": [...], <class>: [...]}``,
    one name per replicate."""
    names = {"w": [f"_r{k}_w" for k in range(1, size + 1)],
             "wy": [f"_r{k}_wy" for k in range(1, size + 1)]}
    for name in classes:
        names[name] = [f"_r{k}_{name}" for k in range(1, size + 1)]
    return names


@dataclass
class ReplicateTerms:
    """What the replicate variance needs besides the replicate sums of the cells.

    ``replicates`` (the columns and method: scale, rscales, mse) and ``gram``: per domain
    (aligned with :attr:`Tally.domains`, or per group of ``gram_group``), the matrix
    Σ w_j w_k over the valid answers, R × R, whose rank is that of the domain's replicate
    weights (R's ``degf`` is that rank minus one).
    """

    replicates: object
    gram: np.ndarray
    gram_group: np.ndarray | None = None

    @property
    def size(self) -> int:
        return self.replicates.size

    def groups_of(self, n_domains: int) -> np.ndarray:
        return np.arange(n_domains) if self.gram_group is None else self.gram_group


@dataclass
class Tally:
    """A table of sums per (domain, stratum, PSU) cell, with the design information.

    Attributes
    ----------
    table : pandas.DataFrame
        The cells (see the module notes).
    by : list of str
        The domain columns.
    domains : pandas.DataFrame
        One row per domain, also domains without rows (every category of a categorical
        ``by``): the order of the estimates.
    strata : pandas.DataFrame
        One row per stratum of the sample: ``_stratum``, ``fpc`` (population size, the
        sampling fraction when at most 1, or inf) and ``psus`` (PSUs in the whole sample,
        counting rows whose answer is missing).
    classes : list of str
        The answer classes (empty for a mean).
    clustered : bool
        True when the design has PSUs other than the respondents.
    lonely_psu : str
        The design's lonely-PSU rule.
    stratified : bool
        True when the design has strata (declared, or the years of a survey).
    calibration : CalibrationTerms or None
        On a calibrated survey (the table then has a ``_cell`` key).
    stages : list of pandas.DataFrame
        The stage tables of a multistage design's later stages
        (:func:`kirc.survey.design.stage_tables`); the table then has ``_psu2``, ... keys.
    replicates : ReplicateTerms or None
        On a replicate-weight design (the table then has the ``_r<k>_`` sums).
    units : pandas.DataFrame or None
        Returning units: the (``_stratum``, ``_psu``) pairs of the whole sample, the units
        answering in each stratum (year); the PSUs are then those units.
    """

    table: pd.DataFrame
    by: list[str]
    strata: pd.DataFrame
    classes: list[str] = field(default_factory=list)
    clustered: bool = False
    lonely_psu: str = "fail"
    stratified: bool = False
    domains: pd.DataFrame | None = None
    calibration: CalibrationTerms | None = None
    stages: list = field(default_factory=list)
    replicates: ReplicateTerms | None = None
    units: pd.DataFrame | None = None
    _once: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self):
        if self.domains is None:
            self.domains = (self.table[self.by].drop_duplicates(ignore_index=True)
                            if self.by else pd.DataFrame(index=range(1)))
        if "_domain" not in self.table:
            self.table.insert(len(self.by), "_domain", _codes_in(self.table, self.domains,
                                                               self.by))

    def once(self, name: str, make):
        """``make(self)``, made on first use and kept with the tally: what the variance derives
        from the cells (their index arrays), which a report asks for several times per tally.
        A tally is not changed after it is made; a tally changed with ``dataclasses.replace``
        is a new one, and a pickled tally leaves these out."""
        if name not in self._once:
            self._once[name] = make(self)
        return self._once[name]

    def __getstate__(self):
        return {**self.__dict__, "_once": {}}

    @property
    def n_stages(self) -> int:
        """The stages whose units key the cells (0: the respondents are the units)."""
        return (1 + len(self.stages)) if self.clustered else 0

    @property
    def keys(self) -> list[str]:
        return [*self.by, STRATUM, *(stage_key(k) for k in range(1, self.n_stages + 1)),
                *([CELL] if self.calibration is not None else [])]

    @property
    def linked(self) -> bool:
        """True when units return across strata (years) and their covariance counts."""
        return self.units is not None

    def combine(self, other: Tally) -> Tally:
        """The tally of the union of two disjoint parts of the data."""
        if not isinstance(other, Tally):
            return NotImplemented
        if (self.by, self.classes, self.clustered, self.lonely_psu, self.n_stages) != \
                (other.by, other.classes, other.clustered, other.lonely_psu, other.n_stages) \
                or (self.replicates is None) != (other.replicates is None) \
                or (self.units is None) != (other.units is None):
            raise ParameterError("these tallies are of different domains, classes or designs "
                                 "and cannot be combined")
        if self.calibration is not None or other.calibration is not None:
            raise ParameterError("the tallies of a calibrated survey cannot be combined: "
                                 "estimate the survey as a whole")
        if self.replicates is not None and \
                self.replicates.replicates != other.replicates.replicates:
            raise ParameterError("these tallies have different replicate weights")
        keys = self.keys
        table = pd.concat([self.table, other.table], ignore_index=True).drop(columns="_domain")
        sums = [c for c in table.columns if c not in keys]
        table = (table.groupby(keys, dropna=False, observed=True, sort=True)[sums].sum()
                 .reset_index())
        domains = pd.concat([self.domains, other.domains], ignore_index=True)
        if self.by:
            domains = groups_of(domains.drop_duplicates(ignore_index=True), self.by).keys
        else:
            domains = self.domains
        strata = pd.concat([self.strata, other.strata], ignore_index=True)
        fpc = strata.groupby(STRATUM, sort=True, dropna=False)["fpc"]
        if (fpc.nunique(dropna=False) > 1).any():
            raise ParameterError("the tallies give different population sizes for a stratum")
        merged = fpc.first().reset_index()
        merged["psus"] = _psus(table, self.clustered, merged)
        stages = restage(table, merged, [pd.concat([a, b], ignore_index=True)
                                         for a, b in zip(self.stages, other.stages)])
        replicates = None
        if self.replicates is not None:
            gram = np.zeros((len(domains), self.replicates.size, self.replicates.size))
            for part in (self, other):
                if part.replicates.gram_group is not None:
                    raise ParameterError("tallies with grouped replicate cross-products cannot "
                                         "be combined")
                position = _codes_in(part.domains, domains, self.by) if self.by else \
                    np.zeros(len(part.domains), dtype=np.int64)
                np.add.at(gram, position, part.replicates.gram)
            replicates = ReplicateTerms(self.replicates.replicates, gram)
        units = None
        if self.units is not None:
            units = pd.concat([self.units, other.units], ignore_index=True)
            units = units.drop_duplicates(ignore_index=True)
        return Tally(table, list(self.by), merged, list(self.classes), self.clustered,
                     self.lonely_psu, self.stratified, domains, None, stages, replicates, units)

    __add__ = combine

    def with_strata(self, strata: pd.DataFrame) -> Tally:
        """The same cells with the strata of another (whole) sample."""
        return replace(self, strata=strata)


def _codes_in(table: pd.DataFrame, domains: pd.DataFrame, by: list[str]) -> np.ndarray:
    """The row of ``domains`` that each cell of ``table`` belongs to (keys may be missing)."""
    if not by:
        return np.zeros(len(table), dtype=np.int64)
    both = pd.concat([domains[by], table[by]], ignore_index=True)
    codes = groups_of(both, by).codes
    first = codes[:len(domains)]
    lookup = np.full(int(codes.max()) + 1 if len(codes) else 1, -1, dtype=np.int64)
    lookup[first] = np.arange(len(domains))
    found = lookup[codes[len(domains):]]
    if (found < 0).any():
        raise ParameterError("the tally has cells of a domain it does not list")
    return found


def restage(table: pd.DataFrame, strata: pd.DataFrame, given: list) -> list[pd.DataFrame]:
    """The stage tables of a table of cells: the units sampled per unit of the stage above
    (cells with rows), the population sizes of ``given`` (stage tables, or frames of the key
    columns and ``fpc``, possibly repeated) and the fractions of the stages above."""
    if not given:
        return []
    rows = table[(table["n"] + table["n_missing"]) > 0]
    first = strata["fpc"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = np.where(first <= 1, first, np.where(
            np.isfinite(first), strata["psus"].to_numpy(float) / first, 0.0))
    factor_of = dict(zip(strata[STRATUM], fraction))
    tables = []
    for stage, frame in enumerate(given, start=2):
        keys = [STRATUM, *(stage_key(k) for k in range(1, stage))]
        fpc = frame.groupby(keys, sort=False, dropna=False)["fpc"]
        if (fpc.nunique(dropna=False) > 1).any():
            raise ParameterError(f"the population size (fpc) of stage {stage} differs within "
                                 f"a unit of stage {stage - 1}")
        fpc = fpc.first()
        units = rows[[*keys, stage_key(stage)]].drop_duplicates()
        m = units.groupby(keys, sort=False, dropna=False).size()
        out = m.rename("psus").reset_index()
        out["fpc"] = fpc.reindex(pd.MultiIndex.from_frame(out[keys])).to_numpy(float)
        parent = [tuple(row) for row in out[keys[:-1]].itertuples(index=False)] \
            if stage > 2 else list(out[STRATUM])
        out["factor"] = [factor_of.get(key, 0.0) for key in parent]
        out = out[[*keys, "fpc", "psus", "factor"]]
        tables.append(out)
        f, m_ = out["fpc"].to_numpy(float), out["psus"].to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            own = np.where(f <= 1, f, np.where(np.isfinite(f), m_ / f, 0.0))
        factor_of = dict(zip((tuple(row) for row in out[keys].itertuples(index=False)),
                             out["factor"].to_numpy(float) * own))
    return tables


def _psus(table: pd.DataFrame, clustered: bool, strata: pd.DataFrame) -> np.ndarray:
    """PSUs per stratum in the whole sample, from a table of cells."""
    rows = table[(table["n"] + table["n_missing"]) > 0]
    if clustered:
        counts = rows.groupby(STRATUM, dropna=False)[PSU].nunique()
    else:
        counts = rows.groupby(STRATUM, dropna=False)[["n", "n_missing"]].sum().sum(axis=1)
    return counts.reindex(strata[STRATUM]).fillna(0).to_numpy(dtype=np.int64)


def tally_rows(values: np.ndarray, valid: np.ndarray, groups: Groups, rows: RowDesign,
               classes: np.ndarray | None = None, class_names=(),
               cells: np.ndarray | None = None, calibration=None,
               gram_groups: np.ndarray | None = None) -> Tally:
    """Tally per-row arrays: ``values`` is y (ignored where not ``valid``), ``classes`` the
    answer class per row (0..K−1), ``cells`` the calibration cell per row (with
    ``calibration``, the survey's :class:`kirc.survey.calibrate.Calibration`).

    ``gram_groups`` (a code per domain) sums a replicate design's cross-products over groups
    of domains instead of per domain (a regression's covariate patterns within its groups).
    """
    keep = rows.keep & (groups.codes >= 0)
    g = groups.codes[keep]
    s = rows.stratum_codes[keep]
    n_strata = len(rows.strata)
    clustered = rows.psu_codes is not None
    n_psu = len(rows.psu_values) if clustered else 1
    replicated = rows.replicates is not None and calibration is None
    n_cells = len(calibration.g) if cells is not None and not replicated else 1
    cell = (g * n_strata + s) * n_psu
    if clustered:
        cell = cell + rows.psu_codes[keep]
    if n_cells > 1:
        cell = cell * n_cells + cells[keep]
    span = groups.size * n_strata * n_psu * n_cells
    dense = span <= max(DENSE_KEY_RANGE, 4 * len(cell))
    if dense:
        # cell codes over a modest range: count directly, keep the cells that occur
        inverse, size = cell, span
    else:
        unique, inverse = np.unique(cell, return_inverse=True)
        size = len(unique)
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
            wm = np.where(mine, w, 0.0)
            sums[f"n_{name}"] = np.bincount(inverse, weights=mine,
                                            minlength=size).astype(np.int64)
            sums[f"w_{name}"] = np.bincount(inverse, weights=wm, minlength=size)
            sums[f"w2_{name}"] = np.bincount(inverse, weights=wm * wm, minlength=size)
    terms = None
    if replicated:
        matrix = rows.replicates[keep]
        names = replicate_columns(matrix.shape[1], class_names if classes is not None else ())
        k = classes[keep] if classes is not None else None
        for r in range(matrix.shape[1]):
            wr = np.where(ok, matrix[:, r], 0.0)
            sums[names["w"][r]] = np.bincount(inverse, weights=wr, minlength=size)
            sums[names["wy"][r]] = np.bincount(inverse, weights=wr * y, minlength=size)
            for code, name in enumerate(class_names if classes is not None else ()):
                sums[names[name][r]] = np.bincount(inverse, weights=np.where(k == code, wr, 0.0),
                                                   minlength=size)
        group_of_row = g if gram_groups is None else gram_groups[g]
        n_groups = groups.size if gram_groups is None else int(gram_groups.max()) + 1
        terms = ReplicateTerms(rows.design.replicates,
                               gram_by_group(matrix, ok, group_of_row, n_groups),
                               gram_groups)
    if dense:
        present = np.flatnonzero(np.bincount(inverse, minlength=size))
        sums = {name: column[present] for name, column in sums.items()}
        codes = present
    else:
        codes = unique
    return assemble(codes, sums, groups.keys, rows, class_names, n_psu, n_cells,
                    calibration if (cells is not None and not replicated) else None, terms)


#: Rows per piece of the replicate weights' cross-products (a piece's rows stay in cache).
GRAM_PIECE = 1 << 16


def gram_by_group(matrix: np.ndarray, valid: np.ndarray, group: np.ndarray,
                  n_groups: int) -> np.ndarray:
    """Σ w_j w_k over the valid rows of each group: (groups, R, R).

    Symmetric rank-k updates (BLAS ``dsyrk``); with one group on the whole matrix, the rows
    that are not valid subtracted, else piece by piece of rows, each piece's rows sorted by
    group so that every group's update is on consecutive rows.
    """
    size = matrix.shape[1]
    gram = np.zeros((n_groups, size, size))
    if n_groups == 1:
        gram[0] = _crossproduct(matrix)
        invalid = np.flatnonzero(~valid)
        if len(invalid):
            gram[0] -= _crossproduct(matrix[invalid])
        return gram
    columns = np.asfortranarray(matrix)
    if n_groups > 64:
        # many groups: the valid rows sorted by group once, each group's rows then consecutive
        rows = np.flatnonzero(valid)
        order = rows[np.argsort(group[rows], kind="stable")]
        bounds = np.searchsorted(group[order], np.arange(n_groups + 1))
        ordered = np.empty((len(order), size), order="F")
        for r in range(size):
            np.take(columns[:, r], order, out=ordered[:, r], mode="clip")
        for code in np.flatnonzero(np.diff(bounds)):
            gram[code] = _crossproduct(ordered[bounds[code]:bounds[code + 1]])
        return gram

    def piece(rows_of_piece):
        start, stop = rows_of_piece.start, rows_of_piece.stop
        out = np.zeros_like(gram)
        codes = group[start:stop]
        rows = np.flatnonzero(valid[start:stop])
        if not len(rows):
            return out
        order = rows[np.argsort(codes[rows], kind="stable")]
        bounds = np.searchsorted(codes[order], np.arange(n_groups + 1))
        part = columns[start:stop]
        present = np.flatnonzero(np.diff(bounds))
        members = [order[bounds[code]:bounds[code + 1]] for code in present]
        blocks = [np.empty((len(mine), size), order="F") for mine in members]
        for r in range(size):           # column by column: each column read once, in cache
            column = part[:, r]
            for mine, block in zip(members, blocks):
                np.take(column, mine, out=block[:, r], mode="clip")
        for code, block in zip(present, blocks):
            out[code] = _crossproduct(block)
        return out

    pieces = [slice(start, min(start + GRAM_PIECE, len(matrix)))
              for start in range(0, len(matrix), GRAM_PIECE)]
    from .._pieces import _threads
    threads = _threads() if len(pieces) > 1 else None
    for part in (map(piece, pieces) if threads is None else threads.map(piece, pieces)):
        gram += part
    return gram


def _crossproduct(matrix: np.ndarray) -> np.ndarray:
    """``matrix.T @ matrix`` through BLAS's symmetric update (no copy of a contiguous one)."""
    from scipy.linalg.blas import dsyrk

    if not len(matrix):
        return np.zeros((matrix.shape[1], matrix.shape[1]))
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.flags.c_contiguous and not matrix.flags.f_contiguous:
        upper = dsyrk(1.0, matrix.T, trans=0)            # the transpose is column-major
    else:
        upper = dsyrk(1.0, np.asfortranarray(matrix), trans=1)
    return np.triu(upper) + np.triu(upper, 1).T


def assemble(codes: np.ndarray, sums: dict, domains: pd.DataFrame, rows: RowDesign,
             class_names, n_psu: int, n_cells: int, calibration=None,
             replicates: ReplicateTerms | None = None) -> Tally:
    """A tally from cell codes ``((domain · strata + stratum) · psus + psu) · cells + cell``."""
    clustered = rows.psu_codes is not None
    n_strata = len(rows.strata)
    cell_code, rest = (codes % n_cells, codes // n_cells)
    psu_code, rest = (rest % n_psu, rest // n_psu)
    domain_code, stratum_code = rest // n_strata, rest % n_strata
    by = list(domains.columns)
    table = domains.iloc[domain_code].reset_index(drop=True) if by else pd.DataFrame(
        index=range(len(codes)))
    table["_domain"] = domain_code.astype(np.int64)
    table[STRATUM] = rows.strata[STRATUM].to_numpy()[stratum_code]
    if clustered:
        put_units(table, rows.psu_values[psu_code], rows.n_stages)
    terms = None
    if calibration is not None:
        table[CELL] = cell_code.astype(np.int64)
        terms = CalibrationTerms(calibration.x, calibration.g, calibration.inverse,
                                 rows.sample.design_cells(rows.design))
    table = pd.concat([table, pd.DataFrame(sums, index=table.index)], axis=1)
    return Tally(table, by, rows.strata, list(class_names), clustered,
                 rows.design.lonely_psu, rows.stratified, domains.reset_index(drop=True),
                 terms, list(rows.stages), replicates, rows.units)


def put_units(table: pd.DataFrame, values: np.ndarray, n_stages: int) -> None:
    """The unit key columns of the cells: ``_psu`` (and ``_psu2``, ... from tuples)."""
    if n_stages <= 1:
        table[PSU] = values
        return
    for stage in range(1, n_stages + 1):
        column = np.empty(len(values), dtype=object)
        column[:] = [value[stage - 1] for value in values]
        table[stage_key(stage)] = column


@keyword_only("by", "design", "classes")
def tally_of(data: pd.DataFrame, values, *, by=None, design: Design | None = None,
             classes=None) -> Tally:
    """Tally the sufficient statistics of ``values`` per domain, stratum and PSU.

    Parameters
    ----------
    data : pandas.DataFrame or kirc.Survey
    values : str or array_like
        The answer column (numbers, NaN missing), or y per row.
    by : str or list of str, optional
        The domain columns.
    design : kirc.Design, optional
        Default: the survey's design (:func:`kirc.design_of`).
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
    the whole. :func:`kirc.engines.tally` tallies a measure (an NPS, a share) in any engine.
    """
    from ..survey.survey import resolve_design

    by = [by] if isinstance(by, str) else list(by or [])
    call = resolve_design(data, design, check=False)
    for column in by:
        if column not in data.columns:
            raise ColumnError("no such column", file=call.source, column=column)
    if isinstance(values, str):
        if values not in data.columns:
            raise ColumnError("no such column", file=call.source, column=values)
        y = pd.to_numeric(data[values], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    else:
        y = np.asarray(values, dtype=float)
    valid = ~np.isnan(y)
    rows = row_design(data, call.design, valid, call.sample, call.source)
    codes = None
    names = ()
    if classes:
        names = tuple(classes)
        codes = np.full(len(y), -1, dtype=np.int64)
        for code, members in enumerate(classes.values()):
            codes[np.isin(y, list(members))] = code
    return tally_rows(y, valid, groups_of(data, by), rows, codes, names)
