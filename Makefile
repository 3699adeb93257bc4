# journeymine: `make run` sets everything up and runs the nightly flow on the sample;
# `make test` runs the checks. Both need only Python 3.11+, make and git.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements.lock
# the sample's own configuration (it may use the public development secret); yours: CONFIG=...
CONFIG ?= data/sample/journeymine.yaml
# uv is used only to refresh the lock (make lock), never to install
UV_VERSION := 0.13.9

# Prefect keeps its local state inside the checkout and sends no usage analytics.
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false

.DEFAULT_GOAL := help
.PHONY: help install run test lock format sample clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

install: $(STAMP) ## create .venv with exactly the locked versions, journeymine and its dev tools

# Every package, transitive ones and the build backend included, comes from the lock with its
# hashes; journeymine itself is then installed editable without resolving anything.
$(STAMP): $(LOCK) pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "journeymine needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r $(LOCK)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

run: install ## run the nightly flow once on data/sample (CONFIG=... for your own)
	$(BIN)/journeymine run --config $(CONFIG)

test: install ## lint, type-check and run the test suite
	$(BIN)/ruff check src pipelines tests benchmarks
	$(BIN)/ruff format --check src pipelines tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest -n auto --dist load

lock: ## re-resolve every dependency to the newest allowed by pyproject.toml and rewrite the lock
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	.lock-venv/bin/uv pip compile pyproject.toml --extra dev --generate-hashes --upgrade \
		--python-version 3.11 --python-platform x86_64-manylinux_2_28 --no-header -o $(LOCK)
	rm -rf .lock-venv
	@echo "$(LOCK) rewritten: run make test before committing it"

format: install ## format the code with ruff
	$(BIN)/ruff format src pipelines tests benchmarks
	$(BIN)/ruff check --fix src pipelines tests benchmarks

.PHONY: bench-load
bench-load: install ## peak memory and time of loading a 1M-, 3M- and 10M-record file
	$(BIN)/python benchmarks/load_memory.py

.PHONY: bench-night
bench-night: install ## one new day on thirty days of history: incremental night vs full rebuild
	$(BIN)/python benchmarks/nightly_increment.py

# make bench SIZES=1000000 REPEATS=3: see docs/performance.md (not part of make test)
SIZES ?= 1000000,10000000
REPEATS ?= 3
.PHONY: bench
bench: install ## seconds and peak memory per stage at SIZES events, against pm4py (REPEATS runs)
	$(BIN)/python benchmarks/bench.py --sizes $(SIZES) --repeats $(REPEATS)

.PHONY: docs
docs: install ## regenerate docs/data-dictionary.md from the warehouse's comments (sql/warehouse/comments.sql)
	$(BIN)/python -m journeymine.docs

sample: install ## regenerate data/sample (deterministic: same seed, same files)
	$(BIN)/journeymine generate --events 16000 --out data/sample

clean: ## remove the virtualenv, the warehouse and Prefect's local state
	rm -rf $(VENV) data/warehouse .prefect out reports
