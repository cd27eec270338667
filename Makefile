# Set-up commands for a fresh clone (only Python 3.11+ needed):
#   make demo   install the package with the demo extras and serve the demo on http://127.0.0.1:8000
#   make test   install everything the tests need (Python packages, chromium, redis-server) and run
#               ruff, mypy --strict and the whole pytest suite
#   make bench  run the benchmark suite (see benchmarks/README.md)

PYTHON ?= python3
# Use the active virtualenv if there is one, else ./.venv (created on demand).
VENV := $(if $(VIRTUAL_ENV),$(VIRTUAL_ENV),.venv)
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test lint typecheck pytest install-dev system-deps bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed-demo: $(PY) pyproject.toml
	$(PIP) install --quiet -e '.[demo]'
	touch $@

$(VENV)/.installed-dev: $(PY) pyproject.toml
	$(PIP) install --quiet -e '.[dev]'
	touch $@

demo: $(VENV)/.installed-demo
	@echo "fastapi-fragments demo on http://$(HOST):$(PORT)  (Ctrl-C to stop)"
	HOST=$(HOST) PORT=$(PORT) $(PY) -m demo_app

install-dev: $(VENV)/.installed-dev

system-deps:
	bash scripts/ensure-system-packages.sh chromium redis-server

lint: install-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check fastapi_fragments

typecheck: install-dev
	$(PY) -m mypy

pytest: install-dev system-deps
	$(PY) -m pytest -q

test: lint typecheck pytest
	@if [ -x scripts/test-litellm.sh ]; then bash scripts/test-litellm.sh; fi

$(VENV)/.installed-bench: $(PY) pyproject.toml
	$(PIP) install --quiet -e '.[bench]'
	touch $@

# make bench BENCH_ARGS=--quick for the short run
bench: $(VENV)/.installed-bench
	$(PY) -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf .venv .venv-* .pytest_cache .mypy_cache .ruff_cache .hypothesis tests/artifacts
