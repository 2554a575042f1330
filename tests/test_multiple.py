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
the data file is in ``../shared/realdata/mrcv/``)::

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


def test_marginal_independence_reproduces_bilder_and_loughin():
    farmer = pd.read_csv(realdata_file("mrcv", "MRCV__farmer1.txt"), sep="\t")
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
