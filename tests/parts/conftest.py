"""One fake provider per test module: tests set ``provider.reply`` before each request."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator

import pytest

from fastapi_fragments.testing import FakeProvider

# litellm pins openai<3, so it has its own virtualenv: `make litellm` runs test_litellm.py there, and only
# that file (the others need the SDKs of the main one).
collect_ignore = [] if importlib.util.find_spec("litellm") else ["test_litellm.py"]

# Importing litellm would otherwise fetch a price list from the network.
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"


@pytest.fixture(scope="module")
def provider() -> Iterator[FakeProvider]:
    with FakeProvider() as fake:
        yield fake
