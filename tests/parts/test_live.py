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

from fastapi_fragments import FragmentStreamResponse
from fastapi_fragments.testing import (
    FakeCitation,
    FakePart,
    FakeProvider,
    FakeReasoning,
    FakeReply,
    FakeText,
    FakeToolCall,
    FakeUsage,
    LiveServer,
    SSEResult,
    read_events,
)
from tests.helpers import anthropic_kwargs, openai_kwargs

MESSAGES: Any = [{"role": "user", "content": "What is htmx?"}]
USAGE_ON: Any = {"include_usage": True}
REASONING = FakeReasoning(["The user asks ", "about htmx; ", "search the docs."])
SEARCH = FakeToolCall("search_docs", ['{"query": "ht', 'mx sse"}'], id="call_a")
PAGE = FakeToolCall("get_page", ['{"url": ', '"https://htmx.org/"}'], id="call_b")
CITED = FakeText(["htmx swaps ", "<b>HTML</b>."], citations=[FakeCitation("https://htmx.org/docs/", "htmx docs")])
USAGE = FakeUsage(input_tokens=12, output_tokens=40, reasoning_tokens=16, cached_tokens=8)

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


def parts_app(env: jinja2.Environment, provider: FakeProvider) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.clients = clients = Clients(provider)
        yield
        await clients.aclose()

    app = FastAPI(lifespan=lifespan)

    @app.get("/chat/{sdk}")
    async def chat(sdk: str) -> FragmentStreamResponse:
        stream = OPENERS[sdk](app.state.clients)
        return FragmentStreamResponse(
            stream, "parts.html", "response", templates=env, error_block="error",
            reasoning_block="reasoning", tools_block="tools", citations_block="citations", usage_block="usage",
        )  # fmt: skip

    return app


@pytest.fixture(scope="module")
def client(parts_env: jinja2.Environment, provider: FakeProvider) -> Iterator[httpx.Client]:
    with LiveServer(parts_app(parts_env, provider)) as server, httpx.Client(base_url=server.url) as http:
        yield http


def ask(client: httpx.Client, sdk: str, *, max_events: int | None = None) -> SSEResult:
    return read_events(client, f"/chat/{sdk}", max_events=max_events, timeout=10)


def last(result: SSEResult) -> dict[str, str]:
    return {event.event: event.data for event in result.events}


def first(result: SSEResult, name: str, containing: str = "") -> int:
    return next(i for i, event in enumerate(result.events) if event.event == name and containing in event.data)


@pytest.mark.parametrize("sdk", list(OPENERS))
def test_every_part_lands_in_its_block_in_order(client: httpx.Client, provider: FakeProvider, sdk: str) -> None:
    # pydantic-ai's agent runs the tool, which sets the answer for the model's second request.
    script: list[FakePart] = [REASONING, SEARCH] if sdk == "pydantic_ai" else [REASONING, SEARCH, PAGE, CITED]
    provider.reply = FakeReply(parts=script, usage=USAGE)
    result = ask(client, sdk)
    assert result.names[-1] == "done", result.raw
    end = last(result)
    if sdk not in NO_REASONING:
        assert first(result, "reasoning") < first(result, "tools")
        assert "The user asks about htmx; search the docs." in end["reasoning"] and "Thought for" in end["reasoning"]
    assert first(result, "tools") < first(result, "fragment", "htmx swaps")
    assert "search_docs" in end["tools"] and '{"query": "htmx sse"}' in end["tools"]
    if sdk == "pydantic_ai":
        assert 'data-status="done"' in end["tools"] and "3 documents about htmx sse" in end["tools"]
        assert '<p class="finish">stop</p>' in end["fragment"]
    else:
        assert "get_page" in end["tools"] and 'data-status="running"' in end["tools"]
        assert '<p class="finish">tool_calls</p>' in end["fragment"]
    assert "htmx swaps &lt;b&gt;HTML&lt;/b&gt;." in end["fragment"]
    if sdk in CITES:
        assert "<cite>htmx docs</cite>" in end["fragment"] and "https://htmx.org/docs/ htmx docs" in end["citations"]
    assert "tokens in" in end["usage"] and first(result, "usage") > first(result, "fragment", "htmx swaps")
    assert provider.requests[-1].completed.is_set()


# Ollama sends a tool call whole: its stream cannot fail in the middle of one, so it is tested mid-reasoning only.
@pytest.mark.parametrize(
    ("sdk", "fail_after"),
    [
        *[(sdk, at) for sdk in ("chat-async", "responses-async", "anthropic-helper", "chat-sync") for at in (2, 4)],
        ("ollama-async", 2),
    ],
    ids=lambda value: {2: "mid-reasoning", 4: "mid-tool-call"}.get(value, str(value)),
)
def test_a_failure_ends_every_part_and_sends_the_error_block(
    client: httpx.Client, provider: FakeProvider, sdk: str, fail_after: int
) -> None:
    provider.reply = FakeReply(parts=[REASONING, SEARCH], usage=USAGE, fail_after=fail_after, error_message="secret-9")
    result = ask(client, sdk)
    assert result.names[-1] == "done", result.raw
    end = last(result)
    assert end["fragment"] == '<div role="alert">Answer failed. (ended)</div>'
    assert 'data-thinking="false"' in end["reasoning"] and "Thinking" not in end["reasoning"]
    if fail_after == 4:
        assert 'data-status="error"' in end["tools"]
    assert "secret-9" not in result.raw.decode()


@pytest.mark.parametrize("sdk", ["chat-async", "responses-helper", "anthropic-async", "ollama-async", "chat-sync"])
def test_a_closed_tab_mid_reasoning_closes_the_upstream(client: httpx.Client, provider: FakeProvider, sdk: str) -> None:
    thoughts = [f"thought {i}. " for i in range(40)]
    provider.reply = FakeReply(parts=[FakeReasoning(thoughts), CITED], delay=0.05)
    result = ask(client, sdk, max_events=3)
    assert "reasoning" in result.names
    upstream = provider.requests[-1]
    assert upstream.disconnected.wait(1.0), "the upstream was still open 1 s after the tab closed mid-reasoning"
    assert upstream.tokens_sent < len(thoughts)
