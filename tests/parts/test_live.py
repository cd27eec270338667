"""Real SDKs against the fake provider, through a live route with part blocks: what the browser receives.

Nothing is mocked: a FastAPI app on uvicorn opens each SDK's stream (sync and async clients, ``create``
and the stream helpers, a pydantic-ai agent running a real tool) and returns it to
``FragmentStreamResponse(..., reasoning_block=, tools_block=, citations_block=, usage_block=)``; an
HTTP client reads the events. Reasoning, tool calls, citations, text, usage and the finish reason must
land in their blocks, in order; a failure mid-reasoning or mid-tool-call must end every part and send
the error block; a closed tab mid-reasoning must close the upstream within a second.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import anthropic
import httpx
import jinja2
import ollama
import openai
import pytest
from fastapi import FastAPI
from langchain_openai import ChatOpenAI
from pydantic_ai import Agent
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider

from fastapi_fragments.testing import FakePart, FakeProvider, FakeReply, LiveServer
from tests.helpers import anthropic_kwargs, openai_kwargs
from tests.parts.live_route import (
    CITED,
    EVERY_PART,
    FAILURES,
    MESSAGES,
    REASONING,
    SEARCH,
    USAGE,
    ask,
    check_a_closed_tab_closes_the_upstream,
    check_a_failure,
    check_parts_in_order,
    check_two_calls_left_running,
    parts_app,
)

USAGE_ON: Any = {"include_usage": True}

Opener = Callable[["Clients"], Any]


class Clients:
    """The app's SDK clients, opened in its lifespan, all aimed at the fake provider."""

    def __init__(self, provider: FakeProvider) -> None:
        base = provider.base_url
        self.provider = provider
        self.openai = openai.OpenAI(**openai_kwargs(base))
        self.aopenai = openai.AsyncOpenAI(**openai_kwargs(base))
        self.aanthropic = anthropic.AsyncAnthropic(**anthropic_kwargs(base))
        self.anthropic = anthropic.Anthropic(**anthropic_kwargs(base))
        self.aollama = ollama.AsyncClient(host=base)
        self.langchain = ChatOpenAI(model="m", stream_usage=True, **openai_kwargs(base))

    async def aclose(self) -> None:
        self.openai.close()
        self.anthropic.close()
        await self.aopenai.close()
        await self.aanthropic.close()
        await self.aollama._client.aclose()


def _agent(clients: Clients) -> Any:
    """A pydantic-ai agent whose tool answers the second model request with the cited answer."""
    agent = Agent(OpenAIChatModel("m", provider=OpenAIProvider(openai_client=clients.aopenai)))

    @agent.tool_plain
    def search_docs(query: str) -> str:
        clients.provider.reply = FakeReply(parts=[CITED], usage=USAGE)
        return f"3 documents about {query}"

    return agent.run_stream_events("What is htmx?")


#: How a route opens each SDK's stream; the stream itself goes to the response, unread.
OPENERS: dict[str, Opener] = {
    "chat-async": lambda c: c.aopenai.chat.completions.create(
        model="m", messages=MESSAGES, stream=True, stream_options=USAGE_ON
    ),
    "chat-sync": lambda c: c.openai.chat.completions.create(
        model="m", messages=MESSAGES, stream=True, stream_options=USAGE_ON
    ),
    "responses-async": lambda c: c.aopenai.responses.create(model="m", input="Hi", stream=True),
    "responses-helper": lambda c: c.aopenai.responses.stream(model="m", input="Hi"),
    "responses-sync": lambda c: c.openai.responses.create(model="m", input="Hi", stream=True),
    "anthropic-async": lambda c: c.aanthropic.messages.create(model="m", max_tokens=64, messages=MESSAGES, stream=True),
    "anthropic-helper": lambda c: c.aanthropic.messages.stream(model="m", max_tokens=64, messages=MESSAGES),
    "anthropic-sync": lambda c: c.anthropic.messages.create(model="m", max_tokens=64, messages=MESSAGES, stream=True),
    "ollama-async": lambda c: c.aollama.chat(model="m", messages=MESSAGES, stream=True, think=True),
    "langchain-async": lambda c: c.langchain.astream("Hi"),
    "pydantic_ai": _agent,
}
#: What each SDK passes on (see tests/parts/test_sdks.py): LangChain's ChatOpenAI drops chat
#: completions' reasoning; only these carry citations.
NO_REASONING = {"langchain-async"}
CITES = {"chat-async", "chat-sync", "responses-async", "responses-helper", "responses-sync"} | {
    "anthropic-async",
    "anthropic-helper",
    "anthropic-sync",
}


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.clients = clients = Clients(app.state.provider)
    yield
    await clients.aclose()


def open_stream(app: FastAPI, sdk: str) -> Any:
    return OPENERS[sdk](app.state.clients)


@pytest.fixture(scope="module")
def client(parts_env: jinja2.Environment, provider: FakeProvider) -> Iterator[httpx.Client]:
    app = FastAPI(lifespan=lifespan)
    app.state.provider = provider
    with LiveServer(parts_app(parts_env, open_stream, app)) as server, httpx.Client(base_url=server.url) as http:
        yield http


@pytest.mark.parametrize("sdk", list(OPENERS))
def test_every_part_lands_in_its_block_in_order(client: httpx.Client, provider: FakeProvider, sdk: str) -> None:
    # pydantic-ai's agent runs the tool, which sets the answer for the model's second request.
    script: list[FakePart] = [REASONING, SEARCH] if sdk == "pydantic_ai" else list(EVERY_PART.script)
    provider.reply = FakeReply(parts=script, usage=USAGE)
    end = check_parts_in_order(ask(client, sdk), reasoning=sdk not in NO_REASONING, cites=sdk in CITES)
    if sdk == "pydantic_ai":
        assert 'data-status="done"' in end["tools"] and "3 documents about htmx sse" in end["tools"]
        assert '<p class="finish">stop</p>' in end["fragment"]
    else:
        check_two_calls_left_running(end)
    assert provider.requests[-1].completed.is_set()


#: Ollama sends a tool call whole: its stream cannot fail in the middle of one, so it is tested mid-reasoning only.
FAILING = [(sdk, at) for sdk in ("chat-async", "responses-async", "anthropic-helper", "chat-sync") for at in FAILURES]


@pytest.mark.parametrize(("sdk", "where"), [*FAILING, ("ollama-async", "mid-reasoning")])
def test_a_failure_ends_every_part_and_sends_the_error_block(
    client: httpx.Client, provider: FakeProvider, sdk: str, where: str
) -> None:
    check_a_failure(client, provider, sdk, FAILURES[where])


@pytest.mark.parametrize("sdk", ["chat-async", "responses-helper", "anthropic-async", "ollama-async", "chat-sync"])
def test_a_closed_tab_mid_reasoning_closes_the_upstream(client: httpx.Client, provider: FakeProvider, sdk: str) -> None:
    check_a_closed_tab_closes_the_upstream(client, provider, sdk)
