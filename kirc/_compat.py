"""Every compatibility name of the package, in one place, with the release that removes it.

Modules that moved keep their old import path for one release: ``import kirc.metrics`` and
``kirc.metrics`` give the module's new home (:mod:`kirc.estimate.metrics`) with a
:class:`FutureWarning` that names it. Calls in an older style (positional arguments that are now
keyword-only) keep working for one release through :func:`keyword_only`, with the same warning.

Nothing in the package imports a name from here; the import hook is installed by
``kirc/__init__.py``.
"""

from __future__ import annotations

import functools
import importlib
import importlib.abc
import importlib.machinery
import inspect
import sys
import types
import warnings

#: The release that removes the names below.
REMOVED_IN = "0.3"

#: old module -> (new module, extra names that came from other modules)
MOVED_MODULES: dict[str, tuple[str, dict[str, str]]] = {
    "kirc.metrics": ("kirc.estimate.metrics", {}),
    "kirc.compare": ("kirc.estimate.compare", {}),
    "kirc.tally": ("kirc.estimate.tally", {}),
    "kirc.variance": ("kirc.estimate.variance", {}),
    "kirc.crosstabs": ("kirc.estimate.groups", {}),
    "kirc.driver_analysis": ("kirc.estimate.drivers", {}),
    "kirc.design": ("kirc.survey.design", {}),
    "kirc.surveys": ("kirc.survey.definition", {}),
    "kirc.weighting": ("kirc.survey.calibrate", {}),
    "kirc.calibration": ("kirc.quality.raters", {}),
    "kirc.tabbook": ("kirc.report.tabbook", {}),
    "kirc.read": ("kirc.io", {}),
    "kirc.platforms": ("kirc.io.platforms", {}),
    "kirc.plots": ("kirc.plot", {}),
    "kirc.annual": ("kirc.report.content", {
        "format_number": "kirc.report.formatting",
        "format_percent": "kirc.report.formatting", "format_value": "kirc.report.formatting",
        "LABELS": "kirc.report.texts"}),
}

#: Short public names of modules that live deeper (no warning: these are not deprecated).
ALIASES = {"kirc.engines": "kirc.estimate.engines"}


def _warn(old: str, new: str, stacklevel: int = 3) -> None:
    warnings.warn(f"{old} moved to {new}; the old name is removed in kirc {REMOVED_IN}",
                  FutureWarning, stacklevel=stacklevel)


def module(old: str):
    """The module an old (or alias) name stands for; warns for a moved module."""
    if old in ALIASES:
        return importlib.import_module(ALIASES[old])
    new, extra = MOVED_MODULES[old]
    _warn(old, new, stacklevel=4)
    target = importlib.import_module(new)
    if not extra:
        return target
    combined = types.ModuleType(old, target.__doc__)
    combined.__dict__.update({k: v for k, v in vars(target).items() if not k.startswith("__")})
    for name, home in extra.items():
        setattr(combined, name, getattr(importlib.import_module(home), name))
    return combined


class _Loader(importlib.abc.Loader):
    def create_module(self, spec):
        found = module(spec.name)
        self.spec = getattr(found, "__spec__", None)
        return found

    def exec_module(self, module_):
        # the import system stamps the old name's spec on the module: give it its own back
        if self.spec is not None:
            module_.__spec__ = self.spec


class _Finder(importlib.abc.MetaPathFinder):
    """Finds the old module names (``import kirc.metrics``) and hands out the new modules."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname in MOVED_MODULES or fullname in ALIASES:
            return importlib.machinery.ModuleSpec(fullname, _Loader())
        return None


def install() -> None:
    """Put the finder of old module names on ``sys.meta_path`` (once)."""
    if not any(isinstance(finder, _Finder) for finder in sys.meta_path):
        sys.meta_path.append(_Finder())


def keyword_only(*names: str, refuse=None):
    """Accept the old positional arguments ``names`` (after the required ones) for one release.

    ``refuse(bound_arguments, data)`` may raise for an old call that silently gave a wrong
    answer (it is then refused, not warned about).
    """
    def decorate(function):
        signature = inspect.signature(function)
        required = [p.name for p in signature.parameters.values()
                    if p.kind == p.POSITIONAL_OR_KEYWORD]

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            extra = args[len(required):]
            if extra:
                if len(extra) > len(names):
                    raise TypeError(f"{function.__name__}() takes {len(required)} positional "
                                    f"arguments but {len(args)} were given")
                given = dict(zip(names, extra))
                for name in given:
                    if name in kwargs:
                        raise TypeError(f"{function.__name__}() got multiple values for "
                                        f"argument {name!r}")
                if refuse is not None:
                    refuse(given, args[0] if args else None)
                shown = ", ".join(f"{name}=" for name in given)
                warnings.warn(f"{function.__name__}(): pass {shown} by keyword; positional use "
                              f"is removed in kirc {REMOVED_IN}", FutureWarning, stacklevel=2)
                kwargs.update(given)
                args = args[:len(required)]
            return function(*args, **kwargs)
        wrapper.__signature__ = signature
        return wrapper
    return decorate
