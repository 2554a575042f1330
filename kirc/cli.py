"""The kirc command: render annual reports, inspect survey exports, draft a definition, write a
tab book."""

from __future__ import annotations

import argparse
import sys
import warnings

from .errors import KircError

EXAMPLES = """\
examples:
  kirc render --years 2017-2025                      the demo reports into reports/
  kirc render --years 2024-2025 --segment telecom --jobs 2
  kirc render --years 2017-2025 --segment elk        all sectors and each sector: 72 reports
  kirc render --survey own.toml --years 2025 --pdf   your own survey, with A4 PDFs
  kirc render --years 2025 --language en --output reports-en
  kirc inspect path/to/export.sav                    what kirc detects in a file
  kirc init export_2025.csv --output own.toml        draft a definition from your export
  kirc render --years 2025 --segment elk --pptx      also a deck (.pptx) per report
  kirc tabs --years 2025                             Excel tab book into reports/

Every error is one line on stderr with exit status 2; Ctrl-C stops a render with status 130.
"""

RENDER_EXAMPLES = """\
examples:
  kirc render --years 2017-2025
  kirc render --years 2025 --segment all --segment telecom
  kirc render --years 2017-2025 --segment elk --jobs 2    every year x all and each sector
  kirc render --survey surveys/own.toml --years 2025 --org-survey ""
  kirc render --years 2024-2025 --pdf --pptx --output /tmp/reports

Writes <output>/<year>/<segment>.html (and .pdf with --pdf, .pptx with --pptx), the figures
of each report as <output>/<year>/<segment>/figures.xlsx and .csv, all figures as
<output>/figures.xlsx, and <output>/index.html. A segment or year that does not exist is an
error that names the closest one ("did you mean 'telecom'?").
"""

INSPECT_EXAMPLES = """\
examples:
  kirc inspect surveys/klantcontact_2025.sav
  kirc inspect export.csv --source qualtrics
  kirc inspect export.sav | less

Prints what kirc detects in the file (format, header row, separator, decimal mark, encoding,
value labels, missing codes, personal data) and why, before you analyse it.
"""

INIT_EXAMPLES = """\
examples:
  kirc init ledenpeiling_2024.csv --output ledenpeiling.toml
  kirc init peiling_2022.sav peiling_2023.sav peiling_2024.csv --output peiling.toml
  kirc init export.xlsx --year 2024 --output peiling.toml --force

Then read the lines marked '# check:' and render: kirc render --survey peiling.toml --years 2024
"""

TABS_EXAMPLES = """\
examples:
  kirc tabs --years 2025                              reports/klantcontact-tabellen-2025.xlsx
  kirc tabs --years 2024-2025 --language en           reports/klantcontact-tabs-2024-2025.xlsx
  kirc tabs --survey own.toml --years 2025 --output /tmp/own.xlsx
  kirc tabs --years 2025 --org-survey ""              without the organisation survey

One sheet per question: a Total column and every breakdown of the definition, with bases,
column percentages (or the NPS, the mean) and the letters of the columns a figure is
significantly higher than; the second survey of the definition ([report] org_survey) gets
sheets of its own. --output may be a folder (default reports/) or a .xlsx file.
"""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (``kirc render: error: ...``), status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _years(text: str) -> list[int]:
    """Parse ``2017-2025``, ``2019`` or ``2017,2019,2021`` into a list of years."""
    years: list[int] = []
    try:
        for part in text.split(","):
            part = part.strip()
            if "-" in part:
                first, last = (int(x) for x in part.split("-", 1))
                if last < first:
                    raise ValueError
                years.extend(range(first, last + 1))
            elif part:
                years.append(int(part))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a year, a range such as 2017-2025, or a comma-separated list")
    return years


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = _Parser(prog="kirc", description="Research toolkit for the customer-contact "
                     "sector: render annual reports, inspect survey exports, draft a survey "
                     "definition.",
                     epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"kirc {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    render = sub.add_parser("render", help="execute the annual report notebook per year and "
                                           "segment and export static HTML",
                            description="Execute the annual report notebook per year and "
                                        "segment and export self-contained HTML, the figures "
                                        "as Excel/CSV and an index page.",
                            epilog=RENDER_EXAMPLES,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    render.add_argument("--years", type=_years, required=True, help="e.g. 2017-2025 or 2024")
    render.add_argument("--segment", action="append", default=None,
                        help="'all' (default) or a category of the definition's [report] "
                             "segment_by; repeat for several; 'each' (or 'elk'): all and "
                             "every category")
    render.add_argument("--survey", default="klantcontact",
                        help="survey definition (name or .toml path; default the demo)")
    render.add_argument("--org-survey", default=None,
                        help="a second survey joined by year (name or .toml path); default the "
                             "definition's [report] org_survey, if any; \"\" for none")
    render.add_argument("--language", choices=["nl", "en"], default="nl")
    render.add_argument("--jobs", type=int, default=None,
                        help="reports rendered in parallel (default: number of cores)")
    render.add_argument("--output", default="reports", help="output folder (default reports/)")
    render.add_argument("--pdf", action="store_true",
                        help="also print every report to an A4 PDF (needs Chromium)")
    render.add_argument("--pptx", action="store_true",
                        help="also write every report as a deck (.pptx) beside its HTML")
    render.add_argument("--keep-notebooks", action="store_true",
                        help="keep each executed notebook (.ipynb) beside its report; by default "
                             "only a failing report's is kept")
    render.add_argument("--fresh-kernels", action="store_true",
                        help="a new kernel for every report (for notebooks that keep state "
                             "outside their namespace); default one kernel per worker")
    render.add_argument("--no-progress", action="store_true", help="no progress bar")

    inspect = sub.add_parser("inspect", help="show what kirc detects in a survey export",
                             description="Show what kirc detects in a survey export (SPSS, "
                             "Stata, CSV, Excel, survey platforms) and why, without analysing "
                             "it.", epilog=INSPECT_EXAMPLES,
                             formatter_class=argparse.RawDescriptionHelpFormatter)
    inspect.add_argument("file")
    inspect.add_argument("--source", default="auto",
                         choices=["auto", "qualtrics", "surveymonkey", "limesurvey",
                                  "google-forms", "generic"])
    _add_init(sub)
    _add_tabs_parser(sub)
    return parser


def _add_init(sub) -> None:
    init = sub.add_parser("init", help="draft a survey definition (.toml) from your exports",
                          description="Draft a survey definition from one or more exports (one "
                          "per year, or one with a year column). Every guess is marked "
                          "'# check:'; read the draft, adjust it, then kirc render --survey.",
                          epilog=INIT_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    init.add_argument("exports", nargs="+", metavar="EXPORT",
                      help="survey export(s): .sav, .csv, .xlsx, ...")
    init.add_argument("--output", "-o", required=True, metavar="FILE.toml",
                      help="where to write the draft")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.add_argument("--year", type=_years, action="extend", default=None, metavar="YEAR",
                      help="the year of each export, in their order (2024, or 2022,2023,2024), "
                           "for exports without a year in their name or a year column")


def _run_init(args) -> int:
    from .draft import check_draft, write_draft

    path, text = write_draft(args.exports, args.output, force=args.force, years=args.year)
    print(text, end="")
    loads, years = check_draft(path)
    span = (str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}") if years else "..."
    print(f"kirc init: wrote {path}; {loads}. Read the lines marked '# check:', "
          f"then: kirc render --survey {path} --years {span}", file=sys.stderr)
    return 0


def _add_tabs_parser(sub) -> None:
    tabs = sub.add_parser("tabs", help="write an Excel tab book: every question by every "
                                       "breakdown, with bases, percentages and letters",
                          description="Write an Excel tab book: every question of the survey "
                          "(and of its organisation survey) by every breakdown of its "
                          "definition, with bases, percentages and significance letters.",
                          epilog=TABS_EXAMPLES,
                          formatter_class=argparse.RawDescriptionHelpFormatter)
    tabs.add_argument("--survey", default="klantcontact",
                      help="survey definition (name or .toml path; default the demo)")
    tabs.add_argument("--years", type=_years, required=True, help="e.g. 2025 or 2024-2025")
    tabs.add_argument("--output", default="reports",
                      help="a folder (default reports/) or the .xlsx file to write")
    tabs.add_argument("--org-survey", default=None,
                      help="a second survey whose questions get sheets too; default the "
                           "definition's [report] org_survey, if any; \"\" for none")
    tabs.add_argument("--language", choices=["nl", "en"], default="nl")


def _run_tabs(args) -> int:
    from .report.tabbook import tab_book_path, write_tab_book
    output = tab_book_path(args.survey, args.years, args.output, args.language)
    path = write_tab_book(args.survey, args.years, output, language=args.language,
                          org_survey=args.org_survey)
    print(f"kirc tabs: {path}")
    return 0


class _WarningPrinter:
    """Prints kirc's warnings as ``kirc: warning: <one line>`` on stderr, each text once per
    command; other warnings (library deprecations) go to Python's own printer."""

    def __init__(self, original):
        self.original = original
        self.seen: set[str] = set()

    def __call__(self, message, category, filename, lineno, file=None, line=None):
        from .io.meta import KircWarning

        if not issubclass(category, KircWarning):
            self.original(message, category, filename, lineno, file, line)
            return
        text = " ".join(str(message).split())
        if text not in self.seen:
            self.seen.add(text)
            print(f"kirc: warning: {text}", file=sys.stderr if file is None else file)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    with warnings.catch_warnings():
        warnings.showwarning = _WarningPrinter(warnings.showwarning)
        return _run(args)


def _run(args) -> int:
    try:
        if args.command == "init":
            return _run_init(args)
        if args.command == "inspect":
            from .inspect import describe
            print(describe(args.file, source=args.source))
            return 0
        if args.command == "tabs":
            return _run_tabs(args)
        if args.command == "render":
            from .report import RenderInterrupted, render
            try:
                result = render(years=args.years, segments=args.segment or ["all"],
                                survey=args.survey, org_survey=args.org_survey,
                                language=args.language, jobs=args.jobs, output=args.output,
                                progress=not args.no_progress, pdf=args.pdf,
                                fresh_kernels=args.fresh_kernels, pptx=args.pptx,
                                keep_notebooks=args.keep_notebooks)
            except RenderInterrupted as stop:
                print(stop.line(), file=sys.stderr)
                return 130
            return 0 if result.ok else 1
    except KeyboardInterrupt:
        print(f"kirc {args.command}: interrupted", file=sys.stderr)
        return 130
    except KircError as err:
        print(f"kirc {args.command}: {' '.join(str(err).split())}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # `kirc inspect big.sav | head` closes the pipe early; that is not an error.
        sys.stderr.close()
        return 0
    except OSError as err:
        print(f"kirc {args.command}: {err.strerror or err}"
              + (f": {err.filename}" if getattr(err, "filename", None) else ""),
              file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
