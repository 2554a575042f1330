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
        "n": "n", "change": "Verandering t.o.v. vorig jaar", "points": "punten",
        "suppressed": "onderdrukt", "all": "alle sectoren", "sector": "Sector",
        "channel": "Kanaal", "year": "Jaar", "age_group": "Leeftijd", "significant": "significant",
        "not_significant": "niet significant", "no_previous": "geen vorig jaar",
        "rose": "steeg", "fell": "daalde", "stayed": "bleef gelijk op",
        "rise": "stijging", "fall": "daling",
        "headline": "Kerncijfers", "trends": "Ontwikkeling sinds het eerste jaar",
        "breakdown": "Uitsplitsingen", "composition": "Samenstelling van de NPS",
        "methods": "Verantwoording", "complementary": "aanvullend onderdrukt", "nps_groups": ("criticasters", "passieven", "promotors"),
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
        "metric": "Metric", "estimate": "Result", "interval": "95% confidence interval",
        "n": "n", "change": "Change from last year", "points": "points",
        "suppressed": "suppressed", "all": "all sectors", "sector": "Sector",
        "channel": "Channel", "year": "Year", "age_group": "Age", "significant": "significant",
        "not_significant": "not significant", "no_previous": "no previous year",
        "rose": "rose", "fell": "fell", "stayed": "stayed at",
        "rise": "increase", "fall": "decrease",
        "headline": "Headline figures", "trends": "Trends since the first year",
        "breakdown": "Breakdowns", "composition": "NPS composition",
        "methods": "Methods", "complementary": "complementary suppression", "nps_groups": ("detractors", "passives", "promoters"),
    },
}


#: How a sentence names each indicator.
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
    "nl": {"all": "alle sectoren", "all_slug": "alle-sectoren", "generated": "Gegenereerd op",
           "by": "met kirc", "index_title": "Jaarrapporten", "year": "Jaar",
           "segment": "Segment", "report": "Rapport", "suppressed": "onderdrukt",
           "no_reports": "Er zijn nog geen rapporten in deze map.", "back": "Alle jaarrapporten",
           "intro": "Kerncijfers per rapport: uitkomst, 95%-betrouwbaarheidsinterval en aantal "
                    "geldige antwoorden (n). Klik op een segment voor het volledige rapport.",
           "nps": "NPS", "csat": "CSAT (% tevreden)", "chatbot_success": "Succesratio chatbot",
           "fcr": "Opgelost bij eerste contact", "avg_ready": "AVG-gereed (organisaties)"},
    "en": {"all": "all sectors", "all_slug": "all-sectors", "generated": "Generated on",
           "by": "by kirc", "index_title": "Annual reports", "year": "Year",
           "segment": "Segment", "report": "Report", "suppressed": "suppressed",
           "no_reports": "There are no reports in this folder yet.", "back": "All annual reports",
           "intro": "Headline figures per report: result, 95% confidence interval and number "
                    "of valid answers (n). Click a segment for the full report.",
           "nps": "NPS", "csat": "CSAT (% satisfied)", "chatbot_success": "Chatbot success",
           "fcr": "First-contact resolution", "avg_ready": "GDPR-ready (organisations)"},
}



def check_language(language: str) -> dict:
    """The report texts of a language; a ParameterError for any other than nl or en."""
    try:
        return LABELS[language]
    except (KeyError, TypeError):
        raise ParameterError(f"language must be 'nl' or 'en', not {language!r}") from None
