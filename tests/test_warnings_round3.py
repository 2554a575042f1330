"""Issue 26: one clean warning. Each reading decision that deserves a warning appears once per
file and cause, as one line of kirc's own category without a source line; the command line
prints it as ``kirc: warning: ...``.
"""

from __future__ import annotations

import subprocess
import sys
import warnings

from conftest import ROOT
from kirc.io import KircWarning, read_survey


def titled_csv(path, rows=60):
    lines = ["Ledenpeiling 2024, alle afdelingen", "id;afdeling;aanbevelen;opgelost"]
    lines += [f"{i};{'Noord' if i % 2 else 'Zuid'};{i % 11};{'Ja' if i % 3 else 'Nee'}"
              for i in range(1, rows + 1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_reading_warning_is_one_line_once_per_file_and_cause(tmp_path):
    path = titled_csv(tmp_path / "peiling_2024.csv")
    code = ("import sys; from kirc.io import read_survey\n"
            "read_survey(sys.argv[1]); read_survey(sys.argv[1])\n")
    run = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                         text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr            # read twice, told once, no source line
    assert lines[0].startswith("kirc:0: KircWarning: " + str(path))
    assert "line 2" in lines[0]
    # a warning of another file is its own
    other = titled_csv(tmp_path / "peiling_2025.csv")
    run = subprocess.run([sys.executable, "-c", code.replace("read_survey(sys.argv[1]); ", "")
                          + "read_survey(sys.argv[2])\n", str(path), str(other)],
                         capture_output=True, text=True, cwd=ROOT)
    assert len(run.stderr.strip().splitlines()) == 2


def test_the_warning_category_and_place_are_kircs_own(tmp_path):
    path = titled_csv(tmp_path / "peiling_2024.csv")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read_survey(path)
    [warning] = [w for w in caught if issubclass(w.category, KircWarning)]
    assert (warning.filename, warning.lineno) == ("kirc", 0)
    assert "\n" not in str(warning.message)


def test_kirc_init_prints_each_warning_once_as_kirc_warning(tmp_path):
    export = titled_csv(tmp_path / "peiling_2024.csv")
    run = subprocess.run([sys.executable, "-m", "kirc.cli", "init", str(export), "--output",
                          str(tmp_path / "peiling.toml")], capture_output=True, text=True,
                         cwd=ROOT)
    assert run.returncode == 0, run.stderr
    warned = [line for line in run.stderr.splitlines() if "warning" in line.lower()]
    assert warned == [line for line in warned if line.startswith("kirc: warning: ")]
    assert len([w for w in warned if "line 2" in w]) == 1     # read by init and by the check
    assert "KircWarning" not in run.stderr and "warnings.warn" not in run.stderr
