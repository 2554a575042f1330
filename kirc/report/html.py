"""HTML: a notebook exported to one self-contained page, the check for external resources,
and the index page of every report in an output folder."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

from ..errors import ParameterError
from .formatting import format_count as _count, format_value
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
footer.kirc-footer { max-width: 1100px; margin: 0 auto 2em; padding: 0 1.5em;
  color: #666; font-size: 0.85em; font-family: var(--jp-ui-font-family, sans-serif); }
footer.kirc-footer a { color: #1f5f99; text-decoration: underline; }
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
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", template_file="kirc_report.html.j2",
                            extra_loaders=[DictLoader({"kirc_report.html.j2": _TEMPLATE})],
                            exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, embed_images=True,
                            language_code=language)
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


def _index_cell(row: dict | None, language: str) -> str:
    if row is None:
        return '<td class="none">–</td>'
    text = _TEXT[language]
    if row.get("suppressed"):
        return (f'<td class="suppressed">– <small>({text["suppressed"]}, '
                f'n = {_count(row.get("n"), language)})</small></td>')
    unit = _unit(row)
    value = _figure(row.get("estimate"), unit, language)
    interval = (f'{_figure(row.get("ci_low"), unit, language)} – '
                f'{_figure(row.get("ci_high"), unit, language)}')
    return (f'<td><span class="value">{html.escape(value)}</span>'
            f'<small class="interval">[{html.escape(interval)}]</small>'
            f'<small class="n">n = {_count(row.get("n"), language)}</small></td>')


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
        found.append({"year": int(year_dir.name), "slug": headline.parent.name,
                      "href": f"{year_dir.name}/{report.name}", "figures": figures})
    return found


def write_index(output, language: str = "nl", generated: str | None = None) -> Path:
    """Write ``<output>/index.html``: every report in the folder with its headline figures.

    Built from each ``<year>/<slug>/headline.json`` whose ``<year>/<slug>.html`` exists, so
    reports rendered by earlier runs stay listed. Links are relative: the folder can be moved or
    served as it is.

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
        from .run import generated_line
        generated = generated_line(language)
    reports = _collect_reports(output)
    title = next((r["figures"].get("title") for r in reports if r["figures"].get("title")),
                 "kirc")
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{language}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)} – {text['index_title']}</title>",
        "<style>",
        "body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; "
        "margin: 0 auto; max-width: 1200px; padding: 1em 2em; color: #222; }",
        "table { border-collapse: collapse; width: 100%; margin-bottom: 2em; }",
        "th, td { text-align: left; padding: 0.45em 0.6em; border-bottom: 1px solid #ddd; "
        "vertical-align: top; }",
        "th { background: #f3f5f7; font-weight: 600; }",
        "td small { display: block; color: #666; font-size: 0.8em; }",
        "td .value { font-weight: 600; font-variant-numeric: tabular-nums; }",
        "td.suppressed, td.none { color: #888; }",
        "p.kirc-generated { color: #666; font-size: 0.85em; }",
        "</style>",
        "</head>",
        "<body>",
        f"<h1>{html.escape(title)} – {text['index_title']}</h1>",
    ]
    if not reports:
        parts.append(f"<p>{text['no_reports']}</p>")
    else:
        parts.append(f"<p>{text['intro']}</p>")
    by_year: dict[int, list[dict]] = {}
    for report in reports:
        by_year.setdefault(report["year"], []).append(report)
    for year in sorted(by_year, reverse=True):
        rows = sorted(by_year[year], key=lambda r: (r["figures"].get("segment", r["slug"])
                                                    != "all", r["slug"]))
        parts.append(f'<h2 id="y{year}">{year}</h2>')
        parts.append('<table class="reports">')
        header = "".join(f"<th>{html.escape(text[key])}</th>" for key in INDEX_METRICS)
        parts.append(f"<thead><tr><th>{text['segment']}</th>{header}</tr></thead>")
        parts.append("<tbody>")
        for report in rows:
            figures = report["figures"]
            segment = figures.get("segment", report["slug"])
            name = text["all"] if segment == "all" else str(segment)
            by_metric = {row.get("metric"): row for row in figures.get("rows", [])
                         if isinstance(row, dict)}
            cells = "".join(_index_cell(by_metric.get(key), language) for key in INDEX_METRICS)
            parts.append(f'<tr><td><a href="{html.escape(report["href"])}">'
                         f"{html.escape(name)}</a></td>{cells}</tr>")
        parts.append("</tbody></table>")
    parts.append(f'<p class="kirc-generated">{html.escape(generated)}</p>')
    parts += ["</body>", "</html>", ""]
    output.mkdir(parents=True, exist_ok=True)
    index = output / "index.html"
    index.write_text("\n".join(parts), encoding="utf-8")
    return index
