"""The cache of prepared survey years (kirc.prepared) and the read-only attrs (kirc._frozen)."""

import copy
import os
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

import kirc
import kirc.io
from kirc._frozen import FrozenDict, FrozenList, freeze
from kirc.prepared import cache_folder, prepared_cache
from test_surveys import GOOD_ROWS, mini_survey


def same_load(a, b):
    assert a.equals(b)
    assert list(a.attrs) == list(b.attrs)
    for key in a.attrs:
        if key != "calibration":
            assert repr(a.attrs[key]) == repr(b.attrs[key]), key
    if "calibration" in a.attrs:
        ca, cb = a.attrs["calibration"], b.attrs["calibration"]
        np.testing.assert_array_equal(ca.g, cb.g)
        np.testing.assert_array_equal(ca.x, cb.x)
        np.testing.assert_array_equal(ca.inverse, cb.inverse)
        assert [label for label, _ in ca.parts] == [label for label, _ in cb.parts]
        pd.testing.assert_frame_equal(a.info.sample.frame, b.info.sample.frame)


@pytest.mark.parametrize("survey, years", [("klantcontact", [2023, 2024, 2025]),
                                           ("sectorscan", [2017, 2019])])
def test_a_cached_load_is_the_uncached_load(survey, years, monkeypatch):
    reference = kirc.load_survey(survey, years=years)
    with prepared_cache() as folder:
        first = kirc.load_survey(survey, years=years)
        assert len(list(folder.glob("*.pickle"))) == len(years)

        def unread(*args, **kwargs):
            raise AssertionError("a cached year was read again")

        monkeypatch.setattr(kirc.io, "read_survey", unread)
        again = kirc.load_survey(survey, years=years)
        fewer = kirc.load_survey(survey, years=years[1:])     # the years are entries of their own
    for frame in (first, again):
        same_load(reference, frame)
    monkeypatch.undo()
    same_load(kirc.load_survey(survey, years=years[1:]), fewer)
    # and the estimates from it: calibrated, by year and sector
    column = "nps" if survey == "klantcontact" else "avg_ready"
    estimate = kirc.nps if survey == "klantcontact" else kirc.share
    assert estimate(again, column, by=["year", "sector"]).equals(
        estimate(reference, column, by=["year", "sector"]))


def test_the_cache_folder_is_private_and_removed_and_inherited_by_child_processes():
    assert cache_folder() is None
    with prepared_cache() as folder:
        assert os.environ["KIRC_PREPARED_CACHE"] == str(folder.resolve())
        assert (folder.stat().st_mode & 0o077) == 0
    assert not folder.exists() and cache_folder() is None


def test_a_changed_export_is_prepared_again(tmp_path):
    path = mini_survey(tmp_path, GOOD_ROWS)
    with prepared_cache(tmp_path / "cache") as folder:
        assert kirc.load_survey(path)["nps"].tolist()[0] == 10.0
        mini_survey(tmp_path, ["1;2024;3;1;1;0,5", *GOOD_ROWS[1:]])
        export = tmp_path / "mini_2024.csv"
        stat = export.stat()
        os.utime(export, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
        assert kirc.load_survey(path)["nps"].tolist()[0] == 3.0
        assert len(list(folder.glob("*.pickle"))) == 2
    assert folder.exists()                        # a folder given is kept


def test_only_frames_without_personal_data_are_kept(tmp_path):
    path = mini_survey(tmp_path, GOOD_ROWS)
    with prepared_cache(tmp_path / "cache") as folder:
        kirc.load_survey(path, personal_data="keep")
        assert list(folder.glob("*.pickle")) == []


def test_the_warnings_of_a_cached_year_are_given_on_every_load(monkeypatch):
    real = kirc.io.read_survey

    def declaring(file, **options):
        frame = real(file, **options)
        frame.attrs["weight"] = "gewicht"          # as an SPSS WEIGHT BY the design does not use
        return frame

    monkeypatch.setattr(kirc.io, "read_survey", declaring)
    definition = kirc.survey_definition("sectorscan")
    assert not (definition.get("design") or {}).get("weights")
    with prepared_cache():
        for _ in range(2):
            with pytest.warns(kirc.KircWarning, match="WEIGHT BY"):
                kirc.load_survey("sectorscan", years=[2017])


def test_a_broken_entry_is_prepared_again(tmp_path):
    path = mini_survey(tmp_path, GOOD_ROWS)
    with prepared_cache(tmp_path / "cache") as folder:
        reference = kirc.load_survey(path)
        for entry in folder.glob("*.pickle"):
            entry.write_bytes(b"cut short")
        assert kirc.load_survey(path).equals(reference)


def test_frozen_metadata_is_shared_by_deepcopy_and_cannot_change():
    meta = freeze({"sources": {2024: "a.sav"}, "personal_data": [{"column": "email"}]})
    assert isinstance(meta["sources"], FrozenDict)
    assert isinstance(meta["personal_data"], FrozenList)
    assert copy.deepcopy(meta) is meta and copy.copy(meta["personal_data"]) is meta["personal_data"]
    assert meta == {"sources": {2024: "a.sav"}, "personal_data": [{"column": "email"}]}
    assert pickle.loads(pickle.dumps(meta)) == meta
    with pytest.raises(TypeError, match="read-only"):
        meta["sources"][2025] = "b.sav"
    with pytest.raises(TypeError, match="read-only"):
        meta["personal_data"].append({})
    with pytest.raises(TypeError, match="read-only"):
        meta["personal_data"][0]["column"] = "x"
    assert {**meta["sources"], 2025: "b.sav"} == {2024: "a.sav", 2025: "b.sav"}


def test_load_survey_attrs_are_frozen_and_filters_share_them():
    data = kirc.load_survey("sectorscan", years=[2017])
    part = data[data["sector"] == data["sector"].iloc[0]]
    assert part.attrs["constructs"] is data.attrs["constructs"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert part["avg_ready"].attrs["personal_data"] is data.attrs["personal_data"]


def test_a_batch_uses_the_cache_its_caller_keeps(tmp_path, monkeypatch):
    """render prepares into a folder of its own, removed after the batch; inside the caller's
    prepared_cache(folder) it uses that folder and leaves it, for the next batch."""
    from kirc import report
    seen = []

    def run(plan, workers, progress, prepare):
        seen.append(cache_folder())
        assert seen[-1].is_dir() and prepare
        return [], False

    monkeypatch.setattr(report.run, "_run", run)
    report.render(years=[2025], output=tmp_path / "a", progress=False)
    assert seen[0] is not None and not seen[0].exists() and cache_folder() is None
    with prepared_cache(tmp_path / "kept"):
        report.render(years=[2025], output=tmp_path / "b", progress=False)
    assert seen[1] == (tmp_path / "kept").resolve() and seen[1].is_dir()
    assert cache_folder() is None
