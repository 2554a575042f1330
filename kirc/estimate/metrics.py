"""The sector's figures as tidy tables: NPS, CSAT (top box), shares and mean scores, by domain.

Every estimator goes one way: the **measure** (:mod:`kirc.measures`: what an answer means) →
the **tally** of the engine that holds the rows (:mod:`kirc.estimate.engines`) → the **one
variance** (:mod:`kirc.estimate.variance`) → the **interval** (:mod:`kirc.intervals`) → a frame
with the same columns whatever the metric:

============  ==============================================================================
column        meaning
============  ==============================================================================
``<by>``      the grouping columns, in the order given
``estimate``  the metric: shares in percent (0–100), NPS in points (−100 to +100), means in
              scale units
``ci_low``    lower limit of the confidence interval (same unit)
``ci_high``   upper limit
``n``         valid answers (missing values, user-missing codes and zero weights excluded)
``n_eff``     Kish's effective sample size ``(Σw)² / Σw²``; equals ``n`` unweighted
``n_missing`` rows of the group whose answer is missing (system- or user-missing)
``method``    the interval method
``flag``      ``"n<30"`` when ``n_eff`` is below the survey's threshold (:mod:`kirc.disclose`)
============  ==============================================================================

and after them ``se`` (the design-based standard error, in the estimate's unit), ``deff`` (the
design effect, R's ``deff="replace"``) and ``df`` (the design's degrees of freedom for the
group). Rows whose ``by`` value is missing form a group of their own (its key is missing), so
that no respondent silently disappears.

The survey design
-----------------
A survey (:func:`kirc.load_survey`, :func:`kirc.as_survey`, :func:`kirc.calibrate`) carries
its design: weights, strata (the years among them), clusters, finite population, calibration.
A filtered survey is a domain of the whole sample. Any other frame is a simple random sample.
``design=`` states a design for the call; ``weights=`` and ``population=`` override that part of
it (``weights=None``: unweighted; ``weights="auto"``: the design's weight, else the file's
declared one, else a column named ``weight``, ``gewicht``, ``weegfactor`` or ``wgt``).

* A group of an **unweighted sample without clusters that lies within one stratum** is a simple
  random sample: its interval is count-based (Wilson; Rocks' adjusted Wald for the NPS) on the
  sample size ``n / (1 − f)``, ``f`` the sampling fraction of its stratum.
* Otherwise the interval is the design's: :func:`kirc.intervals.design_proportion_interval`
  (Korn–Graubard's beta interval, as R's ``svyciprop(method="beta")``) and
  :func:`kirc.intervals.design_nps_interval`, with the t quantile of the group's degrees of
  freedom; a mean's is ``mean ± t(df)·se``.

Validated against R ``survey`` 4.1.1 on the ``api`` data sets (simple random sample,
stratified with fpc, cluster sample with fpc, calibrated): ``svymean``, ``svyby``,
``svyciprop`` (logit, beta) and ``degf`` in ``tests/test_design.py`` and
``tests/test_weighting.py``.
"""

from __future__ import annotations

import difflib

import numpy as np
import pandas as pd

from .. import config, disclose, display
from .._compat import keyword_only
from ..errors import ColumnError, ParameterError
from ..measures import Measure, Share, measure_of
from ..survey.survey import FROM_DESIGN, min_n_of, resolve_design
from . import engines
from .variance import domain_estimates

__all__ = ["nps", "csat", "top_box", "mean_score", "share", "chatbot_success",
           "avg_readiness", "first_contact_resolution", "relation_quotient", "estimate",
           "STANDARD_COLUMNS", "DESIGN_COLUMNS"]

STANDARD_COLUMNS = ["estimate", "ci_low", "ci_high", "n", "n_eff", "n_missing", "method", "flag"]
#: Columns after the standard ones: design standard error, design effect, degrees of freedom.
DESIGN_COLUMNS = ["se", "deff", "df"]


# --------------------------------------------------------------------------------------------
# the call


def as_list(by) -> list[str]:
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    return list(by)


def require_columns(data, columns, source=None) -> None:
    """A :class:`kirc.ColumnError` for a column that is not there, with "did you mean"."""
    if not isinstance(data, pd.DataFrame):
        return                                          # an engine checks its own schema
    for column in columns:
        if column not in data.columns:
            names = [str(c) for c in data.columns]
            close = difflib.get_close_matches(str(column), names, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}? " if close else ""
            shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
            raise ColumnError(f"no such column; {hint}the data has {shown}", file=source,
                              column=column)


def for_column(measure: Measure, call, column: str) -> Measure:
    """The measure as the survey's construct of ``column`` allows and declares it."""
    spec = (call.info.constructs.get(column) if call.info is not None else None)
    measure.check_construct(spec, source=call.source, column=column)
    if isinstance(measure, Share):
        return measure.for_construct(spec)
    return measure


def count_based(design, tally) -> bool:
    """An unweighted sample of respondents without clusters, calibration or replicate
    weights: its groups may have count-based intervals (and, without returning units, tests)."""
    return (design.weights is None and design.psu is None and tally.calibration is None
            and design.replicates is None)


def design_method(design, tally) -> str:
    """The name of a design-based comparison: Wald-t with the design's variance, saying which
    (Taylor linearisation, with returning units' covariance, or replicate weights)."""
    if tally.replicates is not None:
        return f"replicates ({tally.replicates.replicates.method}), t"
    if tally.linked:
        return "design (Taylor), returning units (Tam 1984), t"
    return "design (Taylor), t"


def counted(est: pd.DataFrame, call, tally) -> np.ndarray:
    """Groups whose interval is count-based: an unweighted, unclustered, uncalibrated design
    and a group inside one stratum (a simple random sample of that stratum)."""
    design = call.design
    if not count_based(design, tally):
        return np.zeros(len(est), dtype=bool)
    single = est["strata"].to_numpy() <= 1
    if design.has_fpc and len(tally.strata) > 1:
        # unit weights N_h / m_h make a group spanning strata a stratified estimate
        single &= ~np.isnan(est["fraction"].to_numpy(float))
    return single


def estimate(data, measure: Measure, column: str, *, by=None, design=None,
             weights=FROM_DESIGN, population=FROM_DESIGN, method: str | None = None,
             confidence: float = config.CONFIDENCE, min_n: int | None = None) -> pd.DataFrame:
    """The estimate of ``measure`` on ``column`` per ``by`` group: the one path of every
    estimator (see the module notes)."""
    by = as_list(by)
    call = resolve_design(data, design, weights, population)
    require_columns(data, [column, *by], call.source)
    measure = for_column(measure, call, column)
    tally = engines.tally_measure(data, measure, column, by, call)
    est = domain_estimates(tally)
    return result(measure, column, est, tally, call, by, method, confidence,
                  min_n_of(data, min_n if min_n is not None else call.min_n))


def result(measure: Measure, column: str, est: pd.DataFrame, tally, call, by, method,
           confidence, min_n: int) -> pd.DataFrame:
    """The tidy frame of domain estimates (the module's columns)."""
    count_based = counted(est, call, tally)
    low, high = measure.interval(est, count_based, method, confidence)
    used = np.where(count_based, method or measure.default_method(True),
                    method or measure.default_method(False)).astype(object)
    factor = measure.factor
    empty = est["n"].to_numpy() == 0
    columns = {}
    for name, values in (("estimate", est["estimate"].to_numpy(float)), ("ci_low", low),
                         ("ci_high", high)):
        values = factor * np.asarray(values, float)
        columns[name] = np.where(empty, np.nan, values)
    n_eff = est["n_kish"].to_numpy(float)
    se = est["se"].to_numpy(float)
    if measure.kind == "mean":
        se = np.where(est["n"].to_numpy() < 2, np.nan, se)
    columns.update({
        "n": est["n"].to_numpy(np.int64), "n_eff": n_eff,
        "n_missing": est["n_missing"].to_numpy(np.int64),
        "method": used, "flag": disclose.flag(n_eff, min_n),
        "se": factor * se, "deff": est["deff"].to_numpy(float),
        "df": est["df"].to_numpy(float)})
    columns.update(measure.extra(est))
    values = pd.DataFrame(columns)
    keys = est[by].reset_index(drop=True) if by else None
    out = pd.concat([keys, values], axis=1) if by else values
    return display.with_view(out.reset_index(drop=True), display.estimates_view(
        measure, column, call, by, min_n=min_n, confidence=confidence))


# --------------------------------------------------------------------------------------------
# public estimators


def _refuse_column_as_positive(given: dict, data) -> None:
    """``share(df, "fcr", "sector")`` took "sector" as the positive code: refuse that call."""
    positive = given.get("positive")
    if isinstance(positive, str) and isinstance(data, pd.DataFrame) and \
            positive in data.columns:
        raise ParameterError(f"share(): the third argument is positive=, the answers that count "
                             f"as yes, but {positive!r} is a column; did you mean "
                             f"by={positive!r}?")


@keyword_only("positive", "by", "weights", "method", "confidence", "population", "min_n",
              refuse=_refuse_column_as_positive)
def share(data, column: str, *, positive=None, negative=None, by=None, design=None,
          weights=FROM_DESIGN, population=FROM_DESIGN, method: str | None = None,
          confidence: float = config.CONFIDENCE, min_n: int | None = None) -> pd.DataFrame:
    """Share of answers that are ``positive``, in percent, with a confidence interval.

    The building block of chatbot success, first-contact resolution, the Relatie Quotiënt and AVG
    readiness: any yes/no share.

    Parameters
    ----------
    data : pandas.DataFrame or kirc.Survey
        One row per respondent; also a Parquet/CSV path, a DuckDB relation, a Spark DataFrame
        or an iterator of DataFrames (:mod:`kirc.estimate.engines`).
    column : str
        The answer column. Missing values (NaN, and user-missing codes already turned into NaN by
        :func:`kirc.read_survey`) are excluded from ``n`` and counted in ``n_missing``.
    positive : scalar or list, default 1
        The value(s) that count as "yes". For a labelled categorical column give the label(s).
    negative : scalar or list, optional
        The value(s) that count as "no". With it, a value that is neither positive, negative
        nor missing raises :class:`kirc.ScaleError`. Without it every other value counts as
        "no" (a survey's binary construct declares its own), and a value that looks like an
        undeclared missing code (97–99, −1) gives a :class:`kirc.KircWarning`.
    by : str or list of str, optional
        Grouping columns; a categorical column yields a row for every category, also empty
        ones; rows with a missing value form a group of their own.
    design : kirc.Design, optional
        The survey design; default the survey's (a simple random sample for a plain frame).
    weights : str, None or "auto", optional
        Override the design's weights (``None``: unweighted; see the module notes).
    population : int, dict or None, optional
        Override the design's population (``None``: no finite population correction).
    method : {"wilson", "clopper-pearson", "beta", "jeffreys", "agresti-coull", "wald", "logit"}
        Interval method, see :func:`kirc.intervals.proportion_interval`; default Wilson for a
        simple random sample and :data:`kirc.intervals.DEFAULT_DESIGN_PROPORTION_METHOD`
        (Korn–Graubard) for a design (module notes).
    confidence : float, default 0.95
    min_n : int, optional
        Threshold of the effective ``n`` below which a row is flagged; default the survey's
        ``min_n`` or 30.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, ``estimate``, ``ci_low``, ``ci_high`` (percent), ``n``, ``n_eff``,
        ``n_missing``, ``method``, ``flag``, ``se`` (percentage points), ``deff``, ``df``.

    Notes
    -----
    Unweighted simple random samples: validated against statsmodels' ``proportion_confint``
    (through :func:`kirc.intervals.proportion_interval`). Designs: against R ``survey`` 4.1.1
    ``svymean``, ``svyby`` and ``svyciprop`` on the ``api`` data (``tests/test_design.py``).

    In R: ``svyciprop(~I(fcr == 1), design, method="beta")``.

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> df = pd.DataFrame({"solved": [1, 1, 0, 1, None], "channel": list("aabbb")})
    >>> kirc.share(df, "solved")[["estimate", "n", "n_missing"]].round(2)
       estimate  n  n_missing
    0      75.0  4          1
    >>> kirc.share(df, "solved", by="channel")[["channel", "estimate", "n", "flag"]]
      channel  estimate  n  flag
    0       a     100.0  2  n<30
    1       b      50.0  2  n<30
    """
    measure = measure_of("share", positive=positive, negative=negative)
    return estimate(data, measure, column, by=by, design=design, weights=weights,
                    population=population, method=method, confidence=confidence, min_n=min_n)


share.metric_name = "share"


@keyword_only("by", "weights", "method", "confidence", "population", "top", "scale", "min_n")
def csat(data, column: str, *, top: int = 2, scale: tuple[int, int] = (1, 5), by=None,
         design=None, weights=FROM_DESIGN, population=FROM_DESIGN, method: str | None = None,
         confidence: float = config.CONFIDENCE, min_n: int | None = None) -> pd.DataFrame:
    """Customer satisfaction: the share of answers in the top ``top`` boxes of ``scale``.

    With the default 1–5 scale and ``top=2``, answers 4 ("tevreden") and 5 ("zeer tevreden")
    count as satisfied (:class:`kirc.measures.TopBox`). Answers outside the scale raise
    :class:`kirc.ScaleError`, so that a forgotten "99 = weet niet" code never counts as very
    satisfied. Other parameters as :func:`share`.

    Returns
    -------
    pandas.DataFrame
        The standard columns (see :func:`share`), estimate in percent.

    Notes
    -----
    In R: ``svyciprop(~I(csat >= 4), design, method="beta")``.

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> df = pd.DataFrame({"tevredenheid": [5, 4, 4, 3, 1, 2, 5, 4]})
    >>> kirc.csat(df, "tevredenheid")[["estimate", "ci_low", "ci_high", "n"]].round(1)
       estimate  ci_low  ci_high  n
    0      62.5    30.6     86.3  8
    """
    measure = measure_of("csat", scale=scale, top=top)
    return estimate(data, measure, column, by=by, design=design, weights=weights,
                    population=population, method=method, confidence=confidence, min_n=min_n)


csat.metric_name = "csat"


def top_box(data, column: str, *, scale: tuple[int, int], top: int = 2, by=None, design=None,
            weights=FROM_DESIGN, population=FROM_DESIGN, method: str | None = None,
            confidence: float = config.CONFIDENCE, min_n: int | None = None) -> pd.DataFrame:
    """The share of answers in the top ``top`` points of any rating ``scale`` (CSAT's kind).

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> df = pd.DataFrame({"score": [10, 9, 7, 3, 8, 9]})
    >>> kirc.top_box(df, "score", scale=(0, 10), top=2)[["estimate", "n"]].round(2)
       estimate  n
    0      50.0  6
    """
    measure = measure_of("top_box", scale=scale, top=top)
    return estimate(data, measure, column, by=by, design=design, weights=weights,
                    population=population, method=method, confidence=confidence, min_n=min_n)


top_box.metric_name = "top_box"


@keyword_only("by", "weights", "method", "confidence", "population", "min_n")
def nps(data, column: str, *, by=None, design=None, weights=FROM_DESIGN,
        population=FROM_DESIGN, method: str | None = None,
        confidence: float = config.CONFIDENCE, min_n: int | None = None) -> pd.DataFrame:
    """Net Promoter Score with a confidence interval, and its composition.

    NPS = % promoters (9–10) − % detractors (0–6) of the answers on the 0–10 "would you
    recommend" question, in points from −100 to +100: the mean of the score +1 (promoter),
    0 (passive), −1 (detractor), which is how its design-based variance is computed
    (:class:`kirc.measures.NPS`).

    Parameters
    ----------
    data, by, design, weights, population, confidence, min_n
        As in :func:`share`.
    column : str
        The 0–10 rating. Missing values are excluded; values outside 0–10 or not whole numbers
        raise :class:`kirc.ScaleError`, and so does a survey construct that is not a 0–10
        rating.
    method : {"score", "adjusted-wald", "wald", "bootstrap"}, optional
        Default :data:`kirc.intervals.DEFAULT_NPS_METHOD` for a simple random sample (the
        exact coverage study in ``benchmarks/coverage_nps.py``) and
        :data:`kirc.intervals.DEFAULT_DESIGN_NPS_METHOD` for a design
        (:func:`kirc.intervals.design_nps_interval`).

    Returns
    -------
    pandas.DataFrame
        The standard columns (estimate, ci_low, ci_high in NPS points), ``se``, ``deff``,
        ``df``, plus ``promoters``, ``passives`` and ``detractors`` in percent.

    Notes
    -----
    The interval methods are validated in :mod:`kirc.intervals` (Tango 1998 worked values,
    exact coverage); the estimate and its standard error against R's ``svymean`` of the score
    (``tests/test_design.py``).

    In R: ``svymean(~I((nps >= 9) - (nps <= 6)), design)``.

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> df = pd.DataFrame({"aanbeveling": [10, 9, 9, 8, 7, 6, 3, 10, 9, 0]})
    >>> out = kirc.nps(df, "aanbeveling")
    >>> out[["estimate", "promoters", "passives", "detractors", "n"]]
       estimate  promoters  passives  detractors   n
    0      20.0       50.0      20.0        30.0  10
    """
    return estimate(data, measure_of("nps"), column, by=by, design=design, weights=weights,
                    population=population, method=method, confidence=confidence, min_n=min_n)


nps.metric_name = "nps"


@keyword_only("by", "weights", "confidence", "population", "scale", "min_n")
def mean_score(data, column: str, *, scale=None, by=None, design=None, weights=FROM_DESIGN,
               population=FROM_DESIGN, confidence: float = config.CONFIDENCE,
               min_n: int | None = None) -> pd.DataFrame:
    """Mean rating with a t interval from the design-based (linearisation) standard error.

    Parameters
    ----------
    data, by, design, weights, population, confidence, min_n
        As in :func:`share`.
    column : str
        The rating.
    scale : (low, high), optional
        When given, answers outside it raise :class:`kirc.ScaleError`.

    Returns
    -------
    pandas.DataFrame
        The standard columns (estimate = mean in scale units), ``se``, ``deff``, ``df`` and
        ``sd`` (the weighted standard deviation, divisor ``n − 1``).

    Notes
    -----
    ``mean ± t(df) · se`` with the linearised standard error of the design and its degrees of
    freedom: unweighted and without a finite population ``s/√n`` with ``n − 1`` degrees of
    freedom (validated against ``scipy.stats.t.interval``); with strata, clusters and fpc as R's
    ``svymean`` and ``confint(svymean(...), df=degf(design))`` (validated to 1e-10 on the ``api``
    data). The method column reads ``"t"``.

    In R: ``confint(svyby(~y, ~group, design, svymean), df=degf(design))``.

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> df = pd.DataFrame({"tevredenheid": [5, 4, 4, 3, 1, 2, 5, 4]})
    >>> kirc.mean_score(df, "tevredenheid")[["estimate", "ci_low", "ci_high", "n"]].round(3)
       estimate  ci_low  ci_high  n
    0       3.5   2.318    4.682  8
    """
    return estimate(data, measure_of("mean", scale=scale), column, by=by, design=design,
                    weights=weights, population=population, confidence=confidence,
                    min_n=min_n)


mean_score.metric_name = "mean"


# --------------------------------------------------------------------------------------------
# convenience names on a harmonised survey (kirc.load_survey)


def _construct_share(construct: str, name: str, description: str):
    def metric(data, *, by=None, design=None, weights=FROM_DESIGN, population=FROM_DESIGN,
               method: str | None = None, confidence: float = config.CONFIDENCE,
               min_n: int | None = None) -> pd.DataFrame:
        return share(data, construct, by=by, design=design, weights=weights,
                     population=population, method=method, confidence=confidence,
                     min_n=min_n)

    metric.__name__ = metric.__qualname__ = name
    metric.metric_name = "share"
    metric.__doc__ = f"""{description}

    A share (see :func:`kirc.share`) of the harmonised binary construct ``{construct}`` of a
    survey from :func:`kirc.load_survey`, whose definition says which answer codes count as
    yes. The survey's design (weights, strata, clusters, population, calibration) applies;
    ``weights=None`` gives unweighted figures.

    Returns
    -------
    pandas.DataFrame
        The standard columns, estimate in percent.
    """
    return keyword_only("by", "weights", "method", "confidence", "population", "min_n")(metric)


chatbot_success = _construct_share(
    "chatbot_success", "chatbot_success",
    "Chatbot success rate: share of chatbot contacts that solved the question.")
first_contact_resolution = _construct_share(
    "fcr", "first_contact_resolution",
    "First-contact resolution: share of contacts solved in the first contact.")
relation_quotient = _construct_share(
    "relation", "relation_quotient",
    "Relatie Quotiënt: share of contacts that kept or strengthened the relationship.")
avg_readiness = _construct_share(
    "avg_ready", "avg_readiness",
    "AVG (GDPR) readiness: share of organisations that are ready.")
avg_readiness.__doc__ += """
    Examples
    --------
    The finite population correction of the organisation survey's design (about 170 member
    organisations a year) applies; a sector is a domain of its year's sample.

    >>> import pandas as pd, kirc
    >>> orgs = pd.DataFrame({"year": [2017] * 120, "avg_ready": [1.0] * 10 + [0.0] * 110})
    >>> out = kirc.avg_readiness(orgs, by="year", population={2017: 170})
    >>> out[["year", "estimate", "ci_low", "ci_high", "n"]].round(2)
       year  estimate  ci_low  ci_high    n
    0  2017      8.33    6.02    11.42  120

    In R: ``svyby(~avg_ready, ~sector, svydesign(ids=~1, strata=~year, fpc=~N, data=orgs),
    svymean)``.
"""
