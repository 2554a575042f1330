"""End to end: personal data seeded into a survey never reaches the rendered report.

The 2025 consumer file is replaced by a copy with extra columns (e-mail, phone, customer number,
IBAN) and identifiers written into the free-text answers. The report rendered from it must not
contain any of those strings, neither in the HTML nor in the executed notebook, while its
headline figures stay those of the clean survey.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from conftest import SURVEYS
from kirc import report
from kirc.report import content
from kirc.io import read_survey

#: kernels, browsers, Spark or a batch: outside the inner loop (pytest -m "not slow")
pytestmark = pytest.mark.slow


def _iban(bank: str, account: str) -> str:
    """A Dutch IBAN with valid ISO 13616 check digits (mod 97)."""
    digits = "".join(str(int(c, 36)) for c in bank + account + "NL00")
    return f"NL{98 - int(digits) % 97:02d}{bank}{account}"


SEEDED = {
    "e-mail": "pietje.puk.seeded@voorbeeld.nl",
    "phone": "06-98765432",
    "iban": _iban("ABNA", "0417164300"),
    "name": "Gerrit Zaaijer",
    "customer": "KN-909090",
}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("seeded")
    surveys = folder / "surveys"
    surveys.mkdir()
    for path in SURVEYS.iterdir():
        if path.suffix in {".sav", ".csv", ".xlsx", ".toml"}:
            shutil.copy(path, surveys / path.name)
    clean = read_survey(SURVEYS / "klantcontact_2025.sav", personal_data="keep")
    raw = clean.drop(columns=[c for c in ("email", "klantnummer") if c in clean])
    rng = np.random.default_rng(3)
    rows = len(raw)
    raw["e_mail_adres"] = [f"klant{i}@voorbeeld.nl" for i in range(rows)]
    raw.loc[0, "e_mail_adres"] = SEEDED["e-mail"]
    raw["telefoonnummer"] = [f"06-{rng.integers(10_000_000, 99_999_999)}" for _ in range(rows)]
    raw.loc[1, "telefoonnummer"] = SEEDED["phone"]
    raw["klantnr"] = [f"KN-{i:06d}" for i in range(rows)]
    raw.loc[2, "klantnr"] = SEEDED["customer"]
    raw["rekening"] = SEEDED["iban"]
    text = raw["toelichting"].astype(object)
    text.iloc[3] = f"Mijn naam is {SEEDED['name']}, bel {SEEDED['phone']}"
    text.iloc[4] = f"Stort het terug op {SEEDED['iban']} of mail {SEEDED['e-mail']}"
    raw["toelichting"] = text
    # As a Dutch CSV: codes, with 99 for "weet niet" (declared missing in the definition).
    raw.to_csv(surveys / "klantcontact_2025_seeded.csv", sep=";", decimal=",", index=False,
               encoding="utf-8-sig")
    definition = (surveys / "klantcontact.toml").read_text(encoding="utf-8")
    (surveys / "klantcontact.toml").write_text(
        definition.replace('"klantcontact_2025.sav"', '"klantcontact_2025_seeded.csv"'),
        encoding="utf-8")
    output = folder / "reports"
    result = report.render(years=[2025], survey=str(surveys / "klantcontact.toml"),
                           org_survey=str(surveys / "sectorscan.toml"), jobs=1, output=output,
                           progress=False, keep_notebooks=True)
    assert result.ok, result.summary()
    return output


def test_seeded_file_really_holds_the_identifiers(rendered):
    path = rendered.parent / "surveys" / "klantcontact_2025_seeded.csv"
    raw = path.read_text(encoding="utf-8-sig")
    for value in SEEDED.values():
        assert value in raw


def test_no_personal_data_in_html_or_executed_notebook(rendered):
    html = (rendered / "2025" / "alle-sectoren.html").read_text(encoding="utf-8")
    notebook = (rendered / "2025" / "alle-sectoren.ipynb").read_text(encoding="utf-8")
    for kind, value in SEEDED.items():
        assert value not in html, kind
        assert value not in notebook, kind
    assert "Persoonsgegevens uit de bronbestanden" in html
    for column in ("e_mail_adres", "telefoonnummer", "klantnr", "rekening"):
        assert f"<code>{column}</code>" in html, column


def test_analysis_frame_holds_no_identifiers_unless_asked(rendered):
    from kirc.survey.definition import load_survey
    definition = rendered.parent / "surveys" / "klantcontact.toml"
    protected = load_survey(definition, years=[2025]).to_csv()
    kept = load_survey(definition, years=[2025], personal_data="keep").to_csv()
    for kind, value in SEEDED.items():
        assert value not in protected, kind
    # the control: the identifiers in the free text are there when protection is switched off
    assert SEEDED["name"] in kept and SEEDED["iban"] in kept and SEEDED["e-mail"] in kept


def test_metrics_unchanged_by_the_seeded_columns(rendered):
    figures = json.loads((rendered / "2025" / "alle-sectoren" / "headline.json")
                         .read_text(encoding="utf-8"))["rows"]
    consumers, organisations = content.load_report_data("klantcontact", "sectorscan", 2025)
    clean = content.headline(consumers, organisations, 2025).set_index("metric")
    for row in figures:
        expected = clean.loc[row["metric"]]
        assert row["n"] == expected["n"], row["metric"]
        assert row["estimate"] == pytest.approx(expected["estimate"], abs=1e-6), row["metric"]
        assert row["ci_low"] == pytest.approx(expected["ci_low"], abs=1e-6), row["metric"]
