"""What every adapter must do behind a real route: a test class each SDK's test file subclasses.

A subclass sets ``FLAVOURS`` (one adapter factory per client flavour, async and sync); conftest's
``pytest_generate_tests`` runs every test once per flavour. The tests run the real SDK against the fake
provider, through a live uvicorn serving the chat route, read by a real HTTP client with the SSE parser.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import httpx
import pytest

from fastapi_fragments import LLMClient
from fastapi_fragments.testing import FakeProvider, FakeReply, SSEResult, read_events

#: A provider error text that must never reach the browser.
UPSTREAM_SECRET = "upstream-secret-detail-7f3a"

ServeLLM = Callable[[LLMClient], httpx.Client]
MakeLLM = Callable[[str], LLMClient]


def ask(client: httpx.Client, *, max_events: int | None = None) -> SSEResult:
    return read_events(client, "/chat", params={"q": "What is htmx?"}, max_events=max_events, timeout=10)


class AdapterContract:
    #: Adapter factories by flavour name.
    FLAVOURS: ClassVar[dict[str, MakeLLM]] = {}
    #: Flavours whose stalled read can't be interrupted, so a closed tab only releases the upstream at the
    #: provider's next chunk; each subclass says why. They skip only the stall test (``make_interruptible_llm``).
    UNINTERRUPTIBLE: ClassVar[frozenset[str]] = frozenset()

    async def test_stream_makes_no_request_until_iterated(self, make_llm: MakeLLM, provider: FakeProvider) -> None:
        llm = make_llm(provider.base_url)
        stream = llm.stream("Hi")
        await stream.aclose()  # type: ignore[attr-defined]  # iter_text returns an async generator
        assert provider.requests == []
        await llm.aclose()

    async def test_documents_of_the_wrong_type_fail_at_the_call(
        self, make_llm: MakeLLM, provider: FakeProvider
    ) -> None:
        llm = make_llm(provider.base_url)
        with pytest.raises(TypeError, match=r"documents\[0\] is a dict, not a fastapi_fragments.Document"):
            llm.stream("Hi", documents=[{"title": "Refunds", "text": "5 days."}])  # type: ignore[list-item]
        assert provider.requests == []
        await llm.aclose()

    def test_tokens_arrive_as_fragments(self, make_llm: MakeLLM, provider: FakeProvider, serve_llm: ServeLLM) -> None:
        provider.reply = FakeReply(["Hel", "lo", " <b>world</b>"])
        result = ask(serve_llm(make_llm(provider.base_url)))
        assert result.names[-1] == "done", result.raw
        final = result.data_of("fragment")[-1]
        assert "Hello &lt;b&gt;world&lt;/b&gt;" in final
        assert "streaming" not in final
        assert provider.requests[-1].completed.is_set()

    def test_mid_stream_error_becomes_the_error_fragment(
        self, make_llm: MakeLLM, provider: FakeProvider, serve_llm: ServeLLM
    ) -> None:
        provider.reply = FakeReply(["Hel", "lo", "never"], fail_after=2, error_message=UPSTREAM_SECRET)
        result = ask(serve_llm(make_llm(provider.base_url)))
        assert result.names[-1] == "done", result.raw
        assert 'role="alert"' in result.data_of("fragment")[-1]
        assert "never" not in result.raw.decode()
        assert UPSTREAM_SECRET not in result.raw.decode()

    def test_http_error_status_becomes_the_error_fragment(
        self, make_llm: MakeLLM, provider: FakeProvider, serve_llm: ServeLLM
    ) -> None:
        provider.reply = FakeReply(status=429, error_message=UPSTREAM_SECRET)
        result = ask(serve_llm(make_llm(provider.base_url)))
        assert result.names[-1] == "done", result.raw
        assert 'role="alert"' in result.data_of("fragment")[-1]
        assert UPSTREAM_SECRET not in result.raw.decode()
        assert len(provider.requests) == 1, "an error status must not be retried"

    def test_browser_disconnect_closes_the_upstream(
        self, make_llm: MakeLLM, provider: FakeProvider, serve_llm: ServeLLM
    ) -> None:
        tokens = [f"t{i} " for i in range(40)]
        provider.reply = FakeReply(tokens, delay=0.05)
        result = ask(serve_llm(make_llm(provider.base_url)), max_events=2)
        assert result.names == ["fragment", "fragment"]
        upstream = provider.requests[-1]
        assert upstream.disconnected.wait(1.0), "the upstream connection was still open 1 s after the tab closed"
        assert upstream.tokens_sent < len(tokens)

    def test_browser_disconnect_during_a_stall_closes_the_upstream(
        self, make_interruptible_llm: MakeLLM, provider: FakeProvider, serve_llm: ServeLLM
    ) -> None:
        """The provider goes quiet (a model thinking): the pending read must be interrupted, not awaited."""
        provider.reply = FakeReply(["Hel", "lo", "never"], stall_after=2)
        result = ask(serve_llm(make_interruptible_llm(provider.base_url)), max_events=1)
        assert result.names == ["fragment"]
        upstream = provider.requests[-1]
        assert upstream.disconnected.wait(1.0), "the stalled upstream was still open 1 s after the tab closed"
