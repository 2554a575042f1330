"""Integer codes of key columns: the groups of a ``by=`` and the strata of a design.

One pass per column, every category of a categorical (also empty ones), missing keys visible
as a group of their own. Shared by the tally (domains) and the design (strata).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Groups", "groups_of", "factorize", "DENSE_KEY_RANGE"]

#: Integer keys spanning at most this many values are coded by offset, not by hashing.
DENSE_KEY_RANGE = 1 << 22


@dataclass
class Groups:
    """Integer domain code per row and the domain keys (one row per domain)."""

    codes: np.ndarray          # int64 code per row, -1 where a by-value is missing
    keys: pd.DataFrame         # one row per domain, the by columns
    size: int




def factorize(series: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Sorted codes of a key column, as ``pd.factorize(sort=True)`` gives them.

    Integer keys over a modest range (years, sector codes, organisation numbers) are coded as
    offsets from their minimum and compressed to the values that occur: a counting pass instead
    of a hash table, several times faster on millions of rows.
    """
    # numpy integer dtypes only: nullable Int64 columns can hold <NA> and go through pandas
    if isinstance(series.dtype, np.dtype) and series.dtype.kind in "iu" and len(series):
        values = series.to_numpy()
        low, high = int(values.min()), int(values.max())
        if high - low < DENSE_KEY_RANGE:
            offsets = (values - low).astype(np.int64)
            present = np.bincount(offsets, minlength=high - low + 1) > 0
            remap = np.cumsum(present) - 1
            # in the column's own type (wrapping, exact): low + offset overflows int64 for
            # unsigned keys above 2**63
            uniques = np.flatnonzero(present).astype(values.dtype) + values.min()
            return remap[offsets], pd.Index(uniques, name=series.name)
    codes, uniques = pd.factorize(series, sort=True, use_na_sentinel=True)
    return codes.astype(np.int64), uniques


def groups_of(data: pd.DataFrame, by: list[str], missing_group: bool = True) -> Groups:
    """Domain codes of the rows of ``data`` by the columns ``by``.

    A categorical column yields a domain for every category, also empty ones. Rows whose
    ``by`` value is missing form a domain of their own (its key is missing), appended last,
    so that they are visible rather than dropped; ``missing_group=False`` gives them code -1.
    """
    n_rows = len(data)
    if not by:
        return Groups(np.zeros(n_rows, dtype=np.int64), pd.DataFrame(index=range(1)), 1)
    level_codes, level_values = [], []
    for column in by:
        series = data[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            codes = series.cat.codes.to_numpy().astype(np.int64)
            values = series.cat.categories
        else:
            codes, values = factorize(series)
        level_codes.append(codes)
        level_values.append(values)
    sizes = [len(v) for v in level_values]
    codes = np.zeros(n_rows, dtype=np.int64)
    missing = np.zeros(n_rows, dtype=bool)
    for c, size in zip(level_codes, sizes):
        codes = codes * size + c
        missing |= c < 0
    codes[missing] = -1
    total = int(np.prod(sizes, dtype=np.int64)) if sizes else 1
    index = pd.MultiIndex.from_product(level_values, names=by) if len(by) > 1 else \
        pd.Index(level_values[0], name=by[0])
    keys = index.to_frame(index=False)
    for column in by:
        if isinstance(data[column].dtype, pd.CategoricalDtype):
            keys[column] = pd.Categorical(keys[column], dtype=data[column].dtype)
    if total > 100_000 and len(by) > 1:
        # Many combinations of non-categorical keys: keep only those observed.
        observed = np.unique(codes[codes >= 0])
        remap = np.full(total, -1, dtype=np.int64)
        remap[observed] = np.arange(len(observed))
        codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
        keys = keys.iloc[observed].reset_index(drop=True)
        total = len(observed)
    if missing_group and missing.any():
        # One domain per combination of the present values with a missing one would explode;
        # rows with any missing by-value share one visible domain whose keys are all missing,
        # unless only one column is missing (the common case), then the others are kept.
        extra = data.loc[missing, by].drop_duplicates()
        extra_keys = extra.reset_index(drop=True)
        lookup = {tuple(_key(v) for v in row): total + i
                  for i, row in enumerate(extra_keys.itertuples(index=False))}
        rows = data.loc[missing, by].itertuples(index=False)
        codes[missing] = [lookup[tuple(_key(v) for v in row)] for row in rows]
        for column in by:
            if isinstance(keys[column].dtype, pd.CategoricalDtype):
                extra_keys[column] = pd.Categorical(extra_keys[column],
                                                    dtype=keys[column].dtype)
        keys = pd.concat([keys, extra_keys], ignore_index=True)
        total += len(extra_keys)
    return Groups(codes, keys, total)


def _key(value):
    return None if pd.isna(value) else value
