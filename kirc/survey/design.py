"""The survey design: which columns hold the weights, strata, clusters and population sizes.

A :class:`Design` names columns, it holds no data; it is the ``svydesign(ids=, strata=,
weights=, fpc=)`` of R's ``survey`` package, given once and then used by every estimator of
:mod:`kirc.estimate.metrics` and :mod:`kirc.estimate.compare`. Frames from :func:`kirc.load_survey` carry the
design declared in the ``[design]`` table of their survey definition in ``df.attrs["design"]``;
pandas copies ``attrs`` to every frame derived by filtering or selecting columns
(``ks[ks.year == 2025]``, ``ks[["nps", "weight"]]``), so the design travels with the data.
:func:`design_of` reads it back; a frame without one is a simple random sample.

Semantics (those of R's ``survey``, where not said otherwise):

* ``weights``: sampling (or post-stratification) weights, ``w ≥ 0``. Rows with weight 0 are not
  part of the sample: they count in no ``n``, degrees of freedom or sampling fraction.
  A negative or missing weight of an answering row is an error naming the column.
* ``strata``: one column, or several whose combination is the stratum. Strata are sampled
  independently.
* ``psu``: the primary sampling unit (cluster) within the strata; the same id in two strata
  means two clusters (R's ``nest=TRUE``). Without ``psu`` every respondent is its own PSU.
* ``fpc``: a column holding, per stratum, the population size (the number of PSUs in the
  population when the design has clusters, as ``svydesign(fpc=)``), or the sampling fraction
  when its values are at most 1.
* ``population``: a number, the population size of an unstratified design; or ``{year: N}``,
  the population of each year, in which case each year is a separate sample (a stratum)
  with its own sampling fraction ``n_year / N_year``.
* ``lonely_psu``: what to do with a stratum of one PSU, as R's ``options(survey.lonely.psu=)``:
  ``"fail"``, ``"remove"``, ``"certainty"``, ``"adjust"`` or ``"average"``.

Samples of different years are independent; :func:`kirc.trend` and :func:`kirc.change` treat
the year as a stratum.

Subgroups: estimate them with ``by=`` on the whole sample, which keeps the whole design as R's
``svyby`` does (the sector of an organisation survey gets the year's sampling fraction
``n_year / N_year``). A frame *filtered* to a subgroup keeps its design, but for the variance
it is then a sample of its own: strata, PSUs and the sampling fraction are counted from the
rows it holds (for the finite population correction that is conservative).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

import pandas as pd

from .._frozen import FrozenDict, Shared
from ..errors import ColumnError, ParameterError

__all__ = ["Design", "design_of", "LONELY_PSU"]

#: The lonely-PSU options of R's ``survey.lonely.psu``.
LONELY_PSU = ("fail", "remove", "certainty", "adjust", "average")


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
        Population size of an unstratified design, or ``{year: N}``.
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
                # no population known in any year: no finite population correction
                object.__setattr__(self, "population", FrozenDict(clean) if any(
                    v is not None for v in clean.values()) else None)
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
        """The declared stratum columns (without the implicit year)."""
        if self.strata is None:
            return []
        return [self.strata] if isinstance(self.strata, str) else list(self.strata)

    @property
    def by_year(self) -> bool:
        """True when the population is given per year (each year a separate sample)."""
        return isinstance(self.population, Mapping)

    @property
    def is_simple(self) -> bool:
        """An unweighted simple random sample (with or without a finite population)."""
        return self.weights is None and self.strata is None and self.psu is None

    @property
    def has_fpc(self) -> bool:
        return self.fpc is not None or self.population is not None

    def columns(self) -> list[str]:
        """The data columns the design needs (``year`` when the population is per year)."""
        names = [self.weights, *self.strata_columns, self.psu, self.fpc]
        if self.by_year:
            names.append("year")
        return [n for n in dict.fromkeys(names) if n is not None]

    def replace(self, **changes) -> Design:
        """A copy with some fields changed (``dataclasses.replace``)."""
        return replace(self, **changes)

    def check(self, data: pd.DataFrame, source: str | None = None) -> None:
        """Raise :class:`kirc.ColumnError` when a column of the design is not in ``data``."""
        for column in self.columns():
            if column not in data.columns:
                field = next((f.name for f in fields(self) if getattr(self, f.name) == column
                              or (f.name == "strata" and column in self.strata_columns)),
                             "population per year")
                raise ColumnError(f"the design's {field} column is not in the data",
                                  file=source, column=column)

    def describe(self) -> str:
        """One line in words, for method notes."""
        parts = []
        parts.append(f"gewogen met {self.weights}" if self.weights else "ongewogen")
        if self.strata is not None:
            parts.append("strata " + " × ".join(self.strata_columns))
        if self.psu is not None:
            parts.append(f"clusters {self.psu}")
        if self.fpc is not None:
            parts.append(f"eindige-populatiecorrectie {self.fpc}")
        elif self.population is not None:
            parts.append("eindige-populatiecorrectie (populatie per jaar)" if self.by_year
                         else f"populatie {self.population:g}")
        return ", ".join(parts)


def _positive(value) -> bool:
    return (not isinstance(value, bool) and isinstance(value, (int, float))
            and value > 0 and value == value)


def design_of(data: pd.DataFrame) -> Design:
    """The design a frame carries (``data.attrs["design"]``); a simple random sample if none.

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> df = pd.DataFrame({"ok": [1, 0, 1], "w": [1.0, 2.0, 1.5]})
    >>> kirc.design_of(df)
    Design(weights=None, strata=None, psu=None, fpc=None, population=None, lonely_psu='fail')
    >>> df.attrs["design"] = kirc.Design(weights="w")
    >>> kirc.design_of(df[df.ok == 1]).weights        # filtering keeps the design
    'w'
    """
    design = getattr(data, "attrs", {}).get("design")
    if isinstance(design, Design):
        return design
    if isinstance(design, Mapping):      # a frame restored from JSON/pickle of a plain dict
        return Design(**design)
    return Design()
