"""The Spark engine (local mode) gives the in-memory results (kirc.estimate.engines).

Few tests on purpose: one Spark session for the module (start-up takes 10–20 s), small data.
"""

from __future__ import annotations

import shutil
import warnings

import pytest

import kirc
from engine_data import DESIGNS, ESTIMATORS, assert_same, survey

pyspark = pytest.importorskip("pyspark", reason="the spark extra is not installed")
if shutil.which("java") is None:
    pytest.skip("Spark needs Java (Debian: default-jre-headless); none on this machine",
                allow_module_level=True)

#: Spark: outside the inner loop (pytest -m "not slow")
pytestmark = [pytest.mark.slow,
              pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::UserWarning")]


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession
    session = (SparkSession.builder.master("local[1]").appName("kirc-tests")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.sql.execution.arrow.pyspark.enabled", "false")
               .config("spark.driver.memory", "1g").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def data():
    return survey(rows=3000, seed=1)


@pytest.fixture(scope="module")
def frame(spark, data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return spark.createDataFrame(data).cache()


def test_spark_equals_pandas_weighted_stratified_clustered(data, frame):
    design = DESIGNS["stratified clustered fpc"]
    # nps: the answer-value GROUP BY (as share and csat); mean_score: the sums of y
    for function, column, options in (ESTIMATORS[0], ESTIMATORS[3]):
        assert_same(function(data, column, by="sector", design=design, **options),
                    function(frame, column, by="sector", design=design, **options))


def test_spark_change_trend_and_errors(data, frame):
    design = DESIGNS["stratified clustered"]
    assert_same(kirc.change(data, "nps", "nps", by="sector", design=design),
                kirc.change(frame, "nps", "nps", by="sector", design=design))
    assert_same(kirc.trend(data, "share", "fcr", design=design),
                kirc.trend(frame, "share", "fcr", design=design))
    with pytest.raises(kirc.ScaleError, match="outside the scale 1–5") as error:
        kirc.csat(frame, "nps")
    assert error.value.column == "nps"


@pytest.mark.parametrize("name", ["two stages", "replicates", "returning units"])
def test_spark_gives_the_multistage_replicate_and_linked_variances(data, frame, name):
    # the replicates: one SUM per replicate column (and their cross-products) in the same
    # GROUP BY; the stages and the returning units: their keys in it
    design = DESIGNS[name]
    assert_same(kirc.change(data, "nps", "nps", by="sector", design=design),
                kirc.change(frame, "nps", "nps", by="sector", design=design))
    if name == "replicates":                  # the sums of y (not per answer value)
        assert_same(kirc.mean_score(data, "score", by="sector", design=design),
                    kirc.mean_score(frame, "score", by="sector", design=design))
