# Two entry points: `make run` (install what is needed, launch the explorer) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench

run: $(STAMP)
	$(BIN)/landscape-explorer gui

test: $(STAMP)
	$(BIN)/ruff check compute explorer tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/grid_bench.py
	$(BIN)/python benchmarks/slice_bench.py

# torch is pinned here (a CPU build installs from local disk); the package itself accepts a range.
$(STAMP): pyproject.toml requirements-pins.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -r requirements-pins.txt -e ".[test,cluster]"
	touch $(STAMP)
