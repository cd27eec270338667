"""Real litellm against the fake provider, read as part events; runs in .venv-litellm (`make litellm`).

litellm's ``openai/`` route reads the chat wire (``reasoning_content`` passes through), its
``anthropic/`` route the Anthropic wire, which litellm turns into ``reasoning_content`` plus
``thinking_blocks``, tool-call chunks, and citations in ``provider_specific_fields``. Here ``acompletion``
(what the adapter calls); ``test_litellm_live.py`` runs ``completion`` and ``acompletion`` through a live route.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from fastapi_fragments.parts import FinishReason, PartKind, fold, normaliser_for
from fastapi_fragments.testing import (
    FakeCitation,
    FakeProvider,
    FakeReasoning,
    FakeReply,
    FakeText,
    FakeToolCall,
    FakeUsage,
)

if importlib.util.find_spec("litellm") is None:
    pytest.fail("litellm needs its own virtualenv (it pins openai<3): run make litellm", pytrace=False)

import litellm  # only after the check above

#: Not ours: warnings litellm's own code raises (also test_litellm_live.py's).
LITELLM_WARNINGS = [
    pytest.mark.filterwarnings("ignore:Item 'summary' on TypedDict class 'ChatCompletionReasoningItem':UserWarning"),
    # litellm's empty-chunk check reads `model_fields` off delta instances (pydantic 2.11+).
    pytest.mark.filterwarnings(r"ignore:Accessing the 'model_\w+' attribute on the instance is deprecated"),
]
pytestmark = [pytest.mark.anyio, *LITELLM_WARNINGS]

REPLY = FakeReply(
    parts=[
        FakeReasoning(["The user asks ", "about htmx."]),
        FakeText(["htmx ", "swaps HTML."], citations=[FakeCitation("https://htmx.org/docs/", "htmx docs")]),
        FakeToolCall("search_docs", ['{"query": "ht', 'mx sse"}'], id="call_a"),
    ],
    usage=FakeUsage(12, 40, 16, 8),
)
ROUTES = {"openai": "/v1", "anthropic": ""}


def request(route: str, base_url: str) -> dict[str, Any]:
    return {"model": f"{route}/fake-model", "api_base": base_url + ROUTES[route], "api_key": "test-key",
            "messages": [{"role": "user", "content": "Hi"}], "stream": True, "max_tokens": 64,
            "stream_options": {"include_usage": True}}  # fmt: skip


def check(items: list[object]) -> None:
    normaliser = normaliser_for(items[0])
    state = fold([event for item in items for event in normaliser.feed(item)] + normaliser.finish())
    assert [(part.kind, part.name, part.text) for part in state.parts] == [
        (PartKind.REASONING, None, "The user asks about htmx."),
        (PartKind.TEXT, None, "htmx swaps HTML."),
        (PartKind.TOOL_CALL, "search_docs", '{"query": "htmx sse"}'),
    ]
    assert [(c.url, c.title) for c in state.citations] == [("https://htmx.org/docs/", "htmx docs")]
    assert state.finish is not None
    assert state.finish.reason is FinishReason.TOOL_CALLS
    usage = state.finish.usage
    assert usage is not None
    # litellm counts cached tokens into the prompt on its Anthropic route, as OpenAI does.
    assert (usage.output_tokens, usage.cached_tokens) == (40, 8)
    assert usage.input_tokens in (12, 20)


@pytest.mark.parametrize("route", list(ROUTES))
async def test_async_completion(route: str, provider: FakeProvider) -> None:
    provider.reply = REPLY
    check([chunk async for chunk in await litellm.acompletion(**request(route, provider.base_url))])
