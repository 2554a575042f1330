"""Draft a survey definition from exports: ``kirc init EXPORT [EXPORT ...] --output FILE.toml``.

A researcher with an export of their own (SPSS, CSV, Excel, a survey platform's export) should
not have to write a definition (see ``docs/definition.md``) from nothing. :func:`draft` reads
every export with :func:`kirc.read_survey` and proposes

* the constructs, from SPSS variable and value labels and from column names and values: a 0–10
  recommend question becomes a ``rating`` on [0, 10] (an NPS), a 1–5 item a ``rating`` on
  [1, 5], yes/no items a ``binary`` (with text codes such as "Ja"/"Nee" or numeric codes),
  segments and channels a ``category``;
* multiple-response questions (``type = "multiple"``): from the file's multiple-response sets
  (SPSS ``mr_sets``, dichotomy and category sets; the check-all blocks the platform readers
  find), from families of 0/1, 1/empty or marked columns with a common stem (Qualtrics
  ``Q6_1`` …, LimeSurvey ``Q1[SQ001]`` with ``Y``, ``kanaal_telefoon`` …) and from a column
  naming the options chosen ("Telefoon, Chat", Google Forms); joined over the years by their
  options' labels, an option new in a later year asked from then on;
* the missing codes: declared user-missing codes, written-out answers such as "weet niet" and
  "n.v.t.", and codes such as 99 outside an item's range;
* the id, the weight (SPSS ``WEIGHT BY``, or a column called gewicht, weegfactor, weight, ...)
  and the year of each file (a year column, else a year in the file name);
* the indicators the report shows and the report's breakdowns;
* for exports of later years with other column names (a revised questionnaire), the mapping of
  the renamed columns, matched by variable label, value set and name.

Every guess carries a ``# check:`` comment saying what to verify. A plain export (a one-year
Dutch CSV with "Ja"/"Nee", "weet niet" and "n.v.t." written out and a weight column) gives a
draft that loads unedited with :func:`kirc.load_survey`.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import json
import math
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputFileError, KircError, ParameterError

__all__ = ["draft", "write_draft", "check_draft", "MISSING_ANSWERS"]

#: Written-out answers that mean "no answer" (compared without case and extra spaces).
MISSING_ANSWERS = (
    "weet niet", "weet ik niet", "weet niet / geen antwoord", "geen antwoord", "geen mening",
    "n.v.t.", "n.v.t", "nvt", "niet van toepassing", "wil ik niet zeggen",
    "zeg ik liever niet", "wil niet zeggen", "onbekend", "geweigerd", "don't know",
    "dont know", "do not know", "not applicable", "n/a", "prefer not to say", "no answer",
    "refused", "unknown", "-",
)
_MISSING = {" ".join(t.split()).casefold() for t in MISSING_ANSWERS}
_YES = {"ja", "j", "yes", "y", "waar", "true", "wel"}
_NO = {"nee", "n", "no", "onwaar", "false", "niet"}
#: What every yes/no column holds, however written (Ja/Nee, yes/no, True/False, 1/0): the
#: value set by which columns of several years are compared.
_BINARY = frozenset({"<yes>", "<no>"})
#: Codes that commonly mean "no answer" when they lie outside an item's range.
_SENTINELS = (99, 98, 999, 9999, -1, -9, -99, -999)

_ID_NAME = re.compile(r"^(resp(ondent)?[ _.-]?(id|nr|nummer|number|no)?|id|respnr|record[ _]?(id)?"
                      r"|response[ _]?id|volgnummer|case[ _]?(id|nr)?|nr|interview[ _]?(id|nr)?"
                      r"|deelnemer[ _]?(id|nr)?|uuid|serial|_?id_?)$", re.I)
_YEAR_NAME = re.compile(r"^_?(jaar|year|survey[ _]?year|meetjaar|onderzoeksjaar|jaargang|wave)_?$",
                        re.I)
_WEIGHT_NAME = re.compile(r"(gewicht|weegfactor|weging|weight|^wgt$|^w$|^wt$)", re.I)
_RECOMMEND = re.compile(r"(aanbeve+l|aanraden|recommend|\bnps\b|^nps|_nps|promot|likely|^rec\b)",
                        re.I)
_RATING = re.compile(r"(tevreden|satisf|csat|cijfer|rapport|oordeel|score|rating|waardering"
                     r"|eens|agree|beoordel|kwaliteit|quality|moeite|effort|\bces\b)", re.I)
_ANCHORS = re.compile(r"(tevreden|eens|agree|satisf|waarschijnlijk|likely|goed|slecht|good|bad"
                      r"|poor|excellent|uitstekend|nooit|altijd|never|always|zeer|very)", re.I)
_CATEGORY = re.compile(r"(sector|branche|kanaal|channel|regio|region|provincie|land|country"
                       r"|leeftijd|age|geslacht|gender|sekse|afdeling|department|segment"
                       r"|groep|group|type|soort|product|opleiding|education|vestiging"
                       r"|locatie|location|store|winkel|merk|brand|klantgroep|organisatie"
                       r"|omvang|size|bu$|business)", re.I)
_OPEN = re.compile(r"(opmerking|toelichting|commentaar|comment|reden|waarom|suggestie|feedback"
                   r"|open[ _]?antwoord|anders|other|remark|why|explain|verbeter)", re.I)
_SEGMENT = re.compile(r"(sector|branche|segment|afdeling|department|organisatie|business)", re.I)
_DATE_TEXT = re.compile(r"\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2})?)?|"
                        r"\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}( \d{1,2}:\d{2}(:\d{2})?)?|"
                        r"\d{1,2}:\d{2}(:\d{2})?")
_YEAR_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_MAX_CATEGORIES = 30


@dataclass
class _Item:
    """What one column of one export looks like."""

    column: str
    label: str | None
    kind: str                      # rating | binary | category | number | weight | text
    scale: list | None = None
    positive: list = field(default_factory=list)
    negative: list = field(default_factory=list)
    labels: dict = field(default_factory=dict)     # code -> text (category)
    missing: dict = field(default_factory=dict)    # code -> reason
    checks: list = field(default_factory=list)     # "# check:" remarks
    values: frozenset = frozenset()                # normalised valid values, for matching
    guessed: bool = False          # kind and codes guessed from unlabelled numbers only
    text_codes: bool = False       # category of texts: the codes are kirc init's own


@dataclass
class _Multiple:
    """A multiple-response question found in one export."""

    name: str = field(compare=False)              # the set's name or the columns' stem
    label: str | None = field(compare=False)      # the question
    options: dict = field(default_factory=dict)   # key -> label
    columns: dict = field(default_factory=dict)    # key -> option column
    naming: list = field(default_factory=list)     # columns naming the options chosen
    separator: str | None = None
    selected: list | None = None   # codes marking an option column chosen (default [1])
    not_selected: list | None = None
    codes: dict = field(default_factory=dict)      # key -> code
    missing: dict = field(default_factory=dict)    # code -> reason
    checks: list = field(default_factory=list, compare=False)

    def mapping(self, keys: list) -> dict | str | list:
        """The questionnaire's entry, asking ``keys`` of the construct's options."""
        if self.columns:
            return {key: self.columns[key] for key in keys if key in self.columns}
        naming = self.naming[0] if len(self.naming) == 1 else list(self.naming)
        asked = [key for key in keys if key in self.options]
        return naming if len(asked) == len(keys) else {"column": naming, "asked": asked}


@dataclass
class _Export:
    path: Path
    rows: int
    items: dict                    # column -> _Item
    id_column: str | None
    year_column: str | None
    years: list
    year_from: str
    skipped: dict                  # column -> why it is not proposed
    dropped: list                  # personal-data columns dropped on reading
    multiples: list = field(default_factory=list)  # _Multiple


# --------------------------------------------------------------------------------------------
# reading one export
# --------------------------------------------------------------------------------------------
def _norm(value) -> str:
    return " ".join(str(value).split()).casefold()


def _number(text: str):
    text = text.strip()
    if re.fullmatch(r"-?\d+,\d+", text):
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _plain(value):
    """A code as TOML should show it: an int when whole."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    return value


def _is_whole(values) -> bool:
    return all(float(v).is_integer() for v in values)


def _describe(path: Path, frame: pd.DataFrame, year: int | None = None) -> _Export:
    attrs = frame.attrs
    variable_labels = attrs.get("variable_labels") or {}
    value_labels = attrs.get("value_labels") or {}
    declared = attrs.get("missing_values") or {}
    read_counts = attrs.get("missing_counts") or {}
    dropped = [item.get("column") for item in attrs.get("personal_data") or []
               if isinstance(item, dict) and item.get("action") == "dropped"]

    columns = [str(c) for c in frame.columns]
    year_column = next((c for c in columns if _YEAR_NAME.match(c.strip())
                        and _year_values(frame[c]) is not None), None)
    weight_column = attrs.get("weight") if attrs.get("weight") in columns else None
    if weight_column is None:
        weight_column = next((c for c in columns if _WEIGHT_NAME.search(c)
                              and _weights_ok(frame[c])), None)
    id_column = _find_id(frame, columns, {year_column, weight_column})

    items, skipped = {}, {}
    for column in columns:
        if column in (year_column, id_column):
            continue
        series = frame[column]
        label = variable_labels.get(column)
        label = label.strip() if isinstance(label, str) and label.strip() else None
        if column == weight_column:
            item = _Item(column, label, "weight")
            if attrs.get("weight") != column:
                item.checks.append("the weight column is guessed from its name")
            items[column] = item
            continue
        codes = {}
        for code in (declared.get(column) or {}).get("values") or []:
            codes[_plain(code)] = _label_of(value_labels.get(column), code) or "user-missing"
        ranges = (declared.get(column) or {}).get("ranges") or []
        item, why = _classify(series, column, label, value_labels.get(column) or {}, codes)
        if item is None:
            skipped[column] = why
            continue
        if codes or ranges or read_counts.get(column):
            item.checks.append("user-missing codes declared in the file"
                               + (f" (also the range(s) {ranges}, removed on reading)"
                                  if ranges else ""))
        items[column] = item
    years, year_from = _years_of(path, frame, year_column, year)
    multiples = _multiples(frame, items, skipped, {year_column, id_column, weight_column})
    if not multiples and not any(i.kind in ("rating", "binary", "category", "number")
                                 for i in items.values()):
        raise InputFileError(
            "kirc init found no question it can use: no column holds numbers, yes/no answers, "
            "labelled codes or a short list of categories (columns: "
            + (", ".join(columns[:12]) + (", ..." if len(columns) > 12 else "") or "none")
            + "); check that this is the survey export", file=path)
    return _Export(path, len(frame), items, id_column, year_column, years, year_from, skipped,
                   [c for c in dropped if c], multiples)


# --------------------------------------------------------------------------------------------
# multiple-response questions: SPSS sets, column families, a column naming the options
# --------------------------------------------------------------------------------------------
#: Value labels that only say "chosen": the option's own name is elsewhere (the column's label).
_GENERIC_CHOSEN = {"ja", "yes", "y", "selected", "gekozen", "aangevinkt", "checked", "1",
                   "true", "waar", "genoemd", "mentioned", "x"}
#: An option that says "none of these" (a definition's ``none``).
_NONE_OPTION = re.compile(r"^(none( of (the above|these|them))?|nothing|geen( van (de )?"
                          r"(bovenstaande|deze|beide))?|niets|geen enkele?)$", re.I)
#: Separators of a column naming several options, most specific first.
_SEPARATORS = (";", "|", ",")
_OPTION_STEMS = (re.compile(r"^(.*?)[_.#]?(\d+)$"),          # Qualtrics Q6_1, SurveyMonkey q004
                 re.compile(r"^(.*\S)\s*\[([^\[\]]+)\]$"),  # LimeSurvey Q1[SQ001], "Q [option]"
                 re.compile(r"^([^_]+)_(.+)$"))                # kanaal_telefoon


def _option_key(label: str, taken: set) -> str:
    """An option's key (letters, digits, ``_``) from its label."""
    base = re.sub(r"[^0-9a-z]+", "_", str(label).casefold().translate(
        str.maketrans("äëïöüáéíóúàèìòùâêîôûç", "aeiouaeiouaeiouaeiouc"))).strip("_")
    words = base.split("_")
    while len("_".join(words)) > 24 and len(words) > 1:
        words.pop()
    base = "_".join(words)[:24].strip("_") or "optie"
    if base in ("column", "asked"):
        base += "_optie"
    key, i = base, 2
    while key in taken:
        key, i = f"{base}_{i}", i + 1
    taken.add(key)
    return key


def _unique_labels(labels: list) -> list:
    """Labels made distinct (a definition's option labels must be), the first kept as is."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        text = str(label).strip() or "optie"
        count = seen.get(_norm(text), 0)
        seen[_norm(text)] = count + 1
        out.append(text if count == 0 else f"{text} ({count + 1})")
    return out


def _common_prefix(texts: list) -> str:
    prefix = os.path.commonprefix([str(t) for t in texts])
    if all(len(str(t)) > len(prefix) for t in texts):
        return prefix
    return prefix[:max(0, min(len(str(t)) for t in texts) - 1)]


def _member_labels(columns: list, variable_labels: dict, value_labels: dict, counted
                   ) -> tuple[list, str | None]:
    """The option labels of a dichotomy set's columns, and the question: the label of the
    counted value (a platform's "not selected"/option), else what the columns' variable labels
    do not share ("Question [option]", "Question: option"), else the column names."""
    labels = []
    for column in columns:
        own = _label_of(value_labels.get(column) or {}, counted) if counted is not None else None
        labels.append(own if own and _norm(own) not in _GENERIC_CHOSEN else None)
    texts = [variable_labels.get(c) for c in columns]
    question = None
    if all(isinstance(t, str) and t.strip() for t in texts):
        brackets = [re.fullmatch(r"(.*\S)\s*\[([^\[\]]+)\]\s*", t) for t in texts]
        if all(brackets) and len({b.group(1) for b in brackets}) == 1:
            question, rests = brackets[0].group(1), [b.group(2) for b in brackets]
        else:
            prefix = _common_prefix(texts) if len(texts) > 1 else ""
            question = prefix.rstrip(" :-–[(").strip() or None
            rests = [t[len(prefix):].strip(" :-–[]()") or t for t in texts]
            if len(prefix) < 4 or any(r.isdigit() for r in rests):
                # no shared question, or only a number left ("Response #1"): the whole label
                rests, question = texts, (question if len(prefix) >= 4 else None)
        labels = [own or rest for own, rest in zip(labels, rests)]
    stem = _common_prefix(columns) if len(columns) > 1 else ""
    rests = [c[len(stem):].strip("_.#[] ") for c in columns]
    if any(not r or r.isdigit() for r in rests):
        rests = list(columns)          # V1, V2: the column's name says more than its number
    labels = [own or rest for own, rest in zip(labels, rests)]
    return _unique_labels(labels), question


def _multiples(frame: pd.DataFrame, items: dict, skipped: dict, reserved: set) -> list:
    """The multiple-response questions of an export, each proposed as one construct: the
    file's multiple-response sets (SPSS ``mr_sets``, a platform's check-all blocks), families
    of 0/1 or selected/empty columns with a common stem, and columns naming several options
    joined by a separator. The option columns of a dichotomy set leave ``items``."""
    attrs = frame.attrs
    variable_labels = attrs.get("variable_labels") or {}
    value_labels = attrs.get("value_labels") or {}
    found, used = [], set()
    for name, spec in (attrs.get("mr_sets") or {}).items():
        members = [c for c in spec.get("variables") or [] if c in frame.columns]
        if len(members) < 2:
            continue
        question = spec.get("label") or None
        if spec.get("type") == "category":
            multiple = _category_set(frame, name, question, members, value_labels)
        else:
            multiple = _dichotomy_set(frame, name, question, members, spec.get("counted_value"),
                                      variable_labels, value_labels)
            used.update(members)
        if multiple is not None:
            multiple.checks.insert(0, f"the file's multiple-response set {name!r}")
            found.append(multiple)
    columns = [c for c in map(str, frame.columns) if c not in used and c not in reserved]
    for run in _families(columns):
        multiple = _family(frame, run, variable_labels, value_labels)
        if multiple is not None:
            found.append(multiple)
            used.update(run)
    for column in columns:
        if column in used:
            continue
        multiple = _naming(frame[column], column, variable_labels.get(column))
        if multiple is not None:
            found.append(multiple)
            used.add(column)
    for column in used:
        items.pop(column, None)
        skipped.pop(column, None)
    return found


def _dichotomy_set(frame, name, question, members, counted, variable_labels, value_labels):
    values = set()
    for column in members:
        present = frame[column].dropna()
        values |= {_plain(v) if not isinstance(v, str) else v.strip() for v in present}
    counted = _plain(counted) if counted is not None else 1
    labels, common = _member_labels(members, variable_labels, value_labels, counted)
    taken: set = set()
    keys = [_option_key(label, taken) for label in labels]
    multiple = _Multiple(name, question or common, dict(zip(keys, labels)),
                         columns=dict(zip(keys, members)))
    if counted != 1:
        multiple.selected = [counted]
    others = sorted((v for v in values if v != counted and v != ""), key=str)
    if others and others != [0]:
        multiple.not_selected = others
        multiple.checks.append(f"the values {', '.join(map(str, others))} are taken as 'not "
                               f"chosen'")
    return multiple


def _category_set(frame, name, question, members, value_labels):
    """An SPSS category set: each column holds one option chosen (a code or a text)."""
    seen: dict = {}
    for column in members:
        for value in frame[column].dropna():
            code = _plain(value) if not isinstance(value, str) else value.strip()
            if code == "":
                continue
            if code not in seen:
                label = None
                for other in members:
                    label = label or _label_of(value_labels.get(other) or {}, code)
                seen[code] = label or str(code)
    if len(seen) < 2:
        return None
    ordered = sorted(seen, key=lambda c: (isinstance(c, str), c if not isinstance(c, str)
                                          else _norm(c)))
    labels = _unique_labels([seen[c] for c in ordered])
    taken: set = set()
    keys = [_option_key(label, taken) for label in labels]
    multiple = _Multiple(name, question, dict(zip(keys, labels)), naming=list(members))
    multiple.codes = {k: c for k, c in zip(keys, ordered) if not isinstance(c, str)}
    if len(seen) > _MAX_CATEGORIES:
        multiple.checks.append(f"{len(seen)} different answers: is this a question with "
                               "options?")
    return multiple


def _families(columns: list) -> list[list]:
    """Runs of consecutive columns sharing a stem (``Q6_1``, ``Q6_2``; ``Q1[SQ001]``;
    ``kanaal_telefoon``, ``kanaal_chat``), each stem taken by the first rule that fits."""
    def stem(column):
        for rule in _OPTION_STEMS:
            match = rule.match(column)
            if match and match.group(1):
                return match.group(1)
        return None

    runs, last = [], None
    for column in columns:
        key = stem(column)
        if key is not None and runs and key == last:
            runs[-1].append(column)
        else:
            runs.append([column])
        last = key
    return [run for run in runs if len(run) >= 2 and stem(run[0]) is not None]


def _family(frame, run, variable_labels, value_labels):
    """A family of option columns: 0/1, 1/empty, or one text per column (the option's own, or
    a mark such as LimeSurvey's "Y"); None when the columns hold anything else."""
    texts = [variable_labels.get(c) for c in run]
    if all(isinstance(t, str) and t for t in texts):
        brackets = [re.fullmatch(r"(.*\S)\s*\[[^\[\]]+\]\s*", t) for t in texts]
        shared = (all(brackets) and len({b.group(1) for b in brackets}) == 1) or \
            len(_common_prefix(texts)) >= 10
        if not shared:
            return None                 # the same name stem, but other questions
    numbers, marks = set(), []
    for column in run:
        present = frame[column].dropna()
        if present.empty:
            marks.append(None)
            continue
        if pd.api.types.is_bool_dtype(frame[column]):
            present = present.astype(float)
        if pd.api.types.is_numeric_dtype(present):
            numbers |= set(present.astype(float).unique())
            marks.append(None)
            continue
        distinct = {str(v).strip() for v in present} - {""}
        if len(distinct) != 1:
            return None
        marks.append(distinct.pop())
    if any(m is not None for m in marks):
        if numbers or any(m is None for m in marks):
            return None
        common = len({_norm(m) for m in marks}) == 1
        labels, question = _member_labels(run, variable_labels, {}, None)
        if not common:
            labels = _unique_labels(marks)        # each column holds its option's text
        taken: set = set()
        keys = [_option_key(label, taken) for label in labels]
        multiple = _Multiple(_common_prefix(run).strip("_.#[ ") or run[0], question,
                             dict(zip(keys, labels)), columns=dict(zip(keys, run)))
        if common:
            multiple.selected = [marks[0]]
        multiple.checks.append("guessed from the column names and their answers ("
                               + (f"{marks[0]!r} or empty" if common else "the option's text or "
                                  "empty") + "); an empty row is taken as not answered")
        return multiple
    if not numbers or not numbers <= {0.0, 1.0} or 1.0 not in numbers:
        return None
    labels, question = _member_labels(run, variable_labels, value_labels, 1)
    taken = set()
    keys = [_option_key(label, taken) for label in labels]
    multiple = _Multiple(_common_prefix(run).strip("_.#[ ") or run[0], question,
                         dict(zip(keys, labels)), columns=dict(zip(keys, run)))
    multiple.checks.append("guessed from the column names and their answers ("
                           + ("0/1" if 0.0 in numbers else "1 or empty") + "): check that it is "
                           "one check-all-that-apply question, not separate yes/no questions")
    return multiple


def _naming(series: pd.Series, column: str, label):
    """A text column whose cells name several options joined by a separator (Google Forms'
    "Telefoon, Chat"): the options are the parts that recur."""
    if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return None
    texts = series.dropna().map(lambda v: str(v).strip())
    texts = texts[texts != ""]
    if len(texts) < 5:
        return None
    missing = {t: t for t in texts.unique() if _norm(t) in _MISSING}
    texts = texts[~texts.isin(list(missing))]
    for separator in _SEPARATORS:
        joined = texts.str.contains(re.escape(separator), regex=True)
        if joined.mean() < 0.2:
            continue
        parts = texts.str.split(re.escape(separator), regex=True).explode().str.strip()
        parts = parts[parts != ""]
        counts = parts.value_counts(sort=False)
        words = pd.Series(counts.index)
        if not 2 <= len(counts) <= _MAX_CATEGORIES or (counts < 2).mean() > 0.2 \
                or words.str.len().mean() > 60 \
                or not words.str.contains(r"\w", regex=True).all():
            continue
        # options are combined in many ways; the parts of a single answer whose text holds
        # the separator ("Faculty (i.e., less than 5 years)") always come together
        cells = texts.drop_duplicates()
        combined = parts.groupby(level=0).size()
        spread = parts.groupby(parts.values).apply(
            lambda part: cells.index.intersection(part.index).size)
        if cells.size <= len(counts) or (spread >= 2).mean() < 0.5 or combined.max() < 2:
            continue
        order = list(dict.fromkeys(parts))        # as they first occur
        labels = _unique_labels(order)
        taken: set = set()
        keys = [_option_key(text, taken) for text in labels]
        multiple = _Multiple(column, label, dict(zip(keys, labels)), naming=[column],
                             separator=separator, missing=missing)
        multiple.checks.append(f"one column naming the options chosen, joined by "
                               f"{separator!r}: the options are the {len(order)} answers "
                               "found; add any the file does not show, and check that no "
                               "option's text holds the separator")
        return multiple
    return None


def _label_of(labels, code):
    for key, text in (labels or {}).items():
        try:
            if float(key) == float(code):
                return str(text)
        except (TypeError, ValueError):
            if key == code:
                return str(text)
    return None


def _year_values(series: pd.Series):
    numbers = pd.to_numeric(series, errors="coerce").dropna()
    if numbers.empty or len(numbers) < 0.9 * series.notna().sum():
        return None
    if not ((numbers >= 1900) & (numbers <= 2100) & (numbers % 1 == 0)).all():
        return None
    return sorted(int(v) for v in numbers.unique())


def _weights_ok(series: pd.Series) -> bool:
    numbers = pd.to_numeric(series.astype(str).str.replace(",", ".", regex=False)
                            if not pd.api.types.is_numeric_dtype(series) else series,
                            errors="coerce")
    present = numbers.dropna()
    return len(present) > 0 and len(present) == series.notna().sum() and (present >= 0).all()


def _find_id(frame: pd.DataFrame, columns: list, exclude: set):
    def unique(column):
        series = frame[column]
        return series.notna().all() and series.is_unique

    named = [c for c in columns if c not in exclude and _ID_NAME.match(c.strip())]
    for column in named:
        if unique(column):
            return column
    for column in columns:
        low = column.casefold()
        if column in exclude or not re.search(r"(^|[ _.-])(id|nr|nummer|number)($|[ _.-])",
                                              low):
            continue
        if unique(column):
            return column
    return None


def _years_of(path: Path, frame: pd.DataFrame, year_column, year: int | None = None):
    if year_column is not None:
        if year is not None:
            raise ParameterError(f"the export has a year column ({year_column!r}), which says "
                                 f"the year of each row; leave out --year {year} for it",
                                 file=path)
        return _year_values(frame[year_column]), f"the column {year_column!r}"
    if year is not None:
        return [year], "--year"
    found = _YEAR_IN_NAME.findall(path.stem)
    if len(found) == 1:
        return [int(found[0])], "the file name"
    raise InputFileError("kirc init cannot tell the year of this export: it has no year "
                         "column (jaar, year) and its file name holds "
                         + ("no year" if not found else f"several ({', '.join(found)})")
                         + f"; say it with --year (kirc init {path.name} --year 2024 ...), or "
                         f"rename the file, e.g. to {path.stem}_2024{path.suffix}", file=path)


def _classify(series: pd.Series, column: str, label: str | None, value_labels: dict,
              declared: dict):
    """An _Item for a column, or (None, why it is skipped)."""
    name = f"{column.strip()} {label}" if label else column.strip()
    if (pd.api.types.is_datetime64_any_dtype(series) or pd.api.types.is_timedelta64_dtype(series)
            or (series.dtype == object and series.dropna().head(50).map(
                lambda v: isinstance(v, (_dt.date, _dt.time, _dt.timedelta))).any())):
        return None, "a date or time"
    present = series.dropna()
    if present.empty:
        return None, "empty"
    missing = dict(declared)
    checks = []
    booleans = present.map(lambda v: isinstance(v, (bool, np.bool_))) \
        if series.dtype == object else None
    if pd.api.types.is_bool_dtype(series) or (booleans is not None and booleans.any() and all(
            _norm(v) in _MISSING for v in present[~booleans])):
        # True/False (an object column when some cells are blank or "weet niet") are read
        # as 1/0, so the codes are 1 and 0 whatever the spelling in the file
        for text in ([] if booleans is None else present[~booleans].unique()):
            missing[str(text)] = str(text)
        return _Item(column, label, "binary", positive=[1], negative=[0], missing=missing,
                     checks=["true/false column: true counts as positive"],
                     values=_BINARY), None
    if pd.api.types.is_numeric_dtype(series):
        numbers = present.astype("float64")
        texts_seen = {}
    else:
        texts = present.map(lambda v: str(v).strip())
        texts = texts[texts != ""]
        if texts.empty:
            return None, "empty"
        if texts.head(200).str.fullmatch(_DATE_TEXT).mean() > 0.8:
            return None, "a date or time"
        texts_seen = {}
        for text in texts:
            texts_seen.setdefault(_norm(text), text)
        for key, text in texts_seen.items():
            if key in _MISSING:
                missing[text] = text
        valid = {k: t for k, t in texts_seen.items() if k not in _MISSING}
        if not valid:
            return None, "only 'no answer' texts"
        if set(valid) <= _YES | _NO and set(valid) & _YES:
            positive = [t for k, t in valid.items() if k in _YES]
            negative = [t for k, t in valid.items() if k in _NO] or ["Nee"]
            if not set(valid) & _NO:
                checks.append("no 'nee' answer in the file: the negative code is a guess")
            return _Item(column, label, "binary", positive=positive, negative=negative,
                         missing=missing, checks=checks, values=_BINARY), None
        parsed = {k: _number(t) for k, t in valid.items()}
        if all(v is not None for v in parsed.values()):
            numbers = texts[texts.map(_norm).isin(list(valid))].map(_number).astype("float64")
        else:
            return _text_category(series, column, label, valid, missing, len(texts))
    return _numeric(numbers, column, label, name, value_labels, missing)


def _category_like(column: str) -> bool:
    """A name such as "sector", "Kanaal", "leeftijdsgroep" or "regio_code", not one such as
    "Product.Tastiness" (a rating of the product)."""
    words = [w for w in re.split(r"[^0-9a-z]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", column)
                                                    .casefold()) if w]
    if not words:
        return False
    if _CATEGORY.search(words[-1]):
        return True
    return len(words) > 1 and words[-1] in {"code", "nr", "id", "naam", "name", "cat",
                                            "categorie", "category"} and bool(
        _CATEGORY.search(words[0]))


def _text_category(series, column, label, valid: dict, missing: dict, n: int):
    lengths = pd.Series(list(valid.values())).str.len()
    if _OPEN.search(f"{column} {label or ''}") or lengths.mean() >= 40:
        return _Item(column, label, "text", checks=["an open answer: scrubbed of personal "
                                                    "data, not in the report"]), None
    if len(valid) <= _MAX_CATEGORIES and len(valid) <= max(2, n // 2):
        def order(key):
            match = re.match(r"\s*(-?\d+(?:[.,]\d+)?)", valid[key])
            return (0, float(match.group(1).replace(",", ".")), key) if match else (1, 0, key)
        ordered = sorted(valid, key=order)
        labels = {i + 1: valid[k] for i, k in enumerate(ordered)}
        item = _Item(column, label, "category", labels=labels, missing=missing,
                     values=frozenset(valid), text_codes=True)
        item.checks.append("categories in alphabetical (or numeric) order; put them in the "
                           "order the report should show")
        return item, None
    lengths = pd.Series(list(valid.values())).str.len()
    if lengths.mean() >= 15:
        return _Item(column, label, "text", checks=["an open answer: scrubbed of personal "
                                                    "data, not in the report"]), None
    return None, (f"{len(valid)} different short texts (an identifier or a name?)")


def _numeric(numbers: pd.Series, column: str, label, name: str, value_labels: dict,
             missing: dict):
    item, why = _numeric_kind(numbers, column, label, name, value_labels, missing)
    if item is not None and not any(_label_of({k: v}, k) is not None and not any(
            _same_code(k, c) for c in item.missing) for k, v in value_labels.items()):
        item.guessed = True
    return item, why


def _numeric_kind(numbers: pd.Series, column: str, label, name: str, value_labels: dict,
                  missing: dict):
    checks = []
    labels = {_plain(k): str(v) for k, v in value_labels.items()
              if not isinstance(k, str) or _number(k) is not None}
    labels = {(_plain(_number(k)) if isinstance(k, str) else k): v for k, v in labels.items()}
    for code, text in labels.items():
        if _norm(text) in _MISSING and code not in missing:
            missing[code] = text
    numeric_missing = {c for c in missing if not isinstance(c, str)}
    rest = numbers[~numbers.isin(list(numeric_missing))]
    if rest.empty:
        return None, "only missing codes"
    observed = sorted(set(rest))
    # codes such as 99 beside a short scale: "no answer"
    if _is_whole(observed) and len(observed) >= 2:
        for code in _SENTINELS:
            others = [v for v in observed if v != code]
            if code in observed and others and max(others) <= 10 and min(others) >= 0 and (
                    code > max(others) or code < min(others)):
                missing[code] = labels.get(code) or "weet niet / geen antwoord"
                checks.append(f"code {code} is taken as 'no answer' (it lies outside the other "
                              f"answers)")
                observed = others
        rest = rest[rest.isin(observed)]
    valid_labels = {c: t for c, t in labels.items() if c not in missing}
    values = frozenset(float(v) for v in observed)
    if valid_labels:
        texts = {_norm(t) for t in valid_labels.values()}
        if len(valid_labels) == 2 and texts <= _YES | _NO and texts & _YES and texts & _NO:
            positive = [c for c, t in valid_labels.items() if _norm(t) in _YES]
            negative = [c for c, t in valid_labels.items() if _norm(t) in _NO]
            return _Item(column, label, "binary", positive=positive, negative=negative,
                         missing=missing, checks=checks, values=_BINARY), None
        codes = sorted(set(valid_labels) | {_plain(v) for v in observed})
        consecutive = _is_whole(codes) and codes == list(range(int(codes[0]),
                                                               int(codes[-1]) + 1))
        anchors = sum(bool(_ANCHORS.search(t)) for t in valid_labels.values())
        if consecutive and 3 <= len(codes) <= 11 and (
                anchors >= 2 or _RATING.search(name) or _RECOMMEND.search(name)):
            scale = [codes[0], codes[-1]]
            return _Item(column, label, "rating", scale=scale, missing=missing,
                         checks=checks + [f"a rating scale {scale[0]}–{scale[1]} (from the "
                                          "value labels)"], values=values), None
        unlabelled = [c for c in codes if c not in valid_labels]
        all_labels = {c: valid_labels.get(c, str(c)) for c in codes}
        texts = [_norm(t) for t in all_labels.values()]
        twice = {t for t in texts if texts.count(t) > 1}
        if twice:
            all_labels = {c: (f"{t} ({c})" if _norm(t) in twice else t)
                          for c, t in all_labels.items()}
            checks.append("the file gives several codes the same label; the code is added "
                          "to tell them apart (merge them if they mean the same)")
        if unlabelled:
            checks.append(f"code(s) {', '.join(map(str, unlabelled))} have no value label in "
                          f"the file; give them one")
        return _Item(column, label, "category", labels=all_labels, missing=missing,
                     checks=checks, values=frozenset(_norm(t) for t in all_labels.values())), None
    if not _is_whole(observed):
        return _Item(column, label, "number", missing=missing, checks=checks), None
    low, high = observed[0], observed[-1]
    if _category_like(column) and len(observed) <= _MAX_CATEGORIES and not _RATING.search(name):
        item = _Item(column, label, "category", labels={_plain(v): str(_plain(v))
                                                          for v in observed},
                     missing=missing, values=frozenset(str(_plain(v)) for v in observed))
        item.checks.append("numeric codes without labels: write what each code means")
        item.checks.extend(checks)
        return item, None
    if _RECOMMEND.search(name) and 0 <= low and high <= 10:
        return _Item(column, label, "rating", scale=[0, 10], missing=missing,
                     checks=checks, values=values), None
    if set(observed) <= {0, 1}:
        return _Item(column, label, "binary", positive=[1], negative=[0], missing=missing,
                     checks=checks + ["0/1 answers: 1 is taken as 'ja'"], values=_BINARY), None
    if set(observed) <= {1, 2} and not _RATING.search(name):
        return _Item(column, label, "binary", positive=[1], negative=[2], missing=missing,
                     checks=checks + ["1/2 answers: 1 is taken as 'ja' and 2 as 'nee'"],
                     values=_BINARY), None
    if 0 <= low and high <= 10 and len(observed) >= 3:
        top = next(t for t in (3, 5, 7, 10) if high <= t)
        bottom = 0 if low == 0 else 1
        if bottom == 0 and top < 10 and not _RATING.search(name):
            top = 10
        scale = [bottom, top]
        remark = (f"a rating on {bottom}–{top}, from the answers "
                  f"{_plain(low)}–{_plain(high)}: check the questionnaire's scale")
        if scale == [0, 10]:
            remark += "; a 0–10 scale that does not ask for a recommendation is no NPS"
        return _Item(column, label, "rating", scale=scale, missing=missing,
                     checks=checks + [remark], values=values), None
    if len(observed) <= _MAX_CATEGORIES and len(observed) < len(numbers) / 2 and high <= 99:
        item = _Item(column, label, "category", labels={_plain(v): str(_plain(v))
                                                          for v in observed},
                     missing=missing, values=frozenset(str(_plain(v)) for v in observed))
        item.checks.append("numeric codes without labels: write what each code means, or "
                           "make it a number")
        return item, None
    return _Item(column, label, "number", missing=missing, checks=checks), None


# --------------------------------------------------------------------------------------------
# several exports: constructs and questionnaires
# --------------------------------------------------------------------------------------------
@dataclass
class _Construct:
    name: str
    item: _Item                    # merged over the exports
    first_column: str


def _construct_name(column: str, label: str | None, taken: set) -> str:
    base = re.sub(r"[^0-9a-z]+", "_", column.casefold()
                  .translate(str.maketrans("äëïöüáéíóúàèìòùâêîôûç", "aeiouaeiouaeiouaeiouc")))
    base = base.strip("_") or "vraag"
    words = base.split("_")
    while len("_".join(words)) > 32 and len(words) > 1:
        words.pop()
    base = "_".join(words)[:32].strip("_")
    if base[0].isdigit():
        base = "v_" + base
    if base in ("id", "year"):
        base += "_vraag"
    name, i = base, 2
    while name in taken:
        name, i = f"{base}_{i}", i + 1
    return name


_NUMERIC_KINDS = {"rating", "binary", "category", "number"}


def _style(item: _Item) -> str:
    """How a column writes its answers: "texts" (words in the file: the codes of a text
    category are kirc init's own), "labelled" (codes with value labels), "numbers" (bare
    numbers whose meaning no label gives), or the kind itself (weight, text, number)."""
    if item.kind in ("weight", "text", "number"):
        return item.kind
    if item.kind == "binary":
        return "texts" if all(isinstance(c, str) for c in item.positive + item.negative) \
            else "numbers"
    if item.kind == "category" and item.text_codes:
        return "texts"
    return "numbers" if item.guessed else "labelled"


def _codes(item: _Item) -> set:
    """The numeric codes of a column's valid answers (none for texts)."""
    if item.kind == "category":
        return set() if item.text_codes else {float(c) for c in item.labels
                                              if not isinstance(c, str)}
    if item.kind == "binary":
        return {float(c) for c in item.positive + item.negative if not isinstance(c, str)}
    return {float(v) for v in item.values if not isinstance(v, str)}


def _texts(item: _Item) -> set:
    """The answers of a column as normalised texts: the labels of a category."""
    return {_norm(t) for t in item.labels.values()} if item.kind == "category" else set()


def _agree(a: _Item, b: _Item) -> bool | None:
    """Whether two columns (of two years) hold the same kind of answers.

    True: verified -- the same kind of answers with codes or labels in common (any two
    yes/no columns: Ja/Nee, yes/no, True/False and 1/0 are one binary). False: they
    contradict -- texts against bare numbers (whose meaning no label gives, so that they
    would fill kirc init's own codes for the texts), disjoint labels or answers, another
    scale, a code that is yes in one and no in the other. None: it cannot be told (bare
    numbers against other codes).

    Examples
    --------
    >>> maybe = _Item("q", None, "category", labels={1: "Maybe", 2: "Yes, I think it would"},
    ...               text_codes=True)
    >>> _agree(maybe, _Item("q", None, "binary", positive=[1], negative=[0], guessed=True))
    False
    >>> _agree(_Item("a", None, "binary", positive=["Ja"], negative=["Nee"]),
    ...        _Item("b", None, "binary", positive=[1], negative=[0]))
    True
    """
    styles = {_style(a), _style(b)}
    if styles & {"weight", "text"}:
        return a.kind == b.kind
    if a.kind == b.kind == "binary":
        crossed = any(_same_code(x, y) for x in a.positive for y in b.negative) or any(
            _same_code(x, y) for x in b.positive for y in a.negative)
        return not crossed
    if styles == {"texts", "numbers"}:
        return False
    if a.kind == b.kind == "number":
        return True
    if a.kind == b.kind == "rating":
        if a.scale == b.scale:
            return True
        nested = (a.scale[0] <= b.scale[0] and b.scale[1] <= a.scale[1]) or (
            b.scale[0] <= a.scale[0] and a.scale[1] <= b.scale[1])
        return None if nested and (a.guessed or b.guessed) else False
    if a.kind == b.kind == "category":
        if _style(a) != "numbers" and _style(b) != "numbers":
            return bool(_texts(a) & _texts(b))            # labels or texts in common
        if styles == {"numbers"}:
            return bool(_codes(a) & _codes(b))
        labelled, bare = (a, b) if _style(a) == "labelled" else (b, a)
        if _codes(bare) <= _codes(labelled):
            return True
        return None if _codes(bare) & _codes(labelled) else False
    if a.kind != b.kind and "texts" in styles:
        return None if styles <= {"texts", "labelled"} else False
    if (a.guessed or b.guessed) and {a.kind, b.kind} <= _NUMERIC_KINDS:
        # a kind guessed from bare numbers (a CSV year) against another year's codes: the
        # same codes, or fewer, are taken to mean what the other year's labels say
        bare, other = (a, b) if a.guessed else (b, a)
        if not _codes(bare) & _codes(other):
            return False
        return True if _codes(bare) <= _codes(other) else None
    return None


def _similarity(a: _Item, b: _Item) -> float:
    score = difflib.SequenceMatcher(None, _norm(a.column), _norm(b.column)).ratio()
    if a.values and b.values:
        union = a.values | b.values
        score += len(a.values & b.values) / len(union)
    if a.scale and b.scale and a.scale == b.scale:
        score += 0.5
    return score


def _name_similarity(a: _Item, b: _Item) -> float:
    texts = [_norm(a.label or a.column), _norm(b.label or b.column)]
    return difflib.SequenceMatcher(None, *texts).ratio()


def _match(constructs: dict, export: _Export, previous: dict, year_text: str
           ) -> tuple[dict, dict, dict]:
    """Map constructs to the columns of a later export: ({construct: column}, {construct:
    why}, {column: remarks}). A rename is proposed only when the answers agree
    (:func:`_agree`); a proposal that cannot be verified is written as a remark on the new
    column, not applied."""
    mapping, why = {}, {}
    remarks: dict[str, list] = {}
    free = dict(export.items)

    def take(name, column, reason=None):
        mapping[name] = column
        if reason:
            why[name] = reason
        del free[column]

    # 1. the same column name: kept unless the answers contradict
    for name, construct in constructs.items():
        column = previous.get(name)
        if column not in free:
            continue
        agree = _agree(construct.item, free[column])
        if agree is False:
            remarks.setdefault(column, []).append(
                f"not joined to construct {name!r} of the same column name: its answers "
                f"({_answer_words(free[column])}) are not those of the years before "
                f"({_answer_words(construct.item)})")
            continue
        if agree is None:
            free[column].checks.append(
                f"in {year_text} the answers ({_answer_words(free[column])}) could not be "
                f"compared with those before ({_answer_words(construct.item)}): check that "
                "the column still asks the same question with the same codes")
        take(name, column)
    # 2. the same variable label, answers that agree
    for name, construct in constructs.items():
        if name in mapping or not construct.item.label:
            continue
        same = [c for c, i in free.items() if i.label and _norm(i.label) == _norm(
            construct.item.label) and _agree(construct.item, i)]
        if len(same) == 1:
            take(name, same[0], "the same variable label and answers that agree")
    # 3. answers that agree and a similar name
    pairs = []
    for name, construct in constructs.items():
        if name in mapping or name not in previous:
            continue
        for column, item in free.items():
            if _agree(construct.item, item):
                pairs.append((_similarity(construct.item, item), name, column))
    for score, name, column in sorted(pairs, reverse=True):
        if name in mapping or column not in free or score < 0.6:
            continue
        take(name, column, "its answers and a similar name")
    # 4. the only construct of its kind left on both sides (one weight column, say), with
    # answers that agree
    for name, construct in constructs.items():
        if name in mapping or name not in previous:
            continue
        kind = construct.item.kind
        left = [n for n, c in constructs.items() if n not in mapping and n in previous
                and c.item.kind == kind]
        candidates = [c for c, i in free.items() if i.kind == kind and _agree(construct.item, i)]
        if len(left) == 1 and len(candidates) == 1:
            take(name, candidates[0], f"being the only {kind} column left")
    # the proposals that cannot be verified, or that the answers contradict: said, not made
    for column, item in free.items():
        best = max(((_name_similarity(c.item, item), n) for n, c in constructs.items()
                    if n not in mapping and n in previous), default=(0.0, None))
        if best[0] < 0.6:
            continue
        name = best[1]
        earlier = previous[name]
        agree = _agree(constructs[name].item, item)
        if agree is None:
            remarks.setdefault(column, []).append(
                f"perhaps the same question as {earlier!r} before {year_text}, but not joined "
                f"to it: its answers ({_answer_words(item)}) cannot be compared with those "
                f"({_answer_words(constructs[name].item)}); if it is, map both years to one "
                "construct and check its codes")
        elif agree is False:
            remarks.setdefault(column, []).append(
                f"not joined to {earlier!r} (a similar question before {year_text}): its "
                f"answers ({_answer_words(item)}) are of another kind than those "
                f"({_answer_words(constructs[name].item)})")
    return mapping, why, remarks


def _answer_words(item: _Item) -> str:
    """A few words on what a column's answers are, for a remark."""
    style = _style(item)
    if item.kind == "binary":
        return "yes/no"
    if item.kind == "rating":
        return f"a rating {_plain(item.scale[0])}–{_plain(item.scale[1])}"
    if item.kind == "category":
        shown = ", ".join(list(item.labels.values())[:3])
        more = ", ..." if len(item.labels) > 3 else ""
        return {"texts": f"texts: {shown}{more}", "labelled": f"labelled codes: {shown}{more}",
                "numbers": f"numbers without labels: {shown}{more}"}[style]
    return {"number": "numbers", "weight": "weights", "text": "open answers"}.get(style, style)


def _merge(into: _Item, other: _Item, year_text: str) -> None:
    """Widen a construct so that it also takes another year's answers."""
    for code, reason in other.missing.items():
        if not any(_same_code(code, c) for c in into.missing):
            into.missing[code] = reason
    if into.kind == other.kind == "category" and into.text_codes and _style(other) == "labelled":
        # the codes of texts are kirc init's own: the file's labelled codes replace them, and
        # a text of the earlier years that no label has gets the next code
        texts = list(into.labels.values())
        into.labels = dict(other.labels)
        into.text_codes, into.guessed = False, False
        known = {_norm(t) for t in into.labels.values()}
        for text in texts:
            if _norm(text) not in known:
                into.labels[max([c for c in into.labels if isinstance(c, int)] or [0]) + 1] = text
                known.add(_norm(text))
        into.label = into.label or other.label
        into.values = frozenset(known)
        return
    if into.guessed != other.guessed and into.kind != other.kind:
        # the labelled year says what the bare numbers of another year meant
        labelled, bare = (other, into) if into.guessed else (into, other)
        bare_codes = sorted(bare.labels) if bare.kind == "category" else sorted(
            _plain(v) for v in bare.values if not isinstance(v, str))
        for name in ("kind", "scale", "positive", "negative", "labels", "guessed"):
            value = getattr(labelled, name)
            setattr(into, name, value.copy() if isinstance(value, (list, dict)) else value)
        into.label = into.label or labelled.label
        into.checks = list(labelled.checks)
        if into.kind == "category":
            for code in bare_codes:
                if code not in into.labels:
                    into.labels[code] = str(code)
                    into.checks.append(f"code {code} has no label in any export")
            into.labels = dict(sorted(into.labels.items()))
        into.values = labelled.values
        return
    if into.guessed and not other.guessed and into.kind == "category":
        # placeholder labels ("1", "2") give way to the file's value labels
        for code, text in other.labels.items():
            into.labels[code] = text
        into.labels = dict(sorted(into.labels.items()))
        into.guessed, into.label, into.values = False, into.label or other.label, other.values
        into.checks = [c for c in into.checks if "without labels" not in c]
        return
    if other.guessed and into.kind == "category":
        for code in other.labels:
            if code not in into.labels:
                into.labels[code] = str(code)
                into.checks.append(f"code {code} occurs in {year_text} without a label")
        into.labels = dict(sorted(into.labels.items()))
        return
    into.label = into.label or other.label
    if into.kind == "rating" and other.scale:
        into.scale = [min(into.scale[0], other.scale[0]), max(into.scale[1], other.scale[1])]
    if into.kind == "binary":
        for side in ("positive", "negative"):
            for code in getattr(other, side):
                if not any(_same_code(code, c) for c in getattr(into, side)):
                    getattr(into, side).append(code)
    if into.kind == "category":
        known = {_norm(t) for t in into.labels.values()}
        for code, text in other.labels.items():
            if other.text_codes and _norm(text) not in known:
                # texts in the file: a new answer gets the next code
                into.labels[max([c for c in into.labels if isinstance(c, int)] or [0]) + 1] = text
                known.add(_norm(text))
            elif other.text_codes:
                continue
            elif code in into.labels and _norm(into.labels[code]) != _norm(text):
                into.checks.append(f"code {code} means {text!r} in {year_text} but "
                                   f"{into.labels[code]!r} before: the codes changed")
            elif _norm(text) not in known:
                new = code if code not in into.labels else max(
                    [c for c in into.labels if isinstance(c, int)] or [0]) + 1
                into.labels[new] = text
                known.add(_norm(text))
        into.labels = dict(sorted(into.labels.items()))
    into.values = into.values | other.values


def _same_code(a, b) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and _norm(a) == _norm(b)
    return float(a) == float(b)


# --------------------------------------------------------------------------------------------
# writing TOML
# --------------------------------------------------------------------------------------------
def _s(text) -> str:
    return json.dumps(str(text), ensure_ascii=False)


def _key(key) -> str:
    if isinstance(key, (int, float)) and not isinstance(key, bool):
        return str(_plain(key))
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", str(key)) else _s(key)


def _value(code) -> str:
    return str(_plain(code)) if not isinstance(code, str) else _s(code)


def _humanise(column: str) -> str:
    text = re.sub(r"[_.]+", " ", column).strip()
    return text[:1].upper() + text[1:] if text else column


def _check(lines: list, remarks) -> None:
    for remark in dict.fromkeys(remarks):
        lines.append(f"# check: {remark}")


def _indicators(constructs: dict, multiples: dict | None = None
                ) -> list[tuple[str, dict, list]]:
    out = []
    for name, construct in constructs.items():
        item = construct.item
        label = item.label or _humanise(item.column)
        if item.kind == "rating" and item.scale == [0, 10] and _RECOMMEND.search(
                f"{item.column} {item.label or ''}"):
            out.append((name, {"metric": "nps", "construct": name,
                               "label": {"nl": "Net Promoter Score (NPS)",
                                         "en": "Net Promoter Score (NPS)"}}, []))
        elif item.kind == "rating":
            top = 2 if item.scale[1] - item.scale[0] >= 3 else 1
            out.append((name, {"metric": "top_box", "construct": name, "top": top,
                               "label": {"nl": f"{label} (% top-{top})",
                                         "en": f"{label} (% top {top})"}},
                        [f"the top {top} answers of {item.scale[0]}–{item.scale[1]} count as "
                         f"positive", "the English label"]))
            out.append((f"{name}_mean", {"metric": "mean", "construct": name,
                                         "label": {"nl": f"{label} (gemiddelde)",
                                                   "en": f"{label} (mean)"}},
                        ["the English label"]))
        elif item.kind == "binary":
            out.append((name, {"metric": "share", "construct": name,
                               "label": {"nl": label, "en": label}}, ["the English label"]))
    for name, spec in (multiples or {}).items():
        label = spec["label"] or _humanise(name)
        out.append((name, {"metric": "multiple", "construct": name,
                           "label": {"nl": label, "en": label}},
                    ["the English label", "options as bars, a table, a trend per option"]))
    # the NPS first, as in the centre's reports; otherwise the order of the questionnaire
    return sorted(out, key=lambda entry: entry[1]["metric"] != "nps")


#: The report of an unedited draft shows at most this many indicators and breakdowns (its
#: time grows with their product: 32 indicators by 44 breakdowns took minutes and wrote tens
#: of megabytes); the others are written as commented-out suggestions.
MAX_INDICATORS = 6
MAX_BREAKDOWNS = 3


def _report_indicators(constructs: dict, asked: dict, multiples: dict | None = None
                       ) -> tuple[list, list]:
    """(the indicators the draft's report shows, the others as suggestions): the NPS first,
    then the questions asked in the most years, in the order of the questionnaire."""
    entries = _indicators(constructs, multiples)
    order = {name: i for i, name in enumerate([*constructs, *(multiples or {})])}
    ranked = sorted(entries, key=lambda e: (e[1]["metric"] != "nps",
                                            -asked.get(e[1]["construct"], 0),
                                            order[e[1]["construct"]]))
    shown = {id(e) for e in ranked[:MAX_INDICATORS]}
    return ([e for e in entries if id(e) in shown], [e for e in entries if id(e) not in shown])


def _report_breakdowns(constructs: dict, asked: dict) -> tuple[list, list]:
    """(the breakdowns the draft's report shows, the other candidates): categories of 2 to
    12 answers, segments (sector, department) first, then other names of groups (region,
    channel, age), then those asked in most years and with fewest categories."""
    candidates = [n for n, c in constructs.items() if c.item.kind == "category"
                  and 2 <= len(c.item.labels) <= 12]

    def group(name):
        item = constructs[name].item
        return bool(_SEGMENT.search(f"{item.column} {item.label or ''}")) or _category_like(
            item.column)

    def rank(name):
        item = constructs[name].item
        return (not _SEGMENT.search(f"{item.column} {item.label or ''}"), not group(name),
                -asked.get(name, 0), len(item.labels), list(constructs).index(name))

    # the answers to a question are suggested, not shown, when there are groups to show
    groups = [n for n in candidates if group(n)]
    chosen = set(sorted(groups or candidates, key=rank)[:MAX_BREAKDOWNS])
    return ([n for n in candidates if n in chosen], [n for n in candidates if n not in chosen])


def _indicator_lines(key: str, spec: dict, remarks) -> list[str]:
    lines = [f"[indicators.{key}]"]
    _check(lines, remarks)
    lines.append(f"metric = {_s(spec['metric'])}")
    lines.append(f"construct = {_s(spec['construct'])}")
    if "top" in spec:
        lines.append(f"top = {spec['top']}")
    lines.append(f"label = {{ nl = {_s(spec['label']['nl'])}, en = "
                 f"{_s(spec['label']['en'])} }}")
    lines.append("")
    return lines


def _inline(value) -> str:
    """A TOML value: a text, a code, a list or an inline table."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_inline(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    return _value(value)


def _multiple_lines(cname: str, spec: dict) -> list[str]:
    lines = [f"[constructs.{cname}]"]
    _check(lines, spec["checks"] + ["the English labels of the options (options_en)"])
    lines.append('type = "multiple"')
    label = spec["label"] or _humanise(cname)
    lines.append(f"label = {_s(label)}" + ("" if spec["label"] else
                                           "  # check: from the column names"))
    lines.append(f"options = {_inline(spec['options'])}")
    lines.append(f"options_en = {_inline(spec['options'])}")
    if spec.get("none"):
        lines.append(f"none = {_s(spec['none'])}")
    if spec["separator"] and spec["separator"] != ",":
        lines.append(f"separator = {_s(spec['separator'])}")
    if spec["codes"]:
        lines.append(f"codes = {_inline(spec['codes'])}")
    if [_plain(c) for c in spec["selected"]] != [1]:
        lines.append(f"selected = {_inline(spec['selected'])}")
    if [_plain(c) for c in spec["not_selected"]] != [0]:
        lines.append(f"not_selected = {_inline(spec['not_selected'])}")
    if spec["missing"]:
        lines.append(f"missing = {_inline(spec['missing'])}")
    lines.append("")
    return lines


def _toml(name: str, exports: list[_Export], constructs: dict, questionnaires: list,
          versions: list, output: Path, multiples: dict | None = None) -> str:
    multiples = multiples or {}
    today = _dt.date.today().isoformat()
    files = ", ".join(e.path.name for e in exports)
    if len(files) > 60:
        files = f"{len(exports)} exports ({exports[0].path.name} ... {exports[-1].path.name})"
    lines = [
        f"# Survey definition drafted by `kirc init` on {today} from {files}.",
        "# Every line marked '# check:' is a guess: verify it against the questionnaire, then",
        "# delete the mark. The format is documented in docs/definition.md.",
        "",
        f"name = {_s(name)}",
        f"title = {_s(_humanise(name))}  # check: the title, as the report should print it",
        'unit = "respondenten"',
        "min_n = 30",
    ]
    # A definition reads only files in its own folder and the folders it declares, so exports
    # kept elsewhere are declared here rather than silently refused at load time.
    here = output.resolve().parent
    elsewhere = sorted({export.path.resolve().parent.as_posix() for export in exports
                        if not export.path.resolve().is_relative_to(here)})
    if elsewhere:
        lines.append("# the exports' folders (a definition reads files only from its own folder "
                     "and these)")
        lines.append("data_folders = [" + ", ".join(map(_s, elsewhere)) + "]")
    lines.append("")
    weight = None
    for cname, construct in constructs.items():
        item = construct.item
        lines.append(f"[constructs.{cname}]")
        _check(lines, item.checks)
        lines.append(f"type = {_s(item.kind)}")
        lines.append(f"label = {_s(item.label or _humanise(item.column))}"
                     + ("" if item.label else "  # check: from the column name"))
        if item.kind == "rating":
            lines.append(f"scale = [{_value(item.scale[0])}, {_value(item.scale[1])}]")
        if item.kind == "binary":
            lines.append("positive = [" + ", ".join(map(_value, item.positive)) + "]")
            lines.append("negative = [" + ", ".join(map(_value, item.negative)) + "]")
        if item.kind == "category":
            lines.append("labels = { " + ", ".join(f"{_key(c)} = {_s(t)}"
                                                    for c, t in item.labels.items()) + " }")
        if item.missing and item.kind != "text":
            lines.append("missing = { " + ", ".join(f"{_key(c)} = {_s(r)}"
                                                     for c, r in item.missing.items()) + " }")
        if item.kind == "weight" and weight is None:
            weight = cname
        lines.append("")
    for cname, spec in multiples.items():
        lines += _multiple_lines(cname, spec)
    if weight is not None:
        lines += ["[design]", f"weights = {_s(weight)}", ""]
    asked = {name: sum(name in mapping for _v, mapping, *_rest in questionnaires
                       for version in versions if version == _v)
             for name in [*constructs, *multiples]}
    shown, suggested = _report_indicators(constructs, asked, multiples)
    for key, spec, remarks in shown:
        lines += _indicator_lines(key, spec, remarks)
    if suggested:
        lines.append("# More indicators kirc init found; the report shows the ones above (a "
                     "few, by rule,")
        lines.append("# so that it renders in seconds). Remove the '# ' of a table to show "
                     "it as well.")
        for key, spec, remarks in suggested:
            lines += ["# " + line if line else "" for line in
                      _indicator_lines(key, spec, [])]
    categories, others = _report_breakdowns(constructs, asked)
    segment = next((n for n in categories + others if _SEGMENT.search(
        f"{constructs[n].item.column} {constructs[n].item.label or ''}")), None)
    lines.append("[report]")
    lines.append("# check: the breakdowns (category constructs) the report shows")
    if others:
        lines.append("# more breakdowns it could show: " + ", ".join(map(_s, others)))
    lines.append("breakdowns = [" + ", ".join(map(_s, categories)) + "]")
    if segment:
        lines.append("# check: one report per category of this construct (kirc render --segment)")
        lines.append(f"segment_by = {_s(segment)}")
    lines.append("")
    left_out: dict[str, dict[str, str]] = {}
    for export, version in zip(exports, versions):
        notes = left_out.setdefault(version, {})
        for column in export.dropped:
            notes.setdefault(column, "personal data, dropped on reading")
        for column, why in export.skipped.items():
            notes.setdefault(column, why)
    for version, mapping, id_column, year_column, why, previous in questionnaires:
        lines.append(f"[questionnaires.{version}.columns]")
        if left_out.get(version):
            lines.append("# not proposed: " + "; ".join(
                f"{column!r} ({reason})" for column, reason in left_out[version].items()))
        if id_column:
            lines.append(f"id = {_s(id_column)}")
        else:
            lines.append("# check: no respondent number found; rows are numbered 1, 2, ...")
        if year_column:
            lines.append(f"year = {_s(year_column)}")
        for cname, column in mapping.items():
            if isinstance(column, _Multiple):
                lines.append(f"{cname} = {_inline(column.mapping(list(multiples[cname]['options'])))}")
                continue
            line = f"{cname} = {_s(column)}"
            if cname in why and previous.get(cname, column) != column:
                line += (f"  # check: was {previous[cname]!r} before; matched by "
                         f"{why[cname]}")
            lines.append(line)
        lines.append("")
    lines.append("[years]")
    for export, version in zip(exports, versions):
        file = export.path.resolve()
        file = (file.relative_to(here) if file.is_relative_to(here) else file).as_posix()
        for year in export.years:
            lines.append(f"{year} = {{ file = {_s(file)}, questionnaire = {_s(version)} }}"
                         + ("  # check: year from the file name"
                            if export.year_from == "the file name" else
                            "  # year from kirc init --year" if export.year_from == "--year"
                            else ""))
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# the public functions
# --------------------------------------------------------------------------------------------
def draft(exports, *, output="survey.toml", name: str | None = None,
          personal_data: str = "drop", years=None) -> str:
    """Draft a survey definition (TOML text) from one or more exports.

    Parameters
    ----------
    exports : str, path-like or list of them
        The exports, one per year (in any order) or one holding a year column.
    output : str or path-like
        Where the definition will be written: file paths in it are relative to its folder,
        and its name (``eigen.toml`` -> ``eigen``) is the survey's name by default.
    name : str, optional
        The survey's name.
    personal_data : {"drop", "pseudonymise", "keep"}
        Passed to :func:`kirc.read_survey`: columns dropped as personal data are not proposed
        (the draft lists them under "not proposed").
    years : list of int, optional
        The year of each export, in the order of ``exports`` (``kirc init --year``), for
        exports without a year column and without a year in their name; None in the list
        leaves that export's year to its name.

    Returns
    -------
    str
        The definition, with ``# check:`` comments on every guess.

    Raises
    ------
    InputFileError
        An export does not exist or cannot be read; has no usable question; or its year
        cannot be told (no year column, no year in the file name, no ``years``); or two
        exports are of the same year.
    ParameterError
        ``years`` does not give one year per export, or gives one for an export with a
        year column.

    Examples
    --------
    >>> import tempfile, pathlib, tomllib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "peiling_2024.csv").write_text(
    ...     "nr;aanbevelen;opgelost\\n1;9;Ja\\n2;6;Nee\\n3;10;weet niet\\n", encoding="utf-8")
    >>> text = draft([folder / "peiling_2024.csv"], output=folder / "peiling.toml")
    >>> parsed = tomllib.loads(text)
    >>> parsed["constructs"]["opgelost"]["positive"], parsed["constructs"]["opgelost"]["missing"]
    (['Ja'], {'weet niet': 'weet niet'})
    >>> parsed["constructs"]["aanbevelen"]["scale"], list(parsed["indicators"])
    ([0, 10], ['aanbevelen', 'opgelost'])
    """
    from .io import PersonalDataWarning, read_survey

    paths = [Path(exports)] if isinstance(exports, (str, os.PathLike)) else [Path(p) for p in
                                                                             exports]
    if not paths:
        raise ParameterError("kirc init needs at least one export")
    output = Path(output)
    given = [None] * len(paths) if years is None else list(years)
    if len(given) != len(paths):
        raise ParameterError(f"--year gives {len(given)} year(s) for {len(paths)} export(s); "
                             "give one per export, in the same order")
    for year in given:
        if year is not None and (isinstance(year, bool) or not isinstance(year, int)
                                 or not 1900 <= year <= 2100):
            raise ParameterError(f"--year {year!r} is not a year (four digits)")
    described = []
    for path, year in zip(paths, given):
        if not path.is_file():
            raise InputFileError("the export does not exist", file=path)
        with warnings.catch_warnings():
            # the draft lists the columns dropped as personal data ("not proposed")
            warnings.simplefilter("ignore", PersonalDataWarning)
            frame = read_survey(path, personal_data=personal_data)
        described.append(_describe(path, frame, year))
    described.sort(key=lambda e: e.years[0])
    seen: dict[int, Path] = {}
    for export in described:
        for year in export.years:
            if year in seen:
                raise InputFileError(f"two exports hold {year}: {seen[year].name} and "
                                     f"{export.path.name}; give one export per year",
                                     file=export.path)
            seen[year] = export.path

    constructs: dict[str, _Construct] = {}
    multiples: dict[str, dict] = {}      # multiple-response constructs, merged over the exports
    questionnaires = []          # (version, mapping, id, year, why, earlier columns)
    versions = []
    last_column: dict[str, str] = {}     # construct -> its column in the latest export asking it
    last_mapping: dict[str, str] = {}
    last_multiples: set = set()
    for export in described:
        year_text = str(export.years[0])
        found = _match_multiples(multiples, export, set(constructs), year_text,
                                 bool(questionnaires))
        mapping, why, remarks = (_match(constructs, export, last_column, year_text)
                                 if constructs else ({}, {}, {}))
        for cname, column in mapping.items():
            _merge(constructs[cname].item, export.items[column], year_text)
        for column, item in export.items.items():
            if column in mapping.values():
                continue
            cname = _construct_name(column, item.label, set(constructs) | _taken(multiples))
            constructs[cname] = _Construct(cname, item, column)
            mapping[cname] = column
            if questionnaires:
                item.checks.append(f"asked from {year_text} on (not matched to an earlier "
                                   f"column)")
                item.checks.extend(remarks.get(column, []))
        for cname in last_mapping:
            if cname not in mapping:
                constructs[cname].item.checks.append(
                    f"not found in the export of {year_text}: missing from then on, or map it "
                    f"by hand")
        for cname in last_multiples - set(found):
            multiples[cname]["checks"].append(f"not found in the export of {year_text}: "
                                              "missing from then on, or map it by hand")
        ordered = {n: mapping[n] for n in constructs if n in mapping}
        singles = dict(ordered)
        ordered.update({n: found[n] for n in multiples if n in found})
        last = questionnaires[-1] if questionnaires else None
        if last is not None and last[1] == ordered and last[2] == export.id_column \
                and last[3] == export.year_column:
            versions.append(last[0])
        else:
            version = f"v{export.years[0]}"
            earlier = {n: last_column[n] for n in why if n in last_column}
            questionnaires.append((version, ordered, export.id_column, export.year_column,
                                   why, earlier))
            versions.append(version)
        last_column.update(singles)
        last_mapping = singles
        last_multiples = set(found)

    name = name or re.sub(r"[^0-9A-Za-z_-]+", "_", output.stem) or "survey"
    return _toml(name, described, constructs, questionnaires, versions, output, multiples)


def _match_multiples(multiples: dict, export: _Export, taken: set, year_text: str,
                     later: bool) -> dict:
    """Join an export's multiple-response questions to those of the exports before it (at
    least half of the options' labels in common), or start new constructs; options are keyed
    by their label over the years, an option new in a later export is said to be so. Returns
    ``{construct: the export's _Multiple, re-keyed}``."""
    found = {}
    before = set(multiples)
    for multiple in export.multiples:
        labels = {_norm(t) for t in multiple.options.values()}
        best, score = None, 0.0
        for cname, construct in multiples.items():
            if cname in found:
                continue
            common = len(labels & set(construct["keys"])) / max(1, min(len(labels),
                                                                      len(construct["keys"])))
            if common > score:
                best, score = cname, common
        if best is None or score < 0.5:
            best = _construct_name(multiple.name, multiple.label,
                                   taken | set(multiples) | set(found))
            multiples[best] = {"keys": {}, "options": {}, "label": multiple.label,
                               "checks": [], "codes": {}, "separator": None, "selected": [],
                               "not_selected": [], "missing": {}}
            if later:
                multiples[best]["checks"].append(f"asked from {year_text} on (not matched to "
                                                 "an earlier question)")
        construct = multiples[best]
        rekey = {}
        for key, label in multiple.options.items():
            norm = _norm(label)
            if norm not in construct["keys"]:
                new = _option_key(label, set(construct["options"]))
                construct["keys"][norm] = new
                construct["options"][new] = label
                if best in before:
                    construct["checks"].append(f"option {label!r} asked from {year_text} on")
            rekey[key] = construct["keys"][norm]
        for code_key, code in multiple.codes.items():
            known = construct["codes"].get(rekey[code_key])
            if known is not None and known != code:
                construct["checks"].append(f"option {multiple.options[code_key]!r} has code "
                                           f"{code} in {year_text} but {known} before")
            construct["codes"].setdefault(rekey[code_key], code)
        construct["label"] = construct["label"] or multiple.label
        construct["separator"] = construct["separator"] or multiple.separator
        for side, default in (("selected", [1]), ("not_selected", [0])):
            for code in getattr(multiple, side) or default:
                if not any(_same_code(code, c) for c in construct[side]):
                    construct[side].append(code)
        construct["missing"].update(multiple.missing)
        for check in multiple.checks:
            if check not in construct["checks"]:
                construct["checks"].append(check)
        for key, label in multiple.options.items():
            if _NONE_OPTION.match(_norm(label)) and not construct.get("none"):
                construct["none"] = rekey[key]
                construct["checks"].append(f"{label!r} is taken as the 'none of these' option: "
                                           "a respondent who chose nothing did not answer")
        found[best] = _Multiple(
            multiple.name, multiple.label, {rekey[k]: t for k, t in multiple.options.items()},
            columns={rekey[k]: c for k, c in multiple.columns.items()},
            naming=list(multiple.naming), separator=multiple.separator,
            selected=multiple.selected, not_selected=multiple.not_selected,
            codes={rekey[k]: c for k, c in multiple.codes.items()}, missing=multiple.missing)
    return found


def _taken(multiples: dict) -> set:
    """The names multiple-response constructs use: theirs and their option columns'."""
    return set(multiples) | {f"{name}_{key}" for name, m in multiples.items()
                             for key in m["options"]}


def write_draft(exports, output, *, force: bool = False, **options) -> tuple[Path, str]:
    """Draft a definition and write it to ``output``; never overwrites without ``force``.

    Returns the path written and the draft's text.
    """
    output = Path(output)
    if output.suffix.lower() != ".toml":
        raise ParameterError(f"the definition is a .toml file, not {output.name!r}")
    if output.exists() and not force:
        raise InputFileError("already exists; kirc init does not overwrite it (pass --force "
                             "to replace it)", file=output)
    text = draft(exports, output=output, **options)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    return output, text


def check_draft(path) -> tuple[str, list[int]]:
    """Load a written draft: what it holds (or what keeps it from loading) and its years."""
    from .survey.definition import load_survey, years_text

    try:
        data = load_survey(path)
    except KircError as err:
        return f"the draft does not load yet: {err}", []
    years = sorted(int(y) for y in data["year"].unique())
    return (f"the draft loads: {len(data)} rows, {len(data.columns) - 2} constructs, "
            f"{years_text(years)}", years)

