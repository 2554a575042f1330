"""Report content (kirc.report.content): the headline figures are the
package's metrics, gathered."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import kirc
from kirc.report import content

#: a report's content: outside the inner loop of statistics and IO (pytest -m "not slow")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def frames():
    return content.load_report_data("klantcontact", "sectorscan", 2025, "all")


def test_headline_equals_the_metrics(frames):
    consumers, organisations = frames
    table = content.headline(consumers, organisations, 2025).set_index("metric")
    this_year = consumers[consumers["year"] == 2025]
    nps = kirc.nps(this_year, "nps", weights="weight").iloc[0]
    assert table.loc["nps", "estimate"] == pytest.approx(nps["estimate"])
    assert table.loc["nps", "ci_low"] == pytest.approx(nps["ci_low"])
    assert table.loc["nps", "n"] == nps["n"]
    fcr = kirc.first_contact_resolution(this_year).iloc[0]
    assert table.loc["fcr", "estimate"] == pytest.approx(fcr["estimate"])
    orgs = organisations[organisations["year"] == 2025]
    ready = kirc.avg_readiness(orgs).iloc[0]
    assert table.loc["avg_ready", "estimate"] == pytest.approx(ready["estimate"])
    assert table.loc["avg_ready", "ci_high"] == pytest.approx(ready["ci_high"])
    change = kirc.change(consumers, "share", "chatbot_success", year=2025, weights="weight")
    assert table.loc["chatbot_success", "change"] == pytest.approx(change.loc[0, "estimate"])
    assert table.loc["chatbot_success", "significant"] == bool(change.loc[0, "significant"])
    assert list(table.index) == ["nps", "csat", "csat_mean", "chatbot_success", "fcr",
                                 "relation", "avg_ready", "staff_prepared"]


def test_first_year_has_no_change_and_small_segments_are_suppressed():
    consumers, organisations = content.load_report_data("klantcontact", "sectorscan", 2017,
                                                       "zorgverzekeraars")
    table = content.headline(consumers, organisations, 2017).set_index("metric")
    assert table["significant"].isna().all() and table["change"].isna().all()
    # chatbot users among one sector's respondents in 2017 are far fewer than 30
    assert table.loc["chatbot_success", "n"] < 30
    assert table.loc["chatbot_success", "suppressed"]
    assert np.isnan(table.loc["chatbot_success", "estimate"])
    formatted = content.headline_table(table.reset_index())
    assert "onderdrukt" in formatted.iloc[list(table.index).index("chatbot_success"), 1]


def test_breakdown_suppresses_small_groups(frames):
    consumers, _ = frames
    out = content.breakdown(consumers[consumers["channel"] != "chatbot"], "chatbot_success",
                           "channel", 2025)
    assert out["suppressed"].all() and out["estimate"].isna().all()


def test_summary_text_dutch_and_english():
    rows = pd.DataFrame([
        {"metric": "fcr", "label": "Opgelost bij eerste contact (FCR)", "unit": "percent",
         "estimate": 70.0, "change": -2.5, "significant": False, "suppressed": False},
        {"metric": "nps", "label": "NPS", "unit": "points", "estimate": 9.0, "change": None,
         "significant": None, "suppressed": False},
        {"metric": "relation", "label": "Relatie Quotiënt", "unit": "percent",
         "estimate": np.nan, "change": np.nan, "significant": None, "suppressed": True},
    ])
    text = content.summary_text(rows, 2025)
    assert text == ("Het aandeel opgelost bij het eerste contact daalde met 2,5 procentpunt tot "
                    "70,0% in 2025, geen significante daling. De NPS was +9,0 in 2025.")
    english = content.summary_text(rows, 2025, "en")
    assert english.startswith("First-contact resolution fell by 2.5 percentage points to 70.0% "
                              "in 2025, not a significant decrease.")
    with pytest.raises(kirc.ParameterError):
        content.summary_text(rows, 2025, "de")


def test_methods_note_records_privacy_actions(frames):
    consumers, organisations = frames
    note = content.methods_note(consumers, organisations, suppressed_cells=3)
    assert "`email` (e-mailadres): verwijderd" in note
    assert "`toelichting` (open antwoord): geschoond" in note
    assert "customer-number" not in note and "free-text" not in note
    assert "Onderdrukte cellen in dit rapport: 3." in note
    assert "Rocks" in note


def test_write_headline_is_plain_json(tmp_path, frames):
    consumers, organisations = frames
    table = content.headline(consumers, organisations, 2025)
    path = content.write_headline(table, tmp_path, 2025, "all", title="Klantcontact Monitor")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["year"] == 2025 and len(data["rows"]) == len(table)
    assert all(isinstance(r["n"], int) for r in data["rows"])


def test_unknown_year_and_segment_are_named():
    with pytest.raises(kirc.ParameterError, match="2030"):
        content.load_report_data("klantcontact", "sectorscan", 2030, "all")
    with pytest.raises(kirc.ParameterError, match="telecom"):
        content.load_report_data("klantcontact", "sectorscan", 2025, "bakkerij")


def test_summary_as_bullets():
    rows = pd.DataFrame([{"metric": "nps", "label": "NPS", "unit": "points", "estimate": 9.0,
                          "change": 4.0, "significant": True, "suppressed": False},
                         {"metric": "fcr", "label": "FCR", "unit": "percent", "estimate": 70.0,
                          "change": 0.0, "significant": False, "suppressed": False}])
    assert content.summary_text(rows, 2025, bullets=True).splitlines() == [
        "- De NPS steeg met 4,0 punten tot +9,0 in 2025, een significante stijging.",
        "- Het aandeel opgelost bij het eerste contact bleef gelijk op 70,0% in 2025."]


def test_segment_by_slug_selects_both_surveys():
    consumers, organisations = content.load_report_data("klantcontact", "sectorscan", 2025,
                                                       "financiele-dienstverlening")
    assert set(consumers["sector"].astype(str)) == {"financiële dienstverlening"}
    assert set(organisations["sector"].astype(str)) == {"financiële dienstverlening"}


def test_a_segment_is_a_domain_of_the_whole_survey():
    # Issue 21: telecom's AVG readiness of 2025 was [34.5, 93.3] in telecom.html and
    # [50.9, 84.9] in the all-sectors report's sector breakdown. A segment is a domain of the
    # survey's design (with its finite population), so both give the same interval.
    consumers, organisations = content.load_report_data("klantcontact", "sectorscan", 2025,
                                                       "telecom")
    assert set(consumers["sector"].astype(str)) == {"telecom"}
    table = content.headline(consumers, organisations, 2025).set_index("metric")
    whole = kirc.load_survey("sectorscan", years=range(2017, 2026))
    sectors = kirc.avg_readiness(whole[whole["year"] == 2025], by="sector").set_index("sector")
    for column in ("estimate", "ci_low", "ci_high"):
        assert table.loc["avg_ready", column] == pytest.approx(sectors.loc["telecom", column],
                                                              rel=1e-12)
    everyone = kirc.load_survey("klantcontact", years=range(2017, 2026))
    sectors = kirc.nps(everyone[everyone["year"] == 2025], "nps", by="sector").set_index("sector")
    for column in ("estimate", "ci_low", "ci_high"):
        assert table.loc["nps", column] == pytest.approx(sectors.loc["telecom", column],
                                                         rel=1e-12)
    assert "eindige-populatiecorrectie" in content.methods_note(consumers, organisations)
    assert content.breakdown_group("telecom") == "age_group"
