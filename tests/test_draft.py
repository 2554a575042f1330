"""kirc init (kirc.draft): from a researcher's own exports to a definition that loads.

The exports are written by the tests, with names that are not the demo's, so that nothing in
the draft can come from the demo. Figures from the unedited draft are checked against a plain
pandas computation on the export itself.
"""

from __future__ import annotations

import re
import tomllib

import numpy as np
import pandas as pd
import pytest

import kirc
from conftest import SURVEYS, realdata_file
from kirc.cli import main
from kirc.draft import draft, write_draft
from kirc.errors import InputFileError
from kirc.survey.definition import load_survey, survey_definition

DEMO_WORDS = ("klantcontact", "sectorscan", "chatbot", "avg_", "respnr", "Q5_", "sector")


def plain_export(n=240, seed=7, names=None, year_column=None, year=None):
    """A members' survey as a Dutch CSV export: text answers, 'weet niet' / 'n.v.t.', a weight
    with a decimal comma."""
    names = names or {}
    rng = np.random.default_rng(seed)
    recommend = rng.integers(0, 11, n).astype(object)
    recommend[rng.random(n) < 0.06] = "weet niet"
    satisfied = rng.integers(1, 6, n).astype(object)
    satisfied[rng.random(n) < 0.05] = "n.v.t."
    frame = pd.DataFrame({
        "Respondent": np.arange(1001, 1001 + n),
        "Afdeling": rng.choice(["Noord", "Zuid", "Oost", "West"], n),
        "Kanaal": rng.choice(["telefoon", "e-mail", "balie"], n),
        "Aanbevelen": recommend,
        "Tevredenheid": satisfied,
        "Opgelost": rng.choice(["Ja", "Nee", "weet niet", "n.v.t."], n, p=[.6, .3, .05, .05]),
        "Gewicht": [f"{w:.3f}".replace(".", ",") for w in rng.uniform(0.5, 1.8, n)],
        "Opmerking": rng.choice(["", "Prima geholpen", "Lang gewacht aan de telefoon"], n),
    })
    if year_column:
        frame.insert(1, year_column, year)
    return frame.rename(columns=names)


def write_csv(frame, path):
    frame.to_csv(path, sep=";", index=False, encoding="utf-8")
    return path


def numbers(series):
    return pd.to_numeric(series, errors="coerce")


def pandas_nps(scores, weights=None):
    valid = scores.notna()
    scores = scores[valid]
    w = np.ones(len(scores)) if weights is None else weights[valid].to_numpy()
    return 100 * (np.sum(w * (scores >= 9)) - np.sum(w * (scores <= 6))) / np.sum(w)


# --------------------------------------------------------------------------------------------
# one plain Dutch export, as in the issue
# --------------------------------------------------------------------------------------------
@pytest.fixture
def one_year(tmp_path):
    raw = plain_export()
    export = write_csv(raw, tmp_path / "ledenpeiling_2024.csv")
    output = tmp_path / "ledenpeiling.toml"
    return raw, export, output


def test_kirc_init_on_a_plain_dutch_export_drafts_a_definition_that_loads(one_year, capsys):
    raw, export, output = one_year
    assert main(["init", str(export), "--output", str(output)]) == 0
    printed, said = capsys.readouterr()
    text = output.read_text(encoding="utf-8")
    assert printed == text and "# check:" in text
    assert "the draft loads: 240 rows" in said and "--years 2024" in said
    for word in DEMO_WORDS:
        assert word not in text

    definition = survey_definition(output)
    constructs = definition["constructs"]
    assert constructs["opgelost"]["positive"] == ["Ja"]
    assert constructs["opgelost"]["negative"] == ["Nee"]
    assert set(constructs["opgelost"]["missing"]) == {"weet niet", "n.v.t."}
    assert constructs["aanbevelen"]["scale"] == [0, 10]
    assert constructs["tevredenheid"]["scale"] == [1, 5]
    assert constructs["gewicht"]["type"] == "weight"
    assert constructs["opmerking"]["type"] == "text"
    assert constructs["afdeling"]["labels"] == {1: "Noord", 2: "Oost", 3: "West", 4: "Zuid"}
    assert list(definition["indicators"]) == ["aanbevelen", "tevredenheid",
                                              "tevredenheid_mean", "opgelost"]
    assert definition["indicators"]["aanbevelen"]["metric"] == "nps"
    assert definition["report"]["breakdowns"] == ["afdeling", "kanaal"]
    assert definition["report"]["org_survey"] is None
    assert list(definition["years"]) == [2024]

    df = load_survey(output)
    assert len(df) == len(raw) and df["id"].tolist()[:2] == ["1001", "1002"]
    # the figures of the unedited draft equal a plain pandas computation on the export; the
    # draft declares the weight it found ([design] weights = "gewicht"), so they are weighted
    weights = numbers(raw["Gewicht"].str.replace(",", "."))

    def weighted_share(answers, hit, w):
        return 100 * np.sum(w[answers.index] * hit) / np.sum(w[answers.index])

    answered = raw["Opgelost"][raw["Opgelost"].isin(["Ja", "Nee"])]
    share = kirc.share(df, "opgelost")
    assert share["estimate"][0] == pytest.approx(
        weighted_share(answered, answered == "Ja", weights))
    assert share["n"][0] == len(answered)
    scores = numbers(raw["Aanbevelen"])
    assert kirc.nps(df, "aanbevelen")["estimate"][0] == pytest.approx(pandas_nps(scores, weights))
    unweighted = kirc.nps(df, "aanbevelen", design=kirc.Design())["estimate"][0]
    assert unweighted == pytest.approx(pandas_nps(scores))
    satisfied = numbers(raw["Tevredenheid"]).dropna()
    assert kirc.csat(df, "tevredenheid")["estimate"][0] == pytest.approx(
        weighted_share(satisfied, satisfied >= 4, weights))
    assert kirc.mean_score(df, "tevredenheid")["estimate"][0] == pytest.approx(
        np.average(satisfied, weights=weights[satisfied.index]))
    by_department = kirc.share(df, "opgelost", by="afdeling").set_index("afdeling")["estimate"]
    for department, group in raw.groupby("Afdeling"):
        answers = group["Opgelost"][group["Opgelost"].isin(["Ja", "Nee"])]
        assert by_department[department] == pytest.approx(
            weighted_share(answers, answers == "Ja", weights))


def test_kirc_init_never_overwrites_without_force(one_year, capsys):
    _, export, output = one_year
    output.write_text("# mine\n")
    assert main(["init", str(export), "--output", str(output)]) == 2
    assert "already exists" in capsys.readouterr().err and output.read_text() == "# mine\n"
    assert main(["init", str(export), "--output", str(output), "--force"]) == 0
    assert output.read_text().startswith("# Survey definition drafted by `kirc init`")


def test_an_export_without_questions_is_a_clear_error(tmp_path, capsys):
    export = write_csv(pd.DataFrame({"naam": [f"Persoon {i}" for i in range(40)],
                                     "plaats": [f"Plaats {i}" for i in range(40)]}),
                       tmp_path / "lijst_2024.csv")
    assert main(["init", str(export), "--output", str(tmp_path / "x.toml")]) == 2
    message = capsys.readouterr().err
    assert "lijst_2024.csv" in message and "found no question" in message
    assert not (tmp_path / "x.toml").exists()


def test_an_export_without_a_year_is_a_clear_error(tmp_path):
    export = write_csv(plain_export(40), tmp_path / "peiling.csv")
    with pytest.raises(InputFileError, match=r"peiling\.csv: kirc init cannot tell the year"):
        draft([export], output=tmp_path / "x.toml")


def test_two_exports_of_one_year_are_refused(tmp_path):
    a = write_csv(plain_export(40), tmp_path / "peiling_2024.csv")
    b = write_csv(plain_export(40, year_column="jaar", year=2024), tmp_path / "peiling_b.csv")
    with pytest.raises(InputFileError, match="two exports hold 2024"):
        draft([a, b], output=tmp_path / "x.toml")


def test_one_export_with_a_year_column_holding_three_years(tmp_path):
    frames = [plain_export(80, seed=s, year_column="jaar", year=y)
              for s, y in ((1, 2022), (2, 2023), (3, 2024))]
    raw = pd.concat(frames, ignore_index=True)
    raw["Respondent"] = np.arange(len(raw))
    export = write_csv(raw, tmp_path / "alle_jaren.csv")
    output, _ = write_draft([export], tmp_path / "meting.toml")
    df = load_survey(output)
    assert df.groupby("year").size().to_dict() == {2022: 80, 2023: 80, 2024: 80}
    for year, frame in zip((2022, 2023, 2024), frames):
        scores = numbers(frame["Aanbevelen"])
        weights = numbers(frame["Gewicht"].str.replace(",", "."))
        assert kirc.nps(df[df.year == year], "aanbevelen")["estimate"][0] == pytest.approx(
            pandas_nps(scores, weights))


# --------------------------------------------------------------------------------------------
# three exports, the third from a revised questionnaire
# --------------------------------------------------------------------------------------------
REVISED = {"Respondent": "resp_nr", "Afdeling": "afdeling_naam", "Aanbevelen":
           "aanbeveling_0_10", "Opgelost": "vraag_opgelost", "Gewicht": "weegfactor",
           "Tevredenheid": "tevredenheid_1_5"}


def test_three_exports_with_a_questionnaire_revision(tmp_path, capsys):
    raws = {2022: plain_export(150, seed=1), 2023: plain_export(160, seed=2),
            2024: plain_export(170, seed=3, names=REVISED).drop(columns=["Kanaal"])}
    raws[2024]["kanaal_nieuw"] = np.random.default_rng(4).choice(["app", "web"], 170)
    exports = [write_csv(raw, tmp_path / f"peiling_{year}.csv") for year, raw in raws.items()]
    output = tmp_path / "peiling.toml"
    # in any order
    assert main(["init", *map(str, exports[::-1]), "--output", str(output)]) == 0
    text = output.read_text(encoding="utf-8")
    parsed = tomllib.loads(text)
    assert list(parsed["questionnaires"]) == ["v2022", "v2024"]
    new = parsed["questionnaires"]["v2024"]["columns"]
    assert new == {"id": "resp_nr", "afdeling": "afdeling_naam", "aanbevelen": "aanbeveling_0_10",
                   "tevredenheid": "tevredenheid_1_5", "opgelost": "vraag_opgelost",
                   "gewicht": "weegfactor", "opmerking": "Opmerking",
                   "kanaal_nieuw": "kanaal_nieuw"}
    # every renamed column is marked for checking, with its old name
    assert "aanbevelen = \"aanbeveling_0_10\"  # check: was 'Aanbevelen' before" in text
    assert "gewicht = \"weegfactor\"  # check: was 'Gewicht' before" in text
    assert "not found in the export of 2024" in text           # Kanaal
    assert {y: v["questionnaire"] for y, v in parsed["years"].items()} == {
        "2022": "v2022", "2023": "v2022", "2024": "v2024"}

    df = load_survey(output)
    assert df.groupby("year").size().to_dict() == {2022: 150, 2023: 160, 2024: 170}
    assert df.loc[df.year == 2024, "kanaal"].isna().all()
    assert df.loc[df.year < 2024, "kanaal_nieuw"].isna().all()
    for year, raw in raws.items():
        names = {v: k for k, v in REVISED.items()} if year == 2024 else {}
        raw = raw.rename(columns=names)
        this = df[df.year == year]
        # unweighted here: the weight is checked by its sum below
        unweighted = kirc.Design()
        assert kirc.nps(this, "aanbevelen", design=unweighted)["estimate"][0] == pytest.approx(
            pandas_nps(numbers(raw["Aanbevelen"])))
        answered = raw["Opgelost"][raw["Opgelost"].isin(["Ja", "Nee"])]
        assert kirc.share(this, "opgelost", design=unweighted)["estimate"][0] == pytest.approx(
            100 * (answered == "Ja").mean())
        assert this["gewicht"].sum() == pytest.approx(
            numbers(raw["Gewicht"].str.replace(",", ".")).sum())


def test_the_demo_exports_give_back_the_demo_mapping(tmp_path):
    """A CSV without labels and two SPSS years, revised in 2021: the drafted questionnaires map
    the same columns as the hand-written definition, and the figures agree."""
    years = [2019, 2020, 2021]
    exports = [SURVEYS / f"klantcontact_{year}.{'csv' if year == 2019 else 'sav'}"
               for year in years]
    output, text = write_draft(exports, tmp_path / "weer.toml")
    parsed = tomllib.loads(text)
    written = survey_definition("klantcontact")["questionnaires"]
    drafted = parsed["questionnaires"]
    # three layouts: the channels question in one column (the CSV), then per option
    assert list(drafted) == ["v2019", "v2020", "v2021"]

    def columns(mapping):
        return sorted(c for value in mapping.values() for c in (
            [value] if isinstance(value, str) else value if isinstance(value, list)
            else [value["column"]] if "column" in value else value.values()))

    for version in drafted:
        assert columns(drafted[version]["columns"]) == columns(
            {k: v.get("options", v.get("naming", v)) if isinstance(v, dict) else v
             for k, v in written[version]["columns"].items()})
    draft_df = load_survey(output)
    # the shipped weights: the demo definition calibrates its own at load time
    demo_df = load_survey("klantcontact", years=years, calibrate=False)
    pairs = {"q5_aanbeveling": "nps", "q6_tevredenheid": "csat", "q7_eerste_contact": "fcr",
             "q8_chatbot_opgelost": "chatbot_success", "weegfactor": "weight"}
    for mine, theirs in pairs.items():
        pd.testing.assert_series_equal(draft_df[mine], demo_df[theirs], check_names=False)
    assert (draft_df["sector"].astype(str) == demo_df["sector"].astype(str)).all()


# --------------------------------------------------------------------------------------------
# an SPSS export: labels, user-missing codes
# --------------------------------------------------------------------------------------------
def test_an_spss_export_with_labels_and_user_missing(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    rng = np.random.default_rng(5)
    n = 120
    frame = pd.DataFrame({
        "volgnummer": np.arange(1, n + 1, dtype=float),
        "regio": rng.choice([1.0, 2.0, 3.0], n),
        "q1": rng.choice([1.0, 2.0, 9.0], n, p=[.55, .35, .1]),
        "q2": rng.choice([1.0, 2.0, 3.0, 4.0, 5.0, 99.0], n),
        "q3": rng.integers(0, 11, n).astype(float),
    })
    path = tmp_path / "onderzoek_2023.sav"
    pyreadstat.write_sav(
        frame, path,
        column_labels=["Volgnummer", "Regio", "Opgelost bij eerste contact?",
                       "Hoe tevreden bent u?", "Hoe waarschijnlijk is het dat u ons aanbeveelt?"],
        variable_value_labels={
            "regio": {1.0: "Noord", 2.0: "Midden", 3.0: "Zuid"},
            "q1": {1.0: "Ja", 2.0: "Nee", 9.0: "Weet niet"},
            "q2": {1.0: "Zeer ontevreden", 2.0: "Ontevreden", 3.0: "Neutraal",
                   4.0: "Tevreden", 5.0: "Zeer tevreden", 99.0: "Geen antwoord"}},
        missing_ranges={"q1": [9.0], "q2": [99.0]})
    output, text = write_draft([path], tmp_path / "onderzoek.toml")
    definition = survey_definition(output)
    constructs = definition["constructs"]
    assert constructs["q1"] == {"type": "binary", "label": "Opgelost bij eerste contact?",
                                "positive": [1], "negative": [2],
                                "missing": {9: "Weet niet"}}
    assert constructs["q2"]["type"] == "rating" and constructs["q2"]["scale"] == [1, 5]
    assert constructs["q3"]["scale"] == [0, 10]
    assert constructs["regio"]["labels"] == {1: "Noord", 2: "Midden", 3: "Zuid"}
    assert definition["indicators"]["q3"]["metric"] == "nps"
    df = load_survey(output)
    valid = frame["q1"][frame["q1"] != 9]
    assert kirc.share(df, "q1")["estimate"][0] == pytest.approx(100 * (valid == 1).mean())
    assert df.attrs["missing_counts"][2023]["q1"] == {"Weet niet": int((frame["q1"] == 9).sum())}


# --------------------------------------------------------------------------------------------
# real third-party files (skipped without ../shared/realdata)
# --------------------------------------------------------------------------------------------
def test_real_nps_csv(tmp_path):
    source = realdata_file("nps", "NPS_R__testdata.csv")
    export = tmp_path / "nps_2012.csv"
    export.write_bytes(source.read_bytes())
    output, text = write_draft([export], tmp_path / "nps.toml")
    definition = survey_definition(output)
    assert definition["indicators"]["rec"]["metric"] == "nps"
    assert definition["constructs"]["bu"]["type"] == "category"
    raw = pd.read_csv(source)
    df = load_survey(output)
    assert len(df) == len(raw) == 1000
    assert kirc.nps(df, "rec")["estimate"][0] == pytest.approx(pandas_nps(raw["REC"]))
    by_unit = kirc.nps(df, "rec", by="bu").set_index("bu")["estimate"]
    for unit, group in raw.groupby("BU"):
        assert by_unit[unit] == pytest.approx(pandas_nps(group["REC"]))


def test_real_spss_file_with_agreement_scales(tmp_path):
    source = realdata_file("sav", "pspp__hotel.sav")
    export = tmp_path / "hotel_2019.sav"
    export.write_bytes(source.read_bytes())
    output, _ = write_draft([export], tmp_path / "hotel.toml")
    definition = survey_definition(output)
    assert {c["type"] for c in definition["constructs"].values()} == {"rating"}
    assert definition["constructs"]["v1"]["label"] == "I am satisfied with the level of service"
    assert definition["indicators"]["v1"] == {
        "metric": "top_box", "construct": "v1", "top": 2, "unit": "procent",
        "label": {"nl": "I am satisfied with the level of service (% top-2)",
                  "en": "I am satisfied with the level of service (% top 2)"}}
    import pyreadstat

    raw, _ = pyreadstat.read_sav(str(source))
    df = load_survey(output)
    assert kirc.csat(df, "v1")["estimate"][0] == pytest.approx(
        100 * (raw["v1"].dropna() >= 4).mean())


def test_real_spss_file_with_dates_text_and_messy_labels_gives_a_clear_draft(tmp_path):
    source = realdata_file("sav", "foreign__testdata.sav")
    export = tmp_path / "testdata_2018.sav"
    export.write_bytes(source.read_bytes())
    _, text = write_draft([export], tmp_path / "testdata.toml")
    parsed = tomllib.loads(text)
    assert "date" not in parsed["constructs"]                    # a date is not a question
    assert parsed["constructs"]["string_500"]["type"] == "text"
    assert "same label" in text                                  # duplicated value labels flagged
    assert parsed["constructs"]["factor_n_coded_miss"]["missing"] == {"99": "no answer"}


# --------------------------------------------------------------------------------------------
# the README's example
# --------------------------------------------------------------------------------------------
def readme_export(path):
    """The export of the README's "Your own survey" (same seed, same columns)."""
    rng = np.random.default_rng(2024)
    n = 400
    recommend = rng.integers(0, 11, n).astype(object)
    recommend[rng.random(n) < 0.05] = "weet niet"
    pd.DataFrame({
        "Respondent": np.arange(1, n + 1),
        "Afdeling": rng.choice(["Noord", "Zuid", "Oost", "West"], n),
        "Aanbevelen": recommend,
        "Opgelost": rng.choice(["Ja", "Nee", "weet niet", "n.v.t."], n, p=[.6, .3, .05, .05]),
        "Gewicht": [f"{w:.2f}".replace(".", ",") for w in rng.uniform(0.5, 1.8, n)],
    }).to_csv(path, sep=";", index=False)
    return path


def test_the_readme_shows_the_draft_kirc_init_prints(tmp_path, monkeypatch):
    from conftest import ROOT

    monkeypatch.chdir(tmp_path)
    readme_export(tmp_path / "ledenpeiling_2024.csv")
    _, text = write_draft(["ledenpeiling_2024.csv"], "ledenpeiling.toml")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Your own survey"):]
    shown = section[section.index("```toml\n") + 8:]
    shown = shown[:shown.index("```")]
    undated = lambda t: re.sub(r"on \d{4}-\d{2}-\d{2}", "on <date>", t)  # noqa: E731
    assert undated(shown) == undated(text)
    csv_lines = (tmp_path / "ledenpeiling_2024.csv").read_text().splitlines()[:4]
    assert "\n".join(csv_lines) in section


def test_real_spss_file_with_weight_by_and_a_year_column(tmp_path):
    source = realdata_file("sav", "savrw__spssio_test.sav")
    export = tmp_path / "spssio.sav"
    export.write_bytes(source.read_bytes())
    output, text = write_draft([export], tmp_path / "spssio.toml")
    parsed = tomllib.loads(text)
    assert parsed["constructs"]["weightvar"]["type"] == "weight"
    assert "weight column is guessed" not in text           # SPSS WEIGHT BY says so
    assert parsed["design"] == {"weights": "weightvar"}
    assert parsed["questionnaires"]["v2012"]["columns"]["year"] == "YEAR_"
    df = load_survey(output)
    import pyreadstat

    raw, _ = pyreadstat.read_sav(str(source))
    assert df.groupby("year").size().to_dict() == raw.groupby("YEAR_").size().to_dict()
    assert df["weightvar"].sum() == pytest.approx(raw["weightVar"].sum())
