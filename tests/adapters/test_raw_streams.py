"""Raw SDK streams handed straight to FragmentStreamResponse(tokens=...), no adapter: the item table at work.

Each source is what a user would write in a route: an unawaited ``create(..., stream=True)``, an SDK
helper's context manager, an async generator. The route serves it on a live uvicorn; the test reads the
fragments and checks the text, and that a closed tab closes the upstream.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import anthropic
import httpx
import ollama
import openai
import pytest
from fastapi import FastAPI
from langchain_openai import ChatOpenAI
from pydantic_ai import Agent
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider
from starlette.templating import Jinja2Templates

from fastapi_fragments import FragmentStreamResponse
from fastapi_fragments.testing import FakeProvider, FakeReply, LiveServer, read_events
from tests.helpers import anthropic_kwargs, openai_kwargs

MESSAGES: Any = [{"role": "user", "content": "Hi"}]


def openai_client(base: str) -> Any:
    return openai.AsyncOpenAI(**openai_kwargs(base))


SOURCES: dict[str, Callable[[str], Any]] = {
    "openai-chat-create": lambda base: openai_client(base).chat.completions.create(
        model="m", messages=MESSAGES, stream=True
    ),
    "openai-chat-helper": lambda base: openai_client(base).chat.completions.stream(model="m", messages=MESSAGES),
    "openai-responses-create": lambda base: openai_client(base).responses.create(model="m", input="Hi", stream=True),
    "openai-responses-helper": lambda base: openai_client(base).responses.stream(model="m", input="Hi"),
    "anthropic-create": lambda base: anthropic.AsyncAnthropic(**anthropic_kwargs(base)).messages.create(
        model="m", max_tokens=8, messages=MESSAGES, stream=True
    ),
    "anthropic-helper": lambda base: anthropic.AsyncAnthropic(**anthropic_kwargs(base)).messages.stream(
        model="m", max_tokens=8, messages=MESSAGES
    ),
    "anthropic-helper-sync": lambda base: anthropic.Anthropic(**anthropic_kwargs(base)).messages.stream(
        model="m", max_tokens=8, messages=MESSAGES
    ),
    "ollama-chat": lambda base: ollama.AsyncClient(host=base).chat(model="m", messages=MESSAGES, stream=True),
    "langchain-astream": lambda base: ChatOpenAI(model="m", **openai_kwargs(base)).astream("Hi"),
    "pydantic-ai-run-stream": lambda base: Agent(
        OpenAIChatModel("m", provider=OpenAIProvider(openai_client=openai_client(base)))
    ).run_stream("Hi"),
}


@pytest.fixture(scope="module")
def served(templates: Jinja2Templates) -> Iterator[tuple[FakeProvider, httpx.Client]]:
    """One fake provider and one live route for the module; the route opens SOURCES[kind] per request."""
    with FakeProvider() as provider:
        app = FastAPI()

        @app.get("/raw/{kind}")
        async def raw(kind: str) -> FragmentStreamResponse:
            tokens = SOURCES[kind](provider.base_url)
            return FragmentStreamResponse(tokens, "chat.html", "response", templates=templates, error_block="error")

        with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=10) as client:
            yield provider, client


@pytest.mark.parametrize("kind", list(SOURCES))
def test_raw_stream_text_arrives_as_fragments(kind: str, served: tuple[FakeProvider, httpx.Client]) -> None:
    provider, client = served
    provider.reply = FakeReply(["Hel", "lo", " <i>there</i>"])
    result = read_events(client, f"/raw/{kind}", timeout=10)
    assert result.names[-1] == "done", result.raw
    assert "Hello &lt;i&gt;there&lt;/i&gt;" in result.data_of("fragment")[-1]


@pytest.mark.parametrize("kind", list(SOURCES))
def test_raw_stream_is_closed_when_the_tab_closes(kind: str, served: tuple[FakeProvider, httpx.Client]) -> None:
    provider, client = served
    tokens = [f"t{i} " for i in range(40)]
    provider.reply = FakeReply(tokens, delay=0.05)
    assert read_events(client, f"/raw/{kind}", max_events=2, timeout=10).names == ["fragment", "fragment"]
    upstream = provider.requests[-1]
    assert upstream.disconnected.wait(1.0), "the upstream connection was still open 1 s after the tab closed"
    assert upstream.tokens_sent < len(tokens)
