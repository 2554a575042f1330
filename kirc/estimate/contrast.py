"""Comparisons of groups of one survey: R's ``svycontrast`` for the questions researchers ask.

:func:`contrast` compares a measure (an NPS, a share, a top box, a mean) between the groups of
one column: every pair of groups, each group against the rest of the sample, each group against
the whole, or each against one named group. :func:`kirc.change` (two years),
:func:`kirc.compare_groups` and the letters of :func:`kirc.crosstab` are made of the same
comparisons (:func:`compare_sides`).

A comparison is the difference of two means over unions of the tally's domains (a group; the
rest; the total), ``θ_A − θ_B``. Its linearised variable combines both sides' — with opposite
signs on the domains they share — and its variance, from the one variance
(:mod:`kirc.estimate.variance`), holds their covariance: groups of one clustered or calibrated
sample share PSUs and calibration residuals, a group and the total share the group's rows.
This is exactly R's ``svycontrast(svyby(~y, ~g, design, svymean, covmat=TRUE), c(1, -1))``
(and ``svyglm(y ~ g, design)``'s coefficient), validated in ``tests/test_contrast.py``.

The interval and the test come from one method, so they never disagree:

* **Design-based** (weights, clusters, stages, calibration, replicate weights or returning
  units, or a side spanning strata): the Wald interval ``estimate ± t(df)·se`` and its t-test,
  ``df`` the PSUs minus strata of the rows compared (replicates: the rank of their replicate
  weights minus one). With replicate weights the difference is recomputed on every replicate
  (:attr:`~kirc.estimate.variance.Influence.statistic`), as R's ``svycontrast`` of a replicate
  design.
* **Count-based** — two disjoint groups of an unweighted, unclustered sample, each within one
  stratum: the measure's two-sample interval and test (shares: the score interval that inverts
  the pooled z-test, SPSS's column-proportions test; the NPS: MOVER; means: Welch), as before.

``adjust="bonferroni"`` or ``"holm"`` adjusts the p-values within each family (the comparisons
within one value of ``within=``); ``significant`` is ``p_adjusted < 1 − confidence``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import config, disclose, display, intervals
from ..errors import ParameterError
from ..measures import measure_of
from ..survey.survey import FROM_DESIGN, min_n_of, resolve_design
from . import engines
from .metrics import as_list, count_based, design_method, for_column, require_columns
from .variance import Influence, domain_estimates, influence_variance

__all__ = ["contrast", "compare_sides", "adjust_pvalues", "CONTRAST_COLUMNS", "ADJUSTMENTS",
           "VERSUS"]

ADJUSTMENTS = ("none", "bonferroni", "holm")
VERSUS = ("pairs", "rest", "total")
#: Columns of :func:`contrast` after the ``within`` and ``by`` columns.
CONTRAST_COLUMNS = ["versus", "estimate", "ci_low", "ci_high", "se", "df", "p_value",
                    "p_adjusted", "significant", "method", "estimate_group",
                    "estimate_versus", "n", "n_versus", "flag"]


def adjust_pvalues(p_values: np.ndarray, method: str) -> np.ndarray:
    """Bonferroni (``min(1, m·p)``) or Holm's step-down adjustment of one family.

    Examples
    --------
    >>> adjust_pvalues(np.array([0.01, 0.04, 0.03]), "holm").round(2).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p_values, dtype=float)
    if method not in ADJUSTMENTS:
        raise ParameterError(f"adjust={method!r} is not known; use one of "
                             f"{', '.join(map(repr, ADJUSTMENTS))}")
    tested = ~np.isnan(p)
    m = int(tested.sum())
    if method == "none" or m == 0:
        return p
    out = p.copy()
    if method == "bonferroni":
        out[tested] = np.minimum(1.0, p[tested] * m)
        return out
    order = np.argsort(p[tested], kind="stable")
    ranked = p[tested][order] * (m - np.arange(m))
    ranked = np.minimum(1.0, np.maximum.accumulate(ranked))
    values = np.empty(m)
    values[order] = ranked
    out[tested] = values
    return out


# --------------------------------------------------------------------------------------------
# the comparison of two unions of domains


def _side_influence(est: pd.DataFrame, sides: list[list[int]]) -> Influence:
    """The linearised variables of each side's mean (a union of domains); the statistic, the
    side's ratio ΣY/ΣW."""
    sum_w = est["sum_w"].to_numpy(float)
    sum_wy = sum_w * np.nan_to_num(est["estimate"].to_numpy(float))
    domain, target, a, b = [], [], [], []
    for k, members in enumerate(sides):
        members = np.asarray(members, dtype=np.int64)
        total = sum_w[members].sum()
        mean = sum_wy[members].sum() / total if total > 0 else np.nan
        domain.append(members)
        target.append(np.full(len(members), k))
        a.append(np.full(len(members), -mean / total if total > 0 else 0.0))
        b.append(np.full(len(members), 1.0 / total if total > 0 else 0.0))
    cat = np.concatenate if sides else (lambda parts: np.array([]))
    domain = cat(domain).astype(np.int64)
    target = cat(target).astype(np.int64)

    def statistic(W, Y):
        totals_w = np.zeros((len(sides), W.shape[1]))
        totals_y = np.zeros((len(sides), W.shape[1]))
        np.add.at(totals_w, target, W[domain])
        np.add.at(totals_y, target, Y[domain])
        return totals_y / totals_w

    return Influence(domain, target, cat(a).astype(float), cat(b).astype(float), len(sides),
                     statistic)


def _difference_influence(side: Influence, pairs: list[tuple[int, int]]) -> Influence:
    """Side A minus side B per pair, the coefficients of a domain on both sides added up."""
    index = {k: np.flatnonzero(side.target == k) for k in range(side.size)}
    domain, target, a, b = [], [], [], []
    for q, (first, second) in enumerate(pairs):
        rows_a, rows_b = index[first], index[second]
        d = np.concatenate([side.domain[rows_a], side.domain[rows_b]])
        ca = np.concatenate([side.a[rows_a], -side.a[rows_b]])
        cb = np.concatenate([side.b[rows_a], -side.b[rows_b]])
        unique, inverse = np.unique(d, return_inverse=True)
        domain.append(unique)
        target.append(np.full(len(unique), q))
        a.append(np.bincount(inverse, weights=ca, minlength=len(unique)))
        b.append(np.bincount(inverse, weights=cb, minlength=len(unique)))
    if not pairs:
        empty = np.array([], dtype=np.int64)
        return Influence(empty, empty, empty.astype(float), empty.astype(float), 0)
    first = np.array([p[0] for p in pairs], dtype=np.int64)
    second = np.array([p[1] for p in pairs], dtype=np.int64)

    def statistic(W, Y):
        values = side.statistic(W, Y)
        return values[first] - values[second]

    return Influence(np.concatenate(domain), np.concatenate(target), np.concatenate(a),
                     np.concatenate(b), len(pairs), statistic)


def _side_frame(est: pd.DataFrame, measure, sides, variances) -> pd.DataFrame:
    """Each side as a row of domain estimates: what a count-based difference needs."""
    # on the columns' arrays: a report compares hundreds of sides (0.8 ms a call against 2.6
    # through pandas, over the 65 calls of a report); sums skip missing values, as pandas' do
    fraction = est["fraction"].to_numpy(float)
    n = est["n"].to_numpy()
    sum_w = est["sum_w"].to_numpy(float)
    n_kish = est["n_kish"].to_numpy(float)
    weighted = sum_w * np.nan_to_num(est["estimate"].to_numpy(float), nan=0.0, posinf=np.inf,
                                     neginf=-np.inf)
    classes = {name: est[f"w_{name}"].to_numpy(float) for name in measure.classes
               if f"w_{name}" in est}
    rows = []
    for members in sides:
        members = np.asarray(members, dtype=np.intp)
        side_w = np.nansum(sum_w[members])
        # Kish's effective n of the side: (Σw)² / Σw², each domain's Σw² = (Σw)² / n_kish
        with np.errstate(divide="ignore", invalid="ignore"):
            sum_w2 = np.nansum(sum_w[members] ** 2 / n_kish[members])
        row = {"n": np.nansum(n[members]), "sum_w": side_w,
               "n_eff": side_w ** 2 / sum_w2 if sum_w2 > 0 else 0.0,
               "estimate": np.nansum(weighted[members]) / side_w if side_w > 0 else np.nan}
        for name, values in classes.items():
            row[f"w_{name}"] = np.nansum(values[members])
        f = fraction[members]
        row["fraction"] = f[0] if len(f) and np.allclose(f, f[0]) else np.nan
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["n", "sum_w", "n_eff", "estimate", "fraction",
                                        *(f"w_{c}" for c in measure.classes if f"w_{c}" in est)])
    frame["se"] = np.sqrt(variances.variance)
    frame["df"] = variances.df
    frame["strata"] = variances.strata
    with np.errstate(divide="ignore", invalid="ignore"):
        f = frame["fraction"].to_numpy(float)
        frame["nobs"] = np.where(f < 1, frame["n"] / (1 - f), np.inf)
    return frame


def compare_sides(measure, est: pd.DataFrame, tally, call, pairs: list[tuple[list, list]],
                  method: str | None = None, confidence: float = config.CONFIDENCE,
                  y: str | None = None) -> dict:
    """Estimate, interval and test of ``θ_A − θ_B`` for each pair of sides.

    Parameters
    ----------
    measure : kirc.measures.Measure
    est : pandas.DataFrame
        The tally's domain estimates (:func:`kirc.estimate.variance.domain_estimates`).
    tally : kirc.Tally
    call : the call's resolved design (:func:`kirc.survey.survey.resolve_design`)
    pairs : list of (list of int, list of int)
        Each side a list of rows of ``est`` (domains) whose union is compared.
    method : str, optional
        The count-based difference method (``"score"``, ``"newcombe"``, ``"wald"`` for shares;
        ``"mover"``, ``"wald"`` for the NPS); design-based comparisons are Wald-t.
    y : str, optional
        An answer class of the tally: compare the shares of that class (``est`` then holds
        them, :func:`kirc.estimate.variance.domain_estimates` with ``y``).

    Returns
    -------
    dict of numpy arrays
        ``estimate``, ``ci_low``, ``ci_high``, ``se``, ``df``, ``p_value`` (in the estimator's
        scale), ``method``, ``estimate_a``, ``estimate_b``, ``n_a``, ``n_b``, ``n_eff_a``,
        ``n_eff_b`` (Kish's effective n of each side).
    """
    sides: list[list[int]] = []
    position: dict[tuple, int] = {}
    side_pairs = []
    for first, second in pairs:
        keys = []
        for members in (first, second):
            key = tuple(sorted(int(m) for m in members))
            if key not in position:
                position[key] = len(sides)
                sides.append(list(key))
            keys.append(position[key])
        side_pairs.append(tuple(keys))
    side_influence = _side_influence(est, sides)
    side_variance = influence_variance(tally, side_influence, y)
    side = _side_frame(est, measure, sides, side_variance)
    contrast_variance = influence_variance(tally, _difference_influence(side_influence,
                                                                        side_pairs), y)
    k = len(pairs)
    ia = np.array([p[0] for p in side_pairs], dtype=np.int64)
    ib = np.array([p[1] for p in side_pairs], dtype=np.int64)
    a, b = side.iloc[ia].reset_index(drop=True), side.iloc[ib].reset_index(drop=True)
    estimate = a["estimate"].to_numpy(float) - b["estimate"].to_numpy(float)
    se = np.sqrt(contrast_variance.variance)
    df = contrast_variance.df.astype(float)
    low, high, p_value = intervals.wald_t(estimate, se, df, confidence)
    used = np.full(k, design_method(call.design, tally), dtype=object)
    if count_based(call.design, tally) and not tally.linked and k:
        disjoint = np.array([not set(sides[x]) & set(sides[y]) for x, y in side_pairs])
        counted = disjoint & (a["strata"].to_numpy() <= 1) & (b["strata"].to_numpy() <= 1) \
            & (a["n"].to_numpy() > 0) & (b["n"].to_numpy() > 0)
        if counted.any():
            name, c_low, c_high, c_p = measure.difference(a[counted], b[counted], method,
                                                          confidence)
            low[counted], high[counted], p_value[counted] = c_low, c_high, c_p
            used[counted] = name
    empty = (a["n"].to_numpy() == 0) | (b["n"].to_numpy() == 0)
    for values in (estimate, low, high, se, p_value):
        values[empty] = np.nan
    return {"estimate": estimate, "ci_low": low, "ci_high": high, "se": se, "df": df,
            "p_value": p_value, "method": used, "estimate_a": a["estimate"].to_numpy(float),
            "estimate_b": b["estimate"].to_numpy(float), "n_a": a["n"].to_numpy(np.int64),
            "n_b": b["n"].to_numpy(np.int64), "n_eff_a": a["n_eff"].to_numpy(float),
            "n_eff_b": b["n_eff"].to_numpy(float)}


# --------------------------------------------------------------------------------------------
# contrast


def contrast(data, metric, column: str, *, by: str, versus="pairs", within=None, design=None,
             weights=FROM_DESIGN, population=FROM_DESIGN, confidence: float = config.CONFIDENCE,
             adjust: str = "none", method: str | None = None, min_n: int | None = None,
             **options) -> pd.DataFrame:
    """Compare a measure between the groups of ``by``, with the covariance of the design.

    Parameters
    ----------
    data : pandas.DataFrame or kirc.Survey
        Also a path, DuckDB relation, Spark DataFrame or chunks (:mod:`kirc.estimate.engines`).
    metric : {"nps", "csat", "top_box", "share", "mean"} or a kirc.measures.Measure
    column : str
        The answer column.
    by : str
        The groups compared.
    versus : {"pairs", "rest", "total"} or a value of ``by``
        ``"pairs"``: every pair of groups (in the order of the groups); ``"rest"``: each group
        against all other rows (of its ``within`` group); ``"total"``: each group against all
        rows, itself included (the overlap is in the covariance); a value: each group against
        that group.
    within : str or list of str, optional
        Compare only within each group of these columns (e.g. per year); each is a family for
        ``adjust``.
    design, weights, population, method, min_n
        As in :func:`kirc.share`. ``method`` chooses the count-based difference method
        (:meth:`kirc.measures.Measure.difference`).
    confidence : float, default 0.95
    adjust : {"none", "bonferroni", "holm"}
        Multiple-comparison adjustment within each family.
    **options
        The measure's options: ``positive=``/``negative=`` (share), ``scale=``/``top=``
        (top box, CSAT).

    Returns
    -------
    pandas.DataFrame
        One row per comparison: the ``within`` columns, the group (a column named as ``by``),
        then :data:`CONTRAST_COLUMNS`: ``versus`` (the other group, ``"rest"`` or ``"total"``),
        ``estimate`` (group − versus: points for shares and the NPS, scale units for means),
        ``ci_low``, ``ci_high``, ``se``, ``df``, ``p_value``, ``p_adjusted``, ``significant``,
        ``method``, the two sides' estimates and ``n``, and ``flag`` (set when either side's
        effective n is below the survey's threshold).

    Notes
    -----
    In R: ``svycontrast(svyby(~y, ~g, design, svymean, covmat=TRUE), c(1, -1))`` for a pair;
    the rest and the total are contrasts of ``svymean`` on ``g == a`` against ``g != a`` (or all
    rows) of the same design. Validated on ``apistrat``, ``apiclus1`` and calibrated
    ``apiclus1`` to 1e-6 (``tests/test_contrast.py``).

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> df = pd.DataFrame({"ok": [1] * 30 + [0] * 10 + [1] * 20 + [0] * 20,
    ...                    "kanaal": ["chat"] * 40 + ["mail"] * 40})
    >>> out = kirc.contrast(df, "share", "ok", by="kanaal")
    >>> out[["kanaal", "versus", "estimate", "p_value", "method"]].round(4)
      kanaal versus  estimate  p_value method
    0   chat   mail      25.0   0.0209  score
    """
    measure = measure_of(metric, **options)
    within = as_list(within)
    if not isinstance(by, str):
        raise ParameterError(f"by must be one column name, not {by!r} (use within= for more)")
    call = resolve_design(data, design, weights, population)
    require_columns(data, [column, *within, by], call.source)
    measure = for_column(measure, call, column)
    if adjust not in ADJUSTMENTS:
        raise ParameterError(f"adjust={adjust!r} is not known; use one of "
                             f"{', '.join(map(repr, ADJUSTMENTS))}")
    tally = engines.tally_measure(data, measure, column, [*within, by], call)
    est = domain_estimates(tally)
    threshold = min_n_of(data, min_n if min_n is not None else call.min_n)
    pairs, labels, family = _comparisons(est, within, by, versus)
    result = compare_sides(measure, est, tally, call, pairs, method, confidence)
    factor = measure.factor
    out = pd.DataFrame(labels, columns=[*within, by, "versus"])
    for name in ("estimate", "ci_low", "ci_high", "se"):
        out[name] = factor * result[name]
    out["df"] = result["df"]
    out["p_value"] = result["p_value"]
    p_adjusted = np.full(len(out), np.nan)
    for members in family.values():
        members = np.asarray(members, dtype=np.int64)
        p_adjusted[members] = adjust_pvalues(result["p_value"][members], adjust)
    out["p_adjusted"] = p_adjusted
    out["significant"] = p_adjusted < 1 - confidence
    out["method"] = result["method"]
    out["estimate_group"] = factor * result["estimate_a"]
    out["estimate_versus"] = factor * result["estimate_b"]
    out["n"] = result["n_a"]
    out["n_versus"] = result["n_b"]
    # a side's own effective base: "the rest" of seven sectors is not small because one is
    low = np.minimum(result["n_eff_a"], result["n_eff_b"]) if len(pairs) else np.zeros(0)
    out["flag"] = disclose.flag(low, threshold)
    if isinstance(est[by].dtype, pd.CategoricalDtype) and not out.empty:
        out[by] = pd.Categorical(out[by], dtype=est[by].dtype)
    return display.with_view(out, display.estimates_view(
        measure, column, call, [*within, by], min_n=threshold, confidence=confidence,
        kind="contrast", counts=("n", "n_versus")))


def _comparisons(est: pd.DataFrame, within: list[str], by: str, versus):
    """The pairs of sides, their labels and the families (one per ``within`` group)."""
    n = est["n"].to_numpy()
    if within:
        family_codes = est.groupby(within, sort=False, dropna=False, observed=False).ngroup()
        family_codes = family_codes.to_numpy()
    else:
        family_codes = np.zeros(len(est), dtype=np.int64)
    keys = est[by]
    pairs, labels, family = [], [], {}
    named = not (isinstance(versus, str) and versus in VERSUS)
    if named and not (keys == versus).any():
        values = ", ".join(map(str, pd.unique(keys.dropna())))
        raise ParameterError(f"versus={versus!r} is not a group of {by!r} ({values}); use "
                             f"'pairs', 'rest', 'total' or one of the groups")
    for code in pd.unique(family_codes):
        members = np.flatnonzero(family_codes == code)
        groups = [m for m in members if n[m] > 0 and not pd.isna(keys.iloc[m])]
        everyone = [m for m in members if n[m] > 0]
        prefix = [est[c].iloc[members[0]] for c in within]
        start = len(pairs)
        if versus == "pairs":
            for x in range(len(groups)):
                for y in range(x + 1, len(groups)):
                    pairs.append(([groups[x]], [groups[y]]))
                    labels.append([*prefix, keys.iloc[groups[x]], keys.iloc[groups[y]]])
        elif versus in ("rest", "total"):
            for g in groups:
                other = [m for m in everyone if m != g] if versus == "rest" else everyone
                if not other:
                    continue
                pairs.append(([g], other))
                labels.append([*prefix, keys.iloc[g], versus])
        else:
            target = [m for m in groups if keys.iloc[m] == versus]
            for g in groups:
                if target and g != target[0]:
                    pairs.append(([g], target))
                    labels.append([*prefix, keys.iloc[g], versus])
        family[code] = list(range(start, len(pairs)))
    return pairs, labels, family
