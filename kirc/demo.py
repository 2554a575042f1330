"""Seeded synthetic demo surveys: the Klantcontact Monitor and the Sectorscan, 2017–2025.

``python -m kirc.demo [--seed 2018] [--output surveys/]`` writes eighteen survey exports (nine
years of each survey, mostly SPSS ``.sav``, one Dutch CSV and one ``.xlsx`` per survey) and the
two survey definitions ``klantcontact.toml`` and ``sectorscan.toml`` that
:func:`kirc.survey.definition.load_survey` reads. Everything is drawn from ``numpy.random.default_rng(seed)``,
so a seed always gives the same data; the files are byte-identical on every run (the creation
stamps that SPSS and Excel files embed are set to the fieldwork date instead of the clock).

All data are synthetic. The personal data in them (names, e-mail addresses at ``voorbeeld.nl``
and ``example.com``, customer numbers ``KN-######``, phone numbers ``06-…``, IBANs with the
non-existent bank code ``TEST``) are made up, and are there so that personal-data detection and
scrubbing can be demonstrated.

The two surveys
---------------
*Klantcontact Monitor* (consumers, 2,400–3,600 respondents a year): sector of the organisation
last contacted, channel of that contact, age group, region (landsdeel), a post-stratification
weight, likelihood to recommend (0–10), satisfaction (1–5), first-contact resolution, whether the
chatbot solved the question (chatbot users only), the effect of the contact on the relationship,
plus the columns ``email``, ``klantnummer`` and a free-text ``toelichting``, and six driver
grades (see "Drivers of satisfaction" below). The ratings carry the
user-missing code 99 "weet niet / geen antwoord" (declared as missing in the ``.sav`` files; left
in the data of the CSV and ``.xlsx`` years, where the survey definition declares it), and every
question has a few per cent ordinary (system) missing answers.

*Sectorscan* (member organisations, 100–150 responding out of a population of 165–175): sector,
size, AVG (GDPR) status, FTE working on the AVG, whether contact staff were prepared, whether the
privacy statement is online in plain language, plus a contact person's name and e-mail address.
The population is simulated as a membership list that changes a little every year (a few
organisations leave, a few join); organisation ids are stable across years, so the file is a
panel, and an organisation's readiness is persistent (a latent propensity per organisation).

The questionnaire was revised in 2021: the question columns were renamed (for instance
``Q5_aanbeveling`` became ``aanbevelen_0_10``); the definitions map both versions.

Channels used. From 2019 on the consumers also say which channels they used in the past year
(check all that apply: telephone, e-mail, chat, WhatsApp, social media, chatbot, and from 2022
the app). Each respondent has a digital affinity (normal, higher for the young and for those
whose last contact went through a digital channel) on which every channel loads
(:data:`USED_CHANNEL_LOADING`), so the options overlap as in life; the channel of the last
contact is always among those used. The shares follow :data:`USED_CHANNEL_SHARE` (stylised:
the phone from 80% to 67%, the chatbot from 17% to 44%), 2% skip the question. The SPSS and
Excel years hold a 0/1 column per option (``Q17_1`` …, ``kanaal_telefoon`` …), the CSV year one
column naming the options chosen ("telefoon, e-mail, chat"); the definition has a questionnaire
per layout (:data:`VERSIONS`). The question draws from streams of its own, so every column that
existed before it kept its values.

Anchoring
---------
Levels and trends follow published figures of the Dutch customer-contact sector where there are
any, and plausible stylised paths elsewhere:

* AVG readiness: 8% of organisations AVG-ready at the end of 2017 and 12% saying their contact
  staff were prepared (published figures of the sector's 2017 measurement). The AVG took effect
  on 25 May 2018: readiness climbs steeply in 2018 (42%) and levels off towards 74% in 2025
  (:data:`AVG_READY_SHARE`, :data:`STAFF_PREPARED_SHARE`).
* Chatbot success: 59% of chatbot contacts solved in 2018 (published), improving by about two
  points a year (:data:`CHATBOT_SUCCESS_SHARE`).
* NPS by sector: low for health insurers and government, high for e-commerce, spanning about
  −20 to +25, with an energy-price dip in 2022 (:data:`SECTOR_NPS`; stylised).
* First-contact resolution about 70% for phone and chat (:data:`CHANNEL_FCR`), Relatie
  Quotiënt (share of contacts that kept or strengthened the relationship) about 75%
  (:data:`RELATION_QUOTIENT`); both stylised.

How the answers are drawn. For the three published series (AVG ready, staff prepared, chatbot
success) the year's number of "yes" answers is fixed at ``round(share * n)`` and assigned to
respondents with probability proportional to their odds under a logistic model (sector, size,
age, a persistent organisation propensity) — weighted sampling without replacement
(Efraimidis & Spirakis, 2006). A published figure is itself a sample estimate, so the demo sample
reproduces it (up to rounding and item non-response) instead of adding a second layer of sampling
noise around it. Everything else is drawn per respondent: likelihood to recommend is a
rounded normal latent score ``mu[sector, year] + effects + noise`` (effects of age group,
channel and first-contact resolution), where ``mu`` is solved per sector and year so that the
*expected* NPS of that sector's respondents equals :data:`SECTOR_NPS`. The noise is drawn by
Latin hypercube sampling within each sector, so a sector's NPS lands within a few points of its
anchor rather than jumping ±8 points from one year to the next by chance (a demo report should
not show spurious "significant" changes). Satisfaction and the relationship question load on
the same latent score, so the items correlate (r ≈ 0.6 between the NPS and CSAT items).

Drivers of satisfaction. Respondents who spoke to an employee (not chatbot users) also grade
the waiting time and five aspects of the employee — expertise, friendliness, clarity of the
explanation, speed of handling, thinking along — as report grades 1–10 (``wait_time``,
``expertise``, ``friendliness``, ``clarity``, ``speed``, ``thinking_along``), and the definition
declares them, with first-contact resolution, as the drivers of ``csat``. They are generated
with known importances: the part of the latent satisfaction that sector, age, channel and
first-contact resolution leave unexplained is, standardised, ``DRIVER_EFFECTS @ x + u`` with
``x ~ N(0, DRIVER_CORRELATION)`` (the effects explain 60% of it), and each grade is
``round(DRIVER_MEAN + 1.5 x)`` within 1–10. The grades are drawn from their conditional
distribution given the satisfaction the respondent already had, from separate random streams,
so every column that existed before the driver items kept its values. The true LMG importances
of satisfaction on these seven drivers (exact, from the latent covariance matrix; stored per
year in ``frame.attrs["driver_truth"]``) are, in % of the explained variance (2025; other
years differ by a few tenths in fcr's share):

==================  =====
wait_time            36.4
expertise            22.0
thinking_along       14.3
speed                11.6
fcr                   8.4
clarity               4.9
friendliness          2.4
==================  =====

Friendliness has no effect of its own; its share comes only from its correlation with the
other aspects (a reminder that importance is not an effect). The analysis of the observed
data differs from the truth by sampling error (a single year: ±4 points for the largest
shares) and by the rounding of the answers. Measured: the 95% intervals of 2025 cover the
truth in 94% of 100 redrawn seeds on average (89–98% per driver), and a single year's table
has exactly the true order for 66 of those seeds, the default seed among them
(benchmarks/coverage_drivers.py); all years of the default seed together recover every share
within 1.1 points (tests/test_drivers.py).

Weighting. Respondents are sampled from the population cells age group × landsdeel with
response propensities that over-represent older people and the north (:data:`RESPONSE_PROPENSITY`),
as online panels do. The weight is a cell weight (post-stratification on the joint age ×
region distribution): ``weight = population share of the cell * n / respondents in the cell``,
so the weights average exactly 1 (up to rounding to four decimals) and range from about 0.5 to
3. The population table :data:`POPULATION_AGE_REGION` is a rounded, illustrative approximation of
the Dutch adult population by age group and landsdeel (CBS StatLine order of magnitude), not an
official figure.

References
----------
Efraimidis, P. S., & Spirakis, P. G. (2006). Weighted random sampling with a reservoir.
*Information Processing Letters*, 97(5), 181–185.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import unicodedata
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import expit, logit, ndtr, ndtri

from .errors import ParameterError

__all__ = ["generate", "write", "DEFAULT_SEED", "YEARS", "FILE_NAMES"]

DEFAULT_SEED = 2018
YEARS = tuple(range(2017, 2026))
SURVEYS = ("klantcontact", "sectorscan")

# --------------------------------------------------------------------------------------------
# Code lists (the survey definitions are rendered from these, so data and definition agree)
# --------------------------------------------------------------------------------------------
SECTORS = {1: "telecom", 2: "energie", 3: "financiële dienstverlening", 4: "overheid",
           5: "retail", 6: "e-commerce", 7: "zorgverzekeraars"}
SCAN_SECTORS = {**SECTORS, 8: "outsourcing / contactcenters"}
CHANNELS = {1: "telefoon", 2: "e-mail", 3: "chat", 4: "WhatsApp", 5: "social media", 6: "chatbot"}
CHATBOT = 6
AGE_GROUPS = {1: "18-34", 2: "35-49", 3: "50-64", 4: "65+"}
REGIONS = {1: "Noord", 2: "Oost", 3: "Zuid", 4: "West"}
YES_NO = {1: "ja", 2: "nee"}
RELATION = {1: "versterkt", 2: "behouden", 3: "verslechterd"}
SIZES = {1: "klein", 2: "middel", 3: "groot"}
AVG_STATUS = {1: "klaar", 2: "deels", 3: "niet"}
DONT_KNOW = 99
DONT_KNOW_LABEL = "weet niet / geen antwoord"

# --------------------------------------------------------------------------------------------
# Anchors (see the module docstring)
# --------------------------------------------------------------------------------------------
#: Share of responding organisations that are AVG-ready ("klaar"), per year.
AVG_READY_SHARE = dict(zip(YEARS, (0.08, 0.42, 0.53, 0.59, 0.63, 0.67, 0.70, 0.72, 0.74)))
#: Share of responding organisations whose contact staff were prepared for the AVG.
STAFF_PREPARED_SHARE = dict(zip(YEARS, (0.12, 0.47, 0.58, 0.63, 0.67, 0.71, 0.74, 0.76, 0.78)))
#: Share with a privacy statement in plain language online (stylised; drawn per organisation).
PRIVACY_STATEMENT_SHARE = dict(zip(YEARS, (0.18, 0.50, 0.60, 0.66, 0.70, 0.74, 0.77, 0.79, 0.80)))
#: Among organisations that are not ready: share "deels" (partly) rather than "niet".
AVG_PARTLY_SHARE = dict(zip(YEARS, (0.45, 0.70, 0.72, 0.74, 0.75, 0.76, 0.77, 0.78, 0.78)))
#: Share of chatbot contacts in which the chatbot solved the question.
CHATBOT_SUCCESS_SHARE = {year: 0.59 + 0.02 * (year - 2018) for year in YEARS}
#: Relatie Quotiënt: share of contacts that strengthened or kept the relationship.
RELATION_QUOTIENT = {year: 0.74 + 0.004 * (year - 2017) for year in YEARS}
#: Expected NPS per sector and year (2017..2025); energie dips with the 2022 energy prices.
SECTOR_NPS = {
    1: (-14, -13, -12, -11, -10, -9, -8, -7, -6),        # telecom
    2: (-4, -3, -2, -1, -4, -18, -12, -6, -4),           # energie
    3: (0, 1, 2, 3, 4, 5, 6, 7, 8),                      # financiële dienstverlening
    4: (-18, -18, -17, -13, -16, -16, -15, -15, -14),    # overheid
    5: (10, 10, 11, 12, 12, 13, 13, 14, 14),             # retail
    6: (20, 21, 21, 23, 23, 24, 24, 25, 25),             # e-commerce
    7: (-20, -20, -19, -19, -18, -18, -18, -17, -17),    # zorgverzekeraars
}
#: Share of contacts solved at the first contact, per channel, 2017 and 2025 (linear between).
#: Chatbot contacts count as solved when the chatbot solved them.
CHANNEL_FCR = {1: (0.71, 0.74), 2: (0.58, 0.62), 3: (0.68, 0.72), 4: (0.66, 0.71),
               5: (0.52, 0.57)}
#: Channel of the last contact, % per year (telefoon, e-mail, chat, WhatsApp, social, chatbot).
CHANNEL_SHARES = {
    2017: (46, 24, 14, 3, 9, 4), 2018: (44, 23, 14, 5, 8, 6), 2019: (41, 22, 15, 6, 8, 8),
    2020: (38, 20, 15, 8, 7, 12), 2021: (35, 19, 15, 9, 7, 15), 2022: (33, 18, 14, 10, 7, 18),
    2023: (31, 17, 14, 11, 6, 21), 2024: (29, 16, 13, 12, 6, 24), 2025: (27, 15, 13, 12, 6, 27),
}
# Young people use chatbots and messaging more, older people the phone (log-share offsets).
AGE_CHANNEL_OFFSET = np.array([
    [-0.4, -0.2, 0.2, 0.5, 0.5, 0.4],
    [-0.1, 0.0, 0.1, 0.2, 0.1, 0.2],
    [0.1, 0.1, 0.0, -0.1, -0.2, -0.1],
    [0.4, 0.1, -0.3, -0.6, -0.6, -0.5],
])
SECTOR_SHARES = np.array([0.18, 0.14, 0.18, 0.15, 0.13, 0.12, 0.10])
SECTOR_CHATBOT_LOGIT = np.array([0.1, 0.0, 0.0, -0.2, 0.1, 0.3, -0.3])
SECTOR_FCR_LOGIT = np.array([-0.1, -0.1, 0.1, -0.2, 0.1, 0.2, -0.1])
AGE_CHATBOT_LOGIT = np.array([0.2, 0.1, -0.1, -0.3])
# Latent recommendation score: effects on the 0-10 scale.
AGE_SCORE_EFFECT = np.array([-0.35, -0.1, 0.1, 0.4])
CHANNEL_SCORE_EFFECT = np.array([0.0, -0.3, 0.1, 0.2, -0.3, -0.2])
FCR_SCORE_EFFECT = 1.2
SCORE_SD_PERSON = 1.8      # shared by recommendation, satisfaction and relationship
SCORE_SD_ITEM = 1.2        # item-specific noise of the recommendation score

# Satisfaction (1-5): 3.75 + CSAT_LOADING * (latent - 7.5) + N(0, CSAT_SD_ITEM).
CSAT_LOADING = 0.42
CSAT_SD_ITEM = 0.75

#: Driver items (report grades 1-10, asked after a contact with an employee, so not of chatbot
#: users), in this order. See "Drivers of satisfaction" in the module docstring.
DRIVER_ITEMS = ("wait_time", "expertise", "friendliness", "clarity", "speed", "thinking_along")
#: Correlations of the latent driver ratings: a halo of 0.25 between the employee's aspects,
#: 0.30 between waiting time and speed of handling, 0.10 between waiting time and the rest.
DRIVER_CORRELATION = np.array([
    [1.00, 0.10, 0.10, 0.10, 0.30, 0.10],
    [0.10, 1.00, 0.25, 0.25, 0.25, 0.25],
    [0.10, 0.25, 1.00, 0.25, 0.25, 0.25],
    [0.10, 0.25, 0.25, 1.00, 0.25, 0.25],
    [0.30, 0.25, 0.25, 0.25, 1.00, 0.25],
    [0.10, 0.25, 0.25, 0.25, 0.25, 1.00],
])
#: Effects of the standardised latent driver ratings on the standardised personal part of
#: satisfaction (regression weights; they explain 60% of it). Friendliness has no effect of
#: its own: its importance comes only from its correlation with the other aspects.
DRIVER_EFFECTS = np.array([0.46, 0.33, 0.0, 0.08, 0.13, 0.24])
#: Mean and standard deviation of each driver grade (1-10) before rounding.
DRIVER_MEAN = np.array([6.6, 7.6, 8.1, 7.5, 7.1, 6.9])
DRIVER_SD = 1.5

#: The channels-used question ("Welke kanalen heeft u het afgelopen jaar gebruikt?", check all
#: that apply), asked from 2019 on: option key -> Dutch label. The app option was added in 2022.
#: The first six are the channels of the last contact (CHANNELS), in that order.
USED_CHANNELS = {"phone": "telefoon", "email": "e-mail", "chat": "chat", "whatsapp": "WhatsApp",
                 "social": "social media", "chatbot": "chatbot", "app": "app"}
USED_CHANNELS_EN = {"phone": "telephone", "email": "e-mail", "chat": "chat",
                    "whatsapp": "WhatsApp", "social": "social media", "chatbot": "chatbot",
                    "app": "app"}
#: The names of the option columns from 2021 on (``kanaal_<name>``).
USED_CHANNEL_COLUMNS = {"phone": "telefoon", "email": "email", "chat": "chat",
                        "whatsapp": "whatsapp", "social": "social_media", "chatbot": "chatbot",
                        "app": "app"}
USED_CHANNELS_FROM = 2019
APP_FROM = 2022
#: Share of the respondents that used each channel in the last year: (first year asked, 2025),
#: linear between (stylised: the phone gives way to messaging, chatbots and apps).
USED_CHANNEL_SHARE = {"phone": (0.80, 0.67), "email": (0.58, 0.50), "chat": (0.27, 0.38),
                      "whatsapp": (0.14, 0.33), "social": (0.15, 0.17),
                      "chatbot": (0.17, 0.44), "app": (0.31, 0.40)}
#: How strongly each channel's use goes with the respondent's digital affinity (so the
#: options overlap as in life: chat, WhatsApp, chatbot and app users are largely the same
#: people; phone users less so).
USED_CHANNEL_LOADING = {"phone": -0.6, "email": 0.3, "chat": 1.0, "whatsapp": 1.1,
                        "social": 1.0, "chatbot": 1.1, "app": 1.0}
#: Digital affinity by age group, and by the channel of the last contact (CHANNELS order).
AGE_AFFINITY = np.array([0.7, 0.25, -0.2, -0.8])
LAST_CHANNEL_AFFINITY = np.array([-0.4, 0.0, 0.3, 0.5, 0.4, 0.5])
#: Share of respondents who skipped the question.
USED_CHANNELS_SKIPPED = 0.02
#: The question draws from its own stream (SeedSequence(seed, spawn_key=(this, year))), so
#: that every column that existed before it kept its values.
USED_CHANNELS_STREAM = 1000

#: Adult population share per age group (rows, AGE_GROUPS order) × landsdeel (columns,
#: REGIONS order). Rounded illustrative approximation, sums to 1.
POPULATION_AGE_REGION = np.array([
    # Noord  Oost    Zuid    West
    [0.0240, 0.0560, 0.0525, 0.1380],   # 18-34
    [0.0200, 0.0495, 0.0460, 0.1140],   # 35-49
    [0.0280, 0.0580, 0.0590, 0.1185],   # 50-64
    [0.0280, 0.0515, 0.0525, 0.1045],   # 65+
])
#: Relative response propensity per age group and per landsdeel (multiplied).
RESPONSE_PROPENSITY = {"age": np.array([0.45, 0.85, 1.25, 1.45]),
                       "region": np.array([1.25, 1.05, 1.0, 0.85])}

# Sectorscan population composition (member organisations per sector in 2017) and design.
SCAN_SECTOR_COUNTS = {1: 15, 2: 18, 3: 35, 4: 30, 5: 20, 6: 20, 7: 10, 8: 22}
SCAN_SIZE_SHARES = np.array([0.35, 0.40, 0.25])
SCAN_SIZE_LOGIT = np.array([-0.5, 0.0, 0.6])
SCAN_SECTOR_LOGIT = {1: 0.1, 2: 0.0, 3: 0.4, 4: 0.2, 5: -0.3, 6: -0.2, 7: 0.3, 8: 0.1}
SCAN_RESPONSE_RATE = np.array([0.66, 0.72, 0.82])
#: An organisation that answered last year answers again with this probability; the others
#: with the probability that keeps each size class's response rate (most members return).
SCAN_RESPONSE_AGAIN = 0.9
SCAN_FTE_MEDIAN = np.array([0.2, 0.6, 1.8])

# --------------------------------------------------------------------------------------------
# File layout: format per year and the column names of the two questionnaire versions
# --------------------------------------------------------------------------------------------
#: Formats other than SPSS .sav.
OTHER_FORMATS = {("klantcontact", 2019): "csv", ("klantcontact", 2023): "xlsx",
                 ("sectorscan", 2020): "xlsx", ("sectorscan", 2022): "csv"}
#: Encoding of the CSV exports: a Windows export for one survey, UTF-8 with BOM for the other.
CSV_ENCODING = {"klantcontact": "cp1252", "sectorscan": "utf-8-sig"}
REVISION_YEAR = 2021


#: The questionnaires of each definition (the column layouts of its exports): version ->
#: (first year, label). The 2021 revision renamed the columns (:func:`questionnaire`); the
#: Klantcontact Monitor's channels question came in 2019 (that year's CSV export keeps it in
#: one column naming the options), as a 0/1 column per option from 2020, and got its app
#: option in 2022.
VERSIONS = {
    "klantcontact": {
        "v2017": (2017, "Vragenlijst 2017–2018"),
        "v2019": (2019, "Vragenlijst 2019 (gebruikte kanalen erbij; in de CSV-export één kolom)"),
        "v2020": (2020, "Vragenlijst 2020 (gebruikte kanalen als kolom per optie)"),
        "v2021": (2021, "Vragenlijst 2021 (herziene kolomnamen)"),
        "v2022": (2022, "Vragenlijst vanaf 2022 (kanaal app erbij)"),
    },
    "sectorscan": {
        "v2017": (2017, "Vragenlijst 2017–2020"),
        "v2021": (2021, "Vragenlijst vanaf 2021 (herziene kolomnamen)"),
    },
}


def definition_version(survey: str, year: int) -> str:
    """The questionnaire of ``survey``'s definition that ``year`` is listed under.

    Examples
    --------
    >>> definition_version("klantcontact", 2019), definition_version("sectorscan", 2019)
    ('v2019', 'v2017')
    """
    return [version for version, (first, _) in VERSIONS[survey].items() if first <= year][-1]


def questionnaire(year: int) -> str:
    """Questionnaire version used in ``year``: ``"v2017"`` before the 2021 revision, else
    ``"v2021"``."""
    return "v2017" if year < REVISION_YEAR else "v2021"


def file_format(survey: str, year: int) -> str:
    """Format of the export of ``survey`` for ``year``: ``"sav"``, ``"csv"`` or ``"xlsx"``."""
    return OTHER_FORMATS.get((survey, year), "sav")


def file_name(survey: str, year: int) -> str:
    """Name of the export of ``survey`` for ``year``.

    Examples
    --------
    >>> file_name("klantcontact", 2019), file_name("sectorscan", 2021)
    ('klantcontact_2019.csv', 'sectorscan_2021.sav')
    """
    return f"{survey}_{year}.{file_format(survey, year)}"


FILE_NAMES = {(survey, year): file_name(survey, year) for survey in SURVEYS for year in YEARS}

# construct -> (source column in v2017, in v2021, variable label)
COLUMNS = {
    "klantcontact": {
        "id": ("respnr", "respondent_id", "Respondentnummer"),
        "year": ("jaar", "jaar", "Jaar van het onderzoek"),
        "sector": ("sector", "sector", "Sector van de organisatie van het laatste contact"),
        "channel": ("kanaal", "laatste_kanaal", "Kanaal van het laatste contact"),
        "age_group": ("leeftijdsgroep", "leeftijd", "Leeftijdsgroep"),
        "region": ("regio", "regio", "Landsdeel"),
        "weight": ("weegfactor", "gewicht", "Weegfactor (celweging leeftijd x landsdeel)"),
        "nps": ("Q5_aanbeveling", "aanbevelen_0_10",
                "Hoe waarschijnlijk is het dat u deze organisatie aanbeveelt? (0-10)"),
        "csat": ("Q6_tevredenheid", "tevredenheid",
                 "Hoe tevreden bent u over het contact? (1-5)"),
        "fcr": ("Q7_eerste_contact", "eerste_keer_opgelost",
                "Was uw vraag bij het eerste contact opgelost?"),
        "chatbot_success": ("Q8_chatbot_opgelost", "chatbot_opgelost",
                            "Heeft de chatbot uw vraag opgelost?"),
        "relation": ("Q9_relatie", "relatie",
                     "Wat deed het contact met uw relatie met de organisatie?"),
        "email": ("email", "email", "E-mailadres respondent"),
        "klantnummer": ("klantnummer", "klantnummer", "Klantnummer bij de organisatie"),
        "toelichting": ("Q10_toelichting", "toelichting", "Toelichting (open antwoord)"),
        "wait_time": ("Q11_wachttijd", "cijfer_wachttijd",
                      "Welk cijfer geeft u de wachttijd? (1-10)"),
        "expertise": ("Q12_deskundigheid", "cijfer_deskundigheid",
                      "Welk cijfer geeft u de deskundigheid van de medewerker? (1-10)"),
        "friendliness": ("Q13_vriendelijkheid", "cijfer_vriendelijkheid",
                         "Welk cijfer geeft u de vriendelijkheid van de medewerker? (1-10)"),
        "clarity": ("Q14_duidelijkheid", "cijfer_duidelijkheid",
                    "Welk cijfer geeft u de duidelijkheid van de uitleg? (1-10)"),
        "speed": ("Q15_snelheid", "cijfer_snelheid",
                  "Welk cijfer geeft u de snelheid van de afhandeling? (1-10)"),
        "thinking_along": ("Q16_meedenken", "cijfer_meedenken",
                           "Welk cijfer geeft u het meedenken van de medewerker? (1-10)"),
        # the channels-used question: a 0/1 column per option (SPSS, Excel), or one column
        # naming the options chosen (the CSV year)
        **{f"channels_used_{key}": (f"Q17_{k + 1}", f"kanaal_{USED_CHANNEL_COLUMNS[key]}",
                                    f"Gebruikte kanalen afgelopen jaar: {label}")
           for k, (key, label) in enumerate(USED_CHANNELS.items())},
        "channels_used_text": ("Q17_kanalen", "kanalen",
                               "Welke kanalen heeft u het afgelopen jaar gebruikt? "
                               "(meerdere antwoorden)"),
    },
    "sectorscan": {
        "id": ("org_nr", "organisatie_id", "Organisatienummer"),
        "year": ("jaar", "jaar", "Jaar van het onderzoek"),
        "sector": ("sector", "sector", "Sector"),
        "size": ("omvang", "omvang", "Omvang van de organisatie"),
        "avg_status": ("V1_avg_status", "avg_status", "Is uw organisatie klaar voor de AVG?"),
        "avg_fte": ("V2_fte_avg", "fte_avg", "Aantal fte voor de AVG"),
        "staff_prepared": ("V3_medewerkers_voorbereid", "medewerkers_voorbereid",
                           "Zijn de klantcontactmedewerkers voorbereid op de AVG?"),
        "privacy_statement": ("V4_privacyverklaring", "privacyverklaring_begrijpelijk",
                              "Staat er een begrijpelijke privacyverklaring online?"),
        "contact_name": ("contactpersoon", "contactpersoon", "Naam contactpersoon"),
        "contact_email": ("email_contactpersoon", "contact_email", "E-mail contactpersoon"),
    },
}
# value labels per construct (in the .sav files)
VALUE_LABELS = {
    "sector": SECTORS, "channel": CHANNELS, "age_group": AGE_GROUPS, "region": REGIONS,
    "nps": {0: "zeer onwaarschijnlijk", 10: "zeer waarschijnlijk", DONT_KNOW: DONT_KNOW_LABEL},
    "csat": {1: "zeer ontevreden", 2: "ontevreden", 3: "neutraal", 4: "tevreden",
             5: "zeer tevreden", DONT_KNOW: DONT_KNOW_LABEL},
    "fcr": YES_NO, "chatbot_success": YES_NO, "relation": RELATION,
    "size": SIZES, "avg_status": AVG_STATUS, "staff_prepared": YES_NO,
    "privacy_statement": YES_NO,
    **{item: {1: "zeer slecht", 10: "uitstekend"} for item in DRIVER_ITEMS},
    **{f"channels_used_{key}": {0: "niet gekozen", 1: "gekozen"} for key in USED_CHANNELS},
}
SCAN_VALUE_LABELS = {**VALUE_LABELS, "sector": SCAN_SECTORS}
MEASURES = {"sector": "nominal", "channel": "nominal", "age_group": "ordinal",
            "region": "nominal", "weight": "scale", "nps": "ordinal", "csat": "ordinal",
            "fcr": "nominal", "chatbot_success": "nominal", "relation": "ordinal",
            "size": "ordinal", "avg_status": "ordinal", "avg_fte": "scale",
            "staff_prepared": "nominal", "privacy_statement": "nominal", "year": "scale",
            **{item: "ordinal" for item in DRIVER_ITEMS},
            **{f"channels_used_{key}": "nominal" for key in USED_CHANNELS}}
USER_MISSING = {"klantcontact": ("nps", "csat")}
INTEGER_CODED = ("year", "sector", "channel", "age_group", "region", "nps", "csat", "fcr",
                 "chatbot_success", "relation", "size", "avg_status", "staff_prepared",
                 "privacy_statement", *DRIVER_ITEMS,
                 *(f"channels_used_{key}" for key in USED_CHANNELS))

# --------------------------------------------------------------------------------------------
# Fake personal data
# --------------------------------------------------------------------------------------------
FIRST_NAMES = ("Jan", "Sanne", "Noah", "Emma", "Daan", "Julia", "Mohammed", "Fatima", "Lucas",
               "Sophie", "Thomas", "Lotte", "Sem", "Anna", "Bram", "Eva", "Ruben", "Fleur",
               "Kees", "Marieke", "Henk", "Ingrid", "Joost", "Anouk", "Priya", "Stijn",
               "Chloé", "Zoë", "Noël", "José", "Yusuf", "Mila", "Wim", "Els", "Hatice", "Rik")
LAST_NAMES = ("de Vries", "Jansen", "de Jong", "van den Berg", "Bakker", "Visser", "Smit",
              "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks",
              "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "van der Meer",
              "Kok", "de Haan", "Vermeulen", "van den Heuvel", "van der Veen", "Willems",
              "Hoekstra", "Maas", "Verhoeven", "El Amrani", "Öztürk", "Koster", "Prins",
              "Huisman", "Çelik")
PLAIN_COMMENTS = {
    "positive": ("Snel en vriendelijk geholpen.",
                 "Prima service, mijn vraag was in één keer opgelost.",
                 "De medewerker dacht goed met me mee.",
                 "Duidelijk antwoord, precies wat ik nodig had.",
                 "Heel tevreden; netjes afgehandeld en goed geïnformeerd.",
                 "Fijn dat ik 's avonds nog terecht kon."),
    "neutral": ("Het duurde wat lang, maar uiteindelijk geregeld.",
                "Redelijk, niet meer en niet minder.",
                "Ik werd doorverwezen naar de website.",
                "Antwoord was correct maar erg algemeen.",
                "Wachttijd viel mee; de oplossing kwam een dag later per mail."),
    "negative": ("Lange wachttijd, bijna 40 minuten voordat ik iemand sprak.",
                 "Ik moest mijn verhaal drie keer opnieuw vertellen.",
                 "Geen reactie op mijn e-mail gekregen.",
                 "Beloofd terug te bellen, maar dat is nooit gebeurd.",
                 "Mijn factuur klopt nog steeds niet; ik heb € 23,50 te veel betaald.",
                 "Onvriendelijk te woord gestaan en niet geholpen."),
    "chatbot": ("De chatbot begreep mijn vraag niet en ik kon geen medewerker bereiken.",
                "De chatbot gaf meteen het goede antwoord, handig.",
                "Eerst de chatbot, daarna toch een medewerker nodig gehad."),
}
PERSONAL_COMMENTS = ("Bel me terug op {phone}, ik ben nog steeds niet geholpen.",
                     "Mijn naam is {name}, graag contact want dit duurt te lang.",
                     "U kunt mij mailen op {email}.",
                     "Het bedrag is teruggestort op {iban}, dat klopt nu.",
                     "mijn naam is {name} en ik wacht al weken op antwoord",
                     "Graag terugstorten op {iban} t.n.v. {name}.",
                     "Ik heb al drie keer gebeld vanaf {phone} maar niemand belt terug.",
                     "Stuur de bevestiging naar {email} a.u.b., groet {name}")
COMMENT_RATE = 0.45        # share of respondents who write a comment
PERSONAL_COMMENT_RATE = 0.05  # share of comments that contain personal data


def _ascii_slug(text: str) -> str:
    """Lower-case ASCII without spaces, for e-mail addresses (``"van den Berg"`` -> ``vandenberg``)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def fake_iban(account: int) -> str:
    """A checksum-valid Dutch-format IBAN with the non-existent bank code ``TEST``.

    The check digits follow ISO 13616 (mod 97 = 1), so IBAN validators accept the number while
    the bank code marks it as fake.

    Examples
    --------
    >>> fake_iban(123456789)
    'NL13 TEST 0123 4567 89'
    """
    bban = f"TEST{account:010d}"
    numeric = "".join(str(int(ch, 36)) for ch in bban + "NL00")
    check = 98 - int(numeric) % 97
    iban = f"NL{check:02d}{bban}"
    return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))


def _fake_phone(rng: np.random.Generator) -> str:
    digits = f"{int(rng.integers(0, 10**8)):08d}"
    style = int(rng.integers(0, 3))
    if style == 0:
        return f"06-{digits}"
    if style == 1:
        return f"06{digits}"
    return f"+31 6 {digits[:4]} {digits[4:]}"


def _fake_names(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    first = np.asarray(FIRST_NAMES, dtype=object)[rng.integers(0, len(FIRST_NAMES), n)]
    last = np.asarray(LAST_NAMES, dtype=object)[rng.integers(0, len(LAST_NAMES), n)]
    return first, last


def _person_email(first: str, last: str, suffix: int, domain: str) -> str:
    number = "" if suffix == 0 else str(suffix)
    return f"{_ascii_slug(first)}.{_ascii_slug(last)}{number}@{domain}"


# --------------------------------------------------------------------------------------------
# Drawing helpers
# --------------------------------------------------------------------------------------------
def _draw_fixed_count(rng: np.random.Generator, log_odds: np.ndarray, share: float) -> np.ndarray:
    """Boolean array with exactly ``round(share * n)`` True values.

    Units are chosen by weighted sampling without replacement with weights equal to their odds
    (Efraimidis & Spirakis key ``log(U) / w``), so units with higher model odds are more often
    chosen while the total reproduces the anchored share.
    """
    n = len(log_odds)
    k = int(round(share * n))
    chosen = np.zeros(n, dtype=bool)
    if k == 0:
        return chosen
    keys = np.log(rng.random(n)) / np.exp(log_odds)
    chosen[np.argsort(-keys, kind="stable")[:k]] = True
    return chosen


def _expected_nps(mu: float, effects: np.ndarray) -> float:
    """Expected NPS (in points) of rounded normal scores with means ``mu + effects``."""
    sd = np.hypot(SCORE_SD_PERSON, SCORE_SD_ITEM)
    promoters = 1.0 - ndtr((8.5 - mu - effects) / sd)
    detractors = ndtr((6.5 - mu - effects) / sd)
    return 100.0 * float(np.mean(promoters - detractors))


def _stratified_score_noise(rng: np.random.Generator,
                            strata: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Person-level and item-level normal noise of the recommendation score.

    Their sum is drawn by Latin hypercube sampling within each stratum (sector): the k-th
    smallest of a stratum's n sums is the normal quantile of a uniform draw in
    ``[(k-1)/n, k/n)``, assigned to respondents in random order. The person part is then drawn
    from its conditional normal distribution given the sum. Every respondent's noise is still
    N(0, sd) at random, but a sector's noise distribution matches the normal closely, so its
    NPS lands near its anchor instead of swinging by ±8 points between years from noise alone.
    """
    total_sd = np.hypot(SCORE_SD_PERSON, SCORE_SD_ITEM)
    total = np.empty(len(strata))
    for stratum in np.unique(strata):
        members = np.flatnonzero(strata == stratum)
        slots = rng.permutation(len(members))
        total[members] = total_sd * ndtri((slots + rng.random(len(members))) / len(members))
    share = SCORE_SD_PERSON**2 / total_sd**2
    person = share * total + rng.normal(0.0, SCORE_SD_PERSON * SCORE_SD_ITEM / total_sd,
                                        len(strata))
    return person, total - person


def _draw_categories(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """Row-wise categorical draws (0-based) from an (n, k) probability matrix."""
    cumulative = np.cumsum(probabilities, axis=1)
    cumulative[:, -1] = 1.0
    return (rng.random(len(probabilities))[:, None] > cumulative).sum(axis=1)


# --------------------------------------------------------------------------------------------
# Klantcontact Monitor
# --------------------------------------------------------------------------------------------
def _klantcontact_year(rng: np.random.Generator, year: int,
                       driver_rng: np.random.Generator,
                       used_rng: np.random.Generator | None = None) -> pd.DataFrame:
    n = int(rng.integers(2400, 3601))
    # Sample: population cells age x region, distorted by response propensity.
    propensity = np.outer(RESPONSE_PROPENSITY["age"], RESPONSE_PROPENSITY["region"])
    propensity = propensity * np.exp(rng.normal(0.0, 0.05, propensity.shape))
    population = POPULATION_AGE_REGION / POPULATION_AGE_REGION.sum()
    cell_probability = (population * propensity).ravel()
    cell = rng.choice(cell_probability.size, size=n, p=cell_probability / cell_probability.sum())
    age = cell // 4
    region = cell % 4
    respondents_per_cell = np.bincount(cell, minlength=cell_probability.size)
    if (respondents_per_cell == 0).any():  # cannot happen at these sample sizes
        raise RuntimeError(f"empty weighting cell in klantcontact {year}")
    weight = population.ravel() * n / respondents_per_cell
    weight = np.round(weight[cell], 4)

    sector = rng.choice(len(SECTORS), size=n, p=SECTOR_SHARES / SECTOR_SHARES.sum())
    channel_logits = np.log(np.asarray(CHANNEL_SHARES[year], dtype=float)) + AGE_CHANNEL_OFFSET[age]
    channel_probability = np.exp(channel_logits)
    channel_probability /= channel_probability.sum(axis=1, keepdims=True)
    channel = _draw_categories(rng, channel_probability)
    is_chatbot = channel == CHATBOT - 1

    chatbot_solved = np.zeros(n, dtype=bool)
    chatbot_solved[is_chatbot] = _draw_fixed_count(
        rng, SECTOR_CHATBOT_LOGIT[sector[is_chatbot]] + AGE_CHATBOT_LOGIT[age[is_chatbot]],
        CHATBOT_SUCCESS_SHARE[year])

    progress = (year - YEARS[0]) / (YEARS[-1] - YEARS[0])
    fcr_share = np.array([lo + (hi - lo) * progress for lo, hi in CHANNEL_FCR.values()] + [0.5])
    fcr_probability = expit(logit(fcr_share[channel]) + SECTOR_FCR_LOGIT[sector])
    fcr = np.where(is_chatbot, chatbot_solved, rng.random(n) < fcr_probability)

    effects = (AGE_SCORE_EFFECT[age] + CHANNEL_SCORE_EFFECT[channel]
               + FCR_SCORE_EFFECT * fcr.astype(float))
    mu = np.empty(len(SECTORS))
    for s in range(len(SECTORS)):
        target = SECTOR_NPS[s + 1][year - YEARS[0]]
        in_sector = effects[sector == s]
        mu[s] = brentq(lambda m: _expected_nps(m, in_sector) - target, -5.0, 20.0, xtol=1e-9)
    person_noise, item_noise = _stratified_score_noise(rng, sector)
    latent = mu[sector] + effects + person_noise
    recommend = np.clip(np.rint(latent + item_noise), 0, 10)
    csat_noise = rng.normal(0.0, CSAT_SD_ITEM, n)
    satisfaction = np.clip(np.rint(3.75 + CSAT_LOADING * (latent - 7.5) + csat_noise), 1, 5)
    structural = 3.75 + CSAT_LOADING * (mu[sector] + effects - 7.5)
    drivers, truth = _driver_items(driver_rng, CSAT_LOADING * person_noise + csat_noise,
                                   structural, fcr, is_chatbot)

    centred = latent - 7.5
    offset = brentq(lambda b: np.mean(expit(b - 0.8 * centred)) - (1 - RELATION_QUOTIENT[year]),
                    -20.0, 20.0, xtol=1e-10)
    worsened = rng.random(n) < expit(offset - 0.8 * centred)
    strengthened = rng.random(n) < expit(-0.9 + 0.5 * centred)
    relation = np.where(worsened, 3, np.where(strengthened, 1, 2)).astype(float)

    # Item non-response: "weet niet" (user-missing 99) and a few per cent left blank.
    def with_missing(values: np.ndarray, dont_know: float, blank: float) -> np.ndarray:
        values = values.astype(float)
        draw = rng.random(len(values))
        values[draw < dont_know] = DONT_KNOW
        values[(draw >= dont_know) & (draw < dont_know + blank)] = np.nan
        return values

    recommend = with_missing(recommend, 0.03 + 0.02 * (age == 3), 0.015)
    satisfaction = with_missing(satisfaction, 0.02, 0.015)
    fcr_answer = with_missing(np.where(fcr, 1, 2), 0.0, 0.02)
    chatbot_answer = np.where(is_chatbot, np.where(chatbot_solved, 1.0, 2.0), np.nan)
    chatbot_answer[is_chatbot] = with_missing(chatbot_answer[is_chatbot], 0.0, 0.02)
    relation = with_missing(relation, 0.0, 0.02)

    first, last = _fake_names(rng, n)
    gives_email = rng.random(n) < 0.75
    suffix = np.where(rng.random(n) < 0.3, rng.integers(1, 100, n), 0)
    domain = np.where(rng.random(n) < 0.8, "voorbeeld.nl", "example.com")
    email = [(_person_email(f, l, s, d) if g else None)
             for f, l, s, d, g in zip(first, last, suffix, domain, gives_email)]
    customer_number = [f"KN-{k:06d}" for k in rng.choice(900_000, size=n, replace=False) + 100_000]
    comments = _comments(rng, recommend, is_chatbot, first, last)

    if questionnaire(year) == "v2017":
        ids = (year % 100) * 100_000 + np.arange(1, n + 1)
    else:
        ids = np.array([f"KC{year}-{i:05d}" for i in range(1, n + 1)], dtype=object)
    by_construct = {
        "id": ids, "year": np.full(n, year), "sector": sector + 1, "channel": channel + 1,
        "age_group": age + 1, "region": region + 1, "weight": weight, "nps": recommend,
        "csat": satisfaction, "fcr": fcr_answer, "chatbot_success": chatbot_answer,
        "relation": relation, "email": email, "klantnummer": customer_number,
        "toelichting": comments, **drivers,
    }
    if used_rng is not None and year >= USED_CHANNELS_FROM:
        used = _channels_used(used_rng, year, age, channel)
        if file_format("klantcontact", year) == "csv":
            by_construct["channels_used_text"] = _named(used)
        else:
            by_construct.update({f"channels_used_{key}": values
                                 for key, values in used.items()})
    frame = _frame("klantcontact", year, by_construct)
    frame.attrs["driver_truth"] = truth
    return frame


def _channels_used(rng: np.random.Generator, year: int, age: np.ndarray,
                   channel: np.ndarray) -> dict[str, np.ndarray]:
    """The channels each respondent used in the last year: 0/1 per option (NaN: skipped).

    A respondent's digital affinity (normal, shifted by age group and by the channel of the
    last contact) drives every channel's use through its loading, so the options overlap as
    they do in life; the channel of the last contact was used. Each channel's intercept is
    solved so that the expected share of users is :data:`USED_CHANNEL_SHARE` of the year.
    """
    n = len(age)
    affinity = AGE_AFFINITY[age] + LAST_CHANNEL_AFFINITY[channel] + rng.standard_normal(n)
    draws = rng.random((n, len(USED_CHANNELS)))
    skipped = rng.random(n) < USED_CHANNELS_SKIPPED
    out = {}
    for k, key in enumerate(USED_CHANNELS):
        first = APP_FROM if key == "app" else USED_CHANNELS_FROM
        if year < first:
            continue
        start, end = USED_CHANNEL_SHARE[key]
        target = start + (end - start) * (year - first) / (YEARS[-1] - first)
        last = channel == k                       # k < 6: a channel of the last contact
        loading = USED_CHANNEL_LOADING[key]

        def expected(b):
            return float(np.mean(np.where(last, 1.0, expit(b + loading * affinity)))) - target

        intercept = brentq(expected, -20.0, 20.0, xtol=1e-10)
        used = last | (draws[:, k] < expit(intercept + loading * affinity))
        out[key] = np.where(skipped, np.nan, used.astype(float))
    return out


def _named(used: dict[str, np.ndarray]) -> list[str | None]:
    """The options chosen as one text per respondent, as a form exports them: "telefoon,
    chat" (None: skipped; the empty text cannot occur, the last contact's channel was used)."""
    keys = list(used)
    matrix = np.column_stack([used[key] for key in keys])
    return [None if np.isnan(row).all() else
            ", ".join(USED_CHANNELS[key] for key, value in zip(keys, row) if value == 1)
            for row in matrix]


def _driver_items(rng: np.random.Generator, personal: np.ndarray, structural: np.ndarray,
                  fcr: np.ndarray, is_chatbot: np.ndarray) -> tuple[dict, dict]:
    """The six driver grades, drawn given the respondent's satisfaction, and the truth.

    ``personal`` is the part of the latent satisfaction that sector, age, channel and
    first-contact resolution do not explain (normal, independent of them); the latent driver
    ratings are drawn from their conditional normal distribution given it, so that jointly
    ``personal / sd = DRIVER_EFFECTS @ x + u`` with ``x ~ N(0, DRIVER_CORRELATION)``: the
    satisfaction column itself is not touched. Returns the items by construct and the true
    LMG importances (%) of satisfaction on the six items and fcr among employee contacts: the
    exact decomposition of the latent satisfaction's covariance matrix, whose driver block is
    known in closed form and whose fcr part comes from the generated structural part.
    """
    from .estimate.drivers import lmg_shares

    n = len(personal)
    sd = float(np.hypot(CSAT_LOADING * SCORE_SD_PERSON, CSAT_SD_ITEM))
    standard = personal / sd
    covariance_with = DRIVER_CORRELATION @ DRIVER_EFFECTS
    conditional = DRIVER_CORRELATION - np.outer(covariance_with, covariance_with)
    latent = (standard[:, None] * covariance_with[None, :]
              + rng.standard_normal((n, len(DRIVER_ITEMS))) @ np.linalg.cholesky(conditional).T)
    grades = np.clip(np.rint(DRIVER_MEAN + DRIVER_SD * latent), 1, 10)
    grades[is_chatbot] = np.nan
    grades[rng.random(grades.shape) < 0.02] = np.nan   # left blank

    employee = ~is_chatbot
    moments = np.cov(structural[employee], fcr[employee].astype(float), bias=True)
    k = len(DRIVER_ITEMS)
    cov = np.zeros((k + 2, k + 2))          # satisfaction, the six items, fcr
    cov[0, 0] = moments[0, 0] + sd**2       # the personal part is independent of the rest
    cov[0, 1:1 + k] = cov[1:1 + k, 0] = sd * covariance_with
    cov[1:1 + k, 1:1 + k] = DRIVER_CORRELATION
    cov[0, -1] = cov[-1, 0] = moments[0, 1]
    cov[-1, -1] = moments[1, 1]
    parts = lmg_shares(cov)
    names = (*DRIVER_ITEMS, "fcr")
    truth = {name: round(float(100 * part / parts.sum()), 2) for name, part in zip(names, parts)}
    return dict(zip(DRIVER_ITEMS, grades.T)), truth


def _comments(rng: np.random.Generator, recommend: np.ndarray, is_chatbot: np.ndarray,
              first: np.ndarray, last: np.ndarray) -> list[str | None]:
    n = len(recommend)
    writes = rng.random(n) < COMMENT_RATE
    personal = writes & (rng.random(n) < PERSONAL_COMMENT_RATE)
    pick = rng.random(n)
    comments: list[str | None] = []
    for i in range(n):
        if not writes[i]:
            comments.append(None)
            continue
        if personal[i]:
            template = PERSONAL_COMMENTS[int(pick[i] * len(PERSONAL_COMMENTS))]
            name = f"{first[i]} {last[i]}"
            comments.append(template.format(
                name=name, phone=_fake_phone(rng),
                email=_person_email(first[i], last[i], 0, "voorbeeld.nl"),
                iban=fake_iban(int(rng.integers(0, 10**10)))))
            continue
        score = recommend[i]
        if is_chatbot[i] and pick[i] < 0.5:
            pool = PLAIN_COMMENTS["chatbot"]
        elif score >= 9 and score <= 10:
            pool = PLAIN_COMMENTS["positive"]
        elif score <= 6:
            pool = PLAIN_COMMENTS["negative"]
        else:
            pool = PLAIN_COMMENTS["neutral"]
        comments.append(pool[int(rng.integers(0, len(pool)))])
    return comments


# --------------------------------------------------------------------------------------------
# Sectorscan
# --------------------------------------------------------------------------------------------
def _scan_population(rng: np.random.Generator) -> tuple[pd.DataFrame, dict[int, np.ndarray]]:
    """Member organisations (ever) and the members per year."""
    sectors = np.repeat(list(SCAN_SECTOR_COUNTS), list(SCAN_SECTOR_COUNTS.values()))
    sector_probability = np.array(list(SCAN_SECTOR_COUNTS.values()), float)
    sector_probability /= sector_probability.sum()
    rng.shuffle(sectors)

    def new_organisations(count: int, sector_codes: np.ndarray | None = None) -> dict:
        if sector_codes is None:
            sector_codes = rng.choice(list(SCAN_SECTOR_COUNTS), size=count, p=sector_probability)
        return {"sector": sector_codes,
                "size": rng.choice(3, size=count, p=SCAN_SIZE_SHARES) + 1,
                "propensity": rng.normal(0.0, 1.2, count)}

    parts = [new_organisations(len(sectors), sectors)]
    members = {YEARS[0]: np.arange(len(sectors))}
    total = len(sectors)
    for year in YEARS[1:]:
        current = members[year - 1]
        leaving = int(rng.integers(1, 6))
        joining = int(np.clip(len(current) - leaving + int(rng.integers(1, 6)), 165, 175)
                      - (len(current) - leaving))
        stay = np.sort(rng.choice(current, size=len(current) - leaving, replace=False))
        parts.append(new_organisations(joining))
        members[year] = np.concatenate([stay, np.arange(total, total + joining)])
        total += joining
    organisations = pd.DataFrame({key: np.concatenate([p[key] for p in parts])
                                  for key in parts[0]})
    organisations["org_nr"] = [f"ORG-{i + 1:03d}" for i in range(total)]
    return organisations, members


def _scan_year(rng: np.random.Generator, year: int, organisations: pd.DataFrame,
               members: np.ndarray, contacts: dict[int, tuple[str, str]],
               answered: np.ndarray) -> pd.DataFrame:
    """One year of the scan; ``answered`` (per organisation, updated) says who answered the
    year before: they answer again with probability :data:`SCAN_RESPONSE_AGAIN`."""
    size_of_member = organisations["size"].to_numpy()[members] - 1
    rate = SCAN_RESPONSE_RATE[size_of_member]
    if answered.any():
        again = SCAN_RESPONSE_AGAIN
        rate = np.where(answered[members], again, rate * (1 - again) / (1 - rate))
    responds = rng.random(len(members)) < rate * rng.uniform(0.92, 1.05)
    rows = members[responds]
    answered[:] = False
    answered[rows] = True
    org = organisations.iloc[rows]
    n = len(rows)
    size = org["size"].to_numpy() - 1
    sector = org["sector"].to_numpy()
    propensity = org["propensity"].to_numpy()
    base = SCAN_SIZE_LOGIT[size] + np.array([SCAN_SECTOR_LOGIT[s] for s in sector])

    ready = _draw_fixed_count(rng, base + propensity, AVG_READY_SHARE[year])
    # "deels" rather than "niet" among the organisations that are not ready
    partly_intercept = brentq(
        lambda a: np.mean(expit(a + 0.8 * propensity[~ready])) - AVG_PARTLY_SHARE[year],
        -20.0, 20.0, xtol=1e-10)
    partly = rng.random(n) < expit(partly_intercept + 0.8 * propensity)
    status = np.where(ready, 1, np.where(partly, 2, 3)).astype(float)
    staff = _draw_fixed_count(rng, base + 0.5 * propensity + 1.5 * ready,
                              STAFF_PREPARED_SHARE[year])
    privacy_effects = 0.5 * base + 0.4 * propensity + 1.0 * ready
    intercept = brentq(lambda a: np.mean(expit(a + privacy_effects)) - PRIVACY_STATEMENT_SHARE[year],
                       -20.0, 20.0, xtol=1e-10)
    privacy = np.where(rng.random(n) < expit(intercept + privacy_effects), 1.0, 2.0)
    privacy[rng.random(n) < 0.02] = np.nan

    growth = 1.0 + 0.12 * (year - YEARS[0])
    fte = SCAN_FTE_MEDIAN[size] * growth * np.exp(0.4 * ready - 0.5 * (status == 3)
                                                  + rng.normal(0.0, 0.45, n))
    fte = np.round(fte, 1)
    fte[rng.random(n) < 0.03] = np.nan

    # The contact person changes now and then; keep who answered for next year.
    names, emails = [], []
    for organisation in rows:
        if organisation not in contacts or rng.random() < 0.12:
            first, last = _fake_names(rng, 1)
            slug = organisations["org_nr"].iat[organisation].lower().replace("-", "")
            contacts[organisation] = (f"{first[0]} {last[0]}",
                                      f"{_ascii_slug(first[0])[0]}.{_ascii_slug(last[0])}"
                                      f"@{slug}.voorbeeld.nl")
        names.append(contacts[organisation][0])
        emails.append(contacts[organisation][1])

    by_construct = {
        "id": org["org_nr"].to_numpy(dtype=object), "year": np.full(n, year), "sector": sector,
        "size": size + 1, "avg_status": status, "avg_fte": fte,
        "staff_prepared": np.where(staff, 1, 2), "privacy_statement": privacy,
        "contact_name": names, "contact_email": emails,
    }
    frame = _frame("sectorscan", year, by_construct)
    frame.attrs["population"] = int(len(members))
    return frame


def _frame(survey: str, year: int, by_construct: dict) -> pd.DataFrame:
    version = 0 if questionnaire(year) == "v2017" else 1
    columns = {}
    for construct, values in by_construct.items():
        values = np.asarray(values) if not isinstance(values, list) else values
        if construct in INTEGER_CODED or construct in ("weight", "avg_fte"):
            series = pd.Series(values, dtype="float64")
        elif construct == "id" and np.asarray(values).dtype.kind in "iu":
            series = pd.Series(values, dtype="float64")
        else:
            series = pd.Series(values, dtype=object)
            series = series.astype(pd.Series(["text"]).dtype).where(series.notna())
        columns[COLUMNS[survey][construct][version]] = series
    frame = pd.DataFrame(columns)
    frame.attrs = {"survey": survey, "year": year, "questionnaire": questionnaire(year),
                   "format": file_format(survey, year)}
    return frame


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------
def generate(seed: int = DEFAULT_SEED,
             surveys: tuple[str, ...] = SURVEYS) -> dict[tuple[str, int], pd.DataFrame]:
    """Draw the demo surveys for 2017–2025.

    Parameters
    ----------
    seed : int, default 2018
        Seed of ``numpy.random.default_rng``; the same seed gives the same data.
    surveys : sequence of str, default both
        ``"klantcontact"`` and/or ``"sectorscan"``. Every survey and year draws from its own
        stream spawned from the seed, so a survey's data do not depend on this choice.

    Returns
    -------
    dict
        ``{(survey, year): DataFrame}`` for survey ``"klantcontact"`` and ``"sectorscan"``. Each
        frame holds the columns of that year's export under their source names (which change
        with the 2021 questionnaire), coded answers as float64 (the user-missing code 99 still
        in it, blank answers NaN) and text columns as strings. ``frame.attrs`` holds
        ``"questionnaire"``, ``"format"`` and, for the Sectorscan, ``"population"`` (number of
        member organisations that year).

    Examples
    --------
    >>> data = generate(2018)
    >>> sorted({survey for survey, year in data})
    ['klantcontact', 'sectorscan']
    >>> data["sectorscan", 2017].shape[1], data["sectorscan", 2017].attrs["population"]
    (10, 170)
    >>> list(data["klantcontact", 2021].columns[:4])
    ['respondent_id', 'jaar', 'sector', 'laatste_kanaal']
    """
    unknown = sorted(set(surveys) - set(SURVEYS))
    if unknown:
        raise ParameterError(f"unknown demo survey(s) {unknown}; choose from {list(SURVEYS)}")
    root = np.random.default_rng(seed)
    consumer_rng, scan_population_rng, *year_rngs = root.spawn(2 + 2 * len(YEARS))
    # The driver items (added later) draw from streams spawned off the stream that was kept in
    # reserve, so every column that existed before them kept its values.
    driver_rngs = consumer_rng.spawn(len(YEARS))
    # The channels-used question (added later still) draws from streams of its own, keyed by
    # the year, that no other stream can be: spawned children have keys (0,) to (19,).
    used_rngs = [np.random.default_rng(np.random.SeedSequence(
        seed, spawn_key=(USED_CHANNELS_STREAM, year))) for year in YEARS]
    data: dict[tuple[str, int], pd.DataFrame] = {}
    if "klantcontact" in surveys:
        for i, year in enumerate(YEARS):
            data["klantcontact", year] = _klantcontact_year(year_rngs[i], year, driver_rngs[i],
                                                            used_rngs[i])
    if "sectorscan" in surveys:
        organisations, members = _scan_population(scan_population_rng)
        contacts: dict[int, tuple[str, str]] = {}
        answered = np.zeros(len(organisations), dtype=bool)
        for i, year in enumerate(YEARS):
            data["sectorscan", year] = _scan_year(year_rngs[len(YEARS) + i], year,
                                                  organisations, members[year], contacts,
                                                  answered)
    return data


def write(output_dir: str | Path = "surveys", seed: int = DEFAULT_SEED,
          surveys: tuple[str, ...] = SURVEYS) -> list[Path]:
    """Generate the demo surveys and write the exports and the survey definitions.

    Parameters
    ----------
    output_dir : str or path-like, default ``"surveys"``
        Folder to write to (created if needed). Existing files of the same names are replaced.
    seed : int, default 2018
        Seed passed to :func:`generate`.
    surveys : sequence of str, default both
        Which surveys to write.

    Returns
    -------
    list of pathlib.Path
        The files written: nine exports, a ``<survey>.toml`` definition and its population
        margins ``populatie_<survey>.toml`` per survey.

    Examples
    --------
    >>> import tempfile
    >>> from kirc.survey.definition import load_survey
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     written = write(folder, surveys=["sectorscan"])
    ...     frame = load_survey(Path(folder) / "sectorscan.toml", years=[2020, 2022])
    >>> [p.name for p in written if p.suffix != ".sav"]
    ['sectorscan_2020.xlsx', 'sectorscan_2022.csv', 'sectorscan.toml', 'populatie_sectorscan.toml']
    >>> frame.groupby("year").size().to_dict()
    {2020: 133, 2022: 125}
    """
    output = Path(output_dir)
    output.mkdir(parents=True, exist_ok=True)
    data = generate(seed, surveys)
    written = []
    for (survey, year), frame in data.items():
        path = output / file_name(survey, year)
        _write_export(frame, survey, year, path)
        written.append(path)
    for survey in (s for s in SURVEYS if s in surveys):
        populations = ({year: data[survey, year].attrs["population"] for year in YEARS}
                       if survey == "sectorscan" else None)
        path = output / f"{survey}.toml"
        path.write_text(definition_toml(survey, populations, seed), encoding="utf-8",
                        newline="\n")
        written.append(path)
        path = output / f"populatie_{survey}.toml"
        path.write_text(margins_toml(survey, seed), encoding="utf-8", newline="\n")
        written.append(path)
    return written


#: Adults (18+) in the Netherlands used for the illustrative consumer margins.
ADULT_POPULATION = 14_000_000

_MARGINS_HEADER = {
    "klantcontact": """\
# Population margins of the Klantcontact Monitor (demo): Dutch residents aged 18 and over.
# Written by `python -m kirc.demo`; read for the [calibration] table of klantcontact.toml.
#
# ILLUSTRATIVE FIGURES, NOT OFFICIAL STATISTICS. They are of the order of magnitude of CBS
# StatLine's population by age and landsdeel (about 14 million adults), rounded to thousands,
# and are the marginal totals of the joint table the demo generator samples respondents from
# (kirc.demo.POPULATION_AGE_REGION x 14 million), so that the calibrated demo estimates stay
# close to the story the demo data tell. For a real survey, take the figures of the survey year
# from CBS StatLine ("Bevolking; geslacht, leeftijd en regio", 1 January).
#
# Sector of the last contact is not a margin: no population source counts contacts per
# sector, and calibrating on invented contact shares would make the sector figures an artefact
# of those shares.
#
# Format: [margins.<construct>] holds the population count per category label for every year;
# [margins.<year>.<construct>] replaces it for one year.

title = "Volwassen bevolking van Nederland naar leeftijdsgroep en landsdeel (illustratief)"
source = "Illustratief, orde van grootte CBS StatLine; geen officiële cijfers"
""",
    "sectorscan": """\
# Population margins of the Sectorscan (demo): the member organisations per year.
# Written by `python -m kirc.demo`; read for the [calibration] table of sectorscan.toml.
#
# ILLUSTRATIVE FIGURES: the demo's simulated membership list counted by sector and by size
# class; they add up to the population of each year in sectorscan.toml. A real scan takes them
# from its member administration on the reference date. Sector and size are calibrated as two
# margins, not their cross: several sector x size cells hold one or two members.
#
# Format: see populatie_klantcontact.toml ([margins.<year>.<construct>] per year).

title = "Aangesloten organisaties per jaar naar sector en omvang (illustratief)"
source = "Gesimuleerde ledenlijst van de demo (kirc.demo); geen echte cijfers"
""",
}


def margins_toml(survey: str, seed: int = DEFAULT_SEED) -> str:
    """The population margins file of a demo survey (``populatie_<survey>.toml``) as TOML text.

    Klantcontact: the age group and landsdeel totals of :data:`POPULATION_AGE_REGION` times
    :data:`ADULT_POPULATION`, rounded to thousands (illustrative). Sectorscan: the simulated
    member list of each year (the one :func:`generate` draws with ``seed``) by sector and size.

    Examples
    --------
    >>> import tomllib
    >>> tomllib.loads(margins_toml("klantcontact"))["margins"]["region"]
    {'Noord': 1400000, 'Oost': 3010000, 'Zuid': 2940000, 'West': 6650000}
    >>> sum(tomllib.loads(margins_toml("sectorscan"))["margins"]["2017"]["size"].values())
    170
    """
    lines = [_MARGINS_HEADER[survey]]
    if survey == "klantcontact":
        for construct, codes, shares in (
                ("age_group", AGE_GROUPS, POPULATION_AGE_REGION.sum(axis=1)),
                ("region", REGIONS, POPULATION_AGE_REGION.sum(axis=0))):
            lines.append(f"[margins.{construct}]")
            counts = np.round(shares * ADULT_POPULATION / 1000).astype(int) * 1000
            for label, count in zip(codes.values(), counts):
                lines.append(f"{_toml_string(label)} = {count:_d}")
            lines.append("")
    else:
        root = np.random.default_rng(seed)
        _, scan_population_rng, *_ = root.spawn(2 + 2 * len(YEARS))
        organisations, members = _scan_population(scan_population_rng)
        for year in YEARS:
            listed = organisations.iloc[members[year]]
            for construct, codes in (("sector", SCAN_SECTORS), ("size", SIZES)):
                lines.append(f"[margins.{year}.{construct}]")
                counts = listed[construct].value_counts()
                for code, label in codes.items():
                    lines.append(f"{_toml_string(label)} = {int(counts.get(code, 0))}")
            lines.append("")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------------
def _construct_of(survey: str, year: int) -> dict[str, str]:
    """source column -> construct for ``survey`` in ``year``."""
    version = 0 if questionnaire(year) == "v2017" else 1
    return {names[version]: construct for construct, names in COLUMNS[survey].items()}


def _write_export(frame: pd.DataFrame, survey: str, year: int, path: Path) -> None:
    kind = file_format(survey, year)
    if kind == "sav":
        _write_sav(frame, survey, year, path)
    elif kind == "csv":
        _coded_as_integers(frame, survey, year).to_csv(
            path, sep=";", decimal=",", index=False, encoding=CSV_ENCODING[survey],
            lineterminator="\r\n" if CSV_ENCODING[survey] == "cp1252" else "\n")
    else:
        _write_xlsx(_coded_as_integers(frame, survey, year), path, year)


def _coded_as_integers(frame: pd.DataFrame, survey: str, year: int) -> pd.DataFrame:
    """Integer codes as nullable integers so that text exports show ``7``, not ``7,0``."""
    construct = _construct_of(survey, year)
    out = frame.copy()
    for column in out.columns:
        if construct[column] in INTEGER_CODED or (construct[column] == "id"
                                                  and out[column].dtype.kind == "f"):
            out[column] = out[column].astype("Int64")
    return out


def _write_sav(frame: pd.DataFrame, survey: str, year: int, path: Path) -> None:
    import pyreadstat

    construct = _construct_of(survey, year)
    labels = SCAN_VALUE_LABELS if survey == "sectorscan" else VALUE_LABELS
    version = 0 if questionnaire(year) == "v2017" else 1
    value_labels, measures, formats, missing = {}, {}, {}, {}
    for column in frame.columns:
        name = construct[column]
        if name in labels:
            value_labels[column] = {float(code): text for code, text in labels[name].items()}
        measures[column] = MEASURES.get(name, "nominal")  # ids and texts are nominal
        if name in INTEGER_CODED:
            formats[column] = "F4.0" if name == "year" else "F2.0"
        elif name == "id" and frame[column].dtype.kind == "f":
            formats[column] = "F8.0"
        elif name == "weight":
            formats[column] = "F8.4"
        elif name == "avg_fte":
            formats[column] = "F5.1"
        if name in USER_MISSING.get(survey, ()):
            missing[column] = [float(DONT_KNOW)]
    title = "Klantcontact Monitor" if survey == "klantcontact" else "Sectorscan"
    pyreadstat.write_sav(
        frame, path, file_label=f"{title} {year} (synthetische demodata)",
        column_labels={COLUMNS[survey][c][version]: COLUMNS[survey][c][2] for c in COLUMNS[survey]},
        row_compress=True, variable_value_labels=value_labels, missing_ranges=missing,
        variable_measure=measures, variable_format=formats,
        note=f"Synthetische demodata, gegenereerd door kirc.demo; vragenlijst {questionnaire(year)}.")
    _stamp_sav(path, year)


def _stamp_sav(path: Path, year: int) -> None:
    """Replace the writer's clock time in the .sav header by the fieldwork date (1 Dec, noon).

    The system-file header holds the creation date ('dd mmm yy', 9 bytes) at offset 92 and the
    time ('hh:mm:ss', 8 bytes) at offset 101; nothing else in the file depends on the clock.
    """
    stamp = f"01 Dec {year % 100:02d}12:00:00".encode("ascii")
    with open(path, "r+b") as handle:
        header = handle.read(4)
        if header != b"$FL2":
            raise RuntimeError(f"{path} is not an SPSS system file")
        handle.seek(92)
        handle.write(stamp)


def _cell(value):
    """A Python value openpyxl can store; missing values become empty cells."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def _write_xlsx(frame: pd.DataFrame, path: Path, year: int) -> None:
    """Write one sheet with the header in row 1, then fix every timestamp in the package."""
    from openpyxl import Workbook

    # openpyxl directly rather than DataFrame.to_excel, whose header styling differs between
    # pandas versions: the bytes should depend on the data only.
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "data"
    sheet.append([str(c) for c in frame.columns])
    columns = [frame[c].astype(object).tolist() for c in frame.columns]
    for row in zip(*columns):
        sheet.append([_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    stamp = f"{year}-12-01T12:00:00Z"
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source, \
            zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                                 rb"\g<1>" + stamp.encode("ascii"), content)
            info = zipfile.ZipInfo(item.filename, date_time=(year, 12, 1, 12, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = item.external_attr
            target.writestr(info, content)


# --------------------------------------------------------------------------------------------
# Survey definitions (TOML), rendered from the same tables as the data
# --------------------------------------------------------------------------------------------
def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _toml_labels(labels: dict[int, str]) -> str:
    return "{ " + ", ".join(f"{code} = {_toml_string(text)}" for code, text in labels.items()) + " }"


CONSTRUCTS = {
    "klantcontact": {
        "sector": {"type": "category", "label": "Sector van de organisatie van het laatste contact",
                   "labels": SECTORS},
        "channel": {"type": "category", "label": "Kanaal van het laatste contact",
                    "labels": CHANNELS},
        "age_group": {"type": "category", "label": "Leeftijdsgroep", "labels": AGE_GROUPS,
                      "ordered": True},
        "region": {"type": "category", "label": "Landsdeel", "labels": REGIONS},
        "weight": {"type": "weight",
                   "label": "Weegfactor (celweging naar leeftijdsgroep x landsdeel)"},
        "nps": {"type": "rating", "label": "Aanbevelingsbereidheid (0–10)", "scale": (0, 10),
                "missing": {DONT_KNOW: DONT_KNOW_LABEL}},
        "csat": {"type": "rating", "label": "Tevredenheid over het contact (1–5)",
                 "scale": (1, 5), "missing": {DONT_KNOW: DONT_KNOW_LABEL}},
        "fcr": {"type": "binary", "label": "Vraag opgelost bij het eerste contact",
                "positive": (1,), "negative": (2,)},
        "chatbot_success": {"type": "binary", "label": "Chatbot loste de vraag op (chatbotgebruikers)",
                            "positive": (1,), "negative": (2,)},
        "relation": {"type": "binary",
                     "label": "Contact versterkte of behield de relatie (Relatie Quotiënt)",
                     "positive": (1, 2), "negative": (3,)},
        "toelichting": {"type": "text", "label": "Toelichting (open antwoord)"},
        "wait_time": {"type": "rating", "label": "Rapportcijfer wachttijd (1–10)",
                      "scale": (1, 10)},
        "expertise": {"type": "rating", "label": "Rapportcijfer deskundigheid medewerker (1–10)",
                      "scale": (1, 10)},
        "friendliness": {"type": "rating",
                         "label": "Rapportcijfer vriendelijkheid medewerker (1–10)",
                         "scale": (1, 10)},
        "clarity": {"type": "rating", "label": "Rapportcijfer duidelijkheid uitleg (1–10)",
                    "scale": (1, 10)},
        "speed": {"type": "rating", "label": "Rapportcijfer snelheid afhandeling (1–10)",
                  "scale": (1, 10)},
        "thinking_along": {"type": "rating", "label": "Rapportcijfer meedenken medewerker (1–10)",
                           "scale": (1, 10)},
        "channels_used": {"type": "multiple",
                          "label": "Gebruikte kanalen in het afgelopen jaar (meerdere antwoorden)",
                          "options": USED_CHANNELS, "options_en": USED_CHANNELS_EN},
    },
    "sectorscan": {
        "sector": {"type": "category", "label": "Sector", "labels": SCAN_SECTORS},
        "size": {"type": "category", "label": "Omvang van de organisatie", "labels": SIZES,
                 "ordered": True},
        "avg_status": {"type": "category", "label": "Status AVG", "labels": AVG_STATUS,
                       "ordered": True},
        "avg_ready": {"type": "binary", "label": "Klaar voor de AVG", "positive": (1,),
                      "negative": (2, 3), "column": "avg_status"},
        "avg_fte": {"type": "number", "label": "Fte voor de AVG"},
        "staff_prepared": {"type": "binary", "label": "Klantcontactmedewerkers voorbereid op de AVG",
                           "positive": (1,), "negative": (2,)},
        "privacy_statement": {"type": "binary",
                              "label": "Begrijpelijke privacyverklaring online",
                              "positive": (1,), "negative": (2,)},
    },
}
#: English category labels (``labels_en``), for reports in English.
LABELS_EN = {
    "klantcontact": {
        "sector": {1: "telecom", 2: "energy", 3: "financial services", 4: "government",
                   5: "retail", 6: "e-commerce", 7: "health insurers"},
        "channel": {1: "telephone", 2: "e-mail", 3: "chat", 4: "WhatsApp", 5: "social media",
                    6: "chatbot"},
        "age_group": dict(AGE_GROUPS),
        "region": {1: "North", 2: "East", 3: "South", 4: "West"},
    },
    "sectorscan": {
        "sector": {1: "telecom", 2: "energy", 3: "financial services", 4: "government",
                   5: "retail", 6: "e-commerce", 7: "health insurers",
                   8: "outsourcing / contact centres"},
        "size": {1: "small", 2: "medium", 3: "large"},
        "avg_status": {1: "ready", 2: "partly", 3: "not"},
    },
}

#: The indicators each demo report shows, in order: ``[indicators.<key>]`` of the definitions.
INDICATORS = {
    "klantcontact": {
        "nps": {"metric": "nps", "construct": "nps",
                "label": ("Net Promoter Score (NPS)", "Net Promoter Score (NPS)"),
                "unit": "punten"},
        "csat": {"metric": "top_box", "construct": "csat", "top": 2,
                 "label": ("Klanttevredenheid (CSAT, % tevreden)",
                           "Customer satisfaction (CSAT, % satisfied)"), "unit": "procent",
                 "definition": ("aandeel dat 4 of 5 antwoordt op een schaal van 1 tot 5",
                                "share answering 4 or 5 on a scale from 1 to 5")},
        "csat_mean": {"metric": "mean", "construct": "csat",
                      "label": ("Gemiddelde tevredenheid (1–5)", "Mean satisfaction (1–5)"),
                      "unit": "schaal"},
        "chatbot_success": {"metric": "share", "construct": "chatbot_success",
                            "label": ("Succesratio chatbot", "Chatbot success rate"),
                            "unit": "procent",
                            "base": ("respondenten die de chatbot gebruikten",
                                     "respondents who used the chatbot")},
        "fcr": {"metric": "share", "construct": "fcr",
                "label": ("Opgelost bij eerste contact (FCR)", "First-contact resolution (FCR)"),
                "unit": "procent"},
        "relation": {"metric": "share", "construct": "relation",
                     "label": ("Relatie Quotiënt", "Relationship Quotient"), "unit": "procent",
                     "definition": ("aandeel bij wie het contact de relatie versterkte of "
                                    "behield", "share for whom the contact strengthened or "
                                    "kept the relationship")},
        # a multiple-response question: its own section in the report (a bar per option)
        "channels_used": {"metric": "multiple", "construct": "channels_used",
                          "label": ("Gebruikte kanalen", "Channels used"), "unit": "procent",
                          "base": ("respondenten die de vraag beantwoordden (vanaf 2019)",
                                   "respondents who answered the question (from 2019)")},
    },
    "sectorscan": {
        "avg_ready": {"metric": "share", "construct": "avg_ready",
                      "label": ("Klaar voor de AVG (organisaties)",
                                "Ready for the GDPR (organisations)"), "unit": "procent"},
        "staff_prepared": {"metric": "share", "construct": "staff_prepared",
                           "label": ("Contactmedewerkers voorbereid op de AVG",
                                     "Contact staff prepared for the GDPR"), "unit": "procent"},
    },
}

#: ``[report]`` of the demo definitions; the organisation survey pairs with the consumer one.
REPORT = {
    "klantcontact": {"breakdowns": ["sector", "channel", "age_group"], "segment_by": "sector",
                     "org_survey": "sectorscan"},
    "sectorscan": {"breakdowns": ["sector", "size"], "segment_by": "sector"},
}

#: Drivers declared in the definitions (the truth behind them: the module docstring).
DRIVERS = {"klantcontact": {"csat": {"outcome": "csat",
                                     "predictors": [*DRIVER_ITEMS, "fcr"]}}}
HEADERS = {
    "klantcontact": ("Klantcontact Monitor", "respondenten", 30,
                     "Consumentenonderzoek naar het laatste contact met een organisatie."),
    "sectorscan": ("Sectorscan", "organisaties", 5,
                   "Jaarlijkse scan onder de aangesloten organisaties (AVG-gereedheid)."),
}


#: The ``[design]`` table of each demo definition (format: see :mod:`kirc.survey.definition`).
DESIGN_TOML = {
    "klantcontact": [
        "# The consumer survey is weighted by its post-stratification weight (age group x",
        "# region); no strata or clusters.",
        "[design]",
        'weights = "weight"',
        "",
    ],
    "sectorscan": [
        "# The organisation survey is a simple random sample of the member organisations; the",
        "# population per year under [years] is its finite population correction. Most",
        "# members answer again the next year: `linked` names the organisation number, so that",
        "# changes between years take the covariance of the returning organisations.",
        "[design]",
        'linked = "id"',
        "",
    ],
}


def definition_toml(survey: str, populations: dict[int, int] | None = None,
                    seed: int = DEFAULT_SEED) -> str:
    """The survey definition of a demo survey as TOML text (format: see :mod:`kirc.survey.definition`).

    Rendered from the same code lists and column tables that the generator writes into the
    files, so that definition and data cannot drift apart.

    Parameters
    ----------
    survey : {"klantcontact", "sectorscan"}
    populations : dict, optional
        ``{year: number of member organisations}``, written as ``population`` per year.
    seed : int
        Mentioned in the header comment.

    Returns
    -------
    str

    Examples
    --------
    >>> import tomllib
    >>> parsed = tomllib.loads(definition_toml("klantcontact"))
    >>> parsed["constructs"]["nps"]["scale"], parsed["years"]["2019"]["file"]
    ([0, 10], 'klantcontact_2019.csv')
    """
    title, unit, min_n, description = HEADERS[survey]
    lines = [
        f"# Survey definition: {title} (synthetic demo data).",
        f"# Written by `python -m kirc.demo --seed {seed}`; rerunning the generator rewrites it.",
        "# Read by kirc.load_survey: constructs (what is measured, harmonised over the years),",
        "# questionnaires (which column holds which construct) and years (file per year).",
        "",
        f"name = {_toml_string(survey)}",
        f"title = {_toml_string(title)}",
        f"description = {_toml_string(description)}",
        f"unit = {_toml_string(unit)}",
        f"min_n = {min_n}",
        "",
    ]
    for name, spec in CONSTRUCTS[survey].items():
        lines.append(f"[constructs.{name}]")
        lines.append(f"type = {_toml_string(spec['type'])}")
        lines.append(f"label = {_toml_string(spec['label'])}")
        if "scale" in spec:
            lines.append(f"scale = [{spec['scale'][0]}, {spec['scale'][1]}]")
        if "missing" in spec:
            lines.append(f"missing = {_toml_labels(spec['missing'])}")
        if "positive" in spec:
            lines.append(f"positive = [{', '.join(map(str, spec['positive']))}]")
            lines.append(f"negative = [{', '.join(map(str, spec['negative']))}]")
        if "labels" in spec:
            lines.append(f"labels = {_toml_labels(spec['labels'])}")
        if name in LABELS_EN[survey]:
            lines.append(f"labels_en = {_toml_labels(LABELS_EN[survey][name])}")
        for key in ("options", "options_en"):
            if key in spec:
                lines.append(f"{key} = {{ " + ", ".join(
                    f"{option} = {_toml_string(text)}" for option, text in spec[key].items())
                    + " }")
        if spec.get("ordered"):
            lines.append("ordered = true")
        lines.append("")
    lines.extend(_indicator_and_report_toml(survey))
    for version, (first, label) in VERSIONS[survey].items():
        index = 0 if questionnaire(first) == "v2017" else 1
        lines.append(f"[questionnaires.{version}]")
        lines.append(f"label = {_toml_string(label)}")
        lines.append("[questionnaires." + version + ".columns]")
        for name in ("id", "year", *CONSTRUCTS[survey]):
            if CONSTRUCTS[survey].get(name, {}).get("type") == "multiple":
                mapping = _used_channels_toml(survey, first, index)
                if mapping:
                    lines.append(f"{name} = {mapping}")
                continue
            source = CONSTRUCTS[survey].get(name, {}).get("column", name)
            lines.append(f"{name} = {_toml_string(COLUMNS[survey][source][index])}")
        lines.append("")
    lines.extend(DESIGN_TOML[survey])
    for key, spec in DRIVERS.get(survey, {}).items():
        lines.append(f"[drivers.{key}]")
        lines.append(f"outcome = {_toml_string(spec['outcome'])}")
        lines.append("predictors = [" + ", ".join(map(_toml_string, spec["predictors"])) + "]")
        lines.append("")
    lines.append("[years]")
    for year in YEARS:
        entry = (f"file = {_toml_string(file_name(survey, year))}, "
                 f"questionnaire = {_toml_string(definition_version(survey, year))}")
        if populations is not None:
            entry += f", population = {populations[year]}"
        lines.append(f"{year} = {{ {entry} }}")
    lines.extend(["", *CALIBRATION[survey]])
    return "\n".join(lines) + "\n"


def _used_channels_toml(survey: str, year: int, index: int) -> str | None:
    """Where the export of ``year`` keeps the channels-used question: one column naming the
    options (CSV), or a column per option asked; None before the question was asked."""
    if year < USED_CHANNELS_FROM:
        return None
    asked = [key for key in USED_CHANNELS if key != "app" or year >= APP_FROM]
    if file_format(survey, year) == "csv":
        return (f"{{ column = {_toml_string(COLUMNS[survey]['channels_used_text'][index])}, "
                f"asked = [{', '.join(map(_toml_string, asked))}] }}")
    return "{ " + ", ".join(f"{key} = {_toml_string(COLUMNS[survey][f'channels_used_{key}'][index])}"
                            for key in asked) + " }"


def _texts_toml(texts: tuple[str, str]) -> str:
    return f"{{ nl = {_toml_string(texts[0])}, en = {_toml_string(texts[1])} }}"


def _indicator_and_report_toml(survey: str) -> list[str]:
    """``[indicators.<key>]`` and ``[report]`` of a demo definition (see kirc.survey.definition)."""
    lines = []
    for key, spec in INDICATORS[survey].items():
        lines.append(f"[indicators.{key}]")
        lines.append(f"metric = {_toml_string(spec['metric'])}")
        lines.append(f"construct = {_toml_string(spec['construct'])}")
        if "top" in spec:
            lines.append(f"top = {spec['top']}")
        lines.append(f"label = {_texts_toml(spec['label'])}")
        lines.append(f"unit = {_toml_string(spec['unit'])}")
        for name in ("definition", "base"):
            if name in spec:
                lines.append(f"{name} = {_texts_toml(spec[name])}")
        lines.append("")
    report = REPORT[survey]
    lines.append("[report]")
    lines.append("breakdowns = [" + ", ".join(map(_toml_string, report["breakdowns"])) + "]")
    if report.get("segment_by"):
        lines.append(f"segment_by = {_toml_string(report['segment_by'])}")
    if report.get("org_survey"):
        lines.append(f"org_survey = {_toml_string(report['org_survey'])}")
    lines.append("")
    return lines


#: The [calibration] table of each demo definition (issue 13): the weights are made at load
#: time by kirc.calibrate from the population margins in surveys/populatie_<survey>.toml.
CALIBRATION = {
    "klantcontact": ["# The weight is made at load time: raked to the age group and landsdeel",
                     "# totals of populatie_klantcontact.toml (it replaces the shipped weight).",
                     "[calibration]", 'method = "raking"', "bounds = [0.3, 3.0]",
                     'margins = "populatie_klantcontact.toml"'],
    "sectorscan": ["# Weights raked to the member list by sector and size, per year",
                   "# (populatie_sectorscan.toml); the population per year stays the fpc.",
                   "[calibration]", 'method = "raking"', 'margins = "populatie_sectorscan.toml"',
                   # not "weight": the report estimates organisation figures unweighted (fpc)
                   # until estimators take the design the frame carries (branch design)
                   'weight = "weight_calibrated"'],
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kirc.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--output", default=str(Path(__file__).resolve().parents[1] / "surveys"),
                        help="output folder (default: the project's surveys/)")
    args = parser.parse_args(argv)
    for path in write(args.output, seed=args.seed):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
