"""The one catalogue of report texts, in Dutch and English.

Every word a report, its index or the batch summary shows comes from here, so that a
report in English has no Dutch left in it and the two languages cannot drift apart.
"""

from __future__ import annotations

from ..errors import ParameterError

LANGUAGES = ("nl", "en")

LABELS = {
    "nl": {
        "nps": "Net Promoter Score (NPS)",
        "csat": "Klanttevredenheid (CSAT, % tevreden)",
        "csat_mean": "Gemiddelde tevredenheid (1–5)",
        "chatbot_success": "Succesratio chatbot",
        "fcr": "Opgelost bij eerste contact (FCR)",
        "relation": "Relatie Quotiënt",
        "avg_ready": "Klaar voor de AVG (organisaties)",
        "staff_prepared": "Contactmedewerkers voorbereid op de AVG",
        "metric": "Indicator", "estimate": "Uitkomst", "interval": "95%-betrouwbaarheidsinterval",
        "n": "n", "n_eff": "n_eff", "change": "Verandering t.o.v. vorig jaar", "points": "punten",
        "interval_short": "95%-interval",
        "pp_words": "procentpunt",
        "suppressed": "onderdrukt", "all": "alle sectoren", "all_generic": "totaal", "sector": "Sector",
        "channel": "Kanaal", "year": "Jaar", "age_group": "Leeftijd", "significant": "significant",
        "not_significant": "niet significant", "no_previous": "geen vorig jaar",
        "rose": "steeg", "fell": "daalde", "stayed": "bleef gelijk op", "was": "was",
        "rise": "stijging", "fall": "daling",
        "a_significant": "een significante {}", "not_a_significant": "geen significante {}",
        "change_sentence": "{subject} {verb} met {amount} tot {now} in {year}, {judgement}.",
        "long_sentence": "Sinds {first_year} {verb} {subject} van {first} naar {now} in {year} "
                         "(significant).",
        "break_clause": "; de vragenlijst is in {year} herzien, dus een deel van die "
                        "verandering kan aan de herziening liggen",
        "no_change": "Geen van de {count} indicatoren veranderde significant ten opzichte van "
                     "{previous}.",
        "key_messages": "Belangrijkste uitkomsten", "contents": "Inhoud",
        "headline": "Kerncijfers", "trends": "Ontwikkeling sinds het eerste jaar",
        "trend_table": "Uitkomst per jaar", "breakdown": "Uitsplitsingen",
        "composition": "Samenstelling van de NPS", "drivers": "Wat bepaalt de tevredenheid?",
        "methods": "Verantwoording",
        "downloads": "De cijfers van dit rapport als bestand", "by": "naar",
        "complementary": "aanvullend onderdrukt",
        "significance_caption": "Verschillen tussen groepen naar {by}, {year}",
        "significance_note": ("Een letter achter een uitkomst noemt de groepen waar die uitkomst "
                              "significant hoger is (95%, Bonferroni-correctie over de paren; "
                              "de toetsen houden rekening met de weging). Onderdrukte groepen (–) "
                              "worden niet getoetst."),
        "significance_link": "welke groepen verschillen",
        "nps_groups": ("criticasters (0–6)", "passieven (7–8)", "promotors (9–10)"),
        "total": "totaal", "series_break": "nieuwe vragenlijst",
        "gap_note": "Niet getoond (te weinig antwoorden): {items}.",
        "break_note": "Een stippellijn markeert een nieuwe vragenlijst ({years}): cijfers vóór "
                      "en na die lijn zijn mogelijk niet helemaal vergelijkbaar.",
        "trend_alt": "Lijndiagrammen per indicator, {first}–{last}, met 95%-intervallen: {items}.",
        "trend_alt_item": "{label} van {start} ({start_year}) naar {end} ({end_year})",
        "trend_alt_gaps": " Ontbrekende punten zijn onderdrukt: {items}.",
        "forest_alt": "Puntdiagram van {label} {by} in {year} met 95%-intervallen, van hoog naar "
                      "laag: {items}. Gestreepte lijn: {total_word} {total}.",
        "forest_alt_hidden": " Onderdrukt: {items}.",
        "composition_alt": "Gestapelde staven per {by} in {year}: aandeel criticasters, "
                           "passieven en promotors in procenten: {items}.",
        "composition_item": "{group} {det}% / {pas}% / {pro}%",
        "axis_points": "NPS (punten, −100 tot +100)", "axis_percent": "procent",
        "axis_score": "gemiddelde score", "axis_share": "aandeel (%)",
        "what": "Wat het meet", "base": "Basis (wie is gevraagd)", "unit": "Eenheid",
        "metric_nps": "Percentage promotors (9–10) min percentage criticasters (0–6) op "
                      "'{construct}'.",
        "metric_share": "aandeel positieve antwoorden op '{construct}'",
        "metric_top_box": "Aandeel antwoorden in de bovenste {top} van de schaal van "
                          "'{construct}'.",
        "metric_mean": "Gemiddelde score op '{construct}'.",
        "base_all": "alle {unit} met een geldig antwoord",
        "units": {"respondenten": "respondenten", "organisaties": "organisaties"},
        "positive_codes": "(telt als positief: code {codes}).",
        "unit_points": "NPS-punten (−100 tot +100)", "unit_percent": "procent",
        "unit_score": "gemiddelde op de schaal",
        "definitions": "Definities van de indicatoren",
        "survey": "Onderzoek", "questionnaire": "Vragenlijst", "fieldwork": "Veldwerk",
        "fieldwork_year": "{year} (periode niet vastgelegd in de definitie)",
        "responses": "Respondenten", "response_rate": "Respons",
        "n_range": "n per indicator", "n_eff_range": "n_eff per indicator",
        "fieldwork_title": "Veldwerk en respons", "unknown": "onbekend",
        "method_heading": "Methode",
        "m_intervals": "Ongewogen percentages krijgen een 95%-betrouwbaarheidsinterval volgens "
                       "Wilson, de NPS krijgt {nps}. Gewogen cijfers krijgen intervallen uit de "
                       "variantie van het steekproefontwerp (Taylor-linearisatie, zoals R's "
                       "survey-pakket): percentages volgens Korn en Graubard, de NPS met het "
                       "score-interval van Tango, op de effectieve steekproefomvang van het "
                       "ontwerp en met de t-verdeling; beide gekozen in een dekkingsstudie. "
                       "Gemiddelden krijgen een t-interval.",
        "m_changes": "Veranderingen (t.o.v. het vorige jaar en sinds het eerste jaar): de "
                     "score-toets van twee aandelen met het interval dat hem omkeert (aandelen), "
                     "MOVER met score-intervallen (NPS) en Welch (gemiddelden); toets en "
                     "interval komen uit dezelfde methode, dus ze spreken elkaar nooit tegen. "
                     "Significant bij p < 0,05.",
        "m_changes_design": "Veranderingen (t.o.v. het vorige jaar en sinds het eerste jaar): "
                            "het verschil met zijn standaardfout uit het steekproefontwerp "
                            "(weging, strata; Taylor-linearisatie zoals R's survey), getoetst "
                            "met de t-verdeling; toets en interval spreken elkaar nooit tegen. "
                            "Significant bij p < 0,05.",
        "m_years_independent": "Respondenten van verschillende jaren zijn aparte steekproeven.",
        "m_years_linked": "Organisaties die in beide jaren antwoordden, tellen als herhaalde "
                          "metingen: de samenhang van hun antwoorden gaat in de standaardfout "
                          "van de verandering (Tam 1984).",
        "m_weighted": "Cijfers zijn gewogen met de weegfactor van het onderzoek; de effectieve "
                      "n is de effectieve steekproefomvang van Kish, (Σw)²/Σw², ter "
                      "informatie: de intervallen komen uit de ontwerpvariantie.",
        "m_unweighted": "Cijfers zijn ongewogen; de effectieve n is dan gelijk aan n.",
        "m_fpc": "Organisatiecijfers gebruiken de eindige-populatiecorrectie met het aantal "
                 "leden.",
        "m_no_fpc": "Voor één sector is het aantal leden niet bekend: organisatiecijfers hebben "
                    "daarom geen eindige-populatiecorrectie (ruimere intervallen).",
        "m_threshold": "Cijfers op minder dan {min_n} antwoorden worden nergens getoond: niet in "
                       "tabellen, grafieken of bestanden (gemarkeerd als 'onderdrukt'). Een "
                       "getoond cijfer met een effectieve n onder {min_n} krijgt het teken †.",
        "m_threshold_org": "Cijfers op minder dan {min_n} antwoorden (organisaties: {org_min}) "
                           "worden nergens getoond: niet in tabellen, grafieken of bestanden "
                           "(gemarkeerd als 'onderdrukt'). Een getoond cijfer met een effectieve "
                           "n onder die grens krijgt het teken †.",
        "m_market": "De markt is het hele onderzoek (alle sectoren). Het verschil met de rest "
                    "van de markt vergelijkt de sector met alle andere sectoren samen, in "
                    "hetzelfde jaar en dezelfde steekproef (contrast met de covariantie van het "
                    "ontwerp, Wald-t-interval); significant bij p < 0,05. De rang telt de "
                    "sectoren met een getoond cijfer, de hoogste uitkomst eerst.",
        "privacy_heading": "Privacy (AVG)",
        "p_found": "Persoonsgegevens uit de bronbestanden: ", "none_found": "geen gevonden",
        "p_cells": "Onderdrukte cellen in dit rapport: {count}.",
        "p_rows": "Het rapport bevat geen gegevens op respondentniveau.",
        "actions": {"dropped": "verwijderd", "pseudonymised": "gepseudonimiseerd",
                    "scrubbed": "geschoond", "kept": "behouden"},
        "kinds": {"e-mail": "e-mailadres", "ip": "IP-adres", "iban": "IBAN", "bsn": "BSN",
                  "customer-number": "klantnummer", "phone": "telefoonnummer",
                  "postcode": "postcode", "name": "naam", "address": "adres",
                  "free-text": "open antwoord", "birth-date": "geboortedatum"},
        "sheet": "cijfers", "sheet_notes": "toelichting",
        "workbook_notes": (
            "Elke rij is een cijfer uit het rapport: sectie (headline = kerncijfers, trend, "
            "breakdown = uitsplitsing), indicator, jaar, groep.",
            "Eenheden zoals de kirc-API ze geeft: aandelen in procenten (0–100), de NPS in "
            "punten (−100 tot +100), gemiddelden op de schaal.",
            "estimate, ci_low, ci_high: uitkomst en 95%-interval; n: geldige antwoorden; n_eff: "
            "effectieve steekproefomvang (Kish); flag: kleine groep.",
            "suppressed = TRUE: te weinig antwoorden; het cijfer is weggelaten (lege cel), "
            "suppression zegt waarom (n<30, of complementary: aanvullend onderdrukt).",
            "change, change_low, change_high, p_value, significant: verandering t.o.v. het "
            "vorige jaar (kerncijfers)."),
        "csv": "CSV", "xlsx": "Excel",
    },
    "en": {
        "nps": "Net Promoter Score (NPS)",
        "csat": "Customer satisfaction (CSAT, % satisfied)",
        "csat_mean": "Mean satisfaction (1–5)",
        "chatbot_success": "Chatbot success rate",
        "fcr": "First-contact resolution (FCR)",
        "relation": "Relationship Quotient",
        "avg_ready": "Ready for the GDPR (organisations)",
        "staff_prepared": "Contact staff prepared for the GDPR",
        "metric": "Indicator", "estimate": "Result", "interval": "95% confidence interval",
        "n": "n", "n_eff": "n_eff", "change": "Change from last year", "points": "points",
        "interval_short": "95% interval",
        "pp_words": "percentage points",
        "suppressed": "suppressed", "all": "all sectors", "all_generic": "overall", "sector": "Sector",
        "channel": "Channel", "year": "Year", "age_group": "Age", "significant": "significant",
        "not_significant": "not significant", "no_previous": "no previous year",
        "rose": "rose", "fell": "fell", "stayed": "stayed at", "was": "was",
        "rise": "increase", "fall": "decrease",
        "a_significant": "a significant {}", "not_a_significant": "not a significant {}",
        "change_sentence": "{subject} {verb} by {amount} to {now} in {year}, {judgement}.",
        "long_sentence": "Since {first_year} {subject} {verb} from {first} to {now} in {year} "
                         "(significant).",
        "break_clause": "; the questionnaire was revised in {year}, so part of that change may "
                        "come from the revision",
        "no_change": "None of the {count} indicators changed significantly from {previous}.",
        "key_messages": "Key messages", "contents": "Contents",
        "headline": "Headline figures", "trends": "Trends since the first year",
        "trend_table": "Result per year", "breakdown": "Breakdowns",
        "composition": "NPS composition", "drivers": "What drives satisfaction?",
        "methods": "Methods",
        "downloads": "The figures of this report as a file", "by": "by",
        "complementary": "complementary suppression",
        "significance_caption": "Differences between groups by {by}, {year}",
        "significance_note": ("A letter after a result names the groups that result is "
                              "significantly higher than (95%, Bonferroni correction over the "
                              "pairs; the tests take the weighting into account). Suppressed "
                              "groups (–) are not tested."),
        "significance_link": "which groups differ",
        "nps_groups": ("detractors (0–6)", "passives (7–8)", "promoters (9–10)"),
        "total": "total", "series_break": "new questionnaire",
        "gap_note": "Not shown (too few answers): {items}.",
        "break_note": "A dotted line marks a new questionnaire ({years}): figures before and "
                      "after it may not be fully comparable.",
        "trend_alt": "Line charts per indicator, {first}–{last}, with 95% intervals: {items}.",
        "trend_alt_item": "{label} from {start} ({start_year}) to {end} ({end_year})",
        "trend_alt_gaps": " Missing points are suppressed: {items}.",
        "forest_alt": "Dot chart of {label} {by} in {year} with 95% intervals, from high to low: "
                      "{items}. Dashed line: {total_word} {total}.",
        "forest_alt_hidden": " Suppressed: {items}.",
        "composition_alt": "Stacked bars per {by} in {year}: share of detractors, passives and "
                           "promoters in percent: {items}.",
        "composition_item": "{group} {det}% / {pas}% / {pro}%",
        "axis_points": "NPS (points, −100 to +100)", "axis_percent": "percent",
        "axis_score": "mean score", "axis_share": "share (%)",
        "what": "What it measures", "base": "Base (who was asked)", "unit": "Unit",
        "metric_nps": "Percentage of promoters (9–10) minus percentage of detractors (0–6) on "
                      "'{construct}'.",
        "metric_share": "share of positive answers to '{construct}'",
        "metric_top_box": "Share of answers in the top {top} of the scale of '{construct}'.",
        "metric_mean": "Mean score on '{construct}'.",
        "base_all": "all {unit} with a valid answer",
        "units": {"respondenten": "respondents", "organisaties": "organisations"},
        "positive_codes": "(counted as positive: code {codes}).",
        "unit_points": "NPS points (−100 to +100)", "unit_percent": "percent",
        "unit_score": "mean on the scale",
        "definitions": "Definitions of the indicators",
        "survey": "Survey", "questionnaire": "Questionnaire", "fieldwork": "Fieldwork",
        "fieldwork_year": "{year} (period not recorded in the definition)",
        "responses": "Respondents", "response_rate": "Response rate",
        "n_range": "n per indicator", "n_eff_range": "n_eff per indicator",
        "fieldwork_title": "Fieldwork and response", "unknown": "unknown",
        "method_heading": "Method",
        "m_intervals": "Unweighted percentages get a 95% Wilson confidence interval, the NPS "
                       "gets {nps}. Weighted figures get intervals from the variance of the sample "
                       "design (Taylor linearisation, as R's survey package): percentages by "
                       "Korn and Graubard, the NPS by Tango's score interval, on the design's "
                       "effective sample size and with the t distribution; both chosen in a "
                       "coverage study. Means get a t interval.",
        "m_changes": "Changes (from the previous year and since the first year): the score "
                     "test of two shares with the interval that inverts it (shares), MOVER with "
                     "score intervals (NPS) and Welch (means); test and interval come from the "
                     "same method, so they never contradict each other. Significant at "
                     "p < 0.05.",
        "m_changes_design": "Changes (from the previous year and since the first year): the "
                            "difference with its standard error from the survey design "
                            "(weights, strata; Taylor linearisation as R's survey), tested "
                            "with the t distribution; test and interval never contradict each "
                            "other. Significant at p < 0.05.",
        "m_years_independent": "Respondents of different years are separate samples.",
        "m_years_linked": "Organisations that answered in both years count as repeated "
                          "measurements: the correlation of their answers enters the standard "
                          "error of the change (Tam 1984).",
        "m_weighted": "Figures are weighted by the survey's weight; the effective n is "
                      "Kish's effective sample size, (Σw)²/Σw², for information: the intervals "
                      "come from the design variance.",
        "m_unweighted": "Figures are unweighted; the effective n then equals n.",
        "m_fpc": "Organisation figures use the finite population correction with the number "
                 "of member organisations.",
        "m_no_fpc": "The number of member organisations of one sector is not known, so "
                    "organisation figures have no finite population correction (wider "
                    "intervals).",
        "m_threshold": "Figures based on fewer than {min_n} answers are shown nowhere: not in "
                       "tables, charts or files (marked 'suppressed'). A figure shown with an "
                       "effective n below {min_n} carries the mark †.",
        "m_threshold_org": "Figures based on fewer than {min_n} answers (organisations: "
                           "{org_min}) are shown nowhere: not in tables, charts or files "
                           "(marked 'suppressed'). A figure shown with an effective n below "
                           "that limit carries the mark †.",
        "m_market": "The market is the whole survey (all sectors). The difference with the "
                    "rest of the market compares the sector with all other sectors together, in "
                    "the same year and sample (a contrast with the design's covariance, Wald t "
                    "interval); significant at p < 0.05. The rank counts the sectors with a "
                    "shown figure, the highest result first.",
        "privacy_heading": "Privacy (GDPR)",
        "p_found": "Personal data in the source files: ", "none_found": "none found",
        "p_cells": "Suppressed cells in this report: {count}.",
        "p_rows": "The report contains no respondent-level data.",
        "actions": {"dropped": "dropped", "pseudonymised": "pseudonymised",
                    "scrubbed": "scrubbed", "kept": "kept"},
        "kinds": {"e-mail": "e-mail address", "ip": "IP address", "iban": "IBAN", "bsn": "BSN",
                  "customer-number": "customer number", "phone": "phone number",
                  "postcode": "postcode", "name": "name", "address": "address",
                  "free-text": "free text", "birth-date": "date of birth"},
        "sheet": "figures", "sheet_notes": "notes",
        "workbook_notes": (
            "Each row is a figure of the report: section (headline, trend, breakdown), "
            "indicator, year, group.",
            "Units as the kirc API returns them: shares in percent (0–100), the NPS in points "
            "(−100 to +100), means on the scale.",
            "estimate, ci_low, ci_high: result and 95% interval; n: valid answers; n_eff: "
            "effective sample size (Kish); flag: small group.",
            "suppressed = TRUE: too few answers; the figure is left out (empty cell), "
            "suppression says why (n<30, or complementary).",
            "change, change_low, change_high, p_value, significant: change from the previous "
            "year (headline figures)."),
        "csv": "CSV", "xlsx": "Excel",
    },
}


#: How a sentence names each of the demo's indicators (others are named by their label).
SUBJECTS = {
    "nl": {"nps": "de NPS", "csat": "de klanttevredenheid (CSAT)",
           "csat_mean": "de gemiddelde tevredenheid",
           "chatbot_success": "de succesratio van de chatbot",
           "fcr": "het aandeel opgelost bij het eerste contact", "relation": "het Relatie Quotiënt",
           "avg_ready": "het aandeel organisaties dat klaar is voor de AVG",
           "staff_prepared": "het aandeel organisaties met voorbereide contactmedewerkers"},
    "en": {"nps": "the NPS", "csat": "customer satisfaction (CSAT)",
           "csat_mean": "mean satisfaction", "chatbot_success": "the chatbot success rate",
           "fcr": "first-contact resolution", "relation": "the Relationship Quotient",
           "avg_ready": "the share of organisations ready for the GDPR",
           "staff_prepared": "the share of organisations whose contact staff are prepared"},
}

#: Words of the batch renderer: footer, index page.
BATCH_TEXT = {
    "nl": {"all": "alle sectoren", "all_slug": "alle-sectoren", "all_generic_slug": "totaal", "generated": "Gegenereerd op",
           "by": "met kirc", "index_title": "Jaarrapporten", "year": "Jaar",
           "segment": "Segment", "report": "Rapport", "suppressed": "onderdrukt",
           "no_reports": "Er zijn nog geen rapporten in deze map.", "back": "Alle jaarrapporten",
           "intro": "Kerncijfers per jaar, met de verandering ten opzichte van het jaar ervoor. "
                    "Open een rapport voor de intervallen, aantallen en uitsplitsingen.",
           "legend": "▲/▼ en *: significante verandering t.o.v. het vorige jaar (p < 0,05); "
                     "pp = procentpunt; n: het aantal antwoorden; † lage effectieve basis "
                     "(effectieve n onder 30): lees met voorzichtigheid; – onderdrukt: te weinig "
                     "antwoorden. De trendlijn loopt van het eerste tot het laatste jaar, voor "
                     "elke sector op dezelfde schaal per indicator; een gat is een onderdrukt "
                     "jaar.",
           "trend": "Trend", "open": "Rapport", "significant": "significant",
           "batch_xlsx": "Alle cijfers van deze rapporten in één Excel-bestand",
           "spark_alt": "{label}: {first}–{last}, van {start} naar {end}",
           "spark_n": "(n per jaar {low}–{high})", "menu": "Sectoren",
           "interrupted": "onderbroken",
           "nps": "NPS", "csat": "CSAT (% tevreden)", "chatbot_success": "Succesratio chatbot",
           "fcr": "Opgelost bij eerste contact", "avg_ready": "AVG-gereed (organisaties)"},
    "en": {"all": "all sectors", "all_slug": "all-sectors", "all_generic_slug": "overall", "generated": "Generated on",
           "by": "by kirc", "index_title": "Annual reports", "year": "Year",
           "segment": "Segment", "report": "Report", "suppressed": "suppressed",
           "no_reports": "There are no reports in this folder yet.", "back": "All annual reports",
           "intro": "Headline figures per year, with the change from the year before. Open a "
                    "report for the intervals, counts and breakdowns.",
           "legend": "▲/▼ and *: significant change from the previous year (p < 0.05); pp = "
                     "percentage points; n: the number of answers; † low effective base "
                     "(effective n below 30): read with care; – suppressed: too few answers. "
                     "The trend line runs from the first to the last year, on the same scale "
                     "per indicator for every sector; a gap is a suppressed year.",
           "trend": "Trend", "open": "Report", "significant": "significant",
           "batch_xlsx": "All figures of these reports in one Excel file",
           "spark_alt": "{label}: {first}–{last}, from {start} to {end}",
           "spark_n": "(n per year {low}–{high})", "menu": "Sectors",
           "interrupted": "interrupted",
           "nps": "NPS", "csat": "CSAT (% satisfied)", "chatbot_success": "Chatbot success",
           "fcr": "First-contact resolution", "avg_ready": "GDPR-ready (organisations)"},
}



def check_language(language: str) -> dict:
    """The report texts of a language; a ParameterError for any other than nl or en."""
    try:
        return LABELS[language]
    except (KeyError, TypeError):
        raise ParameterError(f"language must be 'nl' or 'en', not {language!r}") from None


#: Words of the estimates themselves (notes of a change, a design in words).
ESTIMATE_TEXT = {
    "nl": {"only_in": "alleen in {year}", "no_answers": "geen antwoorden",
           "weighted": "gewogen met {weights}", "unweighted": "ongewogen",
           "strata": "strata {strata}", "clusters": "clusters {psu}",
           "fpc": "eindige-populatiecorrectie {fpc}",
           "fpc_per_year": "eindige-populatiecorrectie (populatie per jaar)",
           "population": "populatie {population:g}",
           "stages": "trappen {stages}", "replicates": "{count} replicaatgewichten ({method})",
           "linked": "terugkerende eenheden {linked}"},
    "en": {"only_in": "only in {year}", "no_answers": "no answers",
           "weighted": "weighted by {weights}", "unweighted": "unweighted",
           "strata": "strata {strata}", "clusters": "clusters {psu}",
           "fpc": "finite population correction {fpc}",
           "fpc_per_year": "finite population correction (population per year)",
           "population": "population {population:g}",
           "stages": "stages {stages}", "replicates": "{count} replicate weights ({method})",
           "linked": "returning units {linked}"},
}


def words(language: str) -> dict:
    """The words of the estimates (:data:`ESTIMATE_TEXT`) of a language."""
    check_language(language)
    return ESTIMATE_TEXT[language]


def design_words(design, language: str = "nl") -> str:
    """A survey design in one line, for method notes.

    Examples
    --------
    >>> import kirc
    >>> design_words(kirc.Design(weights="gewicht", strata="sector"))
    'gewogen met gewicht, strata sector'
    >>> design_words(kirc.Design(psu=["dnum", "snum"], fpc=["fpc1", "fpc2"]), "en")
    'unweighted, stages dnum → snum, finite population correction fpc1 → fpc2'
    """
    text = words(language)
    parts = [text["weighted"].format(weights=design.weights) if design.weights
             else text["unweighted"]]
    if design.strata is not None:
        parts.append(text["strata"].format(strata=" × ".join(
            [design.strata] if isinstance(design.strata, str) else design.strata)))
    if design.psu is not None:
        stages = design.stages
        parts.append(text["clusters"].format(psu=stages[0]) if len(stages) == 1
                     else text["stages"].format(stages=" → ".join(stages)))
    if design.replicates is not None:
        columns = design.replicates.columns
        count = len(columns) if not isinstance(columns, str) else columns
        parts.append(text["replicates"].format(count=count, method=design.replicates.method))
    if design.fpc is not None:
        fpc = design.fpc
        parts.append(text["fpc"].format(fpc=fpc if isinstance(fpc, str) else " → ".join(fpc)))
    elif design.population is not None:
        parts.append(text["fpc_per_year"] if design.by_year
                     else text["population"].format(population=design.population))
    if design.linked is not None:
        parts.append(text["linked"].format(linked=design.linked))
    return ", ".join(parts)


#: The tab book's words (kirc.report.tabbook).
TABBOOK_TEXT = {
    "nl": {
        "total": "Totaal", "base": "Basis (n)", "notes": "Toelichting", "year": "Jaar",
        "contents": "Inhoud", "sheet": "Blad", "question": "Vraag / indicator",
        "yes": "ja", "no": "nee", "mean": "Gemiddelde", "nps": "NPS (punten)",
        "top_box": "Top-{top} ({low}–{high})", "promoters": "Promotors (9–10)",
        "passives": "Passief (7–8)", "detractors": "Criticasters (0–6)",
        "weighted": "Gewogen percentages ({weight}); toetsen op de effectieve basis van elke cel.",
        "unweighted": "Ongewogen.",
        "years": "Jaar {years}", "years_plural": "Jaren {years}", "respondents": "{n} {unit}",
        "legend_title": "Legenda",
        "legend": [
            "Percentages per kolom; de basis is het aantal geldige antwoorden (ongewogen).",
            "Letters onder een cijfer: dat cijfer is significant hoger dan in de kolom met die "
            "letter, binnen dezelfde uitsplitsing (tweezijdig, p < {alpha}, Bonferroni-"
            "gecorrigeerd over de kolomparen per rij).",
            "Toets voor percentages: z-toets voor twee proporties met gepoolde proportie, als "
            "SPSS Custom Tables ('compare column proportions'). Gemiddelden: t-toets van Welch. "
            "NPS: z-toets voor het verschil van twee NPS'en.",
            "{weighting}",
            "n<{min_n}: minder dan {min_n} antwoorden; niet getoond (met aanvullende "
            "onderdrukking) en niet getoetst.",
        ],
        "suppressed": "n<{min_n}", "complementary": "x", "file_word": "tabellen",
        "mean_options": "Gemiddeld aantal gekozen opties",
        "several": "Meerdere antwoorden mogelijk: elk percentage is van de respondenten in de "
                   "kolom die de vraag beantwoordden (de basis); de opties tellen op tot meer "
                   "dan 100%. Letters: per optie getoetst tussen de kolommen.",
    },
    "en": {
        "total": "Total", "base": "Base (n)", "notes": "Notes", "year": "Year",
        "contents": "Contents", "sheet": "Sheet", "question": "Question / indicator",
        "yes": "yes", "no": "no", "mean": "Mean", "nps": "NPS (points)",
        "top_box": "Top {top} ({low}–{high})", "promoters": "Promoters (9–10)",
        "passives": "Passives (7–8)", "detractors": "Detractors (0–6)",
        "weighted": "Weighted percentages ({weight}); tests on each cell's effective base.",
        "unweighted": "Unweighted.",
        "years": "Year {years}", "years_plural": "Years {years}", "respondents": "{n} {unit}",
        "units": {"respondenten": "respondents", "organisaties": "organisations"},
        "legend_title": "Legend",
        "legend": [
            "Column percentages; the base is the number of valid answers (unweighted).",
            "Letters under a figure: it is significantly higher than in the column with that "
            "letter, within the same breakdown (two-sided, p < {alpha}, Bonferroni-adjusted "
            "over the pairs of columns in the row).",
            "Test for percentages: z-test of two proportions with the pooled proportion, as "
            "SPSS Custom Tables ('compare column proportions'). Means: Welch's t-test. NPS: "
            "z-test of the difference of two NPS.",
            "{weighting}",
            "n<{min_n}: fewer than {min_n} answers; not shown (with complementary suppression) "
            "and not tested.",
        ],
        "suppressed": "n<{min_n}", "complementary": "x", "file_word": "tabs",
        "mean_options": "Mean number of options chosen",
        "several": "Several answers possible: each percentage is of the column's respondents "
                   "who answered the question (the base); the options add up to more than "
                   "100%. Letters: tested per option between the columns.",
    },
}


#: What the driver analysis writes (kirc.estimate.drivers).
DRIVER_LABELS = {
    "wait_time": {"nl": "Wachttijd", "en": "Waiting time"},
    "expertise": {"nl": "Deskundigheid medewerker", "en": "Employee's expertise"},
    "friendliness": {"nl": "Vriendelijkheid medewerker", "en": "Employee's friendliness"},
    "clarity": {"nl": "Duidelijkheid van de uitleg", "en": "Clarity of the explanation"},
    "speed": {"nl": "Snelheid van afhandeling", "en": "Speed of handling"},
    "thinking_along": {"nl": "Meedenken", "en": "Thinking along"},
    "fcr": {"nl": "Vraag in één keer opgelost", "en": "Solved at first contact"},
    "channel": {"nl": "Kanaal", "en": "Channel"},
    "csat": {"nl": "tevredenheid over het contact", "en": "satisfaction with the contact"},
    "nps": {"nl": "aanbevelingsbereidheid", "en": "likelihood to recommend"},
}

DRIVER_CAUTION = {
    "nl": ("Belang is geen oorzaak. Een aandeel zegt hoeveel van de verschillen in {outcome} "
           "tussen respondenten samengaan met verschillen in dat aspect, rekening houdend met de "
           "andere aspecten. Het zegt niet hoeveel de {outcome} stijgt als u dat aspect "
           "verbetert: daarvoor is een experiment of een vergelijking vóór en na een verandering "
           "nodig. De aandelen tellen op tot 100% van het verklaarde deel (R² = {r2:.0%}); de "
           "rest van de verschillen hangt samen met dingen die niet gevraagd zijn."),
    "en": ("Importance is not causation. A share says how much of the differences in {outcome} "
           "between respondents go together with differences in that aspect, given the other "
           "aspects. It does not say how much {outcome} would rise if that aspect were improved: "
           "that takes an experiment or a before-and-after comparison. The shares add up to "
           "100% of the explained part (R² = {r2:.0%}); the remaining differences go with "
           "things the survey did not ask."),
}

DRIVER_SMALL_SAMPLE = {
    "nl": ("Let op: deze analyse rust op {n} volledig ingevulde vragenlijsten (minder dan "
           "{min_n}); de aandelen zijn zeer onzeker."),
    "en": ("Note: this analysis rests on {n} complete questionnaires (fewer than {min_n}); the "
           "shares are very uncertain."),
}

DRIVER_HEADERS = {
    "nl": {"predictor": "Aspect", "importance": "Belang (%)", "ci": "95%-interval",
           "n": "n", "title": "Wat bepaalt de {outcome}? ({year})",
           "axis": "Aandeel in de verklaarde verschillen (%)"},
    "en": {"predictor": "Aspect", "importance": "Importance (%)", "ci": "95% interval",
           "n": "n", "title": "What drives {outcome}? ({year})",
           "axis": "Share of the explained differences (%)"},
}

DRIVER_ALT = {"nl": "Staafdiagram: {title}. Belang in procent van de verklaarde variantie, van groot "
             "naar klein: {shares}.",
       "en": "Bar chart: {title}. Importance in percent of the explained variance, largest "
             "first: {shares}."}


#: Calibration methods in words (kirc.survey.calibrate).
CALIBRATION_METHODS = {
    "nl": {"raking": "raking (iteratieve proportionele aanpassing)",
           "linear": "lineaire kalibratie (GREG)", "logit": "logit-kalibratie"},
    "en": {"raking": "raking (iterative proportional fitting)",
           "linear": "linear calibration (GREG)", "logit": "logit calibration"},
}

#: The weighting paragraph of a methods note (kirc.survey.calibrate.methods_note).
CALIBRATION_NOTE = {
    "nl": {"and": " en ", "per_year": " per jaar",
           "bounds": ", met grenzen {low}–{high} voor de aanpassingsfactor",
           "text": ("De gewichten zijn gekalibreerd op populatieaantallen naar {joined}, met "
                    "{method}{bounds}. Weegefficiëntie{per} {eff}% (effectieve n {n_eff} van "
                    "{n}); aanpassingsfactoren {low}–{high}. De betrouwbaarheidsintervallen "
                    "houden rekening met de kalibratie.")},
    "en": {"and": " and ", "per_year": " per year",
           "bounds": ", with bounds {low}–{high} on the adjustment factor",
           "text": ("The weights were calibrated to population counts of {joined} by {method}"
                    "{bounds}. Weighting efficiency{per} {eff}% (effective n {n_eff} of {n}); "
                    "adjustment factors {low}–{high}. Confidence intervals take the "
                    "calibration into account.")},
}

#: The NPS interval methods in words (the methods note of a report).
NPS_METHOD_NAMES = {
    "nl": {"adjusted-wald": "het aangepaste Wald-interval van Rocks (2016)",
           "score": "het score-interval van Tango (1998)", "wald": "het Wald-interval",
           "bootstrap": "een multinomiale bootstrap"},
    "en": {"adjusted-wald": "Rocks' (2016) adjusted Wald interval",
           "score": "Tango's (1998) score interval", "wald": "the Wald interval",
           "bootstrap": "a multinomial bootstrap"},
}


#: The market beside a segment, the low-base mark, why a change is missing, the fieldwork
#: and the deck: added to :data:`LABELS` below (one catalogue per language).
_MORE_LABELS = {
    "nl": {
        "market": "markt", "market_col": "Markt (alle sectoren)",
        "market_col_generic": "Totaal",
        "versus_col": "Verschil met de rest van de markt",
        "versus_col_generic": "Verschil met de rest",
        "rank_col": "Rang onder de sectoren", "rank_col_generic": "Rang",
        "rank_value": "{rank} van {count}", "to": "tot",
        "higher": "hoger", "lower": "lager",
        "market_sentence": "In {segment} is {subject} met {value} significant {direction} dan "
                           "in de rest van de markt (verschil {amount}; hele markt {market}).",
        "groups_sentence": "{subject} verschilde in {year} significant naar {by}: {high} bij "
                           "{high_group} tegen {low} bij {low_group}.",
        "level_sentence": "{subject} was {now} in {year}.",
        "no_change_main": "Geen van de {count} hoofdindicatoren veranderde significant ten "
                          "opzichte van {previous}.",
        "change_na": "n.v.t. (eerste jaar)",
        "change_too_few": "te weinig antwoorden in {year}",
        "change_suppressed": "te weinig antwoorden",
        "low_base_legend": "† Lage effectieve basis: de effectieve steekproefomvang (Kish) is "
                           "kleiner dan {min_n}. Het cijfer wordt getoond, maar lees het met "
                           "voorzichtigheid.",
        "versus_legend": "▲/▼: significant hoger/lager dan de rest van de markt (95%; de toets "
                         "houdt rekening met de weging).",
        "versus_short": "t.o.v. de rest",
        "versus_interval": "95%-interval verschil",
        "star_legend": "▲/▼ en *: significant hoger of lager (p < 0,05): bij een verandering "
                       "t.o.v. het vorige jaar, bij een verschil t.o.v. de rest van de markt; "
                       "pp = procentpunt.",
        "market_line": "markt", "break_line": "nieuwe vraag",
        "trend_market_alt": " Gestippelde grijze lijn: de hele markt.",
        "mode": "Dataverzameling", "invited": "Uitgenodigd",
        "responded": "Respondenten", "segment_responses": "Respondenten in {segment}",
        "whole_survey": "{rate} (hele onderzoek: {responded} van {invited})",
        "not_recorded": "niet vastgelegd in de definitie",
        "period": "{start} tot en met {end}",
        "n_eff_range_plain": "effectieve n per indicator",
        "months": ("januari", "februari", "maart", "april", "mei", "juni", "juli",
                   "augustus", "september", "oktober", "november", "december"),
        "generated_line": "Gemaakt op {date} met kirc {version}",
        "deck_title": "{title} {year}", "deck_subtitle": "{segment}",
        "deck_figure": "{value} in {year} (95%-interval {interval}; n = {n})",
        "deck_change": "Verandering t.o.v. {previous}: {change}",
        "deck_market": "Hele markt: {market}; verschil met de rest van de markt: {versus}; "
                       "rang {rank}",
        "deck_breakdowns": "Significante verschillen tussen groepen, {year}",
        "deck_higher": "{indicator}: {high} ({high_value}) hoger dan {low} ({low_value})",
        "deck_no_differences": "Geen significante verschillen tussen groepen.",
        "deck_more": "… en {count} meer; zie het rapport.",
        "deck_methods": "Verantwoording",
        "deck_suppressed": "– (onderdrukt: minder dan {min_n} antwoorden)",
        "chart_title": "{label}, {first}–{last}",
        "trend_alt_one": "Lijndiagram van {label} per jaar, {first}–{last}, met 95%-interval: "
                         "van {start} ({start_year}) naar {end} ({end_year}).",
        "trend_alt_none": "Lijndiagram van {label} per jaar, {first}–{last}: elk jaar "
                          "onderdrukt.",
        # multiple-response questions (kirc.report.content.multiple_tables)
        "multiple": "Vragen met meer antwoorden", "option": "Antwoord",
        "option_subject": "het aandeel dat {option} koos ({question})",
        "metric_multiple": "Per antwoord het aandeel van wie '{construct}' beantwoordde dat "
                           "dat antwoord koos; meer antwoorden mogelijk",
        "several_answers": "Meer antwoorden mogelijk: elk percentage is van de respondenten die "
                           "de vraag beantwoordden; samen meer dan 100%.",
        "mean_options": "Gemiddeld {mean} antwoorden gekozen (n = {n}).",
        "options_chart_alt": "Staafdiagram van {label} in {year}, aandeel per antwoord met "
                             "95%-interval, van hoog naar laag: {items}.",
        "options_market_alt": " Gestreepte grijze streep op elke staaf: de hele markt.",
        "options_suppressed": "–: niet getoond, want minder dan {min_n} antwoorden in die "
                              "groep (onderdrukt), of aanvullend onderdrukt zodat een "
                              "onderdrukt cijfer niet uit de andere terug te rekenen is.",
    },
    "en": {
        "market": "market", "market_col": "Market (all sectors)",
        "market_col_generic": "Overall",
        "versus_col": "Difference with the rest of the market",
        "versus_col_generic": "Difference with the rest",
        "rank_col": "Rank among the sectors", "rank_col_generic": "Rank",
        "rank_value": "{rank} of {count}", "to": "to",
        "higher": "higher", "lower": "lower",
        "market_sentence": "In {segment}, {subject} is significantly {direction} than in the "
                           "rest of the market at {value} (difference {amount}; whole market "
                           "{market}).",
        "groups_sentence": "{subject} differed significantly by {by} in {year}: {high} for "
                           "{high_group} against {low} for {low_group}.",
        "level_sentence": "{subject} was {now} in {year}.",
        "no_change_main": "None of the {count} main indicators changed significantly from "
                          "{previous}.",
        "change_na": "n/a (first year)",
        "change_too_few": "too few answers in {year}",
        "change_suppressed": "too few answers",
        "low_base_legend": "† Low effective base: the effective sample size (Kish) is below "
                           "{min_n}. The figure is shown, but read it with care.",
        "versus_legend": "▲/▼: significantly higher/lower than the rest of the market (95%; "
                         "the test takes the weighting into account).",
        "versus_short": "vs the rest",
        "versus_interval": "95% interval of the difference",
        "star_legend": "▲/▼ and *: significantly higher or lower (p < 0.05): for a change from "
                       "the previous year, for a difference with the rest of the market; pp = "
                       "percentage points.",
        "market_line": "market", "break_line": "new question",
        "trend_market_alt": " Dashed grey line: the whole market.",
        "mode": "Data collection", "invited": "Invited",
        "responded": "Respondents", "segment_responses": "Respondents in {segment}",
        "whole_survey": "{rate} (whole survey: {responded} of {invited})",
        "not_recorded": "not recorded in the definition",
        "period": "{start} to {end}",
        "n_eff_range_plain": "effective n per indicator",
        "months": ("January", "February", "March", "April", "May", "June", "July", "August",
                   "September", "October", "November", "December"),
        "generated_line": "Made on {date} with kirc {version}",
        "deck_title": "{title} {year}", "deck_subtitle": "{segment}",
        "deck_figure": "{value} in {year} (95% interval {interval}; n = {n})",
        "deck_change": "Change from {previous}: {change}",
        "deck_market": "Whole market: {market}; difference with the rest of the market: "
                       "{versus}; rank {rank}",
        "deck_breakdowns": "Significant differences between groups, {year}",
        "deck_higher": "{indicator}: {high} ({high_value}) higher than {low} ({low_value})",
        "deck_no_differences": "No significant differences between groups.",
        "deck_more": "… and {count} more; see the report.",
        "deck_methods": "Methods",
        "deck_suppressed": "– (suppressed: fewer than {min_n} answers)",
        "chart_title": "{label}, {first}–{last}",
        "trend_alt_one": "Line chart of {label} per year, {first}–{last}, with 95% interval: "
                         "from {start} ({start_year}) to {end} ({end_year}).",
        "trend_alt_none": "Line chart of {label} per year, {first}–{last}: every year "
                          "suppressed.",
        "multiple": "Multiple-response questions", "option": "Answer",
        "option_subject": "the share choosing {option} ({question})",
        "metric_multiple": "Per answer, the share of those who answered '{construct}' that "
                           "chose it; several answers possible",
        "several_answers": "Several answers possible: each percentage is of the respondents "
                           "who answered the question; together more than 100%.",
        "mean_options": "On average {mean} answers chosen (n = {n}).",
        "options_chart_alt": "Bar chart of {label} in {year}, the share per answer with 95% "
                             "interval, from high to low: {items}.",
        "options_market_alt": " Dashed grey mark on each bar: the whole market.",
        "options_suppressed": "–: not shown, as that group has fewer than {min_n} answers "
                              "(suppressed), or suppressed as well so that a suppressed figure "
                              "cannot be worked back from the others (complementary).",
    },
}
for _language in LANGUAGES:
    LABELS[_language].update(_MORE_LABELS[_language])


#: The Excel appendix (``figures.xlsx``): headers, codes and notes in the report's language.
#: ``figures.csv`` keeps the API's English names and codes, for machines.
WORKBOOK_TEXT = {
    "nl": {
        "headers": {
            "report_year": "Rapportjaar", "segment": "Segment", "section": "Onderdeel",
            "metric": "Code", "label": "Indicator", "unit": "Eenheid", "year": "Jaar",
            "breakdown": "Uitsplitsing", "group": "Groep", "estimate": "Uitkomst",
            "ci_low": "95%-interval van", "ci_high": "95%-interval tot", "n": "n",
            "n_eff": "Effectieve n", "low_base": "Lage effectieve basis (†)",
            "suppressed": "Onderdrukt", "suppression": "Reden onderdrukking",
            "change": "Verandering t.o.v. vorig jaar", "change_low": "Verandering: interval van",
            "change_high": "Verandering: interval tot", "p_value": "p-waarde verandering",
            "significant": "Verandering significant", "change_note": "Geen verandering omdat",
            "market": "Markt (alle sectoren)", "market_low": "Markt: interval van",
            "market_high": "Markt: interval tot",
            "versus": "Verschil met de rest van de markt",
            "versus_low": "Verschil: interval van", "versus_high": "Verschil: interval tot",
            "versus_p": "p-waarde verschil", "versus_significant": "Verschil significant",
            "rank": "Rang", "ranked": "Aantal sectoren met een cijfer"},
        "sections": {"headline": "kerncijfers", "trend": "ontwikkeling",
                     "market_trend": "ontwikkeling van de markt", "breakdown": "uitsplitsing"},
        "units": {"percent": "procent", "points": "NPS-punten", "score": "gemiddelde"},
        "suppression": {"complementary": "aanvullend onderdrukt"},
        "change_notes": {"first_year": "eerste jaar", "too_few": "te weinig antwoorden vorig jaar",
                         "suppressed": "te weinig antwoorden"},
        "yes": "ja", "no": "nee",
        "notes": (
            "Elke rij is een cijfer uit het rapport: onderdeel (kerncijfers, ontwikkeling, "
            "uitsplitsing), indicator, jaar, groep.",
            "Uitkomsten zoals het rapport ze toont: percentages in procenten (0–100), de NPS in "
            "punten (−100 tot +100), gemiddelden op de schaal; de cellen houden de onafgeronde "
            "waarde, de opmaak toont één decimaal (gemiddelden twee).",
            "Het 95%-interval geeft de onzekerheid van de steekproef; n is het aantal geldige "
            "antwoorden, de effectieve n die van Kish.",
            "Lage effectieve basis (†): het cijfer wordt getoond, maar de effectieve n is "
            "kleiner dan de grens van het onderzoek (30 respondenten, 5 organisaties); lees het "
            "met voorzichtigheid.",
            "Onderdrukt = ja: te weinig antwoorden; het cijfer ontbreekt (lege cel) en de reden "
            "staat ernaast (n<30, of aanvullend onderdrukt om een ander cijfer te beschermen).",
            "Verandering: ten opzichte van het vorige jaar (kerncijfers), met interval en "
            "p-waarde; significant bij p < 0,05.",
            "Markt en verschil met de rest van de markt (in een sectorrapport): het cijfer van "
            "alle sectoren, en de sector min alle andere sectoren samen, met interval en "
            "p-waarde; rang 1 is de hoogste uitkomst.",
            "Dezelfde cijfers staan in figures.csv, met Engelse kolomnamen en codes, voor "
            "verdere verwerking."),
    },
    "en": {
        "headers": {
            "report_year": "Report year", "segment": "Segment", "section": "Section",
            "metric": "Code", "label": "Indicator", "unit": "Unit", "year": "Year",
            "breakdown": "Breakdown", "group": "Group", "estimate": "Result",
            "ci_low": "95% interval from", "ci_high": "95% interval to", "n": "n",
            "n_eff": "Effective n", "low_base": "Low effective base (†)",
            "suppressed": "Suppressed", "suppression": "Reason for suppression",
            "change": "Change from previous year", "change_low": "Change: interval from",
            "change_high": "Change: interval to", "p_value": "p-value of the change",
            "significant": "Change significant", "change_note": "No change because",
            "market": "Market (all sectors)", "market_low": "Market: interval from",
            "market_high": "Market: interval to",
            "versus": "Difference with the rest of the market",
            "versus_low": "Difference: interval from", "versus_high": "Difference: interval to",
            "versus_p": "p-value of the difference",
            "versus_significant": "Difference significant",
            "rank": "Rank", "ranked": "Sectors with a figure"},
        "sections": {"headline": "headline figures", "trend": "trend",
                     "market_trend": "trend of the market", "breakdown": "breakdown"},
        "units": {"percent": "percent", "points": "NPS points", "score": "mean"},
        "suppression": {"complementary": "complementary suppression"},
        "change_notes": {"first_year": "first year", "too_few": "too few answers last year",
                         "suppressed": "too few answers"},
        "yes": "yes", "no": "no",
        "notes": (
            "Each row is a figure of the report: section (headline figures, trend, breakdown), "
            "indicator, year, group.",
            "Results as the report shows them: shares in percent (0–100), the NPS in points "
            "(−100 to +100), means on the scale; cells hold the unrounded value, formatted "
            "with one decimal (means two).",
            "The 95% interval gives the sampling uncertainty; n is the number of valid "
            "answers, the effective n Kish's.",
            "Low effective base (†): the figure is shown, but its effective n is below the "
            "survey's limit (30 respondents, 5 organisations); read it with care.",
            "Suppressed = yes: too few answers; the figure is left out (empty cell) and the "
            "reason is beside it (n<30, or complementary suppression to protect another "
            "figure).",
            "Change: from the previous year (headline figures), with interval and p-value; "
            "significant at p < 0.05.",
            "Market and difference with the rest of the market (in a sector's report): the "
            "figure of all sectors, and the sector minus all other sectors together, with "
            "interval and p-value; rank 1 is the highest result.",
            "The same figures are in figures.csv, with English column names and codes, for "
            "further processing."),
    },
}


#: The notebook display of results (kirc.display).
DISPLAY_TEXT = {
    "nl": {"n": "n", "n_versus": "n (vergeleken)", "p": "p", "change": "Verandering",
           "difference": "Verschil", "versus": "t.o.v.", "suppressed": "onderdrukt",
           "compared": "vergeleken", "versus_rest": "de rest", "versus_total": "het totaal",
           "pp": "pp",
           "interval": "Tussen haken het {level}%-betrouwbaarheidsinterval.",
           "significant": "* significant (p < 0,05).",
           "pp_note": "pp = procentpunt.",
           "method": "Methode: {methods}.",
           "low_base": "{mark} effectieve basis onder {min_n}: voorzichtig lezen.",
           "suppressed_note": "Onderdrukt: minder dan {min_n} antwoorden.",
           "crosstab": "Kolompercentages; letters: significant hoger dan de kolom met die "
                       "letter.",
           "letters": "Letters achter een uitkomst: significant hoger dan de groep met die "
                      "letter.",
           "several": "Meerdere antwoorden mogelijk: percentage van de respondenten die de "
                      "vraag beantwoordden; de kolommen tellen op tot meer dan 100%.",
           "importance": "Belang (%)", "n_items": "contacten",
           "deviation": "Afwijking van de anderen", "deviating_rater": "wijkt het meest af",
           "flag": "let op", "alpha_axis": "Krippendorffs alfa (95%-interval)",
           "deviation_axis": "gemiddelde afwijking (punten)",
           "survey": "Enquête", "rows": "rijen", "size": "{rows} {unit}, {columns} kolommen",
           "source": "Bron: {source}", "design": "Steekproefontwerp: {design}",
           "min_n": "Onderdrukt: cijfers op minder dan {min_n} antwoorden",
           "lost": "Let op: het steekproefontwerp geldt niet meer ({reason})",
           "per_year": "Respondenten per jaar", "year": "Jaar", "constructs": "Vragen",
           "column": "Kolom", "type": "Soort", "question": "Vraag", "n_raters": "beoordelaars",
           "n_targets": "contacten",
           "drivers": "Belang voor {outcome}, in % van de verklaarde variantie (R² = {r2})",
           "more_rows": "Nog {rows} rijen niet getoond.",
           "measures": {"nps": "NPS", "top_box": "top-{top} (%)", "csat": "CSAT (%)",
                        "share": "aandeel (%)", "mean": "gemiddelde"},
           "methods": {"beta": "Korn–Graubard (beta)", "wilson": "Wilson",
                       "score": "score-interval (Tango)", "adjusted-wald":
                       "aangepast Wald-interval (Rocks)", "t": "t-verdeling"}},
    "en": {"n": "n", "n_versus": "n (compared)", "p": "p", "change": "Change",
           "difference": "Difference", "versus": "versus", "suppressed": "suppressed",
           "compared": "compared", "versus_rest": "the rest", "versus_total": "the total",
           "pp": "pp",
           "interval": "In brackets the {level}% confidence interval.",
           "significant": "* significant (p < 0.05).",
           "pp_note": "pp = percentage points.",
           "method": "Method: {methods}.",
           "low_base": "{mark} effective base below {min_n}: read with care.",
           "suppressed_note": "Suppressed: fewer than {min_n} answers.",
           "crosstab": "Column percentages; letters: significantly higher than the column with "
                       "that letter.",
           "letters": "Letters after a figure: significantly higher than the group with that "
                      "letter.",
           "several": "Several answers possible: percentage of the respondents who answered "
                      "the question; the columns add up to more than 100%.",
           "importance": "Importance (%)", "n_items": "contacts",
           "deviation": "Deviation from the others", "deviating_rater": "deviates most",
           "flag": "note", "alpha_axis": "Krippendorff's alpha (95% interval)",
           "deviation_axis": "mean deviation (points)",
           "survey": "Survey", "rows": "rows", "size": "{rows} {unit}, {columns} columns",
           "source": "Source: {source}", "design": "Design: {design}",
           "min_n": "Suppressed: figures on fewer than {min_n} answers",
           "lost": "Note: the survey design no longer applies ({reason})",
           "per_year": "Respondents per year", "year": "Year", "constructs": "Questions",
           "column": "Column", "type": "Kind", "question": "Question", "n_raters": "raters",
           "n_targets": "contacts",
           "drivers": "Importance for {outcome}, in % of the explained variance (R² = {r2})",
           "more_rows": "{rows} more rows not shown.",
           "measures": {"nps": "NPS", "top_box": "top {top} (%)", "csat": "CSAT (%)",
                        "share": "share (%)", "mean": "mean"},
           "methods": {"beta": "Korn–Graubard (beta)", "wilson": "Wilson",
                       "score": "score interval (Tango)", "adjusted-wald":
                       "adjusted Wald interval (Rocks)", "t": "t distribution"}},
}
