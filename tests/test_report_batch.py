"""The kirc command around a batch: Ctrl-C on a real render, one-line errors, --version,
--help, and --pdf."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

#: kernels, browsers, Spark or a batch: outside the inner loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def kirc(*args, **kwargs):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])}
    return subprocess.run([sys.executable, "-m", "kirc.cli", *args], capture_output=True,
                          text=True, env=env, timeout=120, **kwargs)


@pytest.mark.skipif(sys.platform == "win32", reason="process groups and SIGINT are POSIX")
def test_ctrl_c_stops_a_real_batch_within_seconds(tmp_path):
    psutil = pytest.importorskip("psutil")
    output = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])}
    # SIGINT at its default disposition, delivered to the whole process group, as a terminal
    # does on Ctrl-C.
    process = subprocess.Popen(
        [sys.executable, "-m", "kirc.cli", "render", "--years", "2023-2025", "--jobs", "2",
         "--output", str(output), "--no-progress"], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=env, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 120
        kernels = []
        while time.monotonic() < deadline and not kernels:
            time.sleep(0.5)
            assert process.poll() is None, process.communicate()
            children = psutil.Process(process.pid).children(recursive=True)
            kernels = [c for c in children if "ipykernel" in " ".join(_cmdline(c))]
        assert kernels, "no kernel started within two minutes"
        time.sleep(1.0)
        everything = psutil.Process(process.pid).children(recursive=True)
        started = time.monotonic()
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=30)
        seconds = time.monotonic() - started
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 130, err
    assert seconds < 15, seconds
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "interrupted" in lines[0] and "Traceback" not in err, err
    psutil.wait_procs(everything, timeout=5)
    alive = [p.pid for p in everything if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert alive == [], "worker or kernel processes survived Ctrl-C"
    # the index of what finished (nothing, here), and no half-run notebooks or folders
    assert (output / "index.html").is_file()
    left = sorted(str(p.relative_to(output)) for p in output.rglob("*"))
    assert all(not p.endswith((".ipynb", ".html")) or p == "index.html" for p in left), left
    finished = {p.parent.name + "/" + p.stem for p in output.glob("*/*.html")}
    for folder in output.glob("*/*/"):
        assert f"{folder.parent.name}/{folder.name}" in finished, folder


def _cmdline(process) -> list[str]:
    try:
        return process.cmdline()
    except Exception:
        return []


@pytest.mark.parametrize("args, words", [
    (["render", "--years", "2025", "--output", "/proc/x", "--no-progress"], "cannot write"),
    (["render", "--years", "2030", "--output", "{tmp}"], "2030"),
    (["render", "--years", "twenty"], "not a year"),
    (["render"], "--years"),
    (["render", "--years", "2025", "--survey", "missing.toml"], "does not exist"),
    (["render", "--years", "2025", "--segment", "bakkerij", "--output", "{tmp}"], "bakkerij"),
    (["frobnicate"], "invalid choice"),
])
def test_every_cli_error_is_one_line_with_status_2(args, words, tmp_path):
    done = kirc(*[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert done.returncode == 2, done
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], done.stderr
    assert "Traceback" not in done.stderr


def test_version_and_help_with_examples():
    from kirc import __version__
    done = kirc("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"kirc {__version__}"
    done = kirc("--help")
    assert done.returncode == 0 and "examples:" in done.stdout
    assert "``" not in done.stdout and "kirc render --years 2017-2025" in done.stdout
    done = kirc("render", "--help")
    assert "--pdf" in done.stdout and "--org-survey" in done.stdout and "examples:" in done.stdout


def test_pdf_needs_chromium_and_says_what_to_install(monkeypatch, tmp_path):
    from kirc import ParameterError
    from kirc.report import run
    monkeypatch.setattr(run, "find_chromium", lambda: None)
    with pytest.raises(ParameterError, match="install the 'chromium' package"):
        run._plan([2025], ["all"], "klantcontact", None, "nl", 1, tmp_path, None, "",
                  pdf=True)


def test_pdf_beside_the_html_is_a4(rendered_2025, tmp_path):
    from kirc.report import run
    chromium = run.find_chromium()
    if chromium is None:
        pytest.skip("Chromium is not installed")
    page = tmp_path / "alle-sectoren.html"
    page.write_bytes((rendered_2025["output"] / "2025" / "alle-sectoren.html").read_bytes())
    pdf = run.write_pdf(page, chromium)
    data = pdf.read_bytes()
    assert pdf == tmp_path / "alle-sectoren.pdf" and data.startswith(b"%PDF")
    # A4 is 595 x 842 points; several pages (headings kept with their content by print CSS)
    boxes = set(re.findall(rb"/MediaBox\s*\[([^\]]*)\]", data))
    assert boxes and all([round(float(v)) for v in box.split()] == [0, 0, 595, 842]
                         for box in boxes), boxes
    assert len(re.findall(rb"/Type\s*/Page[^s]", data)) >= 3


@pytest.mark.slow
def test_one_figure_has_one_interval_in_a_sector_report_and_the_all_sectors_report(
        rendered_2025):
    # Issue 21: telecom's AVG readiness of 2025 was [34.5, 93.3] in 2025/telecom.html and
    # [50.9, 84.9] in the all-sectors report's sector breakdown (119 rows of the 72-report batch
    # disagreed so), and a report's headline and trend rows differed by 0.1 point. Segments are
    # domains of the survey now: every figure shown in several places has one interval.
    import pandas as pd


    output = rendered_2025["output"]
    whole = pd.read_csv(output / "2025" / "alle-sectoren" / "figures.csv")
    sector = pd.read_csv(output / "2025" / "telecom" / "figures.csv")
    columns = ["estimate", "ci_low", "ci_high", "n"]
    compared = 0
    for figures in (whole, sector):
        shown = figures[~figures["suppressed"].astype(bool)]
        headline = shown[shown["section"] == "headline"].set_index("metric")
        trend = shown[(shown["section"] == "trend") & (shown["year"] == 2025)]
        for _, row in trend.iterrows():
            pd.testing.assert_series_equal(headline.loc[row["metric"], columns], row[columns],
                                           check_names=False, check_dtype=False)
            compared += 1
    shown = whole[~whole["suppressed"].astype(bool)]
    breakdown = shown[(shown["section"] == "breakdown") & (shown["breakdown"] == "sector")
                      & (shown["group"] == "telecom")].set_index("metric")
    headline = sector[(sector["section"] == "headline")
                      & ~sector["suppressed"].astype(bool)].set_index("metric")
    for metric in breakdown.index.intersection(headline.index):
        pd.testing.assert_series_equal(headline.loc[metric, columns],
                                       breakdown.loc[metric, columns], check_names=False,
                                       check_dtype=False)
        compared += 1
    assert "avg_ready" in breakdown.index.intersection(headline.index)
    assert compared >= 20


@pytest.mark.parametrize("args, words", [
    (["render", "--years", "2025", "--segment", "telcom", "--output", "{tmp}"],
     "did you mean 'telecom'?"),
    (["render", "--years", "2052", "--output", "{tmp}"], "2052 (did you mean 2025?)"),
    (["render", "--years", "2016-2025", "--output", "{tmp}"], "2016 (did you mean 2017?)"),
])
def test_unknown_segments_and_years_name_the_closest(args, words, tmp_path):
    done = kirc(*[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert done.returncode == 2, done
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], done.stderr


@pytest.mark.parametrize("command", ["render", "inspect", "init", "tabs"])
def test_every_subcommand_has_a_description_and_examples(command):
    done = kirc(command, "--help")
    assert done.returncode == 0
    usage, _, rest = done.stdout.partition("\n\n")
    description = rest.split("\n\n")[0]
    assert len(description.split()) >= 8 and not description.startswith(("positional",
                                                                         "options"))
    assert "examples:" in done.stdout and f"kirc {command} " in done.stdout.split(
        "examples:")[1]


def test_tabs_writes_into_reports_by_default_with_the_organisations(tmp_path):
    import openpyxl
    done = kirc("tabs", "--years", "2025", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    path = tmp_path / "reports" / "klantcontact-tabellen-2025.xlsx"
    assert path.is_file() and done.stdout.strip() == f"kirc tabs: {Path('reports') / path.name}"
    book = openpyxl.load_workbook(path)
    assert "Klaar voor de AVG" in book.sheetnames             # the organisation survey
    notes = [c.value for c in book["Toelichting"]["A"] if c.value]
    assert any("2.446 respondenten" in str(v) for v in notes)   # a count as Dutch writes it
    assert any("126 organisaties" in str(v) for v in notes)


def test_one_progress_line_and_notebooks_only_on_request(tmp_path):
    # The workers and kernels run without progress bars of their own (TQDM_DISABLE), so
    # the batch's bar is the only one; no executed notebook is left unless asked for.
    from kirc.report import run
    plan, _, _ = run._plan([2025], ["telecom"], "klantcontact", None, "nl", 1, tmp_path,
                           None, "")
    assert not plan[0].keep_notebook and "pptx" not in plan[0].parameters
    plan, _, _ = run._plan([2025], ["telecom"], "klantcontact", None, "nl", 1, tmp_path,
                           None, "", pptx=True, keep_notebooks=True)
    assert plan[0].keep_notebook and plan[0].parameters["pptx"].endswith("2025/telecom.pptx")
    done = subprocess.run([sys.executable, "-c", "import os; from kirc.report import run; "
                           "run._init_worker('.'); print(os.environ['TQDM_DISABLE'])"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.stdout.strip() == "1", done.stderr
