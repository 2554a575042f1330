"""Survey definitions and the harmonised multi-year survey frame.

A *survey definition* is a small TOML file that says what a yearly survey measures and where
each year's export keeps it. :func:`load_survey` reads every year's file with
:func:`kirc.read.read_survey` and returns one tidy frame in which a construct (say ``nps``)
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
    type = "rating"                          # rating | binary | category | weight | number | text
    label = "Aanbevelingsbereidheid (0–10)"  # required
    scale = [0, 10]                          # rating: the valid range (whole numbers)
    missing = { 99 = "weet niet / geen antwoord" }   # optional; or a list: missing = [99]

    [constructs.fcr]
    type = "binary"
    label = "Vraag opgelost bij het eerste contact"
    positive = [1]                           # codes counted as 1.0
    negative = [2]                           # optional: the other valid codes (0.0)

    [constructs.sector]
    type = "category"
    label = "Sector"
    labels = { 1 = "telecom", 2 = "energie" }   # code -> label; categories in code order
    ordered = false                          # optional

    [questionnaires.v2017.columns]           # construct (and id, year) -> column in the file
    id = "respnr"
    year = "jaar"                            # optional: checked against the year of the file
    nps = "Q5_aanbeveling"

    [years]
    2017 = { file = "klantcontact_2017.sav", questionnaire = "v2017" }
    2019 = { file = "klantcontact_2019.csv", questionnaire = "v2017", population = 170,
             read = { sep = ";" } }          # read: options passed on to read_survey

Files are found relative to the definition's folder. A construct that a questionnaire does not
map is missing (NaN) in the years of that questionnaire. Columns that are not mapped — such as
personal data — are not carried into the harmonised frame.

Harmonisation rules
-------------------
* ``rating``: numbers, ``missing`` codes set to NaN (and counted), then every value must be a
  whole number within ``scale``; anything else raises :class:`~kirc.errors.ScaleError`.
* ``binary``: 1.0 for a ``positive`` code, 0.0 for a ``negative`` code (any other code when
  ``negative`` is not given), NaN when missing; a code outside ``positive`` + ``negative``
  raises ScaleError.
* ``category``: codes (or label texts) become a Categorical with the definition's labels as
  categories, in code order; an unknown code raises ScaleError. When the file carries value
  labels of its own (SPSS), they must agree with the definition's.
* ``weight`` and ``number``: float64 (a Dutch decimal comma in text is accepted); weights
  must not be negative. ``text``: strings, blanks are missing.

The user-missing codes that :func:`~kirc.read.read_survey` already removed (declared in SPSS
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
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import pandas as pd

from . import config
from .errors import ColumnError, DefinitionError, InputFileError, ParameterError, ScaleError

__all__ = ["load_survey", "survey_definition", "survey_design", "check_years", "years_text", "harmonise",
           "available_surveys", "CONSTRUCT_TYPES"]

#: Construct types and the keys each accepts.
CONSTRUCT_TYPES = {
    "rating": {"type", "label", "scale", "missing"},
    "binary": {"type", "label", "positive", "negative", "missing"},
    "category": {"type", "label", "labels", "ordered", "missing"},
    "weight": {"type", "label", "missing"},
    "number": {"type", "label", "missing"},
    "text": {"type", "label"},
}
_TOP_KEYS = {"name", "title", "unit", "description", "min_n", "constructs", "questionnaires",
             "years", "design"}
_DESIGN_KEYS = {"weights": ("weight",), "strata": ("category",),
                "psu": ("category", "number", "text"), "fpc": ("number",), "lonely_psu": None}
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
    folder = os.environ.get("KIRC_SURVEYS")
    return Path(folder) if folder else Path(__file__).resolve().parents[1] / "surveys"


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
    return sorted(p.stem for p in folder.glob("*.toml")) if folder.is_dir() else []


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
        out["positive"] = _code_list(spec.get("positive"), f"{where}: positive", path)
        negative = spec.get("negative")
        out["negative"] = None if negative is None else _code_list(negative,
                                                                   f"{where}: negative", path)
        if out["negative"] and set(out["positive"]) & set(out["negative"]):
            raise _fail(f"{where}: a code cannot be both positive and negative", path)
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
        ordered = spec.get("ordered", False)
        if not isinstance(ordered, bool):
            raise _fail(f"{where}: ordered must be true or false", path)
        out["ordered"] = ordered
    if "missing" in spec:
        missing = spec["missing"]
        if isinstance(missing, dict):
            out["missing"] = {_code(k, f"{where}: missing", path): str(v)
                              for k, v in missing.items()}
        else:
            out["missing"] = {c: None for c in _code_list(missing, f"{where}: missing", path)}
        codes = set(out["missing"])
        valid = (set(out.get("positive", [])) | set(out.get("negative") or [])
                 | set(out.get("labels", {})))
        if codes & valid:
            raise _fail(f"{where}: code(s) {sorted(codes & valid)} are declared both valid "
                        f"and missing", path)
        if kind == "rating" and any(out["scale"][0] <= c <= out["scale"][1] for c in codes):
            raise _fail(f"{where}: a missing code lies inside the scale {out['scale']}", path)
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
        (dict of read_survey options)}}, in year order) and ``design`` (the ``[design]``
        table: {"weights", "strata" (list), "psu", "fpc", "lonely_psu"}, construct names or
        None; see :func:`survey_design`).

    Raises
    ------
    DefinitionError
        The file is not valid TOML (a key or year given twice, for instance), a required key
        is absent, a key is unknown, a construct type is unknown, a questionnaire maps an
        unknown construct or lacks ``id``, a year is not a year or is listed twice, or a year
        names an unknown questionnaire.
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
    ([2017, 2018, 2019], 'v2017')
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

    _check_keys(raw, _TOP_KEYS, "the definition", path)
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

    if not isinstance(raw["questionnaires"], dict) or not raw["questionnaires"]:
        raise _fail("there are no questionnaires ([questionnaires.<version>.columns])", path)
    questionnaires = {}
    for version, spec in raw["questionnaires"].items():
        where = f"questionnaire {version!r}"
        if not isinstance(spec, dict):
            raise _fail(f"{where} must be a table", path)
        _check_keys(spec, _QUESTIONNAIRE_KEYS, where, path)
        columns = spec.get("columns")
        if not isinstance(columns, dict) or "id" not in columns:
            raise _fail(f"{where} needs a columns table that maps at least 'id'", path)
        for construct, column in columns.items():
            if construct not in constructs and construct not in _RESERVED:
                close = difflib.get_close_matches(construct, list(constructs), n=1)
                raise _fail(f"{where} maps {construct!r}, which is not a construct"
                            + (f" (did you mean {close[0]!r}?)" if close else ""), path)
            if not isinstance(column, str) or not column:
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
        file = Path(spec["file"])
        file = file if file.is_absolute() else path.parent / file
        years[year] = {"file": str(file), "questionnaire": version, "population": population,
                       "read": dict(options)}

    design = _design_table(raw.get("design"), constructs, years, path)
    return {"name": raw["name"], "title": raw["title"], "unit": raw["unit"],
            "description": raw.get("description"), "min_n": min_n, "path": str(path),
            "constructs": constructs, "questionnaires": questionnaires,
            "years": dict(sorted(years.items())), "design": design}


def _design_table(table, constructs: dict, years: dict, path: Path) -> dict:
    """The ``[design]`` table: construct names of the weights, strata, PSU and fpc.

    Returns ``{"weights", "strata" (list), "psu", "fpc", "lonely_psu"}``; absent keys are None
    (``strata`` an empty list, ``lonely_psu`` "fail"). Without an ``fpc`` the populations per
    year of ``[years]`` are the finite population correction (each year its own sample).
    """
    from .design import LONELY_PSU

    design = {"weights": None, "strata": [], "psu": None, "fpc": None, "lonely_psu": "fail"}
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
        names = value if key == "strata" and isinstance(value, list) else [value]
        for name in names:
            if not isinstance(name, str) or name not in constructs:
                close = difflib.get_close_matches(str(name), list(constructs), n=1)
                raise _fail(f"[design]: {key} = {name!r} is not a construct"
                            + (f" (did you mean {close[0]!r}?)" if close else ""), path)
            if constructs[name]["type"] not in types:
                raise _fail(f"[design]: {key} = {name!r} is a construct of type "
                            f"{constructs[name]['type']!r}; it must be of type "
                            f"{' or '.join(types)}", path)
        design[key] = list(names) if key == "strata" else value
    if design["fpc"] is not None and any(y["population"] for y in years.values()):
        raise _fail("[design]: give the finite population either as fpc (a construct) or as "
                    "population per year under [years], not both", path)
    return design


def _propose_file_weight(raw: pd.DataFrame, mapping: dict, definition: dict, file) -> None:
    """A file that declares a weight (SPSS ``WEIGHT BY``) the ``[design]`` does not use: say so.

    The weight is proposed, never used silently: the figures follow the definition.
    """
    declared = raw.attrs.get("weight")
    if not isinstance(declared, str) or (definition.get("design") or {}).get("weights"):
        return
    from .read import KircWarning

    construct = next((name for name, column in mapping.items() if column == declared), None)
    hint = (f"add weights = {construct!r} to [design] in {definition['path']}" if construct
            else f"map it to a construct of type weight and name that in [design]")
    warnings.warn(KircWarning(f"{file} declares the weight {declared!r} (SPSS WEIGHT BY), "
                              f"which the survey design does not use; the figures are "
                              f"unweighted. To weight them, {hint}"), stacklevel=3)


def survey_design(definition: dict, years=None):
    """The :class:`kirc.Design` of a survey definition (column names are construct names).

    Parameters
    ----------
    definition : dict
        As :func:`survey_definition` returns it.
    years : iterable of int, optional
        The years loaded; their populations (``[years]``) become ``population={year: N}``.

    Examples
    --------
    >>> survey_design(survey_definition("klantcontact"))
    Design(weights='weight', strata=None, psu=None, fpc=None, population=None, lonely_psu='fail')
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
    strata = spec.get("strata") or None
    if strata is not None:
        strata = strata[0] if len(strata) == 1 else tuple(strata)
    return Design(weights=spec.get("weights"), strata=strata, psu=spec.get("psu"),
                  fpc=spec.get("fpc"), population=population,
                  lonely_psu=spec.get("lonely_psu", "fail"))


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
                pseudonym_key=None) -> pd.DataFrame:
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

    Returns
    -------
    pandas.DataFrame
        One row per respondent: ``year`` (int64), ``id`` (str), then one column per construct
        in definition order — ``rating``, ``binary``, ``weight`` and ``number`` as float64,
        ``category`` as Categorical (same categories, in code order, every year), ``text`` as
        str. ``attrs``: ``survey``, ``title``, ``unit``, ``min_n``, ``definition`` (path),
        ``population`` ({year: N or None}), ``sources`` ({year: path}), ``constructs``
        ({name: spec, plus ``columns`` {year: source column}}), ``missing_counts`` ({year:
        {construct: {reason: count}}}, user-missing cells only), ``weight`` (name of the
        weight construct or None), ``personal_data`` (a list, filled in by
        :mod:`kirc.privacy`; items that ``read_survey`` reports in its ``attrs`` are carried
        over with the year added) and ``design``: the :class:`kirc.Design` of the
        definition's ``[design]`` table, with the populations of ``[years]`` as its finite
        population (see :func:`survey_design`). pandas copies ``attrs`` to every frame
        derived by filtering or selecting columns, so ``df[df.year == 2025]`` keeps the design
        and every estimator uses it (:func:`kirc.design_of`).

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
    (119, 9)
    >>> list(df.columns)
    ['year', 'id', 'sector', 'size', 'avg_status', 'avg_ready', 'avg_fte', 'staff_prepared', 'privacy_statement']
    >>> float(round(df["avg_ready"].mean(), 3)), df.attrs["population"]
    (0.084, {2017: 170})
    >>> list(df["avg_status"].cat.categories)
    ['klaar', 'deels', 'niet']
    """
    from .read import read_survey

    definition = survey_definition(name_or_path, surveys_dir=surveys_dir)
    chosen = check_years(years, list(definition["years"]), definition["path"])
    frames, missing_counts, sources, columns_used, findings = [], {}, {}, {}, []
    for year in chosen:
        spec = definition["years"][year]
        mapping = definition["questionnaires"][spec["questionnaire"]]["columns"]
        # Free-text constructs are scrubbed of identifiers, never dropped as personal data.
        text_columns = [mapping[name] for name, construct in definition["constructs"].items()
                        if construct["type"] == "text" and name in mapping]
        file = Path(spec["file"])
        if not file.exists():
            raise InputFileError(f"the data file of {year} does not exist (listed in "
                                 f"{definition['path']})", file=file)
        raw = read_survey(file, personal_data=personal_data, pseudonym_key=pseudonym_key,
                          text_columns=text_columns or None, **spec["read"])
        frame, counts = harmonise(raw, definition, year, source=file)
        _propose_file_weight(raw, mapping, definition, file)
        frames.append(frame)
        missing_counts[year] = counts
        for item in raw.attrs.get("personal_data") or []:
            findings.append({**item, "year": year} if isinstance(item, dict) else item)
        sources[year] = str(file)
        columns_used[year] = definition["questionnaires"][spec["questionnaire"]]["columns"]
    data = pd.concat(frames, ignore_index=True)
    constructs = {}
    for name, spec in definition["constructs"].items():
        constructs[name] = {**spec, "columns": {year: columns_used[year].get(name)
                                                for year in chosen}}
    weights = [name for name, spec in definition["constructs"].items()
               if spec["type"] == "weight"]
    data.attrs = {
        "survey": definition["name"], "title": definition["title"], "unit": definition["unit"],
        "description": definition["description"], "min_n": definition["min_n"],
        "definition": definition["path"],
        "population": {year: definition["years"][year]["population"] for year in chosen},
        "sources": sources, "constructs": constructs, "missing_counts": missing_counts,
        "weight": weights[0] if weights else None, "personal_data": findings,
        "design": survey_design(definition, chosen),
    }
    return data


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
                         f"cell(s) hold text: {_shown(values)}", file=file, column=column)
    return numbers


def _apply_missing(values: pd.Series, spec: dict, file_labels: dict) -> tuple[pd.Series, dict]:
    """Set the definition's missing codes to NaN; count them per reason."""
    counts: dict[str, int] = {}
    missing = spec.get("missing") or {}
    for code, reason in missing.items():
        hit = values == code
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
    known = codes.map(lambda v: _is_missing(v) or (not isinstance(v, str) and v in valid))
    if not known.all():
        bad = list(dict.fromkeys(codes[~known]))
        raise ScaleError(f"construct {name!r} has {int((~known).sum())} value(s) that are not "
                         f"among its codes {sorted(valid)}: {_shown(bad)}",
                         file=file, column=column)
    text = codes.map(lambda v: np.nan if _is_missing(v) else labels[int(v) if float(v).is_integer()
                                                                      else v])
    categorical = pd.Categorical(text, categories=list(labels.values()), ordered=spec["ordered"])
    return pd.Series(categorical, index=raw.index), counts


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


def _ids(raw: pd.Series, file, column: str) -> pd.Series:
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        numbers = raw.astype("float64")
        whole = numbers.dropna().map(float.is_integer).all()
        text = numbers.map(lambda v: np.nan if math.isnan(v)
                           else (str(int(v)) if whole else repr(float(v))))
    else:
        text = raw.astype(object).map(lambda v: v.strip() if isinstance(v, str) else v)
        text = text.map(lambda v: np.nan if _is_missing(v) or v == "" else str(v))
    text = text.astype(object)
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
        The year's data as read by :func:`kirc.read.read_survey` (its ``attrs`` supply value
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
    for construct, column in columns.items():
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

    out = {"year": pd.Series(year, index=raw.index, dtype="int64"),
           "id": _ids(raw[columns["id"]], file, columns["id"])}
    counts_per_construct: dict[str, dict[str, int]] = {}
    for name, spec in definition["constructs"].items():
        column = columns.get(name)
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
            text = series.astype(object).map(
                lambda v: np.nan if _is_missing(v) or (isinstance(v, str) and not v.strip())
                else str(v))
            values, own = text.astype(_text_dtype()), {}
        else:
            values, own = _apply_missing(_numbers(series, name, file, column), spec, labels)
            values = _check_numbers(values, name, spec, file, column)
        for reason, count in own.items():
            counts[reason] = counts.get(reason, 0) + count
        if counts:
            counts_per_construct[name] = counts
        out[name] = values
    frame = pd.DataFrame(out, index=raw.index).reset_index(drop=True)
    return frame, counts_per_construct


def _check_numbers(values: pd.Series, name: str, spec: dict, file, column: str) -> pd.Series:
    kind = spec["type"]
    present = values.dropna()
    if kind == "rating":
        low, high = spec["scale"]
        bad = present[(present < low) | (present > high) | (present % 1 != 0)]
        if len(bad):
            shown = sorted(dict.fromkeys(bad))
            raise ScaleError(f"{len(bad)} value(s) of construct {name!r} are not whole numbers "
                             f"within its scale {_code_text(low)}–{_code_text(high)}: "
                             f"{_shown(shown)}", file=file, column=column)
        return values
    if kind == "binary":
        positive = set(spec["positive"])
        negative = spec["negative"]
        if negative is not None:
            bad = present[~present.isin(positive | set(negative))]
            if len(bad):
                raise ScaleError(f"{len(bad)} value(s) of construct {name!r} are neither "
                                 f"positive {sorted(positive)} nor negative {sorted(negative)}: "
                                 f"{_shown(sorted(dict.fromkeys(bad)))}",
                                 file=file, column=column)
        return values.isin(positive).astype("float64").mask(values.isna())
    if kind == "weight":
        bad = present[present < 0]
        if len(bad):
            raise ScaleError(f"{len(bad)} weight(s) are negative: "
                             f"{_shown(sorted(dict.fromkeys(bad)))}", file=file, column=column)
    return values
