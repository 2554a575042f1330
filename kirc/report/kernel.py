"""One kernel for many reports: what ``kirc render`` resets between two reports.

Starting a kernel and importing pandas, matplotlib and kirc took about 2.5 s of every report,
more than computing most of them. A render worker therefore starts one kernel and executes
report after report in it. Before each report the kernel is put back to the state of a fresh
one, as far as a report can tell:

- the user namespace is emptied and the execution counter starts at 1 again (IPython's
  ``reset(new_session=True)``), so cells are numbered ``In [1]``, ``In [2]``... as always;
- the warning filters are those the kernel started with, and which warnings were already
  shown is forgotten (a warning shown in one report is shown in the next one too);
- matplotlib's settings are those the kernel started with, and every figure is closed;
- the previous report's garbage is collected, and what remains (the imported modules) is
  frozen out of the garbage collector's way (:func:`gc.freeze`).

Imported modules stay imported: that is the point (the report modules of kirc are imported
before the first report). A notebook that keeps state in a module of its own (a global cache,
a changed pandas option), or imports a library that installs warning filters when it is
imported, should be rendered with fresh kernels (``kirc render --fresh-kernels``): the filters
are reset to those of the kernel before its first report.
"""

from __future__ import annotations

import gc
import warnings

_started: dict = {}


def snapshot() -> None:
    """Remember the state of the freshly started kernel (run once, before the first report)."""
    import matplotlib
    import matplotlib.pyplot  # noqa: F401  (the inline backend sets its rcParams on import)

    _started["rc"] = matplotlib.rcParams.copy()
    # The report's own modules, imported once for every report of the kernel. Some libraries
    # install warning filters when imported (scipy does); a fresh kernel has them from its
    # import cell on, so they belong to the state every report starts from.
    import kirc.report.content  # noqa: F401
    import kirc.report.charts  # noqa: F401
    import kirc.report.sections  # noqa: F401

    _started["filters"] = list(warnings.filters)


def reset() -> None:
    """Put the kernel back to the state :func:`snapshot` saw."""
    import matplotlib
    import matplotlib.pyplot as plt
    from IPython import get_ipython

    plt.close("all")
    warnings.resetwarnings()           # also forgets the warnings already shown
    warnings.filters[:] = _started["filters"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # deprecated keys among the defaults
        matplotlib.rcParams.update(_started["rc"])
    shell = get_ipython()
    if shell is not None:
        shell.reset(new_session=True)
    # What is left now (modules, their caches) lives as long as the kernel: moved out of the
    # collector's way, so that its full collections during a report only walk the report's
    # own objects (they walked every imported module: 0.3-0.4 s per report).
    gc.collect()
    gc.freeze()
