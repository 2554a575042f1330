"""The one design-based variance from a tally, for estimates and contrasts: Taylor linearisation
(strata, clusters per stage, fpc, calibration, returning units) or replicate weights.

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

**Multistage samples** (``Design(psu=[...], fpc=[...])``) add, per unit of every stage, the
variance of its sampled subunits' totals, ``(1 − f) m/(m − 1) Σ (z − z̄)²`` with ``m`` the units
sampled in it (in the whole sample) and ``f`` their sampling fraction, weighted by the product
of the sampling fractions of the stages above: R's ``svyrecvar`` (``multistage``). The tally
keys the last stage's units; its stage tables hold ``m``, the population and the fractions
above; calibration residuals are summed per unit of the last stage.

**Strata with one PSU** follow the design's ``lonely_psu`` rule as R's ``survey.lonely.psu``
(``"fail"``: an error; ``"remove"`` and ``"certainty"``: no contribution; ``"adjust"``: the PSU
centred at the grand mean; ``"average"``: the mean contribution of the other strata, R's
``nstrat / nokstrat`` scaling), at every stage (a unit of one sampled subunit; with ``"average"``
its stage's variance is undefined, as R's). **Degrees of freedom**: PSUs minus strata that the
domains involved touch (R's ``degf`` of the domain's design).

**Returning units** (``Design(linked=...)``): a unit (the PSU, or the respondent of an
unclustered design) answering in two strata (years) h and k makes their totals correlated. To
the variance is added ``2 c_hk Σ (z_h − z̄_h)(z_k − z̄_k)`` over the n_hk units common to both
(means over them, zeros for units outside the domains), ``c_hk = (n_hk − m_h m_k/N)/(n_hk − 1)``
with ``N = √(N_h N_k)`` (``n_hk/(n_hk − 1)`` without a population): Tam's (1984) covariance of
two samples of one population with units in common (Kish 1965, §12.4), written for linearised
totals; it reduces to the variance of the units' differences for a fully linked panel. The
degrees of freedom of a target spanning linked years: distinct units minus the groups of years
joined by common units.

**Replicate weights** (``Design(replicates=...)``): the tally holds every replicate's Σw and
Σw·y per cell; each target's :attr:`Influence.statistic` is evaluated on the full sample's and
every replicate's domain totals (a domain mean, a side of a comparison, a difference, a
regression refitted) and the variance is R's ``svrVar``: ``scale · Σ rscale_r (θ_r − θ̄)²``,
θ̄ the replicates' mean (or the estimate, ``mse``), replicates whose estimate is undefined left
out. The degrees of freedom are R's ``degf``: the rank of the replicate weights of the rows the
target uses, minus one, from the cross-products Σ w_j w_k the tally keeps per domain.

The design effect is R's ``deff="replace"``: the variance over ``σ̂²/n`` with σ̂² the weighted
variance of y in the domain (divisor ``n − 1``).

Validated against R ``survey`` 4.1.1 (``svymean``, ``svyby``, ``svycontrast``, ``svyglm``,
``degf``, calibrated, multistage and replicate designs) on the ``api`` data sets and ``scd`` in
``tests/test_design.py``, ``tests/test_contrast.py``, ``tests/test_weighting.py``,
``tests/test_multistage.py``, ``tests/test_replicates.py``, ``tests/test_regress.py`` and
``tests/test_linked.py``.

References
----------
Binder, D. A. (1983). *International Statistical Review*, 51, 279–292. Deville, J.-C., &
Särndal, C.-E. (1992). *JASA*, 87, 376–382. Kish, L. (1965). *Survey Sampling*, §12.4. Wiley.
Tam, S. M. (1984). On covariances from overlapping samples. *The American Statistician*, 38,
288–289. Wolter, K. M. (2007). *Introduction to Variance Estimation*, 2nd ed. Springer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..survey.design import stage_key
from .tally import PSU, STRATUM, Tally, replicate_columns

__all__ = ["Influence", "influence_variance", "domain_estimates", "domain_influence",
           "domain_totals"]


@dataclass
class Influence:
    """Linearised variables, one per *target*: ``z = w (a + b·y)`` in each listed domain.

    Entries are (``domain``, ``target``, ``a``, ``b``): the domain's index in ``tally.domains``,
    the target's index (0 … ``size`` − 1) and the coefficients. A domain appears at most once
    per target.

    ``statistic``, when given, computes the targets themselves from the domains' totals:
    ``statistic(W, Y)`` with ``W`` and ``Y`` of shape (domains, K) (Σw and Σw·y of every domain,
    K columns of weights) returns (``size``, K). A replicate-weight design evaluates it on the
    full-sample and every replicate's totals (R recomputes each replicate's estimate, ratio and
    all); without it the replicates of the linearised variable are used.
    """

    domain: np.ndarray
    target: np.ndarray
    a: np.ndarray
    b: np.ndarray
    size: int
    statistic: Callable | None = None


@dataclass
class Variances:
    """What :func:`influence_variance` returns, one value per target."""

    variance: np.ndarray
    df: np.ndarray          # PSUs − strata touched by the target's domains (see the notes)
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


def domain_totals(tally: Tally, y: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Σw and Σw·y per domain, (domains, 1 + R): the full sample, then every replicate."""
    table = tally.table
    dom = table["_domain"].to_numpy(np.int64)
    n_domains = len(tally.domains)
    s = sums(tally, y)
    columns_w, columns_y = [s["sum_w"][:, None]], [s["sum_wy"][:, None]]
    if tally.replicates is not None:
        names = replicate_columns(tally.replicates.size, tally.classes)
        columns_w.append(table[names["w"]].to_numpy(float))
        columns_y.append(table[names["wy" if y is None else y]].to_numpy(float))
    values_w, values_y = np.hstack(columns_w), np.hstack(columns_y)
    W = np.zeros((n_domains, values_w.shape[1]))
    Y = np.zeros((n_domains, values_y.shape[1]))
    np.add.at(W, dom, values_w)
    np.add.at(Y, dom, values_y)
    return W, Y


# --------------------------------------------------------------------------------------------
# the layout of a tally: strata, the units of every stage, the domains' cells


class _Layout:
    """Index arrays of a tally's cells, computed once per tally (:meth:`Tally.once`)."""

    def __init__(self, tally: Tally):
        table = tally.table
        strata = tally.strata
        self.n_strata = len(strata)
        self.h = pd.Index(strata[STRATUM]).get_indexer(table[STRATUM])
        if (self.h < 0).any():
            raise ParameterError("the tally has cells in a stratum its design does not list")
        self.m = strata["psus"].to_numpy(float)
        fpc = strata["fpc"].to_numpy(float)
        self.fpc = fpc
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
            self._units(tally)

    def _units(self, tally: Tally) -> None:
        """The units of every stage (those of the cells, and of the whole sample where the
        variance needs them: calibration residuals, returning units)."""
        n_stages = tally.n_stages
        keys = [STRATUM, *(stage_key(k) for k in range(1, n_stages + 1))]
        parts = [tally.table[keys]]
        calibration = tally.calibration
        if calibration is not None and all(k in calibration.design_cells for k in keys):
            parts.insert(0, calibration.design_cells[keys])
        both = pd.concat(parts, ignore_index=True).drop_duplicates(ignore_index=True)
        finest = pd.MultiIndex.from_frame(both[keys])
        self.units = finest
        self.unit = finest.get_indexer(pd.MultiIndex.from_frame(tally.table[keys]))
        # per stage: the units, each finest unit's unit of that stage, each unit's parent
        self.stage_units, self.stage_of, self.parent, self.stage_rows = {}, {}, {}, {}
        for stage in range(n_stages, 0, -1):
            columns = keys[:stage + 1]
            if stage == n_stages:
                index = finest
                self.stage_of[stage] = np.arange(len(finest))
            else:
                frame = both[columns].drop_duplicates(ignore_index=True)
                index = pd.MultiIndex.from_frame(frame)
                self.stage_of[stage] = index.get_indexer(
                    pd.MultiIndex.from_frame(both[columns]))
            self.stage_units[stage] = index
        strata = pd.Index(tally.strata[STRATUM])
        first = self.stage_units[1]
        self.unit_stratum = strata.get_indexer(first.get_level_values(0))
        self.parent[1] = self.unit_stratum
        for stage in range(2, n_stages + 1):
            units = self.stage_units[stage]
            parent_keys = pd.MultiIndex.from_arrays(
                [units.get_level_values(i) for i in range(stage)])
            self.parent[stage] = self.stage_units[stage - 1].get_indexer(parent_keys)
            table = tally.stages[stage - 2]
            where = pd.MultiIndex.from_frame(table[keys[:stage]]).get_indexer(
                self.stage_units[stage - 1])
            self.stage_rows[stage] = where           # stage-table row of each parent unit

    def cells(self, domains: np.ndarray):
        """The rows of the tally's cells of each listed domain: (entry index, row index)."""
        counts = self.count[domains]
        entry = np.repeat(np.arange(len(domains)), counts)
        offsets = np.arange(len(entry)) - np.repeat(np.cumsum(counts) - counts, counts)
        rows = self.order[self.start[domains][entry] + offsets]
        return entry, rows


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


def _contributions(s1, s2, m, f, lonely_rule, stratified, where):
    """Per (target, stratum) pair: (1 − f) m/(m − 1) (s2 − s1²/m), lonely PSUs by the rule.

    Returns the contributions (NaN where undefined: a single PSU of an unstratified sample,
    or "average") and the mask of lonely pairs. ``where(i)`` names the stratum (or unit) of
    pair ``i`` for the error of the "fail" rule.
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
            raise ParameterError(f"{where(int(np.flatnonzero(lonely)[0]))}; choose how to "
                                 "treat it with Design(lonely_psu=...) (as R's "
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


def influence_variance(tally: Tally, influence: Influence, y: str | None = None) -> Variances:
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
    layout = tally.once("layout", _Layout)
    s = sums(tally, y)
    size = influence.size
    entry, rows = layout.cells(influence.domain)
    q = influence.target[entry]
    a, b = influence.a[entry], influence.b[entry]
    touched = layout.touched[rows]
    h = layout.h[rows]
    H = layout.n_strata
    hit = touched.astype(float)
    # (target, stratum) pairs with answers: the strata touched, and the pairs whose
    # contributions count
    pairs, (touched_cells,) = _aggregate(q * H + h, size * H, hit)
    touched_pairs = pairs[touched_cells > 0]
    strata = np.bincount(touched_pairs // H, minlength=size)
    if tally.replicates is not None:
        variance, df = _replicate_variance(tally, influence, y)
        return Variances(variance, df, strata)
    with np.errstate(invalid="ignore"):
        z = np.where(touched, a * s["sum_w"][rows] + b * s["sum_wy"][rows], 0.0)
        if not tally.clustered:
            square = np.where(touched, a * a * s["sum_w2"][rows] + 2 * a * b * s["sum_w2y"][rows]
                              + b * b * s["sum_w2y2"][rows], 0.0)
            wz = np.where(touched, a * s["sum_w2"][rows] + b * s["sum_w2y"][rows], 0.0)
    calibration = tally.calibration
    strata_keys = tally.strata[STRATUM].to_numpy()

    def stratum_text(i):
        return f"stratum {_text(strata_keys[pair_h[i]])} has only one PSU"

    extra = np.zeros(size)
    undefined_extra = np.zeros(size, dtype=bool)
    if tally.clustered:
        units = layout.unit[rows]
        n_units = len(layout.units)
        if calibration is not None:
            totals = _calibrated_totals(tally, layout, calibration, q, rows, z, size)
            tq, tu = np.nonzero(totals.T)
            values = totals.T[tq, tu]
            keys_, (unit_hit,) = _aggregate(q * n_units + units, size * n_units, hit)
        else:
            keys_, (values, unit_hit) = _aggregate(q * n_units + units, size * n_units, z, hit)
            tq, tu = np.divmod(keys_, n_units)
        hit_q, hit_u = np.divmod(keys_[unit_hit > 0], n_units)
        first_of_hit = layout.stage_of[1][hit_u]
        psus = np.bincount(np.unique(hit_q * len(layout.stage_units[1]) + first_of_hit)
                           // len(layout.stage_units[1]), minlength=size)
        # stage 1: PSU totals per (target, stratum)
        first = layout.stage_of[1][tu]
        n_first = len(layout.stage_units[1])
        first_keys, (first_totals,) = _aggregate(tq * n_first + first, size * n_first, values)
        fq, fu = np.divmod(first_keys, n_first)
        fh = layout.unit_stratum[fu]
        keys, (s1, s2) = _aggregate(fq * H + fh, size * H, first_totals, first_totals ** 2)
        pair_q, pair_h = np.divmod(keys, H)
        involved = np.isin(keys, touched_pairs)
        if calibration is not None:
            involved |= (s1 != 0) | (s2 != 0)
        # later stages: unit totals per (target, unit of the stage above)
        for stage in range(2, tally.n_stages + 1):
            contribution = _stage_contributions(tally, layout, stage, tq, tu, values, size)
            extra += np.nan_to_num(contribution)
            undefined_extra |= np.isnan(contribution)
        if tally.linked:
            extra += _linked_covariance(tally, layout, fq, fu, first_totals, size)
    elif calibration is not None:
        psus = np.bincount(q, weights=tally.table["n"].to_numpy(float)[rows], minlength=size)
        s1, s2 = _calibrated(tally, layout, calibration, q, rows, z, (square, wz), size)
        pair_q, pair_h = np.divmod(np.arange(size * H), H)
        involved = ((s1 != 0) | (s2 != 0)).ravel()
        involved[touched_pairs] = True
        s1, s2 = s1.ravel(), s2.ravel()
    else:
        psus = np.bincount(q, weights=tally.table["n"].to_numpy(float)[rows], minlength=size)
        keys, (s1, s2) = _aggregate(q * H + h, size * H, z, square)
        pair_q, pair_h = np.divmod(keys, H)
        involved = touched_cells > 0               # the same sorted pairs as above
    pair_q, pair_h = pair_q[involved], pair_h[involved]
    s1, s2 = s1[involved], s2[involved]
    m, f = layout.m[pair_h], layout.fraction[pair_h]
    contribution, lonely = _contributions(s1, s2, m, f, tally.lonely_psu, tally.stratified,
                                          stratum_text)
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
    variance = variance + extra
    variance[undefined_extra] = np.nan
    variance = np.maximum(variance, 0.0)
    df = psus - strata
    if tally.clustered and tally.linked:
        df = _linked_df(layout, hit_q, hit_u, df)
    return Variances(variance, df, strata)


def _stage_contributions(tally, layout, stage, tq, tu, values, size) -> np.ndarray:
    """R's ``multistage``: per target, Σ over the units of stage − 1 of their subunits'
    variance, (1 − f) m/(m − 1) Σ (z − z̄)², times the sampling fractions above (``factor``)."""
    units = layout.stage_units[stage]
    n_units = len(units)
    own = layout.stage_of[stage][tu]
    keys, (totals,) = _aggregate(tq * n_units + own, size * n_units, values)
    uq, uu = np.divmod(keys, n_units)
    parent = layout.parent[stage][uu]
    n_parents = len(layout.stage_units[stage - 1])
    pkeys, (s1, s2) = _aggregate(uq * n_parents + parent, size * n_parents, totals,
                                 totals ** 2)
    pq, pp = np.divmod(pkeys, n_parents)
    table = tally.stages[stage - 2]
    row = layout.stage_rows[stage][pp]
    if (row < 0).any():
        raise ParameterError(f"the tally has units of stage {stage} that its stage table "
                             "does not list")
    fpc = table["fpc"].to_numpy(float)[row]
    m = table["psus"].to_numpy(float)[row]
    factor = table["factor"].to_numpy(float)[row]
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(fpc <= 1, fpc, np.where(np.isfinite(fpc), m / fpc, 0.0))
    parents = layout.stage_units[stage - 1]

    def unit_text(i):
        return (f"unit {_text(tuple(parents[pp[i]])[1:])} of stage {stage - 1} has only one "
                f"sampled unit at stage {stage}")

    contribution, _ = _contributions(s1, s2, m, f, tally.lonely_psu, True, unit_text)
    # R: a lonely unit with "average" leaves the stage's variance undefined
    contribution = factor * contribution
    contribution[factor == 0] = 0.0
    out = np.zeros(size)
    bad = np.isnan(contribution)
    np.add.at(out, pq[~bad], contribution[~bad])
    out[np.unique(pq[bad])] = np.nan
    return out


def _linked_covariance(tally, layout, fq, fu, totals, size) -> np.ndarray:
    """Twice the covariance between strata (years) that units answering in both create.

    For strata h and k with n_hk units in both, of m_h and m_k units and populations N_h,
    N_k: ``c · Σ_both (z_h − z̄_h)(z_k − z̄_k)`` with means over the common units and
    ``c = (n_hk − m_h m_k / N)/(n_hk − 1)``, ``N = √(N_h N_k)`` (``c = n_hk/(n_hk − 1)``
    without a finite population): Tam (1984)'s covariance of the means of two samples of one
    population with n_hk units in common (Kish 1965, §12.4), in terms of linearised totals.
    """
    links = layout.__dict__.get("_links")
    if links is None:
        links = _links(tally, layout)
        layout.__dict__["_links"] = links
    unit_a, unit_b, pair, coefficient, common = links
    if not len(pair):
        return np.zeros(size)
    from scipy import sparse

    n_first = len(layout.stage_units[1])
    totals = sparse.csr_matrix((totals, (fu, fq)), shape=(n_first, size))
    za, zb = totals[unit_a], totals[unit_b]               # per common unit: its two years
    n_pairs = len(coefficient)
    per_pair = sparse.csr_matrix((np.ones(len(pair)), (pair, np.arange(len(pair)))),
                                 shape=(n_pairs, len(pair)))
    cross = (per_pair @ za.multiply(zb)).toarray()
    sum_a = (per_pair @ za).toarray()
    sum_b = (per_pair @ zb).toarray()
    covariance = cross - sum_a * sum_b / common[:, None]
    return 2 * (coefficient[:, None] * covariance).sum(axis=0)


def _links(tally, layout):
    """The pairs of layout units that are one unit in two strata, and per pair of strata the
    coefficient ``c`` and the number of common units (of the whole sample)."""
    units = tally.units
    strata = pd.Index(tally.strata[STRATUM])
    left = pd.DataFrame({
        "h": strata.get_indexer(units[STRATUM]),
        "id": pd.factorize(units[PSU])[0],
        # units of the whole sample without cells here carry z = 0
        "pos": layout.stage_units[1].get_indexer(pd.MultiIndex.from_arrays(
            [units[STRATUM].to_numpy(), units[PSU].to_numpy()]))})
    both = left.merge(left, on="id", suffixes=("_a", "_b"))
    both = both[both["h_a"] < both["h_b"]]
    empty = np.array([], dtype=np.int64)
    if both.empty:
        return empty, empty, empty, np.array([]), np.array([])
    counts = both.groupby(["h_a", "h_b"]).size().rename("common").reset_index()
    m, fpc = layout.m, layout.fpc
    with np.errstate(divide="ignore", invalid="ignore"):
        population = np.where(fpc <= 1, m / fpc, fpc)
    ha, hb = counts["h_a"].to_numpy(), counts["h_b"].to_numpy()
    common = counts["common"].to_numpy(float)
    N = np.sqrt(population[ha] * population[hb])
    chance = np.where(np.isfinite(N), m[ha] * m[hb] / N, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        coefficient = np.where(common > 1, (common - chance) / (common - 1), 0.0)
    pair_index = pd.MultiIndex.from_arrays([ha, hb])
    both = both[(both["pos_a"] >= 0) & (both["pos_b"] >= 0)]
    pair = pair_index.get_indexer(pd.MultiIndex.from_arrays([both["h_a"].to_numpy(),
                                                             both["h_b"].to_numpy()]))
    return (both["pos_a"].to_numpy(np.int64), both["pos_b"].to_numpy(np.int64),
            pair.astype(np.int64), coefficient, common)


def _linked_df(layout, hit_q, hit_u, df) -> np.ndarray:
    """Degrees of freedom of targets spanning strata that share units: distinct units minus
    groups of strata joined by common units (a fully linked panel: units − 1)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    first = layout.stage_units[1]
    unit_of = layout.stage_of[1][hit_u]
    frame = pd.DataFrame({"q": hit_q, "h": layout.unit_stratum[unit_of],
                          "id": pd.factorize(np.asarray(first.get_level_values(1))[unit_of])[0]})
    frame = frame.drop_duplicates(ignore_index=True)
    pairs = frame.merge(frame, on=["q", "id"], suffixes=("_a", "_b"))
    pairs = pairs[pairs["h_a"] < pairs["h_b"]]
    df = df.astype(float).copy()
    if pairs.empty:
        return df
    # nodes: (target, stratum); edges: strata of one target that share a unit
    nodes = frame[["q", "h"]].drop_duplicates(ignore_index=True)
    index = pd.MultiIndex.from_frame(nodes)
    a = index.get_indexer(pd.MultiIndex.from_arrays([pairs["q"], pairs["h_a"]]))
    b = index.get_indexer(pd.MultiIndex.from_arrays([pairs["q"], pairs["h_b"]]))
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(len(nodes), len(nodes)))
    _, label = connected_components(graph, directed=False)
    components = pd.Series(label).groupby(nodes["q"].to_numpy()).nunique()
    units = frame.groupby("q")["id"].nunique()
    linked = np.unique(pairs["q"].to_numpy())
    df[linked] = units.loc[linked].to_numpy() - components.loc[linked].to_numpy()
    return df


def _calibration_fit(tally, calibration, q, rows, z, size):
    """The calibration's fit of the domains' z: each row's cell, ``x_c'β`` per cell and
    target (β = A⁺ Σ x z / g over the domains' cells), and the design cells with their cell
    codes."""
    X, g, inverse = calibration.x, calibration.g, calibration.inverse
    cell = tally.table["_cell"].to_numpy(np.int64)[rows]
    zc = np.zeros((len(g), size))
    np.add.at(zc, (cell, q), z)
    beta = inverse @ (X.T @ (zc / g[:, None]))                  # p × targets
    cells = calibration.design_cells
    return cell, X @ beta, cells, cells["_cell"].to_numpy(np.int64)


def _calibrated_totals(tally, layout, calibration, q, rows, z, size) -> np.ndarray:
    """Calibration residual totals per unit of the last stage and target (units × targets):
    the domains' z minus the fitted part ``w x'β`` of every row of the unit."""
    cell, fitted, cells, dc = _calibration_fit(tally, calibration, q, rows, z, size)
    w = cells["sum_w"].to_numpy(float)
    keys = [STRATUM, *(stage_key(k) for k in range(1, tally.n_stages + 1))]
    du = layout.units.get_indexer(pd.MultiIndex.from_frame(cells[keys]))
    totals = np.zeros((len(layout.units), size))
    np.add.at(totals, (layout.unit[rows], q), z)
    np.add.at(totals, du, -w[:, None] * fitted[dc])
    return totals


def _calibrated(tally, layout, calibration, q, rows, z, unclustered, size):
    """Sums per (target, stratum) of the calibration residuals of an unclustered design
    (dense, targets × strata)."""
    H = layout.n_strata
    cell, fitted, cells, dc = _calibration_fit(tally, calibration, q, rows, z, size)
    dh = pd.Index(tally.strata[STRATUM]).get_indexer(cells[STRATUM])
    w, w2 = cells["sum_w"].to_numpy(float), cells["sum_w2"].to_numpy(float)
    h = layout.h[rows]
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
# replicate weights


def _replicate_variance(tally: Tally, influence: Influence, y=None):
    """R's ``svrVar``: scale · Σ rscale_r (θ_r − θ̄)², each target's replicate estimates from
    the replicates' domain totals; the degrees of freedom, the rank of the replicate weights
    of the rows used, minus one (R's ``degf``)."""
    terms = tally.replicates
    replicates = terms.replicates
    W, Y = domain_totals(tally, y)
    if influence.statistic is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            theta = np.asarray(influence.statistic(W, Y), dtype=float)
    else:
        theta = np.zeros((influence.size, W.shape[1]))
        np.add.at(theta, influence.target, influence.a[:, None] * W[influence.domain]
                  + influence.b[:, None] * Y[influence.domain])
    full, reps = theta[:, 0], theta[:, 1:]
    rscales = replicates.multipliers
    finite = np.isfinite(reps)
    use = finite & (rscales > 0)[None, :]
    if replicates.mse:
        centre = full
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            centre = np.where(use, reps, 0.0).sum(axis=1) / use.sum(axis=1)
    deviation = np.where(finite, reps - centre[:, None], 0.0)
    variance = replicates.factor * (deviation ** 2 * rscales[None, :]).sum(axis=1)
    variance[~finite.any(axis=1) | ~np.isfinite(full)] = np.nan
    # degrees of freedom: rank of Σ w_j w_k over the target's rows
    groups = terms.groups_of(len(tally.domains))
    width = len(terms.gram) + 1
    pairs = np.unique(influence.target.astype(np.int64) * width + groups[influence.domain])
    target_of, group_of = np.divmod(pairs, width)
    counts = np.bincount(target_of, minlength=influence.size)
    df = np.full(influence.size, np.nan)
    single = np.flatnonzero(counts == 1)
    if len(single):
        # a target of one group (a domain): the ranks of all of them in one call
        position = np.searchsorted(target_of, single)
        df[single] = _ranks(terms.gram[group_of[position]]) - 1
    cache = {}
    starts = np.concatenate([[0], np.cumsum(counts)])
    for target in np.flatnonzero(counts > 1):
        members = tuple(group_of[starts[target]:starts[target + 1]])
        if members not in cache:
            cache[members] = _rank(terms.gram[list(members)].sum(axis=0)) - 1
        df[target] = cache[members]
    return np.maximum(variance, 0.0), df


def _rank(gram: np.ndarray) -> int:
    """The rank of a matrix from its Gram matrix (R's ``qr(tol=1e-5)``: singular values above
    1e-5 of the largest)."""
    return int(_ranks(gram[None])[0])


def _ranks(grams: np.ndarray) -> np.ndarray:
    """:func:`_rank` of a stack of Gram matrices, by Cholesky factorisation with pivoting
    (LAPACK ``dpstrf``): the rank at which the largest remaining pivot (a squared column norm)
    falls below 1e-10 of the largest diagonal, R's relative tolerance 1e-5 on the norms."""
    from scipy.linalg.lapack import dpstrf

    out = np.zeros(len(grams), dtype=np.int64)
    for k, gram in enumerate(grams):
        largest = float(np.max(np.diag(gram))) if len(gram) else 0.0
        if largest > 0:
            out[k] = dpstrf(gram, tol=1e-10 * largest)[2]
    return out


# --------------------------------------------------------------------------------------------
# domain estimates


def domain_influence(estimate: np.ndarray, sum_w: np.ndarray,
                     domains: np.ndarray | None = None) -> Influence:
    """The linearised variables of the domain means: ``a = −ȳ/W``, ``b = 1/W`` per domain;
    the statistic, ``Y/W`` of each domain."""
    domains = np.arange(len(estimate)) if domains is None else domains
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(sum_w[domains] > 0, -estimate[domains] / sum_w[domains], 0.0)
        b = np.where(sum_w[domains] > 0, 1.0 / sum_w[domains], 0.0)

    def statistic(W, Y):
        return Y[domains] / W[domains]

    return Influence(domains, np.arange(len(domains)), a, b, len(domains), statistic)


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
    layout = tally.once("layout", _Layout)
    s = sums(tally, y)
    G = layout.n_domains
    dom = layout.domain

    def per_domain(values):
        return np.bincount(dom, weights=values, minlength=G)

    n = per_domain(s["n"])
    sum_w = per_domain(s["sum_w"])
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = per_domain(s["sum_wy"]) / sum_w
    result = influence_variance(tally, domain_influence(mean, sum_w), y)
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
