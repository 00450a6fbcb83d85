# cssd — every target installs what it needs first (uv from PyPI if missing, then the lock).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
VENV := .venv
BIN := $(VENV)/bin

export CSSD_DATA_DIR ?= $(CURDIR)/data
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := False
export UV_NO_PROGRESS := 1
# Compiled bytecode: installed with the lock (--compile-bytecode) and cached for cssd's own modules.
# Without it every process (cssd, each dbt invocation, each test's subprocess) compiles ~10,000
# modules from source: ~7 s a process on 2 cores where PYTHONDONTWRITEBYTECODE is set.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: help install demo test dev lint bench profile clean

help:
	@echo "make demo   synthetic returns for all of Wales, every year; build everything; print Wales totals"
	@echo "make test   the test suite"
	@echo "make dev    Dagster UI on http://127.0.0.1:3000"
	@echo "make lint   ruff and sqlfluff"
	@echo "make bench  the pipeline against plain DuckDB SQL on the same data (BENCH_ARGS=--quick: a short run)"
	@echo "make profile  where every second of a build goes, per stage (PROFILE_ARGS=--scales 1,120)"

$(VENV)/.synced: pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet "uv==$(UV_VERSION)"
	$(UV) sync --frozen --python 3.11 --compile-bytecode --extra platform
	@touch $@

install: $(VENV)/.synced

demo: install
	$(BIN)/cssd demo --seed 1

test: install
	$(BIN)/python -m pytest

dev: install
	$(BIN)/cssd dev

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint dbt_project/models

bench: install
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

profile: install
	$(BIN)/python -m benchmarks.profile $(PROFILE_ARGS)

clean:
	rm -rf dbt_project/target dbt_project/logs .pytest_cache
