"""The one small-base rule: which figures are marked, which are suppressed, and their complements.

Every place that shows a figure asks this module: the estimators' ``flag`` column, the
report's tables, charts and files, the tab book, the notebook display and plots.

* **Flag** (:func:`flag`): a figure whose effective base — Kish's ``n_eff = (Σw)²/Σw²`` —
  is below the survey's ``min_n`` (:data:`kirc.config.MIN_N`, 30, unless the survey says
  otherwise) carries ``"n<30"``: shown, but to be read with care.
* **Primary suppression** (:func:`suppress`): a figure based on fewer than ``min_n`` answers
  (the plain count) is not shown anywhere.
* **Complementary suppression**: when exactly one figure of a group that adds up to a shown
  total is suppressed, the next-smallest is suppressed too, so that the hidden one cannot be
  worked back (Hundepool et al. 2012, *Statistical Disclosure Control*, ch. 4–5).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .config import MIN_N
from .errors import ColumnError, ParameterError

__all__ = ["flag", "label", "hidden", "low_base", "marked", "suppress", "suppression_summary",
           "MIN_N", "LOW_BASE_MARK"]

#: The mark of a shown figure whose effective base is below the threshold (:func:`low_base`);
#: every table, chart, file and deck of a report writes it, with a legend in its language.
LOW_BASE_MARK = "†"


def _check_frame(table) -> None:
    if not isinstance(table, pd.DataFrame):
        raise ParameterError(f"expected a pandas DataFrame, not {type(table).__name__}")


def label(min_n) -> str:
    """The mark of a figure below the threshold: ``"n<30"``."""
    return f"n<{min_n:g}" if isinstance(min_n, (float, np.floating)) else f"n<{min_n}"


def hidden(n, min_n: int) -> np.ndarray:
    """Primary suppression: True where a figure rests on fewer than ``min_n`` answers.

    Examples
    --------
    >>> hidden([12, 30, 45], 30).tolist()
    [True, False, False]
    """
    n = np.asarray(n, dtype=float)
    return ~(n >= min_n)


def flag(n_eff, min_n: int) -> np.ndarray:
    """``"n<30"`` where the effective base is below ``min_n``, else ``""``.

    Examples
    --------
    >>> flag([12.5, 30.0, 41.0], 30).tolist()
    ['n<30', '', '']
    """
    n_eff = np.asarray(n_eff, dtype=float)
    return np.where(n_eff < min_n, label(min_n), "")


def low_base(n_eff, min_n: int) -> np.ndarray:
    """True where a figure's effective base (Kish's ``n_eff``) is below ``min_n``.

    The figure itself is shown (its count of answers is at least ``min_n``, else it is
    suppressed: :func:`hidden`), with :data:`LOW_BASE_MARK` and a legend: the same condition
    as :func:`flag`, as a boolean for the places that draw the mark. A missing ``n_eff`` (a
    suppressed figure) is not marked.

    Examples
    --------
    >>> low_base([12.5, 30.0, float("nan")], 30).tolist()
    [True, False, False]
    """
    n_eff = np.asarray(n_eff, dtype=float)
    with np.errstate(invalid="ignore"):
        return n_eff < min_n


def marked(text: str, low: bool) -> str:
    """A shown figure's text with the low-base mark when its effective base is low.

    Examples
    --------
    >>> marked("41,2%", True), marked("41,2%", False)
    ('41,2% †', '41,2%')
    """
    return f"{text} {LOW_BASE_MARK}" if low else text


def suppress(table: pd.DataFrame, *, n: str = "n", min_n: float = MIN_N,
             value_columns: Sequence | None = None, by=None,
             total: str | None = None) -> pd.DataFrame:
    """Suppress report-table rows based on too few observations, and their complements.

    **Primary suppression**: a row whose count ``n`` is below ``min_n`` (or missing) is
    suppressed. **Complementary suppression**: rows that share the values of ``by`` (e.g. all
    sectors within one year) add up to a total that is shown; when exactly one row of such a
    group is suppressed, the row with the next-smallest ``n`` in the group is suppressed too,
    so that the hidden figure cannot be recovered by subtracting the others from the total. If
    the group has no other row to hide, its shown total row is suppressed instead.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per table cell (not modified).
    n : str, default "n"
        The count column.
    min_n : number, default :data:`kirc.config.MIN_N` (30)
        Smallest count that is shown (use 5, ``MIN_N_ORGANISATIONS``, for the organisation
        survey, or ``df.attrs["min_n"]``).
    value_columns : sequence of str, optional
        Columns hidden (set to NaN) in suppressed rows. Default: every numeric column except
        ``n``, the ``by`` columns and ``total`` -- pass them explicitly when the table has
        numeric key columns such as a year that is not in ``by``.
    by : str or sequence of str, optional
        Columns that define the groups adding up to a total. None: the whole table is one
        group.
    total : str, optional
        A boolean column that is True for total rows (e.g. "alle sectoren"). Total rows are not
        counted as members of their group and are only chosen as complement as a last resort.

    Returns
    -------
    pandas.DataFrame
        A copy with ``value_columns`` and ``n`` set to NaN in suppressed rows, plus a boolean
        column ``suppressed`` and a column ``suppression`` holding None, ``"n<{min_n}"``
        (primary) or ``"complementary"``.

    Notes
    -----
    The exact ``n`` of a suppressed row is hidden too: with the total's n and the other rows'
    n shown, the n of a single hidden row (and from it a mean or share) could be worked out;
    the ``suppression`` column ("n<30") tells the reader why the figure is missing. The input
    table keeps the exact counts for internal use.

    If the table already has ``suppressed`` / ``suppression`` columns (an earlier call), those
    rows stay suppressed with their reason. For a two-way table with totals in both directions
    call the function once per direction (``by="year"``, then ``by="sector"``) until
    :func:`suppression_summary` no longer changes.

    Primary and secondary (complementary) cell suppression as in Hundepool et al. (2012),
    *Statistical Disclosure Control*, Wiley, ch. 4 and 5, and as practised by CBS for
    frequency and magnitude tables (CBS, *Statistische beveiliging*, methodenreeks).

    Examples
    --------
    >>> t = pd.DataFrame({"sector": ["bank", "zorg", "energie"], "n": [120, 12, 80],
    ...                   "nps": [21.0, -5.0, 10.0]})
    >>> suppress(t, value_columns=["nps"])
        sector      n   nps  suppressed    suppression
    0     bank  120.0  21.0       False           None
    1     zorg    NaN   NaN        True           n<30
    2  energie    NaN   NaN        True  complementary
    """
    _check_frame(table)
    if n not in table.columns:
        raise ColumnError("is not in the table (the count column)", column=n)
    if isinstance(min_n, bool) or not isinstance(min_n, (int, float, np.integer, np.floating)) \
            or not np.isfinite(min_n) or min_n <= 0:
        raise ParameterError(f"min_n must be a positive number, not {min_n!r}")
    by_columns = [] if by is None else ([by] if isinstance(by, str) else list(by))
    for column in by_columns + ([total] if total is not None else []):
        if column not in table.columns:
            raise ColumnError("is not in the table", column=column)
    keys = set(by_columns) | {n, "suppressed", "suppression"} | ({total} if total else set())
    if value_columns is None:
        value_columns = [c for c in table.columns
                         if c not in keys and pd.api.types.is_numeric_dtype(table[c])
                         and not pd.api.types.is_bool_dtype(table[c])]
    else:
        value_columns = [value_columns] if isinstance(value_columns, str) else list(value_columns)
        for column in value_columns:
            if column not in table.columns:
                raise ColumnError("is not in the table (value_columns)", column=column)

    out = table.copy()
    rows = len(out)
    mark = label(min_n)
    reason = np.full(rows, None, dtype=object)
    if "suppressed" in table.columns:
        earlier = table["suppressed"].fillna(False).astype(bool).to_numpy()
        earlier_reason = (table["suppression"].astype(object).to_numpy()
                          if "suppression" in table.columns else np.full(rows, None, object))
        for i in np.flatnonzero(earlier):
            reason[i] = earlier_reason[i] if isinstance(earlier_reason[i], str) else "earlier"
    counts = pd.to_numeric(table[n], errors="coerce").to_numpy(dtype=float)
    primary = np.array([r is None for r in reason], dtype=bool) & hidden(counts, min_n)
    reason[primary] = mark

    is_total = (table[total].fillna(False).astype(bool).to_numpy() if total is not None
                else np.zeros(rows, dtype=bool))
    if by_columns:
        groups = list(out.groupby(by_columns, sort=False, dropna=False).indices.values())
    else:
        groups = [np.arange(rows)]
    for positions in groups:
        members = [p for p in positions if not is_total[p]]
        totals = [p for p in positions if is_total[p]]
        gone = [p for p in members if reason[p] is not None]
        if len(gone) != 1:
            continue
        if totals and all(reason[p] is not None for p in totals):
            continue  # the total is not shown: nothing to subtract from
        shown = [p for p in members if reason[p] is None]
        if shown:
            # Next-smallest cell; ties go to the first row.
            smallest = min(shown, key=lambda p: (counts[p], p))
            reason[smallest] = "complementary"
        else:
            for p in totals:
                if reason[p] is None:
                    reason[p] = "complementary"

    suppressed = np.array([r is not None for r in reason], dtype=bool)
    for column in dict.fromkeys([*value_columns, n]):
        out[column] = out[column].where(~suppressed)
    out["suppressed"] = suppressed
    out["suppression"] = pd.Series(reason, index=out.index, dtype=object)
    return out


def suppression_summary(table: pd.DataFrame) -> dict:
    """Count suppressed table cells, for the methods note ("X cellen onderdrukt").

    Parameters
    ----------
    table : pandas.DataFrame
        The result of :func:`suppress_small_cells`.

    Returns
    -------
    dict
        ``{"primary": int, "complementary": int, "total": int}`` -- rows suppressed because
        their own n was too small, rows suppressed to protect them, and both together.

    Examples
    --------
    >>> t = pd.DataFrame({"n": [120, 12, 80], "nps": [21.0, -5.0, 10.0]})
    >>> suppression_summary(suppress(t))
    {'primary': 1, 'complementary': 1, 'total': 2}
    """
    _check_frame(table)
    if "suppression" not in table.columns:
        raise ColumnError("is not in the table; call suppress_small_cells first",
                          column="suppression")
    reasons = table["suppression"].astype(object)
    complementary = int((reasons == "complementary").sum())
    primary = int(reasons.map(lambda r: isinstance(r, str) and r.startswith("n<")).sum())
    total = int(reasons.map(lambda r: isinstance(r, str)).sum())
    return {"primary": primary, "complementary": complementary, "total": total}
