"""The methods note says how changes are tested, as the surveys' designs test them."""

from __future__ import annotations

import pandas as pd

import kirc
from kirc.report import content


def frame(**columns) -> pd.DataFrame:
    return pd.DataFrame({"year": [2024] * 40 + [2025] * 40, "ok": [1, 0] * 40,
                         "id": list(range(40)) * 2, **columns})


def change_line(consumers, organisations=None, language="nl") -> str:
    note = content.methods_note(consumers, organisations, language=language)
    return next(line for line in note.splitlines() if line.startswith("- Verander")
                or line.startswith("- Change"))


def test_an_unweighted_sample_names_the_count_based_tests():
    line = change_line(kirc.as_survey(frame(), kirc.Design()))
    assert "score-toets" in line and "Respondenten van verschillende jaren" in line
    assert "herhaalde metingen" not in line


def test_a_weighted_survey_and_returning_organisations_say_so():
    consumers = kirc.as_survey(frame(w=[1.0, 2.0] * 40), kirc.Design(weights="w"))
    organisations = kirc.as_survey(frame(), kirc.Design(linked="id"))
    line = change_line(consumers, organisations)
    assert "steekproefontwerp" in line and "score-toets" not in line
    assert "Respondenten van verschillende jaren zijn aparte steekproeven" in line
    assert "Organisaties die in beide jaren antwoordden" in line and "Tam 1984" in line
    english = change_line(consumers, organisations, language="en")
    assert "repeated measurements" in english and "survey design" in english
