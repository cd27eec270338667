"""LangChain message chunks (``AIMessageChunk`` from ``model.stream()`` / ``astream()``), langchain-core 1.x.

* ``content_blocks`` (the provider's translator, or LangChain's best effort, which also reads
  ``additional_kwargs["reasoning_content"]``): ``reasoning`` blocks are reasoning, ``text`` blocks the
  answer (their ``annotations`` citations), ``server_tool_call`` and ``server_tool_result`` provider-run
  tools.
* ``tool_call_chunks``: tool-call fragments by ``index``, read directly, as ``content_blocks`` would
  turn a chunk's fragment into a whole call with half-parsed arguments.
* ``usage_metadata``: each chunk carries a delta (LangChain adds them up when chunks are added), so the
  counts are summed.
* ``response_metadata``: ``finish_reason`` (OpenAI chat), ``stop_reason`` (Anthropic) or
  ``incomplete_details`` (OpenAI Responses).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from fastapi_fragments.parts._anthropic import AnthropicNormaliser
from fastapi_fragments.parts._events import Citation, FinishReason, PartKind
from fastapi_fragments.parts._fields import field, number, string
from fastapi_fragments.parts._normaliser import Normaliser
from fastapi_fragments.parts._openai_chat import OpenAIChatNormaliser
from fastapi_fragments.parts._openai_responses import OpenAIResponsesNormaliser

__all__ = ("LangChainNormaliser",)

_SKIPPED_BLOCKS = frozenset({"tool_call", "tool_call_chunk", "invalid_tool_call"})


class LangChainNormaliser(Normaliser):
    """LangChain ``AIMessageChunk`` values to part events.

    Example::

        normaliser = LangChainNormaliser()
        async for chunk in ChatOpenAI(model="gpt-5-mini").astream("Hi"):
            events = normaliser.feed(chunk)
        events = normaliser.finish()
    """

    REASONS: Mapping[str, FinishReason] = {
        **OpenAIChatNormaliser.REASONS,
        **AnthropicNormaliser.REASONS,
        **OpenAIResponsesNormaliser.REASONS,
    }

    def __init__(self, *, reasoning_tags: bool = True) -> None:
        super().__init__(reasoning_tags=reasoning_tags)
        self._tool_ids: dict[object, str] = {}
        self._totals: dict[str, int] = {}

    def _handle(self, item: object) -> None:
        blocks = getattr(item, "content_blocks", None)
        for block in blocks if isinstance(blocks, list) else ():
            self._block(block)
        for chunk in getattr(item, "tool_call_chunks", None) or ():
            self._tool_chunk(chunk)
        self._add_usage(getattr(item, "usage_metadata", None))
        metadata = getattr(item, "response_metadata", None)
        if isinstance(metadata, Mapping):
            incomplete = field(metadata.get("incomplete_details"), "reason")  # the OpenAI Responses API
            self._set_reason(metadata.get("finish_reason") or metadata.get("stop_reason") or incomplete)

    def _block(self, block: object) -> None:
        kind = field(block, "type")
        if kind == "text":
            self._text(string(field(block, "text")) or "")
            annotations = field(block, "annotations")
            for annotation in annotations if isinstance(annotations, list) else ():
                self._annotation(annotation)
        elif kind == "reasoning":
            self._reasoning(string(field(block, "reasoning")) or "")
        elif kind in ("server_tool_call", "server_tool_call_chunk"):
            call_id = string(field(block, "id")) or self._new_id(PartKind.TOOL_CALL)
            self._open(PartKind.TOOL_CALL, call_id, string(field(block, "name")), provider_executed=True)
            args = field(block, "args")
            self._delta(PartKind.TOOL_CALL, call_id, args if isinstance(args, str) else _json(args))
        elif kind == "server_tool_result":
            self._close()
            call_id = str(field(block, "tool_call_id"))
            self._result(call_id, field(block, "output"), failed=field(block, "status") == "error")

    def _tool_chunk(self, chunk: object) -> None:
        index = field(chunk, "index")
        call_id = self._tool_ids.get(index)
        if call_id is None:
            given = string(field(chunk, "id"))
            call_id = self._tool_ids[index] = given or f"call-{index}"
        self._open(PartKind.TOOL_CALL, call_id, string(field(chunk, "name")))
        self._delta(PartKind.TOOL_CALL, call_id, string(field(chunk, "args")) or "")

    def _annotation(self, annotation: object) -> None:
        if field(annotation, "type") == "citation":
            url, title, text = (string(field(annotation, name)) for name in ("url", "title", "cited_text"))
            self._citation(Citation(url=url, title=title, cited_text=text, part_id=self._text_id))

    def _add_usage(self, usage: object) -> None:
        if not isinstance(usage, Mapping):
            return
        counts = {
            "input_tokens": usage.get("input_tokens"),
            "output_tokens": usage.get("output_tokens"),
            "reasoning_tokens": field(usage.get("output_token_details"), "reasoning"),
            "cached_tokens": field(usage.get("input_token_details"), "cache_read"),
        }
        for name, count in counts.items():
            if (value := number(count)) is not None:
                self._totals[name] = self._totals.get(name, 0) + value
        self._set_usage(**self._totals)


def _json(value: object) -> str:
    return json.dumps(value, default=str) if value else ""
