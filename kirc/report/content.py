"""Content of the annual report: headline figures, breakdowns, generated text, methods note.

The notebook ``notebooks/annual_report.ipynb`` only calls these functions (and
:mod:`kirc.report.figures`), so that everything a report says is computed, tested and reusable outside
the notebook. The flow is the package's: harmonised frames from :func:`kirc.load_survey` →
metrics from :mod:`kirc.metrics` → tables and sentences here, in Dutch (``language="nl"``,
the default) or English.

Small groups: a figure based on fewer answers than the survey's ``min_n`` (30 respondents, 5
organisations) is suppressed — shown as "–" with the reason — never bare.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from .. import config, metrics
from ..errors import ParameterError
from .formatting import format_number, format_percent, format_value
from .names import resolve_segment
from .texts import LABELS, SUBJECTS, check_language as _check_language

__all__ = ["LABELS", "Metric", "HEADLINE_METRICS", "select_segment", "headline",
           "headline_table", "breakdown", "summary_text", "methods_note", "write_headline",
           "format_number", "format_percent", "format_value"]



class Metric:
    """One headline indicator: which frame, which construct, which metric function."""

    def __init__(self, key: str, source: str, column: str, kind: str, unit: str):
        self.key, self.source, self.column, self.kind, self.unit = key, source, column, kind, unit

    def compute(self, data: pd.DataFrame, by=None, **kwargs) -> pd.DataFrame:
        return _FUNCTIONS[self.kind](data, self.column, by=by, **self._options(data), **kwargs)

    def change(self, data: pd.DataFrame, year: int, **kwargs) -> pd.DataFrame:
        return metrics.change(data, _FUNCTIONS[self.kind], self.column, year=year,
                              **self._options(data), **kwargs)

    def _options(self, data: pd.DataFrame) -> dict:
        options = {}
        if self.source == "consumers" and "weight" in data.columns:
            options["weights"] = "weight"
        if self.source == "organisations" and data.attrs.get("population"):
            options["population"] = "auto"
        if self.kind == "share":
            options["positive"] = 1
        return options

    def __repr__(self) -> str:
        return f"Metric({self.key!r})"


_FUNCTIONS = {"nps": metrics.nps, "csat": metrics.csat, "mean": metrics.mean_score,
              "share": metrics.share}

HEADLINE_METRICS = [
    Metric("nps", "consumers", "nps", "nps", "points"),
    Metric("csat", "consumers", "csat", "csat", "percent"),
    Metric("csat_mean", "consumers", "csat", "mean", "score"),
    Metric("chatbot_success", "consumers", "chatbot_success", "share", "percent"),
    Metric("fcr", "consumers", "fcr", "share", "percent"),
    Metric("relation", "consumers", "relation", "share", "percent"),
    Metric("avg_ready", "organisations", "avg_ready", "share", "percent"),
    Metric("staff_prepared", "organisations", "staff_prepared", "share", "percent"),
]


# --------------------------------------------------------------------------------------------
# selecting and computing


def select_segment(data: pd.DataFrame, segment: str) -> pd.DataFrame:
    """Rows of one sector (``segment="all"``: all rows), keeping the frame's metadata.

    The population sizes in ``attrs["population"]`` are those of the whole survey, not of one
    sector, so a segment's frame has none: its intervals then carry no finite population
    correction (conservative) rather than a wrong one.

    Examples
    --------
    >>> df = pd.DataFrame({"sector": pd.Categorical(["telecom", "retail"])})
    >>> len(select_segment(df, "telecom")), len(select_segment(df, "all"))
    (1, 2)
    """
    if segment == "all" or "sector" not in data.columns:
        return data
    sectors = list(data["sector"].cat.categories) if isinstance(
        data["sector"].dtype, pd.CategoricalDtype) else sorted(data["sector"].dropna().unique())
    label = resolve_segment(segment, [str(s) for s in sectors])
    if label == "all":
        return data
    out = data[data["sector"] == label]
    out.attrs = {**data.attrs, "population": {}, "segment": label}
    return out


def breakdown_group(segment: str) -> str:
    """The column a report breaks its NPS down by: sectors overall, age groups within one.

    Examples
    --------
    >>> breakdown_group("all"), breakdown_group("telecom")
    ('sector', 'age_group')
    """
    return "sector" if segment == "all" else "age_group"


def headline(consumers: pd.DataFrame, organisations: pd.DataFrame | None, year: int,
             language: str = "nl") -> pd.DataFrame:
    """The headline figures of one year, with the change from the year before.

    Parameters
    ----------
    consumers : pandas.DataFrame
        Harmonised consumer survey (all years up to ``year``), from :func:`kirc.load_survey`.
    organisations : pandas.DataFrame or None
        Harmonised organisation survey (AVG readiness), or None.
    year : int
    language : {"nl", "en"}

    Returns
    -------
    pandas.DataFrame
        One row per indicator: ``metric`` (key), ``label``, ``unit``, ``estimate``, ``ci_low``,
        ``ci_high``, ``n``, ``flag``, ``suppressed``, ``change``, ``change_low``,
        ``change_high``, ``p_value``, ``significant`` (None without a previous year).
        Indicators whose construct is absent from the data are left out.

    Notes
    -----
    Consumer figures are weighted by the survey's post-stratification weight; organisation
    figures use the finite population correction with the definition's population size. The
    figures are those of :mod:`kirc.metrics` (validated there); this function only gathers them.
    """
    labels = _check_language(language)
    rows = []
    frames = {"consumers": consumers, "organisations": organisations}
    for metric in HEADLINE_METRICS:
        data = frames[metric.source]
        if data is None or metric.column not in data.columns:
            continue
        this_year = data[data["year"] == year]
        this_year.attrs = dict(data.attrs)
        if this_year[metric.column].notna().sum() == 0:
            continue
        result = metric.compute(this_year).iloc[0]
        min_n = int(data.attrs.get("min_n", config.MIN_N))
        row = {"metric": metric.key, "label": labels[metric.key], "unit": metric.unit,
               "estimate": result["estimate"], "ci_low": result["ci_low"],
               "ci_high": result["ci_high"], "n": int(result["n"]), "flag": result["flag"],
               "suppressed": bool(result["n"] < min_n), "change": np.nan,
               "change_low": np.nan, "change_high": np.nan, "p_value": np.nan,
               "significant": None}
        previous = data[data["year"] == year - 1]
        if previous[metric.column].notna().sum() > 0:
            delta = metric.change(data[data["year"].isin([year - 1, year])], year).iloc[0]
            suppressed = row["suppressed"] or delta["flag"] != ""
            row.update(change=delta["estimate"], change_low=delta["ci_low"],
                       change_high=delta["ci_high"], p_value=delta["p_value"],
                       significant=None if suppressed else bool(delta["significant"]))
            if suppressed:
                row.update(change=np.nan, change_low=np.nan, change_high=np.nan,
                           p_value=np.nan)
        if row["suppressed"]:
            row.update(estimate=np.nan, ci_low=np.nan, ci_high=np.nan)
        rows.append(row)
    return pd.DataFrame(rows)


def _format_change(row, language) -> str:
    labels = LABELS[language]
    if row["significant"] is None or (isinstance(row["change"], float)
                                      and math.isnan(row["change"])):
        return "–"
    decimals = 2 if row["unit"] == "score" else 1
    text = format_number(row["change"], decimals, language, sign=True)
    text += "" if row["unit"] == "score" else (" pt" if language == "nl" else " pts")
    if row["significant"]:
        arrow = "▲" if row["change"] > 0 else "▼"
        return f"{arrow} {text} ({labels['significant']})"
    return f"{text} ({labels['not_significant']})"


def headline_table(table: pd.DataFrame, language: str = "nl") -> pd.DataFrame:
    """The headline figures formatted for reading: value, interval, n, change marker.

    Examples
    --------
    >>> table = pd.DataFrame([{"metric": "fcr", "label": "FCR", "unit": "percent",
    ...     "estimate": 71.23, "ci_low": 69.0, "ci_high": 73.4, "n": 2800, "suppressed": False,
    ...     "change": 3.1, "significant": True, "flag": ""}])
    >>> headline_table(table).iloc[0].tolist()
    ['FCR', '71,2%', '69,0% – 73,4%', '2.800', '▲ +3,1 pt (significant)']
    """
    labels = _check_language(language)
    out = []
    for _, row in table.iterrows():
        if row["suppressed"]:
            value, interval = f"– ({labels['suppressed']}, {row['flag']})", "–"
        else:
            value = format_value(row["estimate"], row["unit"], language)
            interval = (f"{format_value(row['ci_low'], row['unit'], language)} – "
                        f"{format_value(row['ci_high'], row['unit'], language)}")
        n = f"{int(row['n']):,}"
        n = n.replace(",", ".") if language == "nl" else n
        out.append({labels["metric"]: row["label"], labels["estimate"]: value,
                    labels["interval"]: interval, labels["n"]: n,
                    labels["change"]: _format_change(row, language)})
    return pd.DataFrame(out)


def style_headline(table: pd.DataFrame):
    """The formatted headline table as a pandas Styler: text left, numbers right, no index.

    Rows whose figure is suppressed are greyed out.
    """
    styler = table.style.hide(axis="index")
    first, numbers = table.columns[0], list(table.columns[1:4])
    styler = styler.set_properties(subset=[first], **{"text-align": "left"})
    styler = styler.set_properties(subset=numbers, **{"text-align": "right"})
    styler = styler.set_table_styles([{"selector": "th", "props": "text-align: left;"}])

    def grey(row):
        hidden = str(row.iloc[1]).startswith("–")
        return ["color: #888888" if hidden else "" for _ in row]

    return styler.apply(grey, axis=1)


def breakdown(data: pd.DataFrame, metric_key: str, by: str, year: int) -> pd.DataFrame:
    """One headline indicator of one year per group (sector, channel, ...), small groups hidden.

    Groups without answers are left out. Groups with fewer answers than the survey's ``min_n``
    are suppressed, and so is the next-smallest group when only one would be, so that a hidden
    figure cannot be worked back from the overall figure that the report also shows
    (:func:`kirc.privacy.suppress_small_cells`).

    Returns
    -------
    pandas.DataFrame
        The metric's tidy table plus ``suppressed`` and ``suppression`` (None, ``"n<30"`` or
        ``"complementary"``); estimates, intervals and ``n`` are missing where suppressed.

    Examples
    --------
    >>> df = pd.DataFrame({"year": 2025, "channel": ["chat"] * 40 + ["e-mail"] * 5
    ...                    + ["telefoon"] * 60, "fcr": [1.0] * 30 + [0.0] * 15 + [1.0] * 60})
    >>> out = breakdown(df, "fcr", "channel", 2025)
    >>> out[["channel", "estimate", "n", "suppression"]]
        channel  estimate     n    suppression
    0      chat       NaN  <NA>  complementary
    1    e-mail       NaN  <NA>           n<30
    2  telefoon     100.0    60           None
    """
    from ..privacy import suppress_small_cells

    metric = {m.key: m for m in HEADLINE_METRICS}[metric_key]
    rows = data[data["year"] == year]
    rows.attrs = dict(data.attrs)
    table = metric.compute(rows, by=by)
    table = table[table["n"] > 0].reset_index(drop=True)
    min_n = int(data.attrs.get("min_n", config.MIN_N))
    values = [c for c in ("estimate", "ci_low", "ci_high", "n_eff", "promoters", "passives",
                          "detractors", "sd", "se") if c in table.columns]
    out = suppress_small_cells(table, min_n=min_n, value_columns=values)
    out["n"] = out["n"].astype("Int64")
    return out


# --------------------------------------------------------------------------------------------
# words


def summary_text(table: pd.DataFrame, year: int, language: str = "nl",
                 bullets: bool = False) -> str:
    """A short generated summary of the headline figures, one sentence per indicator.

    With ``bullets=True`` the sentences form a Markdown list, for reports.

    Examples
    --------
    >>> table = pd.DataFrame([{"metric": "nps", "label": "NPS", "unit": "points",
    ...     "estimate": 9.0, "change": 4.0, "significant": True, "suppressed": False}])
    >>> summary_text(table, 2025)
    'De NPS steeg van +5,0 naar +9,0 punten in 2025, een significante stijging.'
    """
    labels = _check_language(language)
    sentences = []
    for _, row in table.iterrows():
        if row["suppressed"]:
            continue
        subject = SUBJECTS[language].get(row["metric"], row["label"])
        subject = subject[0].upper() + subject[1:]
        now = format_value(row["estimate"], row["unit"], language)
        unit = f" {labels['points']}" if row["unit"] == "points" else ""
        if row["significant"] is None or (isinstance(row["change"], float)
                                          and math.isnan(row["change"])):
            sentences.append(f"{subject} was {now}{unit} in {year}.")
            continue
        before = format_value(row["estimate"] - row["change"], row["unit"], language)
        if round(row["change"], 1) == 0:
            sentences.append(f"{subject} {labels['stayed']} {now}{unit} in {year}.")
            continue
        verb = labels["rose"] if row["change"] > 0 else labels["fell"]
        direction = labels["rise"] if row["change"] > 0 else labels["fall"]
        if language == "nl":
            judgement = (f"een significante {direction}" if row["significant"]
                         else f"geen significante {direction}")
            sentences.append(f"{subject} {verb} van {before} naar {now}{unit} in {year}, "
                             f"{judgement}.")
        else:
            judgement = (f"a significant {direction}" if row["significant"]
                         else f"not a significant {direction}")
            sentences.append(f"{subject} {verb} from {before} to {now}{unit} in {year}, "
                             f"{judgement}.")
    if bullets:
        return "\n".join(f"- {sentence}" for sentence in sentences)
    return " ".join(sentences)


_NPS_METHOD_NAMES = {
    "adjusted-wald": ("het aangepaste Wald-interval van Rocks (2016)",
                      "Rocks' (2016) adjusted Wald interval"),
    "score": ("het score-interval van Tango (1998)", "Tango's (1998) score interval"),
    "wald": ("het Wald-interval", "the Wald interval"),
    "bootstrap": ("een multinomiale bootstrap", "a multinomial bootstrap"),
}


def methods_note(consumers: pd.DataFrame, organisations: pd.DataFrame | None,
                 suppressed_cells: int = 0, language: str = "nl") -> str:
    """The methods note of a report (Markdown): intervals, weighting, thresholds, privacy.

    Records which columns were dropped, pseudonymised or scrubbed as personal data (from the
    frames' ``attrs["personal_data"]``) and how many cells were suppressed — counts, never
    values.
    """
    from .. import intervals
    labels = _check_language(language)
    nps_method = _NPS_METHOD_NAMES.get(intervals.DEFAULT_NPS_METHOD,
                                       (intervals.DEFAULT_NPS_METHOD,) * 2)
    min_n = consumers.attrs.get("min_n", config.MIN_N)
    fpc = organisations is not None and bool(organisations.attrs.get("population"))
    org_min = organisations.attrs.get("min_n", config.MIN_N_ORGANISATIONS) \
        if organisations is not None else config.MIN_N_ORGANISATIONS
    privacy = []
    for frame in (consumers, organisations):
        if frame is None:
            continue
        for item in frame.attrs.get("personal_data", []) or []:
            privacy.append(item)
    actions = {"dropped": ("verwijderd", "dropped"), "pseudonymised":
               ("gepseudonimiseerd", "pseudonymised"), "scrubbed": ("geschoond", "scrubbed"),
               "kept": ("behouden", "kept")}
    seen = set()
    privacy_lines = []
    for item in privacy:
        key = (item.get("column"), item.get("action"))
        if key in seen:
            continue
        seen.add(key)
        action = actions.get(item.get("action"), (item.get("action"),) * 2)
        action = action[0] if language == "nl" else action[1]
        privacy_lines.append(f"`{item.get('column')}` ({item.get('kind')}): {action}")
    if language == "nl":
        text = [
            "### Methode",
            f"- Percentages met een 95%-betrouwbaarheidsinterval volgens Wilson; de NPS met "
            f"{nps_method[0]}, gekozen omdat het in een exacte dekkingsstudie het dichtst bij "
            "95% blijft; gemiddelden met een t-interval.",
            "- Veranderingen t.o.v. het vorige jaar: Newcombe's hybride score-interval (aandelen), "
            "MOVER (NPS) en Welch (gemiddelden); significant bij p < 0,05.",
            "- Consumentencijfers zijn gewogen met het poststratificatiegewicht; intervallen "
            "gebruiken de effectieve steekproefomvang van Kish. "
            + ("Organisatiecijfers gebruiken de eindige-populatiecorrectie met het aantal leden."
               if fpc else "Voor één sector is het aantal leden niet bekend: organisatiecijfers "
               "hebben daarom geen eindige-populatiecorrectie (ruimere intervallen)."),
            f"- Cijfers op minder dan {min_n} antwoorden (organisaties: {org_min}) worden niet "
            f"getoond (gemarkeerd als '{labels['suppressed']}').",
            "### Privacy (AVG)",
            "- Persoonsgegevens uit de bronbestanden: "
            + ("; ".join(privacy_lines) if privacy_lines else "geen gevonden") + ".",
            f"- Onderdrukte cellen in dit rapport: {suppressed_cells}.",
            "- Het rapport bevat geen gegevens op respondentniveau.",
        ]
    else:
        text = [
            "### Method",
            f"- Percentages with a 95% Wilson confidence interval; the NPS with {nps_method[1]}, "
            "chosen because an exact coverage study keeps it closest to 95%; means with a t "
            "interval.",
            "- Changes from the previous year: Newcombe's hybrid score interval (shares), MOVER "
            "(NPS) and Welch (means); significant at p < 0.05.",
            "- Consumer figures are weighted by the post-stratification weight; intervals use "
            "Kish's effective sample size. "
            + ("Organisation figures use the finite population correction with the number of "
               "member organisations." if fpc else "The number of member organisations of one "
               "sector is not known, so organisation figures have no finite population "
               "correction (wider intervals)."),
            f"- Figures based on fewer than {min_n} answers (organisations: {org_min}) are not "
            f"shown (marked '{labels['suppressed']}').",
            "### Privacy (GDPR)",
            "- Personal data in the source files: "
            + ("; ".join(privacy_lines) if privacy_lines else "none found") + ".",
            f"- Suppressed cells in this report: {suppressed_cells}.",
            "- The report contains no respondent-level data.",
        ]
    return "\n".join(text)


def write_headline(table: pd.DataFrame, output_dir, year: int, segment: str,
                   title: str = "") -> Path | None:
    """Write the headline figures as ``headline.json`` for the report index.

    ``output_dir=None`` (a notebook opened by hand) writes nothing and returns None.

    Examples
    --------
    >>> import tempfile, json
    >>> table = pd.DataFrame([{"metric": "nps", "label": "NPS", "estimate": 9.0,
    ...     "ci_low": 6.0, "ci_high": 12.0, "n": 3000, "change": 1.0, "significant": False,
    ...     "suppressed": False}])
    >>> path = write_headline(table, tempfile.mkdtemp(), 2025, "all")
    >>> json.loads(path.read_text())["rows"][0]["estimate"]
    9.0
    """
    def clean(value):
        if isinstance(value, (np.floating, float)):
            return None if math.isnan(value) else round(float(value), 6)
        if isinstance(value, np.integer):
            return int(value)
        if isinstance(value, np.bool_):
            return bool(value)
        return value

    if output_dir is None:
        return None
    keys = ["metric", "label", "estimate", "ci_low", "ci_high", "n", "change", "significant",
            "suppressed", "unit"]
    rows = [{k: clean(row[k]) for k in keys if k in row} for _, row in table.iterrows()]
    path = Path(output_dir) / "headline.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"year": int(year), "segment": segment, "title": title,
                                "rows": rows}, ensure_ascii=False, indent=1, sort_keys=True),
                    encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# data and figures for one report


def report_title(consumers: pd.DataFrame, year: int, segment: str, language: str = "nl") -> str:
    """The report's title line (Markdown).

    Examples
    --------
    >>> df = pd.DataFrame({"year": [2025]}); df.attrs["title"] = "Klantcontact Monitor"
    >>> report_title(df, 2025, "all")
    '# Klantcontact Monitor 2025: alle sectoren'
    """
    labels = _check_language(language)
    name = labels["all"] if segment == "all" else segment
    return f"# {consumers.attrs.get('title', 'kirc')} {year}: {name}"


def count_suppressed(*tables: pd.DataFrame) -> int:
    """Number of suppressed cells over the tables of a report (for the methods note).

    Examples
    --------
    >>> count_suppressed(pd.DataFrame({"suppressed": [True, False]}),
    ...                  pd.DataFrame({"suppressed": [True]}))
    2
    """
    return int(sum(t["suppressed"].sum() for t in tables if "suppressed" in t))


def load_report_data(survey: str, org_survey: str | None, year: int, segment: str = "all"):
    """The harmonised frames a report needs: every year up to ``year``, one segment.

    Returns
    -------
    (consumers, organisations) : two pandas.DataFrame (organisations None without org_survey)
    """
    from ..surveys import check_years, load_survey, survey_definition

    def years_until(definition_name):
        available = sorted(int(y) for y in survey_definition(definition_name)["years"])
        check_years(year, available, repr(definition_name))
        return [y for y in available if y <= year]

    consumers = select_segment(load_survey(survey, years=years_until(survey)), segment)
    organisations = None
    if org_survey:
        organisations = load_survey(org_survey, years=years_until(org_survey))
        try:
            organisations = select_segment(organisations, segment)
        except ParameterError:
            # The organisation survey has no such sector: better no AVG figures in this
            # segment's report than the whole sector's figures under its name.
            organisations = None
    return consumers, organisations
