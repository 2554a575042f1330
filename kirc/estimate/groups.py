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

The tests are the pairwise comparisons of :mod:`kirc.estimate.contrast`, Bonferroni-adjusted
over the pairs of columns within the row (SPSS's default within a row of each innermost
subtable; ``adjust="holm"`` and ``"none"`` are there too); a pair is significant when its
adjusted p-value is below ``1 − confidence``.

* **Unweighted simple random sample**: SPSS Custom Tables' column-proportions z-test with the
  pooled proportion (*Test statistics* tab, *Compare column proportions*; Pearson's chi-square
  without continuity correction on the 2×2 table of the pair), exactly as before. A pair whose
  pooled proportion is 0 or 1 has no test statistic and is not tested.
* **Weighted, stratified, clustered or calibrated survey**: the contrast of the two columns'
  shares with the design's variance *and covariance* (columns of one clustered or calibrated
  sample share PSUs and calibration residuals), a Wald t-test: the decision of R's
  ``svycontrast(svyby(~I(row == r), ~column, design, svymean, covmat=TRUE), c(1, -1))``.

Columns whose (unweighted) base is below the survey's ``min_n`` (:mod:`kirc.disclose`) are
suppressed in reports and left out of the tests: a letter pointing at a figure that a report
must suppress would disclose it.

The indicators (:func:`compare_groups`) use the same comparisons for an NPS, a share, a top box
or a mean: on an unweighted simple random sample the two-sample test of the measure (pooled z,
MOVER for the NPS, Welch for means), otherwise the design's contrast.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats

from .. import config, disclose, display
from .._compat import keyword_only
from ..errors import ParameterError
from ..measures import Measure, measure_of
from ..survey.survey import FROM_DESIGN, min_n_of, resolve_design
from . import engines
from .contrast import ADJUSTMENTS, adjust_pvalues, compare_sides
from .metrics import for_column, require_columns, result
from .variance import domain_estimates

__all__ = ["crosstab", "column_proportions", "compare_groups", "significance_table",
           "column_letters", "Categories"]


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



def _with_column_categories(data, column: str, categories: list):
    """``data`` whose ``column`` is a categorical of exactly the columns with answers, in
    order (rows without a row answer count nowhere); ``data`` itself when it already is."""
    series = data[column]
    if isinstance(series.dtype, pd.CategoricalDtype) and \
            list(series.cat.categories) == categories:
        return data
    if isinstance(series.dtype, pd.CategoricalDtype):
        # (pd.Categorical of a categorical with other categories is deprecated in pandas 3)
        recoded = series.cat.set_categories(categories)
    else:
        recoded = pd.Categorical(series.where(series.isin(categories)), categories=categories)
    return data.assign(**{column: recoded})


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




@dataclass(frozen=True)
class Categories(Measure):
    """The categories of a question (a crosstab's rows): one answer class per category.

    The share of each category is the tally's class ``c<k>``; answers outside ``categories``
    are not counted (missing).
    """

    categories: tuple = ()
    name = "categories"
    kind = "proportion"

    @property
    def classes(self) -> tuple:
        return tuple(f"c{k}" for k in range(len(self.categories)))

    def answers(self, values, *, counts=None, source=None, column=None):
        from ..measures import Answers
        if isinstance(values.dtype, pd.CategoricalDtype):
            code = values.cat.set_categories(list(self.categories)).cat.codes.to_numpy()
        else:
            code = pd.Index(list(self.categories)).get_indexer(values)
        code = code.astype(np.int64)
        valid = code >= 0
        return Answers(valid, np.zeros(len(code)), code)


def _proportion() -> Measure:
    return measure_of("share")


def _cells(data: pd.DataFrame, row: str, column: str, design, weights, min_n):
    """The tally of ``row`` by ``column``: shares per (row category, column) and their tests."""
    if row == column:
        raise ParameterError(f"row and column are both {row!r}")
    call = resolve_design(data, design, weights)
    require_columns(data, [row, column], call.source)
    row_series, column_series = data[row], data[column]
    valid = (row_series.notna() & column_series.notna()).to_numpy()
    row_categories = _categories(row_series, valid, all_categories=True)
    column_categories = _categories(column_series, valid, all_categories=False)
    frame = _with_column_categories(data, column, column_categories)
    measure = Categories(tuple(row_categories))
    tally = engines.tally_measure(frame, measure, row, [column], call)
    keep = tally.domains[column].notna().to_numpy()
    per_class = [domain_estimates(tally, y=name) for name in measure.classes]
    threshold = min_n_of(data, min_n if min_n is not None else call.min_n)
    first = per_class[0] if per_class else domain_estimates(tally)
    base = first["n"].to_numpy()[keep]
    return dict(row_categories=row_categories, column_categories=column_categories,
                measure=measure, tally=tally, call=call, keep=np.flatnonzero(keep),
                per_class=per_class, base=base, threshold=threshold,
                kish=first["n_kish"].to_numpy(float)[keep],
                small=disclose.hidden(base, threshold))


def _pair_tests(cells, confidence, adjust) -> pd.DataFrame:
    """Every tested (row category, pair of columns): the contrast and the adjusted p-value.

    ``cells["tallies"]`` (a tally per row; a multiple-response question's options) replaces
    ``cells["tally"]`` and its answer classes: each row is then its tally's own 0/1 answer."""
    keep = cells["keep"]
    records = []
    proportion = _proportion()
    tallies = cells.get("tallies")
    for r, est in enumerate(cells["per_class"]):
        tested = [(i, j) for i, j in combinations(range(len(keep)), 2)
                  if not (cells["small"][i] or cells["small"][j])]
        if not tested:
            continue
        share = est["estimate"].to_numpy(float)[keep]
        compared = compare_sides(proportion, est,
                                 cells["tally"] if tallies is None else tallies[r],
                                 cells["call"], [([keep[i]], [keep[j]]) for i, j in tested],
                                 None, confidence,
                                 y=cells["measure"].classes[r] if tallies is None else None)
        p_value = compared["p_value"]
        # a pair of 0 % or 100 % columns has no test statistic (pooled proportion 0 or 1)
        p_value = np.where(np.array([share[i] == share[j] and share[i] in (0.0, 1.0)
                                     for i, j in tested]), np.nan, p_value)
        adjusted = adjust_pvalues(p_value, adjust)
        for (i, j), p, p_adj, diff, se, method in zip(tested, p_value, adjusted,
                                                      compared["estimate"], compared["se"],
                                                      compared["method"]):
            if np.isnan(p):
                continue
            z = np.sign(diff) * stats.norm.isf(p / 2) if p > 0 else np.sign(diff) * np.inf
            records.append({"row": r, "i": i, "j": j, "estimate": diff, "se": se, "z": z,
                            "p_value": p, "p_adjusted": p_adj,
                            "significant": bool(p_adj < 1 - confidence), "method": method})
    return pd.DataFrame.from_records(records, columns=[
        "row", "i", "j", "estimate", "se", "z", "p_value", "p_adjusted", "significant",
        "method"])


def _check_options(confidence, adjust) -> None:
    if not (isinstance(confidence, (int, float)) and 0 < confidence < 1):
        raise ParameterError(f"confidence must be between 0 and 1, not {confidence!r}")
    if adjust not in ADJUSTMENTS:
        raise ParameterError(f"adjust={adjust!r} is not known; use one of "
                             f"{', '.join(map(repr, ADJUSTMENTS))}")


def column_proportions(data: pd.DataFrame, row: str, column: str, *, design=None,
                       weights=FROM_DESIGN, confidence: float = config.CONFIDENCE,
                       adjust: str = "bonferroni", min_n: int | None = None) -> pd.DataFrame:
    """The pairwise column tests behind the letters of :func:`crosstab`.

    Parameters are those of :func:`crosstab`.

    Returns
    -------
    pandas.DataFrame
        One row per tested (row category, pair of columns): ``row``, ``column_a``,
        ``column_b`` (the categories), ``letter_a``, ``letter_b``, ``percent_a``,
        ``percent_b``, ``n_a``, ``n_b`` (the columns' unweighted bases), ``difference`` and
        ``se`` (points), ``z`` (the normal deviate of the
        p-value, signed), ``p_value``, ``p_adjusted``, ``significant``, ``method``. Untested
        pairs (a pooled proportion of 0 or 1, or a base below ``min_n``) are left out.

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
    pairs = _pair_tests(cells, confidence, adjust)
    letters = column_letters(len(cells["column_categories"]))
    rows, columns = cells["row_categories"], cells["column_categories"]
    r, i, j = (pairs[c].to_numpy(dtype=np.int64) for c in ("row", "i", "j"))
    keep = cells["keep"]
    share = np.array([est["estimate"].to_numpy(float)[keep] for est in cells["per_class"]])
    return pd.DataFrame({
        "row": [rows[k] for k in r],
        "column_a": [columns[k] for k in i], "column_b": [columns[k] for k in j],
        "letter_a": [letters[k] for k in i], "letter_b": [letters[k] for k in j],
        "percent_a": 100 * share[r, i] if len(r) else [],
        "percent_b": 100 * share[r, j] if len(r) else [],
        "n_a": cells["base"][i], "n_b": cells["base"][j],
        "difference": 100 * pairs["estimate"].to_numpy(float),
        "se": 100 * pairs["se"].to_numpy(float), "z": pairs["z"].to_numpy(float),
        "p_value": pairs["p_value"].to_numpy(float),
        "p_adjusted": pairs["p_adjusted"].to_numpy(float),
        "significant": pairs["significant"].to_numpy(bool),
        "method": pairs["method"].to_numpy(object)})


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


@keyword_only("design", "weights", "confidence", "adjust", "min_n")
def crosstab(data: pd.DataFrame, row: str, column: str, *, design=None, weights=FROM_DESIGN,
             confidence: float = config.CONFIDENCE, adjust: str = "bonferroni",
             min_n: int | None = None) -> pd.DataFrame:
    """Column percentages of ``row`` by ``column`` with significance letters, as a tidy table.

    Parameters
    ----------
    data : pandas.DataFrame or kirc.Survey
        One row per respondent (not modified).
    row : str, list or dict
        The question: its categories are the rows of the table (every category of a
        categorical, also empty ones; else the values that occur, sorted). A
        multiple-response question (a survey's construct of type ``multiple``, or its option
        columns as a list or ``{label: column}``): its options are the rows, each the % of the
        column's respondents who answered the question that chose it (the columns add up to
        more than 100%; ``n`` is the column's base of those respondents, per option), the
        letters those of each option's contrast between the columns.
    column : str
        The breakdown (sector, channel, …): the columns, those with at least one answer.
    design : kirc.Design, optional
        The survey design; default the survey's (module notes).
    weights : str, None or "auto", optional
        Override the design's weights (``None``: unweighted).
    confidence : float, default 0.95
        A pair is significant when its (adjusted) p-value is below ``1 − confidence``.
    adjust : {"bonferroni", "holm", "none"}, default "bonferroni"
        Multiple-comparison adjustment over the pairs of columns tested within each row.
    min_n : int, optional
        Columns with a smaller (unweighted) base are flagged and not tested; default the
        survey's ``min_n`` or 30.

    Returns
    -------
    pandas.DataFrame
        One row per (row category, column category): ``<row>``, ``<column>``, ``count``
        (unweighted), ``n`` (the column's valid base, unweighted), ``percent`` (column
        percentage, weighted with weights), ``se`` (its design standard error, in points),
        ``letter`` (the column's key), ``higher_than`` (letters of the columns this cell is
        significantly higher than, ``""`` when none), ``n_eff`` (the column's Kish effective
        base) and ``flag`` (``"n<30"`` for a small base).

    Notes
    -----
    Validated: unweighted letters against ``scipy.stats.chi2_contingency`` per pair; design
    letters against R ``survey`` 4.1.1's contrasts with Bonferroni within the row on clustered
    and calibrated tables, and the shares and standard errors against ``svyby`` under each
    lonely-PSU rule (``tests/test_crosstab.py``, ``tests/test_contrast.py``).

    In R: ``svyby(~I(fcr == 1), ~channel, design, svymean, covmat=TRUE)`` and
    ``svycontrast`` for a pair; ``prop.test(x, n, correct = FALSE)`` per pair unweighted.

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> df = pd.DataFrame({"opgelost": ["ja"] * 40 + ["nee"] * 10 + ["ja"] * 25 + ["nee"] * 25,
    ...                    "kanaal": ["telefoon"] * 50 + ["e-mail"] * 50})
    >>> kirc.crosstab(df, "opgelost", "kanaal").drop(columns=["flag", "se"])
      opgelost    kanaal  count   n  percent letter higher_than  n_eff
    0       ja    e-mail     25  50     50.0      A               50.0
    1       ja  telefoon     40  50     80.0      B           A   50.0
    2      nee    e-mail     25  50     50.0      A           B   50.0
    3      nee  telefoon     10  50     20.0      B               50.0
    """
    _check_options(confidence, adjust)
    if _is_multiple(data, row):
        return _multiple_crosstab(data, row, column, design, weights, confidence, adjust,
                                  min_n)
    cells = _cells(data, row, column, design, weights, min_n)
    pairs = _pair_tests(cells, confidence, adjust)
    rows, columns = cells["row_categories"], cells["column_categories"]
    n_r, n_c = len(rows), len(columns)
    letters = column_letters(n_c)
    keep = cells["keep"]
    share = np.array([est["estimate"].to_numpy(float)[keep] for est in cells["per_class"]]) \
        if n_r else np.zeros((0, n_c))
    se = np.array([est["se"].to_numpy(float)[keep] for est in cells["per_class"]]) \
        if n_r else np.zeros((0, n_c))
    count = np.array([est[f"n_{name}"].to_numpy()[keep] if f"n_{name}" in est else
                      np.zeros(n_c) for est, name in zip(cells["per_class"],
                                                         cells["measure"].classes)]) \
        if n_r else np.zeros((0, n_c))
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
    out["count"] = count.reshape(-1).astype(np.int64)
    out["n"] = np.tile(cells["base"], n_r).astype(np.int64)
    out["percent"] = 100 * share.reshape(-1)
    out["se"] = 100 * se.reshape(-1)
    out["letter"] = letters * n_r
    out["higher_than"] = [h for r in range(n_r) for h in higher[r]]
    out["n_eff"] = np.tile(cells["kish"], n_r)
    out["flag"] = np.tile(disclose.flag(cells["kish"], cells["threshold"]), n_r)
    info = cells["call"].info
    return display.with_view(out, display.View(
        kind="crosstab", title=row, keys=(row, column), language=display.language_of(info),
        min_n=cells["threshold"], confidence=confidence,
        caption=f"{display.caption_of(info, row)} × {display.caption_of(info, column)}"))


def _is_multiple(data, row) -> bool:
    """A multiple-response row: a list or dict of option columns, or a survey's construct of
    type ``multiple``."""
    if isinstance(row, (list, tuple, dict)):
        return True
    from ..survey.survey import survey_of
    info = survey_of(data) if isinstance(row, str) else None
    spec = (info.constructs.get(row) if info is not None else None) or {}
    return spec.get("type") == "multiple"


def _multiple_crosstab(data, row, column, design, weights, confidence, adjust, min_n):
    """A multiple-response question by ``column``: an option per row, the % of the column's
    respondents (those who answered) choosing it, the letters of the contrast per option."""
    from .multiple import _OPTION, _chosen, _question

    call = resolve_design(data, design, weights)
    options = _question(data, row, call.source)
    name = row if isinstance(row, str) else "option"
    if column == name or column in options.values():
        raise ParameterError(f"row and column are both {column!r}")
    require_columns(data, [*options.values(), column], call.source)
    chosen, answered = _chosen(data, options, call.source, isinstance(row, str))
    column_series = data[column]
    valid = answered & column_series.notna().to_numpy()
    column_categories = _categories(column_series, valid, all_categories=False)
    frame = _with_column_categories(data, column, column_categories)
    measure = measure_of("share", positive=1, negative=0)
    code = _codes(frame[column], column_categories)
    tallies, per_option, counts = [], [], []
    for k in range(len(options)):
        tally = engines.tally_measure(frame.assign(**{_OPTION: chosen[:, k]}), measure,
                                      _OPTION, [column], call)
        tallies.append(tally)
        per_option.append(domain_estimates(tally))
        picked = (chosen[:, k] == 1) & (code >= 0)
        counts.append(np.bincount(code[picked], minlength=len(column_categories)))
    keep = np.flatnonzero(tallies[0].domains[column].notna().to_numpy())
    threshold = min_n_of(data, min_n if min_n is not None else call.min_n)
    rows = list(options)
    n_c = len(column_categories)
    letters = column_letters(n_c)
    out_parts, higher = [], []
    for r, est in enumerate(per_option):
        base = est["n"].to_numpy()[keep]
        cells = dict(keep=keep, small=disclose.hidden(base, threshold), per_class=[est],
                     tallies=[tallies[r]], call=call)
        pairs = _pair_tests(cells, confidence, adjust)
        share = est["estimate"].to_numpy(float)[keep]
        higher = _higher_than(n_c, letters, zip(pairs["i"], pairs["j"], pairs["significant"]),
                              lambda k, share=share: share[k])
        kish = est["n_kish"].to_numpy(float)[keep]
        out_parts.append(pd.DataFrame({
            name: rows[r], column: column_categories,
            "count": counts[r].astype(np.int64), "n": base.astype(np.int64),
            "percent": 100 * share, "se": 100 * est["se"].to_numpy(float)[keep],
            "letter": letters, "higher_than": higher, "n_eff": kish,
            "flag": disclose.flag(kish, threshold)}))
    out = pd.concat(out_parts, ignore_index=True)
    out[name] = pd.Categorical(out[name], categories=rows)
    if isinstance(column_series.dtype, pd.CategoricalDtype):
        out[column] = pd.Categorical(out[column], dtype=column_series.dtype)
    info = call.info
    caption = display.caption_of(info, row) if isinstance(row, str) else name
    return display.with_view(out, display.View(
        kind="crosstab", title=name, keys=(name, column), language=display.language_of(info),
        min_n=threshold, confidence=confidence, several=True,
        caption=f"{caption} × {display.caption_of(info, column)}"))


# --------------------------------------------------------------------------------------------
# indicators across groups


@keyword_only("by")
def compare_groups(data: pd.DataFrame, metric, column: str, *, by: str, design=None,
                   weights=FROM_DESIGN, confidence: float = config.CONFIDENCE,
                   adjust: str = "bonferroni", method: str | None = None,
                   min_n: int | None = None, **options) -> pd.DataFrame:
    """An indicator per group with letters from the pairwise comparisons.

    Answers "which sectors differ": every group with at least one answer gets a letter, and
    ``higher_than`` lists the groups it is significantly higher than.

    Parameters
    ----------
    data : pandas.DataFrame or kirc.Survey
        One row per respondent.
    metric : {"nps", "share", "csat", "top_box", "mean"} or a kirc.measures.Measure
    column : str
        The answer column.
    by : str
        The breakdown.
    design, weights, confidence, adjust, min_n
        As in :func:`crosstab`; groups whose effective n is below ``min_n`` are flagged and
        not tested.
    method : str, optional
        The interval method of each group's estimate (as for :func:`kirc.nps`, ...).
    **options
        The measure's options (``positive=`` for share, ``top=`` / ``scale=`` for csat).

    Returns
    -------
    pandas.DataFrame
        The estimator's tidy output per group (``<by>``, ``estimate``, ``ci_low``,
        ``ci_high``, ``n``, ``n_eff``, ``n_missing``, ``method``, ``flag``, …) for the groups
        with answers, plus ``letter``, ``higher_than`` and ``test`` (the comparisons' method).

    Notes
    -----
    The comparisons are :mod:`kirc.estimate.contrast`'s pairs (module notes), adjusted over
    the pairs of groups. Validated against ``scipy.stats.ttest_ind(equal_var=False)`` and
    ``chi2_contingency`` per pair unweighted, and against R's ``svycontrast`` with the design
    (``tests/test_crosstab.py``, ``tests/test_contrast.py``). In R, unweighted:
    ``pairwise.prop.test(x, n, correct = FALSE, p.adjust.method = "bonferroni")`` for shares.

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> df = pd.DataFrame({"score": [9, 10, 9, 8, 10] * 8 + [3, 6, 9, 7, 5] * 8,
    ...                    "sector": ["telecom"] * 40 + ["energie"] * 40})
    >>> out = kirc.compare_groups(df, "nps", "score", by="sector")
    >>> out[["sector", "estimate", "n", "higher_than", "letter"]]
        sector  estimate   n higher_than letter
    0  energie     -40.0  40                  A
    1  telecom      80.0  40           A      B
    """
    _check_options(confidence, adjust)
    measure = measure_of(metric, **options)
    call = resolve_design(data, design, weights)
    require_columns(data, [column, by], call.source)
    measure = for_column(measure, call, column)
    frame = data
    series = data[by]
    if not isinstance(series.dtype, pd.CategoricalDtype):
        categories = _categories(series, series.notna().to_numpy(), all_categories=True)
        frame = data.assign(**{by: pd.Categorical(series, categories=categories)})
    tally = engines.tally_measure(frame, measure, column, [by], call)
    est = domain_estimates(tally)
    threshold = min_n_of(data, min_n if min_n is not None else call.min_n)
    table = result(measure, column, est, tally, call, [by], method, confidence, threshold)
    shown = np.flatnonzero((table["n"].to_numpy() > 0) & table[by].notna().to_numpy())
    table = table.iloc[shown].reset_index(drop=True)
    k = len(table)
    letters = column_letters(k)
    small = table["flag"].to_numpy() != ""
    tested = [(i, j) for i, j in combinations(range(k), 2) if not (small[i] or small[j])]
    compared = compare_sides(measure, est, tally, call,
                             [([shown[i]], [shown[j]]) for i, j in tested], None, confidence)
    p_value = compared["p_value"]
    adjusted = adjust_pvalues(p_value, adjust)
    pairs = [(i, j, bool(p < 1 - confidence)) for (i, j), p in zip(tested, adjusted)
             if not np.isnan(p)]
    estimate = table["estimate"].to_numpy(float)
    table["letter"] = letters
    table["higher_than"] = _higher_than(k, letters, pairs, lambda m: estimate[m])
    methods = sorted(set(compared["method"])) if len(tested) else []
    table["test"] = ", ".join(methods) + (f", {adjust}" if adjust != "none" and methods else "")
    return table


@keyword_only("by")
def significance_table(data: pd.DataFrame, indicators, *, by: str, design=None,
                       weights=FROM_DESIGN,
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
        result = compare_groups(data, metric, construct, by=by, design=design, weights=weights,
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
