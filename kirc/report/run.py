"""Batch rendering of the annual reports: ``kirc render`` and :func:`render`.

For every (year, segment) the annual report notebook (``notebooks/annual_report.ipynb``) is
executed with papermill and exported to one self-contained static HTML file; an ``index.html``
links all reports present in the output folder with their headline figures.

Output layout (``output="reports"``)::

    reports/
        index.html                       overview of every report in this folder
        2025/
            alle-sectoren.html           the report (nl; "all-sectors" with language="en")
            alle-sectoren.pptx           the deck (--pptx)
            alle-sectoren.ipynb          the executed notebook (--keep-notebooks, or failed)
            alle-sectoren/headline.json  the headline figures, written by the notebook
            telecom.html ...

Decisions
---------
- **Executed notebooks are kept only when a report fails** (its ``.ipynb`` beside the HTML shows
  the traceback in the failing cell) **or on request** (``keep_notebooks=True``,
  ``--keep-notebooks``: an analyst can open it and see the code behind every figure); a third
  of a batch's output was notebooks no reader opened. Timing metadata is stripped from a kept
  notebook so that it is reproducible too.
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
- **Each survey year is prepared once per batch**: before the first report the workers read,
  protect, harmonise and calibrate every year the reports need into a private cache
  (:mod:`kirc.prepared`), removed when the batch ends; a report then loads the years up to
  its own from there (and keeps only its segment's rows) instead of reading the exports again.
  It holds what the analysis frame holds, no personal data. Inside
  ``with kirc.prepared.prepared_cache(folder):`` the batches use that folder and keep it, so a second
  batch of the same years prepares nothing.
- **One kernel per worker**: a worker executes its reports one after the other in one kernel,
  reset between reports (:mod:`kirc.report.kernel`), so only its first report pays for the
  kernel start and the imports. ``fresh_kernels=True`` (``--fresh-kernels``) starts a kernel
  per report, for notebooks that keep state outside their namespace. Both give the same bytes.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputFileError, ParameterError
from .html import (_normalise_notebook, export_html, external_resources, generated_line,
                   write_index)
from .names import available_years as _available_years, report_slug, resolve_segment
from .names import sector_labels as _sector_labels
from .texts import BATCH_TEXT as _TEXT, LANGUAGES

__all__ = ["render", "RenderResult", "RenderInterrupted", "Failure", "validate_parameters",
           "write_batch_figures", "find_chromium", "write_pdf", "report_slug",
           "resolve_segment", "external_resources", "write_index", "export_html",
           "DEFAULT_NOTEBOOK", "NOTEBOOK_PARAMETERS"]

PROJECT_ROOT = Path(__file__).resolve().parents[2]

#: The annual report notebook rendered by default.
def _default_notebook() -> Path:
    # In a checkout the repository's notebooks/, in an installed wheel its bundled copy.
    try:
        from ..resources import notebook_path
        return notebook_path()
    except Exception:
        return PROJECT_ROOT / "notebooks" / "annual_report.ipynb"


DEFAULT_NOTEBOOK = _default_notebook()

#: The parameters :func:`render` passes to every notebook (its cell tagged ``parameters``).
NOTEBOOK_PARAMETERS = ("year", "survey", "org_survey", "segment", "language", "output_dir")


#: A segment that stands for the whole survey and each category of ``segment_by``.
EVERY_SEGMENT = ("each", "elk", "ieder", "every")

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
    #: Per rendered report (same order as ``reports``): seconds executing the notebook
    #: (kernel reset included) and exporting it, for the render benchmark.
    timings: list[dict] = field(default_factory=list)

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
    chromium: str | None = None
    reuse_kernel: bool = True
    keep_notebook: bool = False

    @property
    def html(self) -> Path:
        return self.output / str(self.year) / f"{self.slug}.html"

    @property
    def ipynb(self) -> Path:
        return self.output / str(self.year) / f"{self.slug}.ipynb"

    @property
    def folder(self) -> Path:
        return self.output / str(self.year) / self.slug


def _survey_argument(value) -> str:
    """A survey name as it is, a ``.toml`` path made absolute (the kernel runs elsewhere)."""
    text = str(value)
    if text.lower().endswith(".toml") or "/" in text or os.sep in text:
        return str(Path(text).expanduser().resolve())
    return text


def _check_output(output) -> Path:
    """The output folder, created now, so that an unusable path fails before any kernel."""
    path = Path(output).expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise ParameterError("the output is a file, not a folder", file=path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".kirc-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise ParameterError(f"cannot write the reports there ({exc.strerror or exc})",
                             file=path) from None
    return path


def _plan(years, segments, survey, org_survey, language, jobs, output, notebook,
          generated, pdf: bool = False, fresh_kernels: bool = False, pptx: bool = False,
          keep_notebooks: bool = False) -> tuple[list[_Job], int, Path]:
    """Validate everything and list the reports; nothing runs yet."""
    from ..survey.definition import check_years, survey_definition
    from .spec import report_settings

    if language not in LANGUAGES:
        raise ParameterError(f"language must be 'nl' or 'en', not {language!r}")
    workers = _check_jobs(jobs)
    notebook_path = _notebook_path(notebook)
    survey = _survey_argument(survey)
    definition = survey_definition(survey)
    settings = report_settings(definition)
    if org_survey is None:
        org_survey = settings.org_survey          # the definition's own pairing, or none
    org_survey = _survey_argument(org_survey) if org_survey else ""
    available = _available_years(definition)
    _suggest_years(years, available, survey)
    checked_years = check_years(years, available, repr(str(survey)))
    if org_survey:
        # The report compares the two surveys in the same year.
        check_years(checked_years, _available_years(survey_definition(org_survey)),
                    repr(str(org_survey)))
    if isinstance(segments, str):
        segments = [segments]
    sectors = _sector_labels(definition, settings.segment_by)
    resolved: list[str] = []
    wanted: list[str] = []
    for segment in segments or ["all"]:
        if segment.strip().lower() in EVERY_SEGMENT:
            if not sectors:
                raise ParameterError(f"segment {segment!r}: the definition declares no "
                                     "segments ([report] segment_by)")
            wanted += ["all", *sectors]
        else:
            wanted.append(segment)
    for segment in wanted:
        if segment.strip().lower() not in ("all", "alle", "alle-sectoren", "alle sectoren",
                                           "all-sectors", "totaal", "overall") and not sectors:
            raise ParameterError(f"segment {segment!r}: the definition declares no segments "
                                 "([report] segment_by)")
        label = resolve_segment(segment, sectors)
        if label not in resolved:
            resolved.append(label)
    chromium = find_chromium() if pdf else None
    if pdf and chromium is None:
        raise ParameterError("--pdf needs Chromium or Google Chrome, which is not installed: "
                             "install the 'chromium' package (apt-get install chromium) or "
                             "set KIRC_CHROMIUM to the browser's path")
    output_path = _check_output(output)

    title = str(definition.get("title") or survey)
    plan = []
    for year in checked_years:
        for segment in resolved:
            slug = report_slug(segment, language, generic=settings.segment_by != "sector")
            folder = output_path / str(year) / slug
            parameters = {"year": year, "survey": survey, "org_survey": org_survey,
                          "segment": segment, "language": language,
                          "output_dir": str(folder)}
            if pptx:
                # only when asked: a notebook of your own need not declare it otherwise
                parameters["pptx"] = str(output_path / str(year) / f"{slug}.pptx")
            plan.append(_Job(notebook_path, output_path, year, segment, slug, parameters,
                             title, language, generated, PROJECT_ROOT, chromium,
                             reuse_kernel=not fresh_kernels, keep_notebook=keep_notebooks))
    validate_parameters(notebook_path, plan[0].parameters)
    return plan, workers, output_path


def _suggest_years(years, available: list[int], survey) -> None:
    """An unknown year is an error with the closest available year ("did you mean 2025?")."""
    import difflib

    if isinstance(years, (int, str)) or years is None:
        years = [years]
    try:
        wanted = [int(y) for y in years]
    except (TypeError, ValueError):
        return                                  # check_years says what is wrong
    unknown = [y for y in wanted if y not in available]
    if not unknown or not available:
        return
    names = [str(y) for y in available]
    hints = []
    for year in unknown:
        # a typo (2052 for 2025) is closest in its digits; else the nearest year
        close = [n for n in difflib.get_close_matches(str(year), names, n=3, cutoff=0.75)
                 if sorted(n) == sorted(str(year))]
        nearest = close[0] if close else str(min(available, key=lambda a: (abs(a - year), a)))
        hints.append(f"{year} (did you mean {nearest}?)")
    span = (f"{available[0]}–{available[-1]}" if available == list(
        range(available[0], available[-1] + 1)) else ", ".join(names))
    raise ParameterError(f"{repr(str(survey))} has no year {', '.join(hints)}; available "
                         f"years: {span}")


def find_chromium() -> str | None:
    """Headless Chromium of the system (``$KIRC_CHROMIUM``, chromium, google-chrome)."""
    import shutil
    for candidate in (os.environ.get("KIRC_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser"),
                      shutil.which("google-chrome")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def write_pdf(page: Path, chromium: str, timeout: float = 120) -> Path:
    """Print an HTML report to A4 PDF beside it with headless Chromium (the print CSS applies)."""
    import subprocess
    import tempfile
    target = page.with_suffix(".pdf")
    with tempfile.TemporaryDirectory(prefix="kirc-chromium-") as profile:
        command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                   "--no-first-run", "--disable-background-networking",
                   "--disable-component-update", "--disable-sync", "--disable-extensions",
                   "--hide-scrollbars", "--host-resolver-rules=MAP * ~NOTFOUND",
                   f"--user-data-dir={profile}", "--no-pdf-header-footer",
                   "--run-all-compositor-stages-before-draw",
                   f"--print-to-pdf={target}", page.as_uri()]
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              timeout=timeout)
    if not target.is_file() or target.stat().st_size == 0:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise RuntimeError(f"Chromium wrote no PDF (exit {done.returncode}): {tail[0]}")
    return target


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
    for stale in (job.html, job.html.with_suffix(".pdf"), job.html.with_suffix(".pptx"),
                  job.ipynb, headline, job.folder / "figures.xlsx", job.folder / "figures.csv"):
        stale.unlink(missing_ok=True)
    job.folder.mkdir(parents=True, exist_ok=True)

    def failed(cell, error, source=""):
        return {"ok": False, "failure": Failure(job.year, job.segment, cell, error, source,
                                                job.ipynb if job.ipynb.exists() else None)}

    started = time.perf_counter()
    options = dict(parameters=job.parameters, kernel_name="python3", language="python",
                   cwd=str(job.notebook.parent), progress_bar=False, log_output=False,
                   request_save_on_cell_execute=False)
    for attempt in (1, 2):
        console = None
        try:
            kernel = _worker_kernel(job) if job.reuse_kernel else None
            if kernel is not None:
                with kernel.report() as console:
                    nb = papermill.execute_notebook(str(job.notebook), str(job.ipynb),
                                                    engine_name=_REUSED_KERNEL_ENGINE,
                                                    km=kernel.manager, kc=kernel.client,
                                                    **options)
            else:
                with _captured_console() as console:
                    nb = papermill.execute_notebook(str(job.notebook), str(job.ipynb),
                                                    **options)
            break
        except PapermillExecutionError as exc:
            _normalise_saved(job.ipynb)
            source = next((line for line in (exc.source or "").splitlines()
                           if line.strip() and not line.lstrip().startswith("#")), "")
            return failed(exc.exec_count, f"{exc.ename}: {exc.evalue}", source.strip())
        except Exception as exc:   # kernel start-up or death: retry once, then report
            _drop_worker_kernel()
            if attempt == 2:
                text = getattr(console, "text", "") or ""
                detail = f"{type(exc).__name__}: {exc}"
                tail = " | ".join(text.strip().splitlines()[-3:])
                return failed(None, detail + (f" (kernel output: {tail})" if tail else ""))
    executed = time.perf_counter()
    try:
        stderr_outputs = _normalise_notebook(nb)
        if job.keep_notebook:
            nbformat.write(nb, job.ipynb)
        else:
            # a reader never opens it: kept only on request (--keep-notebooks), or when the
            # report fails (the failing cell's traceback is in it)
            job.ipynb.unlink(missing_ok=True)
        if not headline.is_file():
            return failed(None, f"the notebook did not write {headline}")
        try:
            figures = json.loads(headline.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            return failed(None, f"{headline} is not valid JSON: {exc}")
        segment_name = figures.get("segment_name") or (_TEXT[job.language]["all"] if job.segment == "all" else job.segment)
        title = f"{figures.get('title') or job.title} {job.year} – {segment_name}"
        page = export_html(nb, title, job.language, job.generated)
        outside = external_resources(page)
        if outside:
            return failed(None, "the HTML would load external resources: "
                          + ", ".join(outside[:5]))
        job.html.write_text(page, encoding="utf-8")
    except Exception as exc:
        return failed(None, f"export failed: {type(exc).__name__}: {exc}")
    if job.chromium:
        try:
            write_pdf(job.html, job.chromium)
        except Exception as exc:
            return failed(None, f"PDF failed: {type(exc).__name__}: {exc}")
    return {"ok": True, "html": job.html, "stderr_outputs": stderr_outputs,
            "year": job.year, "segment": job.segment,
            "seconds": {"execute": executed - started,
                        "export": time.perf_counter() - executed}}


# One kernel per worker process, reused report after report (see kirc.report.kernel).
_REUSED_KERNEL_ENGINE = "kirc-reused-kernel"
_kernel = None


class _WorkerKernel:
    """A kernel started once in a worker; its console output goes to a file of its own.

    One client stays connected for the kernel's life, for the resets and for every report's
    notebook: connecting a client waits for the kernel (``wait_for_ready``), and that ends
    with 0.2 s of listening for stray output, twice per report (reset, notebook) when each
    had its own client.
    """

    def __init__(self, cwd: str):
        import tempfile

        from jupyter_client import KernelManager
        from jupyter_core.utils import run_sync

        self.log = tempfile.TemporaryFile()
        # nbclient needs an asynchronous client: a blocking one waits for output forever
        # when the kernel dies in a cell (the death is never noticed).
        self.manager = KernelManager(kernel_name="python3",
                                     client_class="jupyter_client.asynchronous.AsyncKernelClient")
        self.manager.start_kernel(cwd=cwd, stdout=self.log, stderr=self.log)
        self.cwd = cwd
        self.client = self.manager.client()
        self.client.start_channels()
        try:
            run_sync(self.client.wait_for_ready)(timeout=120)
        except Exception:
            self.shutdown()
            raise
        self._run("import kirc.report.kernel\nkirc.report.kernel.snapshot()")

    def _run(self, code: str, timeout: float = 120) -> None:
        from jupyter_core.utils import run_sync

        reply = run_sync(self.client.execute_interactive)(
            code, silent=True, store_history=False, timeout=timeout)
        if reply["content"]["status"] != "ok":
            content = reply["content"]
            raise RuntimeError(f"the kernel could not be reset: {content.get('ename')}: "
                               f"{content.get('evalue')}")

    def alive(self) -> bool:
        try:
            return bool(self.manager.is_alive())
        except Exception:
            return False

    def report(self):
        """Reset the kernel, then capture its console output while one report runs."""
        self._run("import kirc.report.kernel\nkirc.report.kernel.reset()")
        return _KernelConsole(self.log)

    def shutdown(self) -> None:
        try:
            self.client.stop_channels()
        except Exception:
            pass
        try:
            self.manager.shutdown_kernel(now=True)
        except Exception:
            pass
        self.log.close()


class _KernelConsole:
    """What the kernel printed to its console during one report (``.text`` afterwards)."""

    def __init__(self, log):
        self.log, self.text = log, ""

    def __enter__(self):
        self.log.seek(0, os.SEEK_END)
        self.start = self.log.tell()
        return self

    def __exit__(self, *exc_info):
        self.log.seek(self.start)
        self.text = self.log.read().decode("utf-8", "replace")
        self.log.seek(0, os.SEEK_END)
        return False


def _worker_kernel(job: "_Job") -> _WorkerKernel:
    global _kernel
    cwd = str(job.notebook.parent)
    if _kernel is not None and (not _kernel.alive() or _kernel.cwd != cwd):
        _drop_worker_kernel()
    if _kernel is None:
        _register_engine()
        _kernel = _WorkerKernel(cwd)
    return _kernel


def _drop_worker_kernel() -> None:
    global _kernel
    if _kernel is not None:
        _kernel.shutdown()
        _kernel = None


def _register_engine() -> None:
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    class ReusedKernelEngine(NBClientEngine):
        """papermill's nbclient engine on a kernel it did not start, and must not stop,
        through the client the worker keeps connected to it."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False,
                                     stdout_file=None, stderr_file=None, start_timeout=60,
                                     execution_timeout=None, **kwargs):
            kwargs.pop("input_path", None)
            kwargs.pop("timeout", None)
            kwargs.pop("startup_timeout", None)
            connected = kwargs.pop("kc", None)
            client = PapermillNotebookClient(
                nb_man, timeout=execution_timeout, startup_timeout=start_timeout,
                kernel_name=kernel_name, log=kwargs.pop("log", None) or _papermill_logger(),
                log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file,
                **kwargs)
            # The worker's connected client: nbclient connects no other one, and does not
            # stop it, since it did not start the kernel (km is given).
            client.kc = connected
            try:
                return client.execute()
            finally:
                if connected is None and client.kc is not None:    # nbclient's own client
                    client.kc.stop_channels()

    papermill_engines.register(_REUSED_KERNEL_ENGINE, ReusedKernelEngine)


def _papermill_logger():
    from papermill.log import logger
    return logger


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
    # One progress line on the terminal, the batch's own: the workers' and kernels' bars
    # (reading a large export) would write over it.
    os.environ["TQDM_DISABLE"] = "1"
    # Ctrl-C reaches every process of the terminal's group: the workers leave it to the main
    # process, which stops them with SIGTERM; a worker then takes its kernel (started in a
    # session of its own, out of the terminal's reach) down with it.
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _terminate_worker)
    import atexit
    atexit.register(_drop_worker_kernel)
    # Preparing survey years here may create a tqdm bar (a long read); tqdm's default lock is
    # a multiprocessing semaphore, which a worker stopped by Ctrl-C would leak (with a warning
    # from the resource tracker). A thread lock is all a worker needs.
    import threading

    from tqdm import tqdm
    tqdm.set_lock(threading.RLock())


def _terminate_worker(signum, frame) -> None:
    try:
        import psutil
        children = psutil.Process().children(recursive=True)
        for child in children:
            try:
                child.kill()
            except psutil.Error:
                pass
        psutil.wait_procs(children, timeout=3)
    except Exception:
        pass
    os._exit(128 + signum)


# --------------------------------------------------------------------------------------------
# the batch


class RenderInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`render`: the workers were stopped, partial output removed.

    ``result`` holds the reports that had finished (the index lists them).
    """

    def __init__(self, result: RenderResult):
        super().__init__("interrupted")
        self.result = result

    def line(self) -> str:
        return (f"kirc render: interrupted; {len(self.result.reports)} report(s) had finished "
                f"and are kept, partial output removed; index: {self.result.index}")


def _stop_workers(pool, seconds: float = 5.0) -> None:
    """Terminate the pool's worker processes (each takes its kernel down), then kill."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        try:
            process.terminate()
        except Exception:
            pass
    pool.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + seconds
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    for process in processes:
        if process.is_alive():
            process.kill()
            process.join(1)


def _survey_years(plan: list[_Job]) -> list[tuple[str, int]]:
    """Every (survey, year) the reports of the plan load: each year up to the latest report."""
    from ..survey.definition import survey_definition

    latest: dict[str, int] = {}
    for job in plan:
        for name in (job.parameters["survey"], job.parameters["org_survey"]):
            if name:
                latest[name] = max(latest.get(name, job.year), job.year)
    return [(name, year) for name, last in latest.items()
            for year in sorted(survey_definition(name)["years"]) if year <= last]


def _prepare_year(survey: str, year: int) -> None:
    """Fill the batch's cache of prepared years (kirc.prepared) with one year of a survey.

    Errors are left to the reports, which meet them again and report them in their cell.
    """
    import warnings

    from ..survey.definition import load_survey
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")      # kept with the year; each report shows them
            load_survey(survey, years=[year])
    except Exception:
        pass


def _run(plan: list[_Job], workers: int, progress: bool,
         prepare: list[tuple[str, int]] = ()) -> tuple[list[dict], bool]:
    """Run the plan in a spawn pool; returns (outcomes, interrupted).

    The years in ``prepare`` are prepared first, in parallel, into the batch's cache.
    """
    import signal

    from tqdm.auto import tqdm

    outcomes: list[dict] = []
    bar = tqdm(total=len(plan), disable=not progress, file=sys.stderr, unit="report",
               desc="kirc render", dynamic_ncols=True)
    context = multiprocessing.get_context("spawn")
    interrupted = False
    pool = ProcessPoolExecutor(max_workers=min(workers, len(plan)), mp_context=context,
                               initializer=_init_worker, initargs=(str(PROJECT_ROOT),))

    def died(job, exc):
        if isinstance(exc, BrokenProcessPool):
            # Typically a script without a main guard: spawned workers import the main
            # module again, and it calls render again.
            error = ("worker process died or could not start; a script that calls render "
                     f"needs `if __name__ == \"__main__\":` ({type(exc).__name__})")
        else:
            error = f"worker process failed: {type(exc).__name__}: {exc}"
        return {"ok": False, "failure": Failure(job.year, job.segment, None, error)}

    try:
        broken = None
        if prepare:
            bar.set_postfix_str("preparing the surveys", refresh=True)
            try:
                for future in [pool.submit(_prepare_year, *item) for item in prepare]:
                    future.result()
            except BrokenProcessPool as exc:
                broken = exc
        if broken is not None:
            outcomes = [died(job, broken) for job in plan]
            bar.update(len(plan))
        futures = {} if broken is not None else \
            {pool.submit(_render_one, job): job for job in plan}
        for future in as_completed(futures):
            job = futures[future]
            try:
                outcome = future.result()
            except Exception as exc:     # the worker process itself died
                outcome = died(job, exc)
            outcomes.append(outcome)
            bar.set_postfix_str(f"{job.year} {job.slug}", refresh=False)
            bar.update()
        pool.shutdown(wait=True)
    except KeyboardInterrupt:
        interrupted = True
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)   # a second Ctrl-C waits
        try:
            _stop_workers(pool)
        finally:
            signal.signal(signal.SIGINT, previous)
    finally:
        bar.close()
    order = {(job.year, job.segment): i for i, job in enumerate(plan)}

    def position(outcome):
        if outcome["ok"]:
            return order[(outcome["year"], outcome["segment"])]
        return order[(outcome["failure"].year, outcome["failure"].segment)]

    return sorted(outcomes, key=position), interrupted


def _remove_partial(plan: list[_Job], finished: set) -> None:
    import shutil
    for job in plan:
        if (job.year, job.segment) in finished:
            continue
        for path in (job.html, job.ipynb, job.html.with_suffix(".pdf"),
                     job.html.with_suffix(".pptx")):
            path.unlink(missing_ok=True)
        shutil.rmtree(job.folder, ignore_errors=True)
        try:
            job.folder.parent.rmdir()          # the year folder, when nothing else is in it
        except OSError:
            pass


def write_batch_figures(output) -> Path | None:
    """``<output>/figures.xlsx`` and ``figures.csv``: the figures of every report in the folder.

    The rows of each report's ``figures.csv`` (whose HTML exists), one after the other, with
    the year and segment in every row; numeric cells in the API's units.
    """
    import pandas as pd

    from .files import write_workbook
    output = Path(output)
    parts = []
    for csv in sorted(output.glob("*/*/figures.csv")):
        if not re.fullmatch(r"\d{4}", csv.parent.parent.name):
            continue
        if not (csv.parent.parent / f"{csv.parent.name}.html").is_file():
            continue
        part = pd.read_csv(csv, keep_default_na=True)
        part.insert(0, "report_year", int(csv.parent.parent.name))
        parts.append(part)
    for stale in (output / "figures.xlsx", output / "figures.csv"):
        stale.unlink(missing_ok=True)
    if not parts:
        return None
    figures = pd.concat(parts, ignore_index=True)
    figures["n"] = pd.to_numeric(figures["n"], errors="coerce").astype("Int64")
    figures.to_csv(output / "figures.csv", index=False, encoding="utf-8")
    language = "en" if any(output.glob("*/all-sectors.html")) else "nl"
    return write_workbook(figures, output / "figures.xlsx", language)


def render(years, segments=("all",), survey="klantcontact", org_survey=None,
           language="nl", jobs=None, output="reports", progress=True,
           notebook=None, pdf: bool = False, fresh_kernels: bool = False,
           pptx: bool = False, keep_notebooks: bool = False) -> RenderResult:
    """Render the annual report for every year and segment, plus an index page.

    Parameters
    ----------
    years : int or iterable of int
        Report years; each must be a year of the survey definition.
    segments : iterable of str, default ("all",)
        ``"all"`` and/or categories of the definition's ``[report] segment_by`` construct (a
        label in any case, or its slug such as ``financiele-dienstverlening``); ``"each"``
        (or ``"elk"``) is ``"all"`` plus every category.
    survey : str or path-like
        The survey definition (a name or a ``.toml`` path; relative paths are made absolute
        before the notebook runs elsewhere).
    org_survey : str, optional
        A second survey joined by year. None (default): the definition's ``[report]
        org_survey``, and none when it names none; ``""``: none.
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
    pdf : bool, default False
        Also print each report to an A4 PDF beside its HTML, with the system's headless
        Chromium (a ParameterError before anything runs when there is none).
    pptx : bool, default False
        Also write each report's deck, ``<year>/<segment>.pptx`` (:mod:`kirc.report.deck`);
        the notebook must declare a ``pptx`` parameter (the default notebook does).
    keep_notebooks : bool, default False
        Keep each executed notebook beside its report (``<year>/<segment>.ipynb``), for
        looking at the code behind a figure; by default only a failing report's is kept (it
        holds the traceback).
    fresh_kernels : bool, default False
        Start a new kernel for every report. By default each worker process executes its
        reports one after the other in one kernel, reset between reports (namespace, execution
        count, warning filters, matplotlib settings: :mod:`kirc.report.kernel`); that saves
        the start-up and imports of every report but the first. A notebook that keeps state
        elsewhere (its own module's globals, pandas options) needs fresh kernels.

    Returns
    -------
    RenderResult
        ``ok`` (every report rendered), ``reports`` (HTML paths), ``failures`` (year, segment,
        failing cell and error per failed report) and ``index``. A summary is printed to stderr.

    Raises
    ------
    ParameterError, InputFileError, DefinitionError
        For invalid parameters, a missing notebook or survey definition, an output folder that
        cannot be written -- always before any kernel starts. A report that fails while
        running does not raise; it is a failure in the result, and the other reports are
        still rendered.
    RenderInterrupted
        On Ctrl-C (a KeyboardInterrupt): the workers and their kernels are stopped, the
        partial output of unfinished reports removed, and the index written for the reports
        that finished.

    Notes
    -----
    Reports run in worker processes started with ``spawn``, which import the calling script's
    main module again: a script that calls ``render`` must do so under
    ``if __name__ == "__main__":`` (the ``kirc`` command and notebooks need nothing).
    """
    started = time.perf_counter()
    plan, workers, output_path = _plan(years, segments, survey, org_survey, language, jobs,
                                       output, notebook, generated_line(language)
                                       if language in LANGUAGES else "", pdf=pdf,
                                       fresh_kernels=fresh_kernels, pptx=pptx,
                                       keep_notebooks=keep_notebooks)
    from ..prepared import cache_folder, prepared_cache
    try:
        # Each year of each survey is read, protected and harmonised once for the batch; in
        # a cache the caller keeps (kirc.prepared.prepared_cache(folder)), once for all its
        # batches.
        with prepared_cache(cache_folder()):
            outcomes, interrupted = _run(plan, workers, progress, _survey_years(plan))
    except KeyboardInterrupt:                   # before the pool existed
        outcomes, interrupted = [], True
    reports = [o["html"] for o in outcomes if o["ok"]]
    failures = [o["failure"] for o in outcomes if not o["ok"]]
    if interrupted:
        _remove_partial(plan, {(o["year"], o["segment"]) for o in outcomes if o["ok"]})
    notes = [f"{o['year']} {o['segment']}: {o['stderr_outputs']} stderr output(s) (warnings) "
             f"left out of the HTML; see the .ipynb" for o in outcomes
             if o["ok"] and o["stderr_outputs"]]
    write_batch_figures(output_path)
    index = write_index(output_path, language)
    result = RenderResult(ok=not failures and not interrupted, reports=reports,
                          failures=failures, index=index, output=output_path,
                          seconds=time.perf_counter() - started, warnings=notes,
                          timings=[o["seconds"] for o in outcomes if o["ok"]])
    if interrupted:
        raise RenderInterrupted(result)
    print(result.summary(), file=sys.stderr)
    return result
