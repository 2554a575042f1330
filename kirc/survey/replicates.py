"""Replicate weights: declared (:class:`Replicates`), made (:func:`with_replicates`), exported.

A replicate-weight design carries its variance in columns of weights: the estimate is computed
once with the final weights and once with every replicate's weights, and its variance is

    v = scale · Σ_r rscale_r (θ_r − θ̄)²

with θ̄ the mean of the replicates' estimates (or the full-sample estimate, ``mse=True``),
as R's ``svrVar``. The columns hold the replicate weights themselves (R's
``svrepdesign(combined.weights=TRUE)``). :class:`Replicates` names them and the method;
``kirc.Design(weights=..., replicates=kirc.Replicates(...))`` makes the design, and every
estimator, domain, contrast, change, crosstab, trend test and regression of the package then
gives the replicate variance (:mod:`kirc.estimate.variance`), with R's degrees of freedom: the
rank of the replicate weights of the rows used, minus one (R's ``degf``).

========================  =================================  ================================
method                    default ``scale``                  default ``rscales``
========================  =================================  ================================
``"JK1"``                 (R − 1)/R                          1
``"JKn"``                 1                                  required: (n_h − 1)/n_h each
``"BRR"``                 1/R                                1
``"Fay"``                 1/(R (1 − ρ)²), ``rho`` required   1
``"bootstrap"``           1/(R − 1)                          1
``"SDR"``                 4/R (successive difference)        1
========================  =================================  ================================

(R: the number of replicate columns.) These are the defaults of R's ``svrepdesign``; a given
``scale`` or ``rscales`` replaces them (:func:`with_replicates` gives the exact ones of the
replicates it makes, as R's ``as.svrepdesign``).

:func:`with_replicates` makes the columns from a design (jackknife, balanced repeated
replication, the Rao–Wu rescaled bootstrap), and on a calibrated survey repeats the calibration
on every replicate, so the replicate variance includes the calibration (as ``svrep`` and R's
``calibrate`` of a replicate design do). :func:`export_replicates` writes the data with its
weights as SPSS, Stata or CSV, and beside it the R and Stata lines that declare the design.

References
----------
Wolter, K. M. (2007). *Introduction to Variance Estimation*, 2nd ed., ch. 3–5. Springer.
Rust, K. F., & Rao, J. N. K. (1996). Variance estimation for complex surveys using replication
techniques. *Statistical Methods in Medical Research*, 5, 283–310. Rao, J. N. K., & Wu, C. F. J.
(1988). Resampling inference with complex survey data. *JASA*, 83, 231–241. Lumley, T. (2010).
*Complex Surveys*, ch. 2.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..errors import ColumnError, ParameterError
from .design import REPLICATE_METHODS, Design, Replicates  # noqa: F401 (re-exported)

__all__ = ["Replicates", "REPLICATE_METHODS", "with_replicates", "export_replicates",
           "hadamard"]

STRATUM_KEY = "_stratum"

# --------------------------------------------------------------------------------------------
# making replicate weights


#: Replicate methods :func:`with_replicates` makes.
MADE = ("JK1", "JKn", "bootstrap", "BRR")


def hadamard(size: int) -> np.ndarray:
    """A 0/1 Hadamard matrix of order above ``size`` (Sylvester doubling of R's order 4).

    The rows after the first balance ``size`` strata; the same matrices as R's
    ``survey::hadamard`` up to 7 strata (orders 4 and 8). Larger orders are Sylvester's
    (powers of two), which R's ``brrweights(hadamard.matrix=)`` accepts.

    Examples
    --------
    >>> hadamard(3).tolist()
    [[1, 1, 1, 1], [1, 0, 1, 0], [1, 1, 0, 0], [1, 0, 0, 1]]
    >>> hadamard(5).shape
    (8, 8)
    """
    H = np.array([[1, 1, 1, 1], [1, 0, 1, 0], [1, 1, 0, 0], [1, 0, 0, 1]], dtype=np.int64)
    while len(H) <= size:
        H = np.block([[H, H], [H, 1 - H]])
    return H


def _units(data, design, source):
    """Per row in the sample: stratum code, PSU code (first stage; the row itself without
    clusters), both in order of first appearance; the strata table; the rows' weights."""
    from .design import row_design

    rows = row_design(data, design, None, None, source)
    keep = rows.keep & (rows.stratum_codes >= 0)
    index = np.flatnonzero(keep)
    if rows.psu_codes is not None and rows.n_stages <= 1:
        unit = rows.psu_codes
    elif rows.psu_codes is not None:
        codes, _ = pd.factorize(data[design.first_psu])
        unit = codes
    else:
        unit = np.arange(len(data))
    pair = pd.factorize(pd.MultiIndex.from_arrays([rows.stratum_codes[index], unit[index]]))[0]
    stratum = pd.factorize(rows.stratum_codes[index])[0]           # order of appearance
    return rows, index, stratum, pair


def _jk1(strata_table, index, pair, n_rows):
    n = int(pair.max()) + 1
    fpc = strata_table["fpc"].to_numpy(float)[0]
    correction = _correction(fpc, n)
    if correction == 0:
        raise ParameterError("the sample is the whole population (fpc equals the sample "
                             "size): there is no sampling variance to replicate")
    factors = np.zeros((n_rows, n))
    factors[index] = n / (n - 1)
    factors[index, pair] = 0.0
    return factors, correction * (n - 1) / n, np.ones(n)


def _correction(fpc: float, n: int) -> float:
    """1 − f from a population size (or a fraction when at most 1); 1 without."""
    if not np.isfinite(fpc):
        return 1.0
    return 1.0 - fpc if fpc <= 1 else (fpc - n) / fpc


def _jkn(rows, index, stratum, pair, n_rows, lonely):
    strata_table = rows.strata
    columns, rscales = [], []
    h_of_row = rows.stratum_codes[index]
    skipped = 0
    total_units = int(pair.max()) + 1
    n_strata = int(stratum.max()) + 1
    for s in range(n_strata):
        members = stratum == s
        units = pd.unique(pair[members])
        n = len(units)
        h = int(h_of_row[members][0])
        correction = _correction(strata_table["fpc"].to_numpy(float)[h], n)
        if correction == 0:                      # a census stratum: no replicates (R drops)
            continue
        if n == 1:
            if lonely == "fail":
                raise ParameterError(f"stratum {strata_table[STRATUM_KEY].iloc[h]!r} has only "
                                     "one PSU; choose how to treat it with "
                                     "Design(lonely_psu=...) (as R's survey.lonely.psu)")
            if lonely == "adjust":
                column = np.zeros(n_rows)
                column[index] = np.where(members, 0.0, n_strata / (n_strata - 1))
                columns.append(column)
                rscales.append((n_strata - 1) / n_strata)
            else:
                skipped += 1
            continue
        for unit in units:
            column = np.zeros(n_rows)
            column[index] = np.where(members, np.where(pair == unit, 0.0, n / (n - 1)), 1.0)
            columns.append(column)
            rscales.append(correction * (n - 1) / n)
    if not columns:
        raise ParameterError("every stratum is a census: there is no sampling variance to "
                             "replicate")
    scale = total_units / len(columns) if lonely == "average" and skipped else 1.0
    return np.column_stack(columns), scale, np.asarray(rscales)


def _brr(rows, index, pair, n_rows):
    strata_table = rows.strata
    h_of_row = rows.stratum_codes[index]
    first_row = pd.Series(index).groupby(pair).first()          # first appearance per PSU
    unit_stratum = pd.Series(h_of_row).groupby(pair).first()
    labels = strata_table[STRATUM_KEY].astype(str).to_numpy()
    frame = pd.DataFrame({"label": labels[unit_stratum.to_numpy()],
                          "first": first_row.to_numpy()}).sort_values(
        ["label", "first"], kind="stable")
    sizes = frame.groupby("label", sort=True).size()
    small = sizes[sizes < 2]
    if len(small):
        raise ParameterError(f"BRR needs two PSUs in every stratum; stratum {small.index[0]!r} "
                             "has one (R: brrweights(small='fail'))")
    odd = sizes[(sizes > 2) & (sizes % 2 == 1)]
    if len(odd):
        raise ParameterError(f"BRR needs two PSUs per stratum (or an even number, split in "
                             f"pairs); stratum {odd.index[0]!r} has {int(odd.iloc[0])}")
    half = np.zeros(len(frame), dtype=np.int64)          # 0: the first of its pair, 1: second
    pair_of = np.zeros(len(frame), dtype=np.int64)
    upto = 0
    ordered_labels = list(frame["label"])
    position = {label: np.flatnonzero(np.array(ordered_labels) == label) for label in sizes.index}
    for label in [l for l in sizes.index if sizes[l] > 2] + [l for l in sizes.index
                                                             if sizes[l] == 2]:
        where = position[label]
        half[where] = np.arange(len(where)) % 2
        pair_of[where] = upto + np.arange(len(where)) // 2
        upto += len(where) // 2
    H = hadamard(upto)
    unit_of = frame.index.to_numpy()                     # PSU code of each ordered row
    factors = np.zeros((n_rows, H.shape[1]))
    for r in range(H.shape[1]):
        sign = H[1 + pair_of, r]                         # 1: the first PSU is in the half
        in_half = np.where(sign == 1, half == 0, half == 1)
        per_unit = np.zeros(len(frame))
        per_unit[unit_of] = np.where(in_half, 2.0, 0.0)
        factors[index, r] = per_unit[pair]
    return factors, 1.0 / H.shape[1], np.ones(H.shape[1])


def _bootstrap(rows, index, stratum, pair, n_rows, count, rng):
    strata_table = rows.strata
    h_of_row = rows.stratum_codes[index]
    n_units = int(pair.max()) + 1
    weights = np.zeros((n_units, count))
    unit_stratum = np.zeros(n_units, dtype=np.int64)
    unit_stratum[pair] = stratum
    sizes = []
    for s in range(int(stratum.max()) + 1):
        units = np.flatnonzero(unit_stratum == s)
        n = len(units)
        sizes.append(n)
        h = int(h_of_row[stratum == s][0])
        fpc = strata_table["fpc"].to_numpy(float)[h]
        population = None if not np.isfinite(fpc) else (n / fpc if fpc <= 1 else fpc)
        for r in range(count):
            if population is None:
                draw = rng.integers(0, n, n)
            else:                                # Canty & Davison: the PSUs repeated to N
                pool = np.resize(rng.permutation(n), int(round(population)))
                draw = rng.choice(pool, n, replace=False)
            weights[units, r] = np.bincount(draw, minlength=n)
    factors = np.zeros((n_rows, count))
    factors[index] = weights[pair]
    mean = 1.0 / np.mean(1.0 / np.asarray(sizes, float))     # R: psu.per.strata
    return factors, mean / ((mean - 1) * (count - 1)), np.ones(count)


def with_replicates(data, method: str = "JK1", *, design=None, replicates: int | None = None,
                    seed: int | None = None):
    """The survey with replicate-weight columns added and its design pointing at them.

    Parameters
    ----------
    data : pandas.DataFrame or kirc.Survey
        The whole sample (a survey: its design; a calibrated survey: the calibration is
        repeated on every replicate).
    method : {"JK1", "JKn", "bootstrap", "BRR"}
        ``"JK1"``: delete one PSU at a time, an unstratified design; ``"JKn"``: per stratum;
        ``"bootstrap"``: Canty & Davison's rescaled bootstrap of the PSUs per stratum (R's
        ``bootweights``, with the finite population when the design has one); ``"BRR"``:
        balanced half-samples of a design with two PSUs per stratum.
    design : kirc.Design, optional
        Default: the survey's. Its first-stage PSUs and strata are replicated (R drops later
        stages too); its fpc enters JK1, JKn and the bootstrap, not BRR.
    replicates : int, optional
        The number of bootstrap replicates (default 50, as R); the other methods have theirs.
    seed : int, optional
        The bootstrap's seed (recorded in the design's :class:`Replicates`; drawn when not
        given, and recorded).

    Returns
    -------
    kirc.Survey
        A copy with columns ``repw1`` … ``repwR`` (the replicate weights themselves) and the
        design ``Design(weights=..., strata=<the survey's>, replicates=Replicates(...))`` with
        R's ``scale`` and ``rscales``.

    Notes
    -----
    The replicates are those of R's ``as.svrepdesign(design, type=method, compress=FALSE)``
    (BRR: the same Hadamard matrices up to 7 strata); on a calibrated survey those of
    ``calibrate(as.svrepdesign(...), ...)``, every replicate calibrated to the margins as the
    full sample was (``tests/test_replicates.py`` checks both to 1e-9). Lonely PSUs in JKn follow
    the design's ``lonely_psu`` as R's ``jknweights``.

    In R: ``as.svrepdesign(svydesign(id=~dnum, weights=~pw, fpc=~fpc, data=apiclus1),
    type="JK1", compress=FALSE)``.

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> df = pd.DataFrame({"team": [1, 1, 2, 2, 3, 3], "ok": [1, 0, 1, 1, 0, 1],
    ...                    "w": [2.0, 2.0, 1.0, 1.0, 3.0, 3.0]})
    >>> rep = kirc.with_replicates(kirc.as_survey(df, kirc.Design(weights="w", psu="team")))
    >>> rep.design.replicates.describe(), list(rep.columns[-3:])
    ('JK1, 3 replicates', ['repw1', 'repw2', 'repw3'])
    >>> kirc.share(rep, "ok")[["estimate", "se", "df"]].round(4)
       estimate       se   df
    0   58.3333  10.0154  2.0

    In R: ``svymean(~ok, as.svrepdesign(svydesign(id=~team, weights=~w, data=df),
    type="JK1"))`` gives 0.5833333, SE 0.1001542; ``degf`` 2.
    """
    from .calibrate import recalibrate
    from .survey import as_survey, resolve_design, survey_of

    if not isinstance(data, pd.DataFrame):
        raise ParameterError(f"data must be a pandas DataFrame or survey, not "
                             f"{type(data).__name__}")
    if method not in MADE:
        raise ParameterError(f"with_replicates(method={method!r}): choose one of "
                             f"{', '.join(MADE)} (Fay and SDR replicates can be declared with "
                             "kirc.Replicates when a file supplies them)")
    call = resolve_design(data, design)
    base = call.design
    source = call.source
    if base.replicates is not None:
        raise ParameterError("the design has replicate weights already", file=source)
    if method != "bootstrap" and replicates is not None:
        raise ParameterError(f"{method} makes one replicate per PSU (or per Hadamard row); "
                             "replicates= is the number of bootstrap replicates")
    count = 50 if replicates is None else int(replicates)
    if method == "bootstrap" and count < 2:
        raise ParameterError("the bootstrap needs at least 2 replicates")
    info = survey_of(data)
    calibration = info.calibration if info is not None and info.lost is None and \
        design is None and info.calibration is not None and \
        base.weights == info.calibration.weight else None
    # the replicates resample the design's first-stage PSUs within its strata (the
    # calibration's starting design has the same; returning units are no part of them)
    structure = base.replace(linked=None)
    rows, index, stratum, pair = _units(data, structure, source)
    n_rows = len(data)
    stratified = bool(structure.strata_columns)
    if method == "JK1":
        if stratified and int(stratum.max()) > 0:
            raise ParameterError("JK1 deletes one PSU of an unstratified sample; this design "
                                 "has strata: use method='JKn' (R: \"Can't use JK1 for a "
                                 "stratified design\")", file=source)
        factors, scale, rscales = _jk1(rows.strata, index, pair, n_rows)
    elif method == "JKn":
        if not stratified:
            raise ParameterError("JKn replicates the PSUs per stratum; this design has no "
                                 "strata: use method='JK1' or 'bootstrap'", file=source)
        factors, scale, rscales = _jkn(rows, index, stratum, pair, n_rows,
                                       structure.lonely_psu)
    elif method == "BRR":
        if not stratified:
            raise ParameterError("BRR needs strata of two PSUs each; use method='JK1' or "
                                 "'bootstrap' for an unstratified design", file=source)
        factors, scale, rscales = _brr(rows, index, pair, n_rows)
    else:
        if seed is None:
            seed = int(np.random.SeedSequence().generate_state(1)[0] >> 1)
        rng = np.random.default_rng(seed)
        factors, scale, rscales = _bootstrap(rows, index, stratum, pair, n_rows, count, rng)
    names = [f"repw{k}" for k in range(1, factors.shape[1] + 1)]
    clash = [name for name in names if name in data.columns]
    if clash:
        raise ParameterError(f"the data already have a column {clash[0]!r}; rename it before "
                             "making replicate weights", file=source, column=clash[0])
    if calibration is not None:
        weights = recalibrate(data, calibration, factors * _start(data, calibration)[:, None])
    else:
        w = np.ones(n_rows) if rows.weights is None else np.asarray(rows.weights, float)
        weights = factors * np.where(rows.keep, w, 0.0)[:, None]
    out = pd.DataFrame(data, copy=True)
    weight = base.weights
    if weight is None and rows.weights is not None:
        weight = "weight"
        if weight in out.columns:
            raise ParameterError("the design's unit weights (N/n) need a column 'weight', which "
                                 "the data have already", file=source, column=weight)
        out[weight] = np.asarray(rows.weights, float)
    replicate_frame = pd.DataFrame(weights, columns=names, index=out.index)
    out = pd.concat([out, replicate_frame], axis=1)
    spec = Replicates(columns=tuple(names), method=method, scale=float(scale),
                      rscales=tuple(float(r) for r in rscales),
                      seed=seed if method == "bootstrap" else None)
    declared = base.strata
    if base.by_year:
        declared = "year"
    made = Design(weights=weight, strata=declared, lonely_psu=base.lonely_psu,
                  replicates=spec)
    if info is not None:
        metadata = {k: getattr(info, k) for k in ("title", "unit", "description", "definition",
                                                  "constructs", "sources", "missing_counts",
                                                  "protection")}
        return as_survey(out, made, name=info.name, min_n=info.min_n,
                         language=info.language, calibration=calibration, source=source,
                         **metadata)
    return as_survey(out, made, name=source)


def _start(data, calibration) -> np.ndarray:
    """The starting weight of every row of a calibrated survey (0 outside the sample)."""
    out = np.zeros(len(data))
    labels = data[calibration.by].to_numpy() if calibration.by else None
    for label, part in calibration.parts:
        rows = np.ones(len(data), bool) if labels is None else labels == label
        if part.start_column:
            out[rows] = pd.to_numeric(data.loc[rows, part.start_column],
                                      errors="coerce").to_numpy(float)
        else:
            out[rows] = part.start_value
    return np.nan_to_num(out)


# --------------------------------------------------------------------------------------------
# export for reuse in R and Stata


#: R's ``svrepdesign(type=)`` of each method.
R_TYPES = {"JK1": "JK1", "JKn": "JKn", "BRR": "BRR", "Fay": "Fay", "bootstrap": "bootstrap",
           "SDR": "successive-difference"}
_FORMATS = (".sav", ".dta", ".csv")


def _number(value: float) -> str:
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


def _r_scales(replicates: Replicates) -> tuple[str, str]:
    """R's type and its scale arguments: ``type="other"`` where R would not take the scale."""
    factor = replicates.factor
    multipliers = replicates.multipliers
    rscales = "1" if np.all(multipliers == 1) else \
        "c(" + ", ".join(_number(m) for m in multipliers) + ")"
    method = replicates.method
    defaults = Replicates(columns=replicates.columns, method=method, rho=replicates.rho,
                          rscales=replicates.rscales if method == "JKn" else None)
    fixed = method in ("BRR", "Fay", "SDR")
    if fixed and (not np.isclose(factor, defaults.factor, rtol=1e-14)
                  or not np.all(multipliers == 1)):
        return "other", f"scale = {_number(factor)}, rscales = {rscales}"
    if fixed:
        return R_TYPES[method], ("rho = " + _number(replicates.rho)) if method == "Fay" else ""
    return R_TYPES[method], f"scale = {_number(factor)}, rscales = {rscales}"


def r_lines(file_name: str, design, df: int | None = None) -> str:
    """The R lines that read ``file_name`` and declare its replicate design (see
    :func:`export_replicates`)."""
    replicates = design.replicates
    suffix = file_name.rsplit(".", 1)[-1].lower()
    read = {"csv": f'data <- read.csv("{file_name}")',
            "sav": f'data <- as.data.frame(haven::zap_labels(haven::read_sav("{file_name}")))',
            "dta": f'data <- as.data.frame(haven::zap_labels(haven::read_dta("{file_name}")))'}
    kind, scales = _r_scales(replicates)
    columns = replicates.columns
    arguments = ["data = data"]
    if design.weights is not None:
        arguments.append(f"weights = ~{design.weights}")
    arguments += [f'repweights = "^({"|".join(re.escape(c) for c in columns)})$"'
                  if not _numbered(columns) else
                  f'repweights = "^{re.escape(_stem(columns))}[0-9]+$"',
                  f'type = "{kind}"']
    if scales:
        arguments.append(scales)
    arguments += ["combined.weights = TRUE", f"mse = {'TRUE' if replicates.mse else 'FALSE'}"]
    lines = [f"# The replicate-weight design of {file_name}, written by kirc.export_replicates:",
             f"# {replicates.describe()}. R's survey package then gives kirc's standard errors.",
             "library(survey)", read[suffix],
             "design <- svrepdesign(" + ",\n                      ".join(arguments) + ")"]
    if df is not None:
        lines.append(f"# degf(design) is {df}")
    return "\n".join(lines) + "\n"


def _numbered(columns) -> bool:
    stem = _stem(columns)
    return stem is not None and list(columns) == [f"{stem}{k}" for k in
                                                  range(1, len(columns) + 1)]


def _stem(columns):
    match = re.fullmatch(r"(.*?)(\d+)", columns[0])
    return match.group(1) if match else None


def stata_lines(file_name: str, design, df: int | None = None) -> str:
    """The Stata lines that read ``file_name`` and ``svyset`` its replicate weights."""
    replicates = design.replicates
    suffix = file_name.rsplit(".", 1)[-1].lower()
    read = {"csv": f'import delimited using "{file_name}", clear case(preserve)',
            "sav": f'import spss using "{file_name}", clear',
            "dta": f'use "{file_name}", clear'}
    columns = list(replicates.columns)
    varlist = f"{columns[0]}-{columns[-1]}"
    weight = f" [pweight={design.weights}]" if design.weights is not None else ""
    mse = " mse" if replicates.mse else ""
    dof = f" dof({df})" if df is not None else ""
    method = replicates.method
    if method in ("BRR", "Fay") and np.all(replicates.multipliers == 1) and np.isclose(
            replicates.factor, Replicates(columns=replicates.columns, method=method,
                                          rho=replicates.rho).factor, rtol=1e-14):
        fay = f" fay({_number(replicates.rho)})" if method == "Fay" else ""
        option = f"brrweight({varlist}){fay} vce(brr)"
        note = "balanced repeated replication"
    elif method == "SDR" and np.all(replicates.multipliers == 1) and np.isclose(
            replicates.factor, 4.0 / replicates.size, rtol=1e-14):
        option = f"sdrweight({varlist}) vce(sdr)"
        note = "successive difference replication"
    else:
        multipliers = replicates.factor * replicates.multipliers
        values = _number(multipliers[0]) if np.allclose(multipliers, multipliers[0],
                                                         rtol=1e-15) else \
            " ".join(_number(m) for m in multipliers)
        option = f"jkrweight({varlist}, multiplier({values})) vce(jackknife)"
        note = ("jackknife" if method.startswith("JK") else method) + \
            " replicates; the multipliers are R's scale × rscales, so that the variance is " \
            "Σ multiplier · (replicate − mean of the replicates)², as in R and kirc"
    lines = [f"* The replicate-weight design of {file_name}, written by kirc.export_replicates:",
             f"* {replicates.describe()} ({note}).", read[suffix],
             f"svyset{weight}, {option}{mse}{dof}"]
    return "\n".join(lines) + "\n"


def export_replicates(data, path, *, design=None, columns=None) -> dict:
    """Write the data with its final and replicate weights, and the R and Stata lines.

    Parameters
    ----------
    data : kirc.Survey or pandas.DataFrame
        A survey with a replicate-weight design (:func:`with_replicates`, or
        ``Design(replicates=...)``), or a frame with ``design=``.
    path : str or path-like
        ``.sav`` (SPSS), ``.dta`` (Stata) or ``.csv``. Beside it go ``<name>.R`` (R's
        ``svrepdesign`` call) and ``<name>.do`` (Stata's ``svyset``).
    design : kirc.Design, optional
        Default: the survey's.
    columns : list of str, optional
        The data columns to write (default all); the weight and the replicate weights are
        always written, last, the replicates in order.

    Returns
    -------
    dict
        ``{"data": path, "r": path of the .R file, "stata": path of the .do file}``.

    Notes
    -----
    R reading the file with the written lines gives kirc's standard errors (checked in
    ``tests/test_replicates.py`` with ``svrepdesign`` on an exported file). In Stata the
    replicates are declared with ``brrweight``, ``sdrweight`` or, for the jackknife and the
    bootstrap, ``jkrweight`` with R's ``scale × rscales`` as multipliers; ``dof()`` is R's
    ``degf``.

    In R: ``svrepdesign(data=, weights=~w, repweights="^repw[0-9]+$", type="JK1", scale=,
    rscales=, combined.weights=TRUE)``; in Stata: ``svyset [pweight=w], jkrweight(repw1-repw15,
    multiplier(...)) vce(jackknife)``.

    Examples
    --------
    >>> import pandas as pd, kirc, tempfile, pathlib
    >>> df = pd.DataFrame({"team": [1, 1, 2, 2, 3, 3], "ok": [1, 0, 1, 1, 0, 1]})
    >>> rep = kirc.with_replicates(kirc.as_survey(df, kirc.Design(psu="team")))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     paths = kirc.export_replicates(rep, pathlib.Path(folder) / "ok.csv")
    ...     print(paths["stata"].read_text().splitlines()[-1])
    svyset, jkrweight(repw1-repw3, multiplier(0.6666666666666666)) vce(jackknife) dof(2)
    """
    from pathlib import Path

    from .survey import resolve_design

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _FORMATS:
        raise ParameterError(f"export_replicates writes {', '.join(_FORMATS)} files, not "
                             f"{path.name!r}")
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(f"data must be a pandas DataFrame or survey, not "
                             f"{type(data).__name__}")
    call = resolve_design(data, design)
    spec = call.design
    if spec.replicates is None:
        raise ParameterError("the design has no replicate weights: make them with "
                             "kirc.with_replicates(data, method=...) first", file=call.source)
    replicate_columns = list(spec.replicates.columns)
    keep = [c for c in (data.columns if columns is None else columns)
            if c not in replicate_columns and c != spec.weights]
    missing = [c for c in keep if c not in data.columns]
    if missing:
        raise ColumnError("no such column", file=call.source, column=missing[0])
    out = pd.DataFrame(data, copy=False)[keep + ([spec.weights] if spec.weights else [])
                                         + replicate_columns]
    out = pd.DataFrame({c: (out[c].astype(object).where(out[c].notna(), None)
                            if isinstance(out[c].dtype, pd.CategoricalDtype) else out[c])
                        for c in out.columns})
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        out.to_csv(path, index=False)
    else:
        import pyreadstat

        for column in out.columns:
            if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
                out[column] = out[column].astype(object).where(out[column].notna(), None)
        writer = pyreadstat.write_sav if suffix == ".sav" else pyreadstat.write_dta
        writer(out, str(path))
    df = _degf(data, spec)
    r_path, do_path = path.with_suffix(".R"), path.with_suffix(".do")
    r_path.write_text(r_lines(path.name, spec, df), encoding="utf-8")
    do_path.write_text(stata_lines(path.name, spec, df), encoding="utf-8")
    return {"data": path, "r": r_path, "stata": do_path}


def _degf(data, design) -> int | None:
    """R's ``degf``: the rank of the replicate weights of the sample's rows, minus one."""
    from ..estimate.tally import _crossproduct
    from ..estimate.variance import _rank
    from .design import row_design

    rows = row_design(pd.DataFrame(data, copy=False), design)
    matrix = rows.replicates[rows.keep] if not rows.keep.all() else rows.replicates
    return _rank(_crossproduct(matrix)) - 1
