"""The DuckDB engine and chunk iterators give the in-memory results (kirc.estimate.engines).

Every estimator on a Parquet path, a DuckDB relation and an iterator of chunks equals the
pandas path to 1e-9 on the same rows, unweighted, weighted and with a stratified, clustered
design (with and without fpc); tallies of partitions add up to the tally of the whole; bad
input is the same KircError as in memory; a Parquet file larger than DuckDB's memory limit is
tallied with spilling.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

import kirc
import kirc.estimate.engines
from engine_data import DESIGNS, ESTIMATORS, assert_same, survey

duckdb = pytest.importorskip("duckdb")


@pytest.fixture(scope="module")
def data():
    return survey()


@pytest.fixture(scope="module")
def parquet(data, tmp_path_factory):
    path = tmp_path_factory.mktemp("engines") / "survey.parquet"
    con = duckdb.connect()
    con.register("survey", data)
    con.execute(f"COPY survey TO '{path}' (FORMAT parquet)")
    con.close()
    return path


def _chunks(frame, size=1000):
    return (frame.iloc[i:i + size] for i in range(0, len(frame), size))


def _newer(design) -> bool:
    return bool(design.stages[1:] or design.replicates or design.linked)


# Every estimator on the designs of one PSU stage; on the newer designs (stages, replicates,
# returning units) the NPS and the mean stand for the others: their keys and sums are one
# answer-value query and one sum query, which every estimator shares.
ENGINE_CASES = [pytest.param(design, function, column, options,
                             id=f"{function.__name__}-{name}")
                for function, column, options in ESTIMATORS
                for name, design in DESIGNS.items()
                if not _newer(design) or function in (kirc.nps, kirc.mean_score)]


@pytest.mark.parametrize("design, function, column, options", ENGINE_CASES)
def test_engines_equal_pandas(data, parquet, design, function, column, options):
    expected = function(data, column, by="sector", design=design, **options)
    relation = kirc.estimate.engines.connect().read_parquet(str(parquet))
    for other in (str(parquet), relation, _chunks(data)):
        assert_same(expected, function(other, column, by="sector", design=design, **options))
    # no domains, and two domain columns
    assert_same(function(data, column, design=design),
                function(parquet, column, design=design))
    assert_same(function(data, column, by=["year", "sector"], design=design),
                function(relation, column, by=["year", "sector"], design=design))


def test_options_and_named_shares(data, parquet):
    design = DESIGNS["stratified clustered"]
    for method in ("wilson", "beta", "logit"):
        assert_same(kirc.share(data, "fcr", by="sector", design=design, method=method),
                    kirc.share(parquet, "fcr", by="sector", design=design, method=method))
    assert_same(kirc.csat(data, "tevredenheid", top=1, by="sector", weights="weight"),
                kirc.csat(parquet, "tevredenheid", top=1, by="sector", weights="weight"))
    assert_same(kirc.nps(data, "nps", by="sector", method="bootstrap"),
                kirc.nps(parquet, "nps", by="sector", method="bootstrap"))
    # resampling respondents ignores a design: refused in every engine alike
    for source in (data, parquet):
        with pytest.raises(kirc.ParameterError, match="no bootstrap"):
            kirc.nps(source, "nps", by="sector", method="bootstrap", weights="weight")
    # weights="auto" finds the column named weight in the file, as in memory
    assert_same(kirc.first_contact_resolution(data, by="sector", weights="auto"),
                kirc.first_contact_resolution(parquet, by="sector", weights="auto"))
    assert_same(kirc.mean_score(data, "score", scale=(0, 20), design=design),
                kirc.mean_score(parquet, "score", scale=(0, 20), design=design))


def test_change_and_trend(data, parquet):
    design = DESIGNS["stratified clustered fpc"]
    relation = kirc.estimate.engines.connect().read_parquet(str(parquet))
    for metric, column in (("nps", "nps"), ("share", "fcr"), ("mean", "score")):
        assert_same(kirc.trend(data, metric, column, by="sector", design=design),
                    kirc.trend(parquet, metric, column, by="sector", design=design))
        assert_same(kirc.change(data, metric, column, by="sector", design=design),
                    kirc.change(relation, metric, column, by="sector", design=design))
        # one tally of the years: chunks, read once, give the same trend and change
        assert_same(kirc.trend(data, metric, column, by="sector", design=design),
                    kirc.trend(_chunks(data), metric, column, by="sector", design=design))
        assert_same(kirc.change(data, metric, column, by="sector", design=design),
                    kirc.change(_chunks(data), metric, column, by="sector", design=design))


def test_domains_with_missing_keys_and_zero_weights(data, parquet, tmp_path):
    frame = data.copy()
    frame.loc[::50, "sector"] = None
    frame.loc[frame["sector"] == "zorg", "weight"] = 0.0     # a domain that weighs nothing
    path = tmp_path / "gaps.parquet"
    con = duckdb.connect()
    con.register("frame", frame)
    con.execute(f"COPY frame TO '{path}' (FORMAT parquet)")
    for function, column, options in ESTIMATORS:
        expected = function(frame, column, by="sector", weights="weight", **options)
        assert expected["n"].iloc[2] == 0                    # zorg: listed, no respondents
        assert_same(expected, function(path, column, by="sector", weights="weight", **options))


def test_tallies_of_partitions_add_up(data, parquet):
    design = DESIGNS["stratified clustered fpc"]
    whole = kirc.estimate.engines.tally(data, "nps", "nps", by="sector", design=design)
    halves = [data[data["year"] == 2024], data[data["year"] == 2025]]
    in_memory = kirc.estimate.engines.tally(halves[0], "nps", "nps", by="sector", design=design) \
        + kirc.estimate.engines.tally(halves[1], "nps", "nps", by="sector", design=design)
    relation = kirc.estimate.engines.connect().read_parquet(str(parquet))
    by_engine = kirc.estimate.engines.tally(relation.filter("year = 2024"), "nps", "nps", by="sector",
                                   design=design) \
        + kirc.estimate.engines.tally(halves[1], "nps", "nps", by="sector", design=design)
    keys = ["sector", "_stratum", "_psu"]
    expected = whole.table.sort_values(keys).reset_index(drop=True)
    for combined in (in_memory, by_engine):
        table = combined.table.sort_values(keys).reset_index(drop=True)
        assert_same(expected.astype({"_stratum": int, "_psu": int}),
                    table[expected.columns].astype({"_stratum": int, "_psu": int}),
                    rtol=1e-12)
        assert combined.strata["psus"].tolist() == whole.strata["psus"].tolist()
        assert combined.strata["fpc"].tolist() == whole.strata["fpc"].tolist()
    # the tally of the whole, combined from parts, gives the estimate of the whole
    from kirc.estimate.variance import domain_estimates
    assert_same(domain_estimates(whole), domain_estimates(by_engine))
    # chunks feed the same tally
    chunked = kirc.estimate.engines.tally(_chunks(data, 700), "nps", "nps", by="sector", design=design)
    assert_same(expected, chunked.table.sort_values(keys).reset_index(drop=True)[
        expected.columns], rtol=1e-12)


def test_read_survey_chunks_feed_an_estimate(tmp_path, data):
    path = tmp_path / "survey.csv"
    data.to_csv(path, index=False)
    whole = kirc.read_survey(path)
    chunks = kirc.read_survey(path, chunksize=1500)
    assert_same(kirc.nps(whole, "nps", by="sector", weights="weight"),
                kirc.nps(chunks, "nps", by="sector", weights="weight"))


def _write(frame, path):
    con = duckdb.connect()
    con.register("frame", frame)
    con.execute(f"COPY frame TO '{path}' (FORMAT parquet)")
    con.close()
    return path


def _same_error(frame, path, call, error):
    with pytest.raises(error) as in_memory:
        call(frame)
    with pytest.raises(error) as engine:
        call(path)
    assert engine.value.column == in_memory.value.column
    return in_memory.value.message, engine.value.message


def test_bad_input_is_the_same_error(data, tmp_path):
    frame = data.copy()
    frame.loc[3, "nps"] = 99                    # an undeclared missing code
    frame.loc[7, "nps"] = 7.5
    path = _write(frame, tmp_path / "codes.parquet")
    memory, engine = _same_error(frame, path, lambda d: kirc.nps(d, "nps"), kirc.ScaleError)
    assert engine == memory and "2 answers are outside the scale 0–10" in engine
    memory, engine = _same_error(frame, path, lambda d: kirc.csat(d, "nps", scale=(0, 10)),
                                 kirc.ScaleError)
    assert engine == memory

    negative = data.copy()
    negative.loc[5, "weight"] = -1.0
    path = _write(negative, tmp_path / "negative.parquet")
    _same_error(negative, path, lambda d: kirc.nps(d, "nps", weights="weight"), kirc.ScaleError)
    _same_error(negative, path, lambda d: kirc.mean_score(d, "score", weights="weight"),
                kirc.ScaleError)

    unweighted = data.copy()
    unweighted.loc[4, "weight"] = np.nan        # an answering respondent without a weight
    path = _write(unweighted, tmp_path / "noweight.parquet")
    memory, engine = _same_error(unweighted, path,
                                 lambda d: kirc.nps(d, "nps", weights="weight"),
                                 kirc.ScaleError)
    assert engine == memory

    no_stratum = data.copy()
    no_stratum["stratum"] = no_stratum["stratum"].astype(float)
    no_stratum.loc[8, "stratum"] = np.nan
    path = _write(no_stratum, tmp_path / "nostratum.parquet")
    _same_error(no_stratum, path, lambda d: kirc.nps(d, "nps", design=DESIGNS[
        "stratified clustered"]), kirc.ColumnError)

    uneven = data.copy()
    uneven.loc[9, "population"] = 1234.0
    path = _write(uneven, tmp_path / "fpc.parquet")
    _same_error(uneven, path, lambda d: kirc.nps(d, "nps", design=DESIGNS[
        "stratified clustered fpc"]), kirc.ScaleError)

    texts = data.assign(fcr=np.where(data["fcr"] == 1, "ja", "nee"))
    texts.loc[2, "fcr"] = "weet niet"
    path = _write(texts, tmp_path / "texts.parquet")
    memory, engine = _same_error(texts, path, lambda d: kirc.share(
        d, "fcr", positive="ja", negative="nee"), kirc.ScaleError)
    assert engine == memory
    memory, engine = _same_error(texts, path, lambda d: kirc.nps(d, "fcr"), kirc.ScaleError)
    assert engine == memory
    with pytest.raises(kirc.ColumnError, match="no such column"):
        kirc.nps(path, "nope")
    with pytest.raises(kirc.ColumnError):
        kirc.nps(path, "nps", weights="nope")


def test_undeclared_missing_code_warns_in_the_engine(data, tmp_path):
    frame = data.copy()
    frame.loc[:4, "fcr"] = 99
    path = _write(frame, tmp_path / "warn.parquet")
    with pytest.warns(kirc.KircWarning, match="5 answers are 99"):
        kirc.share(frame, "fcr")
    with pytest.warns(kirc.KircWarning, match="5 answers are 99"):
        kirc.share(path, "fcr")


def test_unknown_inputs_are_clear_errors(tmp_path):
    with pytest.raises(kirc.ParameterError, match="Parquet"):
        kirc.nps(tmp_path / "survey.sav", "nps")
    with pytest.raises(kirc.InputFileError, match="no such file"):
        kirc.nps(tmp_path / "absent.parquet", "nps")
    with pytest.raises(kirc.ParameterError, match="pandas DataFrame"):
        kirc.nps(42, "nps")
    with pytest.raises(kirc.ParameterError, match="no chunks"):
        kirc.nps(iter([]), "nps")


def test_missing_extra_names_it(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "duckdb", None)
    monkeypatch.setattr(kirc.estimate.engines, "_connection", None)
    with pytest.raises(kirc.estimate.engines.MissingExtraError, match=r"kirc\[duckdb\]"):
        kirc.nps(tmp_path / "survey.parquet", "nps")
    monkeypatch.setitem(sys.modules, "pyspark", None)
    with pytest.raises(kirc.KircError, match=r"kirc\[spark\]"):
        kirc.estimate.engines._require("pyspark", "spark", "a Spark DataFrame")


@pytest.mark.slow
def test_parquet_larger_than_the_memory_limit(tmp_path):
    """A 130+ MB file through a 64 MB DuckDB: the GROUP BY of ~1.3M cells spills to disk."""
    path = tmp_path / "large.parquet"
    rows = 1_400_000
    noise = ", ".join(f"random() AS noise{i}" for i in range(12))
    con = duckdb.connect()
    con.execute(f"""
        COPY (SELECT (hash(i) % 11)::INTEGER AS nps, (hash(i + 1) % 10)::INTEGER AS sector,
                     (hash(i + 2) % 4)::INTEGER AS stratum,
                     (hash(i + 3) % 30000)::INTEGER AS organisation,
                     0.2 + (hash(i + 4) % 1000) / 500.0 AS weight, {noise}
              FROM range({rows}) t(i)) TO '{path}' (FORMAT parquet)""")
    con.close()
    limit = 64 * 2 ** 20
    assert path.stat().st_size > 2 * limit
    spill = tmp_path / "spill"
    try:
        kirc.estimate.engines.connect(memory_limit="64MB", temp_directory=spill, threads=2)
        design = kirc.Design(weights="weight", strata="stratum", psu="organisation")
        result = kirc.nps(path, "nps", by="sector", design=design)
    finally:
        kirc.estimate.engines.connect()
    # the same query without a place to spill runs out of memory: the limit was binding
    try:
        kirc.estimate.engines.connect(memory_limit="64MB", temp_directory="", threads=2)
        with pytest.raises(duckdb.OutOfMemoryException):
            kirc.nps(path, "nps", by="sector", design=design)
    finally:
        kirc.estimate.engines.connect()
    frame = duckdb.sql(f"SELECT nps, sector, stratum, organisation, weight "
                       f"FROM '{path}'").df()
    assert_same(kirc.nps(frame, "nps", by="sector", design=design), result)
    assert result["n"].sum() == rows


# The stages' and returning units' keys are counted like the PSUs: their pieces are those of
# the other designs, so they are counted whole only.
COUNTING_CASES = [pytest.param(design, pieces, id=f"{name}-{pieces}")
                  for pieces in ("whole", "in pieces") for name, design in DESIGNS.items()
                  if pieces == "whole" or not (design.stages[1:] or design.linked)]


@pytest.mark.parametrize("design, pieces", COUNTING_CASES)
def test_counting_pass_equals_the_general_path(data, design, pieces, monkeypatch):
    """kirc.estimate.engines.memory (one bincount over domain x answer codes) against the row path;
    also counted in pieces of 997 rows (in threads where there are cores), as frames of
    millions of rows are."""
    import kirc._pieces
    if pieces == "in pieces":
        monkeypatch.setattr(kirc._pieces, "PIECE_ROWS", 997)
        assert len(data) > 2 * 997
    frame = data.copy()
    frame["code"] = frame["organisation"] % 7 + 2020            # an integer domain column
    frame["band"] = (frame["organisation"] // 7 % 3).astype(np.int16)   # and a second one
    frame["nps_int"] = frame["nps"].fillna(5).astype(np.int64)
    frame.loc[frame["code"] == 2023, "weight"] = 0.0             # a domain that weighs nothing
    frame["sector_cat"] = pd.Categorical(frame["sector"], categories=["energie", "leeg",
                                                                      "telecom", "zorg"])
    for function, column, options in ESTIMATORS[:3] + [(kirc.nps, "nps_int", {})]:
        for by in (None, "code", "sector", ["code", "sector"], "sector_cat", ["band", "code"],
                   ["code", "band"]):
            expected = function.__wrapped__(frame, column, by=by, design=design, **options)
            assert_same(expected, function(frame, column, by=by, design=design, **options))


def test_integer_keys_of_any_size_count_as_the_general_path():
    """Offsets of large integer keys (ids near 2**63, unsigned ones) wrap in int64 to the
    same codes: the counting pass equals the row path."""
    rng = np.random.default_rng(7)
    rows = 5000
    frame = pd.DataFrame({"nps": rng.integers(0, 11, rows),
                          "w": rng.gamma(2.0, 0.5, rows),
                          "big": np.int64(2 ** 63 - 100) + rng.integers(0, 40, rows),
                          "small": rng.integers(-3, 3, rows).astype(np.int8),
                          "unsigned": np.uint64(2 ** 63) + rng.integers(0, 5, rows).astype(
                              np.uint64)})
    assert frame["big"].max() > 2 ** 62 and frame["unsigned"].dtype == np.uint64
    for by in (["big"], ["small", "big"], ["unsigned"], ["big", "unsigned", "small"]):
        for weights in (None, "w"):
            expected = kirc.nps.__wrapped__(frame, "nps", by=by, weights=weights)
            assert_same(expected, kirc.nps(frame, "nps", by=by, weights=weights))


def test_single_psu_domains_agree(tmp_path):
    """Tiny domains (one respondent or one cluster) give the same NaN variance everywhere."""
    frame = pd.DataFrame({"nps": [9.0, 3, 10, 7, 8, 1], "g": ["a", "b", "b", "c", "c", "c"],
                          "w": [1.0, 2, 1, 1, 3, 1], "psu": [1, 2, 2, 3, 3, 4]})
    path = _write(frame, tmp_path / "tiny.parquet")
    for design in (kirc.Design(weights="w"), kirc.Design(weights="w", psu="psu")):
        for function, column, options in ESTIMATORS[:1]:
            expected = function.__wrapped__(frame, column, by="g", design=design)
            assert_same(expected, function(frame, column, by="g", design=design))
            assert_same(expected, function(path, column, by="g", design=design))
            assert_same(expected, function(_chunks(frame, 2), column, by="g", design=design))


def test_all_positive_weights_take_the_plain_query(data, tmp_path):
    """Without zero, negative or missing weights the engine sends plain SUMs (no CASE)."""
    frame = data.assign(weight=data["weight"] + 0.1)
    path = _write(frame, tmp_path / "positive.parquet")
    from kirc.estimate.engines import sql
    calls = []
    original = sql._trusted
    sql._trusted = lambda cells: calls.append(original(cells)) or calls[-1]
    try:
        for name in ("weighted", "stratified clustered", "stratified clustered fpc"):
            for function, column, options in ESTIMATORS[:3]:
                assert_same(function(frame, column, by="sector", design=DESIGNS[name]),
                            function(path, column, by="sector", design=DESIGNS[name]))
    finally:
        sql._trusted = original
    assert calls and all(calls)


@pytest.mark.parametrize("function, column, size", [(kirc.mean_score, "score", 51),
                                                   (kirc.nps, "nps", 21)])
def test_many_replicates_build_the_engine_frames_at_once(data, tmp_path, function, column,
                                                         size):
    """Enough replicate columns for pandas to warn of a frame built column by column (more
    than 100 columns added one at a time): no PerformanceWarning, and the in-memory
    estimates."""
    import warnings

    rng = np.random.default_rng(1)
    counts = rng.poisson(1.0, (25, size)).astype(float)
    weights = data["weight"].to_numpy()[:, None] * counts[data["organisation"].to_numpy()]
    frame = pd.concat([data.drop(columns=[c for c in data if c.startswith("rep")]),
                       pd.DataFrame(weights, columns=[f"r{k + 1}" for k in range(size)])],
                      axis=1)
    path = tmp_path / "replicates.parquet"
    con = duckdb.connect()
    con.register("frame", frame)
    con.execute(f"COPY frame TO '{path}' (FORMAT parquet)")
    con.close()
    design = kirc.Design(weights="weight",
                         replicates=kirc.Replicates(columns="r*", method="bootstrap"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.PerformanceWarning)
        result = function(path, column, by="sector", design=design)
    assert_same(function(frame, column, by="sector", design=design), result)
