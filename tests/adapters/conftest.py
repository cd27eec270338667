"""Shared pieces of the adapter tests: the fake provider, real SDK clients aimed at it, and a live chat route.

Every adapter is driven by its real SDK over real sockets; nothing here mocks an SDK. The chat route is
the README recipe: the LLM client comes from ``Depends(get_llm)`` and tests swap it with
``app.dependency_overrides``.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Iterator
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI, Request
from starlette.templating import Jinja2Templates

from fastapi_fragments import FragmentStreamResponse, LLMClient
from fastapi_fragments.testing import FakeProvider, LiveServer

# litellm pins openai<3, so it has its own virtualenv: `make litellm` runs test_litellm.py there
# (with test_openai.py, which then checks openai 2.x). `make test` runs both environments.
collect_ignore = [] if importlib.util.find_spec("litellm") else ["test_litellm.py"]

# Importing litellm would otherwise fetch a price list from the network.
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run each AdapterContract test once per flavour of its subclass."""
    flavours: dict[str, Any] = getattr(metafunc.cls, "FLAVOURS", {})
    if "make_llm" in metafunc.fixturenames:
        metafunc.parametrize("make_llm", list(flavours.values()), ids=list(flavours))
    if "make_interruptible_llm" in metafunc.fixturenames:
        left_out = metafunc.cls.UNINTERRUPTIBLE  # only contract tests ask for it
        kept = {name: make for name, make in flavours.items() if name not in left_out}
        metafunc.parametrize("make_interruptible_llm", list(kept.values()), ids=list(kept))


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    with FakeProvider() as fake:
        yield fake


def get_llm(request: Request) -> LLMClient:
    """The README's dependency: the app's LLM client, built once in lifespan."""
    llm: LLMClient = request.app.state.llm
    return llm


def chat_app(templates: Jinja2Templates) -> FastAPI:
    app = FastAPI()

    @app.get("/chat")
    async def chat(q: str, llm: Annotated[LLMClient, Depends(get_llm)]) -> FragmentStreamResponse:
        return FragmentStreamResponse(llm.stream(q), "chat.html", "response", templates=templates, error_block="error")

    return app


@pytest.fixture
def serve_llm(templates: Jinja2Templates) -> Iterator[Callable[[LLMClient], httpx.Client]]:
    """Serve the chat route on a live uvicorn with ``llm`` injected through ``dependency_overrides``."""
    app = chat_app(templates)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=10) as client:

        def serve(llm: LLMClient) -> httpx.Client:
            app.dependency_overrides[get_llm] = lambda: llm
            return client

        yield serve
