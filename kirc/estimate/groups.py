"""Crosstabs with significance letters, and letters for indicators across groups.

This is the table every research agency and every SPSS Custom Tables user delivers: a question
broken down by a segment, column percentages with their bases, and letters that say which
columns differ significantly.

Public names: :func:`kirc.crosstab` (one question by one segment), :func:`kirc.compare_groups`
(an indicator across groups) and :func:`kirc.significance_table` (the compact table for the
annual report).

Letters
-------
Every column category that has at least one answer gets a letter, A, B, C, ... in the order of
the column variable's categories. A cell's ``higher_than`` lists the letters of the columns
whose percentage it is significantly higher than (``""`` when none), exactly as SPSS Custom
Tables prints them next to the percentage ("APA-style" letters in the same cell).

The column-proportions test
---------------------------
For each row category and each pair of columns *i*, *j*, the two-sided z-test of two
proportions with the pooled proportion,

.. math::  z = (p_i - p_j) / \\sqrt{\\bar p (1 - \\bar p) (1/n_i + 1/n_j)}, \\qquad
           \\bar p = (n_i p_i + n_j p_j) / (n_i + n_j),

which is the test of IBM SPSS Statistics Custom Tables, *Test statistics* tab, *Compare column
proportions* (equal to Pearson's chi-square without continuity correction on the 2×2 table of the
pair). The p-values are Bonferroni-adjusted over the pairs of columns within the row, as SPSS
does by default within a row of each innermost subtable: ``p_adjusted = min(1, m · p)`` with
``m`` the number of pairs tested in that row; a pair is significant when
``p_adjusted < 1 − confidence``. A pair whose pooled proportion is 0 or 1 (both columns 0 % or
both 100 %) has no test statistic and is not tested.
``adjust="none"`` gives the unadjusted tests.

Columns whose (unweighted) base is below the survey's ``min_n`` (the report's disclosure rule,
:data:`kirc.config.MIN_N` = 30 by default) are flagged ``"n<30"`` and left out of the tests: a
letter pointing at a figure that a report must suppress would disclose it.

Weights and designs
-------------------
With ``weights=`` or ``design=`` the percentages are weighted (``Σ w`` of the cell over ``Σ w``
of the column) and the tests use each cell's *design effective base*

.. math::  n_{\\text{eff}} = \\hat p (1 - \\hat p) / \\widehat{\\operatorname{Var}}(\\hat p),

where the variance is the Taylor-linearised (with-replacement) variance of the weighted share as a
domain mean, with the design's strata, PSUs and finite population correction: the standard error
that R's ``survey`` package gives for
``svyby(~I(row == r), ~column, design, svymean)``. The z statistic above is then computed with
``n_eff`` in place of ``n`` (and in the pooled proportion). This follows the "effective base"
option of SPSS Custom Tables and the tabulation packages (IBM/UNICOM Reporter documents
``e = (Σw)²/Σw²`` per column, Kish's effective base, with the weighted bases in the pooled
proportion), but with the design effect of each cell instead of Kish's, which ignores strata
and clusters and any relation between the weights and the answer. With weights unrelated to
the answer the two are close; on the demo fcr × channel table of 2025 (weighted) the cell
bases are 0.97 to 1.19 times Kish's. Where a cell's share is 0 or 1 (variance 0) Kish's
effective base stands in. Unweighted and without a design the effective base is the plain count,
so the test is exactly the SPSS one. The shares and their standard errors
``√(p(1−p)/n_eff)`` equal R ``survey`` 4.1.1's ``svyby`` (weights only; strata + PSUs; strata +
PSUs + finite population correction), to a relative 1e-8; with
weights only the unpooled version of the statistic, ``(p_i − p_j) / √(Var p_i + Var p_j)``,
equals ``svycontrast`` exactly (``tests/test_crosstab.py``).

Like every effective-base test, it treats the columns as independent samples. That holds when
the breakdown is a stratification variable or the PSUs lie within one column (organisations
nested in sectors). When PSUs hold respondents of several columns, the column shares covary
and ``svycontrast`` includes the covariance: on the stratified cluster table of the tests the
standard error of a difference is 0.0831 in R against 0.0786 from the two variances alone
(0.0921 against 0.0772 for another pair). For such designs read the letters as approximate or
test the contrast with R ``survey``.

The indicators (:func:`compare_groups`)
--------------------------------------
Shares (and CSAT top-box) use the column-proportions test above; means use Welch's t-test
(two-sided, Welch–Satterthwaite degrees of freedom; weighted: linearised standard errors);
the NPS uses :func:`kirc.intervals.nps_difference_pvalue` on (effective) counts of promoters,
passives and detractors. All are Bonferroni-adjusted over the pairs of groups. Weighted, the
standard errors are those of ``svyby(~y, ~group, design, svymean)`` with ``y`` the 0/1 answer,
the −1/0/+1 NPS score or the rating (checked against R ``survey``); ``se_test`` shows them.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats

from .. import config
from ..errors import ColumnError, ParameterError

__all__ = ["crosstab", "column_proportions", "compare_groups", "significance_table",
           "column_letters"]

ADJUSTMENTS = ("bonferroni", "none")


# --------------------------------------------------------------------------------------------
# helpers


def column_letters(count: int) -> list[str]:
    """Column keys A, B, …, Z, AA, AB, … as SPSS and the tab books label them.

    Examples
    --------
    >>> column_letters(3)
    ['A', 'B', 'C']
    >>> column_letters(28)[-3:]
    ['Z', 'AA', 'AB']
    """
    letters = []
    for index in range(count):
        text, k = "", index
        while True:
            text = chr(ord("A") + k % 26) + text
            k = k // 26 - 1
            if k < 0:
                break
        letters.append(text)
    return letters


def _source(data: pd.DataFrame):
    return data.attrs.get("source") or data.attrs.get("survey")


def _check_frame(data, columns) -> None:
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    for column in columns:
        if column is None:
            continue
        if column not in data.columns:
            shown = ", ".join(map(str, data.columns[:12]))
            raise ColumnError(f"no such column; the data has {shown}"
                              + (", ..." if len(data.columns) > 12 else ""),
                              file=_source(data), column=column)


def _check_options(confidence, adjust) -> None:
    if not (isinstance(confidence, (int, float)) and 0 < confidence < 1):
        raise ParameterError(f"confidence must be between 0 and 1, not {confidence!r}")
    if adjust not in ADJUSTMENTS:
        raise ParameterError(f"adjust={adjust!r} is not known; use one of "
                             f"{', '.join(map(repr, ADJUSTMENTS))}")


class _DesignColumns:
    """The design attributes this module reads (CONTRACT.md: ``getattr(design, name, None)``)."""

    def __init__(self, data: pd.DataFrame, design, weights):
        design_weights = getattr(design, "weights", None)
        if weights is not None and design_weights is not None and weights != design_weights:
            raise ParameterError(f"weights={weights!r} and design weights "
                                 f"{design_weights!r} disagree; give one of them")
        self.weights = weights if weights is not None else design_weights
        self.strata = getattr(design, "strata", None)
        self.psu = getattr(design, "psu", None)
        self.fpc = getattr(design, "fpc", None)
        self.lonely_psu = getattr(design, "lonely_psu", None) or "fail"
        _check_frame(data, [self.weights, self.strata, self.psu, self.fpc])
        self.weighted = self.weights is not None
        self.complex = self.weighted or self.strata is not None or self.psu is not None \
            or self.fpc is not None

    def weight_values(self, data: pd.DataFrame, valid: np.ndarray) -> np.ndarray:
        """Weights of the rows that answered (checked), 0 elsewhere."""
        if self.weights is None:
            return valid.astype(float)
        w = pd.to_numeric(data[self.weights], errors="coerce").to_numpy(dtype=float)
        bad = valid & ~(np.isfinite(w) & (w >= 0))
        if bad.any():
            raise ParameterError(f"{int(bad.sum())} weights of answering respondents are "
                                 "missing, negative or not numbers",
                                 file=_source(data), column=self.weights)
        return np.where(valid, w, 0.0)


def _linearised_domain_mean_variance(values: np.ndarray, weights: np.ndarray,
                                     domains: np.ndarray, n_domains: int, data: pd.DataFrame,
                                     design: _DesignColumns) -> np.ndarray:
    """Linearised variance of weighted domain means ``Σ_d w y / Σ_d w``, one per (domain, y).

    Private stand-in for ``kirc.estimate.variance`` (branch ``design``): single-stage, with-replacement
    Taylor linearisation over strata and PSUs, as R ``survey``'s ``svyby(..., svymean)`` on a
    ``svydesign(ids=~psu, strata=~strata, weights=~w, fpc=~fpc)`` (the whole sample counts for
    the PSUs per stratum; rows outside every domain contribute zero, as ``subset`` does).

    ``values`` is (rows, K); ``domains`` holds a domain code per row, -1 outside. Returns
    (n_domains, K). A share is the mean of a 0/1 indicator, the NPS the mean of a −1/0/+1 score.
    """
    rows, k = values.shape
    inside = domains >= 0
    d = domains[inside]
    w = weights[inside]
    y = values[inside]
    total_w = np.bincount(d, weights=w, minlength=n_domains)
    sums = np.stack([np.bincount(d, weights=w * y[:, j], minlength=n_domains)
                     for j in range(k)], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / total_w[:, None]
        # influence (score) of each row on each domain mean
        scores = w[:, None] * (y - means[d]) / total_w[d][:, None]
    # PSU and stratum codes of every row of the sample (also rows outside the domains)
    if design.psu is not None:
        psu_key = data[design.psu]
        if psu_key.isna().any():
            raise ParameterError("PSU identifiers are missing", file=_source(data),
                                 column=design.psu)
    else:
        psu_key = pd.Series(np.arange(rows), index=data.index)
    if design.strata is not None:
        strata_key = data[design.strata]
        if strata_key.isna().any():
            raise ParameterError("strata are missing", file=_source(data), column=design.strata)
        strata_codes = pd.factorize(strata_key)[0]
        unit = pd.factorize(pd.MultiIndex.from_arrays([strata_key.to_numpy(),
                                                       psu_key.to_numpy()]))[0]
    else:
        strata_codes = np.zeros(rows, dtype=np.int64)
        unit = pd.factorize(psu_key)[0]
    n_units = int(unit.max()) + 1 if rows else 0
    unit_stratum = np.zeros(n_units, dtype=np.int64)
    unit_stratum[unit] = strata_codes
    n_strata = int(strata_codes.max()) + 1 if rows else 0
    per_stratum = np.bincount(unit_stratum, minlength=n_strata).astype(float)
    # finite population correction per stratum: a fraction (<= 1) or a population size (> 1)
    fpc_factor = np.ones(n_strata)
    if design.fpc is not None:
        population = pd.to_numeric(data[design.fpc], errors="coerce").to_numpy(dtype=float)
        if not np.all(np.isfinite(population)) or np.any(population <= 0):
            raise ParameterError("finite population values must be positive numbers",
                                 file=_source(data), column=design.fpc)
        first = np.zeros(n_strata)
        first[strata_codes] = population
        fraction = np.where(first <= 1, first, per_stratum / first)
        if np.any(fraction > 1):
            raise ParameterError("more PSUs sampled than in the population of a stratum",
                                 file=_source(data), column=design.fpc)
        fpc_factor = 1 - fraction
    unit_totals = np.zeros((n_units, n_domains * k))
    unit_of_row = unit[inside]
    flat = scores.reshape(len(d), k)
    for j in range(k):
        columns = d * k + j
        np.add.at(unit_totals, (unit_of_row, columns), np.nan_to_num(flat[:, j]))
    lonely = per_stratum < 2
    if lonely.any() and design.lonely_psu != "certainty":
        raise ParameterError(f"{int(lonely.sum())} strata have a single PSU; the variance "
                             "cannot be estimated (lonely_psu='certainty' treats them as "
                             "certainty units)", file=_source(data), column=design.strata)
    stratum_mean = np.zeros((n_strata, n_domains * k))
    np.add.at(stratum_mean, unit_stratum, unit_totals)
    with np.errstate(invalid="ignore", divide="ignore"):
        stratum_mean /= per_stratum[:, None]
        centred = unit_totals - stratum_mean[unit_stratum]
        factor = np.where(lonely, 0.0, per_stratum / (per_stratum - 1) * fpc_factor)
    squares = np.zeros((n_strata, n_domains * k))
    np.add.at(squares, unit_stratum, centred ** 2)
    variance = (factor[:, None] * squares).sum(axis=0).reshape(n_domains, k)
    variance[total_w <= 0] = np.nan
    return variance


def _adjust(p_values: np.ndarray, method: str) -> np.ndarray:
    if method == "none" or len(p_values) == 0:
        return p_values
    return np.minimum(1.0, p_values * len(p_values))


def _pooled_z_pvalue(p1, e1, p2, e2):
    """Two-sided p-value of the pooled two-proportion z-test; NaN when the pool is 0 or 1."""
    pooled = (e1 * p1 + e2 * p2) / (e1 + e2)
    if not (0 < pooled < 1) or not (e1 > 0 and e2 > 0):
        return np.nan, np.nan
    z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / e1 + 1 / e2))
    return z, 2 * stats.norm.sf(abs(z))


def _categories(series: pd.Series, valid: np.ndarray, all_categories: bool) -> list:
    if isinstance(series.dtype, pd.CategoricalDtype):
        categories = list(series.cat.categories)
        if all_categories:
            return categories
        present = set(series[valid].unique())
        return [c for c in categories if c in present]
    values = pd.unique(series[valid])
    try:
        return sorted(values)
    except TypeError:
        return list(values)


def _codes(series: pd.Series, categories: list) -> np.ndarray:
    """Integer code of each value among ``categories``; -1 for missing and other values."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.cat.set_categories(categories)
        return series.cat.codes.to_numpy().astype(np.int64)
    return pd.Index(categories).get_indexer(series).astype(np.int64)


# --------------------------------------------------------------------------------------------
# the crosstab


def _cells(data: pd.DataFrame, row: str, column: str, design, weights, min_n):
    """Counts, weighted shares, effective bases and the small-base flags of a crosstab."""
    _check_frame(data, [row, column])
    if row == column:
        raise ParameterError(f"row and column are both {row!r}")
    if design is None and weights is None:
        from ..survey.design import design_of

        design = design_of(data)      # the design the frame carries (kirc.load_survey)
    dc = _DesignColumns(data, design, weights)
    row_series, column_series = data[row], data[column]
    valid = (row_series.notna() & column_series.notna()).to_numpy().copy()
    row_categories = _categories(row_series, valid, all_categories=True)
    column_categories = _categories(column_series, valid, all_categories=False)
    row_codes = _codes(row_series, row_categories)
    column_codes = _codes(column_series, column_categories)
    valid = valid & (row_codes >= 0) & (column_codes >= 0)
    n_rows, n_columns = len(row_categories), len(column_categories)
    w_all = dc.weight_values(data, valid)
    flat = row_codes[valid] * n_columns + column_codes[valid]
    count = np.bincount(flat, minlength=n_rows * n_columns).reshape(n_rows, n_columns)
    weighted = np.bincount(flat, weights=w_all[valid],
                           minlength=n_rows * n_columns).reshape(n_rows, n_columns)
    base = count.sum(axis=0)
    weighted_base = weighted.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = weighted / weighted_base[None, :]
    if dc.complex and n_rows and n_columns:
        domains = np.where(valid, column_codes, -1)
        indicators = (row_codes[:, None] == np.arange(n_rows)[None, :]).astype(float)
        variance = _linearised_domain_mean_variance(indicators, w_all, domains, n_columns,
                                                    data, dc).T      # (rows, columns)
        sum_w2 = np.bincount(column_codes[valid], weights=w_all[valid] ** 2,
                             minlength=n_columns)
        kish = weighted_base ** 2 / sum_w2
        with np.errstate(invalid="ignore", divide="ignore"):
            effective = np.where(variance > 0, share * (1 - share) / variance, kish[None, :])
    else:
        effective = np.broadcast_to(base[None, :], (n_rows, n_columns)).astype(float)
    threshold = int(min_n) if min_n is not None else int(data.attrs.get("min_n", config.MIN_N))
    return dict(row_categories=row_categories, column_categories=column_categories,
                count=count, base=base, share=share, effective=effective,
                small=base < threshold, threshold=threshold, design=dc)


def _proportion_pairs(cells, confidence, adjust) -> pd.DataFrame:
    letters = column_letters(len(cells["column_categories"]))
    records = []
    share, effective, small = cells["share"], cells["effective"], cells["small"]
    for r in range(len(cells["row_categories"])):
        tested = []
        for i, j in combinations(range(len(letters)), 2):
            if small[i] or small[j]:
                continue
            z, p = _pooled_z_pvalue(share[r, i], effective[r, i], share[r, j], effective[r, j])
            if np.isnan(p):
                continue
            tested.append((i, j, z, p))
        adjusted = _adjust(np.array([t[3] for t in tested], dtype=float), adjust)
        for (i, j, z, p), p_adj in zip(tested, adjusted):
            records.append({"row": r, "i": i, "j": j, "z": z, "p_value": p,
                            "p_adjusted": p_adj, "significant": bool(p_adj < 1 - confidence)})
    return pd.DataFrame.from_records(
        records, columns=["row", "i", "j", "z", "p_value", "p_adjusted", "significant"])


def column_proportions(data: pd.DataFrame, row: str, column: str, *, design=None, weights=None,
                       confidence: float = config.CONFIDENCE, adjust: str = "bonferroni",
                       min_n: int | None = None) -> pd.DataFrame:
    """The pairwise column-proportions tests behind the letters of :func:`crosstab`.

    Parameters are those of :func:`crosstab`.

    Returns
    -------
    pandas.DataFrame
        One row per tested (row category, pair of columns): ``row``, ``column_a``,
        ``column_b`` (the categories), ``letter_a``, ``letter_b``, ``percent_a``,
        ``percent_b``, ``n_eff_a``, ``n_eff_b``, ``z``, ``p_value``, ``p_adjusted``,
        ``significant``. Untested pairs (a pooled proportion of 0 or 1, or a base below
        ``min_n``) are left out.

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> df = pd.DataFrame({"opgelost": [1] * 40 + [0] * 10 + [1] * 25 + [0] * 25,
    ...                    "kanaal": ["telefoon"] * 50 + ["e-mail"] * 50})
    >>> t = kirc.estimate.groups.column_proportions(df, "opgelost", "kanaal")
    >>> t[["row", "letter_a", "letter_b", "z", "p_adjusted"]].round(4)
       row letter_a letter_b       z  p_adjusted
    0    0        A        B  3.1449      0.0017
    1    1        A        B -3.1449      0.0017
    """
    _check_options(confidence, adjust)
    cells = _cells(data, row, column, design, weights, min_n)
    pairs = _proportion_pairs(cells, confidence, adjust)
    letters = column_letters(len(cells["column_categories"]))
    rows, columns = cells["row_categories"], cells["column_categories"]
    r, i, j = (pairs[c].to_numpy(dtype=np.int64) for c in ("row", "i", "j"))
    out = pd.DataFrame({
        "row": [rows[k] for k in r],
        "column_a": [columns[k] for k in i], "column_b": [columns[k] for k in j],
        "letter_a": [letters[k] for k in i], "letter_b": [letters[k] for k in j],
        "percent_a": 100 * cells["share"][r, i], "percent_b": 100 * cells["share"][r, j],
        "n_eff_a": cells["effective"][r, i], "n_eff_b": cells["effective"][r, j],
        "z": pairs["z"].to_numpy(float), "p_value": pairs["p_value"].to_numpy(float),
        "p_adjusted": pairs["p_adjusted"].to_numpy(float),
        "significant": pairs["significant"].to_numpy(bool)})
    return out


def _higher_than(n_items: int, letters: list[str], pairs, estimate_of) -> list[str]:
    """Letters each item is significantly higher than, from (i, j, significant) pairs."""
    higher: list[list[int]] = [[] for _ in range(n_items)]
    for i, j, significant in pairs:
        if not significant:
            continue
        a, b = estimate_of(i), estimate_of(j)
        if a > b:
            higher[i].append(j)
        elif b > a:
            higher[j].append(i)
    return ["".join(letters[k] for k in sorted(h)) for h in higher]


def crosstab(data: pd.DataFrame, row: str, column: str, *, design=None, weights=None,
             confidence: float = config.CONFIDENCE, adjust: str = "bonferroni",
             min_n: int | None = None) -> pd.DataFrame:
    """Column percentages of ``row`` by ``column`` with significance letters, as a tidy table.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent (not modified).
    row : str
        The question: its categories are the rows of the table (every category of a
        categorical, also empty ones; else the values that occur, sorted).
    column : str
        The breakdown (sector, channel, …): the columns, those with at least one answer.
    design : kirc.Design, optional
        The survey design; its ``weights``, ``strata``, ``psu`` and ``fpc`` are used (see the
        module notes: weighted percentages, tests on the cells' design effective bases).
    weights : str, optional
        Column of survey weights; shorthand for a design with only weights.
    confidence : float, default 0.95
        A pair is significant when its (adjusted) p-value is below ``1 − confidence``.
    adjust : {"bonferroni", "none"}, default "bonferroni"
        Multiple-comparison adjustment over the pairs of columns tested within each row.
    min_n : int, optional
        Columns with a smaller (unweighted) base are flagged and not tested; default the
        survey's ``min_n`` (``data.attrs["min_n"]``) or :data:`kirc.config.MIN_N`.

    Returns
    -------
    pandas.DataFrame
        One row per (row category, column category): ``<row>``, ``<column>``, ``count``
        (unweighted), ``n`` (the column's valid base, unweighted), ``percent`` (column
        percentage, weighted with weights), ``letter`` (the column's key), ``higher_than``
        (letters of the columns this cell is significantly higher than, ``""`` when none),
        ``n_eff`` (the effective base the test used) and ``flag`` (``"n<30"`` for a small base).

    Notes
    -----
    The test is SPSS Custom Tables' column-proportions z-test with the pooled proportion,
    Bonferroni-adjusted within each row (module notes). Validated: the letters are recomputed
    with ``scipy.stats.chi2_contingency`` per pair on demo tables and on a hand-computed table;
    weighted and stratified shares, their standard errors and the unpooled contrast agree with
    R ``survey`` 4.1.1 (``svyby`` + ``svycontrast``) to 1e-8 (``tests/test_crosstab.py``).

    In R: ``svyby(~I(fcr == 1), ~channel, design, svymean)`` for the weighted shares and their
    standard errors; ``prop.test(x, n, correct = FALSE)`` per pair for the unweighted test.

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> df = pd.DataFrame({"opgelost": ["ja"] * 40 + ["nee"] * 10 + ["ja"] * 25 + ["nee"] * 25,
    ...                    "kanaal": ["telefoon"] * 50 + ["e-mail"] * 50})
    >>> kirc.crosstab(df, "opgelost", "kanaal").drop(columns="flag")
      opgelost    kanaal  count   n  percent letter higher_than  n_eff
    0       ja    e-mail     25  50     50.0      A               50.0
    1       ja  telefoon     40  50     80.0      B           A   50.0
    2      nee    e-mail     25  50     50.0      A           B   50.0
    3      nee  telefoon     10  50     20.0      B               50.0
    """
    _check_options(confidence, adjust)
    cells = _cells(data, row, column, design, weights, min_n)
    pairs = _proportion_pairs(cells, confidence, adjust)
    rows, columns = cells["row_categories"], cells["column_categories"]
    n_r, n_c = len(rows), len(columns)
    letters = column_letters(n_c)
    share = cells["share"]
    higher = []
    for r in range(n_r):
        in_row = pairs[pairs["row"] == r]
        higher.append(_higher_than(
            n_c, letters, zip(in_row["i"], in_row["j"], in_row["significant"]),
            lambda k, r=r: share[r, k]))
    row_values = [rows[r] for r in range(n_r) for _ in range(n_c)]
    column_values = [columns[c] for _ in range(n_r) for c in range(n_c)]
    out = pd.DataFrame({row: row_values, column: column_values})
    for name, series in ((row, data[row]), (column, data[column])):
        if isinstance(series.dtype, pd.CategoricalDtype):
            out[name] = pd.Categorical(out[name], dtype=series.dtype)
    out["count"] = cells["count"].reshape(-1).astype(np.int64)
    out["n"] = np.tile(cells["base"], n_r).astype(np.int64)
    out["percent"] = 100 * share.reshape(-1)
    out["letter"] = letters * n_r
    out["higher_than"] = [h for r in range(n_r) for h in higher[r]]
    out["n_eff"] = cells["effective"].reshape(-1)
    out["flag"] = np.tile(np.where(cells["small"], f"n<{cells['threshold']}", ""), n_r)
    return out


# --------------------------------------------------------------------------------------------
# indicators across groups


_METRICS = ("nps", "share", "csat", "top_box", "mean", "mean_score")


def _group_codes(data: pd.DataFrame, by: str):
    series = data[by]
    categories = _categories(series, series.notna().to_numpy(), all_categories=True)
    return categories, _codes(series, categories)


def compare_groups(data: pd.DataFrame, metric: str, column: str, by: str, *, design=None,
                   weights=None, confidence: float = config.CONFIDENCE,
                   adjust: str = "bonferroni", **metric_kwargs) -> pd.DataFrame:
    """An indicator per group with letters from the matching two-sample tests.

    Answers "which sectors differ": every group with at least one answer gets a letter, and
    ``higher_than`` lists the groups it is significantly higher than.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    metric : {"nps", "share", "csat", "top_box", "mean"}
        The indicator: :func:`kirc.nps`, :func:`kirc.share`, :func:`kirc.csat` (``"top_box"``
        is the same top-box share) or :func:`kirc.mean_score`.
    column : str
        The answer column.
    by : str
        The breakdown.
    design, weights, confidence, adjust
        As in :func:`crosstab`.
    **metric_kwargs
        Passed to the metric (``positive=`` for share, ``top=`` / ``scale=`` for csat,
        ``min_n=``, ``method=`` for the interval).

    Returns
    -------
    pandas.DataFrame
        The metric's tidy output per group (``<by>``, ``estimate``, ``ci_low``, ``ci_high``,
        ``n``, ``n_eff``, ``n_missing``, ``method``, ``flag``, …) for the groups with answers,
        plus ``letter``, ``higher_than``, ``n_eff_test`` and ``se_test`` (the effective base
        and the standard error, in the estimate's unit, that the tests used) and ``test``.

    Notes
    -----
    Tests (module notes): shares the pooled z-test of :func:`crosstab`, means Welch's t,
    NPS :func:`kirc.intervals.nps_difference_pvalue`; Bonferroni over the pairs of groups.
    Groups below ``min_n`` are flagged and not tested. Validated against
    ``scipy.stats.ttest_ind(equal_var=False)`` and ``chi2_contingency`` per pair
    (``tests/test_crosstab.py``). In R: ``pairwise.prop.test(x, n, correct = FALSE,
    p.adjust.method = "bonferroni")`` for shares.

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> df = pd.DataFrame({"score": [9, 10, 9, 8, 10] * 8 + [3, 6, 9, 7, 5] * 8,
    ...                    "sector": ["telecom"] * 40 + ["energie"] * 40})
    >>> out = kirc.compare_groups(df, "nps", "score", "sector")
    >>> out[["sector", "estimate", "n", "higher_than", "letter"]]
        sector  estimate   n higher_than letter
    0  energie     -40.0  40                  A
    1  telecom      80.0  40           A      B
    """
    from .. import intervals
    from . import metrics

    _check_options(confidence, adjust)
    if metric not in _METRICS:
        raise ParameterError(f"unknown metric {metric!r}; use one of {', '.join(_METRICS)}")
    _check_frame(data, [column, by])
    from ..survey.design import Design, design_of

    if design is None:
        # the design the frame carries (kirc.load_survey), with weights= overriding its weight
        design = design_of(data)
        if weights is not None:
            design = design.replace(weights=weights)
    elif weights is not None and getattr(design, "weights", None) not in (None, weights):
        raise ParameterError(f"weights={weights!r} and design weights "
                             f"{design.weights!r} disagree; give one of them")
    elif weights is not None:
        design = design.replace(weights=weights)
    if not isinstance(design, Design):          # anything with the Design attributes
        design = Design(**{name: getattr(design, name, None)
                           for name in ("weights", "strata", "psu", "fpc")})
    categories, _ = _group_codes(data, by)
    kind = {"csat": "share", "top_box": "share", "mean_score": "mean"}.get(metric, metric)
    function = {"nps": metrics.nps, "share": metrics.share, "csat": metrics.csat,
                "top_box": metrics.csat, "mean": metrics.mean_score,
                "mean_score": metrics.mean_score}[metric]
    frame = data
    if not isinstance(data[by].dtype, pd.CategoricalDtype):
        frame = data.copy()
        frame[by] = pd.Categorical(data[by], categories=categories)
        frame.attrs = dict(data.attrs)
    table = function(frame, column, by=by, design=design, **metric_kwargs)
    table = table[(table["n"] > 0) & table[by].notna()].reset_index(drop=True)
    k = len(table)
    letters = column_letters(k)
    estimate = table["estimate"].to_numpy(float)
    small = (table["flag"].to_numpy() != "")
    # The tests use the design-based standard error of each group's estimate (kirc.estimate.variance,
    # through the estimator: strata, clusters, fpc and calibration included); an unweighted
    # simple random sample keeps the plain counts, as SPSS does.
    variance = None
    if not design.is_simple:
        unit = 1.0 if kind == "mean" else 100.0
        variance = (table["se"].to_numpy(float) / unit) ** 2

    records = []
    if kind == "share":
        p = estimate / 100
        if variance is not None:
            kish = table["n_eff"].to_numpy(float)
            with np.errstate(invalid="ignore", divide="ignore"):
                effective = np.where(variance > 0, p * (1 - p) / variance, kish)
        else:
            effective = table["n"].to_numpy(float)
        for i, j in combinations(range(k), 2):
            if small[i] or small[j]:
                continue
            _, pv = _pooled_z_pvalue(p[i], effective[i], p[j], effective[j])
            if not np.isnan(pv):
                records.append((i, j, pv))
        test = "z-test of two proportions (pooled), Bonferroni"
        n_eff_test = effective
        with np.errstate(invalid="ignore", divide="ignore"):
            se_test = 100 * np.sqrt(p * (1 - p) / effective)
    elif kind == "nps":
        pro, pas, det = (table[c].to_numpy(float) / 100
                         for c in ("promoters", "passives", "detractors"))
        if variance is not None:
            kish = table["n_eff"].to_numpy(float)
            nps_share = pro - det
            with np.errstate(invalid="ignore", divide="ignore"):
                effective = np.where(variance > 0, (pro + det - nps_share ** 2) / variance, kish)
        else:
            effective = table["n"].to_numpy(float)
        # one vectorised call for all pairs: the p-value inverts an interval by root finding,
        # which costs the same for one pair as for all of them
        tested = [(i, j) for i, j in combinations(range(k), 2) if not (small[i] or small[j])]
        if tested:
            first, second = (np.array(side) for side in zip(*tested))
            pvalues = np.atleast_1d(intervals.nps_difference_pvalue(
                pro[first] * effective[first], pas[first] * effective[first],
                det[first] * effective[first], pro[second] * effective[second],
                pas[second] * effective[second], det[second] * effective[second]))
            records.extend((i, j, float(pv)) for (i, j), pv in zip(tested, pvalues)
                           if not np.isnan(pv))
        test = "NPS difference test (kirc.intervals.nps_difference_pvalue), Bonferroni"
        n_eff_test = effective
        with np.errstate(invalid="ignore", divide="ignore"):
            se_test = 100 * np.sqrt((pro + det - (pro - det) ** 2) / effective)
    else:
        n = table["n"].to_numpy(float)
        se = np.sqrt(variance) if variance is not None else table["se"].to_numpy(float)
        for i, j in combinations(range(k), 2):
            if small[i] or small[j] or not (se[i] > 0 or se[j] > 0):
                continue
            s2 = se[i] ** 2 + se[j] ** 2
            df = s2 ** 2 / (se[i] ** 4 / (n[i] - 1) + se[j] ** 4 / (n[j] - 1))
            t = (estimate[i] - estimate[j]) / np.sqrt(s2)
            records.append((i, j, 2 * stats.t.sf(abs(t), df)))
        test = "Welch t-test, Bonferroni"
        n_eff_test = table["n_eff"].to_numpy(float)
        se_test = se
    if adjust == "none":
        test = test.replace(", Bonferroni", "")
    adjusted = _adjust(np.array([r[2] for r in records], dtype=float), adjust)
    pairs = [(i, j, bool(pa < 1 - confidence)) for (i, j, _), pa in zip(records, adjusted)]
    table["letter"] = letters
    table["higher_than"] = _higher_than(k, letters, pairs, lambda m: estimate[m])
    table["n_eff_test"] = n_eff_test
    table["se_test"] = se_test
    table["test"] = test
    return table


def _share_indicator(data, metric, column, kwargs) -> np.ndarray:
    """Per-row 0/1 (NaN missing) of the share the metric estimates."""
    series = data[column]
    if metric == "share":
        positive = kwargs.get("positive", 1)
        positives = list(positive) if isinstance(positive, (list, tuple, set)) else [positive]
        return np.where(series.isna().to_numpy(), np.nan, series.isin(positives).to_numpy() * 1.)
    low, high = kwargs.get("scale", (1, 5))
    top = kwargs.get("top", 2)
    values = pd.to_numeric(series, errors="coerce").to_numpy(float)
    return np.where(np.isnan(values), np.nan, (values >= high - top + 1) * 1.0)


# --------------------------------------------------------------------------------------------
# the report's compact table


def significance_table(data: pd.DataFrame, indicators, by: str, *, design=None, weights=None,
                       confidence: float = config.CONFIDENCE, adjust: str = "bonferroni",
                       language: str = "nl", min_n: int | None = None,
                       wide: bool = False) -> pd.DataFrame:
    """Per breakdown, every indicator per group with its letter: the table beside a forest plot.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent (typically one year).
    indicators : mapping, list or tuple
        ``definition["indicators"]`` (``key -> {"metric", "construct", "label", "top"?}``), a
        list of ``(metric, column)`` tuples, or one such tuple.
    by : str
        The breakdown (a category construct).
    design, weights, confidence, adjust, min_n
        As in :func:`compare_groups`.
    language : {"nl", "en"}
        Language of the ``indicator`` label when the indicator has labels per language, and
        of the decimal mark in the ``wide`` table.
    wide : bool, default False
        Return the table for display instead: one row per indicator (its label), one column
        per group headed "(A) telecom", cells such as ``"72,1 BE"`` (the estimate and the
        letters it is higher than), ``"n<30"`` for a small group.

    Returns
    -------
    pandas.DataFrame
        One row per (indicator, group): ``indicator`` (key), ``label``, ``<by>``, ``estimate``,
        ``n``, ``letter``, ``higher_than``, ``flag``, ``test``; or the ``wide`` display table.

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> df = pd.DataFrame({"fcr": [1.0] * 45 + [0.0] * 15 + [1.0] * 30 + [0.0] * 30,
    ...                    "kanaal": ["chat"] * 60 + ["e-mail"] * 60})
    >>> t = kirc.significance_table(df, [("share", "fcr")], by="kanaal")
    >>> t[["indicator", "kanaal", "estimate", "n", "higher_than", "letter"]]
      indicator  kanaal  estimate   n higher_than letter
    0       fcr    chat      75.0  60           B      A
    1       fcr  e-mail      50.0  60                  B
    >>> kirc.significance_table(df, [("share", "fcr")], by="kanaal", wide=True)
        (A) chat (B) e-mail
    fcr   75,0 B       50,0
    """
    if isinstance(indicators, tuple):
        indicators = [indicators]
    if isinstance(indicators, dict):
        items = list(indicators.items())
    else:
        items = [(column, {"metric": metric, "construct": column})
                 for metric, column in indicators]
    parts = []
    for key, spec in items:
        metric = spec.get("metric", "share")
        construct = spec.get("construct", key)
        kwargs = {"min_n": min_n}
        if metric == "top_box":
            kwargs["top"] = spec.get("top", 2)
            if "scale" in spec:
                kwargs["scale"] = tuple(spec["scale"])
        result = compare_groups(data, metric, construct, by, design=design, weights=weights,
                                confidence=confidence, adjust=adjust, **kwargs)
        label = spec.get("label", key)
        if isinstance(label, dict):
            label = label.get(language) or label.get("nl") or key
        part = result[[by, "estimate", "n", "letter", "higher_than", "flag", "test"]].copy()
        part.insert(0, "label", label)
        part.insert(0, "indicator", key)
        parts.append(part)
    table = pd.concat(parts, ignore_index=True)
    return _wide(table, by, language) if wide else table


def _wide(table: pd.DataFrame, by: str, language: str) -> pd.DataFrame:
    mark = "," if language == "nl" else "."
    cells = [flag if flag else f"{estimate:.1f}".replace(".", mark) + (f" {higher}" if higher
                                                                      else "")
             for estimate, higher, flag in zip(table["estimate"], table["higher_than"],
                                               table["flag"])]
    heads = [f"({letter}) {group}" for letter, group in zip(table["letter"], table[by])]
    display = pd.DataFrame({"label": table["label"], "head": heads, "cell": cells})
    order = list(dict.fromkeys(heads))
    out = display.pivot(index="label", columns="head", values="cell")
    out = out.reindex(index=list(dict.fromkeys(table["label"])), columns=order).fillna("")
    out.index.name, out.columns.name = None, None
    return out
