"""The survey design: which columns hold the weights, strata, clusters and population sizes.

A :class:`Design` names columns, it holds no data; it is the ``svydesign(ids=, strata=,
weights=, fpc=)`` (or ``svrepdesign``) of R's ``survey`` package, given once and then used by
every estimator.
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
  A list gives the units of each stage of a multistage sample, outermost first, as R's
  ``svydesign(id=~district+school)``: the units of a stage are nested in those of the stage
  before (the same school number in two districts is two schools).
* ``fpc``: a column holding, per stratum, the population size (the number of PSUs in the
  population when the design has clusters, as ``svydesign(fpc=)``), or the sampling fraction
  when its values are at most 1. A multistage design takes one per stage (or none): the number
  of units of that stage in the population of the unit they were drawn from (schools in the
  district). The variance is then R's ``svyrecvar``: each stage contributes its own term,
  scaled by the sampling fractions of the stages above it; without an fpc only the first stage
  counts (the with-replacement, "ultimate cluster" approximation).
* ``population``: a number, the population size of an unstratified design; or ``{year: N}``,
  the population of each year, each year then a stratum with its own sampling fraction
  ``n_year / N_year``.
* ``lonely_psu``: what to do with a stratum of one PSU, as R's ``options(survey.lonely.psu=)``:
  ``"fail"``, ``"remove"``, ``"certainty"``, ``"adjust"`` or ``"average"``; at every stage (a
  district of one sampled school is a lonely unit of the second stage).
* ``replicates``: a :class:`kirc.Replicates` (replicate-weight columns and their method): the
  variance is then the replicates', and the design has no ``psu`` or ``fpc`` (the replicate
  weights carry them), as R's ``svrepdesign``.
* ``linked``: the column that identifies units (organisations) across the years of a survey:
  a unit answering in two years makes the two years' estimates correlated, and comparisons
  across years (:func:`kirc.change`, :func:`kirc.trend_test`) take that covariance (see
  :mod:`kirc.estimate.variance`). With clusters it must be the first-stage ``psu``.

Replicate weights are declared with :class:`Replicates` (the columns, or a pattern such as
``"repw*"``, and the method: JK1, JKn, BRR, Fay, bootstrap, SDR, with R's ``scale`` and
``rscales``); :mod:`kirc.survey.replicates` makes them from a design and exports them.

Subgroups are domains: a filtered survey (``ks[ks.sector == "telecom"]``) or a group of
``by=`` keeps the whole design, as R's ``subset`` and ``svyby`` do. What a domain needs from
the rest of the sample (the number of PSUs per stratum, the calibration's sums) is the
survey's :class:`Sample`, computed once from the whole sample.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace

import numpy as np
import pandas as pd

from .._frozen import FrozenDict, Shared
from .._keys import factorize, groups_of
from .._pieces import each_piece
from ..errors import ColumnError, ParameterError, ScaleError

__all__ = ["Design", "Replicates", "REPLICATE_METHODS", "LONELY_PSU", "RowDesign", "row_design", "implied_weights", "Sample", "STRATUM", "PSU",
           "stage_key", "stage_tables"]

#: The lonely-PSU options of R's ``survey.lonely.psu``.
LONELY_PSU = ("fail", "remove", "certainty", "adjust", "average")
#: Name of the stratum key column of tallies and of a sample's tables.
STRATUM = "_stratum"
#: Name of the PSU key column (absent when the respondents are the PSUs).
PSU = "_psu"


#: The replicate methods (R ``svrepdesign(type=)``: "successive-difference" is ``"SDR"``).
REPLICATE_METHODS = ("JK1", "JKn", "BRR", "Fay", "bootstrap", "SDR")


def _natural(name: str):
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", str(name))]


@dataclass(frozen=True)
class Replicates(Shared):
    """The replicate-weight columns of a design and how their variance is formed.

    Parameters
    ----------
    columns : list of str, or str
        The columns holding the replicate weights (the weights themselves, not factors), or a
        pattern such as ``"repw*"`` (shell-style, as ``fnmatch``) that is matched against the
        data's columns and sorted in natural order (repw2 before repw10).
    method : {"JK1", "JKn", "BRR", "Fay", "bootstrap", "SDR"}
        How the replicates were made; it gives the default ``scale`` and ``rscales`` (see the
        module notes).
    scale : float, optional
        The overall multiplier of the squared deviations.
    rscales : float or list of float, optional
        One multiplier per replicate (JKn: ``(n_h − 1)/n_h`` of the replicate's stratum).
    rho : float, optional
        Fay's ρ (``method="Fay"``): the replicate weights are ``2 − ρ`` and ``ρ`` times the
        full-sample weight.
    mse : bool, default False
        Centre the squared deviations at the full-sample estimate instead of at the mean of the
        replicates (R's ``mse=TRUE``).
    seed : int, optional
        The seed the replicates were drawn with (bootstrap by :func:`with_replicates`);
        recorded, never used to draw.

    Examples
    --------
    >>> import kirc
    >>> r = kirc.Replicates(columns=[f"rep{i}" for i in range(1, 5)], method="BRR")
    >>> r.size, r.factor, r.multipliers.tolist()
    (4, 0.25, [1.0, 1.0, 1.0, 1.0])
    >>> kirc.Replicates(columns="repw*", method="JK1").bind(["w", "repw10", "repw2", "repw1"]).columns
    ('repw1', 'repw2', 'repw10')

    In R: ``svrepdesign(data=df, repweights="rep[1-4]", weights=~w, type="BRR",
    combined.weights=TRUE)``.
    """

    columns: tuple | str
    method: str = "JK1"
    scale: float | None = None
    rscales: tuple | float | None = None
    rho: float | None = None
    mse: bool = False
    seed: int | None = None

    def __post_init__(self):
        columns = self.columns
        if isinstance(columns, str):
            if not columns:
                raise ParameterError("Replicates(columns=...) must name the replicate-weight "
                                     "columns or give a pattern such as 'repw*'")
        else:
            try:
                columns = tuple(columns)
            except TypeError:
                raise ParameterError(f"Replicates(columns=...) must be a list of column names "
                                     f"or a pattern, not {self.columns!r}") from None
            if not columns or not all(isinstance(c, str) for c in columns):
                raise ParameterError("Replicates(columns=...) must be a non-empty list of "
                                     "column names")
            if len(set(columns)) != len(columns):
                raise ParameterError("Replicates(columns=...) names a column twice")
            object.__setattr__(self, "columns", columns)
        if self.method not in REPLICATE_METHODS:
            raise ParameterError(f"Replicates(method={self.method!r}) is not one of "
                                 f"{', '.join(REPLICATE_METHODS)}")
        if self.method == "Fay":
            if self.rho is None or not (0 <= float(self.rho) < 1):
                raise ParameterError("Replicates(method='Fay') needs rho, 0 ≤ rho < 1 (R's "
                                     "svrepdesign(type='Fay', rho=))")
        elif self.rho is not None:
            raise ParameterError(f"rho is Fay's; method={self.method!r} does not use it")
        if self.scale is not None and not (np.isfinite(self.scale) and self.scale > 0):
            raise ParameterError(f"Replicates(scale=...) must be a positive number, not "
                                 f"{self.scale!r}")
        rscales = self.rscales
        if rscales is not None and not isinstance(rscales, (int, float)):
            rscales = tuple(float(r) for r in rscales)
            object.__setattr__(self, "rscales", rscales)
        if rscales is not None:
            values = np.atleast_1d(np.asarray(rscales, dtype=float))
            if not np.all(np.isfinite(values)) or np.any(values < 0):
                raise ParameterError("Replicates(rscales=...) must be numbers of 0 or more")
            if self.bound and len(values) not in (1, len(self.columns)):
                raise ParameterError(f"Replicates(rscales=...) has {len(values)} values for "
                                     f"{len(self.columns)} replicate columns")
        if self.method == "JKn" and rscales is None:
            raise ParameterError("Replicates(method='JKn') needs rscales: (n_h − 1)/n_h of "
                                 "each replicate's stratum (R: 'Must provide rscales for "
                                 "combined JKn weights')")
        if not isinstance(self.mse, (bool, np.bool_)):
            raise ParameterError(f"Replicates(mse=...) must be True or False, not {self.mse!r}")

    def __hash__(self):
        return hash((self.columns, self.method, self.scale, self.rscales, self.rho, self.mse))

    # ----------------------------------------------------------------------------------------
    @property
    def bound(self) -> bool:
        """True when the columns are names, not a pattern still to be matched."""
        return not isinstance(self.columns, str)

    def bind(self, names, source=None) -> Replicates:
        """The replicates with a column pattern matched against ``names`` (natural order)."""
        if self.bound:
            return self
        found = sorted((str(n) for n in names if fnmatch.fnmatchcase(str(n), self.columns)),
                       key=_natural)
        if not found:
            raise ColumnError(f"no column matches the replicate-weight pattern "
                              f"{self.columns!r}", file=source, column=self.columns)
        return replace(self, columns=tuple(found))

    @property
    def size(self) -> int:
        """The number of replicates."""
        if not self.bound:
            raise ParameterError(f"the replicate pattern {self.columns!r} is not matched to "
                                 "columns yet")
        return len(self.columns)

    @property
    def factor(self) -> float:
        """The ``scale`` (given, or the method's default)."""
        if self.scale is not None:
            return float(self.scale)
        size = self.size
        if self.method == "JK1":
            return (size - 1) / size
        if self.method == "BRR":
            return 1.0 / size
        if self.method == "Fay":
            return 1.0 / (size * (1.0 - float(self.rho)) ** 2)
        if self.method == "bootstrap":
            return 1.0 / (size - 1)
        if self.method == "SDR":
            return 4.0 / size
        return 1.0                                          # JKn

    @property
    def multipliers(self) -> np.ndarray:
        """The ``rscales``, one per replicate."""
        if self.rscales is None:
            return np.ones(self.size)
        values = np.atleast_1d(np.asarray(self.rscales, dtype=float))
        return np.full(self.size, values[0]) if len(values) == 1 else values

    def describe(self) -> str:
        """``"JK1, 15 replicates"``: for method columns and notes."""
        count = f"{self.size} replicates" if self.bound else f"columns {self.columns!r}"
        rho = f" (rho {self.rho:g})" if self.method == "Fay" else ""
        return f"{self.method}{rho}, {count}" + (", mse" if self.mse else "")

    def replace(self, **changes) -> Replicates:
        return replace(self, **changes)



@dataclass(frozen=True)
class Design(Shared):
    """A survey design, as column names (plus population sizes).

    Parameters
    ----------
    weights : str, optional
        Column of weights. Default: every respondent weighs 1.
    strata : str or tuple of str, optional
        Stratum column(s).
    psu : str or list of str, optional
        Column of the primary sampling unit (cluster) id; a list for a multistage sample, one
        column per stage, outermost first.
    fpc : str or list of str, optional
        Column of the population size per stratum (number of PSUs when clustered) or of the
        sampling fraction, for the finite population correction; with a multistage ``psu``
        one column per stage.
    population : int, float or dict, optional
        Population size of an unstratified design, or ``{year: N}`` (each year a stratum).
    lonely_psu : {"fail", "remove", "certainty", "adjust", "average"}
        Strata (and, in a multistage sample, units of a stage) with a single sampled unit, as
        R's ``survey.lonely.psu``.
    replicates : kirc.Replicates, optional
        Replicate-weight columns: the variance is the replicates' (no ``psu`` or ``fpc``).
    linked : str, optional
        The column that identifies units across the years (returning organisations).

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
    >>> two = kirc.Design(psu=["dnum", "snum"], fpc=["fpc1", "fpc2"])
    >>> two.stages, two.stage_fpcs
    (('dnum', 'snum'), ('fpc1', 'fpc2'))

    In R: ``svydesign(ids=~1, strata=~stype, weights=~pw, fpc=~fpc, data=apistrat)``;
    ``svydesign(id=~dnum+snum, fpc=~fpc1+fpc2, data=apiclus2)``.
    """

    weights: str | None = None
    strata: str | tuple[str, ...] | None = None
    psu: str | tuple[str, ...] | None = None
    fpc: str | tuple[str, ...] | None = None
    population: float | Mapping | None = None
    lonely_psu: str = "fail"
    replicates: object = None
    linked: str | None = None

    def __post_init__(self):
        for name in ("weights", "linked"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise ParameterError(f"Design({name}=...) must be a column name, "
                                     f"not {value!r}")
        for name in ("psu", "fpc"):
            value = getattr(self, name)
            if isinstance(value, (list, tuple)):
                if not value or not all(isinstance(v, str) for v in value):
                    raise ParameterError(f"Design({name}=...) must be a column name or a list "
                                         f"of them (one per stage), not {value!r}")
                value = tuple(value) if len(value) > 1 else value[0]
                object.__setattr__(self, name, value)
            elif value is not None and not isinstance(value, str):
                raise ParameterError(f"Design({name}=...) must be a column name or a list of "
                                     f"them (one per stage), not {value!r}")
        if isinstance(self.psu, tuple) and len(set(self.psu)) != len(self.psu):
            raise ParameterError(f"Design(psu={list(self.psu)!r}) names a column twice")
        stages = len(self.stages)
        if isinstance(self.fpc, tuple) and len(self.fpc) != max(stages, 1):
            raise ParameterError(
                f"Design(fpc=...) gives {len(self.fpc)} population columns for "
                f"{max(stages, 1)} stage(s); give one per stage of psu= (as R's "
                f"svydesign(id=~a+b, fpc=~fa+fb)), or none for the with-replacement "
                "approximation")
        if stages > 1 and isinstance(self.fpc, str):
            raise ParameterError(
                f"a {stages}-stage design needs an fpc per stage, not one ({self.fpc!r}): the "
                "first stage's alone would leave out the later stages' variance; give "
                f"fpc=[...] with {stages} columns, or none (the with-replacement approximation)")
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
        if self.replicates is not None:
            if not isinstance(self.replicates, Replicates):
                raise ParameterError(f"Design(replicates=...) must be a kirc.Replicates, not "
                                     f"{type(self.replicates).__name__}")
            if self.psu is not None or self.fpc is not None:
                raise ParameterError("a replicate-weight design carries its clusters and "
                                     "finite population correction in its replicate weights; "
                                     "give no psu= or fpc= with replicates=")
            if self.linked is not None:
                raise ParameterError("linked= (returning units) works with Taylor designs; "
                                     "the replicates of a replicate-weight design must be made "
                                     "for the years jointly instead")
        if self.linked is not None and self.psu is not None and self.linked != self.stages[0]:
            raise ParameterError(f"with clusters the linked units must be the first-stage PSUs "
                                 f"({self.stages[0]!r}), not {self.linked!r}")
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
            if len(self.stages) > 1:
                raise ParameterError("a multistage design takes its population sizes per "
                                     "stage as fpc columns, not population=")
            if self.replicates is not None:
                raise ParameterError("a replicate-weight design carries its finite population "
                                     "correction in its replicate weights; give no population=")

    def __hash__(self):
        population = self.population
        if isinstance(population, Mapping):
            population = tuple(sorted(population.items()))
        return hash((self.weights, self.strata, self.psu, self.fpc, population,
                     self.lonely_psu, self.replicates, self.linked))

    def __repr__(self) -> str:
        text = (f"Design(weights={self.weights!r}, strata={self.strata!r}, psu={self.psu!r}, "
                f"fpc={self.fpc!r}, population={self.population!r}, "
                f"lonely_psu={self.lonely_psu!r}")
        if self.replicates is not None:
            text += f", replicates={self.replicates!r}"
        if self.linked is not None:
            text += f", linked={self.linked!r}"
        return text + ")"

    # ----------------------------------------------------------------------------------------
    @property
    def strata_columns(self) -> list[str]:
        """Every stratum column, the year first when the population is given per year."""
        declared = [] if self.strata is None else (
            [self.strata] if isinstance(self.strata, str) else list(self.strata))
        return (["year"] if self.by_year and "year" not in declared else []) + declared

    @property
    def stages(self) -> tuple[str, ...]:
        """The PSU column of every stage, outermost first (empty without clusters)."""
        if self.psu is None:
            return ()
        return (self.psu,) if isinstance(self.psu, str) else tuple(self.psu)

    @property
    def stage_fpcs(self) -> tuple[str, ...]:
        """The fpc column of every stage (empty without an fpc column)."""
        if self.fpc is None:
            return ()
        return (self.fpc,) if isinstance(self.fpc, str) else tuple(self.fpc)

    @property
    def first_psu(self) -> str | None:
        """The first-stage PSU column (None without clusters)."""
        return self.stages[0] if self.stages else None

    @property
    def unit_columns(self) -> tuple[str, ...]:
        """The columns whose values are the units of the variance, per stage: the PSUs, or
        the linked units of an unclustered design."""
        if self.stages:
            return self.stages
        return (self.linked,) if self.linked is not None else ()

    @property
    def by_year(self) -> bool:
        """True when the population is given per year (each year a separate sample)."""
        return isinstance(self.population, Mapping)

    @property
    def is_simple(self) -> bool:
        """An unweighted sample without clusters or declared strata (fpc allowed)."""
        return (self.weights is None and self.strata is None and self.psu is None
                and self.replicates is None and self.linked is None)

    @property
    def is_replicate(self) -> bool:
        """True for a replicate-weight design."""
        return self.replicates is not None

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
        names = [self.weights, *self.strata_columns, *self.stages, *self.stage_fpcs,
                 self.linked]
        if self.replicates is not None and self.replicates.bound:
            names += list(self.replicates.columns)
        return [n for n in dict.fromkeys(names) if n is not None]

    def replace(self, **changes) -> Design:
        """A copy with some fields changed (``dataclasses.replace``)."""
        return replace(self, **changes)

    def bind(self, names, source=None) -> Design:
        """The design with a replicate column pattern matched against the column ``names``."""
        if self.replicates is None or self.replicates.bound:
            return self
        return replace(self, replicates=self.replicates.bind(names, source))

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
        design = self.bind(data.columns, source)
        for column in design.columns():
            if column not in data.columns:
                if design.replicates is not None and column in design.replicates.columns:
                    field = "replicate weight"
                else:
                    field = next((f.name for f in fields(self) if getattr(self, f.name) == column
                                  or (f.name == "strata" and column in self.strata_columns)
                                  or (f.name == "psu" and column in self.stages)
                                  or (f.name == "fpc" and column in self.stage_fpcs)),
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


def stage_key(stage: int) -> str:
    """The key column of the units of a stage in tallies and stage tables: ``_psu`` for the
    first stage, ``_psu2``, ``_psu3``, ... for later ones."""
    return PSU if stage == 1 else f"{PSU}{stage}"


@dataclass
class RowDesign:
    """The design resolved on the rows of one frame.

    ``psu_codes`` code the units whose totals the variance needs: the PSUs, or in a multistage
    design with an fpc per stage the units of the last stage (nested: a code stands for the
    whole chain of units, ``psu_values`` holds it as a tuple, first stage first). ``stages``
    holds the stage tables of the stages after the first (:func:`stage_tables`).
    """

    design: Design
    weights: np.ndarray | None        # float per row (None: all 1)
    keep: np.ndarray | None           # rows in the sample (weight > 0); None: all rows
    stratum_codes: np.ndarray | None  # int64 per row (None: one stratum)
    strata: pd.DataFrame              # one row per stratum: _stratum key, fpc, psus (m_h)
    psu_codes: np.ndarray | None      # int64 per row (None: respondents are the PSUs)
    psu_values: np.ndarray | None
    sample: Sample | None = None      # the whole sample's facts, when the rows are a domain
    stages: list = field(default_factory=list)   # stage tables of stages 2, 3, ...
    replicates: np.ndarray | None = None          # (rows, R) replicate weights, 0 outside keep
    units: pd.DataFrame | None = None             # linked: the whole sample's (stratum, unit)

    @property
    def stratified(self) -> bool:
        return self.design.stratified

    @property
    def n_stages(self) -> int:
        """The stages whose units the tally keys (0 without clusters)."""
        return 0 if self.psu_codes is None else 1 + len(self.stages)


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
    number of PSUs per stratum (and of units per unit of the stage above) and the population
    sizes are the whole sample's.
    """
    design = design.bind(data.columns, source)
    design.check(data, source)
    n_rows = len(data)
    valid = np.ones(n_rows, dtype=bool) if valid is None else valid
    weights, keep = _weights(data, design, valid, source)
    columns = design.strata_columns
    if columns:
        stratum_codes, keys = _stratum_keys(data, columns, keep, source)
    else:
        stratum_codes, keys = np.zeros(n_rows, dtype=np.int64), [0]
    chain = _unit_chain(data, design, stratum_codes, keep, source)
    first = chain[0][0] if chain else None
    psu_codes = psu_values = None
    if len(chain) == 1:
        psu_codes, psu_values = first, chain[0][1]
    elif chain:
        psu_codes, psu_values = _nested_values(chain)
    strata = pd.DataFrame({STRATUM: keys})
    stages = []
    units = None
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
            stages = sample.stages(design)
            units = sample.units(design) if design.linked is not None else None
            if design.linked is not None and units is None:
                # the survey does not know these units: those of the rows given
                units = _unit_pairs(stratum_codes, first, chain[0][1], keep, strata)
    if sample is None:
        strata["fpc"] = _fpc_per_stratum(data, design, stratum_codes, keep, strata, source)
        strata["psus"] = _psus(stratum_codes, first, keep, len(strata))
        if len(chain) > 1:
            stages = stage_tables(data, design, stratum_codes, keep, strata, chain, source)
        if design.linked is not None:
            units = _unit_pairs(stratum_codes, first, chain[0][1], keep, strata)
    rows = RowDesign(design, weights, keep, stratum_codes, strata, psu_codes, psu_values, sample,
                     stages, _replicate_weights(data, design, keep, source), units)
    _unit_weights(rows, chain)
    return rows


def _unit_chain(data, design: Design, stratum_codes, keep, source) -> list:
    """Per counted stage: (code per row, values per code, nested code per row).

    The first stage's code is the PSU value's (R's ``nest=TRUE`` comes from the stratum in the
    cell key); a later stage's unit is nested in the unit above it. Only the first stage counts
    without an fpc per stage (the with-replacement approximation, as R).
    """
    columns = design.unit_columns
    if len(columns) > 1 and not design.stage_fpcs:
        columns = columns[:1]
    chain = []
    parent = stratum_codes
    for column in columns:
        series = data[column]
        if series[keep].isna().any():
            what = "unit (linked id)" if column == design.linked and not design.stages \
                else "PSU (cluster)" if column == columns[0] else "sampling unit"
            raise ColumnError(f"the {what} of some respondents is missing", file=source,
                              column=column)
        codes, values = factorize(series)
        nested, _ = pd.factorize(np.where((codes >= 0) & (parent >= 0),
                                          parent * (len(values) + 1) + codes, -1),
                                 use_na_sentinel=True)
        nested = np.where((codes >= 0) & (parent >= 0), nested, -1).astype(np.int64)
        chain.append((codes, np.asarray(values, dtype=object), nested))
        parent = nested
    return chain


def _nested_values(chain):
    """Codes of the last stage's units and their keys as tuples (first stage first)."""
    last = chain[-1][2]
    size = int(last.max()) + 1 if len(last) else 0
    first_row = np.full(size, -1, dtype=np.int64)
    present = np.flatnonzero(last >= 0)
    first_row[last[present][::-1]] = present[::-1]
    values = np.empty(size, dtype=object)
    for code, row in enumerate(first_row):
        values[code] = tuple(stage_values[stage_codes[row]]
                             for stage_codes, stage_values, _ in chain)
    return last, values


def stage_tables(data, design: Design, stratum_codes, keep, strata: pd.DataFrame, chain,
                 source=None) -> list[pd.DataFrame]:
    """The stages after the first: one row per unit of the stage above (the unit drawn from).

    Columns: the unit's key (``_stratum``, ``_psu``, ``_psu2``, ...), ``fpc`` (the number of
    units of this stage in its population, or the sampling fraction when at most 1), ``psus``
    (the units of this stage sampled in it) and ``factor``, the product of the sampling
    fractions of the stages above (R's ``svyrecvar`` weighs a stage's variance by it).
    """
    fpc_columns = design.stage_fpcs
    first_fpc = strata["fpc"].to_numpy(float)
    first_m = strata["psus"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction_1 = np.where(first_fpc <= 1, first_fpc,
                              np.where(np.isfinite(first_fpc), first_m / first_fpc, 0.0))
    sel = keep & (stratum_codes >= 0)
    # factor of each parent unit, at stage 1 the stratum's fraction
    parent_factor = fraction_1
    parent_codes = stratum_codes
    tables = []
    for stage in range(2, len(chain) + 1):
        nested = chain[stage - 1][2]
        parent = chain[stage - 2][2]
        rows = sel & (parent >= 0)
        n_parent = int(parent.max()) + 1 if len(parent) else 0
        width = int(nested.max()) + 1 if len(nested) else 1
        pairs = np.unique(parent[rows] * width + nested[rows])
        m = np.bincount(pairs // width, minlength=n_parent).astype(np.int64)
        column = fpc_columns[stage - 1]
        values = pd.to_numeric(data[column], errors="coerce").to_numpy(dtype=float,
                                                                       na_value=np.nan)
        if np.isnan(values[rows]).any() or (values[rows] <= 0).any():
            raise ScaleError("the population sizes (fpc) must be positive numbers",
                             file=source, column=column)
        low = np.full(n_parent, np.inf)
        high = np.full(n_parent, -np.inf)
        np.minimum.at(low, parent[rows], values[rows])
        np.maximum.at(high, parent[rows], values[rows])
        used = m > 0
        if np.any(low[used] != high[used]):
            raise ScaleError(f"the population size (fpc) of stage {stage} differs within a "
                             f"unit of stage {stage - 1}", file=source, column=column)
        fpc = low
        # a representative row per parent: its keys and its own parent
        first_row = np.full(n_parent, -1, dtype=np.int64)
        present = np.flatnonzero(rows)
        first_row[parent[present][::-1]] = present[::-1]
        codes = np.flatnonzero(used)
        rep = first_row[codes]
        table = pd.DataFrame({STRATUM: strata[STRATUM].to_numpy()[stratum_codes[rep]]})
        for level in range(1, stage):
            level_codes, level_values, _ = chain[level - 1]
            table[stage_key(level)] = level_values[level_codes[rep]]
        table["fpc"] = fpc[codes]
        table["psus"] = m[codes]
        grand = parent_codes[rep]
        table["factor"] = parent_factor[grand]
        tables.append(table)
        with np.errstate(divide="ignore", invalid="ignore"):
            own = np.where(fpc <= 1, fpc, np.where(np.isfinite(fpc), m / fpc, 0.0))
        factor_of_parent = np.zeros(n_parent)
        factor_of_parent[codes] = parent_factor[grand] * own[codes]
        parent_factor, parent_codes = factor_of_parent, parent
    return tables


def _unit_pairs(stratum_codes, codes, values, keep, strata: pd.DataFrame) -> pd.DataFrame:
    """The (stratum, unit) pairs of the sample: which units answered in which strata."""
    sel = keep & (stratum_codes >= 0) & (codes >= 0)
    width = len(values) + 1
    pairs = np.unique(stratum_codes[sel] * width + codes[sel])
    return pd.DataFrame({STRATUM: strata[STRATUM].to_numpy()[pairs // width],
                         PSU: values[pairs % width]})


def _replicate_weights(data, design: Design, keep, source) -> np.ndarray | None:
    """The replicate weights of the rows in the sample (rows, R); 0 outside it."""
    replicates = design.replicates
    if replicates is None:
        return None
    columns = list(replicates.columns)
    frame = data[columns]
    try:
        matrix = frame.to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        matrix = None
    if matrix is None or any(not pd.api.types.is_numeric_dtype(frame[c]) for c in columns):
        for column in columns:
            values = pd.to_numeric(frame[column], errors="coerce")
            if (values.isna() & frame[column].notna()).any():
                raise ScaleError("replicate weights must be numbers", file=source,
                                 column=column)
        matrix = frame.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    if not keep.all():
        matrix = np.where(keep[:, None], matrix, 0.0)
    # one sum per column finds a missing or infinite weight (NaN and inf propagate)
    if not np.isfinite(matrix.sum(axis=0)).all():
        good = np.isfinite(matrix)
        column = columns[int(np.flatnonzero(~good.all(axis=0))[0])]
        raise ScaleError(f"{int((~good).sum())} replicate weights of respondents in the sample "
                         "are missing or infinite (R: 'Missing values not allowed in "
                         "repweights')", file=source, column=column)
    return matrix


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


def implied_weights(data: pd.DataFrame, design: Design, source=None) -> np.ndarray | None:
    """The weights a design without a weight column gives its units, or None.

    ``N_h / n_h`` per stratum (the product over the stages), as R's ``svydesign(fpc=)``
    without ``weights=`` makes them; None when the design names weights, or has no finite
    population correction, or is one stratum of one stage (every unit then weighs the same).
    Rows outside the sample get 0. What :func:`kirc.calibrate` starts from.

    Examples
    --------
    >>> df = pd.DataFrame({"stype": ["E", "E", "H"], "fpc": [100, 100, 30]})
    >>> implied_weights(df, Design(strata="stype", fpc="fpc")).tolist()
    [50.0, 50.0, 30.0]
    >>> implied_weights(df[df["stype"] == "E"], Design(fpc="fpc")) is None   # all alike
    True

    In R: ``weights(svydesign(ids = ~1, strata = ~stype, fpc = ~fpc, data = df))``.
    """
    if design.weights is not None or design.replicates is not None:
        return None
    return row_design(data, design, source=source).weights


def _unit_weights(rows: RowDesign, chain=()) -> None:
    """Unweighted with a finite population: each unit weighs ``N_h / m_h`` (``1 / f_h``).

    As ``svydesign(fpc=)`` without weights, so that estimates pooling strata of different
    fractions (years) are those of the population. Within one stratum the weight is constant
    and changes nothing. In a multistage sample it is the product over the stages.
    """
    fpc = rows.strata["fpc"].to_numpy(dtype=float)
    if rows.weights is not None or rows.design.replicates is not None or \
            not np.isfinite(fpc).any() or (len(rows.strata) <= 1 and not rows.stages):
        return
    psus = rows.strata["psus"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        unit = np.where(fpc <= 1, 1 / fpc, np.where(np.isfinite(fpc), fpc / psus, 1.0))
    sel = rows.keep & (rows.stratum_codes >= 0)
    weights = np.where(sel, unit[np.maximum(rows.stratum_codes, 0)], 0.0)
    for stage, table in enumerate(rows.stages, start=2):
        parent = chain[stage - 2]
        keys = [STRATUM] + [stage_key(level) for level in range(1, stage)]
        index = pd.MultiIndex.from_frame(table[keys])
        own = pd.MultiIndex.from_arrays(
            [rows.strata[STRATUM].to_numpy()[np.maximum(rows.stratum_codes, 0)]]
            + [chain[level - 1][1][np.maximum(chain[level - 1][0], 0)]
               for level in range(1, stage)])
        where = index.get_indexer(own)
        t_fpc, t_m = table["fpc"].to_numpy(float), table["psus"].to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            inverse = np.where(t_fpc <= 1, 1 / t_fpc, np.where(np.isfinite(t_fpc),
                                                               t_fpc / t_m, 1.0))
        weights = weights * np.where(sel & (where >= 0) & (parent[2] >= 0),
                                     inverse[np.maximum(where, 0)], 0.0)
    rows.weights = weights


def _fpc_per_stratum(data, design: Design, stratum_codes, keep, strata, source) -> np.ndarray:
    size = len(strata)
    if design.fpc is not None:
        column = design.stage_fpcs[0]
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
    of the whole sample (:meth:`strata`); in a multistage sample, per unit of each stage, the
    number of units sampled in it below and their population (:meth:`stages`); in a survey of
    returning units, which units answered in which year (:meth:`units`); and on a calibrated
    survey the weight totals of every (stratum, PSU, calibration cell) (:meth:`design_cells`):
    rows outside the domain carry calibration residuals. No row needs to be matched to the
    domain's rows. (A replicate-weight design needs none of this: a domain's replicate
    estimates are made from its own rows.)
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
        design = design.bind(data.columns, source)
        rows = row_design(data, design, np.zeros(len(data), dtype=bool), source=source)
        keep = rows.keep
        replicate = set(design.replicates.columns) if design.replicates is not None else set()
        columns = [c for c in dict.fromkeys([*design.columns(), "year"])
                   if c in data.columns and c != design.weights and c not in replicate]
        frame = data.loc[keep, columns].reset_index(drop=True)
        frame["_w"] = (np.ones(int(keep.sum())) if rows.weights is None
                       else np.asarray(rows.weights)[keep])
        if calibration is not None:
            frame["_cell"] = calibration.cell_codes(data, source)[keep]
        return cls(frame, design, calibration)

    def _applies(self, design: Design) -> bool:
        """The sample's facts hold for ``design``: same PSUs, strata at most split by year."""
        own = self.design
        if design.stages != own.stages:
            return False
        columns = design.strata_columns
        return all(c in self.frame.columns for c in [*columns, *design.stage_fpcs]) \
            and set(own.strata_columns) <= set(columns)

    def _linked(self, design: Design) -> Design:
        """The design, without linked units when the sample does not hold their column (the
        strata and PSUs are the same; :meth:`units` is then unknown)."""
        if design.linked is not None and design.linked not in self.frame.columns:
            return design.replace(linked=None)
        return design

    def _key(self, kind: str, design: Design) -> tuple:
        population = design.population
        population = tuple(sorted(population.items())) if isinstance(population, Mapping) \
            else population
        return (kind, tuple(design.strata_columns), design.psu, design.fpc, design.linked,
                population)

    def _rows(self, design: Design):
        """The whole sample resolved under ``design`` (None when the facts do not apply)."""
        design = self._linked(design)
        key = self._key("rows", design)
        if key not in self._cache:
            if not self._applies(design):
                self._cache[key] = None
            else:
                frame = self.frame
                keep = np.ones(len(frame), dtype=bool)
                columns = design.strata_columns
                if columns:
                    codes, keys = _stratum_keys(frame, columns, keep, None)
                else:
                    codes, keys = np.zeros(len(frame), dtype=np.int64), [0]
                chain = _unit_chain(frame, design, codes, keep, None)
                strata = pd.DataFrame({STRATUM: keys})
                strata["fpc"] = _fpc_per_stratum(frame, design, codes, keep, strata, None)
                strata["psus"] = _psus(codes, chain[0][0] if chain else None, keep,
                                       len(strata))
                self._cache[key] = (codes, keep, strata, chain)
        return self._cache[key]

    def strata(self, design: Design) -> pd.DataFrame | None:
        """``_stratum``, ``fpc`` and ``psus`` of every stratum of the whole sample.

        None when ``design`` stratifies or clusters the sample differently from how it was
        drawn (then the rows given to an estimator are a sample of their own).
        """
        resolved = self._rows(design)
        return None if resolved is None else resolved[2]

    def stages(self, design: Design) -> list[pd.DataFrame]:
        """The stage tables (:func:`stage_tables`) of the whole sample's later stages."""
        key = self._key("stages", design)
        if key not in self._cache:
            resolved = self._rows(design)
            if resolved is None or len(resolved[3]) < 2:
                self._cache[key] = []
            else:
                codes, keep, strata, chain = resolved
                self._cache[key] = stage_tables(self.frame, design, codes, keep, strata, chain)
        return self._cache[key]

    def units(self, design: Design) -> pd.DataFrame | None:
        """The (``_stratum``, ``_psu``) pairs of the whole sample: which linked units answered
        in which stratum (year)."""
        key = self._key("units", design)
        if key not in self._cache:
            resolved = self._rows(design)
            if resolved is None or not resolved[3] or self._linked(design).linked is None \
                    and design.linked is not None:
                self._cache[key] = None
            else:
                codes, keep, strata, chain = resolved
                self._cache[key] = _unit_pairs(codes, chain[0][0], chain[0][1], keep, strata)
        return self._cache[key]

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
        """Σw and Σw² of the whole sample per (stratum, unit of every stage, calibration
        cell)."""
        key = self._key("cells", design)
        if key not in self._cache:
            frame = self.frame
            table = pd.DataFrame({STRATUM: self.stratum_of_rows(design)})
            keys_ = [STRATUM]
            columns = design.unit_columns
            if len(columns) > 1 and not design.stage_fpcs:
                columns = columns[:1]
            for stage, column in enumerate(columns, start=1):
                table[stage_key(stage)] = frame[column].to_numpy()
                keys_.append(stage_key(stage))
            table["_cell"] = frame["_cell"].to_numpy()
            table["sum_w"] = frame["_w"].to_numpy(float)
            table["sum_w2"] = table["sum_w"] ** 2
            self._cache[key] = (table.groupby([*keys_, "_cell"], sort=False, dropna=False)
                                [["sum_w", "sum_w2"]].sum().reset_index())
        return self._cache[key]
