# hnp-feeds: every target creates what it needs (.venv, the installed package).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: run test lint typecheck bench golden clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEVSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(STAMP)

## make run: build every feed of the bundled sample portal into feeds/
run: $(STAMP)
	$(BIN)/hnp-feeds build --out feeds

## make test: the whole test suite
test: $(DEVSTAMP)
	$(BIN)/python -m pytest -q

lint: $(DEVSTAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(DEVSTAMP)
	$(BIN)/mypy

## make bench: the benchmarks under bench/, printing their figures
bench: $(DEVSTAMP)
	$(BIN)/python bench/run.py

## make golden: regenerate the writers' golden files in tests/data/golden/
golden: $(DEVSTAMP)
	$(BIN)/python -m tests.regenerate_golden

clean:
	rm -rf $(VENV) build dist src/*.egg-info
