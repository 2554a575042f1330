"""What an estimator makes of an answer value, applied to the distinct values an engine found.

An engine groups the rows by domain, stratum, PSU *and answer value*; these rules then turn
each distinct value into (valid, y, class) with the semantics of :mod:`kirc.estimate.metrics` and raise
the errors the in-memory path raises, with the same row counts and examples.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ...errors import ParameterError, ScaleError

NPS_CLASSES = ("detractor", "passive", "promoter")
SHARE_CLASSES = ("no", "yes")


@dataclass
class AnswerRule:
    kind: str                            # "nps", "csat", "share" or "mean"
    column: str
    classes: tuple = ()
    scale: tuple | None = None           # (low, high) checked
    integer: bool = True                 # the scale check wants whole numbers
    top: int | None = None               # csat
    positives: list = field(default_factory=list)
    negatives: list | None = None

    @property
    def discrete(self) -> bool:
        """True when the engine groups by the answer value (all but the mean)."""
        return self.kind != "mean"


def answer_rule(function, arguments) -> AnswerRule:
    """The rule of the estimator ``function`` called with ``arguments`` (bound, defaults)."""
    from .. import metrics
    name = function.__name__
    column = arguments["column"]
    if name == "nps":
        return AnswerRule("nps", column, NPS_CLASSES, (0, 10))
    if name == "csat":
        low, high = arguments["scale"]
        top = arguments["top"]
        if not 1 <= top <= high - low + 1:
            raise ParameterError(f"top={top} boxes does not fit the scale {low}–{high}")
        return AnswerRule("csat", column, SHARE_CLASSES, (low, high), top=top)
    if name == "share":
        positive, negative = arguments["positive"], arguments["negative"]
        positives = list(positive) if isinstance(positive, (list, tuple, set)) else [positive]
        negatives = None if negative is None else (
            list(negative) if isinstance(negative, (list, tuple, set)) else [negative])
        return AnswerRule("share", column, SHARE_CLASSES, positives=positives,
                          negatives=negatives)
    if name == "mean_score":
        scale = arguments["scale"]
        return AnswerRule("mean", column, (), None if scale is None else tuple(scale),
                          integer=False)
    raise ParameterError(f"{metrics.__name__}.{name} has no engine rule")    # pragma: no cover


def _numeric(values: pd.Series, rows: np.ndarray, rule: AnswerRule, source) -> np.ndarray:
    """Distinct answer values as float; texts that are not numbers are a ScaleError."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("float64").to_numpy()
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.to_numpy(dtype="float64", na_value=np.nan)
    converted = pd.to_numeric(values, errors="coerce")
    bad = (converted.isna() & values.notna()).to_numpy()
    if bad.any():
        examples = ", ".join(repr(v) for v in pd.unique(values[bad])[:3])
        raise ScaleError(f"{int(rows[bad].sum())} values are not numbers (for example "
                         f"{examples})", file=source, column=rule.column)
    return converted.to_numpy(dtype="float64", na_value=np.nan)


def check_scale(values: np.ndarray, rows: np.ndarray, low, high, integer: bool, whole: bool,
                column: str, source) -> None:
    """:func:`kirc.estimate.metrics._check_scale` on distinct values, each standing for ``rows`` rows.

    ``whole``: the column's type is an integer type (no fractions possible).
    """
    finite = ~np.isnan(values)
    outside = finite & ((values < low) | (values > high))
    if integer and not whole:
        with np.errstate(invalid="ignore"):
            outside |= finite & (values != np.floor(values))
    if not outside.any():
        return
    examples = ", ".join(f"{v:g}" for v in np.unique(values[outside])[:5])
    raise ScaleError(
        f"{int(rows[outside].sum())} answers are outside the scale {low:g}–{high:g} "
        f"(for example {examples}); declare codes such as 99 'weet niet' as missing",
        file=source, column=column)


def classify(rule: AnswerRule, values: pd.Series, rows: np.ndarray, source):
    """(valid, y, class code) per distinct answer value; raises as the in-memory path does."""
    if rule.kind == "share":
        return _classify_share(rule, values, rows, source)
    numbers = _numeric(values, rows, rule, source)
    whole = pd.api.types.is_integer_dtype(values.dtype)
    if rule.scale is not None:
        check_scale(numbers, rows, rule.scale[0], rule.scale[1], rule.integer, whole,
                    rule.column, source)
    valid = ~np.isnan(numbers)
    if rule.kind == "nps":
        code = np.where(valid, (numbers >= 7).astype(np.int64) + (numbers >= 9), -1)
        return valid, np.where(valid, code - 1.0, 0.0), code
    if rule.kind == "csat":
        satisfied = valid & (numbers >= rule.scale[1] - rule.top + 1)
        return valid, satisfied.astype(float), np.where(valid, satisfied.astype(np.int64), -1)
    return valid, np.where(valid, numbers, 0.0), None


_LOOKS_MISSING = (97, 98, 99, -1)


def _classify_share(rule, values, rows, source):
    valid = values.notna().to_numpy()
    positive = values.isin(rule.positives).to_numpy()
    if rule.negatives is not None:
        other = valid & ~positive & ~values.isin(rule.negatives).to_numpy()
        if other.any():
            examples = ", ".join(repr(v) for v in pd.unique(values[other])[:5])
            raise ScaleError(f"{int(rows[other].sum())} answers are neither positive "
                             f"{rule.positives} nor negative {rule.negatives} (for example "
                             f"{examples}); declare codes such as 99 'weet niet' as missing",
                             file=source, column=rule.column)
    else:
        other = valid & ~positive
        numeric = pd.to_numeric(values[other], errors="coerce")
        suspicious = numeric.isin(_LOOKS_MISSING).to_numpy()
        if suspicious.any():
            from ..metrics import warn_missing_like
            warn_missing_like(pd.unique(numeric[suspicious]), int(rows[other][suspicious].sum()),
                              source, rule.column, stacklevel=5)
    return valid, (valid & positive).astype(float), np.where(valid, positive.astype(np.int64),
                                                              -1)
