"""Per-frame finishing of SPSS and Stata data: user-missing codes, dates, value labels."""

from __future__ import annotations

import copy
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import warn

# SPSS stores dates, datetimes and durations as seconds since 14 October 1582.
_SPSS_ORIGIN = np.datetime64("1582-10-14T00:00:00", "us")
_STATA_ORIGIN = np.datetime64("1960-01-01T00:00:00", "us")
_SPSS_DATE_FORMATS = {"DATE", "ADATE", "EDATE", "JDATE", "SDATE", "QYR", "MOYR", "WKYR",
                      "DATETIME", "YMDHMS"}
_SPSS_DURATION_FORMATS = {"TIME", "DTIME", "MTIME"}
# The range a datetime64[us] value (and a Python datetime) can hold.
_FIRST_INSTANT = np.datetime64("0001-01-01T00:00:00", "us")
_LAST_INSTANT = np.datetime64("9999-12-31T23:59:59.999999", "us")


def finish_frame(frame: pd.DataFrame, meta, attrs: dict, path: Path, family: str,
                 value_labels: bool) -> pd.DataFrame:
    attrs = copy.deepcopy(attrs)
    labels = attrs["value_labels"]
    if family == "spss":
        frame, counts = _spss_user_missing(frame, meta.missing_ranges or {}, labels)
    else:
        # pyreadstat lists Stata's missing letters only after reading the data.
        declared = {c: v for c, v in (meta.missing_user_values or {}).items()
                    if c in frame.columns}
        attrs["missing_values"] = {c: {"values": [f".{x}" for x in v], "ranges": []}
                                   for c, v in declared.items()}
        frame, counts = _stata_user_missing(frame, declared, labels)
    attrs["missing_counts"] = counts
    frame = _convert_dates(frame, meta.original_variable_types or {}, family, path)
    if value_labels:
        frame = apply_value_labels(frame, attrs)
    frame.attrs = attrs
    return frame


def _code_text(code) -> str:
    """A code as a person writes it: 99.0 -> '99', 2.5 -> '2.5', 'x' -> 'x'."""
    if isinstance(code, (float, np.floating)) and math.isfinite(code) and code == int(code):
        return str(int(code))
    if isinstance(code, (float, np.floating)):
        return repr(float(code))
    return str(code)


def _label_of(code, labels: dict):
    if code in labels:
        return labels[code]
    if isinstance(code, str) and code.rstrip() in labels:
        return labels[code.rstrip()]
    return None


def _in_spans(value, spans) -> bool:
    """Whether one code falls in any declared missing range (``lo == hi``: a single code)."""
    for lo, hi in spans:
        if isinstance(value, str):
            # SPSS pads string values with blanks: compare without trailing blanks.
            if isinstance(lo, str) and lo.rstrip() <= value.rstrip() <= hi.rstrip():
                return True
        elif not isinstance(lo, str) and lo <= value <= hi:
            return True
    return False


def _missing_mask(values: pd.Series, spans: list) -> pd.Series:
    """Cells of ``values`` that fall in any declared missing range."""
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.to_numpy(dtype="float64", na_value=np.nan)
        mask = np.zeros(len(numbers), dtype=bool)
        with np.errstate(invalid="ignore"):
            for lo, hi in spans:
                if not isinstance(lo, str):
                    mask |= (numbers >= lo) & (numbers <= hi)
        return pd.Series(mask, index=values.index)
    return values.map(lambda v: isinstance(v, str) and _in_spans(v, spans)).astype(bool)


def _count_reasons(found: pd.Series, labels: dict) -> dict:
    """Cells per reason, from the count of each code found (``value_counts``)."""
    counts: dict = {}
    for code, n in sorted(found.items(), key=lambda item: _sort_key(item[0])):
        reason = _label_of(code, labels)
        reason = _code_text(code) if reason is None else str(reason)
        counts[reason] = counts.get(reason, 0) + int(n)
    return counts


def _sort_key(code):
    """Code order: numbers by value, then strings alphabetically."""
    if isinstance(code, (int, float, np.number)):
        return (0, float(code), "")
    return (1, 0.0, str(code))


def _spss_user_missing(frame, missing_ranges, value_labels):
    """Count the declared missing codes per reason, then set them to missing.

    ``frame`` is the reader's own fresh frame (never the caller's): numeric cells are set to
    NaN in place, which spares a copy of every column (a consolidated 1M x 50 float block).
    """
    counts, replaced, numeric = {}, {}, {}
    for column, ranges in missing_ranges.items():
        if column not in frame.columns:
            continue
        values = frame[column]
        mask = _missing_mask(values, [(r["lo"], r["hi"]) for r in ranges])
        if mask.any():
            if pd.api.types.is_float_dtype(values):
                # the codes of a numeric column counted in numpy (a pandas value_counts per
                # column took a tenth of reading a large file)
                codes, n = np.unique(values.to_numpy()[mask.to_numpy()], return_counts=True)
                found = pd.Series(n, index=codes)
            else:
                found = values[mask].value_counts()
            counts[column] = _count_reasons(found, value_labels.get(column, {}))
            if pd.api.types.is_float_dtype(values) and frame.columns.is_unique:
                numeric[column] = np.flatnonzero(mask.to_numpy())
            else:
                replaced[column] = values.mask(mask)
    for column, rows in numeric.items():
        frame.iloc[rows, frame.columns.get_loc(column)] = np.nan
    return _replace(frame, replaced), counts


def _replace(frame, replaced):
    """A copy of ``frame`` with some columns replaced (the caller's frame is left alone)."""
    if not replaced:
        return frame
    if frame.columns.is_unique:
        # one new frame rather than many column assignments (121 columns in a real survey)
        result = pd.DataFrame({c: replaced.get(c, frame[c]) for c in frame.columns},
                              index=frame.index)
        result.attrs = frame.attrs
        return result
    frame = frame.copy()
    for column, values in replaced.items():
        frame[column] = values
    return frame


def _stata_user_missing(frame, missing_user_values, value_labels):
    # With user_missing=True pyreadstat gives Stata's extended missing values .a-.z as the
    # letters "a".."z" inside an otherwise numeric (object) column.
    counts, replaced = {}, {}
    for column, letters in missing_user_values.items():
        if column not in frame.columns:
            continue
        values = frame[column]
        mask = values.map(lambda v: isinstance(v, str) and v in letters).astype(bool)
        labels = value_labels.get(column, {})
        if mask.any():
            reasons: dict = {}
            for letter, n in sorted(values[mask].value_counts().items()):
                label = _label_of(letter, labels) or _label_of(f".{letter}", labels)
                reason = str(label) if label is not None else f".{letter}"
                reasons[reason] = reasons.get(reason, 0) + int(n)
            counts[column] = reasons
        replaced[column] = pd.to_numeric(values.mask(mask), errors="coerce")
    return _replace(frame, replaced), counts


def _time_kind(variable_format: str, family: str):
    """('datetime'|'duration', origin, microseconds per unit) for a date format, else None."""
    if not variable_format:
        return None
    if family == "spss":
        match = re.match(r"[A-Za-z]+", variable_format)
        name = match.group(0).upper() if match else ""
        if name in _SPSS_DATE_FORMATS:
            return "datetime", _SPSS_ORIGIN, 1_000_000
        if name in _SPSS_DURATION_FORMATS:
            return "duration", None, 1_000_000
        return None
    fmt = variable_format.replace("%-", "%")
    if fmt.startswith(("%td", "%d")):
        return "datetime", _STATA_ORIGIN, 86_400_000_000
    if fmt.startswith("%tC"):
        return "datetime-leap", _STATA_ORIGIN, 1_000
    if fmt.startswith("%tc"):
        return "datetime", _STATA_ORIGIN, 1_000
    return None


# Days that began right after a leap second (IERS Bulletin C; none announced after 2016).
_LEAP_DAYS = np.array(
    ["1972-07-01", "1973-01-01", "1974-01-01", "1975-01-01", "1976-01-01", "1977-01-01",
     "1978-01-01", "1979-01-01", "1980-01-01", "1981-07-01", "1982-07-01", "1983-07-01",
     "1985-07-01", "1988-01-01", "1990-01-01", "1991-01-01", "1992-07-01", "1993-07-01",
     "1994-07-01", "1996-01-01", "1997-07-01", "1999-01-01", "2006-01-01", "2009-01-01",
     "2012-07-01", "2015-07-01", "2017-01-01"], dtype="datetime64[ms]")
# Where each of those days starts on Stata's %tC clock, which counts the leap seconds:
# milliseconds since 1960-01-01 plus the k leap seconds inserted up to then.
_LEAP_STARTS_TC = ((_LEAP_DAYS - np.datetime64("1960-01-01", "ms")).astype("int64")
                   + 1000 * np.arange(1, len(_LEAP_DAYS) + 1)).astype("float64")


def _without_leap_seconds(tc_values: np.ndarray) -> np.ndarray:
    """Stata %tC (milliseconds since 1960 *with* leap seconds) as %tc (without them).

    Stata's ``cofC()``: subtract 1000 ms for every leap second inserted before the instant.
    A value inside a leap second (23:59:60) comes out as the first second of the next day.
    """
    inserted = np.searchsorted(_LEAP_STARTS_TC, tc_values, side="right")
    return tc_values - 1000.0 * inserted


def _convert_dates(frame, formats, family, path):
    converted = {}
    for column in frame.columns:
        kind = _time_kind(formats.get(column, ""), family)
        if kind is None or not pd.api.types.is_numeric_dtype(frame[column]):
            continue
        what, origin, scale = kind
        raw = frame[column].to_numpy(dtype="float64")
        if what == "datetime-leap":
            raw, what = _without_leap_seconds(raw), "datetime"
        micro = raw * scale
        present = ~np.isnan(raw)
        if what == "datetime":
            low = (_FIRST_INSTANT - origin).astype("int64")
            high = (_LAST_INSTANT - origin).astype("int64")
        else:
            low, high = -(2.0 ** 62), 2.0 ** 62
        valid = present & (micro >= low) & (micro <= high)
        offsets = np.where(valid, np.round(np.where(valid, micro, 0.0)), 0).astype("int64")
        delta = offsets.astype("timedelta64[us]")
        if what == "datetime":
            result = np.where(valid, origin + delta, np.datetime64("NaT", "us"))
        else:
            result = np.where(valid, delta, np.timedelta64("NaT", "us"))
        converted[column] = pd.Series(result, index=frame.index, name=column)
        lost = int((present & ~valid).sum())
        if lost:
            warn(f"{path}: column {column!r}: {lost} row(s) hold a date outside the years "
                  f"1-9999 and were set to missing (NaT)")
    return _replace(frame, converted)


def apply_value_labels(frame: pd.DataFrame, attrs: dict) -> pd.DataFrame:
    converted = {}
    for column, labels in attrs["value_labels"].items():
        if column not in frame.columns or not labels:
            continue
        values = frame[column]
        numeric = pd.api.types.is_numeric_dtype(values)
        if isinstance(values.dtype, pd.CategoricalDtype) or not (
                numeric or pd.api.types.is_string_dtype(values) or values.dtype == object):
            continue     # dates, or already categorical
        declared = attrs["missing_values"].get(column, {"values": [], "ranges": []})
        spans = [(v, v) for v in declared["values"]] + [tuple(r) for r in declared["ranges"]]
        code_labels = {}
        for code, label in labels.items():
            key = _normal(code)
            if numeric != isinstance(key, float) or _in_spans(key, spans):
                continue   # a code of the wrong type, or one declared missing
            code_labels.setdefault(key, str(label))
        if not code_labels:
            continue   # only missing codes are labelled (999 "skipped" on an amount)
        if not numeric:
            values = values.map(lambda v: v.rstrip() if isinstance(v, str) else v)
            values = values.where(values != "", None)      # SPSS blank string: no answer
        mapping = dict(code_labels)
        for code in {_normal(v) for v in values.dropna().unique()} - set(code_labels):
            mapping[code] = _code_text(code)
        # Every code in code order, labelled or not, so that an unlabelled middle point of
        # a scale stays in the middle; codes sharing a label share the first one's place.
        categories = list(dict.fromkeys(mapping[c] for c in sorted(mapping, key=_sort_key)))
        place = {text: i for i, text in enumerate(categories)}
        position = {code: place[text] for code, text in mapping.items()}
        if numeric:
            found = values.astype("float64").map(position)     # dict lookup, vectorised
        else:
            found = values.map(lambda v: np.nan if _isna(v) else position[_normal(v)])
        codes = found.fillna(-1).to_numpy(dtype="int64")
        converted[column] = pd.Series(
            pd.Categorical.from_codes(codes, categories=categories,
                                      ordered=attrs["measure_levels"].get(column) == "ordinal"),
            index=frame.index, name=column)
    return _replace(frame, converted)


def _normal(code):
    """Codes as dictionary keys: numbers as float (1 and 1.0 alike), strings without padding."""
    if isinstance(code, (int, float, np.integer, np.floating)) and not isinstance(code, bool):
        return float(code)
    if isinstance(code, str):
        return code.rstrip()
    return code


def _isna(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


