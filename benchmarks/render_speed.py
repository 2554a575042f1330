"""Wall time of batch rendering (``kirc render``): the 72-report batch, and where a report's time goes.

1. The floor of a report in its own kernel: papermill running a trivial one-cell notebook
   (kernel start-up and shut-down), the imports of the report notebook's first cell, and one
   bare papermill execution of the report notebook itself (2025, all sectors, a fresh kernel,
   no cache: what one report costs without the batch).
2. The batch: every year 2017–2025 × (all sectors + the seven sectors) = 72 reports with
   ``jobs=2`` (the target: ≤ 60 s on 2 cores, HTML plus the Excel appendix, no PDF), with the
   per-report split that :class:`kirc.report.RenderResult` records (execution in the reused
   kernel, HTML export), the time before the first report (spawning the workers, preparing
   each survey year once into the batch's cache), and the time per report as a ratio to the
   bare papermill execution. No executed notebook is kept (``--keep-notebooks`` is off).
3. ``--fresh-kernels``: the same batch with a new kernel per report, as before kernels were
   reused (slow: several minutes), for the ratio.

Run: ``python benchmarks/render_speed.py [--years 2017-2025] [--segments all,telecom]
[--jobs 2] [--fresh-kernels]``. Prints times and ratios only; on a machine shared with other
work the absolute times vary, the ratios less so.

Measured on the quiet 2-core machine (2026-12-07, the reports with the multiple-response
section): 58.2 s and 59.3 s for the 72 reports, 0.81-0.82 s per report = 0.12-0.13x one bare
papermill execution (6.40-6.48 s); 44.8 MB written. It was 64.0 s before an indicator's change
from last year, its change since the first year and its trend shared one tally; 110 s when
issue 24 was written.
Later on 2026-12-07 the machine ran slower (one bare execution 6.5-8.3 s, the test suite 262 s
against 235 s). Before this stop's changes: 69.6 s (bare 7.62 s, 0.13x). After keying the
calibration cells once per call, a side's sums on arrays and one variance layout per tally:
63.0-63.4 s (bare 6.47-7.25 s, 0.12x-0.14x) in two runs, 70.8 s (bare 6.87 s) in a third;
run back to back with the code before, 78.3 s against 81.9 s (bare 7.78 s and 8.33 s).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402

from kirc import report  # noqa: E402
from kirc.cli import _years  # noqa: E402


def trivial_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("1 + 1")]
    nbformat.write(nb, path)
    return path


def timed(function):
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def kernel_floor(folder: Path) -> float:
    import papermill

    report.run._init_worker(str(ROOT))
    trivial = trivial_notebook(folder / "trivial.ipynb")
    with report.run._captured_console():
        seconds, _ = timed(lambda: papermill.execute_notebook(
            str(trivial), str(folder / "trivial.out.ipynb"), kernel_name="python3",
            language="python", progress_bar=False, log_output=False, cwd=str(folder)))
    return seconds


def bare_report(folder: Path) -> float:
    """One papermill execution of the report notebook in a fresh kernel (2025, all sectors)."""
    import papermill

    report.run._init_worker(str(ROOT))
    with report.run._captured_console():
        seconds, _ = timed(lambda: papermill.execute_notebook(
            str(report.DEFAULT_NOTEBOOK), str(folder / "bare.ipynb"), kernel_name="python3",
            language="python", progress_bar=False, log_output=False,
            cwd=str(report.DEFAULT_NOTEBOOK.parent),
            parameters={"year": 2025, "output_dir": str(folder / "bare")}))
    return seconds


def import_time() -> float:
    code = ("import time; t = time.perf_counter(); import warnings; "
            "from IPython.display import HTML, display; "
            "from kirc.report import content, sections; "
            "print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    return float(out.stdout.strip())


def batch(years, segments, jobs, fresh):
    with tempfile.TemporaryDirectory(prefix=f"kirc-bench-j{jobs}-") as folder:
        seconds, result = timed(lambda: report.render(
            years=years, segments=segments, output=folder, jobs=jobs, progress=False,
            fresh_kernels=fresh))
        if not result.ok:
            print(result.summary(), file=sys.stderr)
        appendix = (Path(folder) / "figures.xlsx").is_file()
        size = sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())
        notebooks = len(list(Path(folder).rglob("*.ipynb")))
        print(f"  output {size / 1e6:.1f} MB, {notebooks} executed notebooks kept")
        return seconds, result, appendix


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=_years, default=list(range(2017, 2026)))
    parser.add_argument("--segments", default=None,
                        help="comma-separated; default 'each': all sectors and each sector")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--fresh-kernels", action="store_true",
                        help="also render the batch with a new kernel per report")
    args = parser.parse_args()
    segments = args.segments.split(",") if args.segments else ["each"]
    plan, _, _ = report.run._plan(args.years, segments, "klantcontact", None, "nl", args.jobs,
                                  tempfile.gettempdir(), None, "")
    n = len(plan)
    names = list(dict.fromkeys(job.segment for job in plan))
    print(f"cores: {os.cpu_count()}; jobs: {args.jobs}; {n} reports = {len(args.years)} years "
          f"× {len(names)} segments ({', '.join(names)})")

    with tempfile.TemporaryDirectory(prefix="kirc-bench-floor-") as folder:
        floor = kernel_floor(Path(folder))
        bare = bare_report(Path(folder))
    imports = import_time()
    print("\nwhat a report in its own kernel pays before computing anything:")
    print(f"  kernel start-up + shut-down (trivial notebook) {floor:6.2f} s")
    print(f"  imports of the notebook's first cell            {imports:6.2f} s")
    print(f"  one bare papermill execution of the report      {bare:6.2f} s (2025, all sectors)")

    seconds, result, appendix = batch(args.years, segments, args.jobs, fresh=False)
    execute = [t["execute"] for t in result.timings]
    export = [t["export"] for t in result.timings]
    busy = sum(execute) + sum(export)
    print(f"\nthe batch, one kernel per worker (default): {seconds:6.1f} s for "
          f"{len(result.reports)} of {n} reports ({seconds / n:.2f} s per report; target for "
          f"72: ≤ 60 s; Excel appendix written: {appendix})")
    print(f"  per report {seconds / n:.2f} s = {seconds / n / bare:.2f}x one bare papermill "
          f"execution ({bare:.2f} s); {len(result.reports) / seconds * 60:.0f} reports a minute")
    print(f"  per report: execution median {statistics.median(execute):.2f} s "
          f"(max {max(execute):.2f}, the workers' first reports include start-up and imports), "
          f"export median {statistics.median(export):.2f} s")
    print(f"  workers busy {busy:.0f} s of {seconds * args.jobs:.0f} s of {args.jobs} cores; "
          f"the rest: spawning, preparing each survey year once, the index and appendix")
    if args.fresh_kernels:
        fresh, fresh_result, _ = batch(args.years, segments, args.jobs, fresh=True)
        print(f"\nthe batch, a new kernel per report: {fresh:6.1f} s "
              f"({len(fresh_result.reports)} reports); reused kernels: {fresh / seconds:.2f}x "
              "faster")


if __name__ == "__main__":
    main()
