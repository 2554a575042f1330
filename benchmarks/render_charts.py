"""Time of the charts of one report: the SVG written directly (kirc.report.charts) against the
same rows drawn with matplotlib and saved as SVG, as a user would (the baseline, same run).

For one all-sectors report and one sector report (klantcontact 2025, Dutch), every breakdown
chart and the driver chart are drawn both ways from the report's own tables; the data
preparation is outside the timings. The matplotlib baseline is the plain dot-and-whisker (or
bar) chart with ``savefig(format="svg")`` in a fresh figure, matplotlib imported beforehand.
Prints, per report, the total of the best of ``--repeat`` runs per chart and the ratio
SVG / matplotlib (below 1: the report's way is faster).

Run: ``python benchmarks/render_charts.py [--segment telecom] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kirc.report import charts, content, sections  # noqa: E402


def _matplotlib_chart(rows, value, low, high, labels, bars=False) -> int:
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(6, 0.45 * len(rows) + 1.6))
    y = list(range(len(rows)))[::-1]
    if bars:
        ax.barh(y, rows[value])
    ax.errorbar(rows[value], y, xerr=[(rows[value] - rows[low]).clip(lower=0),
                                      (rows[high] - rows[value]).clip(lower=0)], fmt="o")
    ax.set_yticks(y, list(labels))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    return buffer.tell()


def builders(report) -> list[tuple[str, object, object]]:
    """(name, SVG build, matplotlib build) for every breakdown and the driver chart."""
    headline = content.headline(report)
    tables = content.breakdown_tables(report)
    totals = headline.set_index("metric")["estimate"]
    indicators = {i.key: i for i in report.indicators}
    out = []
    for (by, key), part in tables.items():
        shown = part[~part["suppressed"]]
        if shown.empty:
            continue
        total = totals.get(key)
        total = None if total is None or total != total else float(total)
        out.append((f"{by}/{key}",
                    lambda p=part, b=by, k=key, t=total: charts.breakdown_chart(
                        p, b, indicators[k], report, t),
                    lambda s=shown, b=by: _matplotlib_chart(s, "estimate", "ci_low",
                                                            "ci_high", s[b].astype(str))))
    if sections._has(report, "drivers"):
        from kirc.estimate.drivers import driver_section
        section = driver_section(report.survey, report.definitions["survey"], report.year,
                                 report.language)
        if section is not None:
            table = section["table"]
            out.append(("drivers",
                        lambda: charts.drivers_chart(table, section["title"], report.language),
                        lambda: _matplotlib_chart(table, "importance", "ci_low", "ci_high",
                                                  table["label"], bars=True)))
    return out


def best(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--survey", default="klantcontact")
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--segment", default="telecom", help="the sector report's segment")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", category=FutureWarning)
    import matplotlib
    matplotlib.use("agg")
    import matplotlib.pyplot  # noqa: F401  (the baseline's import is not timed)
    for segment in ("all", args.segment):
        report = content.prepare(args.survey, None, args.year, segment, "nl")
        rows = builders(report)
        svg = sum(best(build, args.repeat) for _, build, _ in rows)
        mpl = sum(best(build, args.repeat) for _, _, build in rows)
        print(f"{args.survey} {args.year}, segment {segment}: {len(rows)} charts; SVG "
              f"{svg * 1000:6.1f} ms, matplotlib {mpl * 1000:7.1f} ms, ratio {svg / mpl:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
