"""The tally of a pandas DataFrame (or survey): a counting pass, else one pass per sum.

:func:`tally_frame` is the pandas engine. For a measure with answer classes (an NPS, a top box,
a share) on a numeric column whose answers are whole numbers over a modest range (a 0–10
rating, a 1–5 scale, 0/1), the rows are counted once per (domain, stratum, PSU, answer value)
with ``numpy.bincount`` over integer codes (and, weighted, the same pass with w and w²), and every
sum of the tally follows from those counts on the few distinct values: the approach of the SQL
engines, in numpy. Anything else (text codes, fractions, answers off the scale, undeclared
missing codes, categorical columns, calibrated surveys) takes the general path, the measure's
answer rule on every row, which raises or warns as documented; the results are the same
(``tests/test_engines.py`` compares both paths).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..._keys import DENSE_KEY_RANGE as _DENSE_KEY_RANGE, groups_of
from ..._pieces import each_piece
from ...errors import KircError
from ...survey.design import STRATUM, RowDesign, row_design
from ..tally import ReplicateTerms, Tally, gram_by_group, put_units, replicate_columns, tally_rows

#: Answers spanning more values than this take the general path.
MAX_SPAN = 1024
#: Below this many rows the general path is as fast (the counting pass saves passes over
#: millions of rows, not a millisecond of set-up on a small frame).
MIN_ROWS = 2000


def _added(parts: list, index: int):
    total = parts[0][index].copy()
    for part in parts[1:]:
        total += part[index]
    return total


def _answer_range(values: np.ndarray, floating: bool):
    """Lowest and highest answer and whether all are whole numbers (NaN ignored)."""
    def piece(rows):
        v = values[rows]
        if not floating:
            return (v.min(), v.max(), True) if len(v) else (np.inf, -np.inf, True)
        whole = bool(np.array_equal(v, np.floor(v), equal_nan=True))
        return np.fmin.reduce(v, initial=np.inf), np.fmax.reduce(v, initial=-np.inf), whole
    parts = each_piece(piece, len(values))
    return (min(p[0] for p in parts), max(p[1] for p in parts), all(p[2] for p in parts))


def _bincounts(code_of, n_rows: int, total: int, weights) -> tuple:
    """Counts, Σw and Σw² per code, ``code_of(rows)`` giving the codes of a slice of rows.

    ``numpy.bincount`` in equal pieces, one per thread: 10M rows into 1.1M codes (100,000
    groups × 11 answers) in 44 ms on 2 threads, against 70 ms with ``numpy.add.at`` and 49 ms
    for one bincount over all rows; as fast as ``add.at`` at 1,100 codes (17 ms), where
    bincount used to lose (numpy 2.x, measured with ``benchmarks/speed_engines.py`` data).
    """
    def piece(rows):
        code = code_of(rows)
        counts = np.bincount(code, minlength=total)
        if weights is None:
            return (counts,)
        w = weights[rows]
        return counts, np.bincount(code, w, minlength=total), np.bincount(code, w * w,
                                                                          minlength=total)
    parts = each_piece(piece, n_rows, total)
    return tuple(_added(parts, i) for i in range(len(parts[0])))


def tally_frame(data: pd.DataFrame, measure, column: str, by: list[str], call) -> Tally:
    """The tally of ``measure`` on ``column`` of an in-memory frame, per ``by`` domain.

    ``call`` is the resolved design of the call (:func:`kirc.survey.survey.resolve_design`):
    its design, and the survey's sample when ``data`` is a domain of a survey.
    """
    calibration = call.sample.calibration if call.sample is not None else None
    if call.design.replicates is not None:
        calibration = None               # the replicate weights carry the calibration
    if calibration is None:
        fast = _tally_fast(data, measure, column, by, call)
        if fast is not None:
            return fast
    answers = measure.answers(data[column], source=call.source, column=column)
    rows = row_design(data, call.design, answers.valid, call.sample, call.source)
    cells = calibration.cell_codes(data, call.source) if calibration is not None else None
    return tally_rows(answers.y, answers.valid, groups_of(data, by), rows, answers.code,
                      measure.classes, cells, calibration)


def _tally_fast(data: pd.DataFrame, measure, column: str, by: list[str], call):
    """The tally through the counting pass, or None where the general path must run."""
    if not measure.discrete or len(data) < MIN_ROWS:
        return None
    dtype = data[column].dtype
    if not isinstance(dtype, np.dtype) or dtype.kind not in "iuf":
        return None
    values = data[column].to_numpy()
    floating = dtype.kind == "f"
    low, high, whole = _answer_range(values, floating)
    if not (np.isfinite(low) and np.isfinite(high)) or high - low + 1 > MAX_SPAN:
        return None
    low, high = int(low), int(high)
    if not whole:
        return None
    span = high - low + 1
    try:
        # the rule on every value of the range: one that would raise or warn (off the scale,
        # an undeclared missing code) leaves the rows to the general path, which does
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            rule = measure.answers(pd.Series(np.arange(low, high + 1, dtype=float)),
                                   column=column)
    except (KircError, Warning):
        return None
    try:
        missing = np.isnan(values) if floating else None
        groups = _offset_groups(data, by) or groups_of(data, by)
        if isinstance(groups, _OffsetGroups) and _simple(call):
            rows = RowDesign(call.design, None, None, None,
                             pd.DataFrame({STRATUM: [0], "fpc": [np.inf], "psus": [len(data)]}),
                             None, None)
        else:
            valid = ~missing if floating else np.ones(len(values), dtype=bool)
            rows = row_design(data, call.design, valid, call.sample, call.source)
    except KircError:
        return None
    return _count(values, missing, low, span, groups, rows, rule.y, rule.code,
                  measure.classes, rule.valid)


def _simple(call) -> bool:
    """No weights, strata, clusters or finite population, and the rows are the sample."""
    design = call.design
    return (call.sample is None and design.weights is None and not design.strata_columns
            and design.psu is None and design.fpc is None and design.population is None
            and design.replicates is None and design.linked is None)


class _OffsetGroups:
    """Integer domain columns over modest ranges: the offsets from each column's minimum,
    combined as mixed-radix digits, are the codes (no hash, no remapping pass); the domains
    that occur are found from the counts. Codes follow the keys' sorted order, as
    :func:`kirc.estimate.tally.groups_of` orders integer keys."""

    def __init__(self, columns, lows, highs):
        self.columns, self.lows = list(columns), list(lows)
        self.spans = [high - low + 1 for low, high in zip(lows, highs)]
        self.size = int(np.prod(self.spans, dtype=np.int64))
        self.codes = None

    def code_of(self, rows=slice(None), factor: int = 1) -> np.ndarray:
        """``code * factor`` (int64) of the rows in ``rows``.

        Computed as Σ value·radix − Σ low·radix in int64, which wraps around on overflow:
        the result, below ``size · factor``, is exact however large the key values are.
        """
        code, offset = None, 0
        for position, series in enumerate(self.columns):
            radix = factor * int(np.prod(self.spans[position + 1:], dtype=np.int64))
            part = np.multiply(series.to_numpy()[rows], radix, dtype=np.int64,
                               casting="unsafe")
            code = part if code is None else np.add(code, part, out=code)
            offset += self.lows[position] * radix
        offset = (offset + 2 ** 63) % 2 ** 64 - 2 ** 63       # the same value, wrapped
        if offset:
            code -= offset
        return code

    def domains_of(self, present) -> tuple[pd.DataFrame, np.ndarray]:
        """Every domain of the data, from the codes that occur: with several keys, every
        combination of the values each key takes (empty ones too), as
        :func:`kirc._keys.groups_of` lists them; and their codes (sorted)."""
        present = np.asarray(present, dtype=np.int64)
        if len(self.columns) == 1:
            return self.keys_of(present), present
        combined = np.zeros(1, dtype=np.int64)
        for position, span in enumerate(self.spans):
            radix = int(np.prod(self.spans[position + 1:], dtype=np.int64))
            taken = np.unique(present // radix % span)
            combined = np.add.outer(combined * span, taken).ravel()
        return self.keys_of(combined), combined

    def keys_of(self, codes):
        codes = np.asarray(codes, dtype=np.int64)
        keys = {}
        for series, low, span in reversed(list(zip(self.columns, self.lows, self.spans))):
            # in the column's own type (wrapping, exact), as kirc.estimate.tally.factorize
            keys[series.name] = (codes % span).astype(series.dtype) + series.dtype.type(low)
            codes = codes // span
        return pd.DataFrame({series.name: keys[series.name] for series in self.columns})


def _offset_groups(data, by):
    if not by or len(set(by)) != len(by):
        return None
    columns, lows, highs = [], [], []
    size = 1
    for name in by:
        series = data[name]
        if not (isinstance(series.dtype, np.dtype) and series.dtype.kind in "iu") \
                or not len(series):
            return None
        low, high, _ = _answer_range(series.to_numpy(), False)
        size *= int(high) - int(low) + 1
        if size > _DENSE_KEY_RANGE:
            return None
        columns.append(series)
        lows.append(int(low))
        highs.append(int(high))
    return _OffsetGroups(columns, lows, highs)


def _count(values, missing, low, span, groups, rows, y_value, class_value, classes,
           valid_value):
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
        def code_of(piece):
            code = groups.code_of(piece, slots)
            code += values[piece] if missing is None else \
                np.where(missing[piece], low + span, values[piece]).astype(np.int64)
            if low:
                code -= low
            return code
        sums = _bincounts(code_of, n_rows, total, rows.weights)
        replicated = _replicate_sums(code_of, n_rows, total, rows, valid_value, span, keep,
                                     every, slots)
        return _from_codes(sums, slots, values, missing, low, span, groups, rows, y_value,
                           class_value, classes, n_strata, n_psu, clustered, every, keep,
                           valid_value, replicated)
    if offsets:
        groups = _Materialised(groups, groups.code_of())
    return _count_general(values, missing, low, span, groups, rows, y_value, class_value,
                          classes, keep, every, slots, n_strata, n_psu, clustered, valid_value)


class _Materialised:
    def __init__(self, offset_groups, codes):
        self.source, self.codes, self.size = offset_groups, codes, offset_groups.size

    def keys_of(self, codes):
        return self.source.keys_of(codes)

    def domains_of(self, present):
        return self.source.domains_of(present)


def _count_general(values, missing, low, span, groups, rows, y_value, class_value, classes,
                   keep, every, slots, n_strata, n_psu, clustered, valid_value):
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
    weights = None if rows.weights is None else (rows.weights if every else rows.weights[keep])
    sums = _bincounts(code.__getitem__, len(code), total, weights)
    replicated = _replicate_sums(code.__getitem__, len(code), total, rows, valid_value, span,
                                 keep, every, slots)
    return _from_codes(sums, slots, values, missing, low, span, groups, rows, y_value,
                       class_value, classes, n_strata, n_psu, clustered, every, keep,
                       valid_value, replicated)


def _replicate_sums(code_of, n_rows, total, rows, valid_value, span, keep, every, slots):
    """Per replicate, Σ w_r per code (one weighted count per replicate column, in the pass's
    pieces), and the replicate weights' cross-products per domain over valid answers."""
    if rows.replicates is None:
        return None
    matrix = rows.replicates if every else rows.replicates[keep]
    matrix = np.asfortranarray(matrix)
    size = matrix.shape[1]

    def piece(part):
        code = code_of(part)
        out = np.empty((total, size))
        for r in range(size):
            out[:, r] = np.bincount(code, weights=matrix[part, r], minlength=total)
        return (out,)

    sums = _added(each_piece(piece, n_rows, total * size), 0)
    # valid answers per row, and the domain of each row, for the cross-products
    code = code_of(slice(None))
    slot = code % slots
    valid_slot = np.zeros(slots, dtype=bool)
    valid_slot[:span] = valid_value
    valid = valid_slot[slot]
    return sums, valid, code // slots


def _from_codes(sums, slots, values, missing, low, span, groups, rows, y_value,
                class_value, classes, n_strata, n_psu, clustered, every, keep, valid_value,
                replicated=None):
    """The tally from the counts (and Σw, Σw²) per code of (domain, stratum, PSU, answer)."""
    counts = sums[0].reshape(-1, slots)
    present = np.flatnonzero(counts.sum(axis=1))
    counts = counts[present].astype(float)
    if rows.weights is not None:
        sw = sums[1].reshape(-1, slots)[present]
        sw2 = sums[2].reshape(-1, slots)[present]
    else:
        sw = sw2 = counts
    valid = np.zeros(slots)
    valid[:span] = valid_value
    y = np.zeros(slots)
    kind = np.full(slots, -1, dtype=np.int64)
    y[:span], kind[:span] = np.where(valid_value, y_value, 0.0), class_value
    # every sum is a weighted sum over the answer slots: one matrix product per kind of
    # count (17 products of 100,000 domains took 5.5 ms, these three 0.6 ms each)
    per_slot = np.column_stack([valid, np.ones(slots), y, y * y,
                                *((kind == k).astype(float) for k in range(len(classes)))])
    of_n = counts @ per_slot
    of_w = of_n if sw is counts else sw @ per_slot
    of_w2 = of_n if sw2 is counts else sw2 @ per_slot
    sums = {"n": of_n[:, 0], "n_missing": of_n[:, 1] - of_n[:, 0],
            "sum_w": of_w[:, 0], "sum_wy": of_w[:, 2], "sum_wy2": of_w[:, 3],
            "sum_w2": of_w2[:, 0], "sum_w2y": of_w2[:, 2], "sum_w2y2": of_w2[:, 3]}
    for k, label in enumerate(classes):
        sums[f"n_{label}"] = of_n[:, 4 + k]
        sums[f"w_{label}"] = of_w[:, 4 + k]
        sums[f"w2_{label}"] = of_w2[:, 4 + k]
    for column in ("n", "n_missing", *(f"n_{c}" for c in classes)):
        sums[column] = np.rint(sums[column]).astype(np.int64)
    terms = None
    if replicated is not None:
        rep, row_valid, row_cell = replicated
        size = rep.shape[1]
        rep = rep.reshape(-1, slots, size)[present]          # cells × slots × R
        names = replicate_columns(size, classes)
        per_w = np.einsum("csr,s->rc", rep, valid)
        per_y = np.einsum("csr,s->rc", rep, y)
        for r in range(size):
            sums[names["w"][r]] = per_w[r]
            sums[names["wy"][r]] = per_y[r]
        for k, label in enumerate(classes):
            mine = (kind == k).astype(float)
            per_class = np.einsum("csr,s->rc", rep, mine)
            for r in range(size):
                sums[names[label][r]] = per_class[r]
    psu_code = present % n_psu
    rest = present // n_psu
    domain_code, stratum_code = rest // n_strata, rest % n_strata
    if isinstance(groups, (_OffsetGroups, _Materialised)):
        # every domain of the data, also one whose rows all weigh 0
        if every:
            # ``present`` is sorted, so its domains are too: their distinct values are where
            # they change (np.unique hashed and sorted 100,000 domains again)
            changes = np.empty(len(domain_code), dtype=bool)
            changes[:1] = True
            np.not_equal(domain_code[1:], domain_code[:-1], out=changes[1:])
            all_keys, all_codes = groups.domains_of(domain_code[changes])
        else:
            g = groups.codes if isinstance(groups, _Materialised) else groups.code_of()
            all_keys, all_codes = groups.domains_of(
                np.flatnonzero(np.bincount(g, minlength=groups.size)))
        position = np.searchsorted(all_codes, domain_code)
        table = all_keys.iloc[position].reset_index(drop=True)
        table["_domain"] = position
    else:
        all_keys = groups.keys
        table = all_keys.iloc[domain_code].reset_index(drop=True) if len(all_keys.columns) \
            else pd.DataFrame(index=range(len(present)))
        table["_domain"] = domain_code
    table[STRATUM] = rows.strata[STRATUM].to_numpy()[stratum_code]
    if clustered:
        put_units(table, rows.psu_values[psu_code], rows.n_stages)
    if replicated is not None:
        # the cross-products per domain of the tally's domains
        row_domain = row_cell // (n_strata * n_psu)
        if isinstance(groups, (_OffsetGroups, _Materialised)):
            row_domain = np.searchsorted(all_codes, row_domain)
        matrix = rows.replicates if every else rows.replicates[keep]
        terms = ReplicateTerms(rows.design.replicates,
                               gram_by_group(matrix, row_valid, row_domain, len(all_keys)))
    sums = pd.DataFrame(sums, index=table.index)
    table = pd.concat([table, sums], axis=1)
    return Tally(table, list(all_keys.columns), rows.strata, list(classes), clustered,
                 rows.design.lonely_psu, rows.stratified, all_keys.reset_index(drop=True),
                 None, list(rows.stages), terms, rows.units)
