"""LiteLLM with real litellm against the fake provider; runs in .venv-litellm (`make litellm`).

litellm routes by model prefix; ``openai/...`` with ``api_base`` talks OpenAI chat SSE to the fake
provider, ``anthropic/...`` talks the Anthropic wire format.
"""

from __future__ import annotations

import importlib.util
from typing import ClassVar

import pytest

from fastapi_fragments import Document, iter_text
from fastapi_fragments.adapters._chunks import extract_text
from fastapi_fragments.adapters.litellm import LiteLLM
from fastapi_fragments.testing import FakeProvider
from tests.adapters.adapter_contract import AdapterContract, MakeLLM

if importlib.util.find_spec("litellm") is None:
    pytest.fail("litellm needs its own virtualenv (it pins openai<3): run make litellm", pytrace=False)

pytestmark = [
    pytest.mark.anyio,
    # litellm's own types trip a pydantic warning when their schema is first built (litellm 1.106, pydantic 2.14).
    pytest.mark.filterwarnings("ignore:Item 'summary' on TypedDict class 'ChatCompletionReasoningItem':UserWarning"),
]


def openai_route(base_url: str) -> LiteLLM:
    return LiteLLM("openai/fake-model", api_base=base_url + "/v1", api_key="test-key", max_retries=0)


class TestLiteLLM(AdapterContract):
    FLAVOURS: ClassVar[dict[str, MakeLLM]] = {"async": openai_route}


async def test_request_carries_messages_and_options(provider: FakeProvider) -> None:
    llm = LiteLLM("openai/gpt-test", api_base=provider.base_url + "/v1", api_key="test-key", temperature=0.25)
    docs = [Document(title="htmx", text="htmx swaps HTML.")]
    assert (
        "".join([d async for d in llm.stream("What is htmx?", system="Be brief.", documents=docs)]) == "Hello, world!"
    )
    body = provider.requests[-1].json
    assert body["model"] == "gpt-test"
    assert body["temperature"] == 0.25
    assert body["messages"][0]["role"] == "system"
    assert body["messages"][0]["content"].startswith("Be brief.\n\n")
    assert body["messages"][1:] == [{"role": "user", "content": "What is htmx?"}]


async def test_routes_to_anthropic_wire_format(provider: FakeProvider) -> None:
    llm = LiteLLM("anthropic/claude-test", api_base=provider.base_url, api_key="test-key")
    assert "".join([d async for d in llm.stream("Hi", system="Be brief.")]) == "Hello, world!"
    assert provider.requests[-1].path == "/v1/messages"


async def test_model_response_stream_chunks_are_understood() -> None:
    import litellm

    response = await litellm.acompletion(
        model="openai/x", messages=[{"role": "user", "content": "Hi"}], stream=True, mock_response="Hello there"
    )
    chunks = [chunk async for chunk in response]
    assert "".join(filter(None, map(extract_text, chunks))) == "Hello there"


@pytest.mark.parametrize(("route", "path"), [("openai", "/v1"), ("anthropic", "")], ids=["openai", "anthropic"])
async def test_a_sync_completion_stream_is_read_in_a_thread(provider: FakeProvider, route: str, path: str) -> None:
    """litellm's stream offers ``__aiter__`` whichever call opened it; a sync one's fails on the anthropic route."""
    import litellm

    messages = [{"role": "user", "content": "Hi"}]
    stream = litellm.completion(
        model=f"{route}/m", api_base=provider.base_url + path, api_key="k", messages=messages, stream=True, max_tokens=9
    )
    assert "".join([delta async for delta in iter_text(stream)]) == "Hello, world!"
    assert provider.requests[-1].completed.is_set()
