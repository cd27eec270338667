"""extract_text and text_iterable on real SDK objects: the duck-typed table matches what the SDKs yield."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

import anthropic
import ollama
import openai
import pytest
from anthropic.types import RawContentBlockDeltaEvent, RawMessageStopEvent
from langchain_core.messages import AIMessageChunk
from openai.lib.streaming.chat import ChunkEvent, ContentDeltaEvent
from openai.types.chat import ChatCompletionChunk
from openai.types.responses import ResponseErrorEvent, ResponseFailedEvent, ResponseTextDeltaEvent
from pydantic_ai import Agent
from pydantic_ai.models.test import TestModel

from fastapi_fragments import ProviderError
from fastapi_fragments.adapters._chunks import extract_text, interrupt_blocking_read, text_iterable
from fastapi_fragments.testing import FakeProvider, FakeReply
from tests.helpers import anthropic_kwargs, openai_kwargs

pytestmark = pytest.mark.anyio


def chat_chunk(choices: list[dict[str, Any]]) -> ChatCompletionChunk:
    return ChatCompletionChunk.model_validate(
        {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m", "choices": choices}
    )


def choice(delta: dict[str, Any]) -> dict[str, Any]:
    return {"index": 0, "delta": delta, "finish_reason": None}


@pytest.mark.parametrize(
    ("item", "text"),
    [
        pytest.param("Hel", "Hel", id="str"),
        pytest.param("", None, id="empty-str"),
        pytest.param(chat_chunk([choice({"content": "Hel"})]), "Hel", id="openai-chat"),
        pytest.param(chat_chunk([choice({"role": "assistant", "content": ""})]), None, id="openai-chat-role"),
        pytest.param(chat_chunk([choice({})]), None, id="openai-chat-finish"),
        pytest.param(chat_chunk([]), None, id="openai-chat-usage"),
        pytest.param(
            ResponseTextDeltaEvent.model_construct(type="response.output_text.delta", delta="Hel"),
            "Hel",
            id="openai-responses-delta",
        ),
        pytest.param(SimpleNamespace(type="response.completed", response=None), None, id="openai-responses-other"),
        pytest.param(
            ContentDeltaEvent.model_construct(type="content.delta", delta="Hel", snapshot="Hel"),
            "Hel",
            id="openai-helper-delta",
        ),
        pytest.param(
            ChunkEvent.model_construct(type="chunk", chunk=chat_chunk([choice({"content": "Hel"})])),
            None,
            id="openai-helper-chunk-counted-once",
        ),
        pytest.param(
            RawContentBlockDeltaEvent.model_validate(
                {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hel"}}
            ),
            "Hel",
            id="anthropic-text-delta",
        ),
        pytest.param(
            RawContentBlockDeltaEvent.model_validate(
                {"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": "{"}}
            ),
            None,
            id="anthropic-tool-delta",
        ),
        pytest.param(RawMessageStopEvent(type="message_stop"), None, id="anthropic-stop"),
        pytest.param(
            ollama.ChatResponse(model="m", message=ollama.Message(role="assistant", content="Hel"), done=False),
            "Hel",
            id="ollama-chat",
        ),
        pytest.param(ollama.GenerateResponse(model="m", response="Hel", done=False), "Hel", id="ollama-generate"),
        pytest.param(AIMessageChunk(content="Hel"), "Hel", id="langchain-str"),
        pytest.param(
            AIMessageChunk(content=[{"type": "text", "text": "Hel", "index": 0}, {"type": "tool_use", "id": "t"}]),
            "Hel",
            id="langchain-content-blocks",
        ),
    ],
)
def test_extract_text(item: object, text: str | None) -> None:
    assert extract_text(item) == text


def test_responses_error_event_raises() -> None:
    event = ResponseErrorEvent.model_construct(type="error", message="rate limited", code="x", sequence_number=1)
    with pytest.raises(ProviderError, match="'error' event: rate limited") as caught:
        extract_text(event)
    assert caught.value.event_type == "error"


def test_responses_failed_event_raises_with_the_response_error_message() -> None:
    failed = ResponseFailedEvent.model_construct(
        type="response.failed", response=SimpleNamespace(error=SimpleNamespace(message="server overloaded"))
    )
    with pytest.raises(ProviderError, match="server overloaded"):
        extract_text(failed)


@pytest.mark.parametrize("item", [42, {"text": "Hel"}, SimpleNamespace(type="mystery")])
def test_unknown_items_raise_type_error_naming_the_type(item: object) -> None:
    with pytest.raises(TypeError, match=type(item).__qualname__):
        extract_text(item)


def test_text_iterable_is_none_for_plain_iterables() -> None:
    assert text_iterable(["a"]) is None


async def test_text_iterable_takes_anthropic_text_stream(provider: FakeProvider) -> None:
    client = anthropic.AsyncAnthropic(**anthropic_kwargs(provider.base_url))
    request: Any = {"model": "m", "max_tokens": 8, "messages": [{"role": "user", "content": "Hi"}]}
    async with client.messages.stream(**request) as stream:
        assert text_iterable(stream) is stream.text_stream
    await client.close()


async def test_text_iterable_streams_pydantic_ai_deltas_without_debounce() -> None:
    agent = Agent(TestModel(custom_output_text="one two three"))
    async with agent.run_stream("Hi") as result:
        deltas: Any = text_iterable(result)
        assert "".join([delta async for delta in deltas]) == "one two three"


def _open_sync_stream(flavour: str, base_url: str) -> Any:
    request: Any = {"model": "m", "messages": [{"role": "user", "content": "Hi"}]}
    if flavour == "openai":
        return openai.OpenAI(**openai_kwargs(base_url)).chat.completions.create(**request, stream=True)
    manager = anthropic.Anthropic(**anthropic_kwargs(base_url)).messages.stream(**request, max_tokens=8)
    return manager.__enter__()


@pytest.mark.parametrize("flavour", ["openai", "anthropic"])
def test_interrupt_blocking_read_hangs_up_a_stalled_sync_stream(flavour: str, provider: FakeProvider) -> None:
    provider.reply = FakeReply(["never"], delay=30)  # the provider "thinks" for 30 s
    stream = _open_sync_stream(flavour, provider.base_url)
    failure: list[BaseException] = []

    def read() -> None:
        try:
            list(stream)
        except Exception as exc:
            failure.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert interrupt_blocking_read(stream)
    assert provider.requests[-1].disconnected.wait(1), "the provider still streams to the blocked reader"
    reader.join(1)
    assert not reader.is_alive(), "the blocked read did not wake up"
    assert failure  # the SDK reports the cut connection to the reader
    stream.close()


@pytest.mark.parametrize(
    "obj",
    [
        object(),
        SimpleNamespace(response=None),
        SimpleNamespace(response=SimpleNamespace()),
        SimpleNamespace(completion_stream=None),
        SimpleNamespace(completion_stream=SimpleNamespace(_response=SimpleNamespace(extensions={}))),
    ],
)
def test_interrupt_blocking_read_ignores_objects_without_a_socket(obj: object) -> None:
    assert interrupt_blocking_read(obj) is False
