# One task runner for developers and CI. `make demo` and `make test` are the README's two commands.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
# uv on PATH, else the copy pip installs into $(PYTHON) (run as a module, so no PATH or shim is needed).
UV ?= $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")

.PHONY: help install browser test check lint typecheck demo bench sandbox clean

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

install: ## create .venv from uv.lock (installs uv with pip when missing)
	@$(UV) --version >/dev/null 2>&1 || { echo "uv not found: installing it with pip"; $(PYTHON) -m pip install --quiet uv; }
	@$(UV) sync --locked --quiet

# Debian's packages: the HTML report's tests drive this Chromium with this chromedriver (never a download).
CHROMIUM ?= /usr/bin/chromium
CHROMEDRIVER ?= /usr/bin/chromedriver
APT_INSTALL = env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver

browser: ## install Debian's chromium and chromium-driver when missing (apt-get; sudo when not root)
	@if [ -x "$(CHROMIUM)" ] && [ -x "$(CHROMEDRIVER)" ]; then exit 0; fi; \
	sudo=""; if [ "$$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then sudo=sudo; fi; \
	echo "$(CHROMIUM) or $(CHROMEDRIVER) missing: installing chromium and chromium-driver with apt-get"; \
	$$sudo $(APT_INSTALL) || { $$sudo apt-get update -q && $$sudo $(APT_INSTALL); }

test: install browser ## run the test suite (installs Chromium for the HTML report's tests)
	$(UV) run --locked pytest

check: install ## ruff (lint + format) and mypy
	$(UV) run --locked ruff check matcher tests bench notebooks
	$(UV) run --locked ruff format --check matcher tests bench notebooks
	$(UV) run --locked mypy

demo: install ## run the pipeline on the embedded sandbox
	$(UV) run --locked matcher demo

bench: install ## run the benchmarks in bench/
	$(UV) run --locked python -m bench

sandbox: install ## serve the sandbox on loopback until Ctrl-C
	$(UV) run --locked matcher sandbox serve

clean: ## remove outputs (the lake, the demo's lake, reports) and caches
	rm -rf data/lake data/demo reports .pytest_cache .mypy_cache .ruff_cache .hypothesis
