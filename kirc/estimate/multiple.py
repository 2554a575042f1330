"""Multiple-response questions ("which channels did you use?") as design-based tables and tests.

A check-all-that-apply question is a set of options, one 0/1 column each. A respondent who
chose none of them answered (every option 0); one whose every option is missing did not (the
question was skipped). Three functions, all design-based (weights, strata, clusters, fpc,
calibration) through the package's one variance:

* :func:`multiple_response`: per (group, option) the share of the respondents who answered
  (``base="respondents"``), or of all mentions (``base="responses"``), with interval, ``se``,
  ``n``, ``n_eff``, ``df``, ``flag``, and per group the mean number of options chosen;
* :func:`compare_options`: option against option within a group, over the same respondents:
  the difference of two shares whose covariance is the overlap (R:
  ``svycontrast(svymean(~a + b, design), c(1, -1))``, which is ``svymean(~I(a - b))``);
* :func:`marginal_independence`: does the choice of options depend on the group? Bilder and
  Loughin's modified Pearson statistic ``X²_S`` (the sum of the options' Pearson statistics)
  with their second-order Rao–Scott adjustment for the overlap, the covariance of the
  group × option shares taken from the design (the multinomial covariance of Bilder and Loughin
  on an unweighted simple random sample), and the Bonferroni test beside it.

One option between groups is :func:`kirc.contrast` on the option's column (missing where the
question was not answered).

References
----------
Bilder, C. R., Loughin, T. M. and Nettleton, D. (2000). Multiple marginal independence testing
for pick any/c variables. *Communications in Statistics – Simulation and Computation* 29,
1285–1316. Bilder, C. R. and Loughin, T. M. (2004). Testing for marginal independence between
two categorical variables with multiple responses. *Biometrics* 60, 241–248 (Appendix A: the
second-order adjustment). Koziol, N. and Bilder, C. R. (2014). MRCV: a package for analyzing
categorical variables with multiple response options. *The R Journal* 6(1), 144–150.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats

from .. import config, disclose, display, intervals
from ..errors import ColumnError, ParameterError
from ..measures import measure_of
from ..survey.survey import FROM_DESIGN, min_n_of, resolve_design, survey_of
from . import engines
from .contrast import ADJUSTMENTS, adjust_pvalues
from .metrics import as_list, estimate, require_columns
from .variance import Influence, domain_estimates, domain_totals, influence_variance

__all__ = ["multiple_response", "compare_options", "marginal_independence",
           "MULTIPLE_COLUMNS"]

#: Columns of :func:`multiple_response` after the ``by`` columns.
MULTIPLE_COLUMNS = ["option", "estimate", "ci_low", "ci_high", "se", "n", "n_eff", "df",
                    "flag", "method", "mean_options"]

_OPTION = "__kirc_option"


def _question(data, question, source) -> dict:
    """``{option label: column}`` of a question: a list or dict of columns, or a survey
    construct of type ``multiple``."""
    if isinstance(question, str):
        info = survey_of(data)
        spec = (info.constructs.get(question) if info is not None else None) or {}
        options = spec.get("options") if spec.get("type") == "multiple" else None
        if not options:
            raise ParameterError(f"{question!r} is not a multiple-response construct of this "
                                 "survey; give the option columns as a list",
                                 file=source, column=question)
        return {str(label): column for label, column in options.items()}
    if isinstance(question, dict):
        return {str(label): column for label, column in question.items()}
    columns = list(question)
    if len(columns) < 2:
        raise ParameterError("a multiple-response question has at least two option columns")
    return {str(column): column for column in columns}


def _chosen(data: pd.DataFrame, options: dict, source, harmonised: bool = False
            ) -> tuple[np.ndarray, np.ndarray]:
    """The options chosen (rows × options, 0/1; NaN where the question was not answered) and
    the rows that answered it.

    Columns given by the caller: an option left empty beside options answered was not chosen
    (a selected/empty export). A survey's construct (``harmonised``): the loader wrote 0 for
    every option asked and not chosen, so an empty option beside answered ones was not asked
    in that questionnaire (an option added later) and stays missing.
    """
    values = []
    for label, column in options.items():
        series = data[column]
        if pd.api.types.is_bool_dtype(series.dtype):
            y = series.astype(float).to_numpy()
        else:
            y = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            bad = series.notna().to_numpy() & ~np.isin(y, (0.0, 1.0))
            if bad.any():
                examples = ", ".join(repr(v) for v in pd.unique(series[bad])[:3])
                raise ColumnError(f"an option of a multiple-response question is 0/1 (or "
                                  f"missing); {int(bad.sum())} values are not (for example "
                                  f"{examples})", file=source, column=column)
        values.append(y)
    chosen = np.column_stack(values)
    answered = ~np.all(np.isnan(chosen), axis=1)
    if not harmonised:
        chosen = np.where(answered[:, None], np.nan_to_num(chosen), np.nan)
    return chosen, answered


def multiple_response(data, question, *, by=None, design=None, weights=FROM_DESIGN,
                      population=FROM_DESIGN, base: str = "respondents",
                      method: str | None = None, confidence: float = config.CONFIDENCE,
                      min_n: int | None = None) -> pd.DataFrame:
    """The options of a multiple-response question, per group, with intervals.

    Parameters
    ----------
    data : pandas.DataFrame or kirc.Survey
    question : list of str, dict or str
        The option columns (0/1, missing where the question was not answered), a dict
        ``{label: column}``, or the name of a survey construct of type ``multiple``.
    by, design, weights, population, method, confidence, min_n
        As for :func:`kirc.share`.
    base : {"respondents", "responses"}
        ``"respondents"``: the share of the respondents who answered the question that chose
        the option (the columns add up to more than 100%); ``"responses"``: the option's share
        of all mentions (they add up to 100%).

    Returns
    -------
    pandas.DataFrame
        One row per (group, option): the ``by`` columns, then :data:`MULTIPLE_COLUMNS`:
        ``option``, ``estimate`` (percent of the base), ``ci_low``, ``ci_high``, ``se``
        (points), ``n`` (respondents who answered, per group), ``n_eff`` (Kish), ``df``,
        ``flag``, ``method``, ``mean_options`` (the mean number of options chosen in the group).

    Notes
    -----
    ``base="respondents"``: each option is a share of the answering respondents (the
    estimator of :func:`kirc.share`). ``base="responses"``: the ratio of the option's total to
    the total of mentions, ``R = Σw·y / Σw·m``, linearised as ``w (y − R m) / Σw·m``.
    On a replicate-weight design every replicate's estimate is computed anew (the ratio too:
    R's ``svyratio``), not the replicates of the linearised variable.
    Validated against R ``survey`` 4.1.1 ``svymean``/``svyby`` of the option columns and
    ``svyratio`` over the number of options chosen, on ``apistrat`` and ``apiclus1`` and on
    their JKn and JK1 replicate designs (``tests/test_multiple.py``).

    In R: ``svyby(~a + b + c, ~group, subset(design, answered), svymean)``.

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> df = pd.DataFrame({"telefoon": [1, 1, 0, 1, None], "chat": [0, 1, 1, 1, None],
    ...                    "app": [0, 0, 0, 1, None]})
    >>> out = kirc.multiple_response(df, ["telefoon", "chat", "app"])
    >>> out[["option", "estimate", "n", "mean_options"]]
         option  estimate  n  mean_options
    0  telefoon      75.0  4          1.75
    1      chat      75.0  4          1.75
    2       app      25.0  4          1.75
    """
    if base not in ("respondents", "responses"):
        raise ParameterError(f"base={base!r}: use 'respondents' or 'responses'")
    by = as_list(by)
    call = resolve_design(data, design, weights, population)
    options = _question(data, question, call.source)
    require_columns(data, [*options.values(), *by], call.source)
    chosen, answered = _chosen(data, options, call.source, isinstance(question, str))
    mentions = np.where(answered, np.nansum(np.nan_to_num(chosen), axis=1), np.nan)
    common = dict(by=by, design=design, weights=weights, population=population,
                  confidence=confidence, min_n=min_n)
    mean = estimate(data.assign(**{_OPTION: mentions}), measure_of("mean"), _OPTION,
                    **common)
    of_mentions = (_share_of_mentions(data, chosen, answered, mentions, by, design, weights,
                                      population, method, confidence, min_n)
                   if base == "responses" else None)
    parts = []
    for k, label in enumerate(options):
        if of_mentions is None:
            part = estimate(data.assign(**{_OPTION: chosen[:, k]}),
                            measure_of("share", positive=1, negative=0), _OPTION,
                            method=method, **common)
        else:
            part = of_mentions[k]
        part.insert(len(by), "option", label)
        part["mean_options"] = mean["estimate"].to_numpy()
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    # groups first, options in the question's order within each group
    if by:
        out["__group"] = np.tile(np.arange(len(mean)), len(options))
        out["__order"] = np.repeat(np.arange(len(options)), len(mean))
        out = out.sort_values(["__group", "__order"], kind="stable").drop(
            columns=["__group", "__order"])
    threshold = min_n_of(data, min_n if min_n is not None else call.min_n)
    view = replace(display.estimates_view(measure_of("share"), "", call, [*by, "option"],
                                          min_n=threshold, confidence=confidence),
                   caption=display.caption_of(call.info, question)
                   if isinstance(question, str) else "")
    return display.with_view(out[[*by, *MULTIPLE_COLUMNS]].reset_index(drop=True), view)


def _share_of_mentions(frame, chosen, answered, mentions, by, design, weights, population,
                       method, confidence, min_n) -> list[pd.DataFrame]:
    """Every option's share of all mentions per group: a ratio of two totals, ``R = Σw·y /
    Σw·m``, one frame per option (groups in the order of a tally by ``by``)."""
    call = resolve_design(frame, design, weights, population)
    tally_m = engines.tally_measure(frame.assign(**{_OPTION: mentions}), measure_of("mean"),
                                    _OPTION, by, call)
    est_m = domain_estimates(tally_m)
    patterns = _Patterns(frame, chosen, answered, by, est_m[by] if by else None, call)
    size, options = len(est_m), chosen.shape[1]
    mentioned = patterns.sums(patterns.chosen)                  # groups × options × K
    total = patterns.sums(patterns.mentions[:, None])[:, 0, 0]    # Σw·m per group
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = mentioned[:, :, 0] / total[:, None]                 # groups × options
    # the linearised variable w (y − R m) / Σw·m of each (group, option), constant within a
    # (group, pattern) domain: a = (y − R m) / Σw·m, b = 0 (the tally's answer is 0)
    group, kept = patterns.group, patterns.group >= 0
    domain = np.flatnonzero(kept)
    a = np.zeros((len(domain), size * options))
    for k in range(options):
        for g in range(size):
            mine = group[domain] == g
            if total[g] > 0:
                a[mine, g * options + k] = (patterns.chosen[domain[mine], k]
                                            - ratio[g, k] * patterns.mentions[domain[mine]]
                                            ) / total[g]
    target = np.repeat(group[domain][:, None] * options, options, axis=1) + np.arange(options)

    def statistic(W, Y):
        # each replicate's own ratio (R's svyratio on a replicate design)
        sums = patterns.sums(patterns.chosen, W)
        totals = patterns.sums(patterns.mentions[:, None], W)[:, 0, :]
        return (sums / totals[:, None, :]).reshape(size * options, -1)

    rows = np.repeat(np.arange(len(domain)), options)
    coefficient = a[rows, target.ravel()]
    variance = influence_variance(patterns.tally, Influence(
        domain[rows], target.ravel(), coefficient, np.zeros(len(rows)), size * options,
        statistic))
    variances = variance.variance.reshape(size, options)
    dfs = variance.df.astype(float).reshape(size, options)
    method = method or intervals.DEFAULT_DESIGN_PROPORTION_METHOD
    n_mentions = est_m["n"].to_numpy(float) * np.nan_to_num(est_m["estimate"].to_numpy(float))
    present = est_m["n"].to_numpy() > 0
    threshold = min_n_of(frame, min_n if min_n is not None else call.min_n)
    parts = []
    for k in range(options):
        low, high = np.full(size, np.nan), np.full(size, np.nan)
        if present.any():
            low[present], high[present] = intervals.design_proportion_interval(
                np.clip(ratio[present, k], 0, 1), variances[present, k],
                np.maximum(n_mentions[present], 1.0), dfs[present, k],
                method=method, confidence=confidence)
        out = est_m[by].reset_index(drop=True) if by else pd.DataFrame(index=range(size))
        out["estimate"] = 100 * np.where(present, ratio[:, k], np.nan)
        out["ci_low"], out["ci_high"] = 100 * low, 100 * high
        out["se"] = 100 * np.where(present, np.sqrt(variances[:, k]), np.nan)
        out["n"] = est_m["n"].to_numpy(np.int64)
        out["n_eff"] = est_m["n_kish"].to_numpy(float)
        out["df"] = np.where(present, dfs[:, k], np.nan)
        out["flag"] = disclose.flag(out["n_eff"], threshold)
        out["method"] = method
        parts.append(out)
    return parts


class _Patterns:
    """The answering respondents tallied by (group, pattern of options chosen).

    Every share of a group, every share of its mentions and their covariances is a function
    of these domains' totals Σw — the statistic a replicate design evaluates on every
    replicate — and linear within each domain, where every respondent has the same options:
    the Taylor variance of the one variance module, with the design's strata, clusters and
    calibration.

    ``groups``: the ``by`` keys of the output's groups (None: one group); ``group`` is each
    domain's group (−1: a domain of no group, such as the rows that did not answer),
    ``chosen`` and ``asked`` (domains × options, 0/1) and ``mentions`` each domain's pattern.
    """

    _KEY = "__kirc_pattern"

    def __init__(self, frame, chosen, answered, by, groups, call):
        options = chosen.shape[1]
        # 0 not chosen, 1 chosen, 2 not asked (an option of a later questionnaire)
        pattern, code = np.unique(np.where(np.isnan(chosen[answered]), 2.0, chosen[answered]),
                                  axis=0, return_inverse=True)
        key = np.full(len(frame), np.nan)
        key[answered] = code.ravel()
        data = frame.assign(**{self._KEY: key, _OPTION: np.where(answered, 0.0, np.nan)})
        self.tally = engines.tally_measure(data, measure_of("mean"), _OPTION,
                                           [*by, self._KEY], call)
        domains = self.tally.domains
        codes = domains[self._KEY].to_numpy(float)
        valid = ~np.isnan(codes)
        index = np.where(valid, np.nan_to_num(codes), 0).astype(np.int64)
        state = np.where(valid[:, None], pattern[index], 2.0).reshape(-1, options)
        self.chosen = (state == 1).astype(float)
        self.asked = (state != 2).astype(float)
        self.mentions = self.chosen.sum(axis=1)
        if groups is None:
            self.group = np.where(valid, 0, -1)
            self.size = 1
        else:
            lookup = {tuple(_key(v) for v in row): g
                      for g, row in enumerate(groups.itertuples(index=False))}
            self.group = np.array([lookup.get(tuple(_key(v) for v in row), -1) if ok else -1
                                   for row, ok in zip(domains[by].itertuples(index=False),
                                                      valid)], dtype=np.int64)
            self.size = len(groups)
        self.W, _ = domain_totals(self.tally)

    def sums(self, values: np.ndarray, W: np.ndarray | None = None) -> np.ndarray:
        """Σ over each group's domains of W · values: (groups, columns of values, K)."""
        W = self.W if W is None else W
        kept = self.group >= 0
        out = np.zeros((self.size, values.shape[1], W.shape[1]))
        np.add.at(out, self.group[kept], values[kept][:, :, None] * W[kept][:, None, :])
        return out


def _key(value):
    return None if pd.isna(value) else value


# --------------------------------------------------------------------------------------------
# option against option


def compare_options(data, question, *, by=None, design=None, weights=FROM_DESIGN,
                    population=FROM_DESIGN, confidence: float = config.CONFIDENCE,
                    adjust: str = "bonferroni") -> pd.DataFrame:
    """Every pair of options within a group: is telephone used more than chat?

    The difference of two shares of the same respondents, ``p_a − p_b``, is the mean of
    ``y_a − y_b``: its variance holds the covariance of the two options (the respondents who
    chose both). A Wald t-test with the design's degrees of freedom.

    Parameters
    ----------
    data, question, by, design, weights, population, confidence
        As for :func:`multiple_response`.
    adjust : {"bonferroni", "holm", "none"}
        Over the pairs of options within each group.

    Returns
    -------
    pandas.DataFrame
        One row per (group, pair of options): the ``by`` columns, ``option``, ``versus``,
        ``estimate`` (option − versus, points), ``se``, ``ci_low``, ``ci_high``, ``df``,
        ``p_value``, ``p_adjusted``, ``significant``, ``method``.

    Notes
    -----
    Validated against R ``survey`` 4.1.1 ``svycontrast(svymean(~a + b, design), c(1, -1))``
    on ``apistrat`` and ``apiclus1``, in the whole sample and within a school type
    (``tests/test_multiple.py``).

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> df = pd.DataFrame({"telefoon": [1] * 30 + [0] * 10, "chat": [1] * 12 + [0] * 28})
    >>> out = kirc.compare_options(df, ["telefoon", "chat"])
    >>> out[["option", "versus", "estimate", "significant"]]
         option versus  estimate  significant
    0  telefoon   chat      45.0         True
    """
    if adjust not in ADJUSTMENTS:
        raise ParameterError(f"adjust={adjust!r} is not known; use one of "
                             f"{', '.join(map(repr, ADJUSTMENTS))}")
    by = as_list(by)
    call = resolve_design(data, design, weights, population)
    options = _question(data, question, call.source)
    require_columns(data, [*options.values(), *by], call.source)
    chosen, _ = _chosen(data, options, call.source, isinstance(question, str))
    labels = list(options)
    parts = []
    for a, b in combinations(range(len(labels)), 2):
        frame = data.assign(**{_OPTION: chosen[:, a] - chosen[:, b]})
        tally = engines.tally_measure(frame, measure_of("mean"), _OPTION, by, call)
        est = domain_estimates(tally)
        part = est[by].reset_index(drop=True) if by else pd.DataFrame(index=range(len(est)))
        part["option"], part["versus"] = labels[a], labels[b]
        part["estimate"] = 100 * est["estimate"].to_numpy(float)
        part["se"] = 100 * est["se"].to_numpy(float)
        part["df"] = est["df"].to_numpy(float)
        part["n"] = est["n"].to_numpy(np.int64)
        part["__group"] = np.arange(len(est))
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out["ci_low"], out["ci_high"], p_value = intervals.wald_t(out["estimate"], out["se"],
                                                              out["df"], confidence)
    out["p_value"] = p_value
    adjusted = np.full(len(out), np.nan)
    for _, rows in out.groupby("__group").indices.items():
        adjusted[rows] = adjust_pvalues(p_value[rows], adjust)
    out["p_adjusted"] = adjusted
    out["significant"] = adjusted < 1 - confidence
    out["method"] = "design (Taylor), t"
    out = out[out["n"] > 0].sort_values(["__group"], kind="stable")
    out = out[[*by, "option", "versus", "estimate", "se", "ci_low", "ci_high", "df",
               "p_value", "p_adjusted", "significant", "method", "n"]].reset_index(drop=True)
    view = replace(display.estimates_view(measure_of("share"), "", call, [*by, "option"],
                                          min_n=min_n_of(data, call.min_n),
                                          confidence=confidence, kind="contrast",
                                          counts=("n",)),
                   caption=display.caption_of(call.info, question)
                   if isinstance(question, str) else "")
    return display.with_view(out, view)


# --------------------------------------------------------------------------------------------
# the overall test


def marginal_independence(data, question, *, by: str, design=None, weights=FROM_DESIGN,
                          population=FROM_DESIGN, add_constant: float = 0.5) -> pd.DataFrame:
    """Does the choice of options depend on the group? Bilder and Loughin's test.

    Parameters
    ----------
    data, question, design, weights, population
        As for :func:`multiple_response`.
    by : str
        The grouping (a single-response question: sector, age group).
    add_constant : float, default 0.5
        Added to a zero cell of an option's group × chosen table, as Bilder and Loughin (and
        R's MRCV) do.

    Returns
    -------
    pandas.DataFrame
        One row per option (``option``, ``statistic``: its Pearson statistic, ``df``: groups
        − 1, ``p_value``, ``p_bonferroni``) and a last row ``option = "all"``: ``statistic``
        ``X²_S`` (the sum), ``statistic_rs2`` and ``df`` (Rao–Scott second order),
        ``p_value`` (the overall test) and ``p_bonferroni`` (the smallest adjusted p-value of
        the options), with ``method``.

    Notes
    -----
    The respondents in the test are those asked every option: of a survey's construct whose
    options changed over the questionnaires, those of the years that asked them all.

    ``X²_S = Σ_j X²_j`` with ``X²_j`` the Pearson statistic of option j's groups × (chosen,
    not chosen) table. Under marginal independence ``X²_S`` is a weighted sum of χ²(1)
    variables with weights the eigenvalues ``λ`` of ``D⁻¹ H V H'``, ``V`` the covariance of
    the group × option shares times n, ``D`` its value under independence for independent
    options, ``H`` the centring on the overall shares; the second-order adjustment refers
    ``(r − 1) c X²_S / Σλ²`` to χ² with ``(r − 1)² c² / Σλ²`` degrees of freedom (Bilder &
    Loughin 2004, Appendix A). ``V`` is the design's covariance (:mod:`kirc.estimate.
    variance`); on an unweighted simple random sample it is Bilder and Loughin's multinomial
    covariance (a replicate design's: the replicates' own shares, R's ``vcov(svyby(...,
    covmat = TRUE))``, checked on JKn and JK1 designs). Validated against R's MRCV 0.4-0 (``MI.test(farmer1, I = 1, J = 5, type =
    "rs2")``: X²_S 30.84, adjusted 28.68 on 18.60 df, p 0.0632; Bonferroni p 0.1357) in
    ``tests/test_multiple.py``.

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> df = pd.DataFrame({"g": ["a"] * 40 + ["b"] * 40,
    ...                    "x": [1] * 30 + [0] * 10 + [1] * 15 + [0] * 25,
    ...                    "y": [1, 0] * 20 + [1, 0] * 20})
    >>> out = kirc.marginal_independence(df, ["x", "y"], by="g")
    >>> out[["option", "statistic"]].round(3)
      option  statistic
    0      x     11.429
    1      y      0.000
    2    all     11.429
    """
    call = resolve_design(data, design, weights, population)
    options = _question(data, question, call.source)
    require_columns(data, [*options.values(), by], call.source)
    chosen, answered = _chosen(data, options, call.source, isinstance(question, str))
    # the test compares groups over the same options: respondents asked every option (of a
    # construct whose options changed, the years of the latest questionnaire)
    keep = answered & ~np.isnan(chosen).any(axis=1) & data[by].notna().to_numpy()
    chosen = np.where(keep[:, None], chosen, np.nan)
    groups = data[by][keep]
    levels = (list(groups.cat.categories) if isinstance(groups.dtype, pd.CategoricalDtype)
              else sorted(pd.unique(groups)))
    levels = [level for level in levels if (groups == level).any()]
    r, c = len(levels), len(options)
    if r < 2:
        raise ParameterError("the test needs at least two groups with answers", column=by,
                             file=call.source)
    # the group × option shares, and their covariance from the design
    frame = data.assign(**{by: pd.Categorical(data[by], categories=levels)})
    weighted = call.design.weights is not None or call.design.psu is not None or \
        (call.sample is not None and call.sample.calibration is not None)
    shares = np.zeros((r, c))
    rows_in = np.zeros(r)
    group_weight = np.zeros(r)
    for k in range(c):
        tally = engines.tally_measure(frame.assign(**{_OPTION: chosen[:, k]}),
                                      measure_of("share", positive=1, negative=0), _OPTION,
                                      [by], call)
        est = domain_estimates(tally)
        est = est[est[by].notna()].set_index(by).loc[levels]
        shares[:, k] = est["estimate"].to_numpy(float)
        rows_in = est["n"].to_numpy(float)
        group_weight = est["sum_w"].to_numpy(float)
    n = rows_in.sum()
    a = group_weight / group_weight.sum()
    pooled = a @ shares
    statistic = np.zeros(c)
    for k in range(c):
        table = np.column_stack([n * a * (1 - shares[:, k]), n * a * shares[:, k]])
        if not weighted:
            table = np.rint(table)
        table = np.where(table == 0, add_constant, table)
        statistic[k] = stats.chi2_contingency(table, correction=False)[0]
    covariance = _share_covariance(frame, chosen, keep, levels, by, call, shares,
                                   group_weight)
    V = covariance * ((n - 1) if not weighted else n)
    H = np.eye(r * c) - np.kron(np.ones((r, r)) @ np.diag(a), np.eye(c))
    D = np.kron(np.diag(1 / a), np.diag(pooled * (1 - pooled)))
    eigen = np.real(np.linalg.eigvals(np.linalg.solve(D, H @ V @ H.T)))
    spread = float(np.sum(eigen ** 2))
    total = float(statistic.sum())
    adjusted = (r - 1) * c * total / spread
    df_rs2 = (r - 1) ** 2 * c ** 2 / spread
    p_each = stats.chi2.sf(statistic, r - 1)
    bonferroni = np.minimum(1.0, c * p_each)
    out = pd.DataFrame({"option": list(options), "statistic": statistic,
                        "statistic_rs2": np.nan, "df": float(r - 1), "p_value": p_each,
                        "p_bonferroni": bonferroni, "method": "Pearson, Bonferroni"})
    overall = pd.DataFrame({"option": ["all"], "statistic": [total],
                            "statistic_rs2": [adjusted], "df": [df_rs2],
                            "p_value": [float(stats.chi2.sf(adjusted, df_rs2))],
                            "p_bonferroni": [float(bonferroni.min())],
                            "method": ["Bilder & Loughin X²_S, Rao-Scott second order"]})
    return pd.concat([out, overall], ignore_index=True)


def _share_covariance(frame, chosen, keep, levels, by, call, shares, group_weight):
    """The design covariance of the group × option shares (r·c × r·c, group-major).

    Share (i, k)'s linearised variable is ``w (y_k − p_ik) / W_i`` in group i, constant
    within each (group, pattern of options) domain of :class:`_Patterns`; a covariance is
    ``(Var(q + s) − Var(q) − Var(s)) / 2``, all from the one variance (on a replicate design
    the replicates' shares themselves: R's ``vcov(svyby(..., covmat = TRUE))``).
    """
    r, c = shares.shape
    patterns = _Patterns(frame, chosen, keep, [by], pd.DataFrame({by: levels}), call)
    domain = np.flatnonzero(patterns.group >= 0)
    group = patterns.group[domain]
    coefficient = patterns.asked[domain][:, None, :] * (
        patterns.chosen[domain][:, None, :] - shares[group][:, None, :].reshape(
            len(domain), 1, c)) / group_weight[group][:, None, None]          # domains × 1 × c
    # spread over the r·c shares: a domain counts only for its own group's shares
    values = np.zeros((len(domain), r, c))
    values[np.arange(len(domain)), group] = coefficient[:, 0, :]
    values = values.reshape(len(domain), r * c)
    Q = r * c
    pairs = [(q, q) for q in range(Q)] + list(combinations(range(Q), 2))
    first = np.array([q for q, _ in pairs])
    second = np.array([s for _, s in pairs])
    combined = values[:, first] + np.where(first == second, 0.0, 1.0) * values[:, second]
    entry, target = np.nonzero(combined)

    def statistic(W, Y):
        with np.errstate(divide="ignore", invalid="ignore"):
            share = patterns.sums(patterns.chosen, W) / patterns.sums(patterns.asked, W)
        share = share.reshape(Q, -1)
        return share[first] + np.where(first == second, 0.0, 1.0)[:, None] * share[second]

    variance = influence_variance(patterns.tally, Influence(
        domain[entry], target, combined[entry, target], np.zeros(len(entry)), len(pairs),
        statistic)).variance
    covariance = np.zeros((Q, Q))
    covariance[np.arange(Q), np.arange(Q)] = variance[:Q]
    for t, (q, s) in enumerate(pairs[Q:], start=Q):
        covariance[q, s] = covariance[s, q] = (variance[t] - variance[q] - variance[s]) / 2
    return covariance
