"""A live route with part blocks, the script the fake provider plays through it, and what the browser must get.

Shared by ``test_live.py`` (the main environment's SDKs) and ``test_litellm_live.py`` (litellm, in its own
environment), so it imports no SDK: a test module gives :func:`parts_app` a function that opens the SDK's
stream for a path segment, and runs the scenarios below against the app on a :class:`LiveServer`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import jinja2
from fastapi import FastAPI

from fastapi_fragments import FragmentStreamResponse
from fastapi_fragments.testing import (
    FakeCitation,
    FakeProvider,
    FakeReasoning,
    FakeReply,
    FakeText,
    FakeToolCall,
    FakeUsage,
    SSEResult,
    read_events,
)

MESSAGES: Any = [{"role": "user", "content": "What is htmx?"}]
REASONING = FakeReasoning(["The user asks ", "about htmx; ", "search the docs."])
SEARCH = FakeToolCall("search_docs", ['{"query": "ht', 'mx sse"}'], id="call_a")
PAGE = FakeToolCall("get_page", ['{"url": ', '"https://htmx.org/"}'], id="call_b")
CITED = FakeText(["htmx swaps ", "<b>HTML</b>."], citations=[FakeCitation("https://htmx.org/docs/", "htmx docs")])
USAGE = FakeUsage(input_tokens=12, output_tokens=40, reasoning_tokens=16, cached_tokens=8)
#: The whole script: reasoning, two tool calls, a cited answer, usage (the finish reason is ``tool_calls``).
EVERY_PART = FakeReply(parts=[REASONING, SEARCH, PAGE, CITED], usage=USAGE)
#: Where a failure comes: the steps (deltas) sent before it, in ``[REASONING, SEARCH]``.
FAILURES = {"mid-reasoning": 2, "mid-tool-call": 4}


def parts_app(
    env: jinja2.Environment, open_stream: Callable[[FastAPI, str], Any], app: FastAPI | None = None
) -> FastAPI:
    """``app`` (a new one by default) with ``GET /chat/{sdk}``: ``open_stream(app, sdk)``'s stream, unread,
    returned as a ``FragmentStreamResponse`` with every part block of ``parts.html``."""
    app = app or FastAPI()

    @app.get("/chat/{sdk}")
    async def chat(sdk: str) -> FragmentStreamResponse:
        return FragmentStreamResponse(
            open_stream(app, sdk), "parts.html", "response", templates=env, error_block="error",
            reasoning_block="reasoning", tools_block="tools", citations_block="citations", usage_block="usage",
        )  # fmt: skip

    return app


def ask(client: httpx.Client, sdk: str, *, max_events: int | None = None) -> SSEResult:
    """Read ``/chat/{sdk}``'s events (the first ``max_events``, then hang up like a closed tab)."""
    return read_events(client, f"/chat/{sdk}", max_events=max_events, timeout=10)


def last(result: SSEResult) -> dict[str, str]:
    """Each event name's last data: what each block shows at the end."""
    return {event.event: event.data for event in result.events}


def first(result: SSEResult, name: str, containing: str = "") -> int:
    """The position of the first ``name`` event whose data contains ``containing``."""
    return next(i for i, event in enumerate(result.events) if event.event == name and containing in event.data)


def check_parts_in_order(result: SSEResult, *, reasoning: bool = True, cites: bool = True) -> dict[str, str]:
    """What every SDK passes on lands in its block, in order: reasoning (if the SDK passes it on), the
    ``search_docs`` call, the answer, its citations (if it carries them), usage last. The last data per event."""
    assert result.names[-1] == "done", result.raw
    end = last(result)
    if reasoning:
        assert first(result, "reasoning") < first(result, "tools")
        assert "The user asks about htmx; search the docs." in end["reasoning"] and "Thought for" in end["reasoning"]
    assert first(result, "tools") < first(result, "fragment", "htmx swaps")
    assert "search_docs" in end["tools"] and '{"query": "htmx sse"}' in end["tools"]
    assert "htmx swaps &lt;b&gt;HTML&lt;/b&gt;." in end["fragment"]
    if cites:
        assert "<cite>htmx docs</cite>" in end["fragment"] and "https://htmx.org/docs/ htmx docs" in end["citations"]
    assert "tokens in" in end["usage"] and first(result, "usage") > first(result, "fragment", "htmx swaps")
    return end


def check_two_calls_left_running(end: dict[str, str]) -> None:
    """:data:`EVERY_PART`'s ending: both calls shown, nothing ran them, so the model stopped for ``tool_calls``."""
    assert "get_page" in end["tools"] and 'data-status="running"' in end["tools"]
    assert '<p class="finish">tool_calls</p>' in end["fragment"]


def check_a_failure(client: httpx.Client, provider: FakeProvider, sdk: str, fail_after: int) -> None:
    """The provider fails ``fail_after`` steps into reasoning and a tool call: every part ends, the error
    block replaces the answer, the error's text stays on the server."""
    provider.reply = FakeReply(parts=[REASONING, SEARCH], usage=USAGE, fail_after=fail_after, error_message="secret-9")
    result = ask(client, sdk)
    assert result.names[-1] == "done", result.raw
    end = last(result)
    assert end["fragment"] == '<div role="alert">Answer failed. (ended)</div>'
    assert 'data-thinking="false"' in end["reasoning"] and "Thinking" not in end["reasoning"]
    if fail_after > len(REASONING.chunks):
        assert 'data-status="error"' in end["tools"]
    assert "secret-9" not in result.raw.decode()


def check_a_closed_tab_closes_the_upstream(client: httpx.Client, provider: FakeProvider, sdk: str) -> None:
    """The tab closes while the model is still thinking: the upstream request ends within a second."""
    thoughts = [f"thought {i}. " for i in range(40)]
    provider.reply = FakeReply(parts=[FakeReasoning(thoughts), CITED], delay=0.05)
    result = ask(client, sdk, max_events=3)
    assert "reasoning" in result.names
    upstream = provider.requests[-1]
    assert upstream.disconnected.wait(1.0), "the upstream was still open 1 s after the tab closed mid-reasoning"
    assert upstream.tokens_sent < len(thoughts)


def check_a_closed_tab_mid_silence_closes_the_upstream(client: httpx.Client, provider: FakeProvider, sdk: str) -> None:
    """The model goes silent mid-reasoning (thinking for long seconds) and the tab closes meanwhile: the upstream
    request ends within a second, not when the model speaks again (a sync stream's blocked read is interrupted)."""
    provider.reply = FakeReply(parts=[REASONING, CITED], stall_after=2)
    with client.stream("GET", f"/chat/{sdk}", timeout=10) as response:
        # The second thought is the last delta before the silence; the tab stays open a moment longer, so the
        # route is surely waiting on the silent model when it closes.
        assert any("about htmx;" in line for line in response.iter_lines()), "the stream ended before the silence"
        time.sleep(0.5)
    upstream = provider.requests[-1]
    assert upstream.disconnected.wait(1.0), "the silent upstream was still open 1 s after the tab closed"
    assert upstream.tokens_sent == 2
