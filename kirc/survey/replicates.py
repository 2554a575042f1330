"""Replicate weights: declared (:class:`Replicates`), made (:func:`with_replicates`), exported.

A replicate-weight design carries its variance in columns of weights: the estimate is computed
once with the final weights and once with every replicate's weights, and its variance is

    v = scale · Σ_r rscale_r (θ_r − θ̄)²

with θ̄ the mean of the replicates' estimates (or the full-sample estimate, ``mse=True``),
as R's ``svrVar``. The columns hold the replicate weights themselves (R's
``svrepdesign(combined.weights=TRUE)``). :class:`Replicates` names them and the method;
``kirc.Design(weights=..., replicates=kirc.Replicates(...))`` makes the design, and every
estimator, domain, contrast, change, crosstab, trend test and regression of the package then
gives the replicate variance (:mod:`kirc.estimate.variance`), with R's degrees of freedom: the
rank of the replicate weights of the rows used, minus one (R's ``degf``).

========================  =================================  ================================
method                    default ``scale``                  default ``rscales``
========================  =================================  ================================
``"JK1"``                 (R − 1)/R                          1
``"JKn"``                 1                                  required: (n_h − 1)/n_h each
``"BRR"``                 1/R                                1
``"Fay"``                 1/(R (1 − ρ)²), ``rho`` required   1
``"bootstrap"``           1/(R − 1)                          1
``"SDR"``                 4/R (successive difference)        1
========================  =================================  ================================

(R: the number of replicate columns.) These are the defaults of R's ``svrepdesign``; a given
``scale`` or ``rscales`` replaces them (:func:`with_replicates` gives the exact ones of the
replicates it makes, as R's ``as.svrepdesign``).

:func:`with_replicates` makes the columns from a design (jackknife, balanced repeated
replication, the Rao–Wu rescaled bootstrap), and on a calibrated survey repeats the calibration
on every replicate, so the replicate variance includes the calibration (as ``svrep`` and R's
``calibrate`` of a replicate design do). :func:`export_replicates` writes the data with its
weights as SPSS, Stata or CSV, and beside it the R and Stata lines that declare the design.

References
----------
Wolter, K. M. (2007). *Introduction to Variance Estimation*, 2nd ed., ch. 3–5. Springer.
Rust, K. F., & Rao, J. N. K. (1996). Variance estimation for complex surveys using replication
techniques. *Statistical Methods in Medical Research*, 5, 283–310. Rao, J. N. K., & Wu, C. F. J.
(1988). Resampling inference with complex survey data. *JASA*, 83, 231–241. Lumley, T. (2010).
*Complex Surveys*, ch. 2.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, replace

import numpy as np

from .._frozen import Shared
from ..errors import ColumnError, ParameterError

__all__ = ["Replicates", "REPLICATE_METHODS", "with_replicates", "export_replicates"]

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
