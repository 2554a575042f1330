"""A non-editable install (``pip install .``) finds the bundled notebooks and demo surveys.

The wheel is built from a copy of the checkout into a temporary venv that reuses the test
environment's packages (``--system-site-packages`` plus a ``.pth`` line naming this
environment's site-packages, since the test environment is itself usually a venv) and is
installed with ``--no-deps --no-build-isolation``, so the test needs no network. It then runs
from another folder, without PYTHONPATH, so that only the installed copy can answer.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import site
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

#: kernels, browsers, Spark or a batch: outside the inner loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def _can_build_wheels() -> bool:
    import setuptools

    major, minor = (int(p) for p in setuptools.__version__.split(".")[:2])
    return (major, minor) >= (70, 1) or importlib.util.find_spec("wheel") is not None


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    if not _can_build_wheels():
        pytest.skip("building a wheel offline needs setuptools>=70.1 or the wheel package")
    base = tmp_path_factory.mktemp("install")
    source = base / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "reports", "build", "dist", "*.egg-info", "__pycache__",
        ".pytest_cache", ".ipynb_checkpoints"))
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip",
                    str(venv)], check=True)
    python = venv / "bin" / "python"
    target = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                            check=True, capture_output=True, text=True).stdout.strip()
    parents = [p for p in site.getsitepackages() if Path(p).is_dir()]
    Path(target, "test_environment.pth").write_text("\n".join(parents) + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "KIRC_SURVEYS")}
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
                    "--no-deps", "--no-build-isolation", str(source)],
                   check=True, env=env, cwd=base, capture_output=True)
    return {"python": python, "env": env, "cwd": tmp_path_factory.mktemp("elsewhere"),
            "site": Path(target)}


def test_installed_package_finds_the_notebook_and_the_demo_surveys(installed):
    script = textwrap.dedent("""
        import json, kirc, kirc.resources as r
        df = kirc.load_survey("klantcontact", years=[2025])
        orgs = kirc.load_survey("sectorscan", years=[2025])
        print(json.dumps({"kirc": kirc.__file__, "notebook": str(r.notebook_path()),
                          "surveys": str(r.surveys_folder()), "rows": len(df),
                          "orgs": len(orgs), "nps": float(df["nps"].mean()),
                          "available": kirc.survey.definition.available_surveys()}))
    """)
    done = subprocess.run([str(installed["python"]), "-c", script], env=installed["env"],
                          cwd=installed["cwd"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    import json

    found = json.loads(done.stdout)
    site_packages = installed["site"]
    assert Path(found["kirc"]).is_relative_to(site_packages)
    assert Path(found["notebook"]) == site_packages / "kirc/_data/notebooks/annual_report.ipynb"
    assert Path(found["surveys"]) == site_packages / "kirc/_data/surveys"
    assert found["available"] == ["klantcontact", "sectorscan"]
    # the same data as the checkout's
    import kirc

    here = kirc.load_survey("klantcontact", years=[2025])
    assert found["rows"] == len(here) and found["nps"] == pytest.approx(here["nps"].mean())
    assert found["orgs"] == len(kirc.load_survey("sectorscan", years=[2025]))


def test_installed_notebook_is_the_checkouts(installed):
    copy = installed["site"] / "kirc/_data/notebooks/annual_report.ipynb"
    assert copy.read_bytes() == (ROOT / "notebooks/annual_report.ipynb").read_bytes()


def test_installed_kirc_command_drafts_and_loads_a_survey(installed):
    folder = installed["cwd"]
    (folder / "peiling_2024.csv").write_text(
        "nr;aanbevelen;opgelost\n" + "".join(f"{i};{i % 11};{'Ja' if i % 3 else 'Nee'}\n"
                                              for i in range(1, 61)), encoding="utf-8")
    kirc_command = installed["python"].parent / "kirc"
    done = subprocess.run([str(kirc_command), "init", "peiling_2024.csv", "--output",
                           "peiling.toml"], env=installed["env"], cwd=folder,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "the draft loads: 60 rows" in done.stderr
    check = subprocess.run([str(installed["python"]), "-c",
                            "import kirc; print(kirc.load_survey('peiling.toml')['opgelost'].sum())"],
                           env=installed["env"], cwd=folder, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    assert float(check.stdout) == sum(1 for i in range(1, 61) if i % 3)
