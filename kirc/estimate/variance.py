"""Design-based variance by Taylor linearisation, from a :class:`kirc.estimate.tally.Tally`.

Every estimate here is a ratio mean per domain ``d``, ȳ_d = Σ w·y / Σ w over the respondents of
the domain (a share: y = 1/0; the NPS: the mean of the score y = +1 promoter, 0 passive,
−1 detractor; a mean score: y itself). Its linearised values are
``z_i = w_i (y_i − ȳ_d) / Σ w`` inside the domain and 0 outside it, and the variance is

    Var(ȳ_d) = Σ_h (1 − f_h) · m_h/(m_h − 1) · Σ_j (z_hj − z̄_h)²

over strata ``h`` with ``m_h`` PSUs in the *whole* sample (a domain keeps the whole design, as
R's ``svyby`` does; PSUs without respondents of the domain have ``z_hj = 0``), ``z_hj`` the PSU
totals of ``z`` and ``f_h = m_h / N_h`` the sampling fraction of the stratum from the design's
population sizes (the whole stratum's, not the domain's). Rows whose answer is missing are out
of the domain but still count in ``m_h``, as ``svymean(na.rm=TRUE)``.

Degrees of freedom: ``#PSU − #strata`` that the domain touches, the ``degf()`` of the domain's
design that R's ``svyciprop`` uses inside ``svyby``. Strata with a single PSU follow the
design's ``lonely_psu`` rule as R's ``survey.lonely.psu`` (``"fail"``: an error; ``"remove"``
and ``"certainty"``: no contribution; ``"adjust"``: the PSU centred at the domain mean;
``"average"``: the mean contribution of the other strata).

The design effect is R's ``deff="replace"``: the variance over ``σ̂²/n``, with σ̂² the weighted
variance of y in the domain (divisor ``n − 1``), and the design's effective sample size for a
share is ``p(1 − p)/Var`` (``σ̂²_pop/Var`` with the population variance of the NPS score for the
NPS), as ``svyciprop``.

Validated against R ``survey`` 4.1.1 (``svymean``, ``svyby``, ``degf``) on the ``api`` data
sets (simple random, stratified with fpc, one-stage cluster sample with fpc) in
``tests/test_design.py``, to 1e-10 relative.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ParameterError
from .tally import STRATUM, Tally

__all__ = ["domain_estimates"]


def _text(value) -> str:
    if isinstance(value, tuple):
        return " × ".join(map(_text, value))
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value) if isinstance(value, str) else str(value)


def _domain_codes(tally: Tally) -> tuple[np.ndarray, pd.DataFrame]:
    table = tally.table
    if not tally.by:
        return np.zeros(len(table), dtype=np.int64), pd.DataFrame(index=range(1))
    grouped = table.groupby(tally.by, dropna=False, observed=True, sort=False)
    codes = grouped.ngroup().to_numpy(dtype=np.int64)
    first = np.unique(codes, return_index=True)[1]
    keys = table[tally.by].iloc[first].reset_index(drop=True)
    return codes, keys


def domain_estimates(tally: Tally) -> pd.DataFrame:
    """Estimate, variance, degrees of freedom and sizes per domain of a tally.

    Returns
    -------
    pandas.DataFrame
        One row per domain present in the tally: the domain columns, ``n``, ``n_missing``,
        ``sum_w``, ``estimate`` (the ratio mean of y), ``variance``, ``se``, ``df``,
        ``n_kish`` ((Σw)²/Σw²), ``variance_srs`` (σ̂²/n), ``deff``, ``fraction`` (the
        sampling fraction of the domain's stratum, NaN when it touches strata of different
        fractions) and the class sums ``n_<class>``, ``w_<class>``.

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> from kirc.estimate.variance import domain_estimates
    >>> df = pd.DataFrame({"y": [1.0, 2, 3, 4, 5, 6], "h": [1, 1, 1, 2, 2, 2]})
    >>> t = kirc.tally_of(df, "y", design=kirc.Design(strata="h"))
    >>> domain_estimates(t)[["n", "estimate", "se", "df"]].round(6)
       n  estimate        se   df
    0  6       3.5  0.408248  4.0

    In R: ``svymean(~y, svydesign(ids=~1, strata=~h, data=df))`` gives 3.5, SE 0.4082483.
    """
    table = tally.table
    dom, keys = _domain_codes(tally)
    n_domains = len(keys)
    strata = tally.strata
    h = pd.Index(strata[STRATUM]).get_indexer(table[STRATUM])
    n_strata = len(strata)
    m = strata["psus"].to_numpy(dtype=float)
    fpc = strata["fpc"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = np.where(fpc <= 1, fpc, np.where(np.isfinite(fpc), m / fpc, 0.0))
    if np.any(fraction > 1 + 1e-12):
        worst = int(np.argmax(fraction))
        raise ParameterError(f"stratum {strata[STRATUM].iloc[worst]!r} has {int(m[worst])} "
                             f"PSUs in the sample but a population of {fpc[worst]:g}: "
                             "check the population (fpc) of the design")

    def per_domain(column):
        return np.bincount(dom, weights=table[column].to_numpy(dtype=float),
                           minlength=n_domains)

    n = per_domain("n")
    sum_w = per_domain("sum_w")
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = per_domain("sum_wy") / sum_w
        total_w = sum_w[dom]
        centre = mean[dom]
        w_cell = table["sum_w"].to_numpy(dtype=float)
        z = (table["sum_wy"].to_numpy(dtype=float) - centre * w_cell) / total_w
        if tally.clustered:
            z2 = z * z
        else:
            z2 = (table["sum_w2y2"].to_numpy(dtype=float)
                  - 2 * centre * table["sum_w2y"].to_numpy(dtype=float)
                  + centre ** 2 * table["sum_w2"].to_numpy(dtype=float)) / total_w ** 2
    touched_cell = table["n"].to_numpy() > 0
    z = np.where(touched_cell, z, 0.0)
    z2 = np.where(touched_cell, z2, 0.0)
    dh = dom * n_strata + h
    pairs, inverse = np.unique(dh, return_inverse=True)
    s1 = np.bincount(inverse, weights=z, minlength=len(pairs))
    s2 = np.bincount(inverse, weights=z2, minlength=len(pairs))
    touched = np.bincount(inverse, weights=touched_cell, minlength=len(pairs)) > 0
    pair_domain, pair_stratum = pairs // n_strata, pairs % n_strata
    mh = m[pair_stratum]
    keep_share = 1 - fraction[pair_stratum]
    with np.errstate(divide="ignore", invalid="ignore"):
        contribution = keep_share * mh / (mh - 1) * (s2 - s1 ** 2 / mh)
    lonely = (mh == 1) & touched
    rule = tally.lonely_psu
    if lonely.any() and not tally.stratified:
        # an unstratified sample of a single PSU: no variance to estimate (not a lonely
        # stratum to handle)
        contribution[lonely] = np.nan
        lonely = np.zeros_like(lonely)
    if lonely.any():
        if rule == "fail":
            stratum = strata[STRATUM].iloc[pair_stratum[lonely][0]]
            raise ParameterError(f"stratum {_text(stratum)} has only one PSU; choose how to treat "
                                 "it with Design(lonely_psu=...) (as R's survey.lonely.psu: "
                                 "remove, certainty, adjust or average)")
        if rule in ("remove", "certainty"):
            contribution[lonely] = 0.0
        elif rule == "adjust":
            contribution[lonely] = keep_share[lonely] * s1[lonely] ** 2
        else:                                       # average
            contribution[lonely] = np.nan
    contribution = np.where(touched, contribution, 0.0)
    # Numerical noise can make a zero variance slightly negative.
    contribution = np.where(np.isnan(contribution) | (contribution > -1e-300), contribution,
                            0.0)
    ok = touched & ~np.isnan(contribution)
    variance = np.bincount(pair_domain, weights=np.where(ok, contribution, 0.0),
                           minlength=n_domains)
    undefined = np.bincount(pair_domain, weights=touched & np.isnan(contribution),
                            minlength=n_domains) > 0
    strata_touched = np.bincount(pair_domain, weights=touched, minlength=n_domains)
    if rule == "average" and lonely.any():
        strata_ok = np.bincount(pair_domain, weights=ok, minlength=n_domains)
        with np.errstate(divide="ignore", invalid="ignore"):
            variance = variance * strata_touched / strata_ok
    variance = np.maximum(variance, 0.0)
    if rule != "average" or not tally.stratified:
        variance[undefined] = np.nan
    # degrees of freedom: PSUs touched minus strata touched
    if tally.clustered:
        psus_touched = np.bincount(dom, weights=touched_cell, minlength=n_domains)
    else:
        psus_touched = n
    df = psus_touched - strata_touched
    # sampling fraction of the domain, when all the strata it touches share one
    f_low = np.full(n_domains, np.inf)
    f_high = np.full(n_domains, -np.inf)
    np.minimum.at(f_low, pair_domain[touched], fraction[pair_stratum[touched]])
    np.maximum.at(f_high, pair_domain[touched], fraction[pair_stratum[touched]])
    domain_fraction = np.where(np.isclose(f_low, f_high), f_low, np.nan)
    domain_fraction[strata_touched == 0] = 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        sum_w2 = per_domain("sum_w2")
        n_kish = np.where(sum_w2 > 0, sum_w ** 2 / sum_w2, 0.0)
        sigma2 = (per_domain("sum_wy2") - sum_w * mean ** 2) / sum_w * n / (n - 1)
        variance_srs = sigma2 / n
        deff = variance / variance_srs
    columns = {
        "n": n.astype(np.int64),
        "n_missing": per_domain("n_missing").astype(np.int64),
        "sum_w": sum_w,
        "estimate": np.where(n > 0, mean, np.nan),
        "variance": np.where(n > 0, variance, np.nan),
    }
    columns["se"] = np.sqrt(columns["variance"])
    columns.update({"df": np.where(n > 0, df, np.nan), "n_kish": n_kish,
                    "variance_srs": variance_srs, "deff": deff, "fraction": domain_fraction})
    for name in tally.classes:
        columns[f"n_{name}"] = per_domain(f"n_{name}").astype(np.int64)
        columns[f"w_{name}"] = per_domain(f"w_{name}")
    values = pd.DataFrame(columns)
    out = pd.concat([keys, values], axis=1) if len(keys.columns) else values
    return out
