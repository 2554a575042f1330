"""Results in a notebook (kirc.display): formatted as a report would, tidy frames underneath.

The numbers themselves are tested against R elsewhere; here the expected texts are written
from the frame's own values with Python's formatting (a decimal comma and U+2212 for Dutch),
so a test fails when the display rounds, signs, suppresses or labels differently.
"""

from __future__ import annotations

import io
import re
import warnings

import numpy as np
import pandas as pd
import pytest

import kirc
from kirc import display
from kirc.disclose import LOW_BASE_MARK
from kirc.estimate.metrics import DESIGN_COLUMNS, STANDARD_COLUMNS

from conftest import SURVEYS


@pytest.fixture(scope="module")
def ks():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", kirc.KircWarning)
        return kirc.load_survey(SURVEYS / "klantcontact.toml")


def dutch(value: float, decimals: int, sign: bool = False) -> str:
    text = f"{value:+.{decimals}f}" if sign else f"{value:.{decimals}f}"
    return text.replace("-", "\u2212").replace(".", ",")


def body(html: str) -> str:
    """The table without its style sheet (whose lengths are not figures)."""
    return re.sub(r"<style>.*?</style>", "", html, flags=re.S)


def test_a_dutch_survey_reads_with_decimal_commas_intervals_and_n(ks):
    result = kirc.nps(ks[ks.year == 2025], "nps", by="sector")
    shown = display.rows(result)
    assert [list(row) for row in shown][0] == ["sector", "NPS", "n"]
    for row, (_, raw) in zip(shown, result.iterrows()):
        assert row["sector"] == raw["sector"]
        assert row["NPS"] == (f"{dutch(raw.estimate, 1, True)} [{dutch(raw.ci_low, 1, True)}; "
                              f"{dutch(raw.ci_high, 1, True)}]")
        assert row["n"] == f"{raw.n:,}".replace(",", ".")
    html = result._repr_html_()
    assert "Aanbevelingsbereidheid (0–10) (nps)" in html          # the construct's label
    assert "95%-betrouwbaarheidsinterval" in html
    assert "score-interval (Tango)" in html                        # the method, in words


def test_an_english_survey_reads_with_decimal_points_and_percent(ks):
    english = kirc.as_survey(pd.DataFrame(ks), ks.design, language="en")
    result = kirc.csat(english[english.year == 2025], "csat", by="age_group")
    row = display.rows(result)[0]
    raw = result.iloc[0]
    assert row["CSAT (%)"] == f"{raw.estimate:.1f}% [{raw.ci_low:.1f}; {raw.ci_high:.1f}]"
    assert "In brackets the 95% confidence interval." in result._repr_html_()
    assert "," not in row["CSAT (%)"]


@pytest.mark.parametrize("metric, column, decimals", [
    ("nps", "nps", 1), ("csat", "csat", 1), ("share", "fcr", 1), ("mean", "csat", 2)])
def test_no_figure_has_more_decimals_than_its_measure(ks, metric, column, decimals):
    estimator = {"nps": kirc.nps, "csat": kirc.csat, "share": kirc.share,
                 "mean": kirc.mean_score}[metric]
    result = estimator(ks[ks.year >= 2024], column, by=["year", "sector"])
    numbers = re.findall(r"\d+,(\d+)", body(result._repr_html_()))
    assert numbers, "no figures found"
    assert max(len(d) for d in numbers) == decimals
    assert not re.search(r"\d\.\d", body(result._repr_html_()))   # no decimal point in Dutch


def test_the_telecom_2017_chatbot_figure_is_suppressed(ks):
    result = kirc.share(ks[ks.year == 2017], "chatbot_success", by="sector")
    telecom = result[result.sector == "telecom"].iloc[0]
    assert telecom.n == 15 and round(telecom.estimate, 1) == 60.2   # the figure
    row = next(r for r in display.rows(result) if r["sector"] == "telecom")
    assert row["aandeel (%)"] == "onderdrukt" and row["n"] == "15"
    html = body(result._repr_html_())
    assert "60,2" not in html and 'class="suppressed"' in html
    assert "Onderdrukt: minder dan 30 antwoorden." in html
    # underneath, the full numbers stay for scripts
    assert result.loc[result.sector == "telecom", "estimate"].round(1).item() == 60.2


def test_a_low_effective_base_carries_the_mark_and_its_legend():
    # 40 answers, one weight 20 times the others: n = 40, Kish n_eff = 60²/(39+400) ≈ 8.2
    frame = pd.DataFrame({"ok": [1, 0] * 20, "w": [20.0] + [1.0] * 39})
    result = kirc.share(frame, "ok", design=kirc.Design(weights="w"))
    assert result.n.item() == 40 and result.n_eff.item() < 30
    assert display.rows(result)[0]["aandeel (%)"].endswith(f" {LOW_BASE_MARK}")
    assert f"{LOW_BASE_MARK} effectieve basis onder 30" in result._repr_html_()


def test_the_frame_underneath_is_todays_tidy_frame(ks):
    result = kirc.nps(ks[ks.year == 2025], "nps", by="sector")
    assert isinstance(result, pd.DataFrame) and type(result).__name__ == "Result"
    assert list(result.columns) == ["sector", *STANDARD_COLUMNS, *DESIGN_COLUMNS,
                                    "promoters", "passives", "detractors"]
    plain = pd.DataFrame(result)
    assert type(plain) is pd.DataFrame
    text = result.to_csv(index=False)
    assert text == plain.to_csv(index=False)
    back = pd.read_csv(io.StringIO(text))
    assert list(back.columns) == list(result.columns)
    np.testing.assert_allclose(back["estimate"], result["estimate"], rtol=1e-12)
    np.testing.assert_allclose(back["se"], result["se"], rtol=1e-12)
    assert back["method"].tolist() == result["method"].tolist()


def test_derived_frames_keep_the_display_while_they_can(ks):
    result = kirc.nps(ks[ks.year == 2025], "nps", by="sector")
    assert display.view_of(result[result.n > 300]) == display.view_of(result)
    assert 'class="kirc-result"' in result.sort_values("estimate")._repr_html_()
    merged = result.merge(pd.DataFrame({"sector": ["telecom"], "extra": [1]}), on="sector")
    assert 'class="kirc-result"' in merged._repr_html_()
    both = pd.concat([result, result])
    assert display.view_of(both) == display.view_of(result)
    # without the interval the display has nothing to show: pandas' own table
    assert 'class="dataframe"' in result[["sector", "estimate"]]._repr_html_()
    assert display.view_of(pd.DataFrame(result)) is None


def test_contrast_and_change_show_the_difference_its_p_and_both_sides(ks):
    contrast = kirc.contrast(ks[ks.year == 2025], "nps", "nps", by="sector", versus="rest")
    rows = display.rows(contrast)
    e_commerce = next(r for r in rows if r["sector"] == "e-commerce")
    raw = contrast[contrast.sector == "e-commerce"].iloc[0]
    assert raw.significant
    assert e_commerce["Verschil"] == (f"{dutch(raw.estimate, 1, True)} [{dutch(raw.ci_low, 1, True)}; "
                                      f"{dutch(raw.ci_high, 1, True)}] *")
    assert e_commerce["t.o.v."] == "de rest"
    assert e_commerce["NPS"] == dutch(raw.estimate_group, 1, True)
    assert e_commerce["p"] == dutch(raw.p_value, 3) if raw.p_value >= 0.001 else "< 0,001"
    assert e_commerce["n (vergeleken)"] == f"{raw.n_versus:,}".replace(",", ".")

    change = kirc.change(ks, "csat", "csat", by="sector", year=2025)
    row = display.rows(change)[0]
    raw = change.iloc[0]
    assert set(row) == {"sector", "CSAT (%) 2024", "CSAT (%) 2025", "Verandering", "p",
                        "n 2024", "n 2025"}
    assert row["Verandering"].startswith(dutch(raw.estimate, 1, True) + " pp [")
    assert "pp = procentpunt" in change._repr_html_()


def test_a_crosstab_shows_column_percentages_with_letters_and_bases(ks):
    table = kirc.crosstab(ks[ks.year == 2025], "age_group", "channel")
    rows = display.rows(table)
    assert [r["age_group"] for r in rows] == ["18-34", "35-49", "50-64", "65+"]
    first = table.iloc[0]
    header = f"{first.channel} (A), n = " + f"{first.n:,}".replace(",", ".")
    assert rows[0][header].startswith(dutch(first.percent, 1) + "%")
    with_letters = table[table.higher_than != ""]
    assert len(with_letters), "the demo has significant column differences"
    cell = with_letters.iloc[0]
    row = next(r for r in rows if r["age_group"] == cell.age_group)
    shown = next(v for k, v in row.items() if k.startswith(f"{cell.channel} ("))
    assert shown.split()[1] == cell.higher_than


def test_drivers_and_rater_agreement_read_in_their_units(ks):
    from kirc.quality import raters

    drivers = kirc.drivers(ks[ks.year == 2025], "csat", ["wait_time", "expertise"], n_boot=50)
    row = display.rows(drivers)[0]
    raw = drivers.iloc[0]
    assert row["Belang (%)"] == (f"{dutch(raw.importance, 1)}% [{dutch(raw.ci_low, 1)}; "
                                 f"{dutch(raw.ci_high, 1)}]")
    assert "R² = " + dutch(raw.r2, 2) in display.view_of(drivers).caption

    session = raters.example_session()
    icc = raters.rater_agreement(session, "gesprek", "beoordelaar", "oplossing")
    assert display.rows(icc)[0]["ICC"] == (f"{dutch(icc.estimate[0], 2)} "
                                           f"[{dutch(icc.ci_low[0], 2)}; "
                                           f"{dutch(icc.ci_high[0], 2)}]")
    bias = raters.rater_bias(session, "gesprek", "beoordelaar", "oplossing")
    assert display.rows(bias)[2]["Afwijking van de anderen"].startswith(
        dutch(bias.estimate[2], 2, True))


def test_a_survey_shows_a_summary_instead_of_rows(ks):
    html = ks._repr_html_()
    assert "Klantcontact Monitor" in html
    assert "26.346 respondenten" in html
    assert "gewogen met weight" in html
    per_year = ks["year"].value_counts()
    assert f"<td>{per_year[2025]:,}</td>".replace(",", ".") in html
    assert "Aanbevelingsbereidheid (0–10)" in html
    assert "<td>" + str(ks["id"].iloc[0]) + "</td>" not in html   # no respondent rows


IPYTHON_SESSION = """
from IPython.testing.globalipapp import start_ipython
shell = start_ipython()
shell.run_cell("import pandas as pd, kirc")
shell.run_cell("answers = pd.DataFrame({'nps': [9, 10, 3] * 20})")
print("=== short")
shell.run_cell("kirc.nps(answers, 'nsp')")
print("=== verbose")
shell.run_cell("%xmode Verbose")
shell.run_cell("kirc.nps(answers, 'nsp')")
"""


def test_a_kirc_error_in_ipython_shows_the_users_line_and_one_message():
    # a fresh interpreter: kirc is imported inside the shell, as in a notebook
    import subprocess
    import sys

    from conftest import ROOT

    done = subprocess.run([sys.executable, "-c", IPYTHON_SESSION], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    short, verbose = done.stdout.split("=== short")[1].split("=== verbose")
    assert "ColumnError: column 'nsp': no such column; did you mean 'nps'?" in short
    assert "kirc.nps(answers, 'nsp')" in short                   # the user's own line
    assert "metrics.py" not in short and "require_columns" not in short
    assert "require_columns" in verbose                          # every frame on request


def test_a_deprecation_points_at_the_users_line_and_a_data_warning_at_no_line():
    from kirc.errors import warn

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn("a.csv: 3 cells read as missing")
        warn("use by=", FutureWarning)
    data, future = caught
    assert (data.filename, data.lineno) == ("kirc", 0)
    assert future.filename == __file__
