# rightpath: customer-journey analytics pipeline.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
export DAGSTER_HOME := $(CURDIR)/dagster_home
# uv compiles bytecode at install time; without it every process compiles on
# import, which doubles start-up on machines that set PYTHONDONTWRITEBYTECODE.
UV_SYNC := $(BIN)/uv sync --frozen --inexact --extra dev --compile-bytecode
MANIFEST := dbt_project/target/manifest.json
# The browser test of the Dagster UI drives this Chromium through Playwright.
CHROMIUM := /usr/bin/chromium
# Debian's postgresql package (bookworm: version 15) puts initdb and pg_ctl here.
POSTGRES_BIN := /usr/lib/postgresql/15/bin

.PHONY: help install manifest run dev test test-spark postgres-server lint demo clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.synced: $(BIN)/uv pyproject.toml uv.lock
	$(UV_SYNC)
	touch $@

install: $(VENV)/.synced ## Create .venv with the locked dependencies

$(MANIFEST): $(VENV)/.synced $(shell find dbt_project -name '*.sql' -o -name '*.yml' -o -name '*.csv' | grep -v -e target/ -e dbt_packages/)
	cd dbt_project && ../$(BIN)/dbt parse --quiet
	touch $@

manifest: $(MANIFEST) ## Build the dbt manifest the Dagster definitions load

run: $(MANIFEST) ## Run the whole pipeline (demo data, or LANDING=path/to/landing.yml; FROM_DAY/TO_DAY for partitions)
	$(BIN)/python -m orchestration.cli run $(if $(LANDING),--landing $(LANDING)) \
		$(if $(FROM_DAY),--from-day $(FROM_DAY)) $(if $(TO_DAY),--to-day $(TO_DAY))

dev: $(MANIFEST) ## Dagster UI on http://127.0.0.1:3000
	$(BIN)/dagster dev -h 127.0.0.1 -p 3000 -m orchestration.definitions

$(CHROMIUM):
	apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium

# The tests start a throwaway server from these binaries. The package's own
# cluster is not created, so installing starts no server on port 5432.
postgres-server: ## Install PostgreSQL's server binaries when initdb is missing (Debian, as root)
	@if command -v initdb >/dev/null || test -x $(POSTGRES_BIN)/initdb; then exit 0; fi; \
	mkdir -p /etc/postgresql-common && \
	echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.conf && \
	apt-get update && \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -o Dpkg::Options::=--force-confold postgresql

test: $(MANIFEST) postgres-server $(CHROMIUM) ## Run the test suite, with a throwaway PostgreSQL server
	$(BIN)/python -m pytest -q -m "not spark"

test-spark: $(MANIFEST) ## Install the spark extra, then compare the marts on DuckDB and Spark
	$(BIN)/uv sync --frozen --inexact --extra dev --extra spark --compile-bytecode
	$(BIN)/python -m pytest -q -m spark

lint: $(VENV)/.synced ## Ruff on the Python code
	$(BIN)/ruff check orchestration tests
	$(BIN)/ruff format --check orchestration tests

bench: SCALE ?= 100k,1m
bench: REPS ?= 3
bench: BENCH_DIR ?= /tmp/rp_bench
bench: $(MANIFEST) ## Pipeline vs plain DuckDB SQL (SCALE=100k,1m; REPS=3 runs; BENCH_DIR=/tmp/rp_bench)
	$(BIN)/python -m benchmarks.run --scales $(SCALE) --repetitions $(REPS) --work-dir $(BENCH_DIR)

demo: $(VENV)/.synced ## Regenerate the demo landing files
	$(BIN)/python -m orchestration.cli demo --out data/landing/demo

clean: ## Remove generated data, the manifest and Dagster state
	rm -rf data dbt_project/target dbt_project/logs
	find dagster_home -mindepth 1 ! -name dagster.yaml -exec rm -rf {} +
