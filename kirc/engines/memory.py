"""The in-memory tally of whole-number answers in one counting pass.

For :func:`kirc.nps`, :func:`kirc.csat` and :func:`kirc.share` on a numeric column whose
answers are whole numbers over a modest range (a 0–10 rating, a 1–5 scale, 0/1), the rows are
counted once per (domain, stratum, PSU, answer value) with ``numpy.bincount`` over integer codes
(and, weighted, the same pass with w and w²), and every sum of the tally follows from those
counts on the few distinct values: the approach of the SQL engines, in numpy. Anything else (text
codes, fractions, answers off the scale, undeclared missing codes, categorical columns) takes the
general path of :mod:`kirc.metrics`, which raises or warns as documented; the results are the
same (``tests/test_engines.py`` compares both paths).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..errors import KircError
from ..tally import (PSU, STRATUM, RowDesign, Tally, _DENSE_KEY_RANGE, groups_of,
                     row_design, strata_table)
from .answers import _LOOKS_MISSING, NPS_CLASSES, SHARE_CLASSES

#: Answers spanning more values than this take the general path.
MAX_SPAN = 1024
#: Below this many rows the general path is as fast (the counting pass saves passes over
#: millions of rows, not a millisecond of set-up on a small frame).
MIN_ROWS = 2000


def estimate_fast(function, data: pd.DataFrame, args, kwargs):
    """The estimate through the counting pass, or None where the general path must run."""
    from . import _bind, _call, _Given, _hook_key
    from ..metrics import _as_list, resolve_design

    name = function.__name__
    if name not in ("nps", "csat", "share") or len(data) < MIN_ROWS:
        return None
    if "calibration" in data.attrs:
        # calibrated weights need the residual variance of every row (kirc.weighting)
        return None
    try:
        bound = _bind(function, data, args, kwargs)
    except KircError:
        return None
    arguments = bound.arguments
    column = arguments["column"]
    by = _as_list(arguments.get("by"))
    if not isinstance(column, str) or column not in data.columns or \
            any(c not in data.columns for c in by):
        return None
    dtype = data[column].dtype
    if not isinstance(dtype, np.dtype) or dtype.kind not in "iuf":
        return None
    values = data[column].to_numpy()
    floating = dtype.kind == "f"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)       # all answers missing
        low = np.nanmin(values) if floating else values.min()
        high = np.nanmax(values) if floating else values.max()
    if not (np.isfinite(low) and np.isfinite(high)) or high - low + 1 > MAX_SPAN:
        return None
    low, high = int(low), int(high)
    if floating and not np.array_equal(values, np.floor(values), equal_nan=True):
        return None
    span = high - low + 1
    answer = np.arange(low, high + 1, dtype=float)
    rule = _rule(name, arguments, data, column, answer, low, high)
    if rule is None:
        return None
    y_value, class_value, classes = rule
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")             # the estimator's own call warns
            design = resolve_design(data, arguments.get("design"), arguments.get("weights"),
                                    arguments.get("population"))
        missing = np.isnan(values) if floating else None
        groups = _offset_groups(data, by) or groups_of(data, by)
        if isinstance(groups, _OffsetGroups) and _simple(design):
            rows = RowDesign(design, None, None, None,
                             pd.DataFrame({STRATUM: [0], "fpc": [np.inf]}), None, None)
        else:
            valid = ~missing if floating else np.ones(len(values), dtype=bool)
            rows = row_design(data, design, valid)
    except KircError:
        return None
    counted = _count(values, missing, low, span, groups, rows, y_value, class_value, classes)
    if counted is None:
        return None
    keys, tally = counted
    frame = data.iloc[:0].copy()
    frame.attrs[_hook_key()] = _Given(keys, tally)
    return _call(function, frame, bound)


def _simple(design) -> bool:
    """No weights, strata, clusters or finite population: every row counts once."""
    return (design.weights is None and not design.strata_columns and design.psu is None
            and design.fpc is None and design.population is None)


def _rule(name, arguments, data, column, answer, low, high):
    """y and class code per answer value (and the class names), or None: general path."""
    if name == "nps":
        if low < 0 or high > 10:
            return None
        code = (answer >= 7).astype(np.int64) + (answer >= 9)
        return code - 1.0, code, NPS_CLASSES
    if name == "csat":
        scale_low, scale_high = arguments["scale"]
        top = arguments["top"]
        if low < scale_low or high > scale_high or not 1 <= top <= scale_high - scale_low + 1:
            return None
        satisfied = (answer >= scale_high - top + 1).astype(np.int64)
        return satisfied.astype(float), satisfied, SHARE_CLASSES
    from ..metrics import _definition_negative
    positive, negative = arguments["positive"], arguments["negative"]
    positives = list(positive) if isinstance(positive, (list, tuple, set)) else [positive]
    if not all(isinstance(p, (int, float, np.integer, np.floating)) and not isinstance(p, bool)
               for p in positives):
        return None
    if negative is None:
        negative = _definition_negative(data, column, positives)
    is_positive = np.isin(answer, positives)
    if negative is None:
        if np.isin(answer[~is_positive], _LOOKS_MISSING).any():
            return None                                 # the general path warns
    else:
        negatives = list(negative) if isinstance(negative, (list, tuple, set)) else [negative]
        if (~is_positive & ~np.isin(answer, negatives)).any():
            return None                                 # the general path raises
    code = is_positive.astype(np.int64)
    return code.astype(float), code, SHARE_CLASSES


class _OffsetGroups:
    """One integer domain column over a modest range: its offsets from the minimum are the
    codes (no hash, no remapping pass); the domains that occur are found from the counts."""

    def __init__(self, series, low, high):
        self.series, self.low, self.size = series, low, high - low + 1
        self.codes = None

    def code_into(self, out, factor):
        """``out = (value - low) * factor`` in place, without a temporary."""
        np.multiply(self.series.to_numpy(), factor, out=out, casting="unsafe")
        out -= self.low * factor
        return out

    def keys_of(self, codes):
        column = self.series.name
        return pd.DataFrame({column: (codes + self.low).astype(self.series.dtype)})


def _offset_groups(data, by):
    if len(by) != 1:
        return None
    series = data[by[0]]
    if not (isinstance(series.dtype, np.dtype) and series.dtype.kind in "iu"):
        return None
    values = series.to_numpy()
    low, high = int(values.min()), int(values.max())
    if high - low >= _DENSE_KEY_RANGE:
        return None
    return _OffsetGroups(series, low, high)


def _count(values, missing, low, span, groups, rows, y_value, class_value, classes):
    n_rows = len(values)
    offsets = isinstance(groups, _OffsetGroups)
    if rows.keep is None:                               # _simple: nothing to drop
        keep, every = None, True
    else:
        keep = rows.keep if offsets else rows.keep & (groups.codes >= 0)
        every = bool(keep.all())
    slots = span + (1 if missing is not None else 0)       # the last slot: missing answers
    n_strata = len(rows.strata)
    clustered = rows.psu_codes is not None
    n_psu = len(rows.psu_values) if clustered else 1
    if offsets and every and n_strata == 1 and not clustered:
        # the common case in one go: code = (domain - low) * slots + (answer - low)
        total = groups.size * slots
        if total > max(_DENSE_KEY_RANGE, 4 * n_rows):
            return None
        code = np.multiply(groups.series.to_numpy(), slots, dtype=np.int64)
        code += values if missing is None else \
            np.where(missing, low + span, values).astype(np.int64)
        code -= groups.low * slots + low
        return _from_codes(code, total, slots, values, missing, low, span, groups, rows,
                           y_value, class_value, classes, n_strata, n_psu, clustered, every,
                           keep)
    if offsets:
        g = groups.code_into(np.empty(n_rows, dtype=np.int64), 1)
        groups = _Materialised(groups, g)
    return _count_general(values, missing, low, span, groups, rows, y_value, class_value,
                          classes, keep, every, slots, n_strata, n_psu, clustered)


class _Materialised:
    def __init__(self, offset_groups, codes):
        self.source, self.codes, self.size = offset_groups, codes, offset_groups.size

    def keys_of(self, codes):
        return self.source.keys_of(codes)


def _count_general(values, missing, low, span, groups, rows, y_value, class_value, classes,
                   keep, every, slots, n_strata, n_psu, clustered):
    n_rows = len(values)
    g = groups.codes if every else groups.codes[keep]
    total = groups.size * n_strata * n_psu * slots
    if total > max(_DENSE_KEY_RANGE, 4 * n_rows):
        return None
    cell = g
    if n_strata > 1:
        cell = cell * n_strata + (rows.stratum_codes if every else rows.stratum_codes[keep])
    if clustered:
        cell = cell * n_psu + (rows.psu_codes if every else rows.psu_codes[keep])
    v = values if every else values[keep]
    if missing is not None:
        v = np.where(missing if every else missing[keep], low + span, v)
    code = cell * slots + (v - low).astype(np.int64, copy=False)
    return _from_codes(code, total, slots, values, missing, low, span, groups, rows, y_value,
                       class_value, classes, n_strata, n_psu, clustered, every, keep)


def _from_codes(code, total, slots, values, missing, low, span, groups, rows, y_value,
                class_value, classes, n_strata, n_psu, clustered, every, keep):
    counts = np.bincount(code, minlength=total).reshape(-1, slots)
    present = np.flatnonzero(counts.sum(axis=1))
    counts = counts[present].astype(float)
    if rows.weights is not None:
        w = rows.weights if every else rows.weights[keep]
        sw = np.bincount(code, weights=w, minlength=total).reshape(-1, slots)[present]
        sw2 = np.bincount(code, weights=w * w, minlength=total).reshape(-1, slots)[present]
    else:
        sw = sw2 = counts
    valid = np.ones(slots)
    y = np.zeros(slots)
    kind = np.full(slots, -1, dtype=np.int64)
    y[:span], kind[:span] = y_value, class_value
    if missing is not None:
        valid[span] = 0.0
    sums = {"n": counts @ valid, "n_missing": counts.sum(axis=1) - counts @ valid,
            "sum_w": sw @ valid, "sum_wy": sw @ y, "sum_wy2": sw @ (y * y),
            "sum_w2": sw2 @ valid, "sum_w2y": sw2 @ y, "sum_w2y2": sw2 @ (y * y)}
    for k, label in enumerate(classes):
        mine = (kind == k).astype(float)
        sums[f"n_{label}"] = counts @ mine
        sums[f"w_{label}"] = sw @ mine
    for column in ("n", "n_missing", *(f"n_{c}" for c in classes)):
        sums[column] = np.rint(sums[column]).astype(np.int64)
    psu_code = present % n_psu
    rest = present // n_psu
    domain_code, stratum_code = rest // n_strata, rest % n_strata
    columns = {STRATUM: rows.strata[STRATUM].to_numpy()[stratum_code]}
    if clustered:
        columns[PSU] = rows.psu_values[psu_code]
    columns.update(sums)
    if isinstance(groups, (_OffsetGroups, _Materialised)):
        keys = groups.keys_of(domain_code)
        # every domain of the data, also one whose rows all weigh 0
        if every:
            all_keys = groups.keys_of(np.unique(domain_code))
        else:
            g = groups.codes if isinstance(groups, _Materialised) else \
                groups.code_into(np.empty(len(values), dtype=np.int64), 1)
            all_keys = groups.keys_of(np.flatnonzero(np.bincount(g, minlength=groups.size)))
    else:
        keys = groups.keys.iloc[domain_code].reset_index(drop=True)
        all_keys = groups.keys
    table = pd.concat([keys, pd.DataFrame(columns)], axis=1) if len(keys.columns) else \
        pd.DataFrame(columns)
    strata = strata_table(rows, sums, stratum_code, psu_code, n_strata, n_psu, clustered)
    stratified = bool(rows.design.strata_columns) or rows.design.by_year
    return all_keys, Tally(table, list(all_keys.columns), strata, list(classes), clustered,
                           rows.design.lonely_psu, stratified)
