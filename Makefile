# hnp-feeds: every target creates what it needs (.venv, the installed package).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: run test lint typecheck bench golden clean postgres

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

## make postgres: start Debian's PostgreSQL on 127.0.0.1:5432 with role/database hnp/hnp_test
## for the database adapter's tests (installs it with apt-get when missing; needs root)
postgres:
	command -v pg_lsclusters >/dev/null || { apt-get update -q && apt-get install -y -q postgresql; }
	pg_lsclusters -h | grep -q . || pg_createcluster "$$(ls /usr/lib/postgresql | sort -n | tail -1)" main
	set -- $$(pg_lsclusters -h | head -1); pg_ctlcluster "$$1" "$$2" start 2>/dev/null || pg_ctlcluster "$$1" "$$2" status >/dev/null
	su postgres -c "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname = 'hnp'\"" | grep -q 1 \
	  || su postgres -c "psql -q -c \"CREATE ROLE hnp LOGIN PASSWORD 'hnp'\""
	su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname = 'hnp_test'\"" | grep -q 1 \
	  || su postgres -c "createdb -O hnp hnp_test"

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
