"""Anthropic Messages stream events: the raw ones (``messages.create(stream=True)``) and ``MessageStream``'s.

* ``content_block_start``: a ``thinking`` block opens a reasoning part (it may stay empty: thinking
  ``display="omitted"``); ``redacted_thinking`` is an empty reasoning part; ``tool_use`` and
  ``server_tool_use`` open tool calls (the latter provider-run); ``text`` opens the answer; a
  ``*_tool_result`` block (``web_search_tool_result``…) arrives whole and is the result of its call.
* ``content_block_delta``: ``text_delta``, ``thinking_delta`` and ``input_json_delta`` are deltas;
  ``citations_delta`` is a citation; ``signature_delta`` is opaque and skipped.
* ``content_block_stop`` ends the block's part.
* ``message_start`` / ``message_delta``: usage, which is cumulative (each count overwrites the last),
  and ``stop_reason``. ``error`` raises :class:`ProviderError`.
* ``MessageStream``'s own events (``text``, ``thinking``, ``input_json``, ``citation``, ``signature``)
  repeat the raw deltas it also yields, so they are skipped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from fastapi_fragments.parts._events import Citation, FinishReason, PartKind
from fastapi_fragments.parts._fields import NO_FIELDS, field, raise_error, string
from fastapi_fragments.parts._normaliser import Normaliser

__all__ = ("AnthropicNormaliser",)

_DELTA_KINDS = {"text_delta": ("text", PartKind.TEXT), "thinking_delta": ("thinking", PartKind.REASONING),
                "input_json_delta": ("partial_json", PartKind.TOOL_CALL)}  # fmt: skip
_TOOL_BLOCKS = frozenset({"tool_use", "server_tool_use"})


class AnthropicNormaliser(Normaliser):
    """Anthropic raw stream events (or ``MessageStream`` events) to part events.

    Example::

        normaliser = AnthropicNormaliser()
        async with client.messages.stream(...) as stream:
            async for event in stream:
                events = normaliser.feed(event)
        events = normaliser.finish()
    """

    REASONS: Mapping[str, FinishReason] = {
        "end_turn": FinishReason.STOP,
        "stop_sequence": FinishReason.STOP,
        "pause_turn": FinishReason.STOP,
        "max_tokens": FinishReason.LENGTH,
        "model_context_window_exceeded": FinishReason.LENGTH,
        "tool_use": FinishReason.TOOL_CALLS,
        "refusal": FinishReason.CONTENT_FILTER,
    }

    def __init__(self, *, reasoning_tags: bool = False) -> None:
        super().__init__(reasoning_tags=reasoning_tags)
        self._blocks: dict[object, str] = {}  # block index -> part id
        self._whole_input: dict[str, object] = {}  # tool calls whose input came whole in the start block

    def _handle(self, item: object) -> None:
        # A delta (nearly every item) reads its fields off the model's own dict, found there as field()
        # would first find them; field() only for what is not there, or is falsy (the index is read by
        # `in`: 0, the only block of a reply with no thinking and no tools, is falsy).
        own = getattr(item, "__dict__", NO_FIELDS)
        kind = own.get("type") or field(item, "type")
        if kind == "content_block_delta":
            index = own["index"] if "index" in own else field(item, "index")
            delta = own.get("delta") or field(item, "delta")
            values = getattr(delta, "__dict__", NO_FIELDS)
            delta_kind, whole = values.get("type"), self._whole_input
            # The answer's text and the reasoning (nearly every item): straight on, not through
            # _block_delta's table (which also drops a tool's whole input, were one waiting).
            if delta_kind == "text_delta" and isinstance(text := values.get("text"), str) and not whole:
                self._text(text, self._blocks.get(index) or f"block-{index}")
            elif delta_kind == "thinking_delta" and isinstance(text := values.get("thinking"), str) and not whole:
                self._reasoning_delta(self._blocks.get(index) or f"block-{index}", text)
            else:
                self._block_delta(index, delta, values)
        elif kind == "content_block_start":
            self._block_start(field(item, "index"), field(item, "content_block"))
        elif kind == "content_block_stop":
            part_id = self._blocks.get(field(item, "index"))
            if part_id is not None and part_id in self._whole_input:
                self._delta(PartKind.TOOL_CALL, part_id, json.dumps(self._whole_input.pop(part_id), default=str))
            if part_id is not None:
                self._close(part_id)
        elif kind == "message_start":
            self._usage_of(field(field(item, "message"), "usage"))
        elif kind == "message_delta":
            self._set_reason(field(field(item, "delta"), "stop_reason"))
            self._usage_of(field(item, "usage"))
        elif kind == "error":
            raise_error("error", field(field(item, "error"), "message"))

    def _block_start(self, index: object, block: object) -> None:
        kind = field(block, "type")
        part_id = f"block-{index}"
        if kind in _TOOL_BLOCKS:
            part_id = string(field(block, "id")) or part_id
            self._open(PartKind.TOOL_CALL, part_id, string(field(block, "name")), kind == "server_tool_use")
            if field(block, "input"):  # proxies may send the whole input here and no deltas
                self._whole_input[part_id] = field(block, "input")
        elif kind in ("thinking", "redacted_thinking"):
            self._open(PartKind.REASONING, part_id)
            self._delta(PartKind.REASONING, part_id, string(field(block, "thinking")) or "")
        elif kind == "text":  # opened by its first text, as every source's answer is
            self._text(string(field(block, "text")) or "", part_id)
        elif isinstance(kind, str) and kind.endswith("_tool_result"):
            content = field(block, "content")
            failed = isinstance(field(content, "type"), str) and str(field(content, "type")).endswith("_error")
            self._result(str(field(block, "tool_use_id")), content, failed=failed)
            return
        self._blocks[index] = part_id

    def _block_delta(self, index: object, delta: object, own: Mapping[str, object]) -> None:
        """A delta of block ``index``; ``own``: the delta's own dict (as in _handle), read there already."""
        kind = own.get("type") or field(delta, "type")
        part_id = self._blocks.get(index)
        if part_id is None:  # not as get()'s default: that f-string would be built for every delta
            part_id = f"block-{index}"
        found = _DELTA_KINDS.get(kind) if isinstance(kind, str) else None
        if found is not None:
            name, part_kind = found
            if self._whole_input:
                self._whole_input.pop(part_id, None)
            text = own.get(name) or field(delta, name)
            text = text if isinstance(text, str) else ""
            if part_kind is PartKind.TEXT:
                self._text(text, part_id)
            else:
                self._delta(part_kind, part_id, text)
        elif kind == "citations_delta":
            self._cite(field(delta, "citation"), part_id)

    def _cite(self, citation: object, part_id: str) -> None:
        index = field(citation, "document_index")
        document = string(field(citation, "document_title")) or string(field(citation, "source"))
        self._citation(
            Citation(
                url=string(field(citation, "url")),
                title=string(field(citation, "title")) or string(field(citation, "document_title")),
                document=document if document is not None or index is None else str(index),
                cited_text=string(field(citation, "cited_text")),
                part_id=part_id,
            )
        )

    def _usage_of(self, usage: object) -> None:
        if usage is not None:
            self._set_usage(
                input_tokens=field(usage, "input_tokens"),
                output_tokens=field(usage, "output_tokens"),
                cached_tokens=field(usage, "cache_read_input_tokens"),
            )
