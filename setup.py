"""Build script: everything but the package list and the bundled data lives in pyproject.toml.

``notebooks/`` and ``surveys/`` stay at the repository root (where the project's layout
promises them) and are copied into the wheel as ``kirc/_data/notebooks`` and
``kirc/_data/surveys``, so that a non-editable ``pip install .`` can render the demo and find
the report notebook. :mod:`kirc.resources` finds them in either place. The packages are
discovered, so a new subpackage (``kirc/report/``, ``kirc/io/``) is never left out.
"""

from setuptools import find_packages, setup

DATA = {"kirc._data.notebooks": "notebooks", "kirc._data.surveys": "surveys",
        # a package of its own, or setuptools warns that it looks importable but is unlisted
        "kirc._data.surveys.report": "surveys/report"}

setup(
    packages=find_packages(include=["kirc", "kirc.*"]) + list(DATA),
    package_dir=DATA,
    package_data={
        "kirc": ["py.typed"],
        "kirc._data.notebooks": ["*.ipynb"],
        "kirc._data.surveys": ["*.toml", "*.sav", "*.csv", "*.xlsx", "*.md"],
        "kirc._data.surveys.report": ["*.toml"],
    },
)
