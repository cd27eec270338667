"""One fake provider per test module: tests set ``provider.reply`` before each request."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator

import jinja2
import pytest

from fastapi_fragments.testing import FakeProvider
from tests.conftest import TEMPLATES_DIR

# litellm pins openai<3, so it has its own virtualenv: `make litellm` runs the test_litellm*.py files there, and
# only those (the others need the SDKs of the main one).
collect_ignore = [] if importlib.util.find_spec("litellm") else ["test_litellm.py", "test_litellm_live.py"]

# Importing litellm would otherwise fetch a price list from the network.
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"


@pytest.fixture(scope="module")
def provider() -> Iterator[FakeProvider]:
    with FakeProvider() as fake:
        yield fake


@pytest.fixture(scope="session")
def parts_env() -> jinja2.Environment:
    """The test templates and the package's macros (``fragments/parts.html``), as FragmentsMiddleware sets them up."""
    loaders = [jinja2.FileSystemLoader(TEMPLATES_DIR), jinja2.PackageLoader("fastapi_fragments", "templates")]
    return jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), autoescape=True)
