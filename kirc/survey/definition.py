"""Survey definitions and the harmonised multi-year survey frame.

A *survey definition* is a small TOML file that says what a yearly survey measures and where
each year's export keeps it. :func:`load_survey` reads every year's file with
:func:`kirc.io.read_survey` and returns one tidy frame in which a construct (say ``nps``)
has one name, one type and one set of categories in every year, however the column was called
or coded in that year's questionnaire.

Definition format
-----------------
::

    name = "klantcontact"                    # required
    title = "Klantcontact Monitor"           # required
    unit = "respondenten"                    # required: what one row is
    description = "..."                      # optional
    min_n = 30                               # optional (default kirc.config.MIN_N)

    [constructs.nps]                         # one table per construct
    type = "rating"                          # rating | binary | category | weight | number | text | multiple
    label = "Aanbevelingsbereidheid (0–10)"  # required
    scale = [0, 10]                          # rating: the valid range (whole numbers)
    missing = { 99 = "weet niet / geen antwoord" }   # optional; or a list: missing = [99]

    [constructs.fcr]
    type = "binary"
    label = "Vraag opgelost bij het eerste contact"
    positive = [1, "Ja"]                     # codes counted as 1.0: numbers or texts
    negative = [2, "Nee"]                    # optional: the other valid codes (0.0)
    missing = ["weet niet", "n.v.t.", 99]    # texts compared without case and extra spaces

    [constructs.sector]
    type = "category"
    label = "Sector"
    labels = { 1 = "telecom", 2 = "energie" }   # code -> label; categories in code order
    labels_en = { 1 = "telecom", 2 = "energy" } # optional: English labels, same codes
    ordered = false                          # optional

    [indicators.nps]                         # optional: what the report shows, in this order
    metric = "nps"                           # nps | share | top_box | mean
    construct = "nps"
    label = { nl = "Net Promoter Score", en = "Net Promoter Score" }
    unit = "punten"                          # punten | procent | schaal (default per metric)

    [report]                                 # optional
    breakdowns = ["sector"]                  # category constructs (default: all of them)
    segment_by = "sector"                    # optional
    org_survey = "sectorscan"                # optional second survey joined by year

    [questionnaires.v2017.columns]           # construct (and id, year) -> column in the file
    id = "respnr"                            # optional: without it rows are numbered 1, 2, ...
    year = "jaar"                            # optional: checked against the year of the file
    nps = "Q5_aanbeveling"

    [drivers.csat]                           # optional: drivers of an outcome (kirc.drivers)
    outcome = "csat"                         # a rating, number or binary construct
    predictors = ["wait_time", "expertise", "fcr"]   # constructs (categories allowed)

    [years]
    2017 = { file = "klantcontact_2017.sav", questionnaire = "v2017" }
    2019 = { file = "klantcontact_2019.csv", questionnaire = "v2017", population = 170,
             read = { sep = ";" } }          # read: options passed on to read_survey

    [calibration]                            # optional: weights made at load time
    method = "raking"                        # raking | linear | logit (logit needs bounds)
    bounds = [0.3, 3.0]                      # optional: calibrated / starting weight
    margins = "populatie_klantcontact.toml"  # a file beside the definition, or inline:
    # [calibration.margins.age_group]        # population count per category label
    # "18-34" = 3_787_000                    # (per year: [calibration.margins.2025.age_group])
    weight = "weight"                        # optional: column of the calibrated weights
    start_weights = "design_weight"          # optional weight construct; default N/n each
                                             # (required when strata have different fpc fractions)

With ``[calibration]`` :func:`load_survey` calibrates every year to its own margins with
:func:`kirc.calibrate` (the design's strata, clusters and fpc are kept, its weights become the
calibrated ones) and the frame carries the calibration (``attrs["calibration"]``), so that the
estimators' variances take it into account; ``load_survey(..., calibrate=False)`` does not.
A margins file holds ``[margins.<construct>]`` tables (and ``[margins.<year>.<construct>]``)
plus optional ``title`` and ``source``; it is not listed as a survey.

The full reference, with every key and error, is ``docs/definition.md``. ``[design]`` and
``[drivers]`` tables are validated by :mod:`kirc.survey.design` and :mod:`kirc.estimate.drivers`.

Files are found relative to the definition's folder. One file may be listed under several
years when its questionnaire maps ``year``: each year then takes the rows of its year. A
construct that a questionnaire does not map is missing (NaN) in the years of that
questionnaire. Columns that are not mapped — such as personal data — are not carried into the
harmonised frame.

Harmonisation rules
-------------------
* ``rating``: numbers, ``missing`` codes set to NaN (and counted), then every value must be a
  whole number within ``scale``; anything else raises :class:`~kirc.errors.ScaleError`.
* ``binary``: 1.0 for a ``positive`` code, 0.0 for a ``negative`` code (any other number when
  ``negative`` is not given), NaN when missing; a code outside ``positive`` + ``negative``
  raises ScaleError. Text codes ("Ja") match cells without regard to case and spaces, and
  also a numeric code whose SPSS value label is that text.
* ``missing`` codes may be texts too ("weet niet", "n.v.t."): only declared codes are missing,
  so an undeclared "n.v.t." in a rating is a ScaleError, never silently dropped.
* ``category``: codes (or label texts) become a Categorical with the definition's labels as
  categories, in code order; an unknown code raises ScaleError. When the file carries value
  labels of its own (SPSS), they must agree with the definition's.
* ``weight`` and ``number``: float64 (a Dutch decimal comma in text is accepted); weights
  must not be negative. ``text``: strings, blanks are missing.
* ``multiple``: one 0/1 column per option (``<construct>_<key>``), from a column per option
  (0/1, or the option's text or empty) or from columns naming the options chosen (joined by
  the separator); NaN where the question was not answered or the option not asked by that
  year's questionnaire (``docs/definition.md``, "Multiple-response questions").

The user-missing codes that :func:`~kirc.io.read_survey` already removed (declared in SPSS
files) are counted under the reason it reports; ``missing`` codes of the definition are applied
on top, which matters for CSV and Excel years where nothing is declared in the file.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import warnings
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import pandas as pd

from .. import config
from ..errors import (ColumnError, DefinitionError, InputFileError, ParameterError, ScaleError,
                      did_you_mean)
from .survey import as_survey

__all__ = ["load_survey", "survey_definition", "survey_design", "check_years", "years_text",
           "harmonise", "available_surveys", "default_indicators", "CONSTRUCT_TYPES",
           "INDICATOR_METRICS", "INDICATOR_UNITS"]

#: Construct types and the keys each accepts.
CONSTRUCT_TYPES = {
    "rating": {"type", "label", "scale", "missing"},
    "binary": {"type", "label", "positive", "negative", "missing"},
    "category": {"type", "label", "labels", "labels_en", "ordered", "missing"},
    "weight": {"type", "label", "missing"},
    "number": {"type", "label", "missing"},
    "text": {"type", "label"},
    "multiple": {"type", "label", "options", "options_en", "codes", "none", "separator",
                 "selected", "not_selected", "missing"},
}
#: Keys of a multiple-response construct's table in a questionnaire that are no options: one
#: column (or a list) naming the options chosen, and the options that questionnaire asked.
_NAMING_KEYS = ("column", "asked")
_TOP_KEYS = {"name", "title", "unit", "description", "min_n", "constructs", "questionnaires",
             "years", "indicators", "report", "design", "calibration",
             "data_folders"}
#: Top-level tables validated elsewhere: ``[drivers]`` (kirc.estimate.drivers's keys, checked in
#: :func:`_drivers`).
_OTHER_TOP_KEYS = {"drivers"}
_CALIBRATION_KEYS = {"method", "bounds", "margins", "weight", "start_weights"}
_MARGINS_FILE_KEYS = {"title", "source", "margins"}
_DESIGN_KEYS = {"weights": ("weight",), "strata": ("category",),
                "psu": ("category", "number", "text"), "fpc": ("number",), "lonely_psu": None,
                "linked": ("category", "number", "text"), "replicates": None}
_REQUIRED_TOP_KEYS = ("name", "title", "unit", "constructs", "questionnaires", "years")
_QUESTIONNAIRE_KEYS = {"label", "columns"}
_YEAR_KEYS = {"file", "questionnaire", "population", "read"}
_READ_OPTIONS = {"source", "sep", "decimal", "encoding", "sheet", "header_row"}
_RESERVED = ("year", "id")
_MAX_SHOWN = 5


# --------------------------------------------------------------------------------------------
# Finding and validating a definition
# --------------------------------------------------------------------------------------------
def _default_folder() -> Path:
    from ..resources import surveys_folder

    return surveys_folder()


def available_surveys(surveys_dir: str | os.PathLike | None = None) -> list[str]:
    """Names of the survey definitions (``*.toml``) in the surveys folder.

    Parameters
    ----------
    surveys_dir : str or path-like, optional
        Folder to look in; default ``$KIRC_SURVEYS`` or the project's ``surveys/``.

    Examples
    --------
    >>> available_surveys()
    ['klantcontact', 'sectorscan']
    """
    folder = Path(surveys_dir) if surveys_dir is not None else _default_folder()
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.toml") if not _is_margins_file(p))


def _is_margins_file(path: Path) -> bool:
    """A population margins file of a [calibration] (a ``margins`` table, no ``years``)."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return "margins" in raw and "years" not in raw


def _definition_path(name_or_path, surveys_dir) -> Path:
    if isinstance(name_or_path, os.PathLike):
        text = os.fspath(name_or_path)
    elif isinstance(name_or_path, str):
        text = name_or_path
    else:
        raise ParameterError(f"a survey is named by a string or a path, not "
                             f"{type(name_or_path).__name__} {name_or_path!r}")
    looks_like_path = (isinstance(name_or_path, os.PathLike) or text.lower().endswith(".toml")
                       or "/" in text or os.sep in text)
    if looks_like_path:
        path = Path(text)
        if not path.is_file():
            raise InputFileError("the survey definition file does not exist", file=path)
        return path
    folder = Path(surveys_dir) if surveys_dir is not None else _default_folder()
    path = folder / f"{text}.toml"
    if not text or not path.is_file():
        known = available_surveys(folder)
        raise ParameterError(f"unknown survey {text!r}: there is no {path.name} in {folder} "
                             f"(surveys there: {', '.join(known) if known else 'none'})")
    return path


def _data_file(name: str, folders, path: Path, where: str) -> Path:
    """A year's data file, which must lie inside the definition's folder or a folder the
    definition declares in ``data_folders`` (symbolic links are followed before checking), so
    that a definition cannot make kirc read files elsewhere (``../``, absolute paths)."""
    if folders is None:
        folders = []
    if not isinstance(folders, list) or not all(isinstance(f, str) and f for f in folders):
        raise _fail('data_folders must be a list of folder names, e.g. ["../exports"]', path)
    home = path.parent
    allowed = [home.resolve()] + [(home / folder).resolve() for folder in folders]
    file = Path(name)
    file = file if file.is_absolute() else home / file
    real = file.resolve()
    if not any(real.is_relative_to(folder) for folder in allowed):
        raise _fail(f"{where}: the file {name!r} is outside the definition's folder "
                    f"{str(home.resolve())!r}" + (" and its data_folders" if folders else "")
                    + "; move it there or list its folder in data_folders = [\"...\"]", path)
    return file


def _fail(message: str, path: Path) -> DefinitionError:
    return DefinitionError(message, file=path)


def _code(value, where: str, path: Path):
    """A code from a definition: an int when it is whole, else a float."""
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise _fail(f"{where}: code {value!r} is not a number", path) from None
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise _fail(f"{where}: code {value!r} is not a number", path)
    return int(value) if float(value).is_integer() else float(value)


def _code_list(value, where: str, path: Path) -> list:
    if not isinstance(value, list) or not value:
        raise _fail(f"{where} must be a non-empty list of codes, e.g. [1]", path)
    return [_code(v, where, path) for v in value]


def _answer_code(value, where: str, path: Path):
    """A code that a cell may hold: a number, or a text such as "Ja" or "n.v.t.".

    A text that reads as a number ("99", "2,5") is that number, so that TOML table keys
    (always texts) and numbers written in quotes mean what they say.
    """
    if isinstance(value, str):
        text = " ".join(value.split())
        if not text:
            raise _fail(f"{where}: an empty text is not a code", path)
        try:
            number = float(text.replace(",", ".") if re.fullmatch(r"-?\d+,\d+", text) else text)
        except ValueError:
            return text
        if math.isfinite(number):
            return int(number) if number.is_integer() else number
        return text
    return _code(value, where, path)


def _answer_code_list(value, where: str, path: Path) -> list:
    if not isinstance(value, list) or not value:
        raise _fail(f"{where} must be a non-empty list of codes, e.g. [1] or [\"Ja\"]", path)
    return [_answer_code(v, where, path) for v in value]


def _code_key(code):
    """How codes are compared: numbers by value, texts without case and extra spaces."""
    return _normal_label(code) if isinstance(code, str) else float(code)


def _check_keys(table: dict, allowed: set, where: str, path: Path) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise _fail(f"{where}: unknown key(s) {', '.join(map(repr, unknown))} "
                    f"(allowed: {', '.join(sorted(allowed))})", path)


def _construct(name: str, spec, path: Path) -> dict:
    where = f"construct {name!r}"
    if not isinstance(spec, dict):
        raise _fail(f"{where} must be a table ([constructs.{name}])", path)
    if name in _RESERVED:
        raise _fail(f"{where}: 'id' and 'year' are reserved; map them in the questionnaires",
                    path)
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise _fail(f"{where}: a construct name is letters, digits and '_'", path)
    kind = spec.get("type")
    if kind not in CONSTRUCT_TYPES:
        raise _fail(f"{where} has unknown type {kind!r} "
                    f"(known: {', '.join(CONSTRUCT_TYPES)})", path)
    _check_keys(spec, CONSTRUCT_TYPES[kind], where, path)
    label = spec.get("label")
    if not isinstance(label, str) or not label.strip():
        raise _fail(f"{where} needs a label", path)
    out = {"type": kind, "label": label}
    if kind == "rating":
        scale = spec.get("scale")
        if (not isinstance(scale, list) or len(scale) != 2
                or not all(isinstance(v, Real) and not isinstance(v, bool) for v in scale)
                or not scale[0] < scale[1]):
            raise _fail(f"{where}: scale must be [lowest, highest], e.g. [0, 10]", path)
        out["scale"] = [_code(v, where, path) for v in scale]
    if kind == "binary":
        out["positive"] = _answer_code_list(spec.get("positive"), f"{where}: positive", path)
        negative = spec.get("negative")
        out["negative"] = None if negative is None else _answer_code_list(
            negative, f"{where}: negative", path)
        both = ({_code_key(c) for c in out["positive"]}
                & {_code_key(c) for c in out["negative"] or []})
        if both:
            raise _fail(f"{where}: a code cannot be both positive and negative "
                        f"({_shown(sorted(map(str, both)))})", path)
    if kind == "category":
        labels = spec.get("labels")
        if not isinstance(labels, dict) or not labels:
            raise _fail(f"{where} needs labels = {{ 1 = \"...\", 2 = \"...\" }}", path)
        codes = {}
        for key, text in labels.items():
            code = _code(key, f"{where}: labels", path)
            if not isinstance(text, str) or not text.strip():
                raise _fail(f"{where}: the label of code {key} must be a non-empty text", path)
            if code in codes:
                raise _fail(f"{where}: code {key} is labelled twice", path)
            codes[code] = text
        if len(set(codes.values())) != len(codes):
            raise _fail(f"{where}: two codes have the same label", path)
        out["labels"] = dict(sorted(codes.items()))
        if "labels_en" in spec:
            out["labels_en"] = _english_labels(spec["labels_en"], out["labels"], where, path)
        ordered = spec.get("ordered", False)
        if not isinstance(ordered, bool):
            raise _fail(f"{where}: ordered must be true or false", path)
        out["ordered"] = ordered
    if kind == "multiple":
        _multiple_construct(name, spec, out, where, path)
    if "missing" in spec:
        out["missing"] = _missing_codes(spec["missing"], out, where, path)
    return out


def _multiple_construct(name: str, spec: dict, out: dict, where: str, path: Path) -> None:
    """``type = "multiple"``: the options (key -> Dutch label, and English), the codes that
    mark an option column as chosen or not, the separator of a column naming the options, an
    explicit "none of these" option. Each option is harmonised into the column
    ``<construct>_<key>``."""
    options = spec.get("options")
    if not isinstance(options, dict) or len(options) < 2:
        raise _fail(f"{where} needs options = {{ telefoon = \"Telefoon\", chat = \"Chat\" }} "
                    f"(at least two: key = label)", path)
    keys = {}
    for key, text in options.items():
        if not re.fullmatch(r"[A-Za-z0-9_]+", key):
            raise _fail(f"{where}: option key {key!r} is not letters, digits and '_' (it names "
                        f"the column {name}_<key>)", path)
        if key in _NAMING_KEYS:
            raise _fail(f"{where}: {key!r} cannot be an option key (it is a key of the "
                        f"questionnaires' tables)", path)
        if not isinstance(text, str) or not text.strip():
            raise _fail(f"{where}: the label of option {key!r} must be a non-empty text", path)
        keys[key] = text
    if len({_normal_label(t) for t in keys.values()}) != len(keys):
        raise _fail(f"{where}: two options have the same label", path)
    english = spec.get("options_en")
    if english is not None:
        if not isinstance(english, dict):
            raise _fail(f"{where}: options_en must be a table {{ key = \"English label\" }}",
                        path)
        extra = [k for k in english if k not in keys]
        if extra:
            raise _fail(f"{where}: options_en has option(s) {_shown(extra)}, which options "
                        f"does not have", path)
        absent = [k for k in keys if k not in english]
        if absent:
            raise _fail(f"{where}: options_en lacks option(s) {_shown(absent)}; give every "
                        f"option an English label", path)
        if not all(isinstance(t, str) and t.strip() for t in english.values()) or \
                len({_normal_label(t) for t in english.values()}) != len(english):
            raise _fail(f"{where}: every English option label is a non-empty text, all "
                        f"different", path)
    codes = spec.get("codes") or {}
    if not isinstance(codes, dict):
        raise _fail(f"{where}: codes must be a table {{ key = code }}", path)
    for key in codes:
        if key not in keys:
            raise _fail(f"{where}: codes names option {key!r}, which options does not have",
                        path)
    codes = {key: _answer_code(code, f"{where}: codes", path) for key, code in codes.items()}
    if len({_code_key(c) for c in codes.values()}) != len(codes):
        raise _fail(f"{where}: two options have the same code", path)
    none = spec.get("none")
    if none is not None and none not in keys:
        raise _fail(f"{where}: none = {none!r} must be the key of one of its options "
                    f"({', '.join(keys)})", path)
    separator = spec.get("separator", ",")
    if not isinstance(separator, str) or not separator.strip():
        raise _fail(f"{where}: separator must be a text such as \",\" or \";\"", path)
    selected = _answer_code_list(spec.get("selected", [1]), f"{where}: selected", path)
    not_selected = _answer_code_list(spec.get("not_selected", [0]), f"{where}: not_selected",
                                     path)
    both = {_code_key(c) for c in selected} & {_code_key(c) for c in not_selected}
    if both:
        raise _fail(f"{where}: a code cannot be both selected and not_selected "
                    f"({_shown(sorted(map(str, both)))})", path)
    columns = {key: f"{name}_{key}" for key in keys}
    out.update({"options": {keys[k]: c for k, c in columns.items()},
                "keys": columns, "none": none, "separator": separator,
                "selected": selected, "not_selected": not_selected})
    if english is not None:
        out["options_en"] = {english[k]: columns[k] for k in keys}
    if codes:
        out["codes"] = {key: codes[key] for key in keys if key in codes}


def option_columns(constructs: dict) -> dict:
    """``{column: construct}`` of every harmonised column: a multiple-response construct
    has one per option, every other construct its own name.

    Examples
    --------
    >>> option_columns({"kanalen": {"type": "multiple", "keys": {"tel": "kanalen_tel",
    ...                 "chat": "kanalen_chat"}}, "nps": {"type": "rating"}})
    {'kanalen_tel': 'kanalen', 'kanalen_chat': 'kanalen', 'nps': 'nps'}
    """
    out = {}
    for name, spec in constructs.items():
        if spec.get("type") == "multiple":
            out.update({column: name for column in spec["keys"].values()})
        else:
            out[name] = name
    return out


def _missing_codes(missing, construct: dict, where: str, path: Path) -> dict:
    """``missing = [99, "n.v.t."]`` or ``{ 99 = "weet niet", "n.v.t." = "..." }`` -> {code: reason}.

    Only the codes declared here are missing: an undeclared text in a rating stays an error.
    """
    if isinstance(missing, dict):
        if not missing:
            raise _fail(f"{where}: missing must not be empty", path)
        codes = {}
        for key, reason in missing.items():
            if not isinstance(reason, str) or not reason.strip():
                raise _fail(f"{where}: the reason of missing code {key!r} must be a "
                            f"non-empty text", path)
            codes[_answer_code(key, f"{where}: missing", path)] = reason
    else:
        codes = {c: None for c in _answer_code_list(missing, f"{where}: missing", path)}
    keys = {_code_key(c): c for c in codes}
    valid = ({_code_key(c) for c in construct.get("positive", [])}
             | {_code_key(c) for c in construct.get("negative") or []}
             | {_code_key(c) for c in construct.get("labels", {})}
             | {_normal_label(t) for t in construct.get("labels", {}).values()}
             | {_code_key(c) for c in construct.get("selected", [])}
             | {_code_key(c) for c in construct.get("not_selected", [])})
    clash = [keys[k] for k in keys if k in valid]
    if clash:
        raise _fail(f"{where}: code(s) {_shown(clash)} are declared both valid and missing",
                    path)
    if construct["type"] == "rating":
        low, high = construct["scale"]
        inside = [c for c in codes if not isinstance(c, str) and low <= c <= high]
        if inside:
            raise _fail(f"{where}: missing code(s) {_shown(inside)} lie inside the scale "
                        f"{construct['scale']}", path)
    return codes


def _english_labels(labels_en, labels: dict, where: str, path: Path) -> dict:
    """``labels_en``: the same codes as ``labels``, with English texts (report language en)."""
    if not isinstance(labels_en, dict) or not labels_en:
        raise _fail(f"{where}: labels_en must be a table {{ 1 = \"...\" }} like labels", path)
    out = {}
    for key, text in labels_en.items():
        code = _code(key, f"{where}: labels_en", path)
        if code not in labels:
            raise _fail(f"{where}: labels_en has code {key}, which labels does not have", path)
        if not isinstance(text, str) or not text.strip():
            raise _fail(f"{where}: the English label of code {key} must be a non-empty text",
                        path)
        out[code] = text
    absent = [c for c in labels if c not in out]
    if absent:
        raise _fail(f"{where}: labels_en lacks code(s) {_shown(absent)}; give every code an "
                    f"English label", path)
    if len(set(out.values())) != len(out):
        raise _fail(f"{where}: two codes have the same English label", path)
    return dict(sorted(out.items()))
def _drivers(raw, constructs: dict, path: Path) -> dict:
    """``[drivers.<key>]`` tables: an outcome construct and its predictor constructs."""
    if not isinstance(raw, dict):
        raise _fail("drivers must be tables [drivers.<name>] with outcome and predictors", path)
    out = {}
    for key, spec in raw.items():
        where = f"drivers {key!r}"
        if not isinstance(spec, dict):
            raise _fail(f"{where} must be a table ([drivers.{key}])", path)
        _check_keys(spec, {"outcome", "predictors"}, where, path)
        outcome, predictors = spec.get("outcome"), spec.get("predictors")
        if not isinstance(predictors, list) or not predictors:
            raise _fail(f"{where}: predictors must be a non-empty list of constructs", path)
        for role, name in [("outcome", outcome), *[("predictor", p) for p in predictors]]:
            if not isinstance(name, str) or name not in constructs:
                raise _fail(f"{where}: the {role} {name!r} is not a construct"
                            + did_you_mean(name, constructs), path)
            allowed = ("rating", "number", "binary") + (("category",) if role == "predictor"
                                                         else ())
            if constructs[name]["type"] not in allowed:
                raise _fail(f"{where}: the {role} {name!r} is a {constructs[name]['type']} "
                            f"construct (allowed: {', '.join(allowed)})", path)
        if len(set(predictors)) != len(predictors) or outcome in predictors:
            raise _fail(f"{where}: a predictor is listed twice or is the outcome", path)
        out[key] = {"outcome": outcome, "predictors": list(predictors)}
    return out


def survey_definition(name_or_path: str | os.PathLike, *,
                      surveys_dir: str | os.PathLike | None = None) -> dict:
    """Read and validate a survey definition.

    Parameters
    ----------
    name_or_path : str or path-like
        A survey name (``"klantcontact"`` -> ``<surveys folder>/klantcontact.toml``) or the
        path of a ``.toml`` file.
    surveys_dir : str or path-like, optional
        Folder that holds the definitions; default ``$KIRC_SURVEYS`` or the project's
        ``surveys/``.

    Returns
    -------
    dict
        ``name``, ``title``, ``unit``, ``description``, ``min_n``, ``path`` (the definition
        file), ``constructs`` ({name: {"type", "label", and per type "scale", "positive",
        "negative", "labels", "ordered", "missing"}}, codes as numbers), ``questionnaires``
        ({version: {"label", "columns": {construct: column}}}) and ``years`` ({year (int):
        {"file" (absolute path, str), "questionnaire", "population" (int or None), "read"
        (dict of read_survey options)}}, in year order), ``indicators`` (ordered {key:
        {"metric", "construct", "label": {"nl", "en"}, "unit", and "top", "definition",
        "base" where given}}; derived from the constructs by :func:`default_indicators` when
        the file has none), ``report`` ({"breakdowns": [...], "segment_by": str or None,
        "org_survey": str or None}), ``drivers`` ({key: {"outcome", "predictors"}}, empty when
        the file declares none) and ``design`` (the ``[design]`` table: {"weights", "strata"
        (list), "psu", "fpc", "lonely_psu"}, construct names or None; see
        :func:`survey_design`).

    Raises
    ------
    DefinitionError
        The file is not valid TOML (a key or year given twice, for instance), a required key
        is absent, a key is unknown, a construct type is unknown, a code is declared twice, a
        questionnaire maps an unknown construct, a year is not a year or is listed twice, a
        year names an unknown questionnaire, an indicator names a missing construct or one of
        the wrong type, or a breakdown or segment is not a category construct. The messages
        name the file and the entry; ``docs/definition.md`` lists them.
    InputFileError
        ``name_or_path`` is a path that does not exist.
    ParameterError
        No definition of that name exists in the surveys folder.

    Examples
    --------
    >>> definition = survey_definition("klantcontact")
    >>> definition["constructs"]["nps"]
    {'type': 'rating', 'label': 'Aanbevelingsbereidheid (0–10)', 'scale': [0, 10], 'missing': {99: 'weet niet / geen antwoord'}}
    >>> list(definition["years"])[:3], definition["years"][2019]["questionnaire"]
    ([2017, 2018, 2019], 'v2019')
    >>> list(definition["indicators"])[:3], definition["report"]["org_survey"]
    (['nps', 'csat', 'csat_mean'], 'sectorscan')
    """
    path = _definition_path(name_or_path, surveys_dir)
    try:
        with open(path, "rb") as handle:
            raw = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        hint = (" (a key or a year is given twice)"
                if re.search(r"overwrite|declare|defined", str(exc), re.I) else "")
        raise _fail(f"is not a valid TOML file: {exc}{hint}", path) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"the survey definition cannot be read: {exc}", file=path) from exc

    _check_keys(raw, _TOP_KEYS | _OTHER_TOP_KEYS, "the definition", path)
    for key in _REQUIRED_TOP_KEYS:
        if key not in raw:
            raise _fail(f"the required key {key!r} is missing", path)
    for key in ("name", "title", "unit"):
        if not isinstance(raw[key], str) or not raw[key].strip():
            raise _fail(f"{key!r} must be a non-empty text", path)
    min_n = raw.get("min_n", config.MIN_N)
    if isinstance(min_n, bool) or not isinstance(min_n, int) or min_n < 1:
        raise _fail(f"min_n must be a positive whole number, not {min_n!r}", path)

    if not isinstance(raw["constructs"], dict) or not raw["constructs"]:
        raise _fail("there are no constructs ([constructs.<name>] tables)", path)
    constructs = {name: _construct(name, spec, path) for name, spec in raw["constructs"].items()}
    _check_option_columns(constructs, path)

    if not isinstance(raw["questionnaires"], dict) or not raw["questionnaires"]:
        raise _fail("there are no questionnaires ([questionnaires.<version>.columns])", path)
    questionnaires = {}
    for version, spec in raw["questionnaires"].items():
        where = f"questionnaire {version!r}"
        if not isinstance(spec, dict):
            raise _fail(f"{where} must be a table", path)
        _check_keys(spec, _QUESTIONNAIRE_KEYS, where, path)
        columns = spec.get("columns")
        if not isinstance(columns, dict) or not columns:
            raise _fail(f"{where} needs a columns table (construct = \"column\"); map 'id' "
                        f"to the respondent number when the export has one", path)
        for construct, column in columns.items():
            if construct not in constructs and construct not in _RESERVED:
                raise _fail(f"{where} maps {construct!r}, which is not a construct"
                            + did_you_mean(construct, constructs), path)
            if constructs.get(construct, {}).get("type") == "multiple":
                columns[construct] = _multiple_mapping(column, constructs[construct],
                                                       f"{where}: {construct!r}", path)
            elif not isinstance(column, str) or not column:
                raise _fail(f"{where}: the column of {construct!r} must be a non-empty text",
                            path)
        questionnaires[version] = {"label": str(spec.get("label", version)),
                                   "columns": dict(columns)}
    unmapped = [c for c in constructs
                if not any(c in q["columns"] for q in questionnaires.values())]
    if unmapped:
        raise _fail(f"construct(s) {', '.join(map(repr, unmapped))} are not mapped to a column "
                    f"in any questionnaire", path)

    if not isinstance(raw["years"], dict) or not raw["years"]:
        raise _fail("there are no years ([years] with 2017 = { file = ..., ... })", path)
    years = {}
    for key, spec in raw["years"].items():
        if not re.fullmatch(r"\d{4}", key.strip()):
            raise _fail(f"{key!r} under [years] is not a year (four digits)", path)
        year = int(key)
        if year in years:
            raise _fail(f"year {year} is listed twice", path)
        where = f"year {year}"
        if not isinstance(spec, dict):
            raise _fail(f"{where} must be a table {{ file = ..., questionnaire = ... }}", path)
        _check_keys(spec, _YEAR_KEYS, where, path)
        if not isinstance(spec.get("file"), str) or not spec["file"]:
            raise _fail(f"{where} needs file = \"...\"", path)
        version = spec.get("questionnaire")
        if version not in questionnaires:
            raise _fail(f"{where} names questionnaire {version!r}, which is not defined "
                        f"(defined: {', '.join(questionnaires)})", path)
        population = spec.get("population")
        if population is not None and (isinstance(population, bool)
                                       or not isinstance(population, int) or population < 1):
            raise _fail(f"{where}: population must be a positive whole number", path)
        options = spec.get("read", {})
        if not isinstance(options, dict):
            raise _fail(f"{where}: read must be a table of read_survey options", path)
        _check_keys(options, _READ_OPTIONS, f"{where}: read", path)
        file = _data_file(spec["file"], raw.get("data_folders"), path, where)
        years[year] = {"file": str(file), "questionnaire": version, "population": population,
                       "read": dict(options)}

    _check_shared_files(years, questionnaires, path)
    indicators = _indicators(raw.get("indicators"), constructs, path)
    report = _report(raw.get("report"), constructs, path)
    years = dict(sorted(years.items()))
    design = _design_table(raw.get("design"), constructs, years, path)
    calibration = (_calibration(raw["calibration"], constructs, years, path,
                                raw.get("data_folders"))
                   if "calibration" in raw else None)
    return {"name": raw["name"], "title": raw["title"], "unit": raw["unit"],
            "description": raw.get("description"), "min_n": min_n, "path": str(path),
            "constructs": constructs, "questionnaires": questionnaires,
            "years": years, "indicators": indicators, "report": report,
            "drivers": _drivers(raw.get("drivers", {}), constructs, path), "design": design,
            "calibration": calibration}


def _check_option_columns(constructs: dict, path: Path) -> None:
    """An option's column (``<construct>_<key>``) may not be the name of another construct,
    of another option, or ``id``/``year``."""
    seen: dict[str, str] = {}
    for name in constructs:
        seen[name] = f"construct {name!r}"
    for name, spec in constructs.items():
        for key, column in (spec.get("keys") or {}).items():
            if column in seen or column in _RESERVED:
                raise _fail(f"construct {name!r}: option {key!r} makes the column {column!r}, "
                            f"which is already "
                            + (seen.get(column) or "reserved") + "; rename the option or "
                            "the construct", path)
            seen[column] = f"option {key!r} of {name!r}"


def _multiple_mapping(value, spec: dict, where: str, path: Path) -> dict:
    """Where a questionnaire keeps a multiple-response construct, as ``{"options": {key:
    column}}`` (one column per option, each marking it chosen or not) or ``{"naming": [column,
    ...], "asked": [key, ...]}`` (columns naming the options chosen, several per cell joined
    by the separator). Options a questionnaire does not ask are missing in its years."""
    keys = list(spec["keys"])
    if isinstance(value, str) or isinstance(value, list):
        value = {"column": value}
    if not isinstance(value, dict) or not value:
        raise _fail(f"{where} must be a column naming the options chosen (\"kanalen\"), a list "
                    f"of such columns, or a table of one column per option "
                    f"{{ {keys[0]} = \"...\", {keys[1]} = \"...\" }}", path)
    if "column" in value:
        extra = sorted(set(value) - set(_NAMING_KEYS))
        if extra:
            raise _fail(f"{where}: a table with column (the options named in one column) takes "
                        f"only column and asked, not {_shown(extra)}", path)
        naming = value["column"]
        naming = [naming] if isinstance(naming, str) else naming
        if not isinstance(naming, list) or not naming or not all(
                isinstance(c, str) and c for c in naming):
            raise _fail(f"{where}: column must be a column name or a list of them", path)
        asked = value.get("asked", keys)
        if not isinstance(asked, list) or not asked or not all(k in keys for k in asked):
            unknown = [k for k in asked if k not in keys] if isinstance(asked, list) else []
            raise _fail(f"{where}: asked must list option keys ({', '.join(keys)})"
                        + (f", not {_shown(unknown)}" if unknown else ""), path)
        return {"naming": list(naming), "asked": [k for k in keys if k in asked]}
    for key, column in value.items():
        if key not in keys:
            raise _fail(f"{where} maps {key!r}, which is not one of its options"
                        + did_you_mean(key, keys, f" ({', '.join(keys)})"), path)
        if not isinstance(column, str) or not column:
            raise _fail(f"{where}: the column of option {key!r} must be a non-empty text", path)
    return {"options": {key: value[key] for key in keys if key in value}}


def mapped_columns(mapping) -> list[str]:
    """The file's columns a questionnaire entry names: one, or those of a multiple-response
    construct.

    Examples
    --------
    >>> mapped_columns("Q5"), mapped_columns({"options": {"tel": "Q6_1", "chat": "Q6_2"}})
    (['Q5'], ['Q6_1', 'Q6_2'])
    """
    if isinstance(mapping, dict):
        return list(mapping["options"].values()) if "options" in mapping else \
            list(mapping["naming"])
    return [mapping]


def _check_shared_files(years: dict, questionnaires: dict, path: Path) -> None:
    """One export may hold several years; each year then takes the rows of its year column."""
    by_file: dict[str, list[int]] = {}
    for year, spec in years.items():
        by_file.setdefault(spec["file"], []).append(year)
    for file, listed in by_file.items():
        if len(listed) < 2:
            continue
        for year in listed:
            version = years[year]["questionnaire"]
            if "year" not in questionnaires[version]["columns"]:
                raise _fail(f"the file {Path(file).name} is listed under "
                            f"{years_text(sorted(listed))}; questionnaire {version!r} must map "
                            f"its year column (year = \"...\") so that each year takes its "
                            f"own rows", path)


# --------------------------------------------------------------------------------------------
# [indicators] and [report]: what the report shows
# --------------------------------------------------------------------------------------------
#: Indicator metrics: the construct types each may be computed on and its default unit.
INDICATOR_METRICS = {
    "nps": ({"rating"}, "punten"),
    "share": ({"binary"}, "procent"),
    "top_box": ({"rating"}, "procent"),
    "mean": ({"rating", "number"}, "schaal"),
    "multiple": ({"multiple"}, "procent"),
}
INDICATOR_UNITS = ("punten", "procent", "schaal")
_INDICATOR_KEYS = {"metric", "construct", "label", "unit", "top", "definition", "base"}
_REPORT_KEYS = {"breakdowns", "segment_by", "org_survey"}


def _texts(value, where: str, path: Path, default: str | None = None) -> dict | None:
    """A text in Dutch and English: ``"..."`` (both) or ``{ nl = "...", en = "..." }``."""
    if value is None:
        return None if default is None else {"nl": default, "en": default}
    if isinstance(value, str):
        value = {"nl": value}
    if not isinstance(value, dict):
        raise _fail(f"{where} must be a text or a table {{ nl = \"...\", en = \"...\" }}", path)
    _check_keys(value, {"nl", "en"}, where, path)
    for language, text in value.items():
        if not isinstance(text, str) or not text.strip():
            raise _fail(f"{where}: the {language} text must be a non-empty text", path)
    if "nl" not in value:
        raise _fail(f"{where} needs at least the Dutch text (nl = \"...\")", path)
    return {"nl": value["nl"], "en": value.get("en", value["nl"])}


def _indicator(key: str, spec, constructs: dict, path: Path) -> dict:
    where = f"indicator {key!r}"
    if not isinstance(spec, dict):
        raise _fail(f"{where} must be a table ([indicators.{key}])", path)
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        raise _fail(f"{where}: an indicator key is letters, digits and '_'", path)
    _check_keys(spec, _INDICATOR_KEYS, where, path)
    metric = spec.get("metric")
    if metric not in INDICATOR_METRICS:
        raise _fail(f"{where} has metric {metric!r}; known metrics: "
                    f"{', '.join(INDICATOR_METRICS)}", path)
    construct = spec.get("construct")
    if not isinstance(construct, str) or construct not in constructs:
        raise _fail(f"{where} names construct {construct!r}, which the definition does not "
                    f"have" + did_you_mean(construct, constructs,
                                           f" (constructs: {', '.join(constructs)})"), path)
    kinds, default_unit = INDICATOR_METRICS[metric]
    kind = constructs[construct]["type"]
    if kind not in kinds:
        raise _fail(f"{where}: metric {metric!r} needs a construct of type "
                    f"{' or '.join(sorted(kinds))}, but {construct!r} is a {kind}", path)
    if metric == "nps" and constructs[construct]["scale"] != [0, 10]:
        raise _fail(f"{where}: the NPS needs a 0–10 rating, but {construct!r} has the scale "
                    f"{constructs[construct]['scale']}", path)
    unit = spec.get("unit", default_unit)
    if unit not in INDICATOR_UNITS:
        raise _fail(f"{where}: unit {unit!r} is not one of {', '.join(INDICATOR_UNITS)}", path)
    out = {"metric": metric, "construct": construct,
           "label": _texts(spec.get("label"), f"{where}: label", path,
                           default=constructs[construct]["label"]),
           "unit": unit}
    if metric == "top_box":
        top = spec.get("top", 2)
        low, high = constructs[construct]["scale"]
        if isinstance(top, bool) or not isinstance(top, int) or not 1 <= top <= high - low:
            raise _fail(f"{where}: top must be a whole number of boxes from 1 to "
                        f"{int(high - low)} on the scale {low}–{high}, not {top!r}", path)
        out["top"] = top
    elif "top" in spec:
        raise _fail(f"{where}: top applies to metric 'top_box' only", path)
    for name in ("definition", "base"):
        if name in spec:
            out[name] = _texts(spec[name], f"{where}: {name}", path)
    return out


def default_indicators(constructs: dict) -> dict:
    """The indicator catalogue of a definition without ``[indicators]``, from its constructs.

    A 0–10 rating gives an NPS, another rating its top-2-box share and its mean (key
    ``<construct>_mean``), a binary construct its share; labels are the constructs' labels.

    Examples
    --------
    >>> constructs = {"aanbevelen": {"type": "rating", "label": "Aanbevelen", "scale": [0, 10]},
    ...               "opgelost": {"type": "binary", "label": "Opgelost", "positive": ["Ja"]}}
    >>> {key: spec["metric"] for key, spec in default_indicators(constructs).items()}
    {'aanbevelen': 'nps', 'opgelost': 'share'}
    """
    out = {}
    for name, spec in constructs.items():
        label = {"nl": spec["label"], "en": spec["label"]}
        if spec["type"] == "rating" and spec["scale"] == [0, 10]:
            out[name] = {"metric": "nps", "construct": name, "label": label, "unit": "punten"}
        elif spec["type"] == "rating":
            top = 2 if spec["scale"][1] - spec["scale"][0] >= 2 else 1
            out[name] = {"metric": "top_box", "construct": name, "label": label,
                         "unit": "procent", "top": top}
            out[f"{name}_mean"] = {"metric": "mean", "construct": name, "label": label,
                                   "unit": "schaal"}
        elif spec["type"] == "binary":
            out[name] = {"metric": "share", "construct": name, "label": label,
                         "unit": "procent"}
        elif spec["type"] == "multiple":
            out[name] = {"metric": "multiple", "construct": name, "label": label,
                         "unit": "procent"}
    return out


def _indicators(raw, constructs: dict, path: Path) -> dict:
    if raw is None:
        return default_indicators(constructs)
    if not isinstance(raw, dict) or not raw:
        raise _fail("[indicators] must hold at least one [indicators.<key>] table", path)
    return {key: _indicator(key, spec, constructs, path) for key, spec in raw.items()}


def _category_construct(name, constructs: dict, where: str, path: Path) -> str:
    if not isinstance(name, str) or name not in constructs:
        raise _fail(f"{where} names {name!r}, which is not a construct"
                    + did_you_mean(name, constructs), path)
    kind = constructs[name]["type"]
    if kind != "category":
        what = "a free-text column" if kind == "text" else f"a {kind}"
        raise _fail(f"{where}: {name!r} is {what}; breakdowns and segments need a construct "
                    f"of type category (with labels)", path)
    return name


def _report(raw, constructs: dict, path: Path) -> dict:
    """``[report]`` -> {"breakdowns", "segment_by", "org_survey"}.

    Without ``breakdowns`` the report breaks down by every category construct.
    ``org_survey`` is a survey name or a ``.toml`` path (relative to this definition's folder,
    returned absolute); there is none unless the definition names one.
    """
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        raise _fail("[report] must be a table", path)
    _check_keys(raw, _REPORT_KEYS, "[report]", path)
    if "breakdowns" in raw:
        breakdowns = raw["breakdowns"]
        if not isinstance(breakdowns, list):
            raise _fail("[report] breakdowns must be a list of construct names, "
                        "e.g. [\"afdeling\", \"kanaal\"]", path)
        breakdowns = [_category_construct(name, constructs, "[report] breakdowns", path)
                      for name in breakdowns]
        if len(set(breakdowns)) != len(breakdowns):
            raise _fail("[report] breakdowns lists a construct twice", path)
    else:
        breakdowns = [name for name, spec in constructs.items() if spec["type"] == "category"]
    segment_by = raw.get("segment_by")
    if segment_by is not None:
        segment_by = _category_construct(segment_by, constructs, "[report] segment_by", path)
    org_survey = raw.get("org_survey")
    if org_survey is not None:
        if not isinstance(org_survey, str):
            raise _fail("[report] org_survey must be a survey name or a .toml path", path)
        org_survey = org_survey.strip() or None
    if org_survey is not None and (org_survey.lower().endswith(".toml") or "/" in org_survey
                                   or os.sep in org_survey):
        other = Path(org_survey)
        org_survey = str(other if other.is_absolute() else path.parent / other)
    return {"breakdowns": breakdowns, "segment_by": segment_by, "org_survey": org_survey}


def _design_table(table, constructs: dict, years: dict, path: Path) -> dict:
    """The ``[design]`` table: construct names of the weights, strata, PSU and fpc.

    Returns ``{"weights", "strata" (list), "psu", "fpc", "lonely_psu", "linked",
    "replicates"}``; absent keys are None (``strata`` an empty list, ``lonely_psu`` "fail").
    ``psu`` and ``fpc`` are a construct or a list of them (one per stage); ``linked`` is a
    construct or ``"id"``; ``replicates`` a :class:`kirc.Replicates` whose columns are the
    file's columns matching a pattern (``columns = "repw*"``) or listed. Without an ``fpc``
    the populations per year of ``[years]`` are the finite population correction (each year
    its own sample).
    """
    from .design import LONELY_PSU

    design = {"weights": None, "strata": [], "psu": None, "fpc": None, "lonely_psu": "fail",
              "linked": None, "replicates": None}
    if table is None:
        return design
    if not isinstance(table, dict):
        raise _fail("[design] must be a table (weights = ..., strata = ..., psu = ..., "
                    "fpc = ...)", path)
    _check_keys(table, set(_DESIGN_KEYS), "[design]", path)
    for key, types in _DESIGN_KEYS.items():
        if key not in table:
            continue
        value = table[key]
        if key == "lonely_psu":
            if value not in LONELY_PSU:
                raise _fail(f"[design]: lonely_psu must be one of {', '.join(LONELY_PSU)} "
                            f"(R's survey.lonely.psu), not {value!r}", path)
            design[key] = value
            continue
        if key == "replicates":
            design[key] = _replicates_table(value, path)
            continue
        if key == "linked" and value == "id":
            design[key] = "id"
            continue
        several = key in ("strata", "psu", "fpc") and isinstance(value, list)
        names = value if several else [value]
        for name in names:
            if not isinstance(name, str) or name not in constructs:
                raise _fail(f"[design]: {key} = {name!r} is not a construct"
                            + did_you_mean(name, constructs), path)
            if constructs[name]["type"] not in types:
                raise _fail(f"[design]: {key} = {name!r} is a construct of type "
                            f"{constructs[name]['type']!r}; it must be of type "
                            f"{' or '.join(types)}", path)
        design[key] = list(names) if key == "strata" else (
            list(names) if several and len(names) > 1 else names[0] if several else value)
    if design["fpc"] is not None and any(y["population"] for y in years.values()):
        raise _fail("[design]: give the finite population either as fpc (a construct) or as "
                    "population per year under [years], not both", path)
    if design["replicates"] is not None and any(y["population"] for y in years.values()):
        raise _fail("[design]: replicate weights carry the finite population correction; "
                    "give no population per year under [years] with replicates", path)
    if design["replicates"] is not None and (design["psu"] or design["fpc"]):
        raise _fail("[design]: replicate weights carry the clusters and the finite population "
                    "correction; give no psu or fpc with replicates", path)
    return design


def _replicates_table(value, path: Path):
    """``[design] replicates = { columns = "repw*", method = "JK1", ... }``."""
    from .design import REPLICATE_METHODS, Replicates

    if not isinstance(value, dict) or "columns" not in value:
        raise _fail("[design]: replicates must be a table with columns (a pattern such as "
                    "\"repw*\" or a list of column names) and method", path)
    _check_keys(value, {"columns", "method", "scale", "rscales", "rho", "mse"},
                "[design.replicates]", path)
    if value.get("method") not in REPLICATE_METHODS:
        raise _fail(f"[design.replicates]: method must be one of "
                    f"{', '.join(REPLICATE_METHODS)}, not {value.get('method')!r}", path)
    try:
        return Replicates(**value)
    except ParameterError as error:
        raise _fail(f"[design.replicates]: {error.message}", path) from None


def _propose_file_weight(raw: pd.DataFrame, mapping: dict, definition: dict, file) -> None:
    """A file that declares a weight (SPSS ``WEIGHT BY``) the ``[design]`` does not use: say so.

    The weight is proposed, never used silently: the figures follow the definition.
    """
    declared = raw.attrs.get("weight")
    if not isinstance(declared, str) or (definition.get("design") or {}).get("weights"):
        return
    from ..errors import warn

    construct = next((name for name, column in mapping.items() if column == declared), None)
    hint = (f"add weights = {construct!r} to [design] in {definition['path']}" if construct
            else "map it to a construct of type weight and name that in [design]")
    warn(f"{file} declares the weight {declared!r} (SPSS WEIGHT BY), which the survey design "
         f"does not use; the figures are unweighted. To weight them, {hint}")


def survey_design(definition: dict, years=None):
    """The :class:`kirc.Design` of a survey definition (column names are construct names).

    The years are the outermost strata: each year is a sample of its own.

    Parameters
    ----------
    definition : dict
        As :func:`survey_definition` returns it.
    years : iterable of int, optional
        The years loaded; their populations (``[years]``) become ``population={year: N}``.

    Examples
    --------
    >>> survey_design(survey_definition("klantcontact"))
    Design(weights='weight', strata='year', psu=None, fpc=None, population=None, lonely_psu='fail')
    >>> survey_design(survey_definition("sectorscan"), years=[2024, 2025]).population
    {2024: 168.0, 2025: 170.0}
    """
    from .design import Design

    spec = definition.get("design") or {}
    chosen = list(definition["years"]) if years is None else list(years)
    population = None
    if spec.get("fpc") is None:
        sizes = {year: definition["years"][year]["population"] for year in chosen}
        if any(size is not None for size in sizes.values()):
            population = sizes
    strata = list(spec.get("strata") or [])
    if population is None and "year" not in strata:
        strata.insert(0, "year")
    return Design(weights=spec.get("weights"), strata=tuple(strata) or None, psu=spec.get("psu"),
                  fpc=spec.get("fpc"), population=population,
                  lonely_psu=spec.get("lonely_psu", "fail"), linked=spec.get("linked"),
                  replicates=spec.get("replicates"))


def _calibration(spec, constructs: dict, years: dict, path: Path, folders=None) -> dict:
    """The ``[calibration]`` table: method, bounds, weight column and margins per year.

    ``margins`` is a file beside the definition (``margins = "populatie_x.toml"``, whose
    ``[margins]`` table has the inline format) or inline: ``[calibration.margins.<construct>]``
    with a population count per category label for every year, ``[calibration.margins.<year>.
    <construct>]`` for one year (it replaces the all-year margin of that construct).
    """
    from .calibrate import METHODS

    where = "[calibration]"
    if not isinstance(spec, dict):
        raise _fail(f"{where} must be a table", path)
    _check_keys(spec, _CALIBRATION_KEYS, where, path)
    method = spec.get("method", "raking")
    if method not in METHODS:
        raise _fail(f"{where}: method {method!r} is not one of {', '.join(METHODS)}", path)
    bounds = spec.get("bounds")
    if bounds is not None:
        if (not isinstance(bounds, list) or len(bounds) != 2
                or not all(isinstance(b, Real) and not isinstance(b, bool) for b in bounds)
                or not 0 <= bounds[0] < 1 < bounds[1]):
            raise _fail(f"{where}: bounds must be [lower, upper] with 0 ≤ lower < 1 < upper, "
                        f"e.g. [0.3, 3.0]", path)
        bounds = [float(b) for b in bounds]
    elif method == "logit":
        raise _fail(f"{where}: logit calibration needs bounds = [lower, upper]", path)
    weight = spec.get("weight", "weight")
    if not isinstance(weight, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", weight):
        raise _fail(f"{where}: weight must name the column of the calibrated weights", path)
    if weight in constructs and constructs[weight]["type"] != "weight" or weight in _RESERVED:
        raise _fail(f"{where}: weight = {weight!r} would overwrite a construct that is not a "
                    f"weight", path)
    start = spec.get("start_weights")
    if start is not None and (start not in constructs or constructs[start]["type"] != "weight"):
        raise _fail(f"{where}: start_weights must name a construct of type weight, not "
                    f"{start!r}", path)
    if start is not None and start == weight:
        raise _fail(f"{where}: start_weights and weight must be different columns", path)
    margins = spec.get("margins")
    source = None
    if isinstance(margins, str):
        # the same folder rule as the data: a definition reads only its own folder and its
        # data_folders
        file = _data_file(margins, folders, path, f"{where} margins")
        if not file.is_file():
            raise _fail(f"{where}: the margins file {margins!r} does not exist ({file})", path)
        try:
            with open(file, "rb") as handle:
                content = tomllib.load(handle)
        except tomllib.TOMLDecodeError as exc:
            raise DefinitionError(f"is not a valid TOML file: {exc}", file=file) from exc
        _check_keys(content, _MARGINS_FILE_KEYS, "the margins file", file)
        margins, source = content.get("margins"), str(file)
        where_margins = f"the margins file {file}"
    else:
        where_margins = f"{where} margins"
    if not isinstance(margins, dict) or not margins:
        raise _fail(f"{where}: margins must name a file or be a table of population counts "
                    f"([calibration.margins.<construct>])", path)
    common, per_year = {}, {}
    for key, table in margins.items():
        if re.fullmatch(r"\d{4}", key):
            year = int(key)
            if year not in years:
                raise _fail(f"{where_margins}: year {year} is not a year of the survey", path)
            if not isinstance(table, dict) or not table:
                raise _fail(f"{where_margins}: [margins.{key}] must hold a table per construct",
                            path)
            per_year[year] = {name: _margin(name, counts, constructs, f"{where_margins}, "
                                            f"{year}", path) for name, counts in table.items()}
        else:
            common[key] = _margin(key, table, constructs, where_margins, path)
    by_year = {}
    for year, spec_year in years.items():
        chosen = {**common, **per_year.get(year, {})}
        if not chosen:
            raise _fail(f"{where_margins}: there are no margins for {year}", path)
        totals = {name: sum(counts.values()) for name, counts in chosen.items()}
        first = next(iter(totals))
        for name, total in totals.items():
            if abs(total - totals[first]) > 1e-6 * totals[first]:
                raise _fail(f"{where_margins}: in {year} the margin of {name!r} adds up to "
                            f"{total:,.6g} but that of {first!r} to {totals[first]:,.6g}",
                            path)
        population = spec_year["population"]
        if population is not None and abs(totals[first] - population) > 1e-6 * population:
            raise _fail(f"{where_margins}: the margins of {year} add up to {totals[first]:,.6g} "
                        f"but the population of {year} is {population}", path)
        by_year[year] = chosen
    return {"method": method, "bounds": bounds, "weight": weight, "start_weights": start,
            "margins": by_year, "source": source}


def _margin(name: str, counts, constructs: dict, where: str, path: Path) -> dict:
    if name not in constructs or constructs[name]["type"] != "category":
        raise _fail(f"{where}: {name!r} is not a construct of type category", path)
    if not isinstance(counts, dict) or not counts:
        raise _fail(f"{where}: the margin of {name!r} must be a table label = count", path)
    labels = list(constructs[name]["labels"].values())
    out = {}
    for label, count in counts.items():
        if label not in labels:
            raise _fail(f"{where}: {name!r} has no category {label!r}"
                        + did_you_mean(label, labels, f" (categories: {', '.join(labels)})"),
                        path)
        if (isinstance(count, bool) or not isinstance(count, Real)
                or not math.isfinite(count) or count <= 0):
            raise _fail(f"{where}: the population count of {name!r} = {label!r} must be a "
                        f"positive number, not {count!r}", path)
        out[label] = float(count)
    missing = [label for label in labels if label not in out]
    if missing:
        raise _fail(f"{where}: the margin of {name!r} has no population count for "
                    f"{', '.join(map(repr, missing))}", path)
    return {label: out[label] for label in labels}


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------
def years_text(years: list[int]) -> str:
    """Years as a reader wants them listed: a range when they are consecutive.

    Examples
    --------
    >>> years_text([2017, 2018, 2019]), years_text([2017, 2019])
    ('2017–2019', '2017, 2019')
    """
    if len(years) == 1:
        return str(years[0])
    if years and list(years) == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}–{years[-1]}"
    return ", ".join(map(str, years))


def check_years(years, available: list[int], where: str) -> list[int]:
    """The requested years, validated against a survey's years, sorted and without repeats.

    ``years`` is a year, a list of years (whole numbers, or texts such as ``"2019"``), or None
    for all of ``available``. ``where`` names the survey in the error messages.

    Examples
    --------
    >>> check_years(["2019", 2017, 2019], [2017, 2018, 2019], "klantcontact")
    [2017, 2019]
    >>> check_years(2016, [2017, 2018], "klantcontact")
    Traceback (most recent call last):
    ...
    kirc.errors.ParameterError: year 2016 is not in the survey klantcontact (available years: 2017–2018)
    """
    if years is None:
        return list(available)
    requested = [years] if isinstance(years, (Integral, str)) else years
    if not isinstance(requested, Iterable):
        raise ParameterError(f"years must be a year, a list of years or None, not {years!r}")
    chosen = []
    for year in requested:
        text = year.strip() if isinstance(year, str) else None
        if isinstance(year, bool) or not (isinstance(year, Integral)
                                          or (text is not None and text.isdigit())):
            raise ParameterError(f"{year!r} is not a year (a whole number such as 2019)")
        year = int(year)
        if year not in available:
            raise ParameterError(f"year {year} is not in the survey {where} "
                                 f"(available years: {years_text(available)})")
        if year not in chosen:
            chosen.append(year)
    if not chosen:
        raise ParameterError(f"no years were asked for (available years: "
                             f"{years_text(available)})")
    return sorted(chosen)


def load_survey(name_or_path: str | os.PathLike, years=None, *,
                surveys_dir: str | os.PathLike | None = None, personal_data: str = "drop",
                pseudonym_key=None, calibrate: bool = True) -> pd.DataFrame:
    """Load the years of a survey as one harmonised frame.

    Parameters
    ----------
    name_or_path : str or path-like
        Survey name (``"klantcontact"``, ``"sectorscan"``) or path of a definition ``.toml``
        (see the module documentation for the format).
    years : int or iterable of int, optional
        Years to load; default all years of the definition.
    surveys_dir : str or path-like, optional
        Folder of the definitions; default ``$KIRC_SURVEYS`` or the project's ``surveys/``.
    personal_data : {"drop", "pseudonymise", "keep"}
        Passed to :func:`kirc.read_survey` for every file: by default columns holding personal
        data are dropped and free-text constructs scrubbed of identifiers, so the harmonised
        frame holds no raw identifiers.
    pseudonym_key : str or bytes, optional
        Key for ``personal_data="pseudonymise"``.
    calibrate : bool, default True
        When the definition declares a ``[calibration]``, calibrate every year to its margins
        with :func:`kirc.calibrate` and put the weights in the column it names (default
        ``weight``, replacing a shipped weight of that name); False keeps the weights as shipped.

    Returns
    -------
    kirc.Survey
        A DataFrame with one row per respondent: ``year`` (int64), ``id`` (str), then one
        column per construct in definition order — ``rating``, ``binary``, ``weight`` and
        ``number`` as float64, ``category`` as Categorical (same categories, in code order,
        every year), ``text`` as str. It carries (``survey.info``, :class:`kirc.SurveyInfo`)
        its design — the definition's ``[design]``, the years as outermost strata, the
        populations of ``[years]`` as finite population (:func:`survey_design`) and the
        calibration — and its name, title, unit, ``min_n``, definition path, the files read
        per year, the constructs with their source column per year, the user-missing counts
        per year, construct and reason, and the personal-data log of reading. A filtered
        survey (``ks[ks.year == 2025]``) is a domain of the whole sample and keeps all of it;
        ``attrs`` shows the metadata as earlier releases kept it, read-only.

    Raises
    ------
    ParameterError
        A requested year is not in the definition (the message lists the available years),
        or the survey name is unknown.
    DefinitionError
        The definition is invalid (see :func:`survey_definition`), a file holds a year other
        than the one it is listed under, its value labels contradict the definition, or it has
        more rows than the population.
    InputFileError
        A year's file does not exist or cannot be read, or its ids are missing or duplicated.
    ColumnError
        A column that the definition maps is not in the file (the message names the file, the
        column and the definition).
    ScaleError
        A rating outside its scale, a text where a number is expected, or an unknown code.

    Examples
    --------
    >>> df = load_survey("sectorscan", years=[2017])
    >>> df.shape
    (119, 10)
    >>> list(df.columns)
    ['year', 'id', 'sector', 'size', 'avg_status', 'avg_ready', 'avg_fte', 'staff_prepared', 'privacy_statement', 'weight_calibrated']
    >>> float(round(df["avg_ready"].mean(), 3)), df.design.population
    (0.084, {2017: 170.0})
    >>> list(df["avg_status"].cat.categories)
    ['klaar', 'deels', 'niet']
    """
    from ..prepared import cache_folder, cached, entry_key, file_stamp

    definition = survey_definition(name_or_path, surveys_dir=surveys_dir)
    chosen = check_years(years, list(definition["years"]), definition["path"])
    calibration = definition.get("calibration") if calibrate else None
    shared = _shared_files(definition)
    read_once: dict = {}
    prepared = []
    for year in chosen:
        file = Path(definition["years"][year]["file"])
        if not file.exists():
            raise InputFileError(f"the data file of {year} does not exist (listed in "
                                 f"{definition['path']})", file=file)

        def prepare(year=year):
            return _prepare_year(definition, year, calibration, personal_data, pseudonym_key,
                                 shared, read_once)

        if personal_data == "drop" and cache_folder() is not None:
            # Only frames without personal data are ever kept (see kirc.prepared).
            key = entry_key("survey-year", definition, year, file_stamp(file), calibration)
            part = cached(key, prepare)
        else:
            part = prepare()
        _warn_again(part.warnings)
        prepared.append(part)

    data = pd.concat([part.frame for part in prepared], ignore_index=True)
    columns_used = {year: definition["questionnaires"][definition["years"][year]
                                                       ["questionnaire"]]["columns"]
                    for year in chosen}
    constructs = {}
    for name, spec in definition["constructs"].items():
        constructs[name] = {**spec, "columns": {year: columns_used[year].get(name)
                                                for year in chosen}}
    design = survey_design(definition, chosen)
    calibrated = None
    if calibration is not None:
        # the design's strata, clusters and fpc are kept; its weights are the calibrated ones
        data, calibrated = _joined_calibration(data, prepared, chosen, calibration)
        design = design.replace(weights=calibration["weight"])
        if calibration["weight"] not in constructs:
            constructs[calibration["weight"]] = {"type": "weight", "label": "Kalibratiegewicht",
                                                 "columns": {y: None for y in chosen}}
    findings = [{**item, "year": year} if isinstance(item, dict) else item
                for year, part in zip(chosen, prepared) for item in part.findings]
    return as_survey(
        data, design, name=definition["name"], min_n=definition["min_n"],
        calibration=calibrated, title=definition["title"], unit=definition["unit"],
        description=definition["description"], definition=definition["path"],
        sources={year: str(definition["years"][year]["file"]) for year in chosen},
        constructs=constructs,
        missing_counts={year: part.counts for year, part in zip(chosen, prepared)},
        protection=findings, source=definition["path"])


@dataclass
class _PreparedYear:
    """One year read, protected, harmonised and calibrated: what :mod:`kirc.prepared` keeps."""

    frame: pd.DataFrame                  # harmonised rows, index 0..n-1
    counts: dict                         # user-missing cells per construct and reason
    findings: list                       # the privacy scan's records (no values)
    weights: np.ndarray | None = None    # calibrated weights, in row order
    calibration: object = None           # their Calibration, on the frame's own index
    warnings: list = field(default_factory=list)   # (message, category, filename, lineno)


def _prepare_year(definition: dict, year: int, calibration: dict | None, personal_data: str,
                  pseudonym_key, shared: set, read_once: dict) -> _PreparedYear:
    """Read, protect, harmonise and calibrate one year; the warnings are recorded, not shown."""
    from ..io import read_survey

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        spec = definition["years"][year]
        mapping = definition["questionnaires"][spec["questionnaire"]]["columns"]
        # Free-text constructs are scrubbed of identifiers, never dropped as personal data.
        text_columns = [mapping[name] for name, construct in definition["constructs"].items()
                        if construct["type"] == "text" and name in mapping]
        file = Path(spec["file"])
        key = (str(file), repr(sorted(spec["read"].items())), tuple(text_columns))
        if key in read_once:
            raw = read_once[key]
        else:
            raw = read_survey(file, personal_data=personal_data, pseudonym_key=pseudonym_key,
                              text_columns=text_columns or None, **spec["read"])
            if str(file) in shared:
                read_once[key] = raw
        if str(file) in shared:
            raw = _rows_of_year(raw, mapping["year"], year, file)
        frame, counts = harmonise(raw, definition, year, source=file)
        _propose_file_weight(raw, mapping, definition, file)
        part = _PreparedYear(frame.reset_index(drop=True), counts,
                             list(raw.attrs.get("personal_data") or []))
        if calibration is not None:
            part.weights, part.calibration = _calibrated_year(part.frame, calibration, year,
                                                              definition)
            replicates = (definition.get("design") or {}).get("replicates")
            if replicates is not None:
                # every replicate calibrated to the same margins, from its own weights (R's
                # calibrate() of a replicate-weight design)
                from .calibrate import recalibrate

                names = replicates.bind(part.frame.columns, file).columns
                part.frame[list(names)] = recalibrate(
                    part.frame, part.calibration, part.frame[list(names)].to_numpy(float))
    from ..io.meta import PersonalDataWarning

    # A column the definition maps is never dropped silently (harmonise refuses it); the
    # others dropped as personal data are no part of the survey (and are in the attrs).
    part.warnings = [(w.message, w.category, w.filename, w.lineno) for w in caught
                     if not issubclass(w.category, PersonalDataWarning)]
    return part


def _warn_again(recorded) -> None:
    """Give the warnings of a prepared year (again): kirc's own once per file and cause."""
    from ..io.meta import warn_again

    for message, category, filename, lineno in recorded:
        warn_again(message, category, filename, lineno)


def _calibrated_year(frame: pd.DataFrame, spec: dict, year: int, definition: dict):
    """Calibrate one year to its own margins (the definition's [calibration])."""
    from . import calibrate as weighting
    from .design import implied_weights

    rows = frame.copy(deep=False)
    rows.attrs = {"source": definition["years"][year]["file"]}
    # Only the design's column names matter here; its populations are the joined frame's.
    start = survey_design(definition, [year]).replace(weights=spec["start_weights"])
    if spec["start_weights"] is None:
        # kirc.calibrate starts from the design's own weights (N_h/n_h); a definition names
        # them as a construct, so that every year's calibration says what it started from
        implied = implied_weights(rows, start, rows.attrs["source"])
        if implied is not None and np.ptp(implied[implied > 0]) > 0:
            raise _fail(f"[calibration]: in {year} the strata have different sampling "
                        "fractions (fpc), so equal starting weights would misweight them; add "
                        "a weight construct holding N_h / n_h and name it in start_weights",
                        definition["path"])
    try:
        return weighting.calibrated_weights(
            rows, spec["margins"][year], design=start, method=spec["method"],
            bounds=spec["bounds"], weight=spec["weight"], start_weights=spec["start_weights"])
    except weighting.CalibrationError as exc:
        raise type(exc)(f"{exc.message} (calibration of {year} declared in "
                        f"{definition['path']})", file=exc.file, column=exc.column) from None


def _joined_calibration(data: pd.DataFrame, prepared: list, chosen: list[int], spec: dict):
    """The joined frame with the calibrated weights, and one calibration with a part per year."""
    from . import calibrate as weighting

    data = data.copy()
    data[spec["weight"]] = np.concatenate([part.weights for part in prepared])
    parts = [(year, part.calibration) for year, part in zip(chosen, prepared)]
    return data, weighting.combine(parts, by="year")


def _shared_files(definition: dict) -> set[str]:
    files = [spec["file"] for spec in definition["years"].values()]
    return {f for f in files if files.count(f) > 1}


def _rows_of_year(raw: pd.DataFrame, column: str, year: int, file) -> pd.DataFrame:
    """The rows of one year in an export that holds several years.

    The counts of user-missing cells that the reader made for the whole file cannot be split
    by year, so they are left out rather than reported for every year.
    """
    if column not in raw.columns:
        raise ColumnError(f"the year column {column!r} is not in the file", file=file,
                          column=column)
    years = _numbers(raw[column], "year", file, column)
    blank = years.isna().to_numpy()
    if blank.any():
        # such a respondent belongs to no year: it would silently be in none of them
        rows = np.flatnonzero(blank) + 1
        raise InputFileError(
            f"{len(rows)} row(s) have no year (data row(s) {_shown(rows.tolist())} of the "
            f"file): fill in their year, or remove them", file=file, column=column)
    rows = raw[(years == year).to_numpy()].reset_index(drop=True)
    rows.attrs = {**raw.attrs, "missing_counts": {}}
    return rows


# --------------------------------------------------------------------------------------------
# Harmonising one year
# --------------------------------------------------------------------------------------------
def _text_dtype():
    """The default string dtype of the running pandas (``str`` in pandas 3, object before)."""
    return pd.Series(["x"]).dtype


def _shown(values) -> str:
    values = list(values)
    shown = ", ".join(repr(v) if isinstance(v, str) else _code_text(v)
                      for v in values[:_MAX_SHOWN])
    return shown + (", ..." if len(values) > _MAX_SHOWN else "")


def _code_text(value) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _numbers(series: pd.Series, construct: str, file, column: str) -> pd.Series:
    """float64 version of a column; text that is not a number raises ScaleError."""
    if pd.api.types.is_bool_dtype(series):
        return series.astype("float64")
    if pd.api.types.is_numeric_dtype(series):
        return series.astype("float64")
    text = series.astype(object).where(series.notna())
    stripped = text.map(lambda v: v.strip() if isinstance(v, str) else v)
    stripped = stripped.map(lambda v: np.nan if isinstance(v, str) and not v else v)
    # a Dutch decimal comma ("0,5") in a column read as text
    normalised = stripped.map(lambda v: v.replace(",", ".")
                              if isinstance(v, str) and re.fullmatch(r"-?\d+,\d+", v) else v)
    numbers = pd.to_numeric(normalised, errors="coerce").astype("float64")
    bad = stripped.notna() & numbers.isna()
    if bad.any():
        values = list(dict.fromkeys(stripped[bad].map(str)))
        raise ScaleError(f"construct {construct!r} expects numbers, but {int(bad.sum())} "
                         f"cell(s) hold text: {_shown(values)}; if these answers mean "
                         f"'no answer', declare them in the definition, e.g. "
                         f"missing = [\"{values[0]}\"]", file=file, column=column)
    return numbers


def _cell_key(value):
    """A cell as a code key (see :func:`_code_key`): a float, a normalised text, or None."""
    if _is_missing(value):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            return float(text.replace(",", ".") if re.fullmatch(r"-?\d+,\d+", text) else text)
        except ValueError:
            return _normal_label(text)
    if isinstance(value, (bool, np.bool_)):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return _normal_label(value)


def _cell_keys(values: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return values.astype("float64")
    return values.astype(object).map(_cell_key)


def _apply_missing(values: pd.Series, spec: dict, file_labels: dict) -> tuple[pd.Series, dict]:
    """Set the definition's missing codes (numbers or texts) to NaN; count them per reason."""
    counts: dict[str, int] = {}
    missing = spec.get("missing") or {}
    keys = _cell_keys(values) if missing else None
    for code, reason in missing.items():
        hit = keys == _code_key(code)
        if hit.any():
            if reason is None:
                reason = _file_label(file_labels, code) or _code_text(code)
            counts[reason] = counts.get(reason, 0) + int(hit.sum())
            values = values.mask(hit)
    return values, counts


def _file_label(file_labels: dict, code):
    for key, label in (file_labels or {}).items():
        try:
            if float(key) == float(code):
                return str(label)
        except (TypeError, ValueError):
            continue
    return None


def _normal_label(text) -> str:
    return " ".join(str(text).split()).casefold()


def _category(raw: pd.Series, name: str, spec: dict, file, column: str,
              file_labels: dict, definition_path: str) -> tuple[pd.Series, dict]:
    labels = spec["labels"]
    for code, label in (file_labels or {}).items():
        try:
            numeric = float(code)
        except (TypeError, ValueError):
            continue
        numeric = int(numeric) if numeric.is_integer() else numeric
        if numeric in labels and _normal_label(label) != _normal_label(labels[numeric]):
            raise DefinitionError(
                f"the file labels code {_code_text(numeric)} as {label!r} but the definition "
                f"{definition_path} labels it {labels[numeric]!r} for construct {name!r}; "
                f"check that the codes did not change in this questionnaire",
                file=file, column=column)
    by_label = {_normal_label(text): code for code, text in labels.items()}
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        codes = raw.astype("float64")
    else:
        def as_code(value):
            if not isinstance(value, str):
                return value
            stripped = value.strip()
            if not stripped:
                return np.nan
            if _normal_label(stripped) in by_label:
                return by_label[_normal_label(stripped)]
            try:
                return float(stripped.replace(",", "."))
            except ValueError:
                return stripped
        codes = raw.astype(object).where(raw.notna()).map(as_code)
    codes, counts = _apply_missing(codes, spec, file_labels)
    valid = set(labels)
    known = _per_value(codes, lambda v: _is_missing(v) or (not isinstance(v, str)
                                                          and v in valid), bool)
    if not known.all():
        bad = list(dict.fromkeys(codes[~known]))
        raise ScaleError(f"construct {name!r} has {int((~known).sum())} value(s) that are not "
                         f"among its codes {sorted(valid)}: {_shown(bad)}",
                         file=file, column=column)
    categories = list(labels.values())
    place = {label: i for i, label in enumerate(categories)}
    positions = _per_value(codes, lambda v: -1 if _is_missing(v)
                           else place[labels[int(v) if float(v).is_integer() else v]], np.int64)
    categorical = pd.Categorical.from_codes(positions, categories=categories,
                                            ordered=spec["ordered"])
    return pd.Series(categorical, index=raw.index), counts


def _per_value(values: pd.Series, rule, dtype) -> pd.Series:
    """``values.map(rule)`` for a rule that gives equal values the same answer (1, 1.0 and
    True are equal to hashing): the rule runs once per distinct value and on each missing
    cell (None, NaN and pd.NA may differ to it), not once per row; in a numpy float column
    every missing cell is NaN, and one call answers for all."""
    position, distinct = pd.factorize(values, use_na_sentinel=True)
    absent = position < 0
    out = np.empty(len(values), dtype=dtype)
    out[~absent] = np.array([rule(v) for v in distinct], dtype=dtype)[position[~absent]]
    if isinstance(values.dtype, np.dtype) and values.dtype.kind == "f" and absent.any():
        out[absent] = rule(float("nan"))
    elif absent.any():
        out[absent] = [rule(v) for v in values[absent]]
    return pd.Series(out, index=values.index)


def _is_missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _empty(spec: dict, index: pd.Index) -> pd.Series:
    """An all-missing column for a construct the year's questionnaire does not ask."""
    if spec["type"] == "category":
        return pd.Series(pd.Categorical([np.nan] * len(index),
                                        categories=list(spec["labels"].values()),
                                        ordered=spec["ordered"]), index=index)
    if spec["type"] == "text":
        return pd.Series([np.nan] * len(index), index=index, dtype=object).astype(_text_dtype())
    return pd.Series(np.nan, index=index, dtype="float64")


def _id_text(value):
    """An id cell as text, stripped; NaN for a missing or blank one."""
    if isinstance(value, str):
        return value.strip() or np.nan
    return np.nan if _is_missing(value) else str(value)


def _ids(raw: pd.Series, file, column: str) -> pd.Series:
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        numbers = raw.to_numpy(dtype="float64", na_value=np.nan)
        present = numbers[~np.isnan(numbers)]
        whole = bool(np.all(np.isfinite(present) & (present == np.floor(present))))
        shown = (lambda v: str(int(v))) if whole else (lambda v: repr(float(v)))
        cells = [np.nan if math.isnan(v) else shown(v) for v in numbers.tolist()]
    else:
        cells = [_id_text(v) for v in raw.to_numpy(dtype=object)]
    text = pd.Series(cells, index=raw.index, dtype=object)
    if text.isna().any():
        raise InputFileError(f"{int(text.isna().sum())} row(s) have no id", file=file,
                             column=column)
    duplicated = text[text.duplicated()]
    if len(duplicated):
        raise InputFileError(f"{len(duplicated)} id(s) occur more than once: "
                             f"{_shown(list(dict.fromkeys(duplicated)))}", file=file,
                             column=column)
    return text.astype(_text_dtype())


def harmonise(raw: pd.DataFrame, definition: dict, year: int, *,
              source=None) -> tuple[pd.DataFrame, dict]:
    """Turn one year's export into the harmonised frame of that year.

    Parameters
    ----------
    raw : pandas.DataFrame
        The year's data as read by :func:`kirc.io.read_survey` (its ``attrs`` supply value
        labels and the counts of user-missing cells). Not modified.
    definition : dict
        From :func:`survey_definition`.
    year : int
        A year of the definition; selects the questionnaire.
    source : str or path-like, optional
        File name used in error messages; default ``raw.attrs["source"]``.

    Returns
    -------
    (pandas.DataFrame, dict)
        The harmonised rows (``year``, ``id``, constructs) and the user-missing counts of the
        year, ``{construct: {reason: count}}``.

    Examples
    --------
    >>> definition = survey_definition("sectorscan")
    >>> raw = pd.DataFrame({"organisatie_id": ["ORG-001", "ORG-002"], "jaar": [2022, 2022],
    ...     "sector": [3, 8], "omvang": [1, 3], "avg_status": [1, 2], "fte_avg": [0.5, 2.0],
    ...     "medewerkers_voorbereid": [1, 2], "privacyverklaring_begrijpelijk": [2, 1]})
    >>> frame, counts = harmonise(raw, definition, 2022)
    >>> frame[["id", "sector", "avg_ready", "avg_fte"]]
            id                        sector  avg_ready  avg_fte
    0  ORG-001    financiële dienstverlening        1.0      0.5
    1  ORG-002  outsourcing / contactcenters        0.0      2.0
    """
    file = source if source is not None else raw.attrs.get("source", "<data>")
    spec_year = definition["years"][year]
    version = spec_year["questionnaire"]
    columns = definition["questionnaires"][version]["columns"]
    present = list(raw.columns)
    dropped = {item.get("column"): item.get("kind") for item in
               raw.attrs.get("personal_data") or [] if isinstance(item, dict)
               and item.get("action") == "dropped"}
    for construct, column in [(c, name) for c, mapping in columns.items()
                              for name in mapped_columns(mapping)]:
        if column in dropped:
            raise ColumnError(
                f"the definition {definition['path']} maps {construct!r} to this column, but it "
                f"holds personal data ({dropped[column]}) and was dropped on reading; map a "
                "non-identifying column, or load with personal_data='pseudonymise' and a key",
                file=file, column=column)
        if column not in raw.columns:
            close = difflib.get_close_matches(column, [str(c) for c in present], n=1)
            raise ColumnError(
                f"the column {column!r} that the definition {definition['path']} maps to "
                f"{construct!r} (questionnaire {version!r}) is not in the file"
                + (f"; did you mean {close[0]!r}?" if close else ""),
                file=file, column=column)
    value_labels = raw.attrs.get("value_labels") or {}
    read_counts = raw.attrs.get("missing_counts") or {}
    # What the steps below need of the attrs is read; pandas would deep-copy them (the file's
    # value labels) into every column and intermediate result: 0.09 s of the 0.84 s that
    # load_survey("klantcontact") took.
    raw = raw.copy(deep=False)
    raw.attrs = {}

    if "year" in columns:
        stated = _numbers(raw[columns["year"]], "year", file, columns["year"]).dropna().unique()
        other = sorted(int(v) if float(v).is_integer() else v for v in stated if v != year)
        if other:
            raise DefinitionError(f"the file holds year(s) {_shown(other)} but the definition "
                                  f"{definition['path']} lists it under {year}",
                                  file=file, column=columns["year"])
    population = spec_year["population"]
    if population is not None and len(raw) > population:
        raise DefinitionError(f"the file has {len(raw)} rows, more than the population of "
                              f"{population} given for {year} in {definition['path']}",
                              file=file)

    # Without an id column the rows are numbered 1, 2, ... in file order within the year.
    ids = (_ids(raw[columns["id"]], file, columns["id"]) if "id" in columns else
           pd.Series([str(i) for i in range(1, len(raw) + 1)], index=raw.index,
                     dtype=object).astype(_text_dtype()))
    out = {"year": pd.Series(year, index=raw.index, dtype="int64"), "id": ids}
    counts_per_construct: dict[str, dict[str, int]] = {}
    for name, spec in definition["constructs"].items():
        column = columns.get(name)
        if spec["type"] == "multiple":
            values, counts = _multiple(raw, column, name, spec, file, value_labels, version)
            for source in (mapped_columns(column) if column is not None else []):
                for reason, count in (read_counts.get(source) or {}).items():
                    counts[reason] = counts.get(reason, 0) + count
            if counts:
                counts_per_construct[name] = counts
            out.update(values)
            continue
        if column is None:
            out[name] = _empty(spec, raw.index)
            continue
        series = raw[column]
        labels = value_labels.get(column) or {}
        kind = spec["type"]
        counts = dict(read_counts.get(column) or {})
        if kind == "category":
            values, own = _category(series, name, spec, file, column, labels,
                                    definition["path"])
        elif kind == "text":
            def text_of(v):
                return np.nan if _is_missing(v) or (isinstance(v, str) and not v.strip()) \
                    else str(v)
            # str() tells apart values that are equal (1 and 1.0): per value for text only
            text = _per_value(series, text_of, object) \
                if pd.api.types.infer_dtype(series, skipna=True) == "string" \
                else series.astype(object).map(text_of)
            values, own = text.astype(_text_dtype()), {}
        elif kind == "binary":
            values, own = _apply_missing(series, spec, labels)
            values = _binary(values, name, spec, file, column, labels)
        else:
            values, own = _apply_missing(series, spec, labels)
            values = _check_numbers(_numbers(values, name, file, column), name, spec, file,
                                    column)
        for reason, count in own.items():
            counts[reason] = counts.get(reason, 0) + count
        if counts:
            counts_per_construct[name] = counts
        out[name] = values
    replicates = (definition.get("design") or {}).get("replicates")
    if replicates is not None:
        # the replicate weights are carried under their own names (they are no constructs)
        names = replicates.bind([c for c in raw.columns if c not in dropped], file).columns
        for name in names:
            if name not in raw.columns:
                raise ColumnError(f"the replicate-weight column that the definition "
                                  f"{definition['path']} lists is not in the file", file=file,
                                  column=name)
            values = pd.to_numeric(raw[name], errors="coerce")
            if (values.isna() & raw[name].notna()).any():
                raise ScaleError("replicate weights must be numbers", file=file, column=name)
            out[name] = values.astype("float64")
    frame = pd.DataFrame(out, index=raw.index).reset_index(drop=True)
    _check_weights_present(frame, definition, columns, file)
    return frame, counts_per_construct


def _check_numbers(values: pd.Series, name: str, spec: dict, file, column: str) -> pd.Series:
    kind = spec["type"]
    present = values.dropna()
    if kind == "rating":
        low, high = spec["scale"]
        numbers = present.to_numpy()
        bad = present[(numbers < low) | (numbers > high) | (numbers % 1 != 0)]
        if len(bad):
            shown = sorted(dict.fromkeys(bad))
            raise ScaleError(f"{len(bad)} value(s) of construct {name!r} are not whole numbers "
                             f"within its scale {_code_text(low)}–{_code_text(high)}: "
                             f"{_shown(shown)}", file=file, column=column)
        return values
    if kind == "weight":
        infinite = present[~np.isfinite(present)]
        if len(infinite):
            raise ScaleError(f"{len(infinite)} weight(s) are not finite numbers (such as "
                             f"{_shown(sorted(dict.fromkeys(infinite)))}; a value past "
                             f"1.8e308, such as 1e309, is read as infinite): correct them "
                             f"in the file", file=file, column=column)
        bad = present[present < 0]
        if len(bad):
            raise ScaleError(f"{len(bad)} weight(s) are negative: "
                             f"{_shown(sorted(dict.fromkeys(bad)))}", file=file, column=column)
    return values


def _check_weights_present(frame: pd.DataFrame, definition: dict, columns: dict, file) -> None:
    """Every respondent with an answer has a weight, in every weight column the year maps.

    A missing weight would otherwise surface only in an estimate, naming the survey but not
    the file or the column.
    """
    constructs = definition["constructs"]
    weights = [name for name, spec in constructs.items()
               if spec["type"] == "weight" and columns.get(name) is not None]
    if not weights:
        return
    design = set((definition.get("design") or {}).get("strata") or [])
    for key in ("psu", "fpc", "linked"):
        value = (definition.get("design") or {}).get(key)
        design |= set(value) if isinstance(value, list) else {value}
    answers = [column for name, spec in constructs.items()
               if spec["type"] != "weight" and name not in design
               and columns.get(name) is not None
               for column in (spec["keys"].values() if spec["type"] == "multiple" else [name])]
    if not answers:
        return
    answered = frame[answers].notna().any(axis=1).to_numpy()
    for name in weights:
        lacking = answered & frame[name].isna().to_numpy()
        if lacking.any():
            rows = np.flatnonzero(lacking)
            ids = frame["id"].to_numpy()[rows]
            raise ScaleError(f"{len(rows)} respondent(s) with answers have no weight (id(s) "
                             f"{_shown(ids.tolist())}; data row(s) {_shown((rows + 1).tolist())}"
                             f"): give them a weight, or remove them", file=file,
                             column=columns[name])


def _multiple(raw: pd.DataFrame, mapping, name: str, spec: dict, file, value_labels: dict,
              version: str) -> tuple[dict, dict]:
    """One 0/1 column per option of a multiple-response construct: 1 chosen, 0 not chosen,
    NaN where the respondent did not answer the question or the questionnaire did not ask the
    option.

    A respondent answered when an option is chosen, or -- without an explicit "none of these"
    option (``none``) -- when an option column says "not chosen" (a 0 in a 0/1 column; an
    empty cell of a selected/empty column says nothing). Cells holding a ``missing`` code
    count as empty, and are counted per reason.
    """
    keys = spec["keys"]
    out = {column: pd.Series(np.nan, index=raw.index, dtype="float64")
           for column in keys.values()}
    counts: dict[str, int] = {}
    if mapping is None:
        return out, counts
    options = list(keys)
    state = np.full((len(raw), len(options)), np.nan)
    if "options" in mapping:
        asked = [key for key in options if key in mapping["options"]]
        for key in asked:
            column = mapping["options"][key]
            state[:, options.index(key)] = _option_column(
                raw[column], name, key, spec, file, column, value_labels.get(column) or {},
                counts)
        chosen = np.nan_to_num(state) == 1
        answered = chosen.any(axis=1)
        if spec["none"] is None:
            answered |= (state == 0).any(axis=1)
    else:
        asked = mapping["asked"]
        chosen = np.zeros((len(raw), len(options)), dtype=bool)
        answered = np.zeros(len(raw), dtype=bool)
        for column in mapping["naming"]:
            named, said = _naming_column(raw[column], name, spec, file, column,
                                         value_labels.get(column) or {}, asked, version, counts)
            chosen |= named
            answered |= said
    index = [options.index(key) for key in asked]
    values = np.full(state.shape, np.nan)
    values[:, index] = np.where(answered[:, None], chosen[:, index].astype(float), np.nan)
    for k, column in enumerate(keys.values()):
        out[column] = pd.Series(values[:, k], index=raw.index, dtype="float64")
    return out, counts


def _option_texts(spec: dict, key: str) -> set:
    """The texts and codes that name an option: its key, labels and code, as code keys."""
    texts = {_normal_label(key)}
    for labels in (spec["options"], spec.get("options_en") or {}):
        texts |= {_normal_label(t) for t, c in labels.items() if c == spec["keys"][key]}
    if key in (spec.get("codes") or {}):
        texts.add(_code_key(spec["codes"][key]))
    return texts


def _option_column(series: pd.Series, name: str, key: str, spec: dict, file, column: str,
                   file_labels: dict, counts: dict) -> np.ndarray:
    """One option's column: 1.0 chosen, 0.0 not chosen, NaN empty or missing."""
    selected = {_code_key(c) for c in spec["selected"]} | _option_texts(spec, key)
    not_selected = {_code_key(c) for c in spec["not_selected"]}
    _add_labelled_codes(selected, not_selected, file_labels)
    values, own = _apply_missing(series, spec, file_labels)
    for reason, count in own.items():
        counts[reason] = counts.get(reason, 0) + count
    if pd.api.types.is_bool_dtype(values):
        return values.astype("float64").to_numpy()
    _, _, is_selected, is_not, bad = _classified(values, selected, not_selected)
    if bad.any():
        shown = _distinct_stripped(values, bad)
        raise ScaleError(f"{int(bad.sum())} value(s) of option {key!r} of construct {name!r} "
                         f"are neither selected [{_shown(spec['selected'])}] nor not selected "
                         f"[{_shown(spec['not_selected'])}]: {_shown(shown)}; an option column "
                         f"holds 0/1 (or the option's own text, or empty): declare other codes "
                         f"as selected, not_selected or missing in the definition",
                         file=file, column=column)
    return np.where(is_selected, 1.0, np.where(is_not, 0.0, np.nan))


def _naming_column(series: pd.Series, name: str, spec: dict, file, column: str,
                   file_labels: dict, asked: list, version: str, counts: dict):
    """A column naming the options chosen (several joined by the separator): the options
    named (rows × options) and the rows that named any."""
    options = list(spec["keys"])
    separator = spec["separator"].strip()
    tight = re.compile(r"\s*" + re.escape(separator) + r"\s*")

    def normal(text) -> str:
        return _normal_label(tight.sub(separator, str(text)))

    by_text = {}
    for k, key in enumerate(options):
        for text in _option_texts(spec, key):
            by_text[normal(text) if isinstance(text, str) else text] = k
    missing = {(normal(c) if isinstance(c, str) else float(c)): (reason, c)
               for c, reason in (spec.get("missing") or {}).items()}
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    results, unknown, unasked = [], {}, {}
    for value in uniques:
        if isinstance(value, str):
            # a text: the options it names (a number in it is an option's code)
            text = normal(value)
            whole = _cell_key(text) if text and separator not in text else text
            if whole in missing:
                results.append(("missing", missing[whole]))
                continue
            key = None
        else:
            key = _cell_key(value)
            text = ""
        label = _file_label(file_labels, value) if isinstance(key, float) else None
        if isinstance(key, float) and key in missing:
            results.append(("missing", missing[key]))
            continue
        if isinstance(key, float):
            if key in by_text:
                results.append(("named", [by_text[key]]))
                continue
            if label is not None and normal(label) in by_text:
                results.append(("named", [by_text[normal(label)]]))
                continue
            unknown[value] = None
            results.append(("named", []))
            continue
        if not text:
            results.append(("named", []))
            continue
        # the longest run of pieces that names an option: a label may hold the separator
        pieces = tight.sub(separator, " ".join(value.split())).split(separator)
        found, i = [], 0
        while i < len(pieces):
            if not pieces[i].strip():
                i += 1
                continue
            for j in range(len(pieces), i, -1):
                candidate = _normal_label(separator.join(pieces[i:j]))
                if candidate in by_text:
                    found.append(by_text[candidate])
                    i = j
                    break
                number = _cell_key(candidate)
                if isinstance(number, float) and number in by_text:
                    found.append(by_text[number])
                    i = j
                    break
            else:
                unknown[pieces[i].strip()] = None
                i += 1
        results.append(("named", found))
    if unknown:
        raise ScaleError(f"construct {name!r}: the column names {len(unknown)} answer(s) that "
                         f"are none of its options: {_shown(list(unknown))} (options: "
                         f"{', '.join(spec['options'])}; separator {spec['separator']!r}); add "
                         f"them to options (with codes = {{...}} for codes), or declare them "
                         f"missing", file=file, column=column)
    chosen = np.zeros((len(series), len(options)), dtype=bool)
    answered = np.zeros(len(series), dtype=bool)
    for u, (what, found) in enumerate(results):
        rows = codes == u
        if what == "missing":
            reason, code = found
            reason = reason or _file_label(file_labels, code) or _code_text(code)
            counts[reason] = counts.get(reason, 0) + int(rows.sum())
            continue
        for k in found:
            if options[k] not in asked:
                unasked[options[k]] = int(rows.sum()) + unasked.get(options[k], 0)
            chosen[rows, k] = True
        if found:
            answered[rows] = True
    if unasked:
        raise ScaleError(f"construct {name!r}: {sum(unasked.values())} cell(s) name option(s) "
                         f"{_shown(list(unasked))}, which questionnaire {version!r} does not "
                         f"ask (asked = [{', '.join(map(repr, asked))}]); add them to asked",
                         file=file, column=column)
    return chosen, answered


def _binary(values: pd.Series, name: str, spec: dict, file, column: str,
            file_labels: dict) -> pd.Series:
    """1.0 for a positive code, 0.0 for a negative one, NaN when missing.

    Codes are numbers or texts ("Ja", compared without case and extra spaces). A text code
    also matches a numeric code whose value label in the file (SPSS) is that text.
    """
    positive = {_code_key(c) for c in spec["positive"]}
    negative = None if spec["negative"] is None else {_code_key(c) for c in spec["negative"]}
    _add_labelled_codes(positive, negative, file_labels)
    keys, valid, is_positive, _, bad = _classified(values, positive, negative)
    if negative is not None:
        if bad.any():
            shown = _distinct_stripped(values, bad)
            raise ScaleError(f"{int(bad.sum())} value(s) of construct {name!r} are neither "
                             f"positive [{_shown(spec['positive'])}] nor negative "
                             f"[{_shown(spec['negative'])}]: {_shown(shown)}; declare other "
                             f"answers as missing codes in the definition",
                             file=file, column=column)
    elif not pd.api.types.is_numeric_dtype(keys):
        text = valid & keys.map(lambda k: isinstance(k, str)).to_numpy(bool) & ~is_positive
        if text.any():
            raise ScaleError(f"construct {name!r} has no negative codes, and {int(text.sum())} "
                             f"text cell(s) are not positive: "
                             f"{_shown(list(dict.fromkeys(values[text])))}; declare "
                             f"negative = [...] (and missing = [...]) in the definition",
                             file=file, column=column)
    return pd.Series(np.where(valid, is_positive.astype("float64"), np.nan), index=values.index,
                     dtype="float64")


def _add_labelled_codes(yes: set, no: set | None, file_labels: dict) -> None:
    """Add to ``yes`` (and ``no``) the numeric codes whose value label in the file (SPSS) is
    one of their texts."""
    for code, label in (file_labels or {}).items():
        number, text = _cell_key(code), _normal_label(label)
        if isinstance(number, float) and text in yes:
            yes.add(number)
        elif isinstance(number, float) and no is not None and text in no:
            no.add(number)


def _classified(values: pd.Series, yes: set, no: set | None):
    """Each cell against two sets of code keys (:func:`_cell_key`): the keys, and as arrays
    whether the cell is answered, in ``yes``, in ``no`` and answered in neither (without
    ``no``: none are in it, and none is flagged)."""
    keys = _cell_keys(values)
    answered = keys.notna().to_numpy()
    is_yes = keys.isin(list(yes)).to_numpy() & answered
    if no is None:
        none = np.zeros(len(keys), dtype=bool)
        return keys, answered, is_yes, none, none
    is_no = keys.isin(list(no)).to_numpy() & answered
    return keys, answered, is_yes, is_no, answered & ~is_yes & ~is_no


def _distinct_stripped(values: pd.Series, mask: np.ndarray) -> list:
    """The distinct values of the cells in ``mask``, texts stripped, in order of occurrence."""
    return list(dict.fromkeys(values[mask].map(lambda v: v.strip() if isinstance(v, str)
                                                else v)))
