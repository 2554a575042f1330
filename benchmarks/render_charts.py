"""Time of the charts of one report: building each chart vs writing it as SVG (``chart_html``).

Builds the charts the notebook's sections build (trend small multiples, every breakdown
forest plot, the NPS composition, the driver bars) from the same tidy tables, for one
all-sectors report and one sector report (klantcontact 2025, Dutch), each in a fresh process
as each report runs in a fresh kernel. The data preparation (``content.prepare``, the tables,
the driver estimates) is outside the timings. Each chart is built and written ``--repeat``
times, with the garbage collector held as the sections hold it: "first" is the first pass
(what a report's kernel pays, fonts loaded on first use included), "best" the fastest build
and the fastest write per chart. A kernel (papermill) adds a little: its heap is larger.

Run: ``python benchmarks/render_charts.py [--segment telecom] [--repeat 3] [--detail]``.
Prints times only; on a shared machine the absolute times vary, the ratios less so.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kirc.report import content, figures, sections  # noqa: E402


def chart_builders(report) -> list[tuple[str, object]]:
    """(name, function returning (figure, alt)) for every chart of the report, in order."""
    headline = content.headline(report)
    trend = content.trend_table(report)
    tables = content.breakdown_tables(report)
    builders = []
    if report.has_trend and not trend.empty:
        builders.append(("trend", lambda: figures.trend_chart(trend, report)[:2]))
    totals = headline.set_index("metric")["estimate"]
    indicators = {i.key: i for i in report.indicators}
    for (by, key), part in tables.items():
        if part["suppressed"].all():
            continue
        total = totals.get(key)
        total = None if total is None or total != total else float(total)
        builders.append((f"{by}/{key}", lambda p=part, b=by, k=key, t=total:
                         figures.breakdown_chart(p, b, indicators[k], report, t)))
    nps = [i for i in report.indicators if i.metric == "nps"]
    if nps and report.breakdowns():
        by = report.breakdowns()[0]
        table = tables.get((by, nps[0].key))
        if table is not None and not table["suppressed"].all():
            builders.append((f"composition/{by}",
                             lambda: figures.composition_chart(table, by, report)))
    if sections._has(report, "drivers"):
        from kirc.estimate.drivers import driver_plot, driver_section
        section = driver_section(report.survey, report.definitions["survey"], report.year,
                                 report.language)
        if section is not None:
            figures.plt.close(section["figure"])
            builders.append(("drivers", lambda: (driver_plot(
                section["table"], title=section["title"], language=report.language),
                section["alt"])))
    return builders


def time_report(report, repeat: int) -> list[tuple[str, list, list, int]]:
    """Per chart: name, build seconds and savefig seconds of each pass, SVG bytes."""
    builders = chart_builders(report)
    times = {name: ([], []) for name, _ in builders}
    # as sections._chart does (older figures modules have no held_collection)
    held = getattr(figures, "held_collection", contextlib.nullcontext)
    for _ in range(repeat):
        for name, build in builders:
            with held():
                start = time.perf_counter()
                figure, alt = build()
                middle = time.perf_counter()
                page = figures.chart_html(figure, alt)
                end = time.perf_counter()
                del figure
            times[name][1].append(end - middle)
            times[name][0].append(middle - start)
            times[name] += (len(page),) if len(times[name]) == 2 else ()
    return [(name, *times[name]) for name, _ in builders]


def one_report(args, segment: str) -> None:
    warnings.filterwarnings("ignore", category=FutureWarning)
    figures.set_style()
    figures.plt.switch_backend("agg")
    report = content.prepare(args.survey, None, args.year, segment, "nl")
    rows = time_report(report, args.repeat)
    first = (sum(r[1][0] for r in rows), sum(r[2][0] for r in rows))
    best = (sum(min(r[1]) for r in rows), sum(min(r[2]) for r in rows))
    print(f"{args.survey} {args.year}, segment {segment}: {len(rows)} charts")
    for word, (build, write) in (("first", first), ("best ", best)):
        print(f"  {word} build {build:5.2f} s + savefig {write:5.2f} s = {build + write:5.2f} s")
    if args.detail:
        for name, builds, writes, size in rows:
            print(f"  {name:28s} build {min(builds) * 1000:5.0f} ms  savefig "
                  f"{min(writes) * 1000:5.0f} ms  (first {builds[0] * 1000:4.0f} + "
                  f"{writes[0] * 1000:4.0f})  {size / 1000:4.0f} kB")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--survey", default="klantcontact")
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--segment", default="telecom", help="the sector report's segment")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--detail", action="store_true", help="a line per chart")
    parser.add_argument("--one", help=argparse.SUPPRESS)   # a single report, in this process
    args = parser.parse_args(argv)
    if args.one:
        one_report(args, args.one)
        return 0
    status = 0
    for segment in ("all", args.segment):     # a fresh process each, as a report's kernel
        own = [a for a in (argv if argv is not None else sys.argv[1:]) if a != "--one"]
        status |= subprocess.call([sys.executable, __file__, *own, "--one", segment])
    return status


if __name__ == "__main__":
    sys.exit(main())
