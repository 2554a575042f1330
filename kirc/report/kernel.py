"""One kernel for many reports: what ``kirc render`` resets between two reports.

Starting a kernel and importing pandas, matplotlib and kirc took about 2.5 s of every report,
more than computing most of them. A render worker therefore starts one kernel and executes
report after report in it. Before each report the kernel is put back to the state of a fresh
one, as far as a report can tell:

- the user namespace is emptied and the execution counter starts at 1 again (IPython's
  ``reset(new_session=True)``), so cells are numbered ``In [1]``, ``In [2]``... as always;
- the warning filters are those the kernel started with, and which warnings were already
  shown is forgotten (a warning shown in one report is shown in the next one too);
- matplotlib's settings are those the kernel started with, and every figure is closed.

Imported modules stay imported: that is the point. A notebook that keeps state in a module
of its own (a global cache, a changed pandas option) should be rendered with fresh kernels
(``kirc render --fresh-kernels``).
"""

from __future__ import annotations

import warnings

_started: dict = {}


def snapshot() -> None:
    """Remember the state of the freshly started kernel (run once, before the first report)."""
    import matplotlib
    import matplotlib.pyplot  # noqa: F401  (the inline backend sets its rcParams on import)

    _started["filters"] = list(warnings.filters)
    _started["rc"] = matplotlib.rcParams.copy()


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
