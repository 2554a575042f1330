"""An Excel tab book: every question by every breakdown, with bases, percentages and letters.

``kirc tabs --survey klantcontact --years 2025 --output tabs.xlsx`` (or :func:`write_tab_book`)
writes one sheet per question or indicator (a multiple-response question: its options as
rows, each the % of the column's respondents who answered, its base and the mean number of
options chosen, a legend line saying the options add up to more than 100%). Each sheet has a
Total column and, side by side,
one group of columns per breakdown of the definition (sector, channel, age group, …), with the
unweighted base of every column, the column percentages (or the NPS / mean), and under each
figure the letters of the columns in the same group that it is significantly higher than
(:func:`kirc.crosstab`, :func:`kirc.compare_groups`). A legend under the table and a first
sheet say which test was used. The header is frozen, columns have widths and numbers have
formats, so the book reads in Excel without editing.

Small bases follow the report's disclosure rule: a column with fewer answers than the survey's
``min_n`` is not shown (nor its base), with complementary suppression against the Total column
(:func:`kirc.disclose.suppress`), and it takes no part in the tests.

Which questions and breakdowns: ``definition["indicators"]`` and
``definition["report"]["breakdowns"]`` when the definition has them (branch ``own``); otherwise
:func:`questions` derives them from the constructs (ratings and binaries are questions,
category constructs are breakdowns).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import config, disclose
from ..errors import ParameterError
from ..survey.survey import design_of, min_n_of, survey_of
from .texts import TABBOOK_TEXT

__all__ = ["write_tab_book", "tab_book_path", "questions", "breakdowns"]


PERCENT_FORMAT = "0.0"
BASE_FORMAT = "#,##0"
MEAN_FORMAT = "0.00"
NPS_FORMAT = "+0.0;-0.0;0.0"


@dataclass
class Question:
    """One sheet of the tab book."""

    key: str
    construct: str
    metric: str                  # nps | share | top_box | mean | multiple
    label: dict = field(default_factory=dict)
    top: int | None = None
    scale: tuple | None = None


def _label(value, language: str, fallback: str) -> str:
    if isinstance(value, dict):
        return value.get(language) or value.get("nl") or fallback
    return value or fallback


def questions(definition: dict) -> list[Question]:
    """The questions of a tab book: the definition's indicators, or derived from its constructs.

    Without ``definition["indicators"]`` every ``rating`` construct becomes a question
    (scale 0–10: the NPS; otherwise the top-2 box with the distribution and the mean) and every
    ``binary`` construct a share.

    Examples
    --------
    >>> from kirc.survey.definition import survey_definition
    >>> [(q.key, q.metric) for q in questions(survey_definition("klantcontact"))][:3]
    [('nps', 'nps'), ('csat', 'top_box'), ('chatbot_success', 'share')]
    """
    constructs = definition.get("constructs", {})
    out = []
    indicators = definition.get("indicators")
    if indicators:
        # A top-box sheet already shows the distribution and the mean: a mean indicator of the
        # same construct would repeat it, so one sheet per construct.
        top_box = {spec.get("construct", key) for key, spec in indicators.items()
                   if spec.get("metric") in ("top_box", "csat")}
        for key, spec in indicators.items():
            construct = spec.get("construct", key)
            if spec.get("metric") == "mean" and construct in top_box:
                continue
            scale = constructs.get(construct, {}).get("scale")
            out.append(Question(key, construct, spec.get("metric", "share"),
                                spec.get("label") or {}, spec.get("top"),
                                tuple(scale) if scale else None))
        return out
    for name, spec in constructs.items():
        label = {"nl": spec.get("label", name),
                 "en": spec.get("label_en") or spec.get("label", name)}
        if spec.get("type") == "rating":
            scale = tuple(spec.get("scale") or (1, 5))
            metric = "nps" if scale == (0, 10) else "top_box"
            out.append(Question(name, name, metric, label, 2 if metric == "top_box" else None,
                                scale))
        elif spec.get("type") == "binary":
            out.append(Question(name, name, "share", label))
        elif spec.get("type") == "multiple":
            out.append(Question(name, name, "multiple", label))
    return out


def breakdowns(definition: dict) -> list[str]:
    """The breakdowns: ``definition["report"]["breakdowns"]``, else the category constructs.

    Without a ``[report]`` table, category constructs read from the same column as a question
    (``avg_status`` beside the binary ``avg_ready``) are the question itself, not a breakdown.

    Examples
    --------
    >>> from kirc.survey.definition import survey_definition
    >>> breakdowns(survey_definition("klantcontact"))
    ['sector', 'channel', 'age_group']
    >>> breakdowns(survey_definition("sectorscan"))
    ['sector', 'size']
    """
    report = definition.get("report") or {}
    if report.get("breakdowns"):
        return list(report["breakdowns"])
    constructs = definition.get("constructs", {})
    question_columns = set()
    for version in (definition.get("questionnaires") or {}).values():
        columns = version.get("columns", {})
        for name, column in columns.items():
            if constructs.get(name, {}).get("type") in ("rating", "binary"):
                question_columns.add(column)
    out = []
    for name, spec in constructs.items():
        if spec.get("type") != "category":
            continue
        shared = any(version.get("columns", {}).get(name) in question_columns
                     for version in (definition.get("questionnaires") or {}).values())
        if not shared:
            out.append(name)
    return out


# --------------------------------------------------------------------------------------------
# the numbers of one sheet


@dataclass
class _Block:
    """One group of columns: the Total or a breakdown."""

    name: str | None            # construct, None for the total
    label: str
    categories: list
    labels: list
    letters: list
    bases: list
    hidden: list                # reason per column ("" shown, "n<30", "x")


@dataclass
class _Line:
    label: str
    kind: str                   # percent | nps | mean
    values: dict                # (block index, column index) -> value
    higher: dict                # (block index, column index) -> letters
    summary: bool = False       # an indicator row under the distribution


def _category_labels(definition: dict, construct: str, categories: list, language: str):
    spec = definition.get("constructs", {}).get(construct, {})
    english = spec.get("labels_en") or {}
    if language == "en" and english:
        dutch = spec.get("labels") or {}
        back = {v: k for k, v in dutch.items()}
        return [str(english.get(back.get(c), c)) for c in categories]
    return [str(c) for c in categories]


def _answer_column(data: pd.DataFrame, question: Question, text: dict,
                   scale_labels: dict | None = None):
    """A categorical column of the answer categories shown as rows, and its row labels."""
    values = pd.to_numeric(data[question.construct], errors="coerce")
    if question.metric == "nps":
        labels = [text["promoters"], text["passives"], text["detractors"]]
        codes = np.select([values >= 9, values >= 7, values >= 0], [0, 1, 2], -1)
    elif question.metric == "share":
        labels = [text["yes"], text["no"]]
        codes = np.select([values == 1, values == 0], [0, 1], -1)
    else:
        low, high = question.scale or (int(values.min()), int(values.max()))
        # a scale point with its label where the report settings give one: "1 zeer ontevreden"
        labels = [f"{v} {scale_labels[v]}" if scale_labels and v in scale_labels else str(v)
                  for v in range(int(low), int(high) + 1)]
        codes = np.where(values.isna(), -1, values.fillna(low) - low).astype(int)
    codes = np.where(values.isna(), -1, codes)
    return pd.Categorical.from_codes(codes, categories=labels), labels


def _sheet_numbers(data, question: Question, by_columns: list, definition: dict,
                   language: str, confidence, adjust, min_n):
    from ..estimate.groups import compare_groups, crosstab
    from ..disclose import suppress

    from .spec import report_meta

    text = TABBOOK_TEXT[language]
    multiple = question.metric == "multiple"
    frame = data.assign(__total=pd.Categorical([text["total"]] * len(data)))
    if multiple:
        # the options are the rows, each a % of the column's respondents who answered
        spec = definition.get("constructs", {}).get(question.construct, {})
        option_label = _option_labels(spec, language)
        row_labels = list(option_label.values())
        columns = list(spec.get("options", {}).values())
        frame["__mentions"] = frame[columns].sum(axis=1, min_count=1)
    else:
        settings = report_meta(definition)["constructs"].get(question.construct, {})
        answer, row_labels = _answer_column(data, question, text,
                                            (settings.get("scale_labels") or {}).get(language))
        frame["__answer"] = answer
    common = dict(confidence=confidence, adjust=adjust, min_n=min_n)
    blocks: list[_Block] = []
    tables = []
    for name in ["__total", *by_columns]:
        if multiple:
            table = crosstab(frame, question.construct, name, **common)
            table["__answer"] = table[question.construct].map(option_label)
        else:
            table = crosstab(frame, "__answer", name, **common)
        categories = list(dict.fromkeys(table[name]))
        if name != "__total" and len(categories) < 2:
            continue          # one category (chatbot users by channel) is the Total again
        first = table.drop_duplicates(name)
        # the base: the column's respondents who answered (an option asked in fewer years
        # of a multi-year book has a smaller base of its own)
        bases = table.groupby(name, sort=False, observed=True)["n"].max().loc[
            first[name]].tolist()
        columns = pd.DataFrame({"n": bases, "is_total": False})
        if name == "__total":
            hidden = [text["suppressed"].format(min_n=min_n) if gone else ""
                      for gone in disclose.hidden(bases, min_n)]
            label, labels = "", [text["total"]]
        else:
            total_base = blocks[0].bases[0]
            columns = pd.concat([columns, pd.DataFrame({"n": [total_base], "is_total": [True]})],
                                ignore_index=True)
            suppressed = suppress(columns, n="n", min_n=min_n, value_columns=[],
                                              total="is_total")
            hidden = []
            for reason in suppressed["suppression"].iloc[:-1]:
                if reason is None:
                    hidden.append("")
                elif reason == "complementary":
                    hidden.append(text["complementary"])
                else:
                    hidden.append(text["suppressed"].format(min_n=min_n))
            spec = definition.get("constructs", {}).get(name, {})
            if name == "year":
                label = text["year"]
            else:
                from .spec import construct_label
                label = construct_label(definition, name, language)
            labels = _category_labels(definition, name, categories, language)
        blocks.append(_Block(name, label, categories, labels, list(first["letter"]), bases,
                             hidden))
        tables.append(table)

    lines: list[_Line] = []
    for r, row_label in enumerate(row_labels):
        values, higher = {}, {}
        for b, (block, table) in enumerate(zip(blocks, tables)):
            rows = table[table["__answer"] == row_label]
            for c, (percent, letters) in enumerate(zip(rows["percent"], rows["higher_than"])):
                values[(b, c)] = percent
                higher[(b, c)] = letters if block.name != "__total" else ""
        lines.append(_Line(row_label, "percent", values, higher))

    summaries = []
    if multiple:
        summaries.append(("mean", "mean", {}, text["mean_options"]))
    elif question.metric == "nps":
        summaries.append(("nps", "nps", {}, text["nps"]))
    elif question.metric in ("top_box", "csat"):
        low, high = question.scale or (1, 5)
        top = question.top or 2
        summaries.append(("csat", "percent", {"top": top, "scale": (low, high)},
                          text["top_box"].format(top=top, low=high - top + 1, high=high)))
        summaries.append(("mean", "mean", {}, text["mean"]))
    elif question.metric == "mean":
        summaries.append(("mean", "mean", {}, text["mean"]))
    for metric, kind, kwargs, label in summaries:
        values, higher = {}, {}
        for b, block in enumerate(blocks):
            result = compare_groups(frame, metric,
                                    "__mentions" if multiple else question.construct,
                                    by=block.name or "__total", **common, **kwargs)
            by_value = dict(zip(result[block.name], zip(result["estimate"],
                                                        result["higher_than"])))
            for c, category in enumerate(block.categories):
                estimate, letters = by_value.get(category, (np.nan, ""))
                values[(b, c)] = estimate
                higher[(b, c)] = letters if block.name != "__total" else ""
        lines.append(_Line(label, kind, values, higher, summary=True))

    # a letter must not point at a column that is not shown
    for line in lines:
        for b, block in enumerate(blocks):
            gone = {block.letters[c] for c, h in enumerate(block.hidden) if h}
            for c in range(len(block.categories)):
                line.higher[(b, c)] = "".join(ch for ch in line.higher[(b, c)]
                                              if ch not in gone)
    return blocks, lines


def _option_labels(spec: dict, language: str) -> dict:
    """A multiple-response construct's option labels (the survey's, Dutch) -> the labels of
    the book's language (``options_en`` for English, where the definition gives them)."""
    dutch = dict(spec.get("options") or {})
    if language != "en" or not spec.get("options_en"):
        return {label: label for label in dutch}
    english = {column: label for label, column in spec["options_en"].items()}
    return {label: english.get(column, label) for label, column in dutch.items()}


# --------------------------------------------------------------------------------------------
# writing


def _sheet_name(text: str, used: set) -> str:
    """At most 31 characters (Excel's limit), cut between words, unique, no []:*?/\\."""
    clean = "".join("_" if ch in '[]:*?/\\' else ch for ch in text).strip() or "blad"
    name = clean
    if len(name) > 31:
        name = clean[:31].rsplit(" ", 1)[0].rstrip(" (–-,") or clean[:31]
        if name.count("(") > name.count(")"):
            # a parenthesis cut open reads as a typo: drop the unfinished aside
            name = name[:name.rindex("(")].rstrip(" –-,") or name
    clean = name
    k = 2
    while name.lower() in used:
        suffix = f" ({k})"
        name = clean[:31 - len(suffix)] + suffix
        k += 1
    used.add(name.lower())
    return name


def _years_text(years: list[int]) -> str:
    years = sorted(set(int(y) for y in years))
    if len(years) > 1 and years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}–{years[-1]}"
    return ", ".join(map(str, years))


def tab_book_path(survey, years, output="reports", language: str = "nl",
                  surveys_dir=None) -> Path:
    """Where ``kirc tabs`` writes: ``output`` itself when it is a ``.xlsx`` file, else a file
    in that folder named after the survey and the years.

    Examples
    --------
    >>> tab_book_path("klantcontact", [2024, 2025]).as_posix()
    'reports/klantcontact-tabellen-2024-2025.xlsx'
    >>> tab_book_path("klantcontact", [2025], "tabs.xlsx", "en").as_posix()
    'tabs.xlsx'
    """
    from ..survey.definition import survey_definition

    output = Path(output)
    if output.suffix.lower() == ".xlsx":
        return output
    years = [int(years)] if isinstance(years, (int, np.integer)) else sorted(int(y) for y in years)
    name = survey_definition(survey, surveys_dir=surveys_dir)["name"]
    span = str(years[0]) if len(set(years)) == 1 else f"{years[0]}-{years[-1]}"
    return output / f"{name}-{TABBOOK_TEXT[language]['file_word']}-{span}.xlsx"


def write_tab_book(survey, years, output, *, language: str = "nl", surveys_dir=None,
                   confidence: float = config.CONFIDENCE, adjust: str = "bonferroni",
                   data: pd.DataFrame | None = None, org_survey: str | None = "") -> Path:
    """Write the tab book of a survey's years to an ``.xlsx`` file.

    Parameters
    ----------
    survey : str or path-like
        Survey name or definition ``.toml``.
    years : int or list of int
        The years whose respondents are tabulated (together; with several years the year is
        the first breakdown).
    output : str or path-like
        The ``.xlsx`` file to write (its folder is created).
    language : {"nl", "en"}
        Language of the labels, the legend and (where the definition has ``labels_en``) the
        categories.
    surveys_dir : path-like, optional
        Folder of the definitions, as in :func:`kirc.load_survey`.
    confidence, adjust
        As in :func:`kirc.crosstab`.
    data : pandas.DataFrame, optional
        The harmonised frame, when already loaded (it is not modified).
    org_survey : str, optional
        A second survey whose questions get sheets of their own, each with its own bases,
        weighting and threshold (the Sectorscan's organisations beside the consumers). None:
        the definition's ``[report] org_survey``; ``""`` (default): none.

    Returns
    -------
    pathlib.Path
        The file written.

    Notes
    -----
    With the survey's design (weights, strata, clusters, calibration; each year a sample of its
    own). The numbers are those of :func:`kirc.crosstab` and
    :func:`kirc.compare_groups`; ``tests/test_crosstab_tabbook.py`` reads the book back with
    openpyxl and compares them.
    """
    from openpyxl import Workbook

    from ..survey.definition import load_survey, survey_definition

    if language not in TABBOOK_TEXT:
        raise ParameterError(f"language must be 'nl' or 'en', not {language!r}")
    output = Path(output)
    if output.suffix.lower() != ".xlsx":
        raise ParameterError(f"the tab book is an Excel file: give a .xlsx name, not {output}")
    years = [int(years)] if isinstance(years, (int, np.integer)) else [int(y) for y in years]
    definition = survey_definition(survey, surveys_dir=surveys_dir)
    if data is None:
        data = load_survey(survey, years=years, surveys_dir=surveys_dir)
    else:
        data = data[data["year"].isin(years)]
    parts = [(definition, data)]
    if org_survey is None:
        org_survey = (definition.get("report") or {}).get("org_survey")
    if org_survey:
        org_definition = survey_definition(org_survey, surveys_dir=surveys_dir)
        shared = [y for y in years if y in org_definition["years"]]
        if shared:
            parts.append((org_definition, load_survey(org_survey, years=shared,
                                                      surveys_dir=surveys_dir)))
    text = TABBOOK_TEXT[language]
    book = Workbook()
    notes = book.active
    notes.title = text["notes"]
    used = {notes.title.lower()}
    contents, contexts = [], []
    for part_definition, part in parts:
        context = _context(part_definition, part, years, language, confidence)
        contexts.append(context)
        by_columns = [b for b in breakdowns(part_definition) if b in part.columns]
        if len(set(part["year"])) > 1:
            by_columns = ["year", *by_columns]
        for question in questions(part_definition):
            spec = part_definition.get("constructs", {}).get(question.construct, {})
            needed = (list(spec.get("options", {}).values()) if question.metric == "multiple"
                      else [question.construct])
            if not needed or not set(needed) <= set(part.columns):
                continue
            blocks, lines = _sheet_numbers(part, question, by_columns, part_definition,
                                           language, confidence, adjust, context["min_n"])
            label = _label(question.label, language, question.key)
            sheet = book.create_sheet(_sheet_name(label, used))
            _write_sheet(sheet, label, blocks, lines, context, text,
                         several=question.metric == "multiple")
            contents.append((sheet.title, label, context["title"]))
    _write_notes(notes, contents, contexts, text)
    output.parent.mkdir(parents=True, exist_ok=True)
    book.save(output)
    return output


def _context(definition: dict, data: pd.DataFrame, years: list, language: str,
             confidence: float) -> dict:
    """What a sheet's title lines and legend say about its survey."""
    from .formatting import format_count

    text = TABBOOK_TEXT[language]
    design = design_of(data)
    min_n = min_n_of(data, definition.get("min_n") if survey_of(data) is None
                               else None)
    weighting = (text["weighted"].format(weight=design.weights) if design.weights
                 else text["unweighted"])
    shown = sorted(set(int(y) for y in data["year"]))
    return {
        "title": definition.get("title") or definition.get("name"),
        "years": _years_text(shown or years), "n": format_count(len(data), language),
        "years_key": "years_plural" if len(set(shown)) > 1 else "years",
        "unit": text.get("units", {}).get(definition.get("unit"), definition.get("unit") or ""),
        "weighting": weighting, "min_n": min_n,
        "alpha": f"{1 - confidence:.2f}".replace(".", "," if language == "nl" else "."),
    }


def _styles():
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="9AA5B1")
    face = "Calibri"          # named, so that LibreOffice does not fall back to a serif font
    return {
        "title": Font(name=face, bold=True, size=13),
        "subtitle": Font(name=face, italic=True, color="555555"),
        "header": Font(name=face, bold=True),
        "body": Font(name=face),
        "letter": Font(name=face, color="1F4E79", size=9),
        "key": Font(name=face, bold=True, color="1F4E79"),
        "muted": Font(name=face, color="666666", italic=True, size=9),
        "fill": PatternFill("solid", fgColor="E8EEF4"),
        "center": Alignment(horizontal="center", vertical="center", wrap_text=True),
        "left": Alignment(horizontal="left", vertical="center", wrap_text=True),
        "right": Alignment(horizontal="right"),
        "wrap": Alignment(wrap_text=True, vertical="top"),
        "bottom": Border(bottom=thin),
        "leftline": Border(left=thin),
        "corner": Border(left=thin, bottom=thin),
        "topline": Border(top=thin),
        "topcorner": Border(left=thin, top=thin),
    }


HEADER_ROWS = 6        # title, subtitle, breakdown, category, letter, base


def _write_sheet(sheet, label: str, blocks, lines, context: dict, text: dict,
                 several: bool = False) -> None:
    from openpyxl.utils import get_column_letter

    s = _styles()
    sheet.cell(1, 1, label).font = s["title"]
    years = text[context["years_key"]].format(years=context["years"])
    sheet.cell(2, 1, f"{context['title']} · {years}"
               f" · {text['respondents'].format(n=context['n'], unit=context['unit'])}"
               f" · {context['weighting']}").font = s["subtitle"]
    sheet.cell(6, 1, text["base"]).font = s["header"]
    column = 2
    positions = {}
    for b, block in enumerate(blocks):
        first = column
        for c in range(len(block.categories)):
            positions[(b, c)] = column
            head = sheet.cell(4, column, block.labels[c])
            head.font, head.alignment, head.fill = s["header"], s["center"], s["fill"]
            key = sheet.cell(5, column, "" if block.name == "__total" else f"({block.letters[c]})")
            key.font, key.alignment, key.fill = s["key"], s["center"], s["fill"]
            base = sheet.cell(6, column)
            if block.hidden[c]:
                base.value = block.hidden[c]
                base.font = s["muted"]
            else:
                base.value = int(block.bases[c])
                base.number_format = BASE_FORMAT
                base.font = s["body"]
            base.alignment, base.border = s["right"], s["bottom"]
            column += 1
        group = sheet.cell(3, first, block.label)
        group.font, group.alignment, group.fill = s["header"], s["center"], s["fill"]
        for k in range(first, column):
            sheet.cell(3, k).fill = s["fill"]
        if column - 1 > first:
            sheet.merge_cells(start_row=3, start_column=first, end_row=3, end_column=column - 1)
    sheet.cell(6, 1).border = s["bottom"]
    for cell_row in (3, 4, 5):
        sheet.cell(cell_row, 1).fill = s["fill"]
    row = HEADER_ROWS + 1
    formats = {"percent": PERCENT_FORMAT, "nps": NPS_FORMAT, "mean": MEAN_FORMAT}
    first_summary = next((k for k, x in enumerate(lines) if x.summary), None)
    for index, line in enumerate(lines):
        sheet.row_dimensions[row].height = 15
        sheet.row_dimensions[row + 1].height = 11.5
        head = sheet.cell(row, 1, line.label)
        head.alignment = s["left"]
        head.font = s["header"] if line.kind != "percent" else s["body"]
        if index == first_summary and first_summary > 0:
            head.border = s["topline"]
        for (b, c), value in line.values.items():
            cell = sheet.cell(row, positions[(b, c)])
            if blocks[b].hidden[c]:
                cell.value = None
            elif value is not None and np.isfinite(value):
                cell.value = float(value)
                cell.number_format = formats[line.kind]
            cell.font = s["body"]
            if index == first_summary and first_summary > 0:
                cell.border = s["topline"]
            letters = line.higher.get((b, c), "")
            if letters and not blocks[b].hidden[c]:
                mark = sheet.cell(row + 1, positions[(b, c)], letters)
                mark.font, mark.alignment = s["letter"], s["right"]
        row += 2
    # legend
    row += 1
    sheet.cell(row, 1, text["legend_title"]).font = s["header"]
    for line in ([text["several"]] if several else []) + text["legend"]:
        row += 1
        sheet.cell(row, 1, line.format(**context)).font = s["muted"]
    # a vertical rule before every breakdown group
    for b, block in enumerate(blocks[1:], start=1):
        first = positions[(b, 0)]
        summary_row = (HEADER_ROWS + 1 + 2 * first_summary
                       if first_summary not in (None, 0) else None)
        for k in range(3, HEADER_ROWS + 1 + 2 * len(lines)):
            cell = sheet.cell(k, first)
            cell.border = (s["corner"] if k == HEADER_ROWS else
                           s["topcorner"] if k == summary_row else s["leftline"])
    # readable without editing
    sheet.freeze_panes = sheet.cell(HEADER_ROWS + 1, 2)
    sheet.column_dimensions["A"].width = max(24, min(40, max(len(x.label) for x in lines) + 4))
    for (b, c), k in positions.items():
        # wide enough for the longest word of the label: headers wrap between words only
        longest = max(len(word) for word in str(blocks[b].labels[c]).split() or [""])
        sheet.column_dimensions[get_column_letter(k)].width = max(9.5, min(18, longest + 2.5))
    sheet.row_dimensions[4].height = 45
    for b, block in enumerate(blocks[1:], start=1):
        width = sum(sheet.column_dimensions[get_column_letter(positions[(b, c)])].width
                    for c in range(len(block.categories)))
        if len(block.label) > width:
            sheet.row_dimensions[3].height = 30
    sheet.sheet_view.zoomScale = 90
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"1:{HEADER_ROWS}"


def _write_notes(sheet, contents, contexts: list, text: dict) -> None:
    s = _styles()
    first = contexts[0]
    years = text[first["years_key"]].format(years=first["years"])
    sheet.cell(1, 1, f"{first['title']} — {years}").font = s["title"]
    row = 2
    for context in contexts:
        sheet.cell(row, 1, f"{context['title']}: "
                   f"{text['respondents'].format(n=context['n'], unit=context['unit'])}"
                   f" · {context['weighting']}").font = s["subtitle"]
        row += 1
    row += 1
    sheet.cell(row, 1, text["contents"]).font = s["header"]
    several = len(contexts) > 1
    for name, label, survey in contents:
        row += 1
        link = sheet.cell(row, 1, name)
        link.hyperlink = f"#'{name}'!A1"
        link.font = s["key"]
        sheet.cell(row, 2, f"{label} ({survey})" if several else label).font = s["body"]
    row += 2
    sheet.cell(row, 1, text["legend_title"]).font = s["header"]
    for line in text["legend"]:
        per_survey = "{min_n}" in line or "{weighting}" in line
        for context in (contexts if per_survey else contexts[:1]):
            row += 1
            cell = sheet.cell(row, 1, (f"{context['title']}: " if several and per_survey
                                       else "") + line.format(**context))
            cell.alignment, cell.font = s["wrap"], s["body"]
            sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
            # merged cells do not grow with their text: about 115 characters fit on a line
            sheet.row_dimensions[row].height = 15 * (1 + len(cell.value) // 115) + 3
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 70
    sheet.freeze_panes = "A4"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
