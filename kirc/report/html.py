"""HTML: a notebook exported to one self-contained page, the check for external resources,
and the index page of every report in an output folder."""

from __future__ import annotations

import functools
import os
import html
import json
import re
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

from ..errors import ParameterError
from .formatting import format_number, format_value
from .texts import BATCH_TEXT as _TEXT, LANGUAGES

__all__ = ["export_html", "external_resources", "write_index", "INDEX_METRICS"]

#: Headline metrics shown in the index, in this order (keys of ``headline.json`` rows).
INDEX_METRICS = ("nps", "csat", "chatbot_success", "fcr", "avg_ready")

# The lab template minus every block that loads JavaScript from a CDN, plus a readable width
# and a footer with the generation date (the one line that differs between identical renders).
_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block extra_css %}
<style type="text/css">
main { max-width: 1100px; margin: 0 auto; padding: 1em 1.5em 3em; }
.jp-mod-noOutputs.jp-mod-noInput { display: none; }
.jp-OutputArea-output { overflow-x: visible; }
.jp-RenderedHTMLCommon { font-size: 15px; line-height: 1.5; }
.jp-RenderedHTMLCommon h1 { font-size: 1.8em; margin-top: 0.2em; }
.kirc-toc { background: #f3f5f7; padding: 0.6em 1.2em; border-radius: 4px; margin: 0.5em 0 1em; }
.kirc-toc .toc-title { font-size: 1em; margin: 0.2em 0; }
.kirc-toc ol { margin: 0.2em 0; columns: 2; }
.kirc-key { border-left: 4px solid #0072B2; padding: 0.2em 1em; background: #f5f9fc; }
.kirc-key li { font-size: 1.05em; margin: 0.3em 0; }
.kirc-scroll { max-width: 100%; overflow-x: auto; }
.jp-RenderedHTMLCommon table.kirc-table { border-collapse: collapse; margin: 0.5em 0 1.2em;
  font-variant-numeric: tabular-nums; table-layout: auto; }
.jp-RenderedHTMLCommon table.kirc-table caption { text-align: left; font-weight: 600;
  padding-bottom: 0.3em; caption-side: top; }
.jp-RenderedHTMLCommon table.kirc-table th, .jp-RenderedHTMLCommon table.kirc-table td {
  text-align: left; padding: 0.3em 0.6em; border-bottom: 1px solid #ddd; vertical-align: top; }
.jp-RenderedHTMLCommon table.kirc-table .num { text-align: right; white-space: nowrap; }
/* headers wrap between words, so that a table is as wide as its figures */
.jp-RenderedHTMLCommon table.kirc-table th[scope=col] { white-space: normal; min-width: 3.5em; }
/* the significance tables are wide (one column per group): let headers and cells wrap */
.jp-RenderedHTMLCommon table.kirc-sig th, .jp-RenderedHTMLCommon table.kirc-sig td.num { white-space: normal; }
.jp-RenderedHTMLCommon table.kirc-table th[scope=row] { font-weight: normal; }
/* suppressed rows: muted, still 4.5:1 on the striped rows (WCAG AA) */
.jp-RenderedHTMLCommon table.kirc-table tr.muted { color: #595959; }
img.kirc-chart { width: 100%; height: auto; display: block; }
/* one chart per indicator: two columns on a wide screen, one on a phone */
.kirc-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 420px), 1fr));
  gap: 1.2em 2em; margin: 0.6em 0 1em; }
.kirc-cell { min-width: 0; break-inside: avoid; }
.kirc-pair { display: flex; flex-wrap: wrap; gap: 1em 2em; align-items: flex-start;
  margin-bottom: 1.5em; break-inside: avoid; }
.kirc-pair-chart { flex: 1 1 380px; max-width: 460px; min-width: 0; }
.kirc-pair-table { flex: 1 1 360px; min-width: 0; }
.kirc-note { color: #444; font-size: 0.92em; }
/* links large enough to tap (WCAG 2.2 target size) */
.kirc-files li, .kirc-toc li { margin: 0.25em 0; }
.kirc-files a, .kirc-toc a, .kirc-sig-link a, footer.kirc-footer a { display: inline-block;
  min-height: 24px; line-height: 24px; }
.jp-RenderedHTMLCommon { overflow-wrap: break-word; hyphens: manual; }
footer.kirc-footer { max-width: 1100px; margin: 0 auto 2em; padding: 0 1.5em;
  color: #666; font-size: 0.85em; font-family: var(--jp-ui-font-family, sans-serif); }
footer.kirc-footer a { color: #1f5f99; text-decoration: underline; }
@media (max-width: 600px) {
  main { padding: 0.5em 0.6em 2em; }
  .kirc-toc ol { columns: 1; }
  /* On a phone every table row becomes a small card: the row's name, then label: value. */
  .jp-RenderedHTMLCommon table.kirc-table, .jp-RenderedHTMLCommon table.kirc-table tbody,
  .jp-RenderedHTMLCommon table.kirc-table tr, .jp-RenderedHTMLCommon table.kirc-table th,
  .jp-RenderedHTMLCommon table.kirc-table td, .jp-RenderedHTMLCommon table.kirc-table caption {
    display: block; width: auto; }
  .jp-RenderedHTMLCommon table.kirc-table thead { display: none; }
  .jp-RenderedHTMLCommon table.kirc-table tr { border-bottom: 1px solid #ccc; padding: 0.3em 0; }
  .jp-RenderedHTMLCommon table.kirc-table th[scope=row] { font-weight: 600; border: 0;
    padding: 0.2em 0.3em; }
  .jp-RenderedHTMLCommon table.kirc-table td, .jp-RenderedHTMLCommon table.kirc-table td.num {
    border: 0; padding: 0.1em 0.3em; text-align: right; white-space: normal; display: flex;
    justify-content: space-between; gap: 1em; overflow-wrap: break-word; word-break: normal; }
  /* a label and its value share the line; words wrap whole, never in the middle */
  .jp-RenderedHTMLCommon table.kirc-table td::before { content: attr(data-label);
    text-align: left; color: #555; flex: 0 1 45%; }
  .kirc-grid { grid-template-columns: 1fr; }
}
@page { size: A4; margin: 14mm 13mm 14mm; }
@media print {
  /* two trend charts side by side, each breakdown chart beside its table: half the pages */
  .kirc-grid { grid-template-columns: 1fr 1fr; gap: 0.3em 1.2em; margin: 0.3em 0; }
  .kirc-pair { display: grid; grid-template-columns: 48% 1fr; gap: 0 1.2em; margin-bottom: 0.6em; }
  .kirc-pair-chart, .kirc-pair-table { max-width: none; min-width: 0; }
  /* links are for the screen: not printed */
  .kirc-sig-link, .kirc-files, #bestanden, footer.kirc-footer { display: none !important; }
  /* and the output that only held them: its padding alone can start a page of its own */
  .jp-OutputArea-child:has(#bestanden) {
    display: none !important; }
  body, main, .jp-Notebook, .jp-Cell:last-child, .jp-Cell:last-child .jp-OutputArea {
    margin-bottom: 0 !important; padding-bottom: 0 !important; }
  .jp-RenderedHTMLCommon h2 { margin-top: 0.8em; }
  main, footer.kirc-footer { max-width: none; padding: 0; }
  .jp-RenderedHTMLCommon { font-size: 10.5pt; }
  h1, h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  table, img, figure, .kirc-pair, .kirc-key { break-inside: avoid; page-break-inside: avoid; }
  /* a short list (the privacy notes, the methods) stays whole: its last lines alone on a
     page read as an afterthought */
  .jp-RenderedHTMLCommon ul { break-inside: avoid; page-break-inside: avoid; }
  .kirc-scroll { overflow: visible; }
  /* the A4 text width is ~180 mm: tables shrink their type and wrap rather than run off */
  .jp-RenderedHTMLCommon table.kirc-table { font-size: 8pt; max-width: 100%; }
  .jp-RenderedHTMLCommon table.kirc-table th, .jp-RenderedHTMLCommon table.kirc-table td {
    padding: 0.15em 0.3em; }
  .jp-RenderedHTMLCommon table.kirc-table .num { white-space: normal; }
  .kirc-toc { background: none; border: 1px solid #ccc; }
  /* JupyterLab keeps each output whole on a page: a long section then leaves a blank page */
  .jp-OutputArea-child, .jp-Cell { break-inside: auto !important; }
  a, .jp-RenderedHTMLCommon a { color: inherit !important; text-decoration: none !important; }
  footer.kirc-footer a { display: none; }
}
</style>
{% endblock extra_css %}
{% block body_footer %}
</main>
<footer class="kirc-footer">
<p><a href="../index.html">{{ resources.kirc_back }}</a></p>
<p class="kirc-generated">{{ resources.kirc_generated }}</p>
</footer>
</body>
{% endblock body_footer %}
"""



_TIMING_KEYS = ("start_time", "end_time", "duration")
_STYLER_ID = re.compile(r"(?<![A-Za-z0-9_])T_([0-9a-f]{5,})(?![0-9a-f])")
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+>")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _normalise_notebook(nb) -> int:
    """Strip run-to-run noise from an executed notebook in place; returns stderr output count."""
    papermill_meta = nb.metadata.get("papermill", {})
    for key in _TIMING_KEYS:
        papermill_meta.pop(key, None)
    styler_ids: dict[str, str] = {}

    def styler_id(match):
        return styler_ids.setdefault(match.group(1), f"T_kirc{len(styler_ids) + 1}")

    stderr_outputs = 0
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        for key in _TIMING_KEYS:
            cell.metadata.get("papermill", {}).pop(key, None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                stderr_outputs += 1
            data = output.get("data", {})
            if "text/html" in data:
                data["text/html"] = _STYLER_ID.sub(styler_id, _joined(data["text/html"]))
            if "text/plain" in data:
                data["text/plain"] = _ADDRESS.sub(" at 0x…>", _joined(data["text/plain"]))
    return stderr_outputs


def _joined(text) -> str:
    return "".join(text) if isinstance(text, list) else text


def _without_stderr(nb):
    import copy
    shown = copy.deepcopy(nb)
    for cell in shown.cells:
        if "outputs" in cell:
            cell.outputs = [o for o in cell.outputs
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    return shown


@functools.lru_cache(maxsize=None)
def _exporter(language: str):
    """One exporter per language and process: a new one parsed and compiled the lab
    templates again, 0.1 s of every report's export."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="lab", template_file="kirc_report.html.j2",
                        extra_loaders=[DictLoader({"kirc_report.html.j2": _TEMPLATE})],
                        exclude_input=True, exclude_input_prompt=True,
                        exclude_output_prompt=True, embed_images=True, language_code=language)


def export_html(nb, title: str, language: str = "nl", generated: str = "") -> str:
    """Export an executed notebook to self-contained HTML without code.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook (not modified).
    title : str
        The page title.
    language : {"nl", "en"}
        Sets ``<html lang>`` and the footer's words.
    generated : str
        The generation-date line of the footer.

    Returns
    -------
    str
        HTML with inputs and prompts hidden, no ``<script>`` elements and figures as data URIs.
        Random UUIDs (JavaScript output containers) are numbered in order of appearance.
    """
    exporter = _exporter(language)
    resources = {"metadata": {"name": title}, "kirc_generated": html.escape(generated),
                 "kirc_back": _TEXT.get(language, _TEXT["nl"])["back"]}
    body, _ = exporter.from_notebook_node(_without_stderr(nb), resources=resources)
    numbers: dict[str, str] = {}
    body = _UUID.sub(lambda m: numbers.setdefault(
        m.group(0), f"00000000-0000-4000-8000-{len(numbers) + 1:012d}"), body)
    return body



# --------------------------------------------------------------------------------------------
# checks on the HTML


class _ResourceFinder(HTMLParser):
    # Attributes that make a browser fetch something when the page loads (links, <a href>,
    # are only followed on a click and are not resources).
    _FETCHING = {"src", "srcset", "poster", "data", "background", "xlink:href"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.references: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if name in self._FETCHING or (tag == "link" and name == "href") or \
                    (tag in ("image", "use") and name == "href"):
                if name == "srcset":
                    self.references += [part.split()[0] for part in value.split(",")
                                        if part.strip()]
                else:
                    self.references.append(value)
            if name == "style":
                self.references += _css_references(value)
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.references += _css_references(data)


_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)""")
_CSS_IMPORT = re.compile(r"""@import\s+(?:url\()?\s*['"]?([^'");\s]+)""")


def _css_references(css: str) -> list[str]:
    css = _CSS_COMMENT.sub("", css)
    return _CSS_URL.findall(css) + _CSS_IMPORT.findall(css)


def external_resources(page: str) -> list[str]:
    """References in an HTML page that a browser would fetch from elsewhere on loading it.

    Everything a page loads (``src``, ``srcset``, ``<link href>``, CSS ``url()`` and
    ``@import``) must be a ``data:`` URI or an in-page ``#fragment``; anything else (``http``,
    ``//host``, or a relative file that would have to travel along) is returned. Hyperlinks
    (``<a href>``) are not resources and are not returned.

    Examples
    --------
    >>> external_resources('<img src="data:image/png;base64,iVBO"><a href="https://x.nl">x</a>')
    []
    >>> external_resources('<script src="https://cdn.example/require.js"></script>'
    ...                    '<style>p { background: url(//cdn.example/a.png) }</style>')
    ['https://cdn.example/require.js', '//cdn.example/a.png']
    """
    finder = _ResourceFinder()
    finder.feed(page)
    finder.close()
    return [ref for ref in finder.references
            if not ref.startswith(("data:", "#")) and ref.strip()]


# --------------------------------------------------------------------------------------------
# index.html


def _unit(row: dict) -> str:
    if row.get("unit"):
        return row["unit"]
    return {"nps": "points", "csat_mean": "score"}.get(row.get("metric"), "percent")


def _figure(value, unit: str, language: str) -> str:
    return format_value(value, unit, language)


def _index_cell(row: dict | None, language: str, label: str = "") -> str:
    """One figure of the index: value (low base marked), its change, and its n (in the cell
    and as the cell's hover title)."""
    from .. import disclose
    from .formatting import format_count
    from .texts import LABELS

    attribute = f' data-label="{html.escape(label, quote=True)}"' if label else ""
    if row is None:
        return f'<td class="none"{attribute}>–</td>'
    text = _TEXT[language]
    words = LABELS[language]
    n = format_count(row.get("n"), language) if row.get("n") is not None else "–"
    if row.get("suppressed"):
        return (f'<td class="suppressed"{attribute} title="n &lt; {html.escape(str(row.get("min_n", "")))}">'
                f'– <small>{text["suppressed"]}</small></td>')
    unit = _unit(row)
    value = disclose.marked(_figure(row.get("estimate"), unit, language),
                            bool(row.get("low_base")))
    change = ""
    if row.get("change") is not None and row.get("significant") is not None:
        decimals = 2 if unit == "score" else 1
        amount = format_number(row["change"], decimals, language, sign=True)
        amount += " pp" if unit == "percent" else ""
        amount = disclose.marked(amount, bool(row.get("change_low_base")))
        if row.get("significant") and amount.lstrip("+−").strip("0,. pp†") != "":
            arrow = "▲" if row["change"] > 0 else "▼"
            change = (f'<small class="change sig" title="{text["significant"]}">'
                      f"{arrow} {html.escape(amount)}*</small>")
        else:
            change = f'<small class="change">{html.escape(amount)}</small>'
    elif row.get("change_note") in ("first_year", "too_few"):
        reason = words["change_na"] if row["change_note"] == "first_year" else \
            words["change_suppressed"]
        change = f'<small class="change">{html.escape(reason)}</small>'
    return (f'<td class="num"{attribute} title="n = {n}"><span><span class="value">'
            f'{html.escape(value)}</span>{change}<small class="n">n = {n}</small></span></td>')


def _scales(reports: list[dict], columns: dict) -> dict:
    """One scale per indicator for all its small trend lines: the range of every segment's
    series, at least 20 points wide (a mean: one scale point), so that a small wobble looks
    small and two segments' lines can be compared."""
    out = {}
    for key in columns:
        values, unit = [], None
        for report in reports:
            for point in (report["figures"].get("series") or {}).get(key) or []:
                if len(point) > 1 and point[1] is not None:
                    values.append(float(point[1]))
            for row in report["figures"].get("rows", []):
                if isinstance(row, dict) and row.get("metric") == key:
                    unit = _unit(row)
        if not values:
            continue
        low, high = min(values), max(values)
        least = 1.0 if unit == "score" else 20.0
        if high - low < least:
            middle = (high + low) / 2
            low, high = middle - least / 2, middle + least / 2
        out[key] = (low, high)
    return out


def _sparkline(series, label: str, language: str, scale=None) -> str:
    """A small inline SVG line of one indicator over the years; suppressed years are gaps.

    ``scale`` (low, high) is the indicator's common scale (:func:`_scales`); each point's n
    is in the line's description."""
    from .formatting import format_count

    attribute = f' data-label="{html.escape(label, quote=True)}"'
    points = [(int(point[0]), point[1], point[2] if len(point) > 2 else None)
              for point in series or []]
    values = [v for _, v, _ in points if v is not None]
    if len(points) < 2 or not values:
        return f'<td class="spark"{attribute}></td>'
    years = [y for y, _, _ in points]
    low, high = scale if scale else (min(values), max(values))
    span = (high - low) or 1.0
    width, height = 96, 26

    def xy(year, value):
        x = 3 + (year - years[0]) / max(years[-1] - years[0], 1) * (width - 6)
        return f"{x:.1f},{height - 3 - (value - low) / span * (height - 6):.1f}"

    runs, current = [], []
    for year, value, _ in points:
        if value is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(xy(year, value))
    if current:
        runs.append(current)
    lines = "".join(f'<polyline points="{" ".join(run)}" />' if len(run) > 1 else
                    f'<circle cx="{run[0].split(",")[0]}" cy="{run[0].split(",")[1]}" r="1.6" />'
                    for run in runs)
    last = xy(*[(y, v) for y, v, _ in points if v is not None][-1])
    first_year = points[0][0]
    described = _TEXT[language]["spark_alt"].format(
        label=label, first=first_year, last=years[-1],
        start=format_number(values[0], 1, language),
        end=format_number(values[-1], 1, language))
    counts = [n for _, _, n in points if n is not None]
    if counts:
        described += " " + _TEXT[language]["spark_n"].format(
            low=format_count(min(counts), language), high=format_count(max(counts), language))
    return (f'<td class="spark"{attribute} title="{html.escape(described)}"><svg viewBox="0 0 '
            f'{width} {height}" width="{width}" '
            f'height="{height}" role="img" aria-label="{html.escape(described)}">'
            f'<g fill="none" stroke="#0072B2" stroke-width="1.6">{lines}</g>'
            f'<circle cx="{last.split(",")[0]}" cy="{last.split(",")[1]}" r="2.2" '
            f'fill="#0072B2" /></svg></td>')


def _collect_reports(output: Path) -> list[dict]:
    found = []
    for headline in sorted(output.glob("*/*/headline.json")):
        year_dir = headline.parent.parent
        if not re.fullmatch(r"\d{4}", year_dir.name):
            continue
        report = year_dir / f"{headline.parent.name}.html"
        if not report.is_file():
            continue
        try:
            figures = json.loads(headline.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError, OSError):
            figures = {}
        xlsx = headline.parent / "figures.xlsx"
        found.append({"year": int(year_dir.name), "slug": headline.parent.name,
                      "href": f"{year_dir.name}/{report.name}", "figures": figures,
                      "xlsx": f"{year_dir.name}/{headline.parent.name}/figures.xlsx"
                      if xlsx.is_file() else None})
    return found


def write_index(output, language: str = "nl", generated: str | None = None) -> Path:
    """Write ``<output>/index.html``: one table of every report in the folder.

    Rows are years (per segment, the whole survey first), columns the indicators of the
    reports, each cell the headline figure with its change from the previous year (``▲``/``▼``
    and ``*`` when significant); a row of small trend lines per segment; the links to the
    reports (HTML, Excel) sit inside the table. Built from each ``<year>/<slug>/headline.json``
    whose ``<year>/<slug>.html`` exists, so reports rendered by earlier runs stay listed. Links
    are relative: the folder can be moved or served as it is.

    Parameters
    ----------
    output : str or path-like
        The output folder of :func:`render`.
    language : {"nl", "en"}
        Language of the page's own words (figures come from ``headline.json``).
    generated : str, optional
        The generation-date line; default now (or ``SOURCE_DATE_EPOCH``).

    Returns
    -------
    pathlib.Path
        The index file.
    """
    if language not in LANGUAGES:
        raise ParameterError(f"language must be 'nl' or 'en', not {language!r}")
    output = Path(output)
    text = _TEXT[language]
    if generated is None:
        generated = generated_line(language)
    reports = _collect_reports(output)
    title = next((r["figures"].get("title") for r in reports if r["figures"].get("title")),
                 "kirc")
    columns: dict[str, str] = {}
    for report in sorted(reports, key=lambda r: -r["year"]):
        for row in report["figures"].get("rows", []):
            if isinstance(row, dict) and row.get("metric") not in columns:
                columns[row["metric"]] = str(row.get("label") or row["metric"])
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{language}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)} – {text['index_title']}</title>",
        "<style>",
        "body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; "
        "margin: 0 auto; max-width: 1400px; padding: 1em 1.5em; color: #222; }",
        ".scroll { max-width: 100%; overflow-x: auto; }",
        "table { border-collapse: collapse; margin-bottom: 1.5em; "
        "font-variant-numeric: tabular-nums; }",
        "th, td { text-align: left; padding: 0.4em 0.55em; border-bottom: 1px solid #ddd; "
        "vertical-align: top; }",
        "thead th { background: #f3f5f7; font-weight: 600; font-size: 0.9em; "
        "vertical-align: bottom; }",
        "td.num { text-align: right; white-space: nowrap; }",
        "td small { display: block; color: #595959; font-size: 0.8em; }",
        "td small.n { color: #595959; }",
        "nav.segments ul { list-style: none; padding: 0; margin: 0.5em 0 1em; display: flex; "
        "flex-wrap: wrap; gap: 0.4em; }",
        "nav.segments a { display: inline-block; min-height: 24px; padding: 0.35em 0.7em; "
        "border: 1px solid #b8c4d0; border-radius: 4px; color: #0b4f8a; text-decoration: none; }",
        "a { color: #0b4f8a; }",
        "td.links a { min-height: 24px; min-width: 24px; padding: 0.25em 0.3em; "
        "line-height: 1.5; }",
        "td small.sig { color: #0b4f8a; font-weight: 600; }",
        "td .value { font-weight: 600; }",
        "td.suppressed, td.none { color: #595959; text-align: right; }",
        "tr.segment th { background: #e8eef4; font-size: 1.05em; padding-top: 0.7em; }",
        "tr.sparks td, tr.sparks th { border-bottom: 2px solid #ccd; }",
        "td.spark { text-align: right; }",
        "th[scope=row] { white-space: nowrap; }",
        "td.links a { display: inline-block; margin-right: 0.4em; }",
        "p.kirc-generated, p.note { color: #666; font-size: 0.85em; }",
        "@media (max-width: 600px) { body { padding: 0.5em; } "
        "table, tbody, tr, th, td { display: block; } thead { display: none; } "
        "tr { border-bottom: 1px solid #ccc; padding: 0.3em 0; } th, td { border: 0; "
        "padding: 0.15em 0.3em; } td.num, td.spark, td.suppressed, td.none, td.links { "
        "display: flex; justify-content: space-between; gap: 1em; text-align: right; } "
        "td[data-label]::before { content: attr(data-label); text-align: left; color: #555; "
        "white-space: normal; } td small { display: inline; margin-left: 0.4em; } "
        "td.num { white-space: normal; } td.num > span { text-align: right; } "
        "td small.n { display: block; } "
        "tr.sparks td:empty { display: none; } }",
        "@page { size: A4 landscape; margin: 12mm; }",
        "@media print { .scroll { overflow: visible; } body { max-width: none; } }",
        "</style>",
        "</head>",
        "<body>",
        f"<h1>{html.escape(title)} – {text['index_title']}</h1>",
    ]
    if not reports:
        parts.append(f"<p>{text['no_reports']}</p>")
    else:
        parts.append(f"<p>{text['intro']}</p>")
        segments: dict[str, list[dict]] = {}
        for report in reports:
            segments.setdefault(report["figures"].get("segment", report["slug"]),
                                []).append(report)
        order = sorted(segments, key=lambda s: (s != "all", str(s)))
        names = {}
        for segment in order:
            latest = sorted(segments[segment], key=lambda r: -r["year"])[0]["figures"]
            names[segment] = str(latest.get("segment_name") or (
                text["all"] if segment == "all" else segment))
        if len(order) > 1:
            menu = "".join(f'<li><a href="#{_anchor(segment)}">{html.escape(names[segment])}'
                           "</a></li>" for segment in order)
            parts.append(f'<nav class="segments" aria-label="{text["menu"]}"><ul>{menu}</ul>'
                         "</nav>")
        scales = _scales(reports, columns)
        header = "".join(f'<th scope="col">{html.escape(label)}</th>'
                         for label in columns.values())
        parts.append('<div class="scroll"><table class="reports">')
        parts.append(f'<thead><tr><th scope="col">{text["year"]}</th>'
                     f'<th scope="col">{text["report"]}</th>{header}</tr></thead>')
        for segment in order:
            rows = sorted(segments[segment], key=lambda r: -r["year"])
            latest = rows[0]["figures"]
            name = names[segment]
            parts.append(f'<tbody id="{_anchor(segment)}">')
            parts.append(f'<tr class="segment"><th colspan="{len(columns) + 2}" scope="rowgroup">'
                         f"{html.escape(name)}</th></tr>")
            series = latest.get("series") or {}
            if any(len(series.get(key) or []) > 1 for key in columns):
                sparks = "".join(_sparkline(series.get(key), label, language,
                                            scales.get(key))
                                 for key, label in columns.items())
                parts.append(f'<tr class="sparks"><th scope="row">{text["trend"]}</th>'
                             f"<td></td>{sparks}</tr>")
            for report in rows:
                figures = report["figures"]
                by_metric = {row.get("metric"): row for row in figures.get("rows", [])
                             if isinstance(row, dict)}
                cells = "".join(_index_cell(by_metric.get(key), language, label)
                                for key, label in columns.items())
                links = f'<a href="{html.escape(report["href"])}">{text["open"]}</a>'
                if report.get("xlsx"):
                    links += f'<a href="{html.escape(report["xlsx"])}">xlsx</a>'
                parts.append(f'<tr><th scope="row">{report["year"]}</th>'
                             f'<td class="links">{links}</td>{cells}</tr>')
            parts.append("</tbody>")
        parts.append("</table></div>")
        parts.append(f'<p class="note">{text["legend"]}</p>')
        if (output / "figures.xlsx").is_file():
            parts.append(f'<p><a href="figures.xlsx">{text["batch_xlsx"]}</a> · '
                         f'<a href="figures.csv">CSV</a></p>')
    parts.append(f'<p class="kirc-generated">{html.escape(generated)}</p>')
    parts += ["</body>", "</html>", ""]
    output.mkdir(parents=True, exist_ok=True)
    index = output / "index.html"
    index.write_text("\n".join(parts), encoding="utf-8")
    return index


def _anchor(segment: str) -> str:
    from .names import report_slug
    return "segment-" + (report_slug(segment) if segment != "all" else "all")


def generated_line(language: str) -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = (datetime.fromtimestamp(int(epoch), timezone.utc) if epoch and epoch.isdigit()
              else datetime.now(timezone.utc))
    from .. import __version__
    from .texts import LABELS
    words = LABELS[language]
    date = f"{moment.day} {words['months'][moment.month - 1]} {moment.year}"
    return words["generated_line"].format(date=date, version=__version__)
