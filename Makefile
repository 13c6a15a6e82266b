# hnp-feeds: every target creates what it needs (.venv, the installed package).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: run test lint typecheck bench golden clean postgres screenshot test-clients

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

## make test: the whole test suite, one pytest-xdist worker per core, a test file per worker
test: $(DEVSTAMP)
	$(BIN)/python -m pytest -q -n auto --dist loadfile

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

## make screenshot: build the sample, serve it, photograph index.html and a feed (tin-moi's
##   Atom, shown through feed.xsl) in headless Chromium at 1280 and 390 px wide:
##   build/screenshot{,-mobile}.png (index.html), build/screenshot-feed{,-mobile}.png.
##   Chromium 156 lays its XSLT deprecation banner over the feed's page, as its users see it;
##   make screenshot FEED_SHOT_FLAGS=--disable-features=GenerateXSLTWarningBanner: without.
CHROMIUM ?= /usr/bin/chromium
CHROMIUM_FLAGS := --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync
SHOT_PORT ?= 8765
FEED_SHOT_FLAGS ?=
SHOT_URL := http://127.0.0.1:$(SHOT_PORT)/
SHOTS := build/screenshot.png build/screenshot-mobile.png \
	build/screenshot-feed.png build/screenshot-feed-mobile.png

$(CHROMIUM):
	apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium

# shot NAME URL WIDTH HEIGHT: one photograph, in a fresh profile.
shot = $(CHROMIUM) $(CHROMIUM_FLAGS) --user-data-dir=$$(mktemp -d -p $$profile) \
	--window-size=$(3),$(4) --screenshot=$(1) $(2) 2>/dev/null

screenshot: $(STAMP) | $(CHROMIUM)
	mkdir -p build
	$(BIN)/hnp-feeds build --out build/feeds --quiet || test $$? -eq 3
	$(BIN)/hnp-feeds serve --dir build/feeds --port $(SHOT_PORT) 2>build/serve.log & \
	server=$$!; profile=$$(mktemp -d); trap 'kill $$server 2>/dev/null; rm -rf $$profile' EXIT; \
	for i in $$(seq 50); do sleep 0.2; $(BIN)/python -c "import urllib.request as u; \
		u.urlopen('$(SHOT_URL)')" 2>/dev/null && break; done; \
	kill -0 $$server || { cat build/serve.log; exit 1; }; \
	$(call shot,build/screenshot.png,$(SHOT_URL),1280,2400) && \
	$(call shot,build/screenshot-mobile.png,$(SHOT_URL),390,1600) && \
	$(call shot,build/screenshot-feed.png,$(FEED_SHOT_FLAGS) $(SHOT_URL)tin-moi/atom.xml,1280,2000) && \
	$(call shot,build/screenshot-feed-mobile.png,$(FEED_SHOT_FLAGS) $(SHOT_URL)tin-moi/atom.xml,390,1600)
	@ls -l $(SHOTS)

## make test-clients: feedparser and SimplePie read every bundled feed; differences reported
SIMPLEPIE := /usr/share/php/simplepie/autoloader.php

$(SIMPLEPIE):
	apt-get update && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y php-cli php-xml php-mbstring libphp-simplepie

test-clients: $(DEVSTAMP) | $(SIMPLEPIE)
	$(BIN)/python -m tests.clients.compare --out build/clients

clean:
	rm -rf $(VENV) build dist src/*.egg-info
