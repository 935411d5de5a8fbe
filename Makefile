# One task runner for developers and CI. `make demo` and `make test` are the README's two commands.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
# uv on PATH, else the copy pip installs into $(PYTHON) (run as a module, so no PATH or shim is needed).
UV ?= $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")

.PHONY: help install test check lint typecheck demo bench sandbox clean

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

install: ## create .venv from uv.lock (installs uv with pip when missing)
	@$(UV) --version >/dev/null 2>&1 || { echo "uv not found: installing it with pip"; $(PYTHON) -m pip install --quiet uv; }
	@$(UV) sync --locked --quiet

test: install ## run the test suite
	$(UV) run --locked pytest

check: install ## ruff (lint + format) and mypy
	$(UV) run --locked ruff check matcher tests bench
	$(UV) run --locked ruff format --check matcher tests bench
	$(UV) run --locked mypy

demo: install ## run the pipeline on the embedded sandbox
	$(UV) run --locked matcher demo

bench: install ## run the benchmarks in bench/
	$(UV) run --locked python -m bench

sandbox: install ## serve the sandbox on loopback until Ctrl-C
	$(UV) run --locked matcher sandbox serve

clean: ## remove outputs (lake, reports) and caches
	rm -rf data/lake reports .pytest_cache .mypy_cache .ruff_cache .hypothesis
