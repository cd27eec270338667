"""OpenAI Chat Completions chunks, and the OpenAI-compatible ones (LiteLLM, DeepSeek, vLLM, OpenRouter).

* ``delta.reasoning_content`` (DeepSeek, LiteLLM) or ``delta.reasoning`` (vLLM, OpenRouter, Ollama's
  ``/v1``): reasoning. The openai SDK has no such field; its models keep unknown fields as attributes.
* LiteLLM's ``delta.thinking_blocks``: reasoning when ``reasoning_content`` is absent; a
  ``redacted_thinking`` block is an empty reasoning part. Its ``annotations`` and
  ``provider_specific_fields["citation"]`` (Anthropic's citations) are citations.
* ``delta.content``: the answer (``<think>`` tags in it become reasoning); ``delta.refusal`` too.
* ``delta.tool_calls[]``: tool-call fragments by ``index``; the id and name come with the first one.
* ``choices[0].finish_reason``, and ``usage`` on the last chunk (``stream_options={"include_usage": True}``).
* the ``chat.completions.stream()`` helper's events: only its ``chunk`` events are read.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi_fragments.parts._events import Citation, FinishReason, PartKind
from fastapi_fragments.parts._fields import as_list, field, listed, reader, string
from fastapi_fragments.parts._normaliser import Normaliser

__all__ = ("OpenAIChatNormaliser",)

#: What a delta is read for (``_delta_of``).
_DELTA_FIELDS = frozenset(
    {"reasoning_content", "reasoning", "thinking_blocks", "content", "refusal", "tool_calls", "annotations",
     "provider_specific_fields"}
)  # fmt: skip


class OpenAIChatNormaliser(Normaliser):
    """Chat Completions chunks (``choices[0].delta``) to part events; LiteLLM's too.

    Example::

        normaliser = OpenAIChatNormaliser()
        async for chunk in await client.chat.completions.create(..., stream=True):
            events = normaliser.feed(chunk)
        events = normaliser.finish()
    """

    REASONS: Mapping[str, FinishReason] = {
        "stop": FinishReason.STOP,
        "length": FinishReason.LENGTH,
        "tool_calls": FinishReason.TOOL_CALLS,
        "function_call": FinishReason.TOOL_CALLS,
        "content_filter": FinishReason.CONTENT_FILTER,
    }

    def __init__(self, *, reasoning_tags: bool = True) -> None:
        super().__init__(reasoning_tags=reasoning_tags)
        self._tool_ids: dict[object, str] = {}

    def _handle(self, item: object) -> None:
        kind = field(item, "type")
        if kind == "chunk":  # the helper's wrapper; its other events repeat what the chunk says
            item = field(item, "chunk")
        elif isinstance(kind, str):
            return
        choices = listed(item, "choices")
        if choices:
            choice = choices[0]
            self._delta_of(field(choice, "delta"))
            self._set_reason(field(choice, "finish_reason"))
        usage = field(item, "usage")
        if usage is not None:
            self._set_usage(
                input_tokens=field(usage, "prompt_tokens"),
                output_tokens=field(usage, "completion_tokens"),
                reasoning_tokens=field(field(usage, "completion_tokens_details"), "reasoning_tokens"),
                cached_tokens=field(field(usage, "prompt_tokens_details"), "cached_tokens"),
            )

    def _delta_of(self, delta: object) -> None:
        if delta is None:
            return
        get = reader(delta, _DELTA_FIELDS)
        reasoning = get("reasoning_content")
        if reasoning is None:
            reasoning = get("reasoning")
        if isinstance(reasoning, str):
            self._reasoning(reasoning)
        else:
            self._thinking_blocks(get("thinking_blocks"))
        for text in (get("content"), get("refusal")):
            if isinstance(text, str):
                self._text(text)
        for call in as_list(get("tool_calls")):
            self._tool_call(call)
        for annotation in as_list(get("annotations")):
            self._annotation(annotation)
        fields = get("provider_specific_fields")
        if fields is not None and isinstance(fields, Mapping) and isinstance(fields.get("citation"), Mapping):
            self._annotation(fields["citation"])

    def _thinking_blocks(self, blocks: object) -> None:
        for block in blocks if isinstance(blocks, list) else ():
            if field(block, "type") == "redacted_thinking":
                self._open(PartKind.REASONING, self._new_id(PartKind.REASONING))
                self._close()
            elif isinstance(thinking := field(block, "thinking"), str):
                self._reasoning(thinking)

    def _tool_call(self, call: object) -> None:
        index = field(call, "index")
        function = field(call, "function")
        call_id = self._tool_ids.get(index)
        if call_id is None:
            given = field(call, "id")
            call_id = self._tool_ids[index] = given if isinstance(given, str) and given else f"call-{index}"
        name = field(function, "name")
        self._open(PartKind.TOOL_CALL, call_id, name if isinstance(name, str) else None)
        arguments = field(function, "arguments")
        if isinstance(arguments, str):
            self._delta(PartKind.TOOL_CALL, call_id, arguments)

    def _annotation(self, annotation: object) -> None:
        cited = field(annotation, "url_citation") or annotation  # OpenAI nests the fields; LiteLLM may not
        url, title = field(cited, "url"), field(cited, "title")
        document = field(cited, "document_title")
        if url is None and title is None and document is None:
            return
        cited_text = field(cited, "cited_text")
        self._citation(Citation(string(url), string(title), string(document), string(cited_text), self._text_id))
