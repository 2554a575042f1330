"""The notebooks as committed: without outputs, parameterised, and running top to bottom."""

from __future__ import annotations

import json

import nbformat
import papermill
import pytest

from conftest import ROOT

#: kernels, browsers, Spark or a batch: outside the inner loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_both_notebooks_exist():
    assert {p.name for p in NOTEBOOKS} >= {"annual_report.ipynb", "explore.ipynb",
                                           "calibration.ipynb"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, path.name


def test_annual_report_declares_its_parameters():
    parameters = papermill.inspect_notebook(str(ROOT / "notebooks" / "annual_report.ipynb"))
    assert set(parameters) == {"year", "survey", "org_survey", "segment", "language",
                               "output_dir", "pptx"}
    assert parameters["year"]["default"] == "2025"
    assert parameters["language"]["default"] == '"nl"'


def test_notebooks_hold_no_logic_of_their_own():
    # Thin notebooks: no function or class definitions, no arithmetic on metric columns.
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        source = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
        assert "def " not in source and "class " not in source, path.name


@pytest.mark.parametrize("name", ["explore.ipynb", "annual_report.ipynb", "calibration.ipynb"])
def test_runs_top_to_bottom_as_committed(name, tmp_path):
    # As a researcher runs it in JupyterLab: default parameters, working directory notebooks/.
    output = tmp_path / name
    papermill.execute_notebook(str(ROOT / "notebooks" / name), str(output),
                               cwd=str(ROOT / "notebooks"), kernel_name="python3",
                               progress_bar=False)
    executed = nbformat.read(output, as_version=4)
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors == []
    # a warning in a cell is a stream to stderr: the notebooks researchers copy show none
    warned = [o.text for c in executed.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "stream" and o.name == "stderr"]
    assert warned == []
    images = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs
              if "image/png" in o.get("data", {})
              or "data:image/svg+xml" in "".join(o.get("data", {}).get("text/html", ""))]
    assert len(images) >= 2
    # opened by hand, the report notebook leaves nothing behind in notebooks/
    assert not (ROOT / "notebooks" / "headline.json").exists()


def test_calibration_notebook_declares_its_parameters():
    parameters = papermill.inspect_notebook(str(ROOT / "notebooks" / "calibration.ipynb"))
    assert set(parameters) == {"scores", "targets", "raters", "criteria", "level", "session"}
    assert parameters["scores"]["default"] == "None"
