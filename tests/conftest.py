"""Shared test fixtures.

``../shared/`` (beside the project root) holds real third-party survey files. A user's fresh clone
does not have it, so every test that needs it skips with a reason when it is absent. Set
``KIRC_SHARED`` to point elsewhere.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SURVEYS = ROOT / "surveys"
SHARED = Path(os.environ.get("KIRC_SHARED", ROOT.parent / "shared"))
REALDATA = SHARED / "realdata"


def realdata_file(*parts: str) -> Path:
    """Path to a file in ``../shared/realdata``, skipping the test when it is not there."""
    path = REALDATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared/ is not part of a fresh clone)")
    return path


@pytest.fixture
def realdata():
    return realdata_file


@pytest.fixture(scope="session")
def prepared_years(tmp_path_factory):
    """One folder of prepared survey years (kirc.prepared) for the renders of a worker's
    session: neither the demo's exports nor kirc's code change during it, so a batch reuses
    what an earlier one prepared."""
    return tmp_path_factory.mktemp("prepared")


@pytest.fixture(scope="module")
def keep_prepared_years(prepared_years):
    """The renders of a test module share the session's prepared years."""
    from kirc.prepared import prepared_cache
    with prepared_cache(prepared_years):
        yield prepared_years


@pytest.fixture(scope="session")
def rendered_2025(tmp_path_factory, prepared_years):
    """The real annual reports of 2025 — all sectors and each sector, with their decks —
    rendered once for the whole session.

    Several test files inspect the same batch (HTML content, the market beside each sector,
    the decks, the browser, the PDF, idempotency); rendering takes ~30 s, so they share it
    (once per xdist worker that runs one of them).
    """
    from kirc import report
    from kirc.prepared import prepared_cache

    output = tmp_path_factory.mktemp("reports")
    with prepared_cache(prepared_years):
        result = report.render(years=[2025], segments=["each"], output=output, jobs=2,
                               progress=False, pptx=True)
    assert result.ok, result.summary()
    return {"output": output, "result": result}


@pytest.fixture(scope="session")
def rendered_english(tmp_path_factory, prepared_years):
    """An English batch with a segment: all sectors and telecom, 2025 (one extra render)."""
    from kirc import report
    from kirc.prepared import prepared_cache
    output = tmp_path_factory.mktemp("reports-en")
    with prepared_cache(prepared_years):
        result = report.render(years=[2025], segments=["all", "telecom"], language="en",
                               output=output, jobs=2, progress=False, pptx=True)
    assert result.ok, result.summary()
    return output


def read_unchanged(path, **options):
    """``read_survey`` with personal data kept, asserting the input file is not modified.

    Returns the frame and the texts of the KircWarnings it gave.
    """
    from kirc.io import KircWarning, read_survey

    before = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = read_survey(path, personal_data="keep", **options)
    assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == before, \
        "the input file was modified"
    return df, [str(w.message) for w in caught if issubclass(w.category, KircWarning)]
