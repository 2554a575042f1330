"""The seeded demo-survey generator: determinism, sizes, anchors, fake personal data, and that
the committed files in surveys/ are exactly what the generator produces."""

from __future__ import annotations

import re
import zipfile

import numpy as np
import pandas as pd
import pytest

from conftest import SURVEYS
from kirc import demo
from kirc.io import read_survey


@pytest.fixture(scope="module")
def data():
    return demo.generate(demo.DEFAULT_SEED)


def column(data, survey, year, construct):
    """A construct's column in the generated frame of that year (names change in 2021)."""
    version = 0 if demo.questionnaire(year) == "v2017" else 1
    return data[survey, year][demo.COLUMNS[survey][construct][version]]


def answered(values):
    """Answers that are neither blank nor the user-missing code 99."""
    return values[values.notna() & (values != demo.DONT_KNOW)]


def nps_points(scores):
    """NPS from the textbook definition: % promoters (9-10) minus % detractors (0-6)."""
    scores = answered(scores)
    return 100.0 * ((scores >= 9).mean() - (scores <= 6).mean())


# --------------------------------------------------------------------------------------------
# determinism
# --------------------------------------------------------------------------------------------
def test_same_seed_gives_identical_frames(data):
    again = demo.generate(demo.DEFAULT_SEED)
    assert again.keys() == data.keys()
    for key in data:
        pd.testing.assert_frame_equal(again[key], data[key])
        assert again[key].attrs == data[key].attrs


def test_one_survey_alone_is_the_same_as_with_both(data):
    alone = demo.generate(demo.DEFAULT_SEED, surveys=["sectorscan"])
    assert {survey for survey, _ in alone} == {"sectorscan"}
    for key, frame in alone.items():
        pd.testing.assert_frame_equal(frame, data[key])


def test_different_seeds_differ(data):
    other = demo.generate(7)
    assert not other["klantcontact", 2017].equals(data["klantcontact", 2017])
    assert not other["sectorscan", 2020].equals(data["sectorscan", 2020])


# --------------------------------------------------------------------------------------------
# sizes and layout
# --------------------------------------------------------------------------------------------
def test_sizes_are_within_the_design(data):
    for year in demo.YEARS:
        assert 2000 <= len(data["klantcontact", year]) <= 4000
        scan = data["sectorscan", year]
        population = scan.attrs["population"]
        assert 165 <= population <= 175
        assert 100 <= len(scan) <= 150
    assert data["sectorscan", 2017].attrs["population"] == 170


def test_column_names_change_with_the_2021_questionnaire(data):
    for year in demo.YEARS:
        columns = set(data["klantcontact", year].columns)
        if year < 2021:
            assert {"Q5_aanbeveling", "Q6_tevredenheid", "respnr"} <= columns
        else:
            assert {"aanbevelen_0_10", "tevredenheid", "respondent_id"} <= columns
            assert "Q5_aanbeveling" not in columns


def test_formats_per_year():
    formats = {key: demo.file_format(*key) for key in demo.FILE_NAMES}
    for survey in demo.SURVEYS:
        kinds = [formats[survey, year] for year in demo.YEARS]
        assert kinds.count("csv") == 1 and kinds.count("xlsx") == 1 and kinds.count("sav") == 7


def test_channels_used_is_asked_from_2019_and_the_app_from_2022(data):
    for year in demo.YEARS:
        frame = data["klantcontact", year]
        options = [c for c in frame.columns if c.startswith(("Q17_", "kanaal_"))]
        if year < 2019:
            assert options == []
        elif year == 2019:                       # the CSV year: one column naming them
            assert options == ["Q17_kanalen"]
            named = frame["Q17_kanalen"].dropna()
            assert named.str.contains(", ").mean() > 0.5 and not named.str.contains("app").any()
        else:                                    # a 0/1 column per option
            assert len(options) == (7 if year >= 2022 else 6)
            assert set(np.unique(frame[options].to_numpy()[~np.isnan(frame[options].to_numpy())])) \
                == {0.0, 1.0}


@pytest.fixture(scope="module")
def consumers():
    from kirc import load_survey
    return load_survey("klantcontact", years=[2019, 2020, 2022, 2025], calibrate=False)


def test_channels_used_overlap_and_hold_the_last_contact(consumers):
    columns = [f"channels_used_{key}" for key in demo.USED_CHANNELS]
    answered = consumers[consumers[columns[0]].notna()]
    # about 2% skip the question
    skipped = consumers[columns[0]].isna().groupby(consumers["year"]).mean()
    assert ((skipped > 0.01) & (skipped < 0.03)).all()
    # the channel of the last contact was used, by everyone who answered (the link)
    last = answered["channel"].cat.codes.to_numpy()
    used = answered[columns[:6]].to_numpy()
    assert (used[np.arange(len(used)), last] == 1).all()
    # a realistic overlap: more than one channel each, digital channels go together
    latest = answered[answered["year"] == 2025]
    assert 2.5 < latest[columns].sum(axis=1).mean() < 4.0
    r = np.corrcoef(latest[columns].to_numpy(float).T)
    chat, whatsapp, chatbot, phone = (columns.index(f"channels_used_{k}")
                                      for k in ("chat", "whatsapp", "chatbot", "phone"))
    assert r[chat, chatbot] > 0.05 and r[whatsapp, chatbot] > 0.05 and r[phone, whatsapp] < 0
    # the levels follow the stylised anchors (unweighted: the sample, not the population)
    for key, (first, end) in demo.USED_CHANNEL_SHARE.items():
        share = latest[f"channels_used_{key}"].mean()
        assert abs(share - end) < 0.05, (key, share, end)
    # the app was not asked before 2022: missing, not 0
    assert consumers.loc[consumers["year"] < 2022, "channels_used_app"].isna().all()


def test_the_csv_year_names_the_options_the_columns_of_other_years_hold(consumers):
    raw = read_survey(SURVEYS / "klantcontact_2019.csv", personal_data="keep")
    text = raw["Q17_kanalen"]
    mine = consumers[consumers["year"] == 2019].reset_index(drop=True)
    for key, label in demo.USED_CHANNELS.items():
        if key == "app":
            continue
        named = text.map(lambda cell: np.nan if pd.isna(cell) else
                         float(label in [part.strip() for part in cell.split(",")]))
        np.testing.assert_array_equal(mine[f"channels_used_{key}"].to_numpy(), named.to_numpy())


def test_organisation_ids_are_a_stable_panel(data):
    ids = [set(column(data, "sectorscan", year, "id")) for year in demo.YEARS]
    assert len(ids[0] & ids[-1]) > 50  # many organisations answer in both 2017 and 2025
    for year in demo.YEARS:
        assert column(data, "sectorscan", year, "id").is_unique


# --------------------------------------------------------------------------------------------
# anchors (published figures) and stylised levels
# --------------------------------------------------------------------------------------------
def avg_ready_share(data, year):
    return (column(data, "sectorscan", year, "avg_status") == 1).mean()


def staff_prepared_share(data, year):
    return (column(data, "sectorscan", year, "staff_prepared") == 1).mean()


def chatbot_success_share(data, year):
    solved = column(data, "klantcontact", year, "chatbot_success").dropna()
    return (solved == 1).mean()


@pytest.mark.parametrize("seed", [demo.DEFAULT_SEED, 1, 2])
def test_published_anchors_hold(seed, data):
    generated = data if seed == demo.DEFAULT_SEED else demo.generate(seed)
    # 8% AVG-ready and 12% staff prepared at the end of 2017 (n ≈ 120 organisations)
    assert 0.03 <= avg_ready_share(generated, 2017) <= 0.14
    assert 0.06 <= staff_prepared_share(generated, 2017) <= 0.19
    # chatbot success 59% in 2018
    assert abs(chatbot_success_share(generated, 2018) - 0.59) <= 0.04


def test_readiness_climbs_steeply_in_2018_then_levels_off(data):
    ready = {year: avg_ready_share(data, year) for year in demo.YEARS}
    assert ready[2018] - ready[2017] > 0.25
    assert 0.60 <= ready[2025] <= 0.80
    assert ready[2025] - ready[2022] < ready[2018] - ready[2017]
    staff = {year: staff_prepared_share(data, year) for year in demo.YEARS}
    assert staff[2018] - staff[2017] > 0.25 and 0.60 <= staff[2025] <= 0.85


def test_chatbot_success_and_share_rise(data):
    success = [chatbot_success_share(data, year) for year in demo.YEARS]
    slope = np.polyfit(demo.YEARS, success, 1)[0]
    assert 0.01 <= slope <= 0.03  # about +2 points a year
    share = [(column(data, "klantcontact", year, "channel") == demo.CHATBOT).mean()
             for year in demo.YEARS]
    assert share[0] < 0.08 and share[-1] > 0.18 and np.all(np.diff(share) > 0)


def test_chatbot_question_only_for_chatbot_users(data):
    for year in demo.YEARS:
        chatbot = column(data, "klantcontact", year, "channel") == demo.CHATBOT
        solved = column(data, "klantcontact", year, "chatbot_success")
        assert solved[~chatbot].isna().all()
        assert solved[chatbot].notna().mean() > 0.95


def test_sector_nps_ordering(data):
    for year in (2018, 2025):
        nps = {demo.SECTORS[code]: nps_points(
            column(data, "klantcontact", year, "nps")[
                column(data, "klantcontact", year, "sector") == code])
            for code in demo.SECTORS}
        ranking = sorted(nps, key=nps.get)
        assert set(ranking[:2]) == {"zorgverzekeraars", "overheid"}
        assert ranking[-1] == "e-commerce"
        assert -30 <= min(nps.values()) and max(nps.values()) <= 35
    energie = {year: nps_points(column(data, "klantcontact", year, "nps")[
        column(data, "klantcontact", year, "sector") == 2]) for year in (2021, 2022)}
    assert energie[2022] < energie[2021] - 5  # the 2022 energy-price dip


def test_fcr_and_relation_quotient_levels(data):
    for year in demo.YEARS:
        channel = column(data, "klantcontact", year, "channel")
        fcr = column(data, "klantcontact", year, "fcr")
        for code in (1, 3):  # telefoon, chat
            assert 0.62 <= (fcr[channel == code].dropna() == 1).mean() <= 0.80
        relation = column(data, "klantcontact", year, "relation").dropna()
        assert 0.70 <= relation.isin([1, 2]).mean() <= 0.80


def test_nps_and_csat_items_correlate(data):
    frame = pd.DataFrame({"nps": answered(column(data, "klantcontact", 2024, "nps")),
                          "csat": answered(column(data, "klantcontact", 2024, "csat"))}).dropna()
    assert 0.45 <= frame["nps"].corr(frame["csat"]) <= 0.75


def test_values_are_codes_with_some_missing(data):
    for year in demo.YEARS:
        nps = column(data, "klantcontact", year, "nps")
        assert set(nps.dropna().unique()) <= set(range(11)) | {99}
        assert 0.01 <= (nps == 99).mean() <= 0.08  # "weet niet / geen antwoord"
        assert 0.005 <= nps.isna().mean() <= 0.05   # left blank
        assert set(column(data, "klantcontact", year, "csat").dropna()) <= {1, 2, 3, 4, 5, 99}
        assert column(data, "klantcontact", year, "sector").notna().all()
        fte = column(data, "sectorscan", year, "avg_fte").dropna()
        assert (fte >= 0).all() and np.allclose(fte, fte.round(1))


# --------------------------------------------------------------------------------------------
# the weight
# --------------------------------------------------------------------------------------------
def test_cell_weights_reproduce_the_population_table(data):
    population = demo.POPULATION_AGE_REGION / demo.POPULATION_AGE_REGION.sum()
    for year in demo.YEARS:
        weight = column(data, "klantcontact", year, "weight")
        age = column(data, "klantcontact", year, "age_group").astype(int) - 1
        region = column(data, "klantcontact", year, "region").astype(int) - 1
        assert abs(weight.mean() - 1) < 1e-3
        assert 0.3 <= weight.min() and weight.max() <= 3.5
        weighted = np.zeros((4, 4))
        np.add.at(weighted, (age, region), weight)
        np.testing.assert_allclose(weighted / weight.sum(), population, atol=1e-4)
        # and the sample itself is not representative: the weights do some work
        unweighted = np.zeros((4, 4))
        np.add.at(unweighted, (age, region), 1.0)
        assert np.abs(unweighted / len(weight) - population).max() > 0.02


# --------------------------------------------------------------------------------------------
# fake personal data
# --------------------------------------------------------------------------------------------
def iban_checksum_ok(iban: str) -> bool:
    """ISO 13616 validation, written independently of the generator: move the first four
    characters to the end, letters to numbers (A=10 ... Z=35), the number mod 97 must be 1."""
    compact = iban.replace(" ", "")
    rearranged = compact[4:] + compact[:4]
    digits = "".join(str(ord(ch) - ord("A") + 10) if ch.isalpha() else ch for ch in rearranged)
    return int(digits) % 97 == 1


def test_known_iban_validates_and_fake_iban_is_marked():
    assert iban_checksum_ok("NL91 ABNA 0417 1643 00")  # the textbook example
    for account in (0, 123456789, 9999999999):
        iban = demo.fake_iban(account)
        assert re.fullmatch(r"NL\d{2} TEST \d{4} \d{4} \d{2}", iban)
        assert iban_checksum_ok(iban)


def test_personal_data_columns_are_synthetic(data):
    for year in demo.YEARS:
        frame = data["klantcontact", year]
        emails = frame["email"].dropna()
        assert 0.6 <= len(emails) / len(frame) <= 0.9
        assert emails.str.fullmatch(r"[a-z]+\.[a-z]+\d*@(voorbeeld\.nl|example\.com)").all()
        numbers = frame["klantnummer"]
        assert numbers.str.fullmatch(r"KN-\d{6}").all() and numbers.is_unique
        scan = data["sectorscan", year]
        contact = column(data, "sectorscan", year, "contact_email")
        assert contact.str.endswith(".voorbeeld.nl").all()
        assert column(data, "sectorscan", year, "contact_name").notna().all()
        assert len(scan.columns) == 10


def test_free_text_holds_some_personal_data(data):
    phone = r"(?:06-?\d{8}|\+31 6 \d{4} \d{4})"
    email = r"[a-z]+\.[a-z]+@voorbeeld\.nl"
    iban = r"NL\d{2} TEST \d{4} \d{4} \d{2}"
    name = r"[Mm]ijn naam is |t\.n\.v\. |groet "
    for year in demo.YEARS:
        text = column(data, "klantcontact", year, "toelichting").dropna()
        assert 0.35 <= len(text) / len(data["klantcontact", year]) <= 0.55
        kinds = {kind: text.str.contains(pattern) for kind, pattern in
                 {"phone": phone, "email": email, "iban": iban, "name": name}.items()}
        personal = pd.concat(kinds, axis=1).any(axis=1)
        assert 0.02 <= personal.mean() <= 0.08
        assert all(hits.any() for hits in kinds.values())
        for found in text.str.findall(iban).sum():
            assert iban_checksum_ok(found)


# --------------------------------------------------------------------------------------------
# the committed files are the generator's output
# --------------------------------------------------------------------------------------------
def comparable(frame: pd.DataFrame, user_missing: dict) -> pd.DataFrame:
    """Numbers as float64 (declared user-missing codes as NaN), texts as objects (blank = NaN)."""
    out = {}
    for name, values in frame.items():
        if pd.api.types.is_numeric_dtype(values):
            numbers = values.astype("float64")
            codes = (user_missing.get(name) or {}).get("values", [])
            out[name] = numbers.mask(numbers.isin(codes))
        else:
            text = values.astype(object)
            out[name] = text.where(text.notna() & (text != ""), None)
    return pd.DataFrame(out)


@pytest.mark.parametrize("survey", demo.SURVEYS)
def test_committed_files_equal_the_generator_output(survey, data):
    for year in demo.YEARS:
        path = SURVEYS / demo.file_name(survey, year)
        read = read_survey(path, personal_data="keep")   # the raw file, as generated
        generated = data[survey, year]
        assert list(read.columns) == list(generated.columns), path
        declared = read.attrs.get("missing_values") or {}
        expected = comparable(generated, declared)
        actual = comparable(read, {})
        pd.testing.assert_frame_equal(actual, expected, check_dtype=False, obj=str(path))


@pytest.mark.parametrize("survey", demo.SURVEYS)
def test_committed_definitions_equal_the_generator_output(survey, data):
    populations = ({year: data[survey, year].attrs["population"] for year in demo.YEARS}
                   if survey == "sectorscan" else None)
    expected = demo.definition_toml(survey, populations, demo.DEFAULT_SEED)
    assert (SURVEYS / f"{survey}.toml").read_text(encoding="utf-8") == expected


# --------------------------------------------------------------------------------------------
# file details
# --------------------------------------------------------------------------------------------
def test_sav_metadata_and_fixed_creation_stamp():
    import pyreadstat

    path = SURVEYS / "klantcontact_2021.sav"
    with open(path, "rb") as handle:
        header = handle.read(109)
    assert header[92:109] == b"01 Dec 2112:00:00"
    _, meta = pyreadstat.read_sav(path, metadataonly=True, user_missing=True)
    assert meta.missing_ranges["aanbevelen_0_10"] == [{"lo": 99.0, "hi": 99.0}]
    assert meta.variable_value_labels["sector"][3.0] == "financiële dienstverlening"
    assert meta.variable_value_labels["aanbevelen_0_10"][99.0] == demo.DONT_KNOW_LABEL
    assert meta.variable_measure["leeftijd"] == "ordinal"
    assert "synthetische demodata" in meta.file_label


def test_writers_do_not_embed_the_clock(tmp_path, data):
    for survey, year in (("sectorscan", 2017), ("sectorscan", 2020)):
        first, second = tmp_path / "a", tmp_path / "b"
        first.mkdir(exist_ok=True)
        second.mkdir(exist_ok=True)
        for folder in (first, second):
            demo._write_export(data[survey, year], survey, year,
                               folder / demo.file_name(survey, year))
        name = demo.file_name(survey, year)
        assert (first / name).read_bytes() == (second / name).read_bytes()
    with zipfile.ZipFile(first / "sectorscan_2020.xlsx") as package:
        assert {info.date_time for info in package.infolist()} == {(2020, 12, 1, 12, 0, 0)}
        core = package.read("docProps/core.xml").decode()
        assert core.count("2020-12-01T12:00:00Z") == 2


def test_csv_exports_are_dutch():
    windows = (SURVEYS / "klantcontact_2019.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        windows.decode("utf-8")
    text = windows.decode("cp1252")
    assert text.startswith("respnr;jaar;") and "\r\n" in text and "€" in text
    assert re.search(r";\d,\d{1,4};", text)  # weights with a decimal comma
    bom = (SURVEYS / "sectorscan_2022.csv").read_bytes()
    assert bom.startswith(b"\xef\xbb\xbf")
    assert re.search(r";\d+,\d;", bom.decode("utf-8-sig"))  # FTE with a decimal comma


def test_surveys_folder_stays_small():
    size = sum(p.stat().st_size for p in SURVEYS.iterdir() if p.is_file())
    assert size < 5_000_000
