"""Shared fixtures: the test templates, and live uvicorn servers on 127.0.0.1."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import jinja2
import pytest
from hypothesis import HealthCheck, settings
from starlette.templating import Jinja2Templates

from fastapi_fragments.testing import LiveServer

TEMPLATES_DIR = Path(__file__).parent / "templates"

# No timing assertions in the suite, Hypothesis's per-example deadline included: under CI's load a
# slow example (a long string's every prefix) is not a failure.
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")

# Never talk to a real provider from the suite, whatever the developer's shell exports.
for _key in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "FRAGMENTS_LLM", "OLLAMA_HOST"):
    os.environ.pop(_key, None)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def templates() -> Jinja2Templates:
    return Jinja2Templates(directory=str(TEMPLATES_DIR))


@pytest.fixture(scope="session")
def raw_env() -> jinja2.Environment:
    """An environment that forgot autoescape: model text must still be escaped."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=False)


def serve(app: object) -> Iterator[httpx.Client]:
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=10) as client:  # type: ignore[arg-type]
        yield client


def needs_redis(item: pytest.Item) -> bool:
    """Whether the test starts a real redis-server (directly, or through the store fixture's redis case)."""
    callspec = getattr(item, "callspec", None)
    return not {"redis_url", "redis"}.isdisjoint(getattr(item, "fixturenames", ())) or (
        callspec is not None and callspec.params.get("store") == "redis"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that need Chromium or redis-server (`make unit` leaves them out), and run the
    browser tests last: Playwright's sync API keeps an event loop running in the main thread for the
    whole session, and anyio tests cannot start their own loop while it runs."""
    for item in items:
        if "browser" in item.path.parts:
            item.add_marker(pytest.mark.browser)
        if needs_redis(item):
            item.add_marker(pytest.mark.redis)
    items.sort(key=lambda item: "browser" in item.path.parts)
