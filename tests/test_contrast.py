"""kirc.contrast: differences between groups of one sample, with the design's covariance.

Checked against R ``survey`` 4.1.1 (R 4.2.2) on the ``api`` samples of ``../shared/realdata/``:
``apistrat`` (strata, fpc), ``apiclus1`` (one-stage clusters, fpc), and ``apiclus1`` raked and
GREG-calibrated to the ``apipop`` margins (stype E 4,421, H 755, M 1,018; sch.wide No 1,072,
Yes 5,122). Differences of means (api00), shares (awards) and the NPS (the score of the 0–10
item ``rating``) between the groups of ``mealcat`` (meals cut at 33 and 66) and of ``comp.imp``:
every pair, each group against the rest, each group against the total.

R cannot give the covariance of ``svyby`` on a calibrated design ("Error in inflmats"), so every
contrast is taken as R's delta method on ``svytotal`` (``svycontrast(t, quote(y1/i1 - y2/i2))``),
and, where ``svyby(covmat=TRUE)`` works, checked against it; on the raked design R's
``svyglm(api00 ~ comp.imp)`` gives the same difference and SE (16.907, the issue's example).
The script (output pasted in ``R_CONTRASTS``)::

    suppressMessages(library(survey)); options(digits=15)
    p <- "../shared/realdata/survey_api/"
    prep <- function(d) {
      d$award <- as.numeric(d$awards == "Yes")
      d$rating <- pmin(10, pmax(0, floor((d$api00 - 400) / 50)))
      d$score <- ifelse(d$rating >= 9, 1, ifelse(d$rating <= 6, -1, 0))
      d$mealcat <- cut(d$meals, c(-Inf, 33, 66, Inf), labels = c("low", "mid", "high"))
      d$one <- 1
      d }
    strat <- prep(read.csv(paste0(p, "apistrat.csv"))); cl <- prep(read.csv(paste0(p, "apiclus1.csv")))
    pop <- c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018, sch.wideYes = 5122)
    d_strat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = strat)
    d_clus <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = cl)
    designs <- list(strat = d_strat, clus1 = d_clus,
      raked = calibrate(d_clus, ~stype + sch.wide, pop, calfun = "raking", epsilon = 1e-13, maxit = 200),
      greg = calibrate(d_clus, ~stype + sch.wide, pop, calfun = "linear"))
    out <- function(...) cat(..., "\n", sep = " ")
    for (name in names(designs)) { des <- designs[[name]]
      for (g in c("mealcat", "comp.imp")) {
        levels <- if (g == "mealcat") c("low", "mid", "high") else c("No", "Yes")
        k <- length(levels)
        for (y in c("api00", "award", "score")) {
          vars <- list(yy = des$variables[[y]])
          for (i in 1:k) { ind <- as.numeric(des$variables[[g]] == levels[i])
            vars[[paste0("i", i)]] <- ind; vars[[paste0("y", i)]] <- des$variables[[y]] * ind
            vars[[paste0("r", i)]] <- 1 - ind; vars[[paste0("z", i)]] <- des$variables[[y]] * (1 - ind) }
          dd <- des; for (v in names(vars)) dd$variables[[v]] <- vars[[v]]
          t <- svytotal(as.formula(paste("~", paste(c(names(vars), "one"), collapse = "+"))), dd)
          for (i in 1:(k - 1)) for (j in (i + 1):k) {
            s <- svycontrast(t, parse(text = sprintf("y%d/i%d - y%d/i%d", i, i, j, j))[[1]])
            out(name, g, y, "pair", levels[i], levels[j], sprintf("%.12f %.12f", coef(s), SE(s))) }
          for (i in 1:k) {
            r <- svycontrast(t, parse(text = sprintf("y%d/i%d - z%d/r%d", i, i, i, i))[[1]])
            a <- svycontrast(t, parse(text = sprintf("y%d/i%d - yy/one", i, i))[[1]])
            out(name, g, y, "rest", levels[i], "rest", sprintf("%.12f %.12f", coef(r), SE(r)))
            out(name, g, y, "total", levels[i], "total", sprintf("%.12f %.12f", coef(a), SE(a))) }
          if (!(name %in% c("raked", "greg"))) {     # the same pairs through svyby(covmat=TRUE)
            b <- svyby(as.formula(paste0("~", y)), as.formula(paste0("~", g)), des, svymean,
                       covmat = TRUE)
            v <- rep(0, k); v[1] <- 1; v[k] <- -1; s <- svycontrast(b, v)
            out(name, g, y, "svyby", levels[1], levels[k], sprintf("%.12f %.12f", coef(s), SE(s))) }
        }
      }
      out(name, "degf", degf(des))
    }
    # svyglm gives the same difference as the contrast (the issue's example on the raked design)
    m <- svyglm(api00 ~ comp.imp, designs$raked)
    out("raked", "svyglm", "comp.imp", sprintf("%.12f %.12f", coef(m)[2], SE(m)[2]))

The letters of a crosstab on the clustered and raked designs against R's pairwise contrasts
(p from t with ``degf`` of the two columns' domain, Bonferroni over the 3 pairs in the row), and
a crosstab under each lonely-PSU rule against ``svyby`` (output in ``R_LETTERS`` and
``R_LONELY``)::

    suppressMessages(library(survey)); options(digits=15)
    p <- "../shared/realdata/survey_api/"
    cl <- read.csv(paste0(p, "apiclus1.csv"))
    cl$mealcat <- cut(cl$meals, c(-Inf, 33, 66, Inf), labels = c("low", "mid", "high"))
    pop <- c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018, sch.wideYes = 5122)
    d_clus <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = cl)
    designs <- list(clus1 = d_clus,
      raked = calibrate(d_clus, ~stype + sch.wide, pop, calfun = "raking", epsilon = 1e-13, maxit = 200))
    tables <- list(c("sch.wide", "stype"), c("yr.rnd", "mealcat"))
    for (name in names(designs)) { des <- designs[[name]]
      for (tb in tables) { row <- tb[1]; col <- tb[2]
        rows <- sort(unique(as.character(cl[[row]]))); cols <- levels(factor(cl[[col]]))
        if (col == "mealcat") cols <- c("low", "mid", "high")
        for (r in rows) {
          res <- c()
          for (a in 1:(length(cols) - 1)) for (b in (a + 1):length(cols)) {
            dd <- des
            y <- as.numeric(as.character(dd$variables[[row]]) == r)
            ia <- as.numeric(as.character(dd$variables[[col]]) == cols[a])
            ib <- as.numeric(as.character(dd$variables[[col]]) == cols[b])
            dd$variables$ya <- y * ia; dd$variables$ia <- ia
            dd$variables$yb <- y * ib; dd$variables$ib <- ib
            t <- svytotal(~ya + ia + yb + ib, dd)
            s <- svycontrast(t, quote(ya / ia - yb / ib))
            df <- degf(subset(des, as.character(get(col)) %in% cols[c(a, b)]))
            pv <- 2 * pt(-abs(coef(s) / SE(s)), df)
            cat(sprintf("%s %s %s %s %s %s %.10f %.10f %d %.10f\n", name, row, col, r, cols[a], cols[b],
                        coef(s), SE(s), df, min(1, 3 * pv)))
          }
        }
      }
    }
    # the lonely-PSU rules on a crosstab: svyby of a row category by the columns
    cl$h <- ifelse(cl$dnum == 637, 1, ifelse(cl$dnum < 400, 2, 3))
    for (rule in c("remove", "certainty", "adjust", "average")) {
      options(survey.lonely.psu = rule)
      d <- svydesign(id = ~dnum, strata = ~h, weights = ~pw, data = cl)
      b <- svyby(~I(sch.wide == "Yes"), ~stype, d, svymean)
      cat(rule, sprintf("%.12f", coef(b)), sprintf("%.12f", as.numeric(unlist(SE(b)))), "\n")
    }
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kirc
import kirc.estimate.groups
from conftest import realdata_file

R_CONTRASTS = """
strat mealcat api00 pair low mid 111.554914340025 14.480065443307 
strat mealcat api00 pair low high 218.167309614131 14.117579581284 
strat mealcat api00 pair mid high 106.612395274106 15.373921950855 
strat mealcat api00 rest low rest 166.422612055392 13.228553250617 
strat mealcat api00 total low total 107.957601218688 9.289659692653 
strat mealcat api00 rest mid rest -5.250376426080 16.786997363147 
strat mealcat api00 total mid total -3.597313121337 11.525242871738 
strat mealcat api00 rest high rest -165.442503523067 13.914463263575 
strat mealcat api00 total high total -110.209708395444 11.679064174468 
strat mealcat api00 svyby low high 218.167309614131 14.117579581284 
strat mealcat award pair low mid -0.133898637827 0.082389879957 
strat mealcat award pair low high -0.054261452257 0.088322403939 
strat mealcat award pair mid high 0.079637185571 0.086793799762 
strat mealcat award rest low rest -0.092913637785 0.073848025222 
strat mealcat award total low total -0.060272659658 0.048369636155 
strat mealcat award rest mid rest 0.107459119373 0.072181275532 
strat mealcat award total mid total 0.073625978169 0.049105427573 
strat mealcat award rest high rest -0.009023789430 0.077585775205 
strat mealcat award total high total -0.006011207401 0.051716962358 
strat mealcat award svyby low high -0.054261452257 0.088322403939 
strat mealcat score pair low mid 0.695827369153 0.102546149061 
strat mealcat score pair low high 0.842287145036 0.087673169639 
strat mealcat score pair mid high 0.146459775883 0.050902240778 
strat mealcat score rest low rest 0.771202382442 0.091884492066 
strat mealcat score total low total 0.500275522865 0.060018020594 
strat mealcat score rest mid rest -0.285413242938 0.082695103162 
strat mealcat score total mid total -0.195551846287 0.058110596795 
strat mealcat score rest high rest -0.513414469829 0.063797305312 
strat mealcat score total high total -0.342011622171 0.048128269615 
strat mealcat score svyby low high 0.842287145036 0.087673169639 
strat comp.imp api00 pair No Yes -40.989930035177 19.666576413291 
strat comp.imp api00 rest No rest -40.989930035177 19.666576413291 
strat comp.imp api00 total No total -26.875007127216 13.106393453392 
strat comp.imp api00 rest Yes rest 40.989930035177 19.666576413291 
strat comp.imp api00 total Yes total 14.114922907960 6.773638316295 
strat comp.imp api00 svyby No Yes -40.989930035177 19.666576413291 
strat comp.imp award pair No Yes -0.974509306673 0.015508782840 
strat comp.imp award rest No rest -0.974509306673 0.015508782840 
strat comp.imp award total No total -0.638936064051 0.034405917997 
strat comp.imp award rest Yes rest 0.974509306673 0.015508782840 
strat comp.imp award total Yes total 0.335573242623 0.033295212077 
strat comp.imp award svyby No Yes -0.974509306673 0.015508782840 
strat comp.imp score pair No Yes -0.176382225420 0.090487743852 
strat comp.imp score rest No rest -0.176382225420 0.090487743852 
strat comp.imp score total No total -0.115644831821 0.060351787290 
strat comp.imp score rest Yes rest 0.176382225420 0.090487743852 
strat comp.imp score total Yes total 0.060737393599 0.030992711745 
strat comp.imp score svyby No Yes -0.176382225420 0.090487743852 
strat degf 197 
clus1 mealcat api00 pair low mid 100.619035202086 21.373452530294 
clus1 mealcat api00 pair low high 209.254237288136 15.608522812874 
clus1 mealcat api00 pair mid high 108.635202086050 15.244913072492 
clus1 mealcat api00 rest low rest 152.308365226900 23.788175254953 
clus1 mealcat api00 total low total 103.203482448828 24.998781394627 
clus1 mealcat api00 rest mid rest 4.008083441982 21.454099368575 
clus1 mealcat api00 total mid total 2.584447246742 13.816495921478 
clus1 mealcat api00 rest high rest -156.510388190268 16.510522162833 
clus1 mealcat api00 total high total -106.050754839307 22.013418280779 
clus1 mealcat api00 svyby low high 209.254237288136 15.608522812874 
clus1 mealcat award pair low mid 0.050325945241 0.061078739343 
clus1 mealcat award pair low high -0.050847457627 0.084553629206 
clus1 mealcat award pair mid high -0.101173402868 0.079696479196 
clus1 mealcat award rest low rest 0.002186987425 0.056545628279 
clus1 mealcat award total low total 0.001481893118 0.038308093607 
clus1 mealcat award rest mid rest -0.075749674055 0.055275814738 
clus1 mealcat award total mid total -0.048844052123 0.036723349060 
clus1 mealcat award rest high rest 0.077227993439 0.075725459127 
clus1 mealcat award total high total 0.052329350746 0.055094100999 
clus1 mealcat award svyby low high -0.050847457627 0.084553629206 
clus1 mealcat score pair low mid 0.443807040417 0.118881328658 
clus1 mealcat score pair low high 0.474576271186 0.110600389862 
clus1 mealcat score pair mid high 0.030769230769 0.019200127230 
clus1 mealcat score rest low rest 0.458447238928 0.115044905600 
clus1 mealcat score total low total 0.310641844957 0.093184898656 
clus1 mealcat score rest mid rest -0.206518904824 0.082402655542 
clus1 mealcat score total mid total -0.133165195460 0.054239917055 
clus1 mealcat score rest high rest -0.241935483871 0.055181332380 
clus1 mealcat score total high total -0.163934426230 0.048229808208 
clus1 mealcat score svyby low high 0.474576271186 0.110600389862 
clus1 comp.imp api00 pair No Yes -15.506015037594 16.762040981316 
clus1 comp.imp api00 rest No rest -15.506015037594 16.762040981316 
clus1 comp.imp api00 total No total -11.269398907104 12.256030104843 
clus1 comp.imp api00 rest Yes rest 15.506015037594 16.762040981316 
clus1 comp.imp api00 total Yes total 4.236616130490 4.538824348598 
clus1 comp.imp api00 svyby No Yes -15.506015037594 16.762040981317 
clus1 comp.imp award pair No Yes -0.977443609023 0.014550508969 
clus1 comp.imp award rest No rest -0.977443609023 0.014550508969 
clus1 comp.imp award total No total -0.710382513661 0.033018299554 
clus1 comp.imp award rest Yes rest 0.977443609023 0.014550508969 
clus1 comp.imp award total Yes total 0.267061095361 0.029276069567 
clus1 comp.imp award svyby No Yes -0.977443609023 0.014550508969 
clus1 comp.imp score pair No Yes -0.060451127820 0.045517899871 
clus1 comp.imp score rest No rest -0.060451127820 0.045517899871 
clus1 comp.imp score total No total -0.043934426230 0.033681818892 
clus1 comp.imp score rest Yes rest 0.060451127820 0.045517899871 
clus1 comp.imp score total Yes total 0.016516701590 0.012009220011 
clus1 comp.imp score svyby No Yes -0.060451127820 0.045517899871 
clus1 degf 14 
raked mealcat api00 pair low mid 100.023481476177 23.148239329375 
raked mealcat api00 pair low high 204.815054295872 15.225494528711 
raked mealcat api00 pair mid high 104.791572819695 19.229444275856 
raked mealcat api00 rest low rest 148.446613725059 23.687517566299 
raked mealcat api00 total low total 98.462556882264 24.861068695163 
raked mealcat api00 rest mid rest -2.426766082632 20.958122128823 
raked mealcat api00 total mid total -1.560924593912 13.508554244136 
raked mealcat api00 rest high rest -153.355669827612 18.580091065955 
raked mealcat api00 total high total -106.352497413608 22.545930553796 
raked mealcat award pair low mid 0.054236577430 0.053165975063 
raked mealcat award pair low high -0.075875296079 0.095965017730 
raked mealcat award pair mid high -0.130111873508 0.080959085868 
raked mealcat award rest low rest -0.005886811203 0.058392120547 
raked mealcat award total low total -0.003904639307 0.038723102590 
raked mealcat award rest mid rest -0.090392023631 0.044952372666 
raked mealcat award total mid total -0.058141216736 0.030641791439 
raked mealcat award rest high rest 0.103778552884 0.083678416251 
raked mealcat award total high total 0.071970656772 0.063094843512 
raked mealcat score pair low mid 0.389832814231 0.090759932995 
raked mealcat score pair low high 0.416865759351 0.083841005624 
raked mealcat score pair mid high 0.027032945120 0.018286296980 
raked mealcat score rest low rest 0.402324466388 0.087407536437 
raked mealcat score total low total 0.266856175852 0.073890224284 
raked mealcat score rest mid rest -0.191191513118 0.068834148183 
raked mealcat score total mid total -0.122976638379 0.045968599958 
raked mealcat score rest high rest -0.216307286783 0.044800099737 
raked mealcat score total high total -0.150009583499 0.041709813795 
raked comp.imp api00 pair No Yes -16.008511853240 16.907343642058 
raked comp.imp api00 rest No rest -16.008511853240 16.907343642058 
raked comp.imp api00 total No total -10.888310062689 11.547181564554 
raked comp.imp api00 rest Yes rest 16.008511853240 16.907343642058 
raked comp.imp api00 total Yes total 5.120201790551 5.369022473410 
raked comp.imp award pair No Yes -0.972230240975 0.018533897330 
raked comp.imp award rest No rest -0.972230240975 0.018533897330 
raked comp.imp award total No total -0.661269730322 0.021788600893 
raked comp.imp award rest Yes rest 0.972230240975 0.018533897330 
raked comp.imp award total Yes total 0.310960510652 0.015795705151 
raked comp.imp score pair No Yes -0.073294901582 0.047153554520 
raked comp.imp score rest No rest -0.073294901582 0.047153554520 
raked comp.imp score total No total -0.049852080053 0.032345447371 
raked comp.imp score rest Yes rest 0.073294901582 0.047153554520 
raked comp.imp score total Yes total 0.023442821529 0.014873882984 
raked degf 14 
greg mealcat api00 pair low mid 100.206022943900 23.426272530354 
greg mealcat api00 pair low high 204.939121207285 15.255786484068 
greg mealcat api00 pair mid high 104.733098263385 19.403372171753 
greg mealcat api00 rest low rest 148.617240254497 23.856408800935 
greg mealcat api00 total low total 98.660139560849 25.056960216553 
greg mealcat api00 rest mid rest -2.404165589375 21.033111106032 
greg mealcat api00 total mid total -1.545883383051 13.551873716982 
greg mealcat api00 rest high rest -153.328857941017 18.630374427541 
greg mealcat api00 total high total -106.278981646436 22.647609375433 
greg mealcat award pair low mid 0.057747574272 0.054413217273 
greg mealcat award pair low high -0.071656488319 0.097668639126 
greg mealcat award pair mid high -0.129404062590 0.082212076922 
greg mealcat award rest low rest -0.002067405890 0.059723041962 
greg mealcat award total low total -0.001372455533 0.039640068661 
greg mealcat award rest mid rest -0.091943766818 0.045974201512 
greg mealcat award total mid total -0.059120029805 0.031308956061 
greg mealcat award rest high rest 0.101398887264 0.084906934426 
greg mealcat award total high total 0.070284032786 0.063855743734 
greg mealcat score pair low mid 0.389127411685 0.090786572998 
greg mealcat score pair low high 0.416029564122 0.083827656447 
greg mealcat score pair mid high 0.026902152437 0.018205259679 
greg mealcat score rest low rest 0.401562505932 0.087431255627 
greg mealcat score total low total 0.266578849196 0.073990101317 
greg mealcat score rest mid rest -0.190588138920 0.068775149717 
greg mealcat score total mid total -0.122548562489 0.045905450708 
greg mealcat score rest high rest -0.215612787054 0.044739252054 
greg mealcat score total high total -0.149450714926 0.041667820039 
greg comp.imp api00 pair No Yes -16.326357102283 17.049203055514 
greg comp.imp api00 rest No rest -16.326357102283 17.049203055514 
greg comp.imp api00 total No total -11.097225088867 11.633588468508 
greg comp.imp api00 rest Yes rest 16.326357102283 17.049203055514 
greg comp.imp api00 total Yes total 5.229132013416 5.425090506122 
greg comp.imp award pair No Yes -0.971912653615 0.018802346057 
greg comp.imp award rest No rest -0.971912653615 0.018802346057 
greg comp.imp award total No total -0.660620946628 0.022216105278 
greg comp.imp award rest Yes rest 0.971912653615 0.018802346057 
greg comp.imp award total Yes total 0.311291706988 0.015977538048 
greg comp.imp score pair No Yes -0.073592469094 0.046968601120 
greg comp.imp score rest No rest -0.073592469094 0.046968601120 
greg comp.imp score total No total -0.050021703511 0.032208025049 
greg comp.imp score rest Yes rest 0.073592469094 0.046968601120 
greg comp.imp score total Yes total 0.023570765583 0.014829184497 
greg degf 14 
raked svyglm comp.imp 16.008511853240 16.907343642058
"""

R_LETTERS = """
clus1 sch.wide stype No E H -0.1309523810 0.1016120310 14 0.6551254805
clus1 sch.wide stype No E M -0.2366666667 0.1199724846 14 0.2058454080
clus1 sch.wide stype No H M -0.1057142857 0.1056679608 11 1.0000000000
clus1 sch.wide stype Yes E H 0.1309523810 0.1016120310 14 0.6551254805
clus1 sch.wide stype Yes E M 0.2366666667 0.1199724846 14 0.2058454080
clus1 sch.wide stype Yes H M 0.1057142857 0.1056679608 11 1.0000000000
clus1 yr.rnd mealcat No low mid 0.0307692308 0.0280944436 9 0.9056026540
clus1 yr.rnd mealcat No low high 0.1186440678 0.0405454731 14 0.0331632964
clus1 yr.rnd mealcat No mid high 0.0878748370 0.0181071945 14 0.0007674109
clus1 yr.rnd mealcat Yes low mid -0.0307692308 0.0280944436 9 0.9056026540
clus1 yr.rnd mealcat Yes low high -0.1186440678 0.0405454731 14 0.0331632964
clus1 yr.rnd mealcat Yes mid high -0.0878748370 0.0181071945 14 0.0007674109
raked sch.wide stype No E H -0.1585876001 0.1195290901 14 0.6174595126
raked sch.wide stype No E M -0.2774752119 0.1265227155 14 0.1370649688
raked sch.wide stype No H M -0.1188876118 0.1269316842 11 1.0000000000
raked sch.wide stype Yes E H 0.1585876001 0.1195290901 14 0.6174595126
raked sch.wide stype Yes E M 0.2774752119 0.1265227155 14 0.1370649688
raked sch.wide stype Yes H M 0.1188876118 0.1269316842 11 1.0000000000
raked yr.rnd mealcat No low mid 0.0270329451 0.0240767909 9 0.8717666729
raked yr.rnd mealcat No low high 0.1101398673 0.0375717769 14 0.0328203976
raked yr.rnd mealcat No mid high 0.0831069222 0.0178348376 14 0.0011045138
raked yr.rnd mealcat Yes low mid -0.0270329451 0.0240767909 9 0.8717666729
raked yr.rnd mealcat Yes low high -0.1101398673 0.0375717769 14 0.0328203976
raked yr.rnd mealcat Yes mid high -0.0831069222 0.0178348376 14 0.0011045138
"""

R_LONELY = """
remove 0.083333333333 0.214285714286 0.320000000000 0.916666666667 0.785714285714 0.680000000000 0.020819262867 0.092472290614 0.106074690667 0.020819262867 0.092472290614 0.106074690667
certainty 0.083333333333 0.214285714286 0.320000000000 0.916666666667 0.785714285714 0.680000000000 0.020819262867 0.092472290614 0.106074690667 0.020819262867 0.092472290614 0.106074690667
adjust 0.083333333333 0.214285714286 0.320000000000 0.916666666667 0.785714285714 0.680000000000 0.021327802907 0.093730474851 0.109120117302 0.021327802907 0.093730474851 0.109120117302
average 0.083333333333 0.214285714286 0.320000000000 0.916666666667 0.785714285714 0.680000000000 0.025498285422 0.113254963676 0.129914433378 0.025498285422 0.113254963676 0.129914433378
"""

MARGINS = {"stype": {"E": 4421, "H": 755, "M": 1018}, "sch.wide": {"No": 1072, "Yes": 5122}}
CLUSTERS = kirc.Design(weights="pw", psu="dnum", fpc="fpc")


def _prep(data: pd.DataFrame) -> pd.DataFrame:
    data = data.copy()
    data["award"] = (data["awards"] == "Yes").astype(float)
    data["rating"] = np.clip(np.floor((data["api00"] - 400) / 50), 0, 10)
    data["mealcat"] = pd.cut(data["meals"], [-np.inf, 33, 66, np.inf],
                             labels=["low", "mid", "high"])
    return data


def survey(name: str):
    if name == "strat":
        data = _prep(pd.read_csv(realdata_file("survey_api", "apistrat.csv")))
        return kirc.as_survey(data, kirc.Design(weights="pw", strata="stype", fpc="fpc"))
    data = _prep(pd.read_csv(realdata_file("survey_api", "apiclus1.csv")))
    if name == "clus1":
        return kirc.as_survey(data, CLUSTERS)
    method = {"raked": "raking", "greg": "linear"}[name]
    return kirc.calibrate(data, MARGINS, design=CLUSTERS, method=method, tolerance=1e-13)


def _r_contrasts():
    rows = []
    for line in R_CONTRASTS.strip().splitlines():
        parts = line.split()
        if parts[1] in ("degf", "svyglm"):
            continue
        name, by, y, kind, group, versus, estimate, se = parts
        rows.append(dict(name=name, by=by, y=y, kind=kind, group=group, versus=versus,
                         estimate=float(estimate), se=float(se)))
    return pd.DataFrame(rows)


R = _r_contrasts()
METRIC = {"api00": ("mean", "api00", 1.0), "award": ("share", "award", 100.0),
          "score": ("nps", "rating", 100.0)}
VERSUS = {"pair": "pairs", "svyby": "pairs", "rest": "rest", "total": "total"}


@pytest.mark.parametrize("name", ["strat", "clus1", "raked", "greg"])
@pytest.mark.parametrize("by", ["mealcat", "comp.imp"])
@pytest.mark.parametrize("y", ["api00", "award", "score"])
@pytest.mark.parametrize("kind", ["pair", "rest", "total"])
def test_contrasts_equal_r_svycontrast(name, by, y, kind):
    data = survey(name)
    metric, column, unit = METRIC[y]
    out = kirc.contrast(data, metric, column, by=by, versus=VERSUS[kind])
    expected = R[(R.name == name) & (R.by == by) & (R.y == y) & (R.kind == kind)]
    assert len(out) == len(expected)
    for (_, row), (_, ref) in zip(out.iterrows(), expected.iterrows()):
        assert str(row[by]) == ref["group"]
        assert str(row["versus"]) == ref["versus"]
        assert row["estimate"] == pytest.approx(unit * ref["estimate"], rel=1e-6, abs=1e-9)
        assert row["se"] == pytest.approx(unit * ref["se"], rel=1e-6)
        # one method: the interval excludes 0 exactly when the test is significant
        assert (row["ci_low"] > 0 or row["ci_high"] < 0) == bool(row["significant"])


@pytest.mark.parametrize("name", ["strat", "clus1"])
def test_the_pairs_are_svyby_with_covmat(name):
    data = survey(name)
    for (by, y), ref in R[(R.name == name) & (R.kind == "svyby")].groupby(["by", "y"]):
        metric, column, unit = METRIC[y]
        ref = ref.iloc[0]
        out = kirc.contrast(data, metric, column, by=by, versus=ref["versus"])
        row = out[out[by].astype(str) == ref["group"]].iloc[0]
        assert row["estimate"] == pytest.approx(unit * ref["estimate"], rel=1e-6, abs=1e-9)
        assert row["se"] == pytest.approx(unit * ref["se"], rel=1e-6)


def test_the_issue_examples_are_r_not_the_root_of_two_variances():
    raked = survey("raked")
    # svycontrast(svyby(~api00, ~comp.imp, des, svymean, covmat=TRUE), c(1, -1)) = svyglm
    out = kirc.contrast(raked, "mean", "api00", by="comp.imp", versus="No")
    assert out["se"].iloc[0] == pytest.approx(16.907343642058, rel=1e-9)
    groups = kirc.mean_score(raked, "api00", by="comp.imp").set_index("comp.imp")
    assert np.hypot(*groups["se"]) > 2 * out["se"].iloc[0]        # 36.43: what kirc gave
    out = kirc.contrast(raked, "share", "award", by="mealcat", versus="high")
    low = out[out["mealcat"] == "low"].iloc[0]
    assert low["se"] == pytest.approx(100 * 0.095965017730, rel=1e-9)


def test_versus_a_named_group_rest_total_and_adjustments():
    data = survey("clus1")
    named = kirc.contrast(data, "mean", "api00", by="mealcat", versus="low")
    assert list(named["mealcat"].astype(str)) == ["mid", "high"]
    pairs = kirc.contrast(data, "mean", "api00", by="mealcat", adjust="bonferroni")
    np.testing.assert_allclose(pairs["p_adjusted"], np.minimum(1, 3 * pairs["p_value"]))
    holm = kirc.contrast(data, "mean", "api00", by="mealcat", adjust="holm")
    p = np.sort(holm["p_value"].to_numpy())
    np.testing.assert_allclose(np.sort(holm["p_adjusted"]),
                               np.maximum.accumulate(np.minimum(1, p * [3, 2, 1])))
    with pytest.raises(kirc.ParameterError, match="versus='nope'"):
        kirc.contrast(data, "mean", "api00", by="mealcat", versus="nope")
    with pytest.raises(kirc.ColumnError, match="did you mean 'mealcat'"):
        kirc.contrast(data, "mean", "api00", by="mealcta")


def test_within_families_and_the_design_degrees_of_freedom():
    data = survey("clus1")
    out = kirc.contrast(data, "share", "award", by="comp.imp", within="stype", adjust="holm")
    assert set(out["stype"]) == {"E", "H", "M"}
    alone = kirc.contrast(data[data["stype"] == "H"], "share", "award", by="comp.imp")
    row = out[out["stype"] == "H"].iloc[0]
    # a domain of the whole design: the same contrast whether filtered or within=
    assert row["se"] == pytest.approx(alone["se"].iloc[0], rel=1e-12)
    # H lies in 8 districts: R's degf(subset(des, stype == "H")) is 7
    assert row["df"] == alone["df"].iloc[0] == 7


def _r_letters():
    rows = []
    for line in R_LETTERS.strip().splitlines():
        name, row, column, r, a, b, est, se, df, p_adj = line.split()
        rows.append(dict(name=name, row=row, column=column, category=r, a=a, b=b,
                         estimate=float(est), se=float(se), df=int(df), p_adj=float(p_adj)))
    return pd.DataFrame(rows)


@pytest.mark.parametrize("name", ["clus1", "raked"])
@pytest.mark.parametrize("row, column", [("sch.wide", "stype"), ("yr.rnd", "mealcat")])
def test_crosstab_letters_are_r_contrast_decisions(name, row, column):
    data = survey(name)
    pairs = kirc.estimate.groups.column_proportions(data, row, column, min_n=1)
    expected = _r_letters().query("name == @name and row == @row and column == @column")
    got = pairs.set_index([pairs["row"].astype(str), pairs["column_a"].astype(str),
                           pairs["column_b"].astype(str)])
    for _, ref in expected.iterrows():
        result = got.loc[(ref["category"], ref["a"], ref["b"])]
        assert result["difference"] == pytest.approx(100 * ref["estimate"], rel=1e-6)
        assert result["se"] == pytest.approx(100 * ref["se"], rel=1e-6)
        assert result["p_adjusted"] == pytest.approx(ref["p_adj"], rel=1e-6, abs=1e-9)
        assert bool(result["significant"]) == (ref["p_adj"] < 0.05)
    table = kirc.crosstab(data, row, column, min_n=1)
    letters = dict(zip(table[column].astype(str), table["letter"]))
    for _, ref in expected[expected["p_adj"] < 0.05].iterrows():
        higher, lower = (ref["a"], ref["b"]) if ref["estimate"] > 0 else (ref["b"], ref["a"])
        cell = table[(table[row].astype(str) == ref["category"])
                     & (table[column].astype(str) == higher)]
        assert letters[lower] in cell["higher_than"].item()


@pytest.mark.parametrize("rule", ["remove", "certainty", "adjust", "average"])
def test_crosstab_under_each_lonely_psu_rule_equals_svyby(rule):
    data = _prep(pd.read_csv(realdata_file("survey_api", "apiclus1.csv")))
    data["h"] = np.where(data["dnum"] == 637, 1, np.where(data["dnum"] < 400, 2, 3))
    line = next(l for l in R_LONELY.strip().splitlines() if l.split()[0] == rule).split()
    values = [float(v) for v in line[1:]]
    share, se = values[3:6], values[9:12]          # the TRUE (sch.wide == "Yes") row
    design = kirc.Design(weights="pw", strata="h", psu="dnum", lonely_psu=rule)
    table = kirc.crosstab(data, "sch.wide", "stype", design=design, min_n=1)
    yes = table[table["sch.wide"] == "Yes"]
    np.testing.assert_allclose(yes["percent"], 100 * np.array(share), rtol=1e-9)
    np.testing.assert_allclose(yes["se"], 100 * np.array(se), rtol=1e-9)


def test_count_based_pairs_of_an_unweighted_sample_stay_the_spss_test():
    # an unweighted simple random sample: the pooled z-test (prop.test(correct = FALSE))
    from scipy import stats
    df = pd.DataFrame({"ok": [1] * 30 + [0] * 10 + [1] * 20 + [0] * 20,
                       "g": ["a"] * 40 + ["b"] * 40})
    out = kirc.contrast(df, "share", "ok", by="g").iloc[0]
    chi2, p, *_ = stats.chi2_contingency([[30, 10], [20, 20]], correction=False)
    assert out["p_value"] == pytest.approx(p, rel=1e-9)
    assert out["method"] == "score"
    # against the total the groups overlap: the design's contrast (with the covariance)
    total = kirc.contrast(df, "share", "ok", by="g", versus="total")
    assert set(total["method"]) == {"design (Taylor), t"}
    assert total["estimate"].tolist() == pytest.approx([12.5, -12.5])


def test_the_flag_of_a_side_is_its_own_effective_base():
    # one small group (n = 12) among large ones: "the rest" of a large group is large, so its
    # contrast with the rest carries no flag; the small group's own contrast does
    df = pd.DataFrame({"ok": ([1, 0] * 60 + [1, 0] * 6 + [1, 0, 0] * 40),
                       "g": ["a"] * 120 + ["b"] * 12 + ["c"] * 120})
    out = kirc.contrast(df, "share", "ok", by="g", versus="rest").set_index("g")
    assert out.loc["a", "flag"] == "" and out.loc["c", "flag"] == ""
    assert out.loc["b", "flag"] == "n<30"
    pairs = kirc.contrast(df, "share", "ok", by="g").set_index(["g", "versus"])
    assert pairs.loc[("a", "c"), "flag"] == "" and pairs.loc[("a", "b"), "flag"] == "n<30"
