"""Wall time of batch rendering (``kirc render``), and where the time of one report goes.

1. One report (2025, all sectors), split into
   - kernel start-up and shut-down: papermill running a trivial one-cell notebook;
   - the full papermill run of the annual report notebook (start-up + execution);
   - HTML export (nbconvert, normalisation, resource check);
   so that execution = full run − start-up.
2. The nine reports 2017–2025 with ``jobs=1`` and with ``jobs=2`` (each into a fresh temporary
   folder), and the speed-up of the second over the first.

Run: ``python benchmarks/render_speed.py [--years 2017-2025] [--skip-batch]``. Prints times and
ratios only; on a machine shared with other work the absolute times vary, the ratios less so.
"""

from __future__ import annotations

import argparse
import os
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


def one_report(folder: Path, notebook: Path) -> dict:
    import papermill

    # the kernels must import this checkout's kirc, as in render's worker processes
    report.run._init_worker(str(ROOT))
    papermill_options = dict(kernel_name="python3", language="python", progress_bar=False,
                             log_output=False, cwd=str(notebook.parent))
    trivial = trivial_notebook(folder / "trivial.ipynb")
    parameters = {"year": 2025, "survey": "klantcontact", "org_survey": "sectorscan",
                  "segment": "all", "language": "nl", "output_dir": str(folder / "headline")}
    with report.run._captured_console():     # the kernels' start-up warnings, as in render
        startup, _ = timed(lambda: papermill.execute_notebook(
            str(trivial), str(folder / "trivial.out.ipynb"), **papermill_options))
        full, _ = timed(lambda: papermill.execute_notebook(
            str(notebook), str(folder / "report.ipynb"), parameters=parameters,
            **papermill_options))

    def export():
        nb = nbformat.read(folder / "report.ipynb", as_version=4)
        report.html._normalise_notebook(nb)
        page = report.export_html(nb, "benchmark", "nl", "generated")
        assert report.external_resources(page) == []
        return page

    export_time, _ = timed(export)
    return {"startup": startup, "full": full, "export": export_time}


def batch(years: list[int], jobs: int) -> float:
    with tempfile.TemporaryDirectory(prefix=f"kirc-bench-j{jobs}-") as folder:
        seconds, result = timed(lambda: report.render(years=years, output=folder, jobs=jobs,
                                                      progress=False))
        if not result.ok:
            print(result.summary(), file=sys.stderr)
        return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=_years, default=list(range(2017, 2026)))
    parser.add_argument("--skip-batch", action="store_true", help="only the one-report split")
    args = parser.parse_args()
    notebook = report.DEFAULT_NOTEBOOK

    print(f"cores: {os.cpu_count()}; notebook: {notebook.relative_to(ROOT)}")
    with tempfile.TemporaryDirectory(prefix="kirc-bench-one-") as folder:
        one = one_report(Path(folder), notebook)
    execution = one["full"] - one["startup"]
    print("\none report (2025, all sectors), in this process:")
    print(f"  kernel start-up + shut-down (trivial notebook) {one['startup']:6.1f} s")
    print(f"  execution of the report's cells               {execution:6.1f} s")
    print(f"  papermill run in total                        {one['full']:6.1f} s  "
          f"(start-up {one['startup'] / one['full']:.0%})")
    print(f"  HTML export + checks                          {one['export']:6.1f} s")
    if args.skip_batch:
        return

    n = len(args.years)
    print(f"\n{n} reports ({args.years[0]}–{args.years[-1]}, all sectors), kirc.report.render "
          "(includes worker spawn, validation and the index):")
    serial = batch(args.years, 1)
    print(f"  jobs=1  {serial:6.1f} s  ({serial / n:.1f} s per report)")
    parallel = batch(args.years, 2)
    print(f"  jobs=2  {parallel:6.1f} s  ({parallel / n:.1f} s per report)")
    print(f"  speed-up jobs=2 over jobs=1: {serial / parallel:.2f}x")


if __name__ == "__main__":
    main()
