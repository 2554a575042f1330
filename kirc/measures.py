"""What is estimated from one answer column: the Net Promoter Score, a top box, a share, a mean.

A :class:`Measure` is the one place that knows what an answer means. Everything that needs to
know "what is an NPS" asks it: the estimators (:func:`kirc.nps`, :func:`kirc.share`, ...), the
contrasts and changes, the crosstab letters, the engines (DuckDB, Spark, chunks), the report,
the tab book and ``kirc init``. It holds

* the **answer rule** (:meth:`Measure.answers`): which answers are valid, the value ``y`` each
  contributes to the estimate (1/0 for a share, +1/0/−1 for the NPS, the answer for a mean) and
  its answer class (promoter, passive, detractor; yes, no). The rule runs on a column or on the
  distinct values an engine found (each standing for a number of rows), with the same errors;
* the **valid scale**: an answer off the scale is a :class:`kirc.ScaleError` naming the column,
  and so is a survey construct of the wrong kind (an NPS of a 1–5 item, a share of a 0–10
  rating, :meth:`Measure.check_construct`);
* the **unit** of its results (``percent``, NPS ``points``, ``score``) and their factor;
* its **interval** (:meth:`Measure.interval`: count-based for an unweighted simple random
  sample, through :mod:`kirc.intervals`' design functions otherwise) and the count-based
  **difference** of two independent groups (:meth:`Measure.difference`: the score interval
  and pooled z-test for shares, MOVER for the NPS, Welch for means).

:func:`measure_of` turns a metric name (``"nps"``, ``"csat"``, ``"top_box"``, ``"share"``,
``"mean"``) and its options into a measure: the one table of metric names in the package.

Examples
--------
>>> import pandas as pd, kirc
>>> from kirc.measures import measure_of
>>> m = measure_of("csat")
>>> m
TopBox(scale=(1, 5), top=2)
>>> answers = m.answers(pd.Series([5, 4, 2, None]))
>>> answers.valid.tolist(), answers.y.tolist()
([True, True, True, False], [1.0, 1.0, 0.0, 0.0])
>>> measure_of("nps").answers(pd.Series([3, 11]), column="aanbeveling")
Traceback (most recent call last):
...
kirc.errors.ScaleError: column 'aanbeveling': 1 answers are outside the scale 0–10 (for example 11); declare codes such as 99 'weet niet' as missing
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd

from . import intervals
from ._frozen import Shared
from .errors import ParameterError, ScaleError, did_you_mean, warn

__all__ = ["Measure", "NPS", "TopBox", "Share", "Mean", "Answers", "measure_of", "METRICS",
           "UNITS"]

#: Answers that look like an undeclared missing code in a yes/no column.
LOOKS_MISSING = (97, 98, 99, -1)

#: Result unit of each kind of measure (the report's words for it live in report/texts.py).
UNITS = {"nps": "points", "proportion": "percent", "mean": "score"}


@dataclass
class Answers:
    """The answer rule applied to a column (or to distinct values): one entry per value."""

    valid: np.ndarray           # bool: a valid (non-missing) answer
    y: np.ndarray               # float: what the answer adds to the estimate (0 where invalid)
    code: np.ndarray | None     # int: answer class 0..K−1, −1 where invalid (None for a mean)


# --------------------------------------------------------------------------------------------
# shared checks


def _where(source, column) -> dict:
    return {"file": source, "column": column}


def _numbers(values: pd.Series, counts: np.ndarray | None, source, column) -> np.ndarray:
    """The answers as float; texts that are not numbers are a ScaleError naming the column."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = values.cat.categories
        if pd.api.types.is_numeric_dtype(categories):
            return values.astype("float64").to_numpy()
        raise ScaleError(f"holds labelled categories ({', '.join(map(str, categories[:3]))}, "
                         "...), not numbers; read it without apply_value_labels",
                         **_where(source, column))
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("float64").to_numpy()
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.to_numpy(dtype="float64", na_value=np.nan)
    converted = pd.to_numeric(values, errors="coerce")
    bad = (converted.isna() & values.notna()).to_numpy()
    if bad.any():
        examples = ", ".join(repr(v) for v in pd.unique(values[bad])[:3])
        count = int(bad.sum() if counts is None else counts[bad].sum())
        raise ScaleError(f"{count} values are not numbers (for example {examples})",
                         **_where(source, column))
    return converted.to_numpy(dtype="float64", na_value=np.nan)


def _check_scale(values: np.ndarray, counts, low, high, integer: bool, source, column) -> None:
    finite = ~np.isnan(values)
    with np.errstate(invalid="ignore"):
        outside = finite & ((values < low) | (values > high))
        if integer:
            outside |= finite & (values != np.floor(values))
    if not outside.any():
        return
    examples = ", ".join(f"{v:g}" for v in np.unique(values[outside])[:5])
    count = int(outside.sum() if counts is None else counts[outside].sum())
    raise ScaleError(f"{count} answers are outside the scale {low:g}–{high:g} (for example "
                     f"{examples}); declare codes such as 99 'weet niet' as missing",
                     **_where(source, column))


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple, set, frozenset)) else [value]


def _scale_text(spec: Mapping) -> str:
    scale = spec.get("scale")
    return f"a {scale[0]}–{scale[1]} rating" if scale else f"a {spec.get('type')} question"


# --------------------------------------------------------------------------------------------
# the measures


@dataclass(frozen=True)
class Measure(Shared):
    """What is estimated from an answer column; see the module notes.

    Subclasses set ``name`` (the metric name), ``kind`` (``"proportion"``, ``"nps"`` or
    ``"mean"``) and ``classes`` (the answer classes counted in a tally).
    """

    name: ClassVar[str] = ""
    kind: ClassVar[str] = ""
    classes: ClassVar[tuple] = ()

    @property
    def unit(self) -> str:
        """``"percent"``, ``"points"`` or ``"score"``: the unit of estimates and intervals."""
        return UNITS[self.kind]

    @property
    def factor(self) -> float:
        """Multiplier from the estimator's scale (0–1, −1..1) to the result's unit."""
        return 1.0 if self.kind == "mean" else 100.0

    @property
    def discrete(self) -> bool:
        """True when the answers fall into classes (an engine then groups by answer value)."""
        return self.kind != "mean"

    def answers(self, values: pd.Series, *, counts: np.ndarray | None = None, source=None,
                column=None) -> Answers:
        """Apply the answer rule; ``counts``: rows each (distinct) value stands for."""
        raise NotImplementedError

    def check_construct(self, spec: Mapping | None, *, source=None, column=None) -> None:
        """Refuse a survey construct this measure cannot be taken of (a ScaleError)."""

    # ---- intervals --------------------------------------------------------------------------
    def default_method(self, counted: bool) -> str:
        raise NotImplementedError

    def interval(self, est: pd.DataFrame, counted: np.ndarray, method: str | None,
                 confidence: float) -> tuple[np.ndarray, np.ndarray]:
        """Limits (in the estimator's scale) per domain of the domain estimates ``est``
        (:func:`kirc.estimate.variance.domain_estimates`); ``counted`` marks the count-based
        domains. ``method`` None: each kind of domain its :meth:`default_method`."""
        raise NotImplementedError

    def _methods(self, method, counted) -> tuple[str, str]:
        count_method = method or self.default_method(True)
        design_method = method or self.default_method(False)
        return count_method, design_method

    def difference(self, a: pd.DataFrame, b: pd.DataFrame, method: str | None,
                   confidence: float):
        """Count-based interval and p-value of ``a − b`` for independent groups.

        ``a`` and ``b`` are rows of domain estimates (with ``nobs``, the sample size behind a
        count-based interval). Returns ``(method, low, high, p_value)`` in the estimator's
        scale.
        """
        raise NotImplementedError

    def extra(self, est: pd.DataFrame) -> dict:
        """Result columns after the standard ones (the NPS composition, a mean's sd)."""
        return {}


def _nobs(est: pd.DataFrame) -> np.ndarray:
    """Sample size of a simple random sample for an interval formula: ``n / (1 − f)``."""
    n = est["n"].to_numpy(float)
    fraction = est["fraction"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(fraction < 1, n / (1 - fraction), np.inf)


def _census(low, high, estimate, nobs):
    """A census (every unit observed) has no sampling error: the interval is the estimate."""
    low, high = np.asarray(low, float).copy(), np.asarray(high, float).copy()
    census = np.isinf(nobs)
    low[census], high[census] = estimate[census], estimate[census]
    return low, high


class _Proportion(Measure):
    """A share of answers that count as yes (a top box is one): classes ``no``, ``yes``."""

    kind: ClassVar[str] = "proportion"
    classes: ClassVar[tuple] = ("no", "yes")

    def default_method(self, counted: bool) -> str:
        return "wilson" if counted else intervals.DEFAULT_DESIGN_PROPORTION_METHOD

    def interval(self, est, counted, method, confidence):
        count_method, design_method = self._methods(method, counted)
        p = np.clip(np.nan_to_num(est["estimate"].to_numpy(float)), 0.0, 1.0)
        n = est["n"].to_numpy(float)
        low, high = np.full(len(est), np.nan), np.full(len(est), np.nan)
        c = np.flatnonzero(counted & (n > 0))
        if len(c):
            nobs = _nobs(est)[c]
            size = np.where(np.isfinite(nobs), nobs, 0.0)
            low[c], high[c] = _census(*intervals.proportion_interval(
                p[c] * size, size, method=count_method, confidence=confidence), p[c], nobs)
        d = np.flatnonzero(~counted & (n > 0))
        if len(d):
            low[d], high[d] = intervals.design_proportion_interval(
                p[d], est["variance"].to_numpy(float)[d], n[d], est["df"].to_numpy(float)[d],
                method=design_method, confidence=confidence)
        return low, high

    def difference(self, a, b, method, confidence):
        method = method or intervals.DEFAULT_DIFFERENCE_METHOD
        na, nb = a["nobs"].to_numpy(float), b["nobs"].to_numpy(float)
        na, nb = np.minimum(na, 1e12), np.minimum(nb, 1e12)     # a census: a huge n
        xa = np.nan_to_num(a["estimate"].to_numpy(float) * na)
        xb = np.nan_to_num(b["estimate"].to_numpy(float) * nb)
        low, high = intervals.difference_interval(xa, na, xb, nb, method=method,
                                                  confidence=confidence)
        p_value = intervals.difference_pvalue(xa, na, xb, nb, method=method)
        return method, np.asarray(low, float), np.asarray(high, float), \
            np.asarray(p_value, float)


@dataclass(frozen=True)
class TopBox(_Proportion):
    """The share of answers in the top ``top`` points of a rating ``scale``.

    CSAT is the preset ``TopBox(scale=(1, 5), top=2)``: answers 4 ("tevreden") and 5 ("zeer
    tevreden") of 1–5. Answers off the scale are a ScaleError, so that a forgotten
    "99 = weet niet" never counts as very satisfied.

    In R: ``svymean(~I(csat >= 4), design)``.
    """

    scale: tuple = (1, 5)
    top: int = 2
    name: ClassVar[str] = "top_box"

    def __post_init__(self):
        low, high = self.scale
        object.__setattr__(self, "scale", (int(low), int(high)))
        if not 1 <= self.top <= high - low + 1:
            raise ParameterError(f"top={self.top} boxes does not fit the scale {low}–{high}")

    @property
    def cut(self) -> int:
        """The lowest answer in the top box."""
        return self.scale[1] - self.top + 1

    def answers(self, values, *, counts=None, source=None, column=None):
        numbers = _numbers(values, counts, source, column)
        _check_scale(numbers, counts, *self.scale, True, source, column)
        valid = ~np.isnan(numbers)
        with np.errstate(invalid="ignore"):
            top = valid & (numbers >= self.cut)
        return Answers(valid, top.astype(float), np.where(valid, top.astype(np.int64), -1))

    def check_construct(self, spec, *, source=None, column=None):
        if spec is None:
            return
        if spec.get("type") != "rating" or tuple(spec.get("scale") or ()) != self.scale:
            raise ScaleError(f"is {_scale_text(spec)}, not a {self.scale[0]}–{self.scale[1]} "
                             f"scale: give the top box scale= and top= of this question",
                             **_where(source, column))


@dataclass(frozen=True)
class Share(_Proportion):
    """The share of answers that are ``positive`` (any yes/no question).

    ``negative`` lists the answers that count as no; with it, any other answer is a ScaleError.
    Without it every other answer counts as no, and an answer that looks like an undeclared
    missing code (97–99, −1) gives a warning. A binary construct of a survey definition (1
    yes, 0 no) declares its own negative code.

    In R: ``svyciprop(~I(fcr == 1), design)``.
    """

    positive: tuple = (1,)
    negative: tuple | None = None
    #: False when ``positive`` is the default (1), not a choice of the caller
    explicit: bool = field(default=True, compare=False, repr=False)
    name: ClassVar[str] = "share"

    def __post_init__(self):
        object.__setattr__(self, "positive", tuple(_as_list(self.positive)))
        if self.negative is not None:
            object.__setattr__(self, "negative", tuple(_as_list(self.negative)))

    def answers(self, values, *, counts=None, source=None, column=None):
        valid = values.notna().to_numpy()
        positives = list(self.positive)
        if isinstance(values.dtype, pd.CategoricalDtype):
            unknown = [v for v in positives + list(self.negative or ())
                       if v not in values.cat.categories]
            if unknown:
                raise ParameterError(f"positive/negative {unknown!r} is not among the "
                                     f"categories {list(values.cat.categories)}",
                                     **_where(source, column))
        positive = values.isin(positives).to_numpy()
        if self.negative is not None:
            other = valid & ~positive & ~values.isin(list(self.negative)).to_numpy()
            if other.any():
                examples = ", ".join(repr(v) for v in pd.unique(values[other])[:5])
                count = int(other.sum() if counts is None else counts[other].sum())
                raise ScaleError(f"{count} answers are neither positive {positives} nor "
                                 f"negative {list(self.negative)} (for example {examples}); "
                                 "declare codes such as 99 'weet niet' as missing",
                                 **_where(source, column))
        else:
            other = valid & ~positive
            if other.any():
                numeric = pd.to_numeric(values[other], errors="coerce")
                suspicious = numeric.isin(LOOKS_MISSING).to_numpy()
                if suspicious.any():
                    rows = counts[other][suspicious] if counts is not None else suspicious
                    warn_missing_like(pd.unique(numeric[suspicious]), int(np.sum(rows)),
                                      source, column)
        yes = valid & positive
        return Answers(valid, yes.astype(float), np.where(valid, yes.astype(np.int64), -1))

    def check_construct(self, spec, *, source=None, column=None):
        if spec is None or spec.get("type") in ("binary", "category", "text", None):
            return
        if not self.explicit and self.negative is None:
            raise ScaleError(f"is {_scale_text(spec)}; a share counts yes/no answers: use "
                             "kirc.nps or kirc.top_box, or say which answers count with "
                             "positive=", **_where(source, column))

    def for_construct(self, spec: Mapping | None) -> Share:
        """The share as a survey's binary construct declares it (1 yes, 0 no)."""
        if (spec is not None and spec.get("type") == "binary" and self.positive == (1,)
                and self.negative is None):
            return Share(positive=(1,), negative=(0,), explicit=self.explicit)
        return self


def warn_missing_like(codes, count: int, source, column) -> None:
    """The warning for answers that look like an undeclared missing code (97–99, −1)."""
    codes = ", ".join(f"{v:g}" for v in sorted(codes))
    where = ", ".join(str(part) for part in (source, f"column {column!r}" if column else None)
                      if part)
    warn(f"{where + ': ' if where else ''}{count} answers are {codes}, which looks like an "
         "undeclared missing code; they count as 'no'. Declare the code missing, or pass "
         "negative= so that unknown codes are an error")


@dataclass(frozen=True)
class NPS(Measure):
    """Net Promoter Score: % promoters (9–10) − % detractors (0–6) of a 0–10 question.

    The mean of the score +1 (promoter), 0 (passive), −1 (detractor), in points from −100 to
    +100; its design-based variance is that of the mean of the score.

    In R: ``svymean(~I((nps >= 9) - (nps <= 6)), design)``.
    """

    name: ClassVar[str] = "nps"
    kind: ClassVar[str] = "nps"
    classes: ClassVar[tuple] = ("detractor", "passive", "promoter")
    scale: ClassVar[tuple] = (0, 10)

    def answers(self, values, *, counts=None, source=None, column=None):
        numbers = _numbers(values, counts, source, column)
        _check_scale(numbers, counts, 0, 10, True, source, column)
        valid = ~np.isnan(numbers)
        with np.errstate(invalid="ignore"):
            code = np.where(valid, (numbers >= 7).astype(np.int64) + (numbers >= 9), -1)
        return Answers(valid, np.where(valid, code - 1.0, 0.0), code)

    def check_construct(self, spec, *, source=None, column=None):
        if spec is None:
            return
        if spec.get("type") != "rating" or tuple(spec.get("scale") or ()) != (0, 10):
            raise ScaleError(f"is {_scale_text(spec)}; an NPS needs a 0–10 'would you "
                             "recommend' question", **_where(source, column))

    def default_method(self, counted: bool) -> str:
        return intervals.DEFAULT_NPS_METHOD if counted else intervals.DEFAULT_DESIGN_NPS_METHOD

    @staticmethod
    def shares(est: pd.DataFrame):
        total = est["sum_w"].to_numpy(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            return tuple(est[f"w_{c}"].to_numpy(float) / total
                         for c in ("promoter", "passive", "detractor"))

    def interval(self, est, counted, method, confidence):
        count_method, design_method = self._methods(method, counted)
        pro, pas, det = (np.nan_to_num(share) for share in self.shares(est))
        n = est["n"].to_numpy(float)
        low, high = np.full(len(est), np.nan), np.full(len(est), np.nan)
        c = np.flatnonzero(counted & (n > 0))
        if len(c):
            nobs = _nobs(est)[c]
            size = np.where(np.isfinite(nobs), nobs, 0.0)
            low[c], high[c] = _census(*intervals.nps_interval(
                pro[c] * size, pas[c] * size, det[c] * size, method=count_method,
                confidence=confidence), pro[c] - det[c], nobs)
        d = np.flatnonzero(~counted & (n > 0))
        if len(d):
            low[d], high[d] = intervals.design_nps_interval(
                pro[d], det[d], est["variance"].to_numpy(float)[d], n[d],
                est["df"].to_numpy(float)[d], method=design_method, confidence=confidence)
        return low, high

    def difference(self, a, b, method, confidence):
        method = method or intervals.DEFAULT_NPS_DIFFERENCE_METHOD
        cells = []
        for frame in (a, b):
            nobs = np.minimum(frame["nobs"].to_numpy(float), 1e12)
            cells += [np.nan_to_num(share * nobs) for share in self.shares(frame)]
        low, high = intervals.nps_difference_interval(*cells, method=method,
                                                      confidence=confidence)
        p_value = intervals.nps_difference_pvalue(*cells, method=method)
        return method, np.asarray(low, float), np.asarray(high, float), \
            np.asarray(p_value, float)

    def extra(self, est):
        pro, pas, det = self.shares(est)
        return {"promoters": 100 * pro, "passives": 100 * pas, "detractors": 100 * det}


@dataclass(frozen=True)
class Mean(Measure):
    """The mean answer (a mean rating), with a t interval from its design-based variance.

    ``scale=(low, high)``, when given, makes an answer off the scale a ScaleError (fractions
    allowed).

    In R: ``confint(svymean(~y, design), df = degf(design))``.
    """

    scale: tuple | None = None
    name: ClassVar[str] = "mean"
    kind: ClassVar[str] = "mean"

    def answers(self, values, *, counts=None, source=None, column=None):
        numbers = _numbers(values, counts, source, column)
        if self.scale is not None:
            _check_scale(numbers, counts, self.scale[0], self.scale[1], False, source, column)
        valid = ~np.isnan(numbers)
        return Answers(valid, np.where(valid, numbers, 0.0), None)

    def check_construct(self, spec, *, source=None, column=None):
        if spec is not None and spec.get("type") in ("category", "text"):
            raise ScaleError(f"is {_scale_text(spec)}; a mean needs numbers",
                             **_where(source, column))

    def default_method(self, counted: bool) -> str:
        return "t"

    def interval(self, est, counted, method, confidence):
        low, high, _ = intervals.wald_t(est["estimate"], est["se"], est["df"], confidence)
        return low, high

    def difference(self, a, b, method, confidence):
        """Welch's t: design standard errors, Satterthwaite degrees of freedom."""
        diff = a["estimate"].to_numpy(float) - b["estimate"].to_numpy(float)
        se_a, se_b = a["se"].to_numpy(float), b["se"].to_numpy(float)
        df_a, df_b = a["df"].to_numpy(float), b["df"].to_numpy(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            se = np.sqrt(se_a ** 2 + se_b ** 2)
            df = se ** 4 / (se_a ** 4 / df_a + se_b ** 4 / df_b)
        low, high, p_value = intervals.wald_t(diff, se, df, confidence)
        return "welch", low, high, p_value

    def extra(self, est):
        with np.errstate(invalid="ignore"):
            sd = np.sqrt(est["variance_srs"].to_numpy(float) * est["n"].to_numpy(float))
        return {"sd": np.where(est["n"].to_numpy() < 2, np.nan, sd)}


# --------------------------------------------------------------------------------------------
# names


#: The metric names the package knows, and the measure each names.
METRICS = ("nps", "csat", "top_box", "share", "mean", "mean_score")


def measure_of(metric, **options) -> Measure:
    """The :class:`Measure` a metric name (with its options) stands for.

    Parameters
    ----------
    metric : str, Measure or one of the estimator functions
        ``"nps"``; ``"csat"`` or ``"top_box"`` (``scale=``, default 1–5, and ``top=``, default
        2); ``"share"`` (``positive=``, default 1, and ``negative=``); ``"mean"`` (alias
        ``"mean_score"``; ``scale=``). A :class:`Measure` is returned as it is.
    **options
        The measure's options; unknown ones are a :class:`kirc.ParameterError`.

    Examples
    --------
    >>> measure_of("share", positive=["Ja", "ja"], negative="Nee")
    Share(positive=('Ja', 'ja'), negative=('Nee',))
    >>> measure_of("nsp")
    Traceback (most recent call last):
    ...
    kirc.errors.ParameterError: unknown metric 'nsp' (did you mean 'nps'?); use one of nps, csat, top_box, share, mean, mean_score
    """
    if isinstance(metric, Measure):
        if options:
            raise ParameterError(f"options {sorted(options)} cannot change a given measure "
                                 f"{metric!r}")
        return metric
    if callable(metric) and hasattr(metric, "metric_name"):
        metric = metric.metric_name
    if not isinstance(metric, str) or metric not in METRICS:
        raise ParameterError(f"unknown metric {metric!r}{did_you_mean(metric, METRICS)}; use "
                             f"one of {', '.join(METRICS)}")
    allowed = {"nps": set(), "csat": {"scale", "top"}, "top_box": {"scale", "top"},
               "share": {"positive", "negative"}, "mean": {"scale"}, "mean_score": {"scale"}}
    unknown = set(options) - allowed[metric]
    if unknown:
        raise ParameterError(f"{metric} takes no option {', '.join(sorted(unknown))}"
                             + (f"; it takes {', '.join(sorted(allowed[metric]))}"
                                if allowed[metric] else ""))
    if metric == "nps":
        return NPS()
    if metric in ("csat", "top_box"):
        scale = options.get("scale")
        return TopBox(scale=tuple(scale) if scale is not None else (1, 5),
                      top=int(options.get("top") or 2))
    if metric == "share":
        positive = options.get("positive")
        return Share(positive=1 if positive is None else positive,
                     negative=options.get("negative"), explicit=positive is not None)
    scale = options.get("scale")
    return Mean(scale=None if scale is None else tuple(scale))
