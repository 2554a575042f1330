"""Reading speed and memory (issues 11 and 26), as ratios against baselines measured in the
same run; targets are printed beside them, never asserted.

1. ``read_survey`` of a ``.sav`` (value labels, user-missing codes, a free-text and an e-mail
   column; 1,000,000 rows x 50 columns) against bare ``pyreadstat.read_sav`` of the same
   file; target <= 1.1x.
2. ``read_survey`` of a Dutch CSV (``;``, decimal comma) of 300,000 rows x 30 columns with
   one free-text column against ``pandas.read_csv`` with the same options; target <= 1.5x.
   Both with the default ``personal_data="drop"`` (the e-mail column is dropped, the free
   text scrubbed).
3. ``read_survey`` of the demo's ``.xlsx`` year against ``pandas.read_excel`` with
   python-calamine (the floor) and with openpyxl (the reader before issue 26).
4. ``load_survey("klantcontact")`` warm (its files in the page cache): seconds against the
   issue's target of 0.5 s, and against the floor of reading its nine files with the bare
   readers (pyreadstat, pandas, calamine).
5. A CSV header of 10,000 and of 100,000 columns: the ratio of their read times (linear:
   about 10).
6. Peak memory (tracemalloc, in a subprocess) of reading a Qualtrics export with
   ``chunksize`` against the size of one chunk; target <= 3x.

The data are generated in a temporary folder and deleted afterwards (``--rows`` sets the
size of the .sav, ``--csv-rows`` that of the CSV; ``--quick`` = 200,000 and 100,000 rows).
Each time is the best of three runs, the two sides interleaved; a run takes 3-5 minutes.

Measured on the shared 2-core machine at the end of issue 26 (load 1.4-2.0, default sizes):
sav 1.10x; csv 1.74x (1.44x-1.58x in runs at load 2, where pandas' two reading threads meet
the other load and kirc's serial sniffing of the 1 MiB sample weighs less); xlsx 0.094 s,
2.0x calamine alone and 0.26x openpyxl alone; load_survey warm 0.84 s (1.7x the 0.5 s target,
which needs the survey object of the estimation spine; 7.9x the bare reads of its files);
100,000 columns 11.2x the time of 10,000; chunked Qualtrics export 2.17x one chunk.
After the read-speed work (sniffing quoted samples by counting, the privacy scan's repeated
work), on the quiet machine (load about 1), sections sav, csv and load: sav 1.08x (two runs;
1.10x with the code before); csv 1.88x-1.95x as this script reports it; load_survey warm 0.49 s
(medians of seven 0.483-0.489 s).
On 2026-12-07 (quiet machine, default sizes), after splitting the sample's cells at once,
scrubbing free text with one factorisation and the privacy scan's phone pattern tried only
where a number can start: csv 1.65x-1.69x in six runs (read_survey 0.177-0.183 s against
pandas 0.106-0.110 s; 1.90x in two runs of the code before, 0.201-0.203 s). Of read_survey's
0.18 s, pandas' read is 0.11 s, sniffing the 1 MiB sample 0.03 s and the privacy scrub of the
300,000 free-text cells 0.026 s (0.012 s of it pandas.factorize). pandas 3.1 now parses on
both cores: on one core its read takes 0.164 s, against which read_survey would be 1.1x.
sav 1.06x-1.08x; xlsx 1.55x calamine alone, 0.19x openpyxl alone; load_survey warm 0.45-0.46 s
in four runs (0.49-0.53 s before, a third of it the privacy scan of the nine files'
identifier and free-text columns); 100,000 columns 11.0x the time of 10,000; chunked
Qualtrics export 2.22x one chunk.
Later on 2026-12-07, after counting each separator's fields on the sample's bytes with numpy,
one csv.reader for the quoted rows and the scrubbed column taken from its distinct texts (the
machine was slower and noisier then: pandas' read of the same CSV took 0.113-0.160 s): csv
1.54x-1.72x in five runs of this script; in alternating processes against the code before,
1.48x-1.58x against 1.57x-1.62x (three each). sniff_table on the 1 MiB sample 31 ms (40 ms
before). With a sample of 512 KiB or 256 KiB the CSV would be 1.42x or 1.37x (one run each,
against 1.52x in the same conditions): the target needs less evidence or a baseline of
pandas on one core (1.1x). load_survey warm 0.49-0.58 s in five runs; alternating with the
code before, 0.46-0.50 s against 0.50-0.55 s (best of nine, three each). sav 1.07x; xlsx
1.61x calamine alone, 0.19x openpyxl alone; 100,000 columns 11.0x; chunks 2.22x.
Before issue 26: csv 2.5-3.1x (300,000 x 30), load_survey 1.7-2.3 s warm, .xlsx 0.66 s through
openpyxl, a header of 100,000 columns did not finish in 60 s. Before issue 11 (200,000 rows):
sav 1.66x, csv 4.05x, chunked export 31x.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from timing import best_of  # noqa: E402  (benchmarks/timing.py)

PHRASES = ["snel geholpen", "lang moeten wachten", "vriendelijke medewerker", "probleem niet "
           "opgelost", "prima", "de app werkt niet", "duidelijke uitleg", "bel me terug op "
           "06-12345678", "mail naar jan.jansen@voorbeeld.nl", "te duur", "top!", ""]


def make_frame(rows: int, seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = {"respnr": np.arange(1, rows + 1, dtype="float64"),
            "jaar": np.full(rows, 2024.0)}
    for i in range(39):
        values = rng.integers(0, 11, rows).astype("float64")
        values[rng.random(rows) < 0.03] = 99.0          # "weet niet", declared missing
        data[f"v{i + 1:02d}"] = values
    data["sector"] = rng.integers(1, 6, rows).astype("float64")
    data["kanaal"] = rng.integers(1, 4, rows).astype("float64")
    data["leeftijd"] = rng.integers(18, 90, rows).astype("float64")
    data["weegfactor"] = np.round(rng.gamma(20, 0.05, rows), 4)
    data["wachttijd"] = np.round(rng.exponential(4, rows), 2)
    first = rng.integers(0, len(PHRASES), rows)
    second = rng.integers(0, len(PHRASES), rows)
    phrases = np.array(PHRASES, dtype=object)
    data["toelichting"] = phrases[first] + np.where(second % 3 == 0, ", " + phrases[second], "")
    data["email"] = pd.Series(np.arange(rows)).map(lambda i: f"klant{i}@voorbeeld.nl").to_numpy()
    data["opgelost"] = rng.integers(1, 3, rows).astype("float64")
    data["nps"] = rng.integers(0, 11, rows).astype("float64")
    frame = pd.DataFrame(data)
    assert frame.shape[1] == 50, frame.shape
    return frame


def write_sav(frame: pd.DataFrame, path: Path) -> None:
    import pyreadstat

    ratings = [c for c in frame.columns if c.startswith("v")] + ["nps"]
    labels = {c: {0.0: "zeer slecht", 10.0: "uitstekend", 99.0: "weet niet"} for c in ratings}
    labels["sector"] = {1.0: "bank", 2.0: "energie", 3.0: "telecom", 4.0: "zorg", 5.0: "overheid"}
    labels["kanaal"] = {1.0: "telefoon", 2.0: "chat", 3.0: "e-mail"}
    labels["opgelost"] = {1.0: "ja", 2.0: "nee"}
    pyreadstat.write_sav(frame, path, variable_value_labels=labels,
                         missing_ranges={c: [99.0] for c in ratings})


def write_dutch_csv(frame: pd.DataFrame, path: Path) -> None:
    """';' and decimal comma, as a Dutch Excel writes (polars: pandas' to_csv with decimal=','
    takes minutes for a million rows)."""
    try:
        import polars as pl
    except ImportError:
        frame.to_csv(path, sep=";", decimal=",", index=False)
        return
    columns = {}
    for name in frame.columns:
        values = frame[name]
        if values.dtype == "float64":
            whole = bool((values % 1 == 0).all())
            columns[name] = pl.Series(name, values.to_numpy()).cast(
                pl.Int64 if whole else pl.Float64)
        elif pd.api.types.is_integer_dtype(values):
            columns[name] = pl.Series(name, values.to_numpy())
        else:
            columns[name] = pl.Series(name, [None if pd.isna(v) else str(v) for v in values],
                                      dtype=pl.String)
    pl.DataFrame(columns).write_csv(path, separator=";", decimal_comma=True)


def warm(path: Path) -> None:
    """Read a file once so that baseline and kirc both find it in the page cache."""
    with open(path, "rb") as handle:
        while handle.read(1 << 26):
            pass


MEMORY_SCRIPT = r"""
import sys, tracemalloc, warnings
sys.path.insert(0, sys.argv[1])
warnings.simplefilter("ignore")
import pandas as pd
from kirc.io import read_survey
path, chunksize = sys.argv[2], int(sys.argv[3])
tracemalloc.start()
largest = rows = 0
for chunk in read_survey(path, chunksize=chunksize):
    largest = max(largest, int(chunk.memory_usage(deep=True).sum()))
    rows += len(chunk)
    del chunk
peak = tracemalloc.get_traced_memory()[1]
print(rows, largest, peak)
"""


def qualtrics_export(path: Path, rows: int, seed: int = 5) -> None:
    rng = np.random.default_rng(seed)
    ids = ["StartDate", "EndDate", "Finished", "ResponseId"] + [f"Q{i}" for i in range(1, 17)]
    texts = ["Start Date", "End Date", "Finished", "Response ID"] + [
        f"Hoe tevreden bent u over onderdeel {i}?" for i in range(1, 17)]
    tags = ['"{""ImportId"":""%s""}"' % t for t in
            ["startDate", "endDate", "finished", "_recordId"] + [f"QID{i}" for i in range(1, 17)]]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(ids) + "\r\n" + ",".join(texts) + "\r\n" + ",".join(tags) + "\r\n")
        block = 50_000
        for start in range(0, rows, block):
            n = min(block, rows - start)
            stamps = pd.Timestamp("2024-03-01") + pd.to_timedelta(
                rng.integers(0, 86400 * 300, n), unit="s")
            text = stamps.strftime("%Y-%m-%d %H:%M:%S")
            answers = rng.integers(0, 11, (n, 16))
            lines = [f"{s},{s},1,R_{start + i:08d}," + ",".join(map(str, a))
                     for i, (s, a) in enumerate(zip(text, answers))]
            handle.write("\r\n".join(lines) + "\r\n")


def make_csv_frame(rows: int, seed: int = 3) -> pd.DataFrame:
    """30 columns as a Dutch panel export has them: a respondent number, 26 answers on 0-10,
    a weight and a waiting time with decimal commas, and one open question."""
    rng = np.random.default_rng(seed)
    data = {"respnr": np.arange(1, rows + 1)}
    for i in range(26):
        data[f"v{i + 1:02d}"] = rng.integers(0, 11, rows)
    data["weegfactor"] = np.round(rng.gamma(20, 0.05, rows), 4)
    data["wachttijd"] = np.round(rng.exponential(4, rows), 2)
    first = rng.integers(0, len(PHRASES), rows)
    second = rng.integers(0, len(PHRASES), rows)
    phrases = np.array(PHRASES, dtype=object)
    data["toelichting"] = phrases[first] + np.where(second % 3 == 0, ", " + phrases[second], "")
    frame = pd.DataFrame(data)
    assert frame.shape[1] == 30, frame.shape
    return frame


def interleaved(base, ours, repeat: int = 3) -> tuple[float, float]:
    """Best of ``repeat`` for each, alternating, so that both meet the same machine load."""
    times = [[], []]
    for _ in range(repeat):
        for side, function in enumerate((base, ours)):
            times[side].append(best_of(function, 1))
    return min(times[0]), min(times[1])


def wide_csv(path: Path, columns: int) -> None:
    header = ";".join(f"v{i}" for i in range(columns))
    rows = "\n".join(";".join(str((i + r) % 10) for i in range(columns)) for r in range(3))
    path.write_text(header + "\n" + rows + "\n", encoding="utf-8")


def bare_demo_reads() -> None:
    """The demo survey's files with the bare readers: the floor of load_survey."""
    import pyreadstat

    from kirc.io.text import TEXT_NA_VALUES
    from kirc.resources import surveys_folder

    for path in sorted(surveys_folder().glob("klantcontact_*")):
        if path.suffix == ".sav":
            pyreadstat.read_sav(path, user_missing=True)
        elif path.suffix == ".csv":
            # the options kirc detects for this file, given
            pd.read_csv(path, sep=";", decimal=",", encoding="cp1252", keep_default_na=False,
                        na_values=TEXT_NA_VALUES)
        elif path.suffix == ".xlsx":
            pd.read_excel(path, engine="calamine")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--csv-rows", type=int, default=300_000)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip", nargs="*", default=[],
                        choices=["sav", "csv", "xlsx", "load", "wide", "chunks"])
    args = parser.parse_args(argv)
    skip = set(args.skip)
    rows = 200_000 if args.quick else args.rows
    csv_rows = 100_000 if args.quick else args.csv_rows

    import warnings

    import pyreadstat

    import kirc
    from kirc.io import read_survey
    from kirc.io.text import TEXT_NA_VALUES
    from kirc.resources import surveys_folder

    warnings.simplefilter("ignore")
    repeat = args.repeat
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        sav, csv_path = folder / "bench.sav", folder / "bench.csv"
        if not {"sav", "csv"} <= skip:
            started = time.perf_counter()
            write_sav(make_frame(rows), sav)
            write_dutch_csv(make_csv_frame(csv_rows), csv_path)
            print(f"data: sav {rows:,} rows x 50 columns ({sav.stat().st_size / 1e6:.0f} MB), "
                  f"csv {csv_rows:,} rows x 30 columns ({csv_path.stat().st_size / 1e6:.0f} "
                  f"MB), written in {time.perf_counter() - started:.0f} s", flush=True)
            for path in (sav, csv_path):
                warm(path)

        if "sav" not in skip:
            base, ours = interleaved(lambda: pyreadstat.read_sav(sav, user_missing=True),
                                     lambda: read_survey(sav), repeat)
            print(f"sav: pyreadstat.read_sav {base:.2f} s, read_survey {ours:.2f} s, "
                  f"ratio {ours / base:.2f}x (target <= 1.1x)", flush=True)

        if "csv" not in skip:
            options = dict(sep=";", decimal=",", keep_default_na=False,
                           na_values=TEXT_NA_VALUES, encoding="utf-8")
            base, ours = interleaved(lambda: pd.read_csv(csv_path, **options),
                                     lambda: read_survey(csv_path), max(repeat, 5))
            print(f"csv: pandas.read_csv {base:.3f} s, read_survey {ours:.3f} s, "
                  f"ratio {ours / base:.2f}x (target <= 1.5x)", flush=True)

        if "xlsx" not in skip:
            xlsx = surveys_folder() / "klantcontact_2023.xlsx"
            calamine, ours = interleaved(lambda: pd.read_excel(xlsx, engine="calamine"),
                                         lambda: read_survey(xlsx), repeat)
            openpyxl = best_of(lambda: pd.read_excel(xlsx, engine="openpyxl"), repeat)
            print(f"xlsx ({xlsx.name}): pandas.read_excel calamine {calamine:.3f} s, openpyxl "
                  f"{openpyxl:.3f} s, read_survey {ours:.3f} s, ratio {ours / calamine:.2f}x "
                  f"the calamine floor, {ours / openpyxl:.2f}x openpyxl alone", flush=True)

        if "load" not in skip:
            kirc.load_survey("klantcontact")              # first (cold) load: caches warm
            floor, load = interleaved(bare_demo_reads,
                                      lambda: kirc.load_survey("klantcontact"), repeat)
            print(f"load_survey('klantcontact') warm: {load:.2f} s, {load / 0.5:.1f}x the "
                  f"target of 0.5 s, {load / floor:.1f}x the bare reads of its files "
                  f"({floor:.2f} s)", flush=True)

        if "wide" not in skip:
            narrow, wide = folder / "w10k.csv", folder / "w100k.csv"
            wide_csv(narrow, 10_000)
            wide_csv(wide, 100_000)
            small = best_of(lambda: read_survey(narrow), 1)
            large = best_of(lambda: read_survey(wide), 1)
            print(f"header of 10,000 columns {small:.2f} s, of 100,000 columns {large:.2f} s: "
                  f"ratio {large / small:.1f} for ten times the columns (linear: about 10)",
                  flush=True)

        if "chunks" in skip:
            return 0
        export = folder / "qualtrics.csv"
        export_rows = max(rows // 4, 50_000)
        qualtrics_export(export, export_rows)
        chunksize = 10_000
        out = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, str(ROOT), str(export),
                              str(chunksize)], capture_output=True, text=True, check=True)
        n, largest, peak = (int(x) for x in out.stdout.split())
        print(f"chunked Qualtrics export ({export.stat().st_size / 1e6:.0f} MB, {n:,} rows, "
              f"chunks of {chunksize:,}): peak {peak / 1e6:.1f} MB, one chunk "
              f"{largest / 1e6:.1f} MB, ratio {peak / largest:.2f}x (target <= 3x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
