# Set-up commands for a fresh clone (only Python 3.11+ needed):
#   make demo   install the package with the demo extras and serve the demo on http://127.0.0.1:8000
#   make test   install everything the tests need (locked Python packages, chromium, redis-server) and run
#               every check CI runs (see the `test` target below)
# Everyday work:
#   make unit         the suite without the browser and Redis tests, on the main virtualenv
#   make test-latest  the suite against the newest releases of every dependency (not the lock)
#   make lock         re-resolve uv.lock and requirements/lowest-direct.txt after editing pyproject.toml
#   make upgrade      the same, moving every pin to its newest release (then run make test)
#   make bench        the benchmark suite (see benchmarks/README.md)
#   make docs         build the documentation site into site/ (mkdocs build --strict)
#
# Every test environment is installed from uv.lock (and requirements/lowest-direct.txt for the
# lowest-versions run), so a new release of a dependency changes nothing until the lock is updated
# on purpose. uv itself is pinned and installed into .venv-tools with the machine's Python.

PYTHON ?= python3
UV_VERSION := 0.13.9
MATRIX := 3.12 3.13
HOST ?= 127.0.0.1
PORT ?= 8000

TOOLS := .venv-tools
UV := $(TOOLS)/bin/uv
PY := .venv/bin/python
# The interpreters this machine has (pyenv's included); uv must never download one.
export UV_PYTHON_DOWNLOADS := never
# Importing litellm would otherwise fetch a model price list from the network.
export LITELLM_LOCAL_MODEL_COST_MAP := True
UNIT := -m "not browser and not redis"
# pytest-xdist workers for the main suite: its tests mostly wait on sockets and timers (two workers
# took a fresh clone's run from 6 to 4 minutes on 2 cores; four gained little more and slowed the
# timing-sensitive tests). Each worker runs its browser tests last (tests/conftest.py).
WORKERS ?= 2
# The extras of the lowest-versions run: every direct dependency the suite imports but litellm (it
# has its own environment). Playwright is there for collection only: the run leaves the browser out.
LOWEST_EXTRAS := --extra test --extra markdown --extra demo --extra test-sdks --extra redis --extra browser
COVERAGE := .venv/bin/python -m coverage
# What the litellm environment runs (`make litellm`, and `make test-latest` on the newest releases): the
# litellm tests, the OpenAI tests on openai 2.x, and the docs' litellm example.
LITELLM_TESTS := tests/adapters/test_litellm.py tests/adapters/test_openai.py tests/parts/test_litellm.py \
	tests/parts/test_litellm_live.py tests/docs/test_litellm_examples.py

.PHONY: demo test unit lint typecheck pytest litellm coverage package matrix lowest test-latest \
	sync system-deps lock upgrade bench docs clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

sync: $(UV)
	$(UV) sync --quiet --locked --extra dev --python $(PYTHON)

demo: $(UV)
	$(UV) sync --quiet --locked --inexact --extra demo --python $(PYTHON)
	@echo "fastapi-fragments demo on http://$(HOST):$(PORT)  (Ctrl-C to stop)"
	HOST=$(HOST) PORT=$(PORT) $(PY) -m demo_app

system-deps:
	bash scripts/ensure-system-packages.sh chromium redis-server

lint: sync
	$(PY) -m ruff check .
	$(PY) -m ruff format --check fastapi_fragments

typecheck: sync
	$(PY) -m mypy

unit: sync
	$(PY) -m pytest -q -n $(WORKERS) $(UNIT)

# The whole suite (browser and Redis tests included), measuring branch coverage (the workers are
# subprocesses: coverage's `patch = ["subprocess"]` measures them, `make coverage` combines).
pytest: sync system-deps
	rm -f .coverage .coverage.*
	$(COVERAGE) run -m pytest -q -n $(WORKERS)

# litellm needs openai<3, so it has its own environment (it runs LITELLM_TESTS).
litellm: $(UV)
	UV_PROJECT_ENVIRONMENT=.venv-litellm $(UV) sync --quiet --locked --extra test --extra test-litellm --python $(PYTHON)
	.venv-litellm/bin/python -m coverage run -m pytest -q $(LITELLM_TESTS)

coverage: sync
	$(COVERAGE) combine --quiet
	$(COVERAGE) report

# The sdist and wheel build, their metadata passes twine, and the wheel installs (with the locked
# versions of its required dependencies, no extra) and imports in a clean virtualenv.
package: sync
	rm -rf dist .venv-wheel
	$(PY) -m build --quiet --outdir dist .
	$(PY) -m twine check --strict dist/*
	$(UV) export --quiet --locked --no-hashes --no-emit-project --no-dev --format requirements-txt -o dist/constraints.txt
	$(UV) venv --quiet --python $(PYTHON) .venv-wheel
	$(UV) pip install --quiet --python .venv-wheel -c dist/constraints.txt dist/*.whl
	.venv-wheel/bin/python -I -c "import fastapi_fragments as f, fastapi_fragments.stores; print('wheel', f.__version__, 'imports from', f.__file__)"

# The suite without the browser and Redis tests on every other Python this machine has. The docs'
# examples run on the main Python and the lowest versions only: they test the library's API, not
# the interpreter, and leaving them out keeps `make test` inside 10 minutes.
matrix: $(addprefix matrix-,$(MATRIX))

matrix-%: $(UV)
	@py=$$(bash scripts/find-python.sh $*) && echo "== Python $* ($$py)" && \
	UV_PROJECT_ENVIRONMENT=.venv-py$* $(UV) sync --quiet --locked --extra dev --python $$py && \
	.venv-py$*/bin/python -m pytest -q -p no:cacheprovider $(UNIT) --ignore=tests/docs

# The same on the lowest versions pyproject.toml's ranges allow for its direct dependencies.
lowest: $(UV)
	$(UV) venv --quiet --allow-existing --python $$(bash scripts/find-python.sh 3.11) .venv-lowest
	$(UV) pip sync --quiet --python .venv-lowest requirements/lowest-direct.txt
	$(UV) pip install --quiet --python .venv-lowest --no-deps -e .
	.venv-lowest/bin/python -m pytest -q -p no:cacheprovider $(UNIT)

# The documentation site (mkdocs.yml, docs/) in its own virtualenv: --strict turns every warning
# (a broken link or anchor, a page left out of the nav, an API reference name that no longer exists,
# a docstring field griffe can't parse) into a failure. The examples in the pages are run by
# tests/docs, not here. NO_MKDOCS_2_WARNING silences Material's end-of-life banner.
docs: $(UV)
	UV_PROJECT_ENVIRONMENT=.venv-docs $(UV) sync --quiet --locked --extra docs --python $(PYTHON)
	NO_MKDOCS_2_WARNING=1 .venv-docs/bin/python -m mkdocs build --strict --quiet --site-dir site

# What CI runs (.ci/run): static checks and the whole suite; then the litellm environment, the
# Python matrix, the lowest versions, the package build and the documentation site side by side
# (the suites mostly wait on sockets and timers: together they keep the whole run within 10
# minutes on 2 cores); last the coverage gate over the main and litellm runs.
test: lint typecheck pytest
	$(MAKE) --no-print-directory -j3 --output-sync=target litellm matrix lowest package docs
	$(MAKE) --no-print-directory coverage

# Not locked: the newest release of everything, to find breakage on purpose.
test-latest: $(UV) system-deps
	$(UV) venv --quiet --allow-existing --python $(PYTHON) .venv-latest
	$(UV) pip install --quiet --upgrade --python .venv-latest -e '.[dev]'
	.venv-latest/bin/python -m pytest -q -p no:cacheprovider
	$(UV) venv --quiet --allow-existing --python $(PYTHON) .venv-latest-litellm
	$(UV) pip install --quiet --upgrade --python .venv-latest-litellm -e '.[test,test-litellm]'
	.venv-latest-litellm/bin/python -m pytest -q -p no:cacheprovider $(LITELLM_TESTS)

lock: $(UV)
	$(UV) lock --python 3.11
	$(UV) pip compile --quiet pyproject.toml $(LOWEST_EXTRAS) --resolution lowest-direct \
		--python-version 3.11 -o requirements/lowest-direct.txt

upgrade: $(UV)
	$(UV) lock --upgrade --python 3.11
	$(UV) pip compile --quiet --upgrade pyproject.toml $(LOWEST_EXTRAS) --resolution lowest-direct \
		--python-version 3.11 -o requirements/lowest-direct.txt

# The burst suite, the open-loop scenario, the full-GC pauses with and without freeze_after_startup(),
# and the browser-side latency in chromium (benchmarks/README.md). make bench BENCH_ARGS=--quick for the
# short burst run; OPENLOOP_ARGS, GC_ARGS, BROWSER_ARGS="--loop asyncio" for the other event loop.
bench: $(UV)
	UV_PROJECT_ENVIRONMENT=.venv-bench $(UV) sync --quiet --locked --extra bench --python $(PYTHON)
	bash scripts/ensure-system-packages.sh chromium
	.venv-bench/bin/python -m benchmarks $(BENCH_ARGS)
	.venv-bench/bin/python -m benchmarks.openloop $(OPENLOOP_ARGS)
	.venv-bench/bin/python -m benchmarks.gcpause $(GC_ARGS)
	.venv-bench/bin/python -m benchmarks.browser $(BROWSER_ARGS)

clean:
	rm -rf .venv .venv-* .pytest_cache .mypy_cache .ruff_cache .hypothesis .coverage .coverage.* \
		tests/artifacts dist build site
