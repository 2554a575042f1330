"""A researcher's own survey, from export to rendered report, with no trace of the demo.

A fresh one-year Dutch CSV export with its own column names, "Ja"/"Nee" answers, "weet niet"
written out and a weight column: ``kirc init`` drafts the definition, ``kirc render
--survey eigen.toml`` (a relative path, run from the export's folder) renders it. The report's
figures are checked against a plain pandas computation.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

#: kernels, browsers, Spark or a batch: outside the inner loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def kirc(*args, cwd):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])}
    return subprocess.run([sys.executable, "-m", "kirc.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def plain_nps(frame: pd.DataFrame) -> float:
    """Weighted % promoters (9-10) minus % detractors (0-6), written out."""
    valid = frame.dropna(subset=["aanbeveling"])
    weight = valid["gewicht"]
    promoters = weight[valid["aanbeveling"] >= 9].sum() / weight.sum()
    detractors = weight[valid["aanbeveling"] <= 6].sum() / weight.sum()
    return 100 * (promoters - detractors)


def plain_share(frame: pd.DataFrame) -> float:
    valid = frame[frame["opgelost"].isin(["Ja", "Nee"])]
    return 100 * valid.loc[valid["opgelost"] == "Ja", "gewicht"].sum() / valid["gewicht"].sum()


def test_own_one_year_survey_renders_with_its_own_names_and_nothing_from_the_demo(tmp_path):
    rng = np.random.default_rng(2025)
    n = 400
    export = pd.DataFrame({
        "respondent": np.arange(1, n + 1),
        "afdeling": rng.choice(["Zakelijk", "Particulier", "Webwinkel"], n),
        "aanbeveling": rng.integers(0, 11, n),
        "tevredenheid": rng.integers(1, 6, n),
        "opgelost": rng.choice(["Ja", "Nee", "weet niet"], n, p=[0.6, 0.3, 0.1]),
        "gewicht": np.round(rng.uniform(0.5, 1.5, n), 3),
    })
    export.to_csv(tmp_path / "export_2025.csv", sep=";", index=False, decimal=",")

    done = kirc("init", "export_2025.csv", "--output", "eigen.toml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    done = kirc("render", "--survey", "eigen.toml", "--years", "2025", "--output", "uit",
                "--jobs", "1", "--no-progress", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "uit" / "2025" / "totaal.html").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", "", page,
                                                           flags=re.S)))

    # nothing from the demo: no organisation survey, no demo constructs or names
    for demo in ("AVG-gereed", "Klaar voor de AVG", "sectorscan", "Klantcontact", "chatbot",
                 "sector", "kanaal", "Leeftijd", "klantnummer"):
        assert demo not in text, demo
    # a one-year survey: no trend section, no change column
    assert "Ontwikkeling sinds" not in text and "Verandering t.o.v." not in text
    assert "Naar afdeling" in text

    # the figures are the plain computation's
    figures = json.loads((tmp_path / "uit" / "2025" / "totaal" / "headline.json").read_text())
    rows = {row["metric"]: row for row in figures["rows"]}
    assert rows["aanbeveling"]["estimate"] == pytest.approx(plain_nps(export), abs=1e-6)
    assert rows["opgelost"]["estimate"] == pytest.approx(plain_share(export), abs=1e-6)
    shown = f"{plain_nps(export):+.1f}".replace(".", ",").replace("-", "\u2212")
    assert shown in text
    from test_report_content import read_workbook      # the appendix, in the report's words
    cells = read_workbook(tmp_path / "uit" / "2025" / "totaal" / "figures.xlsx")
    for group, part in export.groupby("afdeling"):
        (row,) = [c for c in cells if c["section"] == "breakdown"
                  and c["metric"] == "opgelost" and c["group"] == group]
        assert row["estimate"] == pytest.approx(plain_share(part), abs=1e-6)
    index = (tmp_path / "uit" / "index.html").read_text(encoding="utf-8")
    assert "totaal" in index and "AVG" not in index


def test_three_years_with_a_questionnaire_revision_from_three_exports_to_a_trend(tmp_path):
    # 2022 and 2023 share a questionnaire; in 2024 two columns were renamed
    rng = np.random.default_rng(2024)
    exports = {}
    for year in (2022, 2023, 2024):
        n = 240
        frame = pd.DataFrame({
            "respondent": np.arange(1, n + 1) + 1000 * (year - 2000),
            "afdeling": rng.choice(["Zakelijk", "Particulier", "Webwinkel"], n),
            "aanbeveling": rng.integers(0, 11, n),
            "opgelost": rng.choice(["Ja", "Nee", "weet niet"], n, p=[0.55, 0.35, 0.1]),
            "gewicht": np.round(rng.uniform(0.5, 1.5, n), 3),
        })
        exports[year] = frame
        written = frame.rename(columns={"aanbeveling": "aanbevelen_0_10",
                                        "opgelost": "vraag_opgelost"}) if year == 2024 else frame
        written.to_csv(tmp_path / f"meting_{year}.csv", sep=";", index=False, decimal=",")

    done = kirc("init", "meting_2022.csv", "meting_2023.csv", "meting_2024.csv",
                "--output", "meting.toml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    draft = (tmp_path / "meting.toml").read_text(encoding="utf-8")
    assert "was 'aanbeveling' before" in draft and "was 'opgelost' before" in draft
    done = kirc("render", "--survey", "meting.toml", "--years", "2024", "--output", "uit",
                "--jobs", "1", "--no-progress", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "uit" / "2024" / "totaal.html").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", "", page,
                                                           flags=re.S)))
    # three years: a trend and a change from 2023; the revision is marked as a series break
    assert "Ontwikkeling sinds" in text and "Verandering t.o.v." in text
    assert "2024" in text and "vragenlijst" in text.lower()
    for demo in ("AVG-gereed", "Klaar voor de AVG", "sectorscan", "Klantcontact", "chatbot",
                 "kanaal"):
        assert demo not in text, demo
    figures = json.loads((tmp_path / "uit" / "2024" / "totaal" / "headline.json").read_text())
    rows = {row["metric"]: row for row in figures["rows"]}
    assert rows["aanbeveling"]["estimate"] == pytest.approx(plain_nps(exports[2024]), abs=1e-6)
    assert rows["opgelost"]["estimate"] == pytest.approx(plain_share(exports[2024]), abs=1e-6)
