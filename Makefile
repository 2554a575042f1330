# The two commands of the README: `make demo` and `make test`.
# Both create .venv on first use and install the project into it; nothing else is needed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test lab bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,duckdb,spark]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/kirc render --years 2017-2025 --output reports

test: $(STAMP)
	$(BIN)/python -m pytest

# Jupyter refuses to run as root unless told; containers often run as root.
lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root,)

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) reports/*/ reports/index.html reports/figures.xlsx reports/figures.csv
