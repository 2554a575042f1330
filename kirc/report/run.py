"""Batch rendering of the annual reports: ``kirc render`` and :func:`render`.

For every (year, segment) the annual report notebook (``notebooks/annual_report.ipynb``) is
executed with papermill and exported to one self-contained static HTML file; an ``index.html``
links all reports present in the output folder with their headline figures.

Output layout (``output="reports"``)::

    reports/
        index.html                       overview of every report in this folder
        2025/
            alle-sectoren.html           the report (nl; "all-sectors" with language="en")
            alle-sectoren.ipynb          the executed notebook, kept for debugging
            alle-sectoren/headline.json  the headline figures, written by the notebook
            telecom.html ...

Decisions
---------
- **Executed notebooks are kept** next to the HTML: when a report fails, its ``.ipynb`` shows the
  traceback in the failing cell; when it succeeds, an analyst can open it and see the code behind
  every figure. Timing metadata is stripped from it so that it is reproducible too.
- **The notebook writes into a folder of its own** (``output_dir`` = ``<year>/<slug>/``, an
  absolute path), so that whatever else a future notebook writes stays with its report.
- **The index is rebuilt from every** ``headline.json`` **under the output folder** whose HTML
  report exists, so rendering 2025 alone keeps the links to earlier renders. A report that fails
  loses its stale HTML and ``headline.json`` first, so the index never shows outdated figures
  for it. Render different languages into different output folders.
- **Self-contained HTML**: nbconvert's ``lab`` template without its ``<script>`` blocks
  (require.js, MathJax, mermaid and the widget manager all load from CDNs), code inputs and
  prompts hidden, matplotlib figures as inline PNG data URIs. Every report is checked with
  :func:`external_resources`; a report that would load anything from elsewhere fails. Without
  MathJax, LaTeX in Markdown cells is shown as typed.
- **Reproducible bytes**: the same inputs give the same HTML apart from the one line
  ``<p class="kirc-generated">`` (the generation date; ``SOURCE_DATE_EPOCH`` fixes it too).
  Normalised: papermill's timestamps and durations and the kernel's execution timestamps (in the
  ``.ipynb``), the random id of papermill's injected-parameters cell, pandas Styler table ids
  (``T_<random>``), object addresses in plain-text reprs, and random UUIDs in the HTML. The
  kernels run with ``PYTHONHASHSEED=0`` so that set and dict-of-set orders cannot vary.
- **Parallel reports run in separate processes** (a spawn pool): papermill's ``cwd=`` changes the
  working directory of the whole process, so threads would race. One failing report never
  stops the others. The kernels' own console chatter is captured per report and only shown
  when a report fails without a cell error (e.g. the kernel died).
- Output of code cells to stderr (warnings) is kept in the ``.ipynb`` but left out of the HTML;
  the summary names the reports that had any.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..errors import InputFileError, ParameterError
from .html import (_normalise_notebook, export_html, external_resources, write_index)
from .names import available_years as _available_years, report_slug, resolve_segment
from .names import sector_labels as _sector_labels
from .texts import BATCH_TEXT as _TEXT, LANGUAGES

__all__ = ["render", "RenderResult", "Failure", "validate_parameters", "report_slug",
           "resolve_segment", "external_resources", "write_index", "export_html",
           "DEFAULT_NOTEBOOK", "NOTEBOOK_PARAMETERS"]

PROJECT_ROOT = Path(__file__).resolve().parents[2]

#: The annual report notebook rendered by default.
DEFAULT_NOTEBOOK = PROJECT_ROOT / "notebooks" / "annual_report.ipynb"

#: The parameters :func:`render` passes to every notebook (its cell tagged ``parameters``).
NOTEBOOK_PARAMETERS = ("year", "survey", "org_survey", "segment", "language", "output_dir")


#: Headline metrics shown in the index, in this order (keys of ``headline.json`` rows).
INDEX_METRICS = ("nps", "csat", "chatbot_success", "fcr", "avg_ready")


# --------------------------------------------------------------------------------------------
# results


@dataclass(frozen=True)
class Failure:
    """One report that could not be rendered.

    ``cell`` is the execution count of the failing cell (``In [cell]`` in the executed notebook)
    or None when the failure is not a cell error (kernel died, export failed, ...); ``source``
    is the first line of that cell's code.
    """

    year: int
    segment: str
    cell: int | None
    error: str
    source: str = ""
    notebook: Path | None = None

    def describe(self) -> str:
        where = f"cell In [{self.cell}]: {self.source}" if self.cell is not None else "-"
        return f"{self.year} {self.segment}: {where}: {self.error}"


@dataclass
class RenderResult:
    """What :func:`render` did: ``ok`` is True when every report was rendered."""

    ok: bool
    reports: list[Path]
    failures: list[Failure]
    index: Path | None = None
    output: Path | None = None
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """A short plain-text summary with a table of the failures."""
        total = len(self.reports) + len(self.failures)
        lines = [f"kirc render: {len(self.reports)} of {total} reports rendered into "
                 f"{self.output} in {self.seconds:.0f} s; index: {self.index}"]
        for note in self.warnings:
            lines.append(f"  note: {note}")
        if self.failures:
            rows = [("year", "segment", "cell", "error")]
            for failure in self.failures:
                cell = (f"In [{failure.cell}] {_shorten(failure.source, 40)}"
                        if failure.cell is not None else "-")
                rows.append((str(failure.year), failure.segment, cell,
                             _shorten(failure.error, 160)))
            widths = [max(len(row[i]) for row in rows) for i in range(3)]
            lines.append(f"kirc render: {len(self.failures)} report(s) failed:")
            for row in rows:
                lines.append("  " + "  ".join(text.ljust(width) for text, width
                                              in zip(row[:3], widths)) + "  " + row[3])
            notebooks = [str(f.notebook) for f in self.failures if f.notebook is not None]
            if notebooks:
                lines.append("  the executed notebooks show the tracebacks: "
                             + ", ".join(notebooks))
        return "\n".join(lines)


def _shorten(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


# --------------------------------------------------------------------------------------------
# names and validation



def _notebook_path(notebook) -> Path:
    path = Path(DEFAULT_NOTEBOOK if notebook is None else notebook).expanduser().resolve()
    if not path.is_file():
        hint = "" if notebook is not None else (
            " (the default notebook is part of the source tree; pass notebook= to render "
            "another one)")
        raise InputFileError(f"notebook not found{hint}", file=path)
    return path


def validate_parameters(notebook, params: dict) -> dict:
    """Check parameter names against the notebook's cell tagged ``parameters``.

    Papermill would inject an unknown name without complaint (and the notebook would silently
    ignore it); here it is an error before any kernel starts.

    Parameters
    ----------
    notebook : str or path-like
        The notebook to execute.
    params : dict
        The parameters that would be passed.

    Returns
    -------
    dict
        The notebook's declared parameters as :func:`papermill.inspect_notebook` infers them
        (name -> {"name", "inferred_type_name", "default", "help"}).

    Raises
    ------
    InputFileError
        When the notebook is missing or cannot be read.
    ParameterError
        When the notebook has no parameters cell, or ``params`` names a parameter it does not
        declare (the message lists the declared ones).
    """
    import papermill

    path = Path(notebook)
    if not path.is_file():
        raise InputFileError("notebook not found", file=path)
    try:
        declared = papermill.inspect_notebook(str(path))
    except ValueError as exc:      # no kernelspec language to parse the parameters cell with
        raise ParameterError(f"cannot read the notebook's parameters: {exc}", file=path) from exc
    except Exception as exc:       # nbformat/JSON errors: the file is not a notebook
        raise InputFileError(f"not a readable notebook ({type(exc).__name__}: {exc})",
                             file=path) from exc
    if not declared:
        raise ParameterError("the notebook has no cell tagged 'parameters' (or it assigns "
                             "nothing)", file=path)
    unknown = [name for name in params if name not in declared]
    if unknown:
        raise ParameterError(
            f"unknown parameter{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(map(repr, unknown))}; the notebook declares "
            f"{', '.join(map(repr, declared))}", file=path)
    return declared


def _check_jobs(jobs) -> int:
    if jobs is None:
        return os.cpu_count() or 1
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ParameterError(f"jobs must be a whole number of at least 1, not {jobs!r}")
    return jobs




@dataclass(frozen=True)
class _Job:
    notebook: Path
    output: Path
    year: int
    segment: str
    slug: str
    parameters: dict
    title: str
    language: str
    generated: str
    project_root: Path

    @property
    def html(self) -> Path:
        return self.output / str(self.year) / f"{self.slug}.html"

    @property
    def ipynb(self) -> Path:
        return self.output / str(self.year) / f"{self.slug}.ipynb"

    @property
    def folder(self) -> Path:
        return self.output / str(self.year) / self.slug


def _plan(years, segments, survey, org_survey, language, jobs, output, notebook,
          generated) -> tuple[list[_Job], int, Path]:
    """Validate everything and list the reports; nothing runs yet."""
    from ..surveys import check_years, survey_definition

    if language not in LANGUAGES:
        raise ParameterError(f"language must be 'nl' or 'en', not {language!r}")
    workers = _check_jobs(jobs)
    notebook_path = _notebook_path(notebook)
    definition = survey_definition(survey)
    available = _available_years(definition)
    checked_years = check_years(years, available, repr(str(survey)))
    if org_survey is not None:
        # The report compares consumers with organisations of the same year.
        check_years(checked_years, _available_years(survey_definition(org_survey)),
                    repr(str(org_survey)))
    if isinstance(segments, str):
        segments = [segments]
    sectors = _sector_labels(definition)
    resolved: list[str] = []
    for segment in segments or ["all"]:
        label = resolve_segment(segment, sectors)
        if label not in resolved:
            resolved.append(label)
    output_path = Path(output).expanduser().resolve()
    if output_path.exists() and not output_path.is_dir():
        raise ParameterError("the output is a file, not a folder", file=output_path)

    title = str(definition.get("title") or survey)
    plan = []
    for year in checked_years:
        for segment in resolved:
            slug = report_slug(segment, language)
            folder = output_path / str(year) / slug
            parameters = {"year": year, "survey": str(survey),
                          "org_survey": None if org_survey is None else str(org_survey),
                          "segment": segment, "language": language,
                          "output_dir": str(folder)}
            plan.append(_Job(notebook_path, output_path, year, segment, slug, parameters,
                             title, language, generated, PROJECT_ROOT))
    validate_parameters(notebook_path, plan[0].parameters)
    return plan, workers, output_path


# --------------------------------------------------------------------------------------------
# one report (runs in a worker process)



def _render_one(job: _Job) -> dict:
    """Execute and export one report; never raises (a failure is returned)."""
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    year_dir = job.output / str(job.year)
    year_dir.mkdir(parents=True, exist_ok=True)
    headline = job.folder / "headline.json"
    # A failure must not leave the previous run's report and figures behind for the index.
    for stale in (job.html, headline):
        stale.unlink(missing_ok=True)
    job.folder.mkdir(parents=True, exist_ok=True)

    def failed(cell, error, source=""):
        return {"ok": False, "failure": Failure(job.year, job.segment, cell, error, source,
                                                job.ipynb if job.ipynb.exists() else None)}

    for attempt in (1, 2):
        captured = None
        try:
            with _captured_console() as captured:
                papermill.execute_notebook(
                    str(job.notebook), str(job.ipynb), parameters=job.parameters,
                    kernel_name="python3", language="python", cwd=str(job.notebook.parent),
                    progress_bar=False, log_output=False)
            break
        except PapermillExecutionError as exc:
            _normalise_saved(job.ipynb)
            source = next((line for line in (exc.source or "").splitlines()
                           if line.strip() and not line.lstrip().startswith("#")), "")
            return failed(exc.exec_count, f"{exc.ename}: {exc.evalue}", source.strip())
        except Exception as exc:   # kernel start-up or death: retry once, then report
            console = captured.text if captured else ""
            if attempt == 2:
                detail = f"{type(exc).__name__}: {exc}"
                tail = " | ".join(console.strip().splitlines()[-3:])
                return failed(None, detail + (f" (kernel output: {tail})" if tail else ""))
    try:
        nb = nbformat.read(job.ipynb, as_version=4)
        stderr_outputs = _normalise_notebook(nb)
        nbformat.write(nb, job.ipynb)
        if not headline.is_file():
            return failed(None, f"the notebook did not write {headline}")
        try:
            figures = json.loads(headline.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            return failed(None, f"{headline} is not valid JSON: {exc}")
        segment_name = _TEXT[job.language]["all"] if job.segment == "all" else job.segment
        title = f"{figures.get('title') or job.title} {job.year} – {segment_name}"
        page = export_html(nb, title, job.language, job.generated)
        outside = external_resources(page)
        if outside:
            return failed(None, "the HTML would load external resources: "
                          + ", ".join(outside[:5]))
        job.html.write_text(page, encoding="utf-8")
    except Exception as exc:
        return failed(None, f"export failed: {type(exc).__name__}: {exc}")
    return {"ok": True, "html": job.html, "stderr_outputs": stderr_outputs,
            "year": job.year, "segment": job.segment}


def _normalise_saved(path: Path) -> None:
    import nbformat
    try:
        nb = nbformat.read(path, as_version=4)
        _normalise_notebook(nb)
        nbformat.write(nb, path)
    except Exception:      # keeping papermill's own copy is better than losing the traceback
        pass


class _Captured:
    text = ""


class _captured_console:
    """Send this process's stdout/stderr file descriptors (inherited by the kernel) to a file.

    Kernels print start-up warnings straight to the inherited descriptors; with nine reports
    in parallel that would bury the progress bar. Worker processes are ours alone, so
    redirecting their descriptors is safe.
    """

    def __enter__(self):
        import tempfile
        self.captured = _Captured()
        self.file = tempfile.TemporaryFile()
        sys.stdout.flush()
        sys.stderr.flush()
        self.saved = (os.dup(1), os.dup(2))
        os.dup2(self.file.fileno(), 1)
        os.dup2(self.file.fileno(), 2)
        return self.captured

    def __exit__(self, *exc_info):
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(self.saved[0], 1)
        os.dup2(self.saved[1], 2)
        for fd in self.saved:
            os.close(fd)
        self.file.seek(0)
        self.captured.text = self.file.read().decode("utf-8", "replace")
        self.file.close()
        return False


def _init_worker(project_root: str) -> None:
    # The kernels must import the same kirc as the renderer (also from a source checkout that
    # is not installed), and hash-seeded orders must not vary between renders.
    paths = [project_root] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    os.environ["PYTHONHASHSEED"] = "0"


# --------------------------------------------------------------------------------------------
# the batch


def generated_line(language: str) -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = (datetime.fromtimestamp(int(epoch), timezone.utc) if epoch and epoch.isdigit()
              else datetime.now(timezone.utc))
    from .. import __version__
    text = _TEXT[language]
    return f"{text['generated']} {moment:%Y-%m-%d %H:%M} UTC {text['by']} {__version__}"


def _run(plan: list[_Job], workers: int, progress: bool) -> list[dict]:
    from tqdm.auto import tqdm

    outcomes: list[dict] = []
    bar = tqdm(total=len(plan), disable=not progress, file=sys.stderr, unit="report",
               desc="kirc render", dynamic_ncols=True)
    context = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(max_workers=min(workers, len(plan)), mp_context=context,
                                 initializer=_init_worker,
                                 initargs=(str(PROJECT_ROOT),)) as pool:
            futures = {pool.submit(_render_one, job): job for job in plan}
            for future in as_completed(futures):
                job = futures[future]
                try:
                    outcome = future.result()
                except Exception as exc:     # the worker process itself died
                    if isinstance(exc, BrokenProcessPool):
                        # Typically a script without a main guard: spawned workers import
                        # the main module again, and it calls render again.
                        error = ("worker process died or could not start; a script that "
                                 "calls render needs `if __name__ == \"__main__\":` "
                                 f"({type(exc).__name__})")
                    else:
                        error = f"worker process failed: {type(exc).__name__}: {exc}"
                    outcome = {"ok": False,
                               "failure": Failure(job.year, job.segment, None, error)}
                outcomes.append(outcome)
                bar.set_postfix_str(f"{job.year} {job.slug}", refresh=False)
                bar.update()
    finally:
        bar.close()
    order = {(job.year, job.segment): i for i, job in enumerate(plan)}

    def position(outcome):
        if outcome["ok"]:
            return order[(outcome["year"], outcome["segment"])]
        return order[(outcome["failure"].year, outcome["failure"].segment)]

    return sorted(outcomes, key=position)


def render(years, segments=("all",), survey="klantcontact", org_survey="sectorscan",
           language="nl", jobs=None, output="reports", progress=True,
           notebook=None) -> RenderResult:
    """Render the annual report for every year and segment, plus an index page.

    Parameters
    ----------
    years : int or iterable of int
        Report years; each must be a year of the survey definition.
    segments : iterable of str, default ("all",)
        ``"all"`` and/or sectors of the survey definition (a label in any case, or its slug
        such as ``financiele-dienstverlening``).
    survey, org_survey : str
        Consumer and organisation survey definitions (names or ``.toml`` paths), passed on to
        the notebook.
    language : {"nl", "en"}
    jobs : int, optional
        Reports rendered in parallel (default: the number of cores). Each report runs its own
        kernel.
    output : str or path-like, default "reports"
        Output folder; see the module documentation for the layout.
    progress : bool, default True
        Show a progress bar on stderr.
    notebook : str or path-like, optional
        The notebook to execute; default ``notebooks/annual_report.ipynb``. It must declare
        the parameters in :data:`NOTEBOOK_PARAMETERS` and write ``<output_dir>/headline.json``.

    Returns
    -------
    RenderResult
        ``ok`` (every report rendered), ``reports`` (HTML paths), ``failures`` (year, segment,
        failing cell and error per failed report) and ``index``. A summary is printed to stderr.

    Raises
    ------
    ParameterError, InputFileError, DefinitionError
        For invalid parameters, a missing notebook or survey definition -- always before any
        kernel starts. A report that fails while running does not raise; it is a failure in
        the result, and the other reports are still rendered.

    Notes
    -----
    Reports run in worker processes started with ``spawn``, which import the calling script's
    main module again: a script that calls ``render`` must do so under
    ``if __name__ == "__main__":`` (the ``kirc`` command and notebooks need nothing).
    """
    started = time.perf_counter()
    plan, workers, output_path = _plan(years, segments, survey, org_survey, language, jobs,
                                       output, notebook, generated_line(language)
                                       if language in LANGUAGES else "")
    output_path.mkdir(parents=True, exist_ok=True)
    outcomes = _run(plan, workers, progress)
    reports = [o["html"] for o in outcomes if o["ok"]]
    failures = [o["failure"] for o in outcomes if not o["ok"]]
    notes = [f"{o['year']} {o['segment']}: {o['stderr_outputs']} stderr output(s) (warnings) "
             f"left out of the HTML; see the .ipynb" for o in outcomes
             if o["ok"] and o["stderr_outputs"]]
    index = write_index(output_path, language)
    result = RenderResult(ok=not failures, reports=reports, failures=failures, index=index,
                          output=output_path, seconds=time.perf_counter() - started,
                          warnings=notes)
    print(result.summary(), file=sys.stderr)
    return result


