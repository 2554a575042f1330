"""The survey design: which columns hold the weights, strata, clusters and population sizes.

A :class:`Design` names columns, it holds no data; it is the ``svydesign(ids=, strata=,
weights=, fpc=)`` of R's ``survey`` package, given once and then used by every estimator.
A survey (:class:`kirc.Survey`, from :func:`kirc.load_survey`, :func:`kirc.as_survey` or
:func:`kirc.calibrate`) carries its design; any other frame is a simple random sample unless a
call says ``design=``.

Semantics (those of R's ``survey``, where not said otherwise):

* ``weights``: sampling (or calibrated) weights, ``w ≥ 0``. Rows with weight 0 are not part of
  the sample: they count in no ``n``, degrees of freedom or sampling fraction. A negative or
  missing weight of an answering row is an error naming the column.
* ``strata``: one column, or several whose combination is the stratum. Strata are sampled
  independently. The years of a survey are its outermost strata: each year is a sample of its
  own.
* ``psu``: the primary sampling unit (cluster) within the strata; the same id in two strata
  means two clusters (R's ``nest=TRUE``). Without ``psu`` every respondent is its own PSU.
* ``fpc``: a column holding, per stratum, the population size (the number of PSUs in the
  population when the design has clusters, as ``svydesign(fpc=)``), or the sampling fraction
  when its values are at most 1.
* ``population``: a number, the population size of an unstratified design; or ``{year: N}``,
  the population of each year, each year then a stratum with its own sampling fraction
  ``n_year / N_year``.
* ``lonely_psu``: what to do with a stratum of one PSU, as R's ``options(survey.lonely.psu=)``:
  ``"fail"``, ``"remove"``, ``"certainty"``, ``"adjust"`` or ``"average"``.

Subgroups are domains: a filtered survey (``ks[ks.sector == "telecom"]``) or a group of
``by=`` keeps the whole design, as R's ``subset`` and ``svyby`` do. What a domain needs from
the rest of the sample (the number of PSUs per stratum, the calibration's sums) is the
survey's :class:`Sample`, computed once from the whole sample.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd

from .._frozen import FrozenDict, Shared
from .._keys import factorize, groups_of
from .._pieces import each_piece
from ..errors import ColumnError, ParameterError, ScaleError

__all__ = ["Design", "LONELY_PSU", "RowDesign", "row_design", "Sample", "STRATUM", "PSU"]

#: The lonely-PSU options of R's ``survey.lonely.psu``.
LONELY_PSU = ("fail", "remove", "certainty", "adjust", "average")
#: Name of the stratum key column of tallies and of a sample's tables.
STRATUM = "_stratum"
#: Name of the PSU key column (absent when the respondents are the PSUs).
PSU = "_psu"


@dataclass(frozen=True)
class Design(Shared):
    """A survey design, as column names (plus population sizes).

    Parameters
    ----------
    weights : str, optional
        Column of weights. Default: every respondent weighs 1.
    strata : str or tuple of str, optional
        Stratum column(s).
    psu : str, optional
        Column of the primary sampling unit (cluster) id.
    fpc : str, optional
        Column of the population size per stratum (number of PSUs when clustered) or of the
        sampling fraction, for the finite population correction.
    population : int, float or dict, optional
        Population size of an unstratified design, or ``{year: N}`` (each year a stratum).
    lonely_psu : {"fail", "remove", "certainty", "adjust", "average"}
        Strata with a single PSU, as R's ``survey.lonely.psu``.

    Examples
    --------
    >>> import kirc
    >>> design = kirc.Design(weights="pw", strata="stype", fpc="fpc")
    >>> design.columns()
    ['pw', 'stype', 'fpc']
    >>> design.is_simple
    False
    >>> kirc.Design().is_simple, kirc.Design(population=6194).is_simple
    (True, True)
    >>> design.replace(weights=None)
    Design(weights=None, strata='stype', psu=None, fpc='fpc', population=None, lonely_psu='fail')
    >>> kirc.Design(weights="w").over("year").strata
    'year'

    In R: ``svydesign(ids=~1, strata=~stype, weights=~pw, fpc=~fpc, data=apistrat)``.
    """

    weights: str | None = None
    strata: str | tuple[str, ...] | None = None
    psu: str | None = None
    fpc: str | None = None
    population: float | Mapping | None = None
    lonely_psu: str = "fail"

    def __post_init__(self):
        for name in ("weights", "psu", "fpc"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise ParameterError(f"Design({name}=...) must be a column name, "
                                     f"not {value!r}")
        if isinstance(self.strata, list):
            object.__setattr__(self, "strata", tuple(self.strata))
        if isinstance(self.strata, tuple) and len(self.strata) == 1:
            object.__setattr__(self, "strata", self.strata[0])
        if self.strata is not None and not isinstance(self.strata, (str, tuple)):
            raise ParameterError(f"Design(strata=...) must be a column name or a tuple of "
                                 f"them, not {self.strata!r}")
        if self.lonely_psu not in LONELY_PSU:
            raise ParameterError(f"lonely_psu={self.lonely_psu!r} is not one of "
                                 f"{', '.join(LONELY_PSU)} (R's survey.lonely.psu options)")
        population = self.population
        if population is not None:
            if isinstance(population, Mapping):
                clean = {}
                for year, size in population.items():
                    if size is not None and not _positive(size):
                        raise ParameterError(f"population of {year} must be a positive "
                                             f"number, not {size!r}")
                    clean[int(year)] = None if size is None else float(size)
                if self.strata == "year":
                    # the years are the strata a population per year implies
                    object.__setattr__(self, "strata", None)
                # no population known in any year: no finite population correction, but the
                # years stay separate samples
                if any(v is not None for v in clean.values()):
                    object.__setattr__(self, "population", FrozenDict(clean))
                else:
                    object.__setattr__(self, "population", None)
                    if self.strata is None:
                        object.__setattr__(self, "strata", "year")
            elif not _positive(population):
                raise ParameterError(f"population must be a positive number or "
                                     f"{{year: N}}, not {population!r}")
            if self.fpc is not None:
                raise ParameterError("give the finite population either as fpc= (a column) "
                                     "or as population=, not both")

    def __hash__(self):
        population = self.population
        if isinstance(population, Mapping):
            population = tuple(sorted(population.items()))
        return hash((self.weights, self.strata, self.psu, self.fpc, population,
                     self.lonely_psu))

    # ----------------------------------------------------------------------------------------
    @property
    def strata_columns(self) -> list[str]:
        """Every stratum column, the year first when the population is given per year."""
        declared = [] if self.strata is None else (
            [self.strata] if isinstance(self.strata, str) else list(self.strata))
        return (["year"] if self.by_year and "year" not in declared else []) + declared

    @property
    def by_year(self) -> bool:
        """True when the population is given per year (each year a separate sample)."""
        return isinstance(self.population, Mapping)

    @property
    def is_simple(self) -> bool:
        """An unweighted sample without clusters or declared strata (fpc allowed)."""
        return self.weights is None and self.strata is None and self.psu is None

    @property
    def stratified(self) -> bool:
        """Strata within the samples: the years alone are separate samples, not strata whose
        lonely PSUs need a rule (a year of one PSU has no variance estimate)."""
        return bool(self.strata_columns) and self.strata_columns != ["year"]

    @property
    def has_fpc(self) -> bool:
        return self.fpc is not None or self.population is not None

    def columns(self) -> list[str]:
        """The data columns the design needs (``year`` when the population is per year)."""
        names = [self.weights, *self.strata_columns, self.psu, self.fpc]
        return [n for n in dict.fromkeys(names) if n is not None]

    def replace(self, **changes) -> Design:
        """A copy with some fields changed (``dataclasses.replace``)."""
        return replace(self, **changes)

    def over(self, column: str) -> Design:
        """The design with ``column`` (the year) as outermost stratum: each value a sample.

        ``kirc.trend`` and ``kirc.change`` estimate the years of a survey this way.
        """
        if column in self.strata_columns:
            return self
        declared = [] if self.strata is None else (
            [self.strata] if isinstance(self.strata, str) else list(self.strata))
        if self.by_year:
            raise ParameterError(f"the design's population is given per year; it cannot be "
                                 f"stratified by {column!r} as well")
        return replace(self, strata=tuple([column, *declared]))

    def check(self, data: pd.DataFrame, source: str | None = None) -> None:
        """Raise :class:`kirc.ColumnError` when a column of the design is not in ``data``."""
        for column in self.columns():
            if column not in data.columns:
                field = next((f.name for f in fields(self) if getattr(self, f.name) == column
                              or (f.name == "strata" and column in self.strata_columns)),
                             "population per year")
                raise ColumnError(f"the design's {field} column is not in the data",
                                  file=source, column=column)

    def describe(self, language: str = "nl") -> str:
        """One line in words, for method notes."""
        from ..report.texts import design_words
        return design_words(self, language)


def _positive(value) -> bool:
    return (not isinstance(value, bool) and isinstance(value, (int, float))
            and value > 0 and value == value)


# --------------------------------------------------------------------------------------------
# the design resolved on rows


@dataclass
class RowDesign:
    """The design resolved on the rows of one frame."""

    design: Design
    weights: np.ndarray | None        # float per row (None: all 1)
    keep: np.ndarray | None           # rows in the sample (weight > 0); None: all rows
    stratum_codes: np.ndarray | None  # int64 per row (None: one stratum)
    strata: pd.DataFrame              # one row per stratum: _stratum key, fpc, psus (m_h)
    psu_codes: np.ndarray | None      # int64 per row (None: respondents are the PSUs)
    psu_values: np.ndarray | None
    sample: Sample | None = None      # the whole sample's facts, when the rows are a domain

    @property
    def stratified(self) -> bool:
        return self.design.stratified


def _weights(data, design: Design, valid, source):
    """The weights per row (None: all 1) and the rows in the sample (weight > 0)."""
    n_rows = len(data)
    keep = np.ones(n_rows, dtype=bool)
    if design.weights is None:
        return None, keep
    column = design.weights
    series = data[column]
    if series.dtype == np.float64:
        w = series.to_numpy()
    else:
        w = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
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
        return weights, keep
    bad = valid & ~np.isfinite(w)
    if bad.any():
        raise ScaleError(f"{int(bad.sum())} weights of answering respondents are missing or "
                         "infinite", file=source, column=column)
    keep = np.isfinite(w) & (w > 0)
    return np.where(keep, w, 0.0), keep


def _stratum_keys(data, columns, keep, source):
    """Stratum code per row (−1 outside the sample) and the keys of the strata present."""
    for column in columns:
        if data[column][keep].isna().any():
            raise ColumnError("the stratum of some respondents is missing", file=source,
                              column=column)
    groups = groups_of(data, columns, missing_group=False)
    codes = groups.codes
    used = np.unique(codes[keep & (codes >= 0)])
    remap = np.full(max(groups.size, 1), -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    stratum_codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
    key_frame = groups.keys.iloc[used].reset_index(drop=True)
    if len(columns) == 1:
        keys = list(key_frame[columns[0]])
    else:
        keys = list(key_frame.itertuples(index=False, name=None))
    return stratum_codes, keys


def row_design(data: pd.DataFrame, design: Design, valid: np.ndarray | None = None,
               sample: Sample | None = None, source: str | None = None) -> RowDesign:
    """Resolve ``design`` on ``data``: weights, stratum and PSU codes, fpc and PSUs per stratum.

    With ``sample`` (the whole survey's :class:`Sample`), ``data`` is a domain of it: the
    number of PSUs per stratum and the population sizes are the whole sample's.
    """
    design.check(data, source)
    n_rows = len(data)
    valid = np.ones(n_rows, dtype=bool) if valid is None else valid
    weights, keep = _weights(data, design, valid, source)
    columns = design.strata_columns
    if columns:
        stratum_codes, keys = _stratum_keys(data, columns, keep, source)
    else:
        stratum_codes, keys = np.zeros(n_rows, dtype=np.int64), [0]
    psu_codes = psu_values = None
    if design.psu is not None:
        series = data[design.psu]
        if series[keep].isna().any():
            raise ColumnError("the PSU (cluster) of some respondents is missing", file=source,
                              column=design.psu)
        codes, values = factorize(series)
        psu_codes, psu_values = codes, np.asarray(values, dtype=object)
    strata = pd.DataFrame({STRATUM: keys})
    if sample is not None:
        whole = sample.strata(design)
        if whole is None:
            sample = None
        else:
            found = pd.Index(whole[STRATUM]).get_indexer(strata[STRATUM])
            if (found < 0).any():
                raise ParameterError("the data hold rows of a stratum that is not in the "
                                     "survey's sample (rows added to it?); make a survey of "
                                     "the combined rows with kirc.as_survey", file=source)
            strata = whole
            stratum_codes = np.where(stratum_codes >= 0, found[np.maximum(stratum_codes, 0)], -1)
    if sample is None:
        strata["fpc"] = _fpc_per_stratum(data, design, stratum_codes, keep, strata, source)
        strata["psus"] = _psus(stratum_codes, psu_codes, keep, len(strata))
    rows = RowDesign(design, weights, keep, stratum_codes, strata, psu_codes, psu_values, sample)
    _unit_weights(rows)
    return rows


def _psus(stratum_codes, psu_codes, keep, n_strata) -> np.ndarray:
    """PSUs per stratum among the rows in the sample (also rows whose answer is missing)."""
    if psu_codes is None:
        if n_strata == 1:
            return np.array([int(np.count_nonzero(keep & (stratum_codes >= 0)))])
        sel = keep & (stratum_codes >= 0)
        return np.bincount(stratum_codes[sel], minlength=n_strata).astype(np.int64)
    sel = keep & (stratum_codes >= 0)
    width = int(psu_codes.max()) + 1 if len(psu_codes) else 1
    pairs = np.unique(stratum_codes[sel] * width + psu_codes[sel])
    return np.bincount(pairs // width, minlength=n_strata).astype(np.int64)


def _unit_weights(rows: RowDesign) -> None:
    """Unweighted with a finite population: each unit weighs ``N_h / m_h`` (``1 / f_h``).

    As ``svydesign(fpc=)`` without weights, so that estimates pooling strata of different
    fractions (years) are those of the population. Within one stratum the weight is constant
    and changes nothing.
    """
    fpc = rows.strata["fpc"].to_numpy(dtype=float)
    if rows.weights is not None or not np.isfinite(fpc).any() or len(rows.strata) <= 1:
        return
    psus = rows.strata["psus"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        unit = np.where(fpc <= 1, 1 / fpc, np.where(np.isfinite(fpc), fpc / psus, 1.0))
    sel = rows.keep & (rows.stratum_codes >= 0)
    rows.weights = np.where(sel, unit[np.maximum(rows.stratum_codes, 0)], 0.0)


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
        if design.strata_columns != ["year"]:
            raise ParameterError("a population per year cannot be combined with strata; "
                                 "give the population per stratum as an fpc column")
        return np.array([np.inf if population.get(int(y)) is None
                         else float(population[int(y)]) for y in strata[STRATUM]])
    if design.strata is not None:
        raise ParameterError("population= is one number for an unstratified design; with "
                             "strata give the population per stratum as an fpc column")
    return np.full(size, float(population))


# --------------------------------------------------------------------------------------------
# the whole sample


@dataclass(frozen=True, eq=False)
class Sample(Shared):
    """What a domain of a survey needs to know about the rest of its sample.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per respondent of the whole sample: the design's columns (and ``year``), the
        weight ``_w`` and, on a calibrated survey, the calibration cell ``_cell``. Never
        shown; a filtered survey shares it.
    design : Design
        The design the sample was drawn with.
    calibration : kirc.survey.calibrate.Calibration or None

    A domain's variance needs, per stratum, the number of PSUs ``m_h`` and the population size
    of the whole sample (:meth:`strata`), and on a calibrated survey the weight totals of
    every (stratum, PSU, calibration cell) (:meth:`design_cells`): rows outside the domain
    carry calibration residuals. No row needs to be matched to the domain's rows.
    """

    frame: pd.DataFrame
    design: Design
    calibration: object = None

    def __post_init__(self):
        object.__setattr__(self, "_cache", {})

    @classmethod
    def of(cls, data: pd.DataFrame, design: Design, calibration=None,
           source: str | None = None) -> Sample:
        """The sample of the whole frame ``data`` under ``design``.

        A row without a weight is outside the sample here; an estimate of an answer it gave
        is the error that names it (the estimator checks the weights of answering rows).
        """
        rows = row_design(data, design, np.zeros(len(data), dtype=bool), source=source)
        keep = rows.keep
        columns = [c for c in dict.fromkeys([*design.columns(), "year"])
                   if c in data.columns and c != design.weights]
        frame = data.loc[keep, columns].reset_index(drop=True)
        frame["_w"] = (np.ones(int(keep.sum())) if rows.weights is None
                       else np.asarray(rows.weights)[keep])
        if calibration is not None:
            frame["_cell"] = calibration.cell_codes(data, source)[keep]
        return cls(frame, design, calibration)

    def _applies(self, design: Design) -> bool:
        """The sample's facts hold for ``design``: same PSUs, strata at most split by year."""
        own = self.design
        if design.psu != own.psu:
            return False
        columns = design.strata_columns
        return all(c in self.frame.columns for c in [*columns, *(
            [design.fpc] if design.fpc else [])]) and set(own.strata_columns) <= set(columns)

    def strata(self, design: Design) -> pd.DataFrame | None:
        """``_stratum``, ``fpc`` and ``psus`` of every stratum of the whole sample.

        None when ``design`` stratifies or clusters the sample differently from how it was
        drawn (then the rows given to an estimator are a sample of their own).
        """
        key = ("strata", tuple(design.strata_columns), design.psu, design.fpc,
               hash(design.population) if not isinstance(design.population, Mapping)
               else tuple(sorted(design.population.items())))
        if key in self._cache:
            return self._cache[key]
        if not self._applies(design):
            self._cache[key] = None
            return None
        frame = self.frame
        columns = design.strata_columns
        keep = np.ones(len(frame), dtype=bool)
        if columns:
            codes, keys = _stratum_keys(frame, columns, keep, None)
        else:
            codes, keys = np.zeros(len(frame), dtype=np.int64), [0]
        psu_codes = factorize(frame[design.psu])[0] if design.psu is not None else None
        strata = pd.DataFrame({STRATUM: keys})
        strata["fpc"] = _fpc_per_stratum(frame, design, codes, keep, strata, None)
        strata["psus"] = _psus(codes, psu_codes, keep, len(strata))
        self._cache[key] = strata
        return strata

    def stratum_of_rows(self, design: Design) -> np.ndarray:
        """The stratum key of every row of the sample (a tuple for several columns)."""
        columns = design.strata_columns
        if not columns:
            return np.zeros(len(self.frame), dtype=np.int64)
        codes, keys = _stratum_keys(self.frame, columns, np.ones(len(self.frame), bool), None)
        table = np.empty(len(keys), dtype=object)
        for i, key in enumerate(keys):
            table[i] = key
        return table[codes]

    def design_cells(self, design: Design) -> pd.DataFrame:
        """Σw and Σw² of the whole sample per (stratum, PSU, calibration cell)."""
        key = ("cells", tuple(design.strata_columns), design.psu)
        if key not in self._cache:
            frame = self.frame
            table = pd.DataFrame({STRATUM: self.stratum_of_rows(design)})
            keys_ = [STRATUM]
            if design.psu is not None:
                table[PSU] = frame[design.psu].to_numpy()
                keys_.append(PSU)
            table["_cell"] = frame["_cell"].to_numpy()
            table["sum_w"] = frame["_w"].to_numpy(float)
            table["sum_w2"] = table["sum_w"] ** 2
            self._cache[key] = (table.groupby([*keys_, "_cell"], sort=False, dropna=False)
                                [["sum_w", "sum_w2"]].sum().reset_index())
        return self._cache[key]
