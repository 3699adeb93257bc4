# journeymine: `make run` sets everything up and runs the nightly flow on the sample;
# `make test` runs the checks. Both need only Python 3.11+, make and git.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONFIG ?= journeymine.yaml

# Prefect keeps its local state inside the checkout and sends no usage analytics.
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false

.DEFAULT_GOAL := help
.PHONY: help install run test format sample clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

install: $(STAMP) ## create .venv and install journeymine with its dev tools

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "journeymine needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: install ## run the nightly flow once on data/sample (CONFIG=... for your own)
	$(BIN)/journeymine run --config $(CONFIG)

test: install ## lint, type-check and run the test suite
	$(BIN)/ruff check src pipelines tests
	$(BIN)/ruff format --check src pipelines tests
	$(BIN)/mypy
	$(BIN)/python -m pytest

format: install ## format the code with ruff
	$(BIN)/ruff format src pipelines tests
	$(BIN)/ruff check --fix src pipelines tests

sample: install ## regenerate data/sample (deterministic: same seed, same files)
	$(BIN)/journeymine generate --events 6000 --out data/sample

clean: ## remove the virtualenv, the warehouse and Prefect's local state
	rm -rf $(VENV) data/warehouse .prefect out
