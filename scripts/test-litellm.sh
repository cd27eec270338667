#!/usr/bin/env bash
# Run the tests that need litellm in their own virtualenv, .venv-litellm.
#
# litellm requires openai<3 while pydantic-ai's OpenAI support requires openai>=3.31, so the two can't
# share the main .venv. This venv gets the package with the `test` and `test-litellm` extras (openai 2.x)
# and runs the litellm adapter tests plus the OpenAI adapter tests, which then check openai 2.x.
# Re-running only reinstalls when pyproject.toml changed. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV=.venv-litellm
STAMP="$VENV/.installed"

if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e '.[test,test-litellm]'
    touch "$STAMP"
fi

# Importing litellm otherwise fetches a model price list from the network.
export LITELLM_LOCAL_MODEL_COST_MAP=True
exec "$VENV/bin/python" -m pytest -q tests/adapters/test_litellm.py tests/adapters/test_openai.py "$@"
