"""Multiple-response questions (kirc.multiple_response, compare_options, marginal_independence).

Against R ``survey`` 4.1.1 (R 4.2.2) on the ``api`` samples of ``../shared/realdata/``, with a
multiple-response question built from four yes/no items (``awards``, ``sch.wide``,
``comp.imp``, ``yr.rnd``): per-option shares and SEs overall and by ``stype``, option-versus-
option contrasts in the whole sample and within a school type, and group-versus-group
contrasts per option (p from t with the pair's ``degf``, Bonferroni over 3 pairs). Output of
this script in ``R_MR``::

    suppressMessages(library(survey)); options(digits=15)
    p <- "../shared/realdata/survey_api/"
    prep <- function(d) {
      d$o_awards <- as.numeric(d$awards == "Yes"); d$o_schwide <- as.numeric(d$sch.wide == "Yes")
      d$o_compimp <- as.numeric(d$comp.imp == "Yes"); d$o_yrrnd <- as.numeric(d$yr.rnd == "Yes")
      d }
    strat <- prep(read.csv(paste0(p, "apistrat.csv"))); cl <- prep(read.csv(paste0(p, "apiclus1.csv")))
    designs <- list(strat = svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = strat),
                    clus1 = svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = cl))
    opts <- c("o_awards", "o_schwide", "o_compimp", "o_yrrnd")
    for (name in names(designs)) { des <- designs[[name]]
      m <- svymean(~o_awards + o_schwide + o_compimp + o_yrrnd, des)
      cat(name, "all", sprintf("%.12f", coef(m)), sprintf("%.12f", SE(m)), "\n")
      b <- svyby(~o_awards + o_schwide + o_compimp + o_yrrnd, ~stype, des, svymean)
      for (s in rownames(b)) cat(name, s, sprintf("%.12f", unlist(b[s, opts])),
                                 sprintf("%.12f", unlist(b[s, paste0("se.", opts)])), "\n")
      # option versus option, whole sample and within stype E
      for (a in 1:3) for (z in (a + 1):4) {
        v <- rep(0, 4); v[a] <- 1; v[z] <- -1
        k <- svycontrast(m, v)
        ke <- svycontrast(svymean(~o_awards + o_schwide + o_compimp + o_yrrnd, subset(des, stype == "E")), v)
        cat(name, "pair", opts[a], opts[z], sprintf("%.12f %.12f", coef(k), SE(k)),
            sprintf("%.12f %.12f", coef(ke), SE(ke)), degf(des), degf(subset(des, stype == "E")), "\n")
      }
      # group versus group for each option: E vs M contrast and its t p-value on the pair's degf
      for (o in opts) {
        bb <- svyby(as.formula(paste0("~", o)), ~stype, des, svymean, covmat = TRUE)
        levels <- rownames(bb)
        for (a in 1:2) for (z in (a + 1):3) {
          v <- rep(0, 3); v[a] <- 1; v[z] <- -1
          k <- svycontrast(bb, v)
          df <- degf(subset(des, stype %in% levels[c(a, z)]))
          cat(name, "groups", o, levels[a], levels[z], sprintf("%.12f %.12f", coef(k), SE(k)), df,
              sprintf("%.12f", min(1, 3 * 2 * pt(-abs(coef(k) / SE(k)), df))), "\n")
        }
      }
    }

Bilder and Loughin's test against R's MRCV 0.4-0 (the package's own R code, sourced, on its
``farmer1`` data: 262 Kansas farmers, education × five sources of veterinary information;
the rows are in ``FARMER1`` below, so the test needs neither R nor ``../shared/``)::

    source("BLfour.R")
    farmer1 <- read.table("farmer1.txt", header = TRUE)
    options(digits = 15)
    out <- MI.test(data = farmer1, I = 1, J = 5, type = "rs2")
    cat(sprintf("X2S %.12f\n", out$general$X.sq.S))
    cat(sprintf("X2Sij %.12f\n", out$general$X.sq.S.ij))
    cat(sprintf("rs2 %.12f df %.12f p %.12f\n", out$rs2$X.sq.S.rs2, out$rs2$df.rs2, out$rs2$p.value.rs2))
    b <- MI.test(data = farmer1, I = 1, J = 5, type = "bon")
    cat(sprintf("bon %.12f\n", b$bon$p.value.bon))
    print(table(farmer1$Ed))

which prints X²_S 30.835939186763 (per option 5.959584650741, 7.893209918242, 4.615699380540,
1.418756094034, 10.948689143205), RS2 28.678954490764 on 18.600993027691 df, p
0.063223343974, Bonferroni p 0.135733852005 — the worked example of Bilder, Loughin and
Nettleton (2000) and of Koziol and Bilder (2014).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kirc
from conftest import realdata_file

R_MR = """
strat all 0.638936064051 0.827948011416 0.655649011944 0.137487890037 0.034405917997 0.024344780113 0.033725495798 0.027713470376 
strat E 0.730000000000 0.910000000000 0.750000000000 0.180000000000 0.044112085501 0.028435196206 0.043024409102 0.038173102385 
strat H 0.320000000000 0.520000000000 0.340000000000 0.020000000000 0.064395050509 0.068967634923 0.065393482926 0.019326405092 
strat M 0.480000000000 0.700000000000 0.480000000000 0.040000000000 0.069596602658 0.063837430347 0.069596602658 0.027298033464 
strat pair o_awards o_schwide -0.189011947365 0.029624490257 -0.180000000000 0.038173102385 197 99 
strat pair o_awards o_compimp -0.016712947893 0.010204324255 -0.020000000000 0.013910486339 197 99 
strat pair o_awards o_yrrnd 0.501448174013 0.042041535206 0.550000000000 0.055098127345 197 99 
strat pair o_schwide o_compimp 0.172298999472 0.031940825826 0.160000000000 0.041494211734 197 99 
strat pair o_schwide o_yrrnd 0.690460121378 0.036230026843 0.730000000000 0.046296076835 197 99 
strat pair o_compimp o_yrrnd 0.518161121907 0.041923402331 0.570000000000 0.054882689072 197 99 
strat groups o_awards E H 0.410000000000 0.078055099880 148 0.000001537936 
strat groups o_awards E M 0.250000000000 0.082398805749 148 0.008553223216 
strat groups o_awards H M -0.160000000000 0.094817770653 98 0.284093422615 
strat groups o_schwide E H 0.390000000000 0.074599564678 148 0.000001722372 
strat groups o_schwide E M 0.210000000000 0.069884031771 148 0.009361055067 
strat groups o_schwide H M -0.180000000000 0.093977402498 98 0.175088220660 
strat groups o_compimp E H 0.410000000000 0.078277757938 148 0.000001646666 
strat groups o_compimp E M 0.270000000000 0.081821677324 148 0.003636146537 
strat groups o_compimp H M -0.140000000000 0.095498663397 98 0.437557856942 
strat groups o_yrrnd E H 0.160000000000 0.042786629681 148 0.000788916833 
strat groups o_yrrnd E M 0.140000000000 0.046929397788 148 0.010012073807 
strat groups o_yrrnd H M -0.020000000000 0.033446861808 98 1.000000000000 
clus1 all 0.710382513661 0.874316939891 0.726775956284 0.049180327869 0.033018299554 0.020359477245 0.030327646963 0.031365853078 
clus1 E 0.770833333333 0.916666666667 0.777777777778 0.062500000000 0.029045869401 0.020984278952 0.029544274666 0.039892309590 
clus1 H 0.428571428571 0.785714285714 0.500000000000 0.000000000000 0.145649974809 0.091461909989 0.115738431707 0.000000000000 
clus1 M 0.520000000000 0.680000000000 0.560000000000 0.000000000000 0.116635529593 0.109502248398 0.132600292294 0.000000000000 
clus1 pair o_awards o_schwide -0.163934426230 0.020364857820 -0.145833333333 0.021536400689 14 14 
clus1 pair o_awards o_compimp -0.016393442623 0.010488013372 -0.006944444444 0.007498308424 14 14 
clus1 pair o_awards o_yrrnd 0.661202185792 0.054430159030 0.708333333333 0.060546390183 14 14 
clus1 pair o_schwide o_compimp 0.147540983607 0.017108309231 0.138888888889 0.020887215409 14 14 
clus1 pair o_schwide o_yrrnd 0.825136612022 0.040142386360 0.854166666667 0.058699296889 14 14 
clus1 pair o_compimp o_yrrnd 0.677595628415 0.047536344759 0.715277777778 0.061278327532 14 14 
clus1 groups o_awards E H 0.342261904762 0.132168143519 14 0.064219000609 
clus1 groups o_awards E M 0.250833333333 0.130361956905 14 0.224727121557 
clus1 groups o_awards H M -0.091428571429 0.201782104412 11 1.000000000000 
clus1 groups o_schwide E H 0.130952380952 0.101612030983 14 0.655125480517 
clus1 groups o_schwide E M 0.236666666667 0.119972484595 14 0.205845407984 
clus1 groups o_schwide H M 0.105714285714 0.105667960776 11 1.000000000000 
clus1 groups o_compimp E H 0.277777777778 0.101932341373 14 0.049283294286 
clus1 groups o_compimp E M 0.217777777778 0.148962208465 14 0.497498791832 
clus1 groups o_compimp H M -0.060000000000 0.185954030513 11 1.000000000000 
clus1 groups o_yrrnd E H 0.062500000000 0.039892309590 14 0.418497793075 
clus1 groups o_yrrnd E M 0.062500000000 0.039892309590 14 0.418497793075 
clus1 groups o_yrrnd H M 0.000000000000 0.000000000000 11 NaN
"""

OPTIONS = ["o_awards", "o_schwide", "o_compimp", "o_yrrnd"]
DESIGNS = {"strat": ("apistrat.csv", kirc.Design(weights="pw", strata="stype", fpc="fpc")),
           "clus1": ("apiclus1.csv", kirc.Design(weights="pw", psu="dnum", fpc="fpc"))}


def survey(name):
    file, design = DESIGNS[name]
    data = pd.read_csv(realdata_file("survey_api", file))
    for option, column in zip(OPTIONS, ["awards", "sch.wide", "comp.imp", "yr.rnd"]):
        data[option] = (data[column] == "Yes").astype(float)
    return kirc.as_survey(data, design)


def r_lines(name, kind):
    return [line.split() for line in R_MR.strip().splitlines()
            if line.split()[0] == name and line.split()[1] == kind]


@pytest.mark.parametrize("name", ["strat", "clus1"])
def test_shares_and_ses_equal_svymean_and_svyby(name):
    data = survey(name)
    whole = kirc.multiple_response(data, OPTIONS)
    (line,) = r_lines(name, "all")
    values = [float(v) for v in line[2:]]
    np.testing.assert_allclose(whole["estimate"], 100 * np.array(values[:4]), rtol=1e-9)
    np.testing.assert_allclose(whole["se"], 100 * np.array(values[4:]), rtol=1e-6, atol=1e-9)
    by = kirc.multiple_response(data, OPTIONS, by="stype")
    for stype in ("E", "H", "M"):
        (line,) = r_lines(name, stype)
        values = [float(v) for v in line[2:]]
        part = by[by["stype"] == stype]
        assert list(part["option"]) == OPTIONS
        np.testing.assert_allclose(part["estimate"], 100 * np.array(values[:4]), rtol=1e-9)
        np.testing.assert_allclose(part["se"], 100 * np.array(values[4:]), rtol=1e-6,
                                   atol=1e-9)


@pytest.mark.parametrize("name", ["strat", "clus1"])
def test_option_versus_option_is_svycontrast_of_svymean(name):
    data = survey(name)
    whole = kirc.compare_options(data, OPTIONS, adjust="none").set_index(["option", "versus"])
    within = kirc.compare_options(data[data["stype"] == "E"], OPTIONS, adjust="none") \
        .set_index(["option", "versus"])
    for line in r_lines(name, "pair"):
        a, b = line[2], line[3]
        estimate, se, estimate_e, se_e = (float(v) for v in line[4:8])
        degf, degf_e = int(line[8]), int(line[9])
        row, row_e = whole.loc[(a, b)], within.loc[(a, b)]
        assert row["estimate"] == pytest.approx(100 * estimate, rel=1e-9, abs=1e-9)
        assert row["se"] == pytest.approx(100 * se, rel=1e-6)
        assert row["df"] == degf
        assert row_e["estimate"] == pytest.approx(100 * estimate_e, rel=1e-9, abs=1e-9)
        assert row_e["se"] == pytest.approx(100 * se_e, rel=1e-6)
        assert row_e["df"] == degf_e


@pytest.mark.parametrize("name", ["strat", "clus1"])
def test_one_option_between_groups_is_the_contrast_with_r_decisions(name):
    data = survey(name)
    for line in r_lines(name, "groups"):
        option, a, b = line[2], line[3], line[4]
        estimate, se, df = float(line[5]), float(line[6]), int(line[7])
        p_adjusted = float(line[8])
        out = kirc.contrast(data, "share", option, by="stype", adjust="bonferroni")
        row = out[(out["stype"] == a) & (out["versus"] == b)].iloc[0]
        assert row["estimate"] == pytest.approx(100 * estimate, rel=1e-9, abs=1e-9)
        assert row["se"] == pytest.approx(100 * se, rel=1e-6, abs=1e-9)
        assert row["df"] == df
        if not np.isnan(p_adjusted):
            assert row["p_adjusted"] == pytest.approx(p_adjusted, rel=1e-6, abs=1e-12)
            assert bool(row["significant"]) == (p_adjusted < 0.05)


def test_shares_of_mentions_add_up_and_equal_the_ratio_of_totals():
    data = survey("clus1")
    out = kirc.multiple_response(data, OPTIONS, base="responses")
    assert out["estimate"].sum() == pytest.approx(100)
    w = data["pw"]
    mentions = data[OPTIONS].sum(axis=1)
    expected = [100 * (w * data[o]).sum() / (w * mentions).sum() for o in OPTIONS]
    np.testing.assert_allclose(out["estimate"], expected, rtol=1e-12)
    assert (out["se"] > 0).all() and (out["ci_low"] < out["estimate"]).all()


def test_who_answered_and_who_chose_none():
    # all options 0: answered and chose nothing; all missing: did not answer (not in n)
    df = pd.DataFrame({"a": [1, 0, 0, np.nan, 1], "b": [0, 0, 1, np.nan, np.nan]})
    out = kirc.multiple_response(df, ["a", "b"])
    assert out["n"].tolist() == [4, 4]
    np.testing.assert_allclose(out["estimate"], [50.0, 25.0])
    np.testing.assert_allclose(out["mean_options"], 0.75)
    with pytest.raises(kirc.ColumnError, match="0/1"):
        kirc.multiple_response(pd.DataFrame({"a": [1, 2], "b": [0, 1]}), ["a", "b"])
    with pytest.raises(kirc.ParameterError, match="not a multiple-response construct"):
        kirc.multiple_response(df, "a")


#: Bilder and Loughin's (2004) worked example, the Kansas farmers' survey: education (Ed, 1-5)
#: by five check-all-that-apply sources of veterinary information (Y1-Y5), 262 farmers. From
#: R package MRCV 0.4-0, data/farmer1.txt.gz (GPL >= 3), as "Ed:Y1Y2Y3Y4Y5:count" of its
#: distinct rows.
FARMER1 = """
    1:00001:8 1:00010:17 1:00011:4 1:00100:5 1:00101:1 1:00110:3 1:00111:3 1:01000:9 1:01001:7
    1:01010:1 1:01011:2 1:01110:1 1:01111:8 1:10000:9 1:11000:2 1:11110:1 1:11111:7 2:00001:1
    2:00010:3 2:00011:1 2:00100:4 2:01000:3 2:01111:2 2:10110:1 2:11110:1 3:00001:6 3:00010:6
    3:00011:2 3:00100:2 3:00110:1 3:01000:4 3:01001:1 3:01011:2 3:01110:3 3:01111:3 3:10100:1
    4:00001:16 4:00010:30 4:00011:2 4:00100:17 4:00101:1 4:00110:6 4:01000:11 4:01001:2 4:01010:1
    4:01100:1 4:01110:3 4:01111:4 4:10000:11 4:10110:1 4:11100:1 4:11110:2 4:11111:4 5:00001:1
    5:00010:1 5:00011:1 5:00100:2 5:00101:1 5:00110:1 5:00111:1 5:01000:1 5:01100:1 5:01101:1
    5:10000:1 5:10010:1 5:11111:1
"""


def _farmer1() -> pd.DataFrame:
    rows = []
    for item in FARMER1.split():
        ed, pattern, count = item.split(":")
        rows += [[int(ed), *map(int, pattern)]] * int(count)
    return pd.DataFrame(rows, columns=["Ed", "Y1", "Y2", "Y3", "Y4", "Y5"])


def test_marginal_independence_reproduces_bilder_and_loughin():
    # the values of R's MRCV on the same rows (the script in the module's docstring)
    farmer = _farmer1()
    assert len(farmer) == 262
    out = kirc.marginal_independence(farmer, ["Y1", "Y2", "Y3", "Y4", "Y5"], by="Ed")
    each = out.iloc[:5]
    np.testing.assert_allclose(each["statistic"], [5.959584650741, 7.893209918242,
                                                   4.615699380540, 1.418756094034,
                                                   10.948689143205], rtol=1e-10)
    overall = out.iloc[5]
    assert overall["statistic"] == pytest.approx(30.835939186763, rel=1e-10)
    assert overall["statistic_rs2"] == pytest.approx(28.678954490764, rel=1e-9)
    assert overall["df"] == pytest.approx(18.600993027691, rel=1e-9)
    assert overall["p_value"] == pytest.approx(0.063223343974, rel=1e-8)
    assert overall["p_bonferroni"] == pytest.approx(0.135733852005, rel=1e-9)


def test_marginal_independence_on_a_clustered_design_uses_its_covariance():
    data = survey("clus1")
    designed = kirc.marginal_independence(data, OPTIONS[:3], by="stype").iloc[-1]
    plain = kirc.marginal_independence(pd.DataFrame(data), OPTIONS[:3], by="stype",
                                       weights=None).iloc[-1]
    # the clusters make the shares vary more than a simple random sample would: a smaller
    # adjusted statistic than the one that ignores them
    assert designed["statistic_rs2"] < plain["statistic_rs2"]
    assert 0 < designed["p_value"] < 1


# --------------------------------------------------------------------------------------------
# replicate designs: every replicate's own estimate (the influences' statistic)

R_REPLICATES_SCRIPT = """Replicate-weight designs (R 4.2.2, survey 4.1.1; run from the project folder):
JKn replicates of ``apistrat`` and JK1 replicates of ``apiclus1``, beside their linearised
designs: the options' shares overall and by ``stype`` with the covariance matrix of the group ×
option shares, and each option's share of all mentions (``svyratio`` with the number of
options chosen as denominator), overall and by ``stype``. Output in ``R_REPLICATES``::

    suppressMessages(library(survey)); options(digits=15)
    p <- "../shared/realdata/survey_api/"
    prep <- function(d) {
      d$o_awards <- as.numeric(d$awards == "Yes"); d$o_schwide <- as.numeric(d$sch.wide == "Yes")
      d$o_compimp <- as.numeric(d$comp.imp == "Yes"); d$o_yrrnd <- as.numeric(d$yr.rnd == "Yes")
      d$mentions <- d$o_awards + d$o_schwide + d$o_compimp + d$o_yrrnd
      d }
    st <- prep(read.csv(paste0(p, "apistrat.csv"))); cl <- prep(read.csv(paste0(p, "apiclus1.csv")))
    ds <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = st)
    dc <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = cl)
    designs <- list(jkn = as.svrepdesign(ds, type = "JKn", compress = FALSE),
                    jk1 = as.svrepdesign(dc, type = "JK1", compress = FALSE),
                    strat = ds, clus1 = dc)
    opts <- c("o_awards", "o_schwide", "o_compimp", "o_yrrnd")
    f <- ~o_awards + o_schwide + o_compimp + o_yrrnd
    for (name in names(designs)) { r <- designs[[name]]
      m <- svymean(f, r); cat(name, "mean", sprintf("%.12f", c(coef(m), SE(m))), degf(r), "\n")
      b <- svyby(f, ~stype, r, svymean, covmat = TRUE); V <- vcov(b)
      cat(name, "by", sprintf("%.12f", c(coef(b), sqrt(diag(V)))), "\n")
      if (name != "strat") cat(name, "vcov", sprintf("%.10e", c(V)), "\n")
      for (o in opts) { k <- svyratio(as.formula(paste0("~", o)), ~mentions, r)
        kb <- svyby(as.formula(paste0("~", o)), ~stype, r, svyratio, denominator = ~mentions)
        cat(name, "ratio", o, sprintf("%.12f", c(coef(k), SE(k), coef(kb), SE(kb))), "\n") }
    }
"""

R_REPLICATES = """
jkn mean 0.638936064051 0.827948011416 0.655649011944 0.137487890037 0.034405917997
  0.024344780113 0.033725495798 0.027713470376 197
jkn by 0.730000000000 0.320000000000 0.480000000000 0.910000000000 0.520000000000 0.700000000000
  0.750000000000 0.340000000000 0.480000000000 0.180000000000 0.020000000000 0.040000000000
  0.044112085501 0.064395050509 0.069596602658 0.028435196206 0.068967634923 0.063837430347
  0.043024409102 0.065393482926 0.069596602658 0.038173102385 0.019326405092 0.027298033464
jkn vcov 1.9458760873e-03 0.0000000000e+00 0.0000000000e+00 6.4862536242e-04 0.0000000000e+00
  0.0000000000e+00 1.8017371178e-03 0.0000000000e+00 0.0000000000e+00 1.8362909804e-04
  0.0000000000e+00 0.0000000000e+00 0.0000000000e+00 4.1467225301e-03 0.0000000000e+00
  0.0000000000e+00 2.9270982565e-03 0.0000000000e+00 0.0000000000e+00 4.0247601027e-03
  0.0000000000e+00 0.0000000000e+00 -1.2196242736e-04 0.0000000000e+00 0.0000000000e+00
  0.0000000000e+00 4.8436871016e-03 0.0000000000e+00 0.0000000000e+00 2.7944348663e-03
  0.0000000000e+00 0.0000000000e+00 4.8436871016e-03 0.0000000000e+00 0.0000000000e+00
  1.5524638146e-05 6.4862536242e-04 0.0000000000e+00 0.0000000000e+00 8.0856038329e-04
  0.0000000000e+00 0.0000000000e+00 4.6894527725e-04 0.0000000000e+00 0.0000000000e+00
  6.1209699346e-05 0.0000000000e+00 0.0000000000e+00 0.0000000000e+00 2.9270982565e-03
  0.0000000000e+00 0.0000000000e+00 4.7565346668e-03 0.0000000000e+00 0.0000000000e+00
  2.7289093121e-03 0.0000000000e+00 0.0000000000e+00 -1.9818894445e-04 0.0000000000e+00
  0.0000000000e+00 0.0000000000e+00 2.7944348663e-03 0.0000000000e+00 0.0000000000e+00
  4.0752175133e-03 0.0000000000e+00 0.0000000000e+00 2.7944348663e-03 0.0000000000e+00
  0.0000000000e+00 -1.5524638146e-04 1.8017371178e-03 0.0000000000e+00 0.0000000000e+00
  4.6894527725e-04 0.0000000000e+00 0.0000000000e+00 1.8510997786e-03 0.0000000000e+00
  0.0000000000e+00 1.4808798229e-04 0.0000000000e+00 0.0000000000e+00 0.0000000000e+00
  4.0247601027e-03 0.0000000000e+00 0.0000000000e+00 2.7289093121e-03 0.0000000000e+00
  0.0000000000e+00 4.2763076091e-03 0.0000000000e+00 0.0000000000e+00 -1.2958507906e-04
  0.0000000000e+00 0.0000000000e+00 0.0000000000e+00 4.8436871016e-03 0.0000000000e+00
  0.0000000000e+00 2.7944348663e-03 0.0000000000e+00 0.0000000000e+00 4.8436871016e-03
  0.0000000000e+00 0.0000000000e+00 1.5524638146e-05 1.8362909804e-04 0.0000000000e+00
  0.0000000000e+00 6.1209699346e-05 0.0000000000e+00 0.0000000000e+00 1.4808798229e-04
  0.0000000000e+00 0.0000000000e+00 1.4571857457e-03 0.0000000000e+00 0.0000000000e+00
  0.0000000000e+00 -1.2196242736e-04 0.0000000000e+00 0.0000000000e+00 -1.9818894445e-04
  0.0000000000e+00 0.0000000000e+00 -1.2958507906e-04 0.0000000000e+00 0.0000000000e+00
  3.7350993377e-04 0.0000000000e+00 0.0000000000e+00 0.0000000000e+00 1.5524638146e-05
  0.0000000000e+00 0.0000000000e+00 -1.5524638146e-04 0.0000000000e+00 0.0000000000e+00
  1.5524638146e-05 0.0000000000e+00 0.0000000000e+00 7.4518263101e-04
jkn ratio o_awards 0.282712448436 0.006431840896 0.284046692607 0.266666666667 0.282352941176
  0.007447249173 0.020113958712 0.014257617907
jkn ratio o_schwide 0.366345277180 0.010907320145 0.354085603113 0.433333333333 0.411764705882
  0.012219711010 0.036720914584 0.027586094867
jkn ratio o_compimp 0.290107489482 0.006971892557 0.291828793774 0.283333333333 0.282352941176
  0.008133707739 0.021645979100 0.014257617907
jkn ratio o_yrrnd 0.060834784902 0.011572182278 0.070038910506 0.016666666667 0.023529411765
  0.013855717150 0.016317559366 0.016098638974
jk1 mean 0.710382513661 0.874316939891 0.726775956284 0.049180327869 0.034038313157
  0.020556014254 0.030272451828 0.036052471193 14
jk1 by 0.770833333333 0.428571428571 0.520000000000 0.916666666667 0.785714285714 0.680000000000
  0.777777777778 0.500000000000 0.560000000000 0.062500000000 0.000000000000 0.000000000000
  0.030191536550 0.161120558810 0.122114103621 0.023690412420 0.098598154447 0.114786537656
  0.031034794322 0.122469671646 0.140643181567 0.046288856337 0.000000000000 0.000000000000
jk1 vcov 9.1152887922e-04 2.8272314223e-03 -1.5210535442e-03 5.1231000946e-04 2.1669887989e-05
  -1.5012423768e-03 9.1066987487e-04 1.8272513947e-03 -2.3030155226e-03 -8.2627432789e-04
  0.0000000000e+00 0.0000000000e+00 2.8272314223e-03 2.5959834471e-02 -4.3563996693e-03
  2.5260411110e-03 9.6549005766e-04 -3.5553098207e-03 3.3162927257e-03 1.7638645684e-02
  -8.6812425037e-03 -4.4152088243e-03 0.0000000000e+00 0.0000000000e+00 -1.5210535442e-03
  -4.3563996693e-03 1.4911854303e-02 -6.1979251842e-04 3.5294384683e-03 1.1870666606e-02
  -1.4843745674e-03 -1.2302266086e-03 1.6542705264e-02 1.4864562128e-03 0.0000000000e+00
  0.0000000000e+00 5.1231000946e-04 2.5260411110e-03 -6.1979251842e-04 5.6123564065e-04
  -1.0950301177e-03 -1.2692055705e-03 5.5064738430e-04 1.1196430513e-03 -1.4949034170e-03
  -9.5677966951e-04 0.0000000000e+00 0.0000000000e+00 2.1669887989e-05 9.6549005766e-04
  3.5294384683e-03 -1.0950301177e-03 9.7215960604e-03 5.3427073612e-03 6.0019529405e-05
  5.6483628468e-03 5.8640535031e-03 2.7767446274e-03 0.0000000000e+00 0.0000000000e+00
  -1.5012423768e-03 -3.5553098207e-03 1.1870666606e-02 -1.2692055705e-03 5.3427073612e-03
  1.3175949227e-02 -1.5175894979e-03 3.5857053777e-05 1.4275119585e-02 2.3164072318e-03
  0.0000000000e+00 0.0000000000e+00 9.1066987487e-04 3.3162927257e-03 -1.4843745674e-03
  5.5064738430e-04 6.0019529405e-05 -1.5175894979e-03 9.6315845860e-04 2.1822214333e-03
  -2.3272176258e-03 -8.6900806205e-04 0.0000000000e+00 0.0000000000e+00 1.8272513947e-03
  1.7638645684e-02 -1.2302266086e-03 1.1196430513e-03 5.6483628468e-03 3.5857053777e-05
  2.1822214333e-03 1.4998820473e-02 -2.7787872581e-03 -1.3293935609e-03 0.0000000000e+00
  0.0000000000e+00 -2.3030155226e-03 -8.6812425037e-03 1.6542705264e-02 -1.4949034170e-03
  5.8640535031e-03 1.4275119585e-02 -2.3272176258e-03 -2.7787872581e-03 1.9780504521e-02
  3.2689036729e-03 0.0000000000e+00 0.0000000000e+00 -8.2627432789e-04 -4.4152088243e-03
  1.4864562128e-03 -9.5677966951e-04 2.7767446274e-03 2.3164072318e-03 -8.6900806205e-04
  -1.3293935609e-03 3.2689036729e-03 2.1426582210e-03 0.0000000000e+00 0.0000000000e+00
  0.0000000000e+00 0.0000000000e+00 0.0000000000e+00 0.0000000000e+00 0.0000000000e+00
  0.0000000000e+00 0.0000000000e+00 0.0000000000e+00 0.0000000000e+00 0.0000000000e+00
  0.0000000000e+00 0.0000000000e+00 0.0000000000e+00 0.0000000000e+00 0.0000000000e+00
  0.0000000000e+00 0.0000000000e+00 0.0000000000e+00 0.0000000000e+00 0.0000000000e+00
  0.0000000000e+00 0.0000000000e+00 0.0000000000e+00 0.0000000000e+00
jk1 ratio o_awards 0.300925925926 0.008893249717 0.304945054945 0.250000000000 0.295454545455
  0.006735517835 0.055780975030 0.017999121867
jk1 ratio o_schwide 0.370370370370 0.006280500042 0.362637362637 0.458333333333 0.386363636364
  0.008819027382 0.070174642560 0.029447170690
jk1 ratio o_compimp 0.307870370370 0.005107683679 0.307692307692 0.291666666667 0.318181818182
  0.006952960647 0.018595430945 0.019445773191
jk1 ratio o_yrrnd 0.020833333333 0.015275414005 0.024725274725 0.000000000000 0.000000000000
  0.018325890419 0.000000000000 0.000000000000
strat mean 0.638936064051 0.827948011416 0.655649011944 0.137487890037 0.034405917997
  0.024344780113 0.033725495798 0.027713470376 197
strat by 0.730000000000 0.320000000000 0.480000000000 0.910000000000 0.520000000000
  0.700000000000 0.750000000000 0.340000000000 0.480000000000 0.180000000000 0.020000000000
  0.040000000000 0.044112085501 0.064395050509 0.069596602658 0.028435196206 0.068967634923
  0.063837430347 0.043024409102 0.065393482926 0.069596602658 0.038173102385 0.019326405092
  0.027298033464
strat ratio o_awards 0.282712448436 0.006440726731 0.284046692607 0.266666666667 0.282352941176
  0.007461470259 0.019880860323 0.014247026089
strat ratio o_schwide 0.366345277180 0.010929180534 0.354085603113 0.433333333333 0.411764705882
  0.012254400161 0.036475129113 0.027589247387
strat ratio o_compimp 0.290107489482 0.006986509497 0.291828793774 0.283333333333 0.282352941176
  0.008156835369 0.021562617286 0.014247026089
strat ratio o_yrrnd 0.060834784902 0.011543798860 0.070038910506 0.016666666667 0.023529411765
  0.013813297435 0.016349989622 0.015951981028
clus1 mean 0.710382513661 0.874316939891 0.726775956284 0.049180327869 0.033018299554
  0.020359477245 0.030327646963 0.031365853078 14
clus1 by 0.770833333333 0.428571428571 0.520000000000 0.916666666667 0.785714285714
  0.680000000000 0.777777777778 0.500000000000 0.560000000000 0.062500000000 0.000000000000
  0.000000000000 0.029045869401 0.145649974809 0.116635529593 0.020984278952 0.091461909989
  0.109502248398 0.029544274666 0.115738431707 0.132600292294 0.039892309590 0.000000000000
  0.000000000000
clus1 vcov 8.4366252925e-04 2.2945797650e-03 -1.2733652576e-03 4.1009296888e-04 3.0155119209e-04
  -1.2074847718e-03 8.3015103278e-04 1.6007794644e-03 -1.8874394540e-03 -6.1540323525e-04
  0.0000000000e+00 0.0000000000e+00 2.2945797650e-03 2.1213915162e-02 -2.9491278678e-03
  1.9100826152e-03 2.4057017194e-03 -2.1089693473e-03 2.7369582062e-03 1.5309010942e-02
  -6.2754697652e-03 -3.0883803323e-03 0.0000000000e+00 0.0000000000e+00 -1.2733652576e-03
  -2.9491278678e-03 1.3603846764e-02 -4.1424482607e-04 3.0348583291e-03 1.0727143989e-02
  -1.2057830618e-03 -6.0011322891e-04 1.4934657860e-02 1.0749944958e-03 0.0000000000e+00
  0.0000000000e+00 4.1009296888e-04 1.9100826152e-03 -4.1424482607e-04 4.4033996316e-04
  -7.5969194921e-04 -9.8115734625e-04 4.3846418057e-04 8.8992485479e-04 -1.0968736240e-03
  -7.0693556385e-04 0.0000000000e+00 0.0000000000e+00 3.0155119209e-04 2.4057017194e-03
  3.0348583291e-03 -7.5969194921e-04 8.3652809788e-03 4.5951527242e-03 3.6795963799e-04
  5.7408791031e-03 4.8180519235e-03 2.0488426753e-03 0.0000000000e+00 0.0000000000e+00
  -1.2074847718e-03 -2.1089693473e-03 1.0727143989e-02 -9.8115734625e-04 4.5951527242e-03
  1.1990742404e-02 -1.1928176525e-03 6.0011322891e-04 1.2689754293e-02 1.7073012990e-03
  0.0000000000e+00 0.0000000000e+00 8.3015103278e-04 2.7369582062e-03 -1.2057830618e-03
  4.3846418057e-04 3.6795963799e-04 -1.1928176525e-03 8.7286416552e-04 1.9390232609e-03
  -1.8670189344e-03 -6.4538644760e-04 0.0000000000e+00 0.0000000000e+00 1.6007794644e-03
  1.5309010942e-02 -6.0011322891e-04 8.8992485479e-04 5.7408791031e-03 6.0011322891e-04
  1.9390232609e-03 1.3395384574e-02 -1.8003396867e-03 -8.6279299947e-04 0.0000000000e+00
  0.0000000000e+00 -1.8874394540e-03 -6.2754697652e-03 1.4934657860e-02 -1.0968736240e-03
  4.8180519235e-03 1.2689754293e-02 -1.8670189344e-03 -1.8003396867e-03 1.7582837517e-02
  2.4592140026e-03 0.0000000000e+00 0.0000000000e+00 -6.1540323525e-04 -3.0883803323e-03
  1.0749944958e-03 -7.0693556385e-04 2.0488426753e-03 1.7073012990e-03 -6.4538644760e-04
  -8.6279299947e-04 2.4592140026e-03 1.5913963644e-03 0.0000000000e+00 0.0000000000e+00
  0.0000000000e+00 0.0000000000e+00 0.0000000000e+00 0.0000000000e+00 0.0000000000e+00
  0.0000000000e+00 0.0000000000e+00 0.0000000000e+00 0.0000000000e+00 0.0000000000e+00
  0.0000000000e+00 0.0000000000e+00 0.0000000000e+00 0.0000000000e+00 0.0000000000e+00
  0.0000000000e+00 0.0000000000e+00 0.0000000000e+00 0.0000000000e+00 0.0000000000e+00
  0.0000000000e+00 0.0000000000e+00 0.0000000000e+00 0.0000000000e+00
clus1 ratio o_awards 0.300925925926 0.007850242605 0.304945054945 0.250000000000 0.295454545455
  0.006164846748 0.050069785624 0.016722281972
clus1 ratio o_schwide 0.370370370370 0.006247289710 0.362637362637 0.458333333333 0.386363636364
  0.008252516563 0.064197576469 0.028554645056
clus1 ratio o_compimp 0.307870370370 0.004725696744 0.307692307692 0.291666666667 0.318181818182
  0.006284155664 0.017968558051 0.017524092975
clus1 ratio o_yrrnd 0.020833333333 0.013232624490 0.024725274725 0.000000000000 0.000000000000
  0.015883130332 0.000000000000 0.000000000000
"""


def _r_replicates():
    lines, current = {}, None
    for raw in R_REPLICATES.strip().splitlines():
        if not raw.startswith("  "):
            current = raw.split()
            key = tuple(current[:3]) if current[1] == "ratio" else tuple(current[:2])
            lines[key] = current
        else:
            current.extend(raw.split())
    return {key: [float(v) for v in values[len(key):]] for key, values in lines.items()}


def _replicated(name):
    data = survey("strat" if name in ("jkn", "strat") else "clus1")
    if name in ("jkn", "jk1"):
        data = kirc.with_replicates(data, name.upper().replace("JKN", "JKn"))
    return data


@pytest.mark.parametrize("name", ["jkn", "jk1", "strat", "clus1"])
def test_replicate_designs_recompute_every_replicate_as_r_does(name):
    """A replicate design's variance is that of the replicates' own estimates: the shares of
    the respondents and of the mentions (ratios: not the linearised variable's replicates)
    and the covariance of the group × option shares behind Bilder and Loughin's test."""
    r = _r_replicates()
    data = _replicated(name)
    mean = r[(name, "mean")]
    whole = kirc.multiple_response(data, OPTIONS)
    np.testing.assert_allclose(whole["estimate"], 100 * np.array(mean[:4]), rtol=1e-9)
    np.testing.assert_allclose(whole["se"], 100 * np.array(mean[4:8]), rtol=1e-6)
    assert (whole["df"] == mean[8]).all()
    by = kirc.multiple_response(data, OPTIONS, by="stype")
    # R: option-major (E, H, M within each option); kirc: group-major
    shares = np.array(r[(name, "by")][:12]).reshape(4, 3).T.ravel()
    ses = np.array(r[(name, "by")][12:]).reshape(4, 3).T.ravel()
    np.testing.assert_allclose(by["estimate"], 100 * shares, rtol=1e-9)
    np.testing.assert_allclose(by["se"], 100 * ses, rtol=1e-6, atol=1e-9)
    mentions = kirc.multiple_response(data, OPTIONS, base="responses")
    mentions_by = kirc.multiple_response(data, OPTIONS, by="stype", base="responses")
    for k, option in enumerate(OPTIONS):
        ratio = r[(name, "ratio", option)]
        assert mentions.loc[k, "estimate"] == pytest.approx(100 * ratio[0], rel=1e-9)
        assert mentions.loc[k, "se"] == pytest.approx(100 * ratio[1], rel=1e-6)
        part = mentions_by[mentions_by["option"] == option]
        np.testing.assert_allclose(part["estimate"], 100 * np.array(ratio[2:5]), rtol=1e-9)
        np.testing.assert_allclose(part["se"], 100 * np.array(ratio[5:8]), rtol=1e-6,
                                   atol=1e-9)
    if (name, "vcov") in r:
        from kirc.estimate.multiple import _chosen, _share_covariance
        from kirc.survey.survey import resolve_design

        V = np.array(r[(name, "vcov")]).reshape(12, 12)
        order = [3 * k + g for g in range(3) for k in range(4)]   # to group-major
        call = resolve_design(data)
        chosen, answered = _chosen(data, dict(zip(OPTIONS, OPTIONS)), None)
        levels = ["E", "H", "M"]
        frame = data.assign(stype=pd.Categorical(data["stype"], categories=levels))
        weight = data.groupby("stype")["pw"].sum().loc[levels].to_numpy()
        ours = _share_covariance(frame, chosen, answered, levels, "stype", call,
                                 shares.reshape(3, 4), weight)
        np.testing.assert_allclose(ours, V[np.ix_(order, order)], rtol=1e-6, atol=1e-12)


# --------------------------------------------------------------------------------------------
# the crosstab of a multiple-response row


@pytest.mark.parametrize("name", ["strat", "clus1"])
def test_crosstab_of_options_by_group_has_r_shares_and_letters(name):
    """Options as rows, a school type per column: R's svyby shares and SEs, and letters
    exactly where R's Bonferroni-adjusted contrast (R_MR "groups") is significant."""
    data = survey(name)
    # min_n=1: every pair tested, as R tests them (a report leaves out small columns)
    table = kirc.crosstab(data, OPTIONS, "stype", min_n=1)
    assert list(table["option"].cat.categories) == OPTIONS
    assert table.attrs == {} and kirc.display.view_of(table).several
    for stype in ("E", "H", "M"):
        (line,) = r_lines(name, stype)
        values = [float(v) for v in line[2:]]
        part = table[table["stype"] == stype]
        np.testing.assert_allclose(part["percent"], 100 * np.array(values[:4]), rtol=1e-9)
        np.testing.assert_allclose(part["se"], 100 * np.array(values[4:]), rtol=1e-6,
                                   atol=1e-9)
    letters = dict(zip(table["stype"].iloc[:3], table["letter"].iloc[:3]))
    expected = {option: {stype: set() for stype in letters} for option in OPTIONS}
    for line in r_lines(name, "groups"):
        option, a, b = line[2], line[3], line[4]
        estimate, p_adjusted = float(line[5]), float(line[8])
        if not np.isnan(p_adjusted) and p_adjusted < 0.05:
            higher, lower = (a, b) if estimate > 0 else (b, a)
            expected[option][higher].add(letters[lower])
    for _, row in table.iterrows():
        assert set(row["higher_than"]) == expected[row["option"]][row["stype"]], row


def test_crosstab_of_options_unweighted_letters_are_the_pooled_z_test():
    """Unweighted: per option and pair of columns SPSS's column-proportions test (Pearson's
    chi-square of the 2x2 table, scipy), Bonferroni over the pairs; the base is the column's
    respondents who answered the question (a row of zeros answered, all missing did not)."""
    from scipy import stats

    rng = np.random.default_rng(23)
    n = 300
    group = rng.choice(["a", "b", "c"], n)
    lift = pd.Series(group).map({"a": 0.0, "b": 0.15, "c": 0.3}).to_numpy()
    df = pd.DataFrame({"g": group,
                       "x": (rng.random(n) < 0.3 + lift).astype(float),
                       "y": (rng.random(n) < 0.5).astype(float)})
    df.loc[:9, ["x", "y"]] = np.nan                       # ten did not answer
    table = kirc.crosstab(df, ["x", "y"], "g")
    answered = df[df["x"].notna()]
    for option in ("x", "y"):
        part = table[table["option"] == option].set_index("g")
        counts = answered.groupby("g")[option].agg(["sum", "count"])
        np.testing.assert_array_equal(part["n"], counts["count"])
        np.testing.assert_array_equal(part["count"], counts["sum"])
        np.testing.assert_allclose(part["percent"], 100 * counts["sum"] / counts["count"])
        higher = {g: set() for g in "abc"}
        for first, second in (("a", "b"), ("a", "c"), ("b", "c")):
            cells = [[counts.loc[g, "sum"], counts.loc[g, "count"] - counts.loc[g, "sum"]]
                     for g in (first, second)]
            p = stats.chi2_contingency(cells, correction=False)[1]
            if min(1.0, 3 * p) < 0.05:
                share = counts["sum"] / counts["count"]
                top, bottom = (first, second) if share[first] > share[second] else \
                    (second, first)
                higher[top].add(part.loc[bottom, "letter"])
        for g in "abc":
            assert set(part.loc[g, "higher_than"]) == higher[g], (option, g)
    assert table.loc[table["option"] == "x", "higher_than"].str.len().sum() > 0
