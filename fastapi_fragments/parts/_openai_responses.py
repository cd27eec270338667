"""OpenAI Responses API events (``responses.create(stream=True)`` and the ``responses.stream()`` helper).

* ``response.output_item.added``: a ``reasoning`` item opens a reasoning part at once (the page can say
  "thinking" before any summary arrives, and a model that sends no summary still shows an empty one); a
  ``function_call`` or ``custom_tool_call`` opens a tool call named by the item, with its ``call_id``; an
  ``mcp_call``, ``web_search_call`` or ``file_search_call`` opens a provider-run tool call.
* ``response.reasoning_summary_text.delta`` / ``response.reasoning_text.delta``: reasoning text; a
  second summary paragraph (``reasoning_summary_part.added``) is separated by a blank line.
* ``response.output_text.delta`` and ``response.refusal.delta``: the answer, one part per message item.
* ``response.output_text.annotation.added``: a citation (URL, file).
* ``response.function_call_arguments.delta`` (and the MCP / custom-tool input deltas): arguments, keyed
  by ``item_id``, which is the item's ``id``, not its ``call_id``.
* ``response.output_item.done``: ends the item's part; a search call's query becomes its arguments and
  its sources or results its result; an MCP call's output (or error) is its result. Code interpreter,
  image generation and shell calls are not read yet.
* ``response.completed`` / ``response.incomplete``: usage, and ``incomplete_details.reason``.
* ``error`` and ``response.failed`` raise :class:`ProviderError`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from fastapi_fragments.parts._events import Citation, FinishReason, PartKind
from fastapi_fragments.parts._fields import NO_FIELDS, field, plain, raise_error, string
from fastapi_fragments.parts._normaliser import Normaliser

__all__ = ("OpenAIResponsesNormaliser",)

_TOOL_ITEMS = frozenset({"function_call", "custom_tool_call", "mcp_call"})
_SEARCH_ITEMS = {"web_search_call": "web_search", "file_search_call": "file_search"}
_ARGUMENT_DELTAS = frozenset(
    {"response.function_call_arguments.delta", "response.mcp_call_arguments.delta",
     "response.custom_tool_call_input.delta"}
)  # fmt: skip
_REASONING_DELTAS = frozenset({"response.reasoning_summary_text.delta", "response.reasoning_text.delta"})
_TEXT_DELTAS = frozenset({"response.output_text.delta", "response.refusal.delta"})


class OpenAIResponsesNormaliser(Normaliser):
    """Responses API stream events to part events.

    Example::

        normaliser = OpenAIResponsesNormaliser()
        async for event in await client.responses.create(..., stream=True):
            events = normaliser.feed(event)
        events = normaliser.finish()
    """

    REASONS: Mapping[str, FinishReason] = {
        "max_output_tokens": FinishReason.LENGTH,
        "content_filter": FinishReason.CONTENT_FILTER,
    }

    def __init__(self, *, reasoning_tags: bool = False) -> None:
        super().__init__(reasoning_tags=reasoning_tags)
        self._part_ids: dict[str, str] = {}  # item id -> part id (a tool call's part id is its call_id)
        self._streamed: set[str] = set()  # tool calls whose arguments came as deltas

    def _handle(self, item: object) -> None:
        # A text or reasoning delta (nearly every item) reads its fields off the model's own dict, found
        # there as field() would first find them; field() only for what is not there, or is falsy. And
        # string() is written out: a call or two a delta less.
        own = getattr(item, "__dict__", NO_FIELDS)
        kind = own.get("type") or field(item, "type")
        if kind in _TEXT_DELTAS:
            delta, item_id = own.get("delta") or field(item, "delta"), own.get("item_id") or field(item, "item_id")
            self._text(delta if isinstance(delta, str) else "", item_id if isinstance(item_id, str) else None)
        elif kind in _REASONING_DELTAS:
            delta, item_id = own.get("delta") or field(item, "delta"), str(own.get("item_id") or field(item, "item_id"))
            text = delta if isinstance(delta, str) else ""
            self._reasoning_delta(self._part_ids.get(item_id, item_id), text)
        elif kind in _ARGUMENT_DELTAS:
            part_id = self._part_ids.get(str(field(item, "item_id")), str(field(item, "item_id")))
            self._streamed.add(part_id)
            self._delta(PartKind.TOOL_CALL, part_id, string(field(item, "delta")) or "")
        elif kind == "response.reasoning_summary_part.added":
            if field(item, "summary_index"):
                item_id = str(field(item, "item_id"))
                self._delta(PartKind.REASONING, self._part_ids.get(item_id, item_id), "\n\n")
        elif kind == "response.output_text.annotation.added":
            self._annotation(field(item, "annotation"), string(field(item, "item_id")))
        elif kind == "response.output_item.added":
            self._item_added(field(item, "item"))
        elif kind == "response.output_item.done":
            self._item_done(field(item, "item"))
        elif kind in ("response.completed", "response.incomplete"):
            self._response_done(field(item, "response"))
        elif kind == "error":
            raise_error("error", field(item, "message"))
        elif kind == "response.failed":
            raise_error("response.failed", field(field(field(item, "response"), "error"), "message"))

    def _item_added(self, item: object) -> None:
        kind, item_id = field(item, "type"), str(field(item, "id"))
        if kind == "reasoning":
            self._open(PartKind.REASONING, item_id)
        elif kind in _TOOL_ITEMS:
            part_id = string(field(item, "call_id")) or item_id
            self._part_ids[item_id] = part_id
            # OpenAI calls the MCP server itself; function and custom tools are the caller's to run.
            self._open(PartKind.TOOL_CALL, part_id, string(field(item, "name")), kind == "mcp_call")
        elif isinstance(kind, str) and kind in _SEARCH_ITEMS:
            self._open(PartKind.TOOL_CALL, item_id, _SEARCH_ITEMS[kind], provider_executed=True)

    def _item_done(self, item: object) -> None:
        kind, item_id = field(item, "type"), str(field(item, "id"))
        part_id = self._part_ids.get(item_id, item_id)
        if kind in _TOOL_ITEMS and part_id not in self._streamed:
            # A server that sends no argument deltas (or an `added` that missed them) still has them here.
            whole = field(item, "arguments") if kind != "custom_tool_call" else field(item, "input")
            self._delta(PartKind.TOOL_CALL, part_id, string(whole) or "")
        if kind == "mcp_call":
            self._close(part_id)
            self._result(part_id, field(item, "output") or field(item, "error"), failed=bool(field(item, "error")))
            return
        if isinstance(kind, str) and kind in _SEARCH_ITEMS:
            self._search_done(kind, item, part_id)
            return
        self._close(part_id)

    def _search_done(self, kind: str, item: object, part_id: str) -> None:
        action = field(item, "action")
        if kind == "web_search_call":
            query = {"query": field(action, "query")} if field(action, "type") == "search" else plain(action)
            result = plain(field(action, "sources"))
        else:
            query, result = {"queries": plain(field(item, "queries"))}, plain(field(item, "results"))
        self._delta(PartKind.TOOL_CALL, part_id, json.dumps(query, default=str))
        self._close(part_id)
        self._result(part_id, result, failed=field(item, "status") == "failed")

    def _annotation(self, annotation: object, part_id: str | None) -> None:
        kind = field(annotation, "type")
        url, title = string(field(annotation, "url")), string(field(annotation, "title"))
        document = string(field(annotation, "filename")) or string(field(annotation, "file_id"))
        if kind == "url_citation":
            self._citation(Citation(url=url, title=title, part_id=part_id))
        elif document is not None:
            self._citation(Citation(title=title, document=document, part_id=part_id))

    def _response_done(self, response: object) -> None:
        self._set_reason(field(field(response, "incomplete_details"), "reason"))
        usage = field(response, "usage")
        if usage is not None:
            self._set_usage(
                input_tokens=field(usage, "input_tokens"),
                output_tokens=field(usage, "output_tokens"),
                reasoning_tokens=field(field(usage, "output_tokens_details"), "reasoning_tokens"),
                cached_tokens=field(field(usage, "input_tokens_details"), "cached_tokens"),
            )
