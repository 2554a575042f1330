"""Where the report notebook and the demo surveys are, in a checkout and in an installed wheel.

In a source checkout (and an editable install) they are the repository's ``notebooks/`` and
``surveys/``; a wheel built by ``pip install .`` carries copies of both as ``kirc/_data/...``
(see ``setup.py``). Every part of kirc that needs them asks here, so that a non-editable
install renders the same reports as a checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import InputFileError

__all__ = ["data_folder", "surveys_folder", "notebooks_folder", "notebook_path"]

_PACKAGE = Path(__file__).resolve().parent


def data_folder(name: str) -> Path:
    """The bundled folder ``name`` (``"notebooks"`` or ``"surveys"``).

    The checkout's folder when kirc runs from a source tree (a ``pyproject.toml`` beside the
    package), else the copy inside the installed package.

    Examples
    --------
    >>> data_folder("surveys").joinpath("klantcontact.toml").is_file()
    True
    """
    checkout = _PACKAGE.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / name).is_dir():
        return checkout / name
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    raise InputFileError(f"kirc's {name}/ folder is neither in a source checkout nor in the "
                         f"installed package; reinstall kirc (pip install .)",
                         file=installed)


def surveys_folder() -> Path:
    """The folder of the survey definitions found by name: ``$KIRC_SURVEYS`` or the demo's.

    Examples
    --------
    >>> sorted(p.name for p in surveys_folder().glob("*.toml"))
    ['klantcontact.toml', 'sectorscan.toml']
    """
    folder = os.environ.get("KIRC_SURVEYS")
    return Path(folder) if folder else data_folder("surveys")


def notebooks_folder() -> Path:
    """The folder of the bundled notebooks."""
    return data_folder("notebooks")


def notebook_path(name: str = "annual_report.ipynb") -> Path:
    """The bundled notebook ``name`` (default the annual report).

    Examples
    --------
    >>> notebook_path().name
    'annual_report.ipynb'
    """
    path = notebooks_folder() / name
    if not path.is_file():
        known = sorted(p.name for p in notebooks_folder().glob("*.ipynb"))
        raise InputFileError(f"there is no notebook {name!r} (bundled: {', '.join(known)})",
                             file=path)
    return path
