"""The ``kirc`` command: ``kirc render``, ``kirc inspect``, ``kirc init`` and ``kirc tabs``."""

from __future__ import annotations

import argparse
import sys

from .errors import KircError


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
    parser = argparse.ArgumentParser(prog="kirc", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    render = sub.add_parser("render", help="execute the annual report notebook per year and "
                                           "segment and export static HTML")
    render.add_argument("--years", type=_years, required=True, help="e.g. 2017-2025 or 2024")
    render.add_argument("--segment", action="append", default=None,
                        help="a sector, or 'all' (default); repeat for several")
    render.add_argument("--survey", default="klantcontact",
                        help="consumer survey definition (name or .toml path)")
    render.add_argument("--org-survey", default="sectorscan",
                        help="organisation survey definition (name or .toml path)")
    render.add_argument("--language", choices=["nl", "en"], default="nl")
    render.add_argument("--jobs", type=int, default=None,
                        help="reports rendered in parallel (default: number of cores)")
    render.add_argument("--output", default="reports", help="output folder (default reports/)")
    render.add_argument("--no-progress", action="store_true", help="no progress bar")

    inspect = sub.add_parser("inspect", help="show what kirc detects in a survey export")
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
                          "'# check:'; read the draft, adjust it, then kirc render --survey.")
    init.add_argument("exports", nargs="+", metavar="EXPORT",
                      help="survey export(s): .sav, .csv, .xlsx, ...")
    init.add_argument("--output", "-o", required=True, metavar="FILE.toml",
                      help="where to write the draft")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")


def _run_init(args) -> int:
    from .draft import check_draft, write_draft

    path, text = write_draft(args.exports, args.output, force=args.force)
    print(text, end="")
    loads, years = check_draft(path)
    span = (str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}") if years else "..."
    print(f"kirc init: wrote {path}; {loads}. Read the lines marked '# check:', "
          f"then: kirc render --survey {path} --years {span}", file=sys.stderr)
    return 0


def _add_tabs_parser(sub) -> None:
    tabs = sub.add_parser("tabs", help="write an Excel tab book: every question by every "
                                       "breakdown, with bases, percentages and letters")
    tabs.add_argument("--survey", default="klantcontact",
                      help="survey definition (name or .toml path)")
    tabs.add_argument("--years", type=_years, required=True, help="e.g. 2025 or 2024-2025")
    tabs.add_argument("--output", required=True, help="the .xlsx file to write")
    tabs.add_argument("--language", choices=["nl", "en"], default="nl")


def _run_tabs(args) -> int:
    from .tabbook import write_tab_book
    path = write_tab_book(args.survey, args.years, args.output, language=args.language)
    print(f"kirc tabs: {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
            from .report import render
            result = render(years=args.years, segments=args.segment or ["all"],
                            survey=args.survey, org_survey=args.org_survey,
                            language=args.language, jobs=args.jobs, output=args.output,
                            progress=not args.no_progress)
            return 0 if result.ok else 1
    except KircError as err:
        print(f"kirc {args.command}: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # `kirc inspect big.sav | head` closes the pipe early; that is not an error.
        sys.stderr.close()
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
