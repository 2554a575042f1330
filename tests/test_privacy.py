"""Tests for kirc.privacy: detection, scrubbing, pseudonymisation, protect, small-cell rule.

Independent references used here:
* the elfproef and the ISO 7064 MOD 97-10 check digits are re-implemented below straight from
  their definitions (not via kirc) to generate valid BSNs and IBANs;
* the published example IBANs (ISO 13616 / SWIFT IBAN registry examples);
* HMAC-SHA256 values produced with OpenSSL 3 (commands pasted next to the values).
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from kirc.errors import ColumnError, ParameterError
from kirc.privacy import (KINDS, find_personal_data, is_valid_bsn, is_valid_iban, protect,
                          pseudonymise, scrub_text)

KEY = "sleutel-van-het-onderzoek-2025"


# ---------------------------------------------------------------------------------------------
# Independent helpers (written from the definitions, not from kirc.privacy)
# ---------------------------------------------------------------------------------------------

def elfproef(digits: str) -> bool:
    """9*d1 + 8*d2 + ... + 2*d8 - 1*d9 divisible by 11, not all zeros."""
    weights = [9, 8, 7, 6, 5, 4, 3, 2, -1]
    return digits != "000000000" and sum(w * int(d) for w, d in zip(weights, digits)) % 11 == 0


def valid_bsns(count: int, start: int = 100_000_000, step: int = 7_919) -> list[str]:
    found, candidate = [], start
    while len(found) < count:
        candidate += step
        if elfproef(str(candidate)):
            found.append(str(candidate))
    return found


def make_iban(country: str, bban: str) -> str:
    """ISO 7064 MOD 97-10: check digits = 98 - (bban + country + '00' as number) mod 97."""
    number = int("".join(str(int(c, 36)) for c in bban + country + "00"))
    return f"{country}{98 - number % 97:02d}{bban}"


def kinds_of(df: pd.DataFrame) -> dict:
    found = find_personal_data(df)
    return dict(zip(found["column"], found["kind"]))


# ---------------------------------------------------------------------------------------------
# Check digits
# ---------------------------------------------------------------------------------------------

def test_elfproef_examples_checked_by_hand():
    # 111222333: 9+8+7+12+10+8+9+6-3 = 66 = 6*11; 123456789: 147 = 13*11 + 4.
    assert elfproef("111222333") and not elfproef("123456789")
    assert is_valid_bsn("111222333")
    assert is_valid_bsn(111222333)
    assert is_valid_bsn("1112.22.333")
    assert not is_valid_bsn("123456789")
    assert not is_valid_bsn("000000000")
    assert not is_valid_bsn("11122233")      # 8 characters as text is not a BSN
    assert not is_valid_bsn(2021)
    assert not is_valid_bsn(True)


def test_elfproef_agrees_with_definition_on_many_numbers():
    numbers = [str(n) for n in range(100_000_000, 100_000_000 + 5_000)]
    assert [is_valid_bsn(n) for n in numbers] == [elfproef(n) for n in numbers]
    # About 1 in 11 random 9-digit numbers pass.
    assert 0.07 < np.mean([elfproef(n) for n in numbers]) < 0.11


@pytest.mark.parametrize("iban", ["NL91ABNA0417164300", "NL91 ABNA 0417 1643 00",
                                  "GB82 WEST 1234 5698 7654 32", "DE89370400440532013000",
                                  "BE68 5390 0754 7034", "FR14 2004 1010 0505 0001 3M02 606",
                                  "nl91abna0417164300"])
def test_published_example_ibans_are_valid(iban):
    assert is_valid_iban(iban)


@pytest.mark.parametrize("iban", ["NL91ABNA0417164301",      # last digit changed
                                  "NL19ABNA0417164300",      # check digits swapped
                                  "NL91ABNA041716430",       # too short for NL
                                  "DE8937040044053201300",   # too short for DE
                                  "NL91ABNA04171643AB"])     # NL bank account must be digits
def test_wrong_ibans_are_invalid(iban):
    assert not is_valid_iban(iban)


def test_generated_ibans_match_independent_check_digits():
    assert make_iban("NL", "ABNA0417164300") == "NL91ABNA0417164300"
    for account in range(100_000_000, 100_000_200):
        assert is_valid_iban(make_iban("NL", f"RABO0{account}"))


# ---------------------------------------------------------------------------------------------
# scrub_text
# ---------------------------------------------------------------------------------------------

def test_scrub_realistic_dutch_message():
    text = ("Goedemiddag, mijn naam is Jan de Vries en ik bel over mijn factuur. "
            "Mail naar jan.de.vries+kirc@post.example.co.uk of bel 06-12345678 "
            "(thuis 020-1234567). Mijn rekening is NL91 ABNA 0417 1643 00, "
            "BSN 111222333, postcode 1234 AB. Ik belde in 2019 en 2020 vanaf 192.168.1.10 "
            "en kreeg mevrouw Bakker aan de lijn.\nMet vriendelijke groet,\nPiet Jansen")
    expected = ("Goedemiddag, mijn naam is [naam] en ik bel over mijn factuur. "
                "Mail naar [e-mail] of bel [telefoon] "
                "(thuis [telefoon]). Mijn rekening is [iban], "
                "BSN [bsn], postcode [postcode]. Ik belde in 2019 en 2020 vanaf [ip] "
                "en kreeg mevrouw [naam] aan de lijn.\nMet vriendelijke groet,\n[naam]")
    assert scrub_text(text) == expected


@pytest.mark.parametrize("email", ["jan@example.nl", "j.de.vries@mail.example.co.uk",
                                   "jan+enquete@example.com", "Info_2@sub-domein.voorbeeld.nl"])
def test_scrub_email_with_subdomains_and_plus_addressing(email):
    assert scrub_text(f"stuur naar {email}.") == "stuur naar [e-mail]."


@pytest.mark.parametrize("phone", ["06-12345678", "06 12 34 56 78", "0612345678",
                                   "+31 6 1234 5678", "+31612345678", "0031 6 12345678",
                                   "+31 (0)6 12345678", "020-1234567", "010 123 4567",
                                   "(020) 123 4567", "0111-123456"])
def test_scrub_dutch_phone_numbers(phone):
    assert scrub_text(f"bel {phone} graag") == "bel [telefoon] graag"


@pytest.mark.parametrize("text", ["op 06-06-2023 12:30 gebeld", "0800-1234", "kost 12,50",
                                  "in 2017", "nummer 1234567", "om 10:30:00", "cijfer 0,87",
                                  "ordernummer 123456789"])
def test_scrub_leaves_non_identifiers(text):
    assert scrub_text(text) == text


def test_scrub_iban_before_phone_and_wrong_checksum_untouched():
    assert scrub_text("BE68 5390 0754 7034 naar mij") == "[iban] naar mij"
    # A wrong check digit: not an IBAN, and the digits inside are not a phone number either.
    assert scrub_text("NL91 ABNA 0417 1643 01") == "NL91 ABNA 0417 1643 01"


def test_scrub_bsn_only_when_elfproef_valid():
    assert scrub_text("bsn 111222333 en 123456789") == "bsn [bsn] en 123456789"
    assert scrub_text("bsn 1112.22.333") == "bsn [bsn]"


def test_scrub_postcode_rules():
    assert scrub_text("1234AB Utrecht") == "[postcode] Utrecht"
    assert scrub_text("1234 ab") == "[postcode]"                 # the whole cell
    assert scrub_text("in 2019 en 2020") == "in 2019 en 2020"    # not a postcode
    assert scrub_text("1234 SA") == "1234 SA"                    # SA, SD, SS are never used
    assert scrub_text("0123 AB") == "0123 AB"                    # no postcode starts with 0


def test_scrub_ip_addresses():
    assert scrub_text("van 10.0.0.1 en fe80::1.") == "van [ip] en [ip]."
    assert scrub_text("2001:db8:85a3::8a2e:370:7334") == "[ip]"
    assert scrub_text("256.1.1.1 is geen adres") == "256.1.1.1 is geen adres"


@pytest.mark.parametrize("text, expected", [
    ("Ik ben Sanne van den Berg en ik ben boos", "Ik ben [naam] en ik ben boos"),
    ("naam: jan jansen", "naam: [naam]"),
    ("Mijn naam is jan en ik wil opzeggen", "Mijn naam is [naam] en ik wil opzeggen"),
    ("ik heet Fatima El Amrani.", "ik heet [naam]."),
    ("Groetjes Anna", "Groetjes [naam]"),
    ("mvg, K. de Wit", "mvg, [naam]"),
    ("gesproken met dhr. J. de Vries", "gesproken met dhr. [naam]"),
    ("ik ben blij met de service", "ik ben blij met de service"),
    ("Piet was erg behulpzaam", "Piet was erg behulpzaam"),   # documented limitation
])
def test_scrub_names_introduced_by_phrases(text, expected):
    assert scrub_text(text) == expected


def test_scrub_series_keeps_missing_index_and_name():
    series = pd.Series(["mail a@b.nl", None, np.nan, "prima"], index=[10, 11, 12, 13],
                       name="toelichting")
    result = scrub_text(series)
    assert result.tolist()[0] == "mail [e-mail]" and result.tolist()[3] == "prima"
    assert result.isna().tolist() == [False, True, True, False]
    assert list(result.index) == [10, 11, 12, 13] and result.name == "toelichting"
    assert series.tolist()[0] == "mail a@b.nl"   # input untouched


def test_scrub_series_mixed_object_and_categorical():
    mixed = pd.Series(["bel 0612345678", 5, None], dtype=object)
    assert scrub_text(mixed).tolist()[:2] == ["bel [telefoon]", 5]
    categorical = pd.Series(["a@b.nl", "prima", "a@b.nl"], dtype="category")
    assert scrub_text(categorical).tolist() == ["[e-mail]", "prima", "[e-mail]"]
    assert scrub_text(None) is None
    assert np.isnan(scrub_text(np.nan))
    with pytest.raises(ParameterError):
        scrub_text(12)


def test_series_scrub_equals_scrubbing_each_string():
    texts = ["1234 ab", "  5678CD ", "Mijn naam is Jan", "bel 0612345678", "prima",
             "naam: piet\nGroetjes Kees", "1234 ab en meer", "a@b.nl", "", "x\x00y 1234 ab",
             "NL91 ABNA 0417 1643 00", "ik ben Sanne", "2001:db8::1", "111222333", "1234 ab"]
    series = pd.Series(texts, dtype=object)
    assert scrub_text(series).tolist() == [scrub_text(t) for t in texts]
    assert scrub_text(series).tolist()[:2] == ["[postcode]", "  [postcode] "]
    assert scrub_text(series)[6] == "1234 ab en meer"            # lower case inside a sentence


def test_scrub_keeps_string_dtype():
    series = pd.Series(["mail a@b.nl", None], dtype="string")
    result = scrub_text(series)
    assert result.dtype == series.dtype and result[0] == "mail [e-mail]" and pd.isna(result[1])


# ---------------------------------------------------------------------------------------------
# find_personal_data
# ---------------------------------------------------------------------------------------------

N = 60
RNG = np.random.default_rng(20250101)


def test_find_by_content():
    df = pd.DataFrame({
        "c1": [f"klant{i}@mail.example.nl" for i in range(N)],
        "c2": [f"06-{12345600 + i}" for i in range(N)],
        "c3": [make_iban("NL", f"INGB0{100000000 + i}") for i in range(N)],
        "c4": valid_bsns(N),
        "c5": [f"{1000 + 7 * i} BC" for i in range(N)],
        "c6": [f"192.168.0.{i}" for i in range(N)],
        "c7": [int(b) for b in valid_bsns(N)],
        "c8": RNG.integers(600_000_000, 699_999_999, N),
    })
    found = find_personal_data(df)
    assert dict(zip(found["column"], found["kind"])) == {
        "c1": "e-mail", "c2": "phone", "c3": "iban", "c4": "bsn", "c5": "postcode", "c6": "ip",
        "c7": "bsn", "c8": "phone"}
    assert set(found["evidence"]) == {"content"}
    assert found["matches"].tolist() == [N] * 8
    assert set(found["kind"]) <= set(KINDS)


def test_find_by_name_dutch_and_english():
    names = {"E-mailadres": "e-mail", "emailAddress": "e-mail", "naam": "name",
             "Achternaam": "name", "first_name": "name", "contactpersoon": "name",
             "telefoon": "phone", "GSM": "phone", "postcode": "postcode", "zip": "postcode",
             "adres": "address", "straat": "address", "huisnummer": "address",
             "woonplaats": "address", "ip_adres": "ip", "IPAddress": "ip",
             "klantnummer": "customer-number", "klant_id": "customer-number",
             "customerID": "customer-number", "polisnummer": "customer-number",
             "iban": "iban", "rekeningnummer": "iban", "bsn": "bsn",
             "burgerservicenummer": "bsn", "RecipientLastName": "name",
             "ExternalReference": "customer-number", "ipaddr": "ip", "token": "customer-number",
             "IP Address": "ip", "Email Address": "e-mail"}
    df = pd.DataFrame({col: [f"waarde {col} {i}" for i in range(N)] for col in names})
    found = find_personal_data(df)
    assert dict(zip(found["column"], found["kind"])) == names
    assert set(found["evidence"]) == {"name"}
    assert found["matches"].tolist() == [N] * len(names)


def test_no_false_positives_on_ordinary_survey_columns():
    df = pd.DataFrame({
        "id": [str(100_000_000 + i) for i in range(N)],       # 1 in 11 pass the elfproef
        "year": RNG.integers(2017, 2026, N),
        "sector": RNG.choice(["banken", "zorgverzekeraars", "energie"], N),
        "type": RNG.choice(["a", "b"], N),
        "relation": RNG.integers(0, 2, N).astype(float),
        "nps": RNG.integers(0, 11, N),
        "csat": RNG.integers(1, 6, N).astype(float),
        "weight": RNG.random(N).round(2),
        "gewicht_kg": RNG.uniform(0.5, 1.5, N).round(2),
        "prijs": [f"{x:.2f}".replace(".", ",") for x in RNG.random(N) * 100],
        "code": [str(x) for x in RNG.integers(1000, 9999, N)],  # 4 digits: no postcode
        "volgnummer_9": [str(x) for x in RNG.integers(100_000_000, 999_999_999, N)],
        "bedrag_9": RNG.integers(100_000_000, 999_999_999, N),
        "foutief": ["NL91ABNA041716430" + str((i % 9) + 1) for i in range(N)],
        "naam_organisatie": RNG.choice(["KPN", "ING", "Eneco"], N),
        "tip": RNG.choice(["bel eerder terug", "sneller"], N),
        "mail_optin": RNG.choice(["ja", "nee"], N),
        "tel_csat": RNG.integers(1, 6, N),
        "Hoe tevreden bent u over de e-mail?": RNG.integers(1, 6, N),
        "Hoe tevreden bent u over de telefonist(e)?": RNG.choice(["tevreden", "neutraal"], N),
        "tel_tevreden": pd.Categorical(RNG.choice(["tevreden", "neutraal"], N)),
        "kanaal_telefoon": RNG.choice([True, False], N),
        "datum": pd.date_range("2024-01-01", periods=N).astype(str),
    })
    assert sum(elfproef(x) for x in df["id"]) >= 5     # some sequential ids pass the elfproef
    assert find_personal_data(df).empty


def test_bsn_column_needs_most_rows_to_pass():
    passing = valid_bsns(10)
    failing = [str(int(b) + 1) for b in passing]                  # +1 breaks the elfproef
    assert not any(elfproef(x) for x in failing)
    assert kinds_of(pd.DataFrame({"x": passing})) == {"x": "bsn"}
    assert kinds_of(pd.DataFrame({"x": passing[:2] + failing})) == {}
    numeric = pd.DataFrame({"x": [int(b) for b in passing[:9]] + [123456789]})
    assert kinds_of(numeric) == {"x": "bsn"}                       # 9 of 10 pass


def test_wrong_iban_checksum_not_flagged_as_iban():
    wrong = [make_iban("NL", f"ABNA0{417164300 + i}") for i in range(N)]
    wrong = [w[:2] + f"{(int(w[2:4]) + 1) % 97 + 2:02d}" + w[4:] for w in wrong]
    assert not any(is_valid_iban(w) for w in wrong)
    assert kinds_of(pd.DataFrame({"rek": wrong})) == {}


def test_free_text_column_flagged_when_any_cell_matches():
    answers = [f"Antwoord nummer {i} over de wachttijd aan de telefoon" for i in range(N)]
    answers[7] = "Bel me terug op 06 12 34 56 78 alstublieft"
    found = find_personal_data(pd.DataFrame({"toelichting": answers}))
    assert found.to_dict("records") == [{"column": "toelichting", "kind": "free-text",
                                         "matches": 1, "examined": N, "evidence": "content"}]
    clean = find_personal_data(pd.DataFrame({"toelichting": answers[:7]}))
    assert clean.empty


def test_name_and_content_evidence_and_sample():
    df = pd.DataFrame({"email": [f"p{i}@x.nl" for i in range(5000)]})
    found = find_personal_data(df, sample=100)
    assert found.loc[0, "evidence"] == "name+content"
    assert found.loc[0, "examined"] == 100 and found.loc[0, "matches"] == 100
    assert find_personal_data(df, sample=None).loc[0, "examined"] == 5000
    with pytest.raises(ParameterError):
        find_personal_data(df, sample=0)
    with pytest.raises(ParameterError):
        find_personal_data([1, 2])


def test_identifiers_in_a_categorical_column():
    df = pd.DataFrame({"contact": pd.Categorical([f"k{i}@x.nl" for i in range(10)])})
    assert kinds_of(df) == {"contact": "e-mail"}


def test_sentences_around_identifiers_are_text_not_identifier_columns():
    # Only three distinct answers (not "varied"), a third of them with a phone number in a
    # sentence: the column is scrubbed as text, not dropped as a phone column.
    answers = ["prima geholpen", "bel mij op 0612345678 aub", "te lang gewacht"] * 20
    assert kinds_of(pd.DataFrame({"toelichting": answers})) == {"toelichting": "free-text"}
    bare = ["0612345678", "06 87654321", "geen"] * 20
    assert kinds_of(pd.DataFrame({"contact": bare})) == {"contact": "phone"}


def test_names_of_a_few_employees_and_numeric_identifier_names():
    df = pd.DataFrame({
        "naam_medewerker": ["Piet", "Anna", "Kees", "Piet"] * 15,   # few, repeated: still names
        "postcode": RNG.integers(1000, 9999, N),                     # PC4 as numbers
        "klantnummer": np.arange(100_000, 100_000 + N),
        "Welke medewerker (naam) hielp u?": ["Piet", "Anna"] * 30,  # question, few answers
        "LocationLatitude": RNG.uniform(51, 53, N).round(4),         # Qualtrics default field
    })
    found = find_personal_data(df)
    assert dict(zip(found["column"], found["kind"])) == {
        "naam_medewerker": "name", "postcode": "postcode", "klantnummer": "customer-number",
        "LocationLatitude": "address"}


def test_odd_frames():
    assert find_personal_data(pd.DataFrame()).empty
    assert list(find_personal_data(pd.DataFrame()).columns) == [
        "column", "kind", "matches", "examined", "evidence"]
    # An all-empty column holds nothing to protect; a column label need not be a string.
    empty_email = pd.DataFrame({"email": [np.nan, np.nan], 0: ["a@b.nl", "c@d.nl"]})
    found = find_personal_data(empty_email)
    assert found["column"].tolist() == [0] and found["matches"].tolist() == [2]
    mixed = pd.DataFrame({"x": pd.Series([111222333, "123456782", 3.5, None], dtype=object)})
    assert kinds_of(mixed) == {"x": "bsn"}


# ---------------------------------------------------------------------------------------------
# pseudonymise
# ---------------------------------------------------------------------------------------------

def test_pseudonym_is_hmac_sha256_of_normalised_value():
    # OpenSSL 3, with K=sleutel-van-het-onderzoek-2025:
    # printf '%s' "jan.jansen@example.nl" | openssl dgst -sha256 -hmac "$K"
    #   SHA2-256(stdin)= dda19720008f8de9536c354bbc66b828a17f4821275cbaa70d70ea8237a92ab4
    # printf '%s' "0612345678" | openssl dgst -sha256 -hmac "$K"
    #   SHA2-256(stdin)= 016b987e0778513635c9199068012d5a0bd9581df89edb571601dcbecfc5d012
    # printf '%s' "123456" | openssl dgst -sha256 -hmac "$K"
    #   SHA2-256(stdin)= 3f86881f976d16889be4938a2513ab052b6bcf6fd581b5f1dbdf0f1b81570202
    result = pseudonymise([" Jan.Jansen@Example.NL", "+31 6 1234 5678", 123456.0], KEY)
    assert result.tolist() == ["p_dda19720008f8de9", "p_016b987e07785136", "p_3f86881f976d1688"]
    full = pseudonymise(["0612345678"], KEY.encode(), prefix="", length=64)
    assert full[0] == "016b987e0778513635c9199068012d5a0bd9581df89edb571601dcbecfc5d012"


def test_pseudonymise_deterministic_and_key_dependent():
    values = pd.Series(["06-12345678", "0612345678", "+31612345678", "jan@x.nl", None, "  "],
                       index=list("abcdef"), name="telefoon")
    first = pseudonymise(values, KEY)
    again = pseudonymise(values, KEY)
    other = pseudonymise(values, KEY + "-anders")
    pd.testing.assert_series_equal(first, again)
    assert first["a"] == first["b"] == first["c"]                  # one person, one pseudonym
    assert first["a"] != first["d"]
    assert first[["e", "f"]].isna().all()
    assert (first[:4] != other[:4]).all()
    assert list(first.index) == list("abcdef") and first.name == "telefoon"
    text = first.to_csv()
    for raw in ["12345678", "jan@x.nl", "jan"]:
        assert raw not in text


@pytest.mark.parametrize("key", [None, "kort", b"15-bytes-sleutl", 12345678901234567890])
def test_pseudonymise_refuses_missing_or_short_key(key):
    with pytest.raises(ParameterError):
        pseudonymise(["a"], key)


def test_pseudonymise_bad_arguments():
    with pytest.raises(ParameterError):
        pseudonymise(["a"], KEY, length=4)
    with pytest.raises(ParameterError):
        pseudonymise("abc", KEY)


# ---------------------------------------------------------------------------------------------
# protect
# ---------------------------------------------------------------------------------------------

def survey_frame(n: int = 80) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    first = ["Jan", "Sanne", "Mohammed", "Fleur", "Pieter", "Anouk", "Daan", "Lotte"]
    last = ["Jansen", "de Vries", "Bakker", "van den Berg", "Visser", "Smit", "Meijer", "Bos"]
    names = [f"{first[i % 8]} {last[(3 * i) % 8]}" for i in range(n)]
    emails = [f"{first[i % 8].lower()}.{i}@klant-mail.example.nl" for i in range(n)]
    phones = [f"06-{20000000 + 37 * i}" for i in range(n)]
    ibans = [make_iban("NL", f"RABO0{300000000 + 11 * i}") for i in range(n)]
    comments = []
    for i in range(n):
        kind = i % 5
        if kind == 0:
            comments.append(f"Mijn naam is {names[i]}, mail me op {emails[i]} a.u.b.")
        elif kind == 1:
            comments.append(f"Bel mij terug op {phones[i]}, de wachttijd was veel te lang")
        elif kind == 2:
            comments.append(f"Het geld moest naar {ibans[i]} maar kwam niet aan")
        elif kind == 3:
            comments.append(f"Prima geholpen door de medewerker.\nGroetjes {names[i]}")
        else:
            comments.append("Snel en vriendelijk geholpen, niets op aan te merken")
    df = pd.DataFrame({
        "id": [f"R{i:04d}" for i in range(n)],
        "year": np.repeat([2024, 2025], n // 2),
        "sector": rng.choice(["banken", "energie", "telecom"], n),
        "nps": rng.integers(0, 11, n).astype(float),
        "klantnummer": [f"K{500000 + i}" for i in range(n)],
        "contactpersoon": names,
        "E-mailadres": emails,
        "telefoon": phones,
        "rekening": ibans,
        "toelichting": comments,
    })
    df.attrs = {"source": "enquete.sav",
                "variable_labels": {c: f"label {c}" for c in df.columns},
                "value_labels": {"klantnummer": {"K500000": "test"},
                                 "sector": {"banken": "Banken"}},
                "measure_levels": {"nps": "scale", "telefoon": "nominal"}}
    seeded = {"names": names, "emails": emails, "phones": phones, "ibans": ibans,
              "customer": list(df["klantnummer"])}
    return df, seeded


def all_seeded_strings(seeded):
    strings = []
    for key, values in seeded.items():
        strings += values
        if key == "ibans":
            strings += [" ".join(v[i:i + 4] for i in range(0, len(v), 4)) for v in values]
        if key == "phones":
            strings += [v.replace("-", "") for v in values]
        if key == "names":
            strings += [v.split()[-1] for v in values]            # surnames alone
    return strings


def test_protect_drop_removes_every_seeded_identifier():
    df, seeded = survey_frame()
    before = df.copy(deep=True)
    attrs_before = copy.deepcopy(df.attrs)
    safe = protect(df)
    assert list(safe.columns) == ["id", "year", "sector", "nps", "toelichting"]
    text = safe.to_csv()
    leaked = [s for s in all_seeded_strings(seeded) if s in text]
    assert leaked == []
    # the input is not mutated, attrs included
    pd.testing.assert_frame_equal(df, before)
    assert df.attrs == attrs_before
    # what was done is on record, and the labels of dropped columns are gone
    actions = {d["column"]: (d["kind"], d["action"]) for d in safe.attrs["personal_data"]}
    assert actions == {"klantnummer": ("customer-number", "dropped"),
                       "contactpersoon": ("name", "dropped"),
                       "E-mailadres": ("e-mail", "dropped"),
                       "telefoon": ("phone", "dropped"),
                       "rekening": ("iban", "dropped"),
                       "toelichting": ("free-text", "scrubbed")}
    scrubbed = next(d for d in safe.attrs["personal_data"] if d["column"] == "toelichting")
    assert scrubbed["n_replaced"] == 64                          # 4 of every 5 comments
    assert set(safe.attrs["variable_labels"]) == {"id", "year", "sector", "nps", "toelichting"}
    assert safe.attrs["value_labels"] == {"sector": {"banken": "Banken"}}
    assert safe.attrs["measure_levels"] == {"nps": "scale"}
    assert safe.attrs["source"] == "enquete.sav"
    assert safe.loc[0, "toelichting"] == "Mijn naam is [naam], mail me op [e-mail] a.u.b."
    assert safe.loc[4, "toelichting"] == df.loc[4, "toelichting"]


def test_protect_pseudonymise_keeps_linkable_columns():
    df, seeded = survey_frame()
    safe = protect(df, mode="pseudonymise", key=KEY)
    assert list(safe.columns) == list(df.columns)
    assert safe["klantnummer"].str.match(r"^p_[0-9a-f]{16}$").all()
    assert safe["klantnummer"].nunique() == df["klantnummer"].nunique()
    pd.testing.assert_series_equal(safe["telefoon"], pseudonymise(df["telefoon"], KEY))
    text = safe.to_csv()
    assert [s for s in all_seeded_strings(seeded) if s in text] == []
    actions = {d["column"]: d["action"] for d in safe.attrs["personal_data"]}
    assert actions["klantnummer"] == "pseudonymised" and actions["toelichting"] == "scrubbed"
    assert "klantnummer" not in safe.attrs["value_labels"]      # codes no longer exist
    assert "klantnummer" in safe.attrs["variable_labels"]
    # A second call (reader, then harmonised frame) does not hash the pseudonyms again.
    twice = protect(safe, mode="pseudonymise", key=KEY)
    pd.testing.assert_series_equal(twice["klantnummer"], safe["klantnummer"])
    assert len(twice.attrs["personal_data"]) == len(safe.attrs["personal_data"])


def test_protect_keep_is_an_explicit_opt_out():
    df, _ = survey_frame()
    kept = protect(df, mode="keep")
    pd.testing.assert_frame_equal(kept, df)
    assert {d["action"] for d in kept.attrs["personal_data"]} == {"kept"}
    assert len(kept.attrs["personal_data"]) == 6
    assert "personal_data" not in df.attrs


def test_protect_text_columns_override_name():
    df = pd.DataFrame({"opmerking_telefoon": ["bel 0612345678 terug", "te lang in de wacht"],
                       "nps": [3, 8]})
    assert protect(df).columns.tolist() == ["nps"]                 # the name says phone
    safe = protect(df, text_columns=["opmerking_telefoon"])
    assert safe["opmerking_telefoon"].tolist() == ["bel [telefoon] terug", "te lang in de wacht"]
    assert safe.attrs["personal_data"] == [{"column": "opmerking_telefoon", "kind": "free-text",
                                            "matches": 1, "action": "scrubbed",
                                            "n_replaced": 1}]


def test_protect_scrubs_text_columns_beyond_the_sample():
    answers = [f"Antwoord {i}: de wachttijd was te lang" for i in range(3000)]
    answers[1] = "mail me: a@b.nl"          # not in an evenly spread sample of 10
    safe = protect(pd.DataFrame({"toelichting": answers}), sample=10)
    assert safe.loc[1, "toelichting"] == "mail me: [e-mail]"
    assert safe.attrs["personal_data"][0]["n_replaced"] == 1


def test_protect_leaves_clean_frames_alone():
    df = pd.DataFrame({"id": ["a", "b"], "year": [2024, 2025], "nps": [7.0, 9.0]})
    safe = protect(df)
    pd.testing.assert_frame_equal(safe, df)
    assert safe.attrs["personal_data"] == []


def test_protect_cleans_column_keyed_attrs_of_both_frame_kinds():
    df = pd.DataFrame({"id": ["a", "b"], "email": ["a@b.nl", "c@d.nl"], "q1": [1, 2],
                       "q2": [0, 1]})
    df.attrs = {"missing_counts": {2024: {"email": {"leeg": 1}, "q1": {"9": 2}},
                                   "q2": {"email": 3}},
                "constructs": {"email": {"type": "text"}, "q1": {"type": "rating"}},
                "mr_sets": {"$kanalen": {"variables": ["email", "q1", "q2"]}},
                "weight": None}
    safe = protect(df)
    assert safe.attrs["missing_counts"] == {2024: {"q1": {"9": 2}}, "q2": {"email": 3}}
    assert safe.attrs["constructs"] == {"q1": {"type": "rating"}}
    assert safe.attrs["mr_sets"]["$kanalen"]["variables"] == ["q1", "q2"]
    assert df.attrs["mr_sets"]["$kanalen"]["variables"] == ["email", "q1", "q2"]


def test_protect_object_columns_with_mixed_values():
    df = pd.DataFrame({"toelichting": pd.Series(["bel 0612345678 op", 12, None,
                                                 "heel tevreden over alles"], dtype=object)})
    safe = protect(df)
    assert safe["toelichting"].tolist()[:2] == ["bel [telefoon] op", 12]
    assert safe["toelichting"].isna().tolist() == [False, False, True, False]


def test_protect_chunks_with_the_findings_of_the_first_chunk():
    df, seeded = survey_frame()
    plan = find_personal_data(df.iloc[:40])
    late = df.iloc[40:].copy()
    late.loc[late.index[:3], "nps"] = np.nan
    late["contactpersoon"] = None                 # nothing left to detect in this chunk
    late["sector"] = late["sector"].where(late.index != 45, "mail: x@y.nl")
    chunks = [protect(df.iloc[:40], findings=plan), protect(late, findings=plan)]
    assert list(chunks[0].columns) == list(chunks[1].columns) == [
        "id", "year", "sector", "nps", "toelichting"]
    assert chunks[1].loc[45, "sector"] == "mail: [e-mail]"      # scrubbed, not dropped
    with pytest.raises(ParameterError):
        protect(df, findings=pd.DataFrame({"x": [1]}))


def test_protect_bad_arguments():
    df, _ = survey_frame(10)
    with pytest.raises(ParameterError):
        protect(df, mode="verwijder")
    with pytest.raises(ParameterError):
        protect(df, mode="pseudonymise")
    with pytest.raises(ParameterError):
        protect(df, mode="pseudonymise", key="kort")
    with pytest.raises(ColumnError):
        protect(df, text_columns=["bestaat_niet"])
