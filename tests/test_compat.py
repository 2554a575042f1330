"""The compatibility names of kirc/_compat.py: an old import path gives the new home, with one
FutureWarning that names it and the release that removes it."""

from __future__ import annotations

import importlib
import sys

import pytest

from kirc import _compat


@pytest.mark.parametrize("old", sorted(_compat.MOVED_MODULES))
def test_an_old_module_name_warns_and_gives_its_new_home(old, monkeypatch):
    new, extra = _compat.MOVED_MODULES[old]
    monkeypatch.delitem(sys.modules, old, raising=False)
    with pytest.warns(FutureWarning, match=rf"{old} moved to {new}; the old name is removed "
                                           rf"in kirc {_compat.REMOVED_IN}"):
        module = importlib.import_module(old)
    target = importlib.import_module(new)
    public = [n for n in getattr(target, "__all__", []) if hasattr(target, n)]
    assert public, new
    for name in public:
        assert getattr(module, name) is getattr(target, name), (old, name)
    for name, home in extra.items():
        assert getattr(module, name) is getattr(importlib.import_module(home), name)


def test_an_alias_does_not_warn(recwarn):
    import kirc
    assert kirc.engines is importlib.import_module("kirc.estimate.engines")
    assert not [w for w in recwarn if issubclass(w.category, FutureWarning)]
