"""Batch rendering (kirc.report / ``kirc render``).

Kernel runs are slow (10–30 s for the real report), so the real annual report notebook is rendered
once, for 2025 and all sectors, in a module fixture, and many properties are checked on that
one render. Pipeline behaviour (failures, CLI exit codes, idempotency) uses a small notebook
written into tmp_path, which runs in a few seconds.
"""

from __future__ import annotations

import base64
import html
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

import kirc
from kirc import report
from kirc.report.formatting import format_number, format_percent
from kirc.report.texts import LABELS
from kirc.errors import InputFileError, ParameterError

from conftest import ROOT
from test_surveys import GOOD_ROWS, mini_survey

#: kernels, browsers, Spark or a batch: outside the inner loop (pytest -m "not slow")
pytestmark = [pytest.mark.slow,
              pytest.mark.usefixtures("keep_prepared_years")]

NOTEBOOK = ROOT / "notebooks" / "annual_report.ipynb"
PARAMETERS = ('year = 2025\nsurvey = "klantcontact"\norg_survey = "sectorscan"\n'
              'segment = "all"\nlanguage = "nl"\noutput_dir = "."')


# --------------------------------------------------------------------------------------------
# helpers


def small_notebook(path: Path, extra_cells=(), parameters: str = PARAMETERS) -> Path:
    """A notebook that follows the notebook contract in a few seconds of kernel time."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    cell = nbformat.v4.new_code_cell(parameters)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Testrapport"),
        cell,
        nbformat.v4.new_code_cell("import json, pathlib\n"
                                  "from IPython.display import Markdown, display\n"
                                  "display(Markdown(f'Segment: **{segment}**, jaar {year}'))"),
        *[nbformat.v4.new_code_cell(source) for source in extra_cells],
        nbformat.v4.new_code_cell(
            "rows = [{'metric': 'nps', 'label': 'NPS', 'unit': 'points', 'estimate': 12.0,\n"
            "         'ci_low': 8.0, 'ci_high': 16.0, 'n': 1234, 'change': None,\n"
            "         'significant': None, 'suppressed': False}]\n"
            "pathlib.Path(output_dir).mkdir(parents=True, exist_ok=True)\n"
            "pathlib.Path(output_dir, 'headline.json').write_text(json.dumps(\n"
            "    {'year': year, 'segment': segment, 'title': 'Testmonitor', 'rows': rows}))"),
    ]
    nbformat.write(nb, path)
    return path


class _Tables(HTMLParser):
    """Text of every table row: [[cell, ...], ...]."""

    def __init__(self):
        super().__init__()
        self.rows, self._row, self._cell = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None


def table_rows(page: str) -> list[list[str]]:
    parser = _Tables()
    parser.feed(page)
    return parser.rows


def without_generated_line(page: str) -> str:
    lines = page.splitlines()
    kept = [line for line in lines if 'class="kirc-generated"' not in line]
    assert len(lines) - len(kept) == 1, "exactly one generation-date line expected"
    return "\n".join(kept)


def fetched_references(page: str) -> list[str]:
    """src/srcset/link-href values and CSS url() targets, found independently of kirc."""
    refs = re.findall(r'\bsrc(?:set)?\s*=\s*["\']([^"\']*)', page, flags=re.I)
    refs += re.findall(r'<link\b[^>]*\bhref\s*=\s*["\']([^"\']*)', page, flags=re.I)
    css = re.sub(r"/\*.*?\*/", "", page, flags=re.S)
    refs += re.findall(r"url\(\s*['\"]?([^'\")]+)", css)
    refs += re.findall(r"@import\s+['\"]([^'\"]+)", css)
    return refs


@pytest.fixture
def no_kernels(monkeypatch):
    """Fail the test if anything would start executing a notebook."""
    import papermill

    def forbidden(*args, **kwargs):
        raise AssertionError("a notebook execution started before validation finished")

    monkeypatch.setattr(papermill, "execute_notebook", forbidden)
    monkeypatch.setattr(report.run, "_run", forbidden)
    monkeypatch.setattr(report.run, "ProcessPoolExecutor", forbidden)


# --------------------------------------------------------------------------------------------
# the real annual report, rendered once


@pytest.fixture(scope="module")
def rendered(rendered_2025):
    output = rendered_2025["output"]
    page = (output / "2025" / "alle-sectoren.html").read_text(encoding="utf-8")
    index = (output / "index.html").read_text(encoding="utf-8")
    return {"result": rendered_2025["result"], "output": output, "html": page, "index": index}


def test_render_writes_report_deck_headline_and_index_and_no_notebook(rendered):
    output = rendered["output"]
    result = rendered["result"]
    assert result.reports[0] == output / "2025" / "alle-sectoren.html"
    assert len(result.reports) == 8 and output / "2025" / "telecom.html" in result.reports
    assert result.failures == []
    assert result.index == output / "index.html"
    # a deck beside every report (--pptx); the executed notebooks only on request
    assert all(page.with_suffix(".pptx").is_file() for page in result.reports)
    assert not list(output.rglob("*.ipynb"))
    figures = json.loads((output / "2025" / "alle-sectoren" / "headline.json").read_text())
    assert figures["year"] == 2025 and figures["segment"] == "all"
    assert {"nps", "csat", "chatbot_success", "fcr", "avg_ready"} <= {
        row["metric"] for row in figures["rows"]}


def test_report_shows_no_code(rendered):
    page = rendered["html"]
    classes = {name for value in re.findall(r'\bclass="([^"]*)"', page) for name in value.split()}
    # code editors, pygments-highlighted source, In/Out prompts (the CSS names them all; no
    # element may use them)
    assert not classes & {"jp-InputArea-editor", "highlight", "jp-InputPrompt",
                          "jp-OutputPrompt", "input_area", "jp-CodeMirrorEditor"}
    assert "jp-RenderedHTMLCommon" in classes and "kirc-table" in classes
    for code in ("import kirc", "from kirc import", "annual.headline(", "plt.show()",
                 "output_dir =", "content.prepare(", "sections."):
        assert code not in page


def test_headline_figures_match_an_independent_computation(rendered):
    # Computed here from the harmonised frames with the metric functions, as
    # kirc.report.content.headline does: consumer figures weighted, organisation figures with the
    # finite population correction of the definition.
    consumers = kirc.load_survey("klantcontact", years=[2025])
    organisations = kirc.load_survey("sectorscan", years=[2025])
    label = LABELS["nl"]
    expected = {
        "nps": (kirc.nps(consumers, "nps", weights="weight"), "points"),
        "csat": (kirc.csat(consumers, "csat", weights="weight"), "percent"),
        "chatbot_success": (kirc.chatbot_success(consumers), "percent"),
        "fcr": (kirc.first_contact_resolution(consumers), "percent"),
        "avg_ready": (kirc.avg_readiness(organisations), "percent"),
    }

    def shown(value, unit):
        return (format_number(value, 1, "nl", sign=True) if unit == "points"
                else format_percent(value, 1, "nl"))

    headline_table = rendered["html"][:rendered["html"].index("</table>")]
    rows = {row[0]: row for row in table_rows(headline_table) if row}
    figures = {row["metric"]: row for row in json.loads(
        (rendered["output"] / "2025" / "alle-sectoren" / "headline.json").read_text())["rows"]}
    index = rendered["index"]
    whole = index[index.index('id="segment-all"'):]
    whole = whole[:whole.index("</tbody>")]
    index_rows = {row[0]: row for row in table_rows(whole) if row}
    assert "alle sectoren" in index_rows and "2025" in index_rows
    for key, (table, unit) in expected.items():
        first = table.iloc[0]
        value, low, high = (shown(first[c], unit) for c in ("estimate", "ci_low", "ci_high"))
        n = f"{int(first['n']):,}".replace(",", ".")
        assert label[key] in rows, f"{label[key]!r} missing from the report's headline table"
        assert rows[label[key]][1:4] == [value, f"{low} – {high}", n], key
        stored = figures[key]
        assert stored["estimate"] == pytest.approx(first["estimate"], abs=1e-5)
        assert stored["ci_low"] == pytest.approx(first["ci_low"], abs=1e-5)
        assert stored["n"] == first["n"]
        # the index shows the same figures
        assert value in " ".join(index_rows["2025"]), key


def test_report_embeds_its_figures_as_svg_data_with_alt_text(rendered):
    # Vector charts (sharp in print and slides), each with alt text in the report's language.
    page = rendered["html"]
    assert "No description has been provided" not in page
    images = re.findall(r'<img\b[^>]*>', page)
    charts = [tag for tag in images if 'src="data:image/svg+xml;base64,' in tag]
    assert len(charts) >= 3 and len(charts) == len(images)
    for tag in charts:
        alt = html.unescape(re.search(r'\balt="([^"]*)"', tag).group(1))
        assert len(alt) > 40 and ("diagram" in alt.lower() or "staven" in alt), alt
        data = re.search(r'base64,([^"]+)"', tag).group(1)
        svg = base64.b64decode(data, validate=True).decode("utf-8")
        assert "<svg" in svg and 'viewBox="' in svg
        assert "<dc:date>" not in svg      # no creation time that would differ per render


def test_report_and_index_load_nothing_from_elsewhere(rendered):
    for page in (rendered["html"], rendered["index"]):
        assert "<script" not in page.lower()
        for reference in fetched_references(page):
            assert reference.startswith("data:"), reference
        assert report.external_resources(page) == []


def test_index_links_resolve(rendered):
    links = re.findall(r'<a href="([^"]+)"', rendered["index"])
    files = [link for link in links if not link.startswith("#")]
    assert files[:2] == ["2025/alle-sectoren.html", "2025/alle-sectoren/figures.xlsx"]
    assert files[-2:] == ["figures.xlsx", "figures.csv"] and len(files) == 2 * 8 + 2
    for link in files:
        assert (rendered["output"] / link).is_file()
    # the sector menu: one link per segment, each to its rows
    menu = [link for link in links if link.startswith("#")]
    assert len(menu) == 8 and all(f'id="{link[1:]}"' in rendered["index"] for link in menu)
    back = re.findall(r'<a href="([^"]+)"', rendered["html"])
    assert "../index.html" in back
    assert (rendered["output"] / "2025" / "../index.html").resolve().is_file()


def test_rendering_the_real_report_again_gives_the_same_bytes(rendered, tmp_path):
    # Same inputs: only the generation-date line may differ. The fixture rendered 2025 in a
    # batch of eight reports on two workers; here it follows 2024 in the same kernel (one
    # worker reuses its kernel), from the batch's cache of prepared years, with the executed
    # notebooks kept (--keep-notebooks) and stripped of their timing noise.
    # (A copy of the fixture's folder: other test files read that one.)
    output = tmp_path / "reports"
    shutil.copytree(rendered["output"], output)
    again = report.render(years=[2024, 2025], output=output, jobs=1, progress=False,
                          keep_notebooks=True)
    assert again.ok, again.summary()
    page = (output / "2025" / "alle-sectoren.html").read_text(encoding="utf-8")
    assert without_generated_line(page) == without_generated_line(rendered["html"])
    nb = nbformat.read(output / "2025" / "alle-sectoren.ipynb", as_version=4)
    assert "start_time" not in nb.metadata["papermill"]
    for cell in nb.cells:
        assert "execution" not in cell.metadata
        assert "start_time" not in cell.metadata.get("papermill", {})
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected[0]["id"] == "injected-parameters"
    assert f"output_dir = \"{output / '2025' / 'alle-sectoren'}\"" in injected[0].source
    index = (output / "index.html").read_text(encoding="utf-8")
    row = re.compile(r'<tr><th scope="row">2025</th>.*?</tr>', re.S)
    assert row.findall(index) == row.findall(rendered["index"]) != []


# --------------------------------------------------------------------------------------------
# validation: errors before any kernel starts


def test_unknown_year_fails_before_any_kernel(no_kernels, tmp_path):
    with pytest.raises(ParameterError, match=r"year 2016 .*available years: 2017–2025"):
        report.render(years=[2016, 2025], output=tmp_path, progress=False)
    assert not (tmp_path / "index.html").exists()


def test_unknown_segment_lists_the_sectors(no_kernels, tmp_path):
    with pytest.raises(ParameterError, match=r"unknown segment 'bakkerij'.*'telecom'.*"
                                             r"'financiële dienstverlening'"):
        report.render(years=[2025], segments=["all", "bakkerij"], output=tmp_path)


def test_unknown_parameter_is_named(no_kernels, tmp_path):
    # a notebook without `org_survey` among its parameters: render would pass one it ignores
    notebook = small_notebook(tmp_path / "old.ipynb",
                              parameters=PARAMETERS.replace('org_survey = "sectorscan"\n', ""))
    with pytest.raises(ParameterError, match=r"unknown parameter 'org_survey'.*'year'"):
        report.render(years=[2025], notebook=notebook, output=tmp_path / "out")
    with pytest.raises(ParameterError, match=r"unknown parameters 'colour', 'size'"):
        report.validate_parameters(notebook, {"year": 2024, "colour": "red", "size": 3})
    declared = report.validate_parameters(notebook, {"year": 2024})
    assert list(declared) == ["year", "survey", "segment", "language", "output_dir"]


@pytest.mark.parametrize("arguments, error, pattern", [
    ({"language": "de"}, ParameterError, "language must be 'nl' or 'en'"),
    ({"jobs": 0}, ParameterError, "jobs must be a whole number of at least 1"),
    ({"years": ["twintig"]}, ParameterError, "'twintig' is not a year"),
    ({"years": [2024], "org_survey": "bestaat-niet"}, ParameterError, "bestaat-niet"),
    ({"notebook": "geen/rapport.ipynb"}, InputFileError, "notebook not found"),
])
def test_invalid_arguments_fail_before_any_kernel(no_kernels, tmp_path, arguments, error,
                                                  pattern):
    call = {"years": [2025], "output": tmp_path, **arguments}
    with pytest.raises(error, match=pattern):
        report.render(**call)


def test_segment_accepts_case_and_slug(no_kernels, tmp_path):
    sectors = report._sector_labels(kirc.survey_definition("klantcontact"))
    assert report.resolve_segment("FINANCIËLE DIENSTVERLENING", sectors) == \
        "financiële dienstverlening"
    assert report.resolve_segment("financiele-dienstverlening", sectors) == \
        "financiële dienstverlening"
    plan, workers, _ = report._plan([2024, 2025, 2024], ["Telecom", "financiele-dienstverlening"],
                                    "klantcontact", "sectorscan", "nl", 2, tmp_path, NOTEBOOK
                                    if NOTEBOOK.is_file() else small_notebook(
                                        tmp_path / "nb.ipynb"), "gegenereerd")
    assert workers == 2
    assert [(job.year, job.parameters["segment"], job.slug) for job in plan] == [
        (2024, "telecom", "telecom"),
        (2024, "financiële dienstverlening", "financiele-dienstverlening"),
        (2025, "telecom", "telecom"),
        (2025, "financiële dienstverlening", "financiele-dienstverlening")]
    assert all(Path(job.parameters["output_dir"]).is_absolute() for job in plan)
    # "elk"/"each": the whole survey and every segment, without naming them
    plan, _, _ = report._plan([2025], ["elk", "telecom"], "klantcontact", "", "nl", 2,
                              tmp_path, small_notebook(tmp_path / "nb2.ipynb"), "gegenereerd")
    assert [job.segment for job in plan] == ["all", *sectors]
    with pytest.raises(ParameterError, match="declares no segments"):
        report._plan([2024], ["each"], str(mini_survey(tmp_path, GOOD_ROWS)), "", "nl", 1,
                     tmp_path, small_notebook(tmp_path / "nb3.ipynb"), "gegenereerd")


# --------------------------------------------------------------------------------------------
# the pipeline, with a small notebook


def test_failing_report_is_named_and_does_not_stop_the_others(tmp_path, capsys):
    notebook = small_notebook(tmp_path / "nb.ipynb", extra_cells=[
        "# data check\nif year == 2018:\n    raise ValueError('geen data voor 2018')"])
    output = tmp_path / "out"
    # a previous successful render of 2018 must not survive in the index
    (output / "2018" / "alle-sectoren").mkdir(parents=True)
    (output / "2018" / "alle-sectoren.html").write_text("old")
    (output / "2018" / "alle-sectoren" / "headline.json").write_text(
        '{"year": 2018, "segment": "all", "rows": []}')

    result = report.render(years=[2018, 2019], notebook=notebook, output=output, jobs=2,
                           progress=False)

    assert not result.ok
    assert result.reports == [output / "2019" / "alle-sectoren.html"]
    assert result.reports[0].is_file()
    [failure] = result.failures
    assert (failure.year, failure.segment) == (2018, "all")
    assert failure.error == "ValueError: geen data voor 2018"
    assert failure.source == "if year == 2018:"
    # the cell number is the one the executed notebook shows next to the traceback
    executed = nbformat.read(output / "2018" / "alle-sectoren.ipynb", as_version=4)
    [error_cell] = [c for c in executed.cells if c.cell_type == "code" and any(
        o.output_type == "error" for o in c.outputs)]
    assert failure.cell == error_cell.execution_count
    assert "raise ValueError" in error_cell.source
    assert failure.notebook == output / "2018" / "alle-sectoren.ipynb"

    assert not (output / "2018" / "alle-sectoren.html").exists()
    index = (output / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'<a href="([^"]+)"', index) == ["2019/alle-sectoren.html"]
    summary = capsys.readouterr().err
    assert "1 of 2 reports rendered" in summary
    assert re.search(rf"2018\s+all\s+In \[{failure.cell}\] if year == 2018:\s+"
                     r"ValueError: geen data voor 2018", summary)


def test_render_is_idempotent_except_the_generation_date(tmp_path):
    # The notebook produces each known source of run-to-run noise: papermill's injected cell
    # (random cell id, timing metadata), a pandas Styler (random table ids), a matplotlib PNG,
    # and a set of strings (iteration order depends on the hash seed).
    notebook = small_notebook(tmp_path / "nb.ipynb", extra_cells=[
        "import pandas as pd\n"
        "pd.DataFrame({'sector': ['telecom', 'energie'], 'nps': [3.0, -4.5]})"
        ".style.format({'nps': '{:+.1f}'})",
        "import matplotlib.pyplot as plt\nplt.plot([2017, 2025], [1, 3]); plt.show()",
        "print(list({'telecom', 'energie', 'retail', 'overheid', 'e-commerce', 'zorg',"
        " 'financiën', 'outsourcing'}))",
    ])
    output = tmp_path / "out"
    pages, notebooks, indexes = [], [], []
    for _ in range(2):
        result = report.render(years=[2025], segments=["financiele-dienstverlening"],
                               notebook=notebook, output=output, jobs=1, progress=False,
                               keep_notebooks=True)
        assert result.ok, result.summary()
        pages.append((output / "2025" / "financiele-dienstverlening.html").read_text())
        notebooks.append((output / "2025" / "financiele-dienstverlening.ipynb").read_bytes())
        indexes.append((output / "index.html").read_text())
    assert without_generated_line(pages[0]) == without_generated_line(pages[1])
    assert without_generated_line(indexes[0]) == without_generated_line(indexes[1])
    assert notebooks[0] == notebooks[1]
    # the notebook got the sector's label, not the slug, and the noise sources were there
    assert "Segment: <strong>financiële dienstverlening</strong>" in pages[0]
    assert 'id="T_kirc1"' in pages[0] and "data:image/png;base64," in pages[0]
    assert 'lang="nl"' in pages[0]


def test_cli_exit_codes(tmp_path, monkeypatch, capsys):
    from kirc.cli import main

    notebook = small_notebook(tmp_path / "nb.ipynb", extra_cells=[
        "if segment == 'telecom':\n    raise RuntimeError('kapot')"])
    monkeypatch.setattr(report.run, "DEFAULT_NOTEBOOK", notebook)
    output = str(tmp_path / "out")

    assert main(["render", "--years", "2025", "--segment", "all", "--segment", "telecom",
                 "--jobs", "2", "--output", output, "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "1 of 2 reports rendered" in err and "RuntimeError: kapot" in err

    assert main(["render", "--years", "2024", "--output", output, "--no-progress"]) == 0
    assert "1 of 1 reports rendered" in capsys.readouterr().err
    index = (tmp_path / "out" / "index.html").read_text()
    # earlier renders stay listed: 2025 (all) from the first call, 2024 from the second
    assert re.findall(r'<a href="([^"]+)"', index) == ["2025/alle-sectoren.html",
                                                        "2024/alle-sectoren.html"]

    assert main(["render", "--years", "2016-2017", "--output", output]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kirc render: ") and "2016" in err and len(err.splitlines()) == 1


def test_english_slug_and_summary_table():
    assert report.report_slug("all", "en") == "all-sectors"
    result = report.RenderResult(ok=False, reports=[Path("r/2025/x.html")], failures=[
        report.Failure(2024, "telecom", 7, "KeyError: 'nps'", "table = annual.headline(x)")],
        index=Path("r/index.html"), output=Path("r"))
    lines = result.summary().splitlines()
    assert lines[0].startswith("kirc render: 1 of 2 reports rendered into r")
    assert lines[-1].split() == ["2024", "telecom", "In", "[7]", "table", "=",
                                 "annual.headline(x)", "KeyError:", "'nps'"]


def test_a_reused_kernel_starts_every_report_afresh(tmp_path):
    # One worker renders three reports in one kernel: each must see a fresh namespace, cells
    # numbered from 1, its own warnings and matplotlib's start-up settings.
    notebook = small_notebook(tmp_path / "nb.ipynb", extra_cells=[
        "import os, pathlib\n"
        "assert 'leftover' not in dir(), 'a variable of the previous report'\n"
        "leftover = year\n"
        "pathlib.Path(output_dir).mkdir(parents=True, exist_ok=True)\n"
        "pathlib.Path(output_dir, 'pid').write_text(str(os.getpid()))",
        "import warnings\nwarnings.warn('dezelfde waarschuwing in elk rapport')",
        "import matplotlib\nassert matplotlib.rcParams['lines.linewidth'] != 7\n"
        "matplotlib.rcParams['lines.linewidth'] = 7"])
    pids = {}
    for fresh in (False, True):
        output = tmp_path / f"out-{fresh}"
        result = report.render(years=[2017, 2018, 2019], notebook=notebook, output=output,
                               jobs=1, progress=False, fresh_kernels=fresh, keep_notebooks=True)
        assert result.ok, result.summary()
        assert len(result.warnings) == 3            # the warning in every report's stderr
        pids[fresh] = {(output / str(y) / "alle-sectoren" / "pid").read_text()
                       for y in (2017, 2018, 2019)}
        for year in (2017, 2018, 2019):
            executed = nbformat.read(output / str(year) / "alle-sectoren.ipynb", as_version=4)
            counts = [c.execution_count for c in executed.cells if c.cell_type == "code"]
            assert counts == list(range(1, len(counts) + 1))
    assert len(pids[False]) == 1 and len(pids[True]) == 3


def test_a_kernel_that_dies_fails_its_report_and_the_next_report_gets_a_new_one(tmp_path):
    notebook = small_notebook(tmp_path / "nb.ipynb", extra_cells=[
        "import os\nif year == 2018:\n    os._exit(3)   # the kernel dies, as on a crash"])
    output = tmp_path / "out"
    result = report.render(years=[2018, 2019], notebook=notebook, output=output, jobs=1,
                           progress=False)
    [failure] = result.failures
    assert (failure.year, failure.cell) == (2018, None)
    assert "Dead" in failure.error or "died" in failure.error.lower(), failure.error
    assert result.reports == [output / "2019" / "alle-sectoren.html"]


def test_a_script_without_a_main_guard_gets_the_reason_not_a_pool_traceback(tmp_path):
    """Spawned workers import the calling script again; without ``if __name__ ==
    "__main__":`` they cannot start. The batch then says so per report."""
    import os
    import subprocess
    import sys
    script = tmp_path / "script.py"
    script.write_text("import kirc.report\n"
                      f"kirc.report.render(years=[2025], segments=['telecom'], "
                      f"output={str(tmp_path / 'out')!r}, progress=False)\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get(
        "PYTHONPATH", "")])}
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         cwd=tmp_path, env=env, timeout=300)
    assert "1 report(s) failed" in run.stderr
    assert 'needs `if __name__ == "__main__":`' in run.stderr
    assert "concurrent.futures.process.BrokenProcessPool" not in run.stderr
