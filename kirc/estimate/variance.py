"""The one design-based variance: Taylor linearisation from a tally, for estimates and contrasts.

Every estimate of the package is a ratio mean per domain ``d``, ȳ_d = Σ w·y / Σ w over the
respondents of the domain (a share: y = 1/0; the NPS: the score +1/0/−1; a mean: y itself).
Every comparison is a linear combination of such means. Both have a *linearised variable*
that is, inside each domain of the tally, linear in the answer:

    z_i = w_i (a_d + b_d y_i)        (0 outside the domains involved)

For the mean of domain d, ``a_d = −ȳ_d / W_d`` and ``b_d = 1 / W_d`` (``W_d = Σ_d w``); for the
difference of two means the two domains' coefficients with opposite signs; for a group against
the rest or the total of the sample, the coefficients of both on every domain they share. An
:class:`Influence` lists these coefficients; :func:`influence_variance` turns them, with the sums
of a :class:`kirc.Tally` (Σw, Σwy, Σw², Σw²y, Σw²y² per domain, stratum and PSU), into

    Var = Σ_h (1 − f_h) · m_h/(m_h − 1) · Σ_j (z_hj − z̄_h)²

over strata ``h`` with ``m_h`` PSUs in the *whole sample* (a domain keeps the whole design, as
R's ``svyby`` and ``subset`` do: PSUs without rows of the domain have ``z_hj = 0``), ``z_hj`` the
PSU totals and ``f_h`` the sampling fraction of the stratum. Where the respondents are the PSUs
the sum of squares comes from the tally's Σw², Σw²y and Σw²y² per cell; where they are
clusters, from the PSU totals. Because a contrast's variable contains the covariance of the
means it combines (shared PSUs, shared strata), its variance *is* the variance of the
difference, with the covariance included: R's ``svycontrast(svyby(..., covmat=TRUE), ...)``.

**Calibration.** On a calibrated survey every linearised value is replaced by its residual on
the calibration variables (Deville & Särndal 1992), over the whole calibrated sample:
``e_i = z_i − w_i x_i'β`` with ``β = A⁺ Σ_i x_i z_i / g_i``, ``A = Σ_i d_i x_i x_i'`` (R's
``qr.resid`` in ``svyrecvar``). ``x`` and ``g`` are constant within a *calibration cell* (a
combination of margin categories, per calibrated part such as a year), so the tally carries the
cell as a key and the whole sample's Σw and Σw² per (stratum, PSU, cell); rows outside the
domain contribute ``−w x'β`` through those sums. No row of the sample needs to be present.

**Strata with one PSU** follow the design's ``lonely_psu`` rule as R's ``survey.lonely.psu``
(``"fail"``: an error; ``"remove"`` and ``"certainty"``: no contribution; ``"adjust"``: the PSU
centred at the grand mean; ``"average"``: the mean contribution of the other strata, R's
``nstrat / nokstrat`` scaling). **Degrees of freedom**: PSUs minus strata that the domains
involved touch (R's ``degf`` of the domain's design).

The design effect is R's ``deff="replace"``: the variance over ``σ̂²/n`` with σ̂² the weighted
variance of y in the domain (divisor ``n − 1``).

Validated against R ``survey`` 4.1.1 (``svymean``, ``svyby``, ``svycontrast``, ``svyglm``,
``degf``, calibrated designs) on the ``api`` data sets in ``tests/test_design.py``,
``tests/test_contrast.py`` and ``tests/test_weighting.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ParameterError
from .tally import PSU, STRATUM, Tally

__all__ = ["Influence", "influence_variance", "domain_estimates", "domain_influence"]


@dataclass
class Influence:
    """Linearised variables, one per *target*: ``z = w (a + b·y)`` in each listed domain.

    Entries are (``domain``, ``target``, ``a``, ``b``): the domain's index in ``tally.domains``,
    the target's index (0 … ``size`` − 1) and the coefficients. A domain appears at most once
    per target.
    """

    domain: np.ndarray
    target: np.ndarray
    a: np.ndarray
    b: np.ndarray
    size: int


@dataclass
class Variances:
    """What :func:`influence_variance` returns, one value per target."""

    variance: np.ndarray
    df: np.ndarray          # PSUs − strata touched by the target's domains
    strata: np.ndarray      # strata touched


def _text(value) -> str:
    if isinstance(value, tuple):
        return " × ".join(map(_text, value))
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value) if isinstance(value, str) else str(value)


def sums(tally: Tally, y: str | None = None) -> dict[str, np.ndarray]:
    """The cell sums of ``y``: the tally's own answer, or the indicator of class ``y``."""
    table = tally.table
    if y is None:
        names = {"sum_wy": "sum_wy", "sum_wy2": "sum_wy2", "sum_w2y": "sum_w2y",
                 "sum_w2y2": "sum_w2y2"}
        return {key: table[column].to_numpy(float) for key, column in names.items()} | {
            "sum_w": table["sum_w"].to_numpy(float), "sum_w2": table["sum_w2"].to_numpy(float),
            "n": table["n"].to_numpy(float)}
    if y not in tally.classes:
        raise ParameterError(f"{y!r} is not an answer class of this tally ({tally.classes})")
    w, w2 = table[f"w_{y}"].to_numpy(float), table[f"w2_{y}"].to_numpy(float)
    # an indicator: y² = y
    return {"sum_wy": w, "sum_wy2": w, "sum_w2y": w2, "sum_w2y2": w2,
            "sum_w": table["sum_w"].to_numpy(float), "sum_w2": table["sum_w2"].to_numpy(float),
            "n": table["n"].to_numpy(float)}


# --------------------------------------------------------------------------------------------
# the layout of a tally: strata, PSUs, the domains' cells


class _Layout:
    """Index arrays of a tally's cells, computed once per tally."""

    def __init__(self, tally: Tally):
        table = tally.table
        strata = tally.strata
        self.n_strata = len(strata)
        self.h = pd.Index(strata[STRATUM]).get_indexer(table[STRATUM])
        if (self.h < 0).any():
            raise ParameterError("the tally has cells in a stratum its design does not list")
        self.m = strata["psus"].to_numpy(float)
        fpc = strata["fpc"].to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.fraction = np.where(fpc <= 1, fpc, np.where(np.isfinite(fpc), self.m / fpc, 0.0))
        if np.any(self.fraction > 1 + 1e-12):
            worst = int(np.argmax(self.fraction))
            raise ParameterError(f"stratum {_text(strata[STRATUM].iloc[worst])} has "
                                 f"{int(self.m[worst])} PSUs in the sample but a population of "
                                 f"{fpc[worst]:g}: check the population (fpc) of the design")
        self.domain = table["_domain"].to_numpy(np.int64)
        self.n_domains = len(tally.domains)
        order = np.argsort(self.domain, kind="stable")
        self.order = order
        self.count = np.bincount(self.domain, minlength=self.n_domains)
        self.start = np.concatenate([[0], np.cumsum(self.count)[:-1]])
        self.touched = table["n"].to_numpy() > 0
        if tally.clustered:
            self.units, self.unit_stratum = _units(tally)
            self.unit = self.units.get_indexer(
                pd.MultiIndex.from_arrays([table[STRATUM].to_numpy(), table[PSU].to_numpy()]))

    def cells(self, domains: np.ndarray):
        """The rows of the tally's cells of each listed domain: (entry index, row index)."""
        counts = self.count[domains]
        entry = np.repeat(np.arange(len(domains)), counts)
        offsets = np.arange(len(entry)) - np.repeat(np.cumsum(counts) - counts, counts)
        rows = self.order[self.start[domains][entry] + offsets]
        return entry, rows


def _units(tally: Tally) -> tuple[pd.MultiIndex, np.ndarray]:
    """The PSUs of a clustered design as (stratum, PSU) pairs, and the stratum of each.

    On a calibrated survey the whole sample's PSUs come first (those without a row of the
    tally carry residuals too).
    """
    strata = pd.Index(tally.strata[STRATUM])
    pairs = [tally.table[[STRATUM, PSU]]]
    calibration = tally.calibration
    if calibration is not None and PSU in calibration.design_cells:
        pairs.insert(0, calibration.design_cells[[STRATUM, PSU]])
    both = pd.concat(pairs, ignore_index=True).drop_duplicates(ignore_index=True)
    keys = pd.MultiIndex.from_arrays([both[STRATUM].to_numpy(), both[PSU].to_numpy()])
    return keys, strata.get_indexer(both[STRATUM])


# --------------------------------------------------------------------------------------------
# the variance of linearised totals


def _aggregate(keys: np.ndarray, size: int, *values):
    """Sums of ``values`` per distinct key (sorted keys), and the keys."""
    if size <= max(1 << 22, 4 * len(keys)):
        present = np.bincount(keys, minlength=size) > 0
        out = [np.bincount(keys, weights=v, minlength=size)[present] for v in values]
        return np.flatnonzero(present), out
    unique, inverse = np.unique(keys, return_inverse=True)
    return unique, [np.bincount(inverse, weights=v, minlength=len(unique)) for v in values]


def _contributions(s1, s2, m, f, lonely_rule, stratified, strata_keys, h):
    """Per (target, stratum) pair: (1 − f) m/(m − 1) (s2 − s1²/m), lonely PSUs by the rule.

    Returns the contributions (NaN where undefined: a single PSU of an unstratified sample,
    or "average") and the mask of lonely pairs.
    """
    keep = 1.0 - f
    with np.errstate(divide="ignore", invalid="ignore"):
        contribution = keep * m / (m - 1) * (s2 - s1 ** 2 / m)
    census = keep < 1e-7                            # R's onestrat: no contribution at f ≈ 1
    contribution[census] = 0.0
    lonely = (m == 1) & ~census
    if lonely.any() and not stratified:
        # an unstratified sample of a single PSU: no variance to estimate
        contribution[lonely] = np.nan
        return contribution, np.zeros_like(lonely)
    if lonely.any():
        if lonely_rule == "fail":
            raise ParameterError(f"stratum {_text(strata_keys[h[lonely][0]])} has only one PSU; "
                                 "choose how to treat it with Design(lonely_psu=...) (as R's "
                                 "survey.lonely.psu: remove, certainty, adjust or average)")
        if lonely_rule in ("remove", "certainty"):
            contribution[lonely] = 0.0
        elif lonely_rule == "adjust":
            contribution[lonely] = keep[lonely] * s2[lonely]
        else:                                       # average
            contribution[lonely] = np.nan
    # Rounding can make a zero variance slightly negative.
    contribution = np.where(np.isnan(contribution) | (contribution > -1e-300), contribution, 0.0)
    return contribution, lonely


def influence_variance(tally: Tally, influence: Influence, y: str | None = None,
                       layout: _Layout | None = None) -> Variances:
    """The design-based variance of each target of ``influence`` (see the module notes).

    Parameters
    ----------
    tally : kirc.Tally
    influence : Influence
    y : str, optional
        An answer class of the tally: the variables are then linear in the indicator of that
        class (a crosstab's row category) instead of the tally's own answer.

    Returns
    -------
    Variances
        ``variance``, ``df`` and ``strata`` (touched) per target.
    """
    layout = layout or _Layout(tally)
    s = sums(tally, y)
    size = influence.size
    entry, rows = layout.cells(influence.domain)
    q = influence.target[entry]
    a, b = influence.a[entry], influence.b[entry]
    touched = layout.touched[rows]
    h = layout.h[rows]
    with np.errstate(invalid="ignore"):
        z = np.where(touched, a * s["sum_w"][rows] + b * s["sum_wy"][rows], 0.0)
        if not tally.clustered:
            square = np.where(touched, a * a * s["sum_w2"][rows] + 2 * a * b * s["sum_w2y"][rows]
                              + b * b * s["sum_w2y2"][rows], 0.0)
            wz = np.where(touched, a * s["sum_w2"][rows] + b * s["sum_w2y"][rows], 0.0)
    H = layout.n_strata
    hit = touched.astype(float)
    # (target, stratum) pairs with answers, and the PSUs with answers per target: the degrees
    # of freedom, and the pairs whose contributions count
    pairs, (touched_cells,) = _aggregate(q * H + h, size * H, hit)
    touched_pairs = pairs[touched_cells > 0]
    strata = np.bincount(touched_pairs // H, minlength=size)
    calibration = tally.calibration
    if tally.clustered:
        units = layout.unit[rows]
        n_units = len(layout.units)
        unit_keys, (totals, unit_hit) = _aggregate(q * n_units + units, size * n_units, z, hit)
        tq, tu = np.divmod(unit_keys, n_units)
        psus = np.bincount(tq[unit_hit > 0], minlength=size)
    else:
        psus = np.bincount(q, weights=tally.table["n"].to_numpy(float)[rows], minlength=size)
    if calibration is not None:
        s1, s2 = _calibrated(tally, layout, calibration, q, rows, z,
                             None if tally.clustered else (square, wz), size)
        pair_q, pair_h = np.divmod(np.arange(size * H), H)
        involved = ((s1 != 0) | (s2 != 0)).ravel()
        involved[touched_pairs] = True
        s1, s2 = s1.ravel(), s2.ravel()
    elif tally.clustered:
        th = layout.unit_stratum[tu]
        keys, (s1, s2) = _aggregate(tq * H + th, size * H, totals, totals ** 2)
        pair_q, pair_h = np.divmod(keys, H)
        involved = np.isin(keys, touched_pairs, assume_unique=True) \
            if len(keys) != len(touched_pairs) else np.ones(len(keys), bool)
    else:
        keys, (s1, s2) = _aggregate(q * H + h, size * H, z, square)
        pair_q, pair_h = np.divmod(keys, H)
        involved = touched_cells > 0               # the same sorted pairs as above
    pair_q, pair_h = pair_q[involved], pair_h[involved]
    s1, s2 = s1[involved], s2[involved]
    m, f = layout.m[pair_h], layout.fraction[pair_h]
    contribution, lonely = _contributions(s1, s2, m, f, tally.lonely_psu, tally.stratified,
                                          tally.strata[STRATUM].to_numpy(), pair_h)
    ok = ~np.isnan(contribution)
    variance = np.bincount(pair_q, weights=np.where(ok, contribution, 0.0),
                           minlength=size).astype(float)
    undefined = np.bincount(pair_q, weights=~ok, minlength=size) > 0
    if tally.lonely_psu == "average" and tally.stratified and lonely.any():
        strata_in = np.bincount(pair_q, minlength=size)
        strata_ok = np.bincount(pair_q, weights=ok, minlength=size)
        with np.errstate(divide="ignore", invalid="ignore"):
            variance = variance * strata_in / strata_ok
    else:
        variance[undefined] = np.nan
    variance = np.maximum(variance, 0.0)
    return Variances(variance, psus - strata, strata)


def _calibrated(tally, layout, calibration, q, rows, z, unclustered, size):
    """Sums per (target, stratum) of the calibration residuals (dense, targets × strata)."""
    H = layout.n_strata
    X, g, inverse = calibration.x, calibration.g, calibration.inverse
    cell = tally.table["_cell"].to_numpy(np.int64)[rows]
    C = len(g)
    # β per target: A⁺ Σ x z / g over the domains' cells
    zc = np.zeros((C, size))
    np.add.at(zc, (cell, q), z)
    beta = inverse @ (X.T @ (zc / g[:, None]))                  # p × targets
    fitted = X @ beta                                           # x_c'β: cells × targets
    cells = calibration.design_cells
    dh = pd.Index(tally.strata[STRATUM]).get_indexer(cells[STRATUM])
    dc = cells["_cell"].to_numpy(np.int64)
    w, w2 = cells["sum_w"].to_numpy(float), cells["sum_w2"].to_numpy(float)
    h = layout.h[rows]
    if unclustered is None:
        # E per PSU: the domains' z minus the fitted part of the whole PSU
        n_units = len(layout.units)
        units = layout.unit[rows]
        du = layout.units.get_indexer(
            pd.MultiIndex.from_arrays([cells[STRATUM].to_numpy(), cells[PSU].to_numpy()]))
        totals = np.zeros((n_units, size))
        np.add.at(totals, (units, q), z)
        np.add.at(totals, du, -w[:, None] * fitted[dc])
        uh = layout.unit_stratum
        s1 = np.zeros((H, size))
        s2 = np.zeros((H, size))
        np.add.at(s1, uh, totals)
        np.add.at(s2, uh, totals ** 2)
        return s1.T, s2.T
    square, wz = unclustered
    s1 = np.zeros((size, H))
    s2 = np.zeros((size, H))
    np.add.at(s1, (q, h), z)
    np.add.at(s2, (q, h), square - 2 * fitted[cell, q] * wz)
    # every row of the sample: −w x'β, summed and squared
    np.add.at(s1.T, dh, -w[:, None] * fitted[dc])
    np.add.at(s2.T, dh, w2[:, None] * fitted[dc] ** 2)
    return s1, s2


# --------------------------------------------------------------------------------------------
# domain estimates


def domain_influence(estimate: np.ndarray, sum_w: np.ndarray,
                     domains: np.ndarray | None = None) -> Influence:
    """The linearised variables of the domain means: ``a = −ȳ/W``, ``b = 1/W`` per domain."""
    domains = np.arange(len(estimate)) if domains is None else domains
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(sum_w[domains] > 0, -estimate[domains] / sum_w[domains], 0.0)
        b = np.where(sum_w[domains] > 0, 1.0 / sum_w[domains], 0.0)
    return Influence(domains, np.arange(len(domains)), a, b, len(domains))


def domain_estimates(tally: Tally, y: str | None = None) -> pd.DataFrame:
    """Estimate, variance, degrees of freedom and sizes per domain of a tally.

    Parameters
    ----------
    tally : kirc.Tally
    y : str, optional
        An answer class: estimate the share of that class instead of the mean of the answer.

    Returns
    -------
    pandas.DataFrame
        One row per domain of ``tally.domains`` (also domains without rows): the domain
        columns, ``n``, ``n_missing``, ``sum_w``, ``estimate`` (the ratio mean of y),
        ``variance``, ``se``, ``df``, ``strata`` (strata touched), ``n_kish`` ((Σw)²/Σw²),
        ``variance_srs`` (σ̂²/n), ``deff``, ``fraction`` (the sampling fraction of the domain's
        stratum, NaN when it touches strata of different fractions) and the class sums
        ``n_<class>``, ``w_<class>``.

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> from kirc.estimate.variance import domain_estimates
    >>> df = pd.DataFrame({"y": [1.0, 2, 3, 4, 5, 6], "h": [1, 1, 1, 2, 2, 2]})
    >>> t = kirc.tally_of(df, "y", design=kirc.Design(strata="h"))
    >>> domain_estimates(t)[["n", "estimate", "se", "df"]].round(6)
       n  estimate        se   df
    0  6       3.5  0.408248  4.0

    In R: ``svymean(~y, svydesign(ids=~1, strata=~h, data=df))`` gives 3.5, SE 0.4082483.
    """
    layout = _Layout(tally)
    s = sums(tally, y)
    G = layout.n_domains
    dom = layout.domain

    def per_domain(values):
        return np.bincount(dom, weights=values, minlength=G)

    n = per_domain(s["n"])
    sum_w = per_domain(s["sum_w"])
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = per_domain(s["sum_wy"]) / sum_w
    result = influence_variance(tally, domain_influence(mean, sum_w), y, layout)
    variance = result.variance
    table = tally.table
    # the sampling fraction of the domain, when all the strata it touches share one
    touched = layout.touched
    f_low = np.full(G, np.inf)
    f_high = np.full(G, -np.inf)
    np.minimum.at(f_low, dom[touched], layout.fraction[layout.h[touched]])
    np.maximum.at(f_high, dom[touched], layout.fraction[layout.h[touched]])
    fraction = np.where(np.isclose(f_low, f_high), f_low, np.nan)
    fraction[n == 0] = 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        sum_w2 = per_domain(s["sum_w2"])
        n_kish = np.where(sum_w2 > 0, sum_w ** 2 / sum_w2, 0.0)
        sigma2 = (per_domain(s["sum_wy2"]) - sum_w * mean ** 2) / sum_w * n / (n - 1)
        variance_srs = sigma2 / n
        deff = variance / variance_srs
    columns = {
        "n": n.astype(np.int64),
        "n_missing": per_domain(table["n_missing"].to_numpy(float)).astype(np.int64),
        "sum_w": sum_w,
        "estimate": np.where(n > 0, mean, np.nan),
        "variance": np.where(n > 0, variance, np.nan),
    }
    columns["se"] = np.sqrt(columns["variance"])
    columns.update({"df": np.where(n > 0, result.df, np.nan), "strata": result.strata,
                    "n_kish": n_kish, "variance_srs": variance_srs, "deff": deff,
                    "fraction": fraction})
    for name in tally.classes:
        columns[f"n_{name}"] = per_domain(table[f"n_{name}"].to_numpy(float)).astype(np.int64)
        columns[f"w_{name}"] = per_domain(table[f"w_{name}"].to_numpy(float))
    values = pd.DataFrame(columns)
    keys = tally.domains.reset_index(drop=True)
    return pd.concat([keys, values], axis=1) if len(keys.columns) else values
