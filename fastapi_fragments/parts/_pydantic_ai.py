"""pydantic-ai agent stream events (``agent.run_stream_events()``, ``agent.iter()`` nodes), major version 2.

* ``PartStartEvent`` / ``PartDeltaEvent`` / ``PartEndEvent`` (``event_kind`` ``part_start``…): ``text``
  parts are the answer, ``thinking`` parts reasoning, ``tool-call`` parts tool calls (arguments as a JSON
  string or a dict), ``builtin-tool-call`` provider-run tool calls whose ``builtin-tool-return`` part is
  their result. Part indexes restart with each model response, so ids come from the tool call id or a
  counter, not the index.
* ``TextPartDelta.citations_delta``: citations, one per web or document source.
* ``FunctionToolResultEvent`` / ``OutputToolResultEvent``: the result of a call (``outcome`` says
  whether it failed).
* ``AgentRunResultEvent``: the run's usage and its last response's ``finish_reason``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from fastapi_fragments.parts._events import Citation, FinishReason, PartKind
from fastapi_fragments.parts._fields import field, listed, string
from fastapi_fragments.parts._normaliser import Normaliser

__all__ = ("PydanticAINormaliser",)

_PART_KINDS = {"text": PartKind.TEXT, "thinking": PartKind.REASONING, "tool-call": PartKind.TOOL_CALL,
               "builtin-tool-call": PartKind.TOOL_CALL}  # fmt: skip
_DELTA_FIELDS = {"text": "content_delta", "thinking": "content_delta", "tool_call": "args_delta"}


class PydanticAINormaliser(Normaliser):
    """pydantic-ai agent stream events to part events.

    Example::

        normaliser = PydanticAINormaliser()
        async with agent.run_stream_events("Hi") as events:
            async for event in events:
                parts = normaliser.feed(event)
        parts = normaliser.finish()
    """

    REASONS: Mapping[str, FinishReason] = {
        "stop": FinishReason.STOP,
        "length": FinishReason.LENGTH,
        "content_filter": FinishReason.CONTENT_FILTER,
        "tool_call": FinishReason.TOOL_CALLS,
        "error": FinishReason.ERROR,
    }

    def __init__(self, *, reasoning_tags: bool = False) -> None:
        super().__init__(reasoning_tags=reasoning_tags)
        self._indexes: dict[object, str] = {}  # part index in the current response -> part id

    def _handle(self, item: object) -> None:
        kind = field(item, "event_kind")
        if kind == "part_start":
            self._part_start(field(item, "index"), field(item, "part"))
        elif kind == "part_delta":
            self._part_delta(field(item, "index"), field(item, "delta"))
        elif kind == "part_end":
            part_id = self._indexes.get(field(item, "index"))
            if part_id is not None:
                self._close(part_id)
        elif kind in ("function_tool_result", "output_tool_result"):
            part = field(item, "part")
            self._tool_return(part)
        elif kind == "agent_run_result":
            self._run_result(field(item, "result"))

    def _part_start(self, index: object, part: object) -> None:
        part_kind = field(part, "part_kind")
        if part_kind == "builtin-tool-return":
            self._tool_return(part)
            return
        kind = _PART_KINDS.get(str(part_kind))
        if kind is None:
            self._indexes.pop(index, None)
            return
        if kind is PartKind.TOOL_CALL:
            part_id = string(field(part, "tool_call_id")) or self._new_id(kind)
            self._open(kind, part_id, string(field(part, "tool_name")), part_kind == "builtin-tool-call")
            self._delta(kind, part_id, _arguments(field(part, "args")))
        else:
            part_id = self._new_id(kind)
            self._open(kind, part_id)
            self._delta(kind, part_id, string(field(part, "content")) or "")
        self._indexes[index] = part_id

    def _part_delta(self, index: object, delta: object) -> None:
        part_id = self._indexes.get(index)
        delta_kind = str(field(delta, "part_delta_kind"))
        if part_id is None or delta_kind not in _DELTA_FIELDS:
            return
        kind = PartKind.TOOL_CALL if delta_kind == "tool_call" else self._kind_of(delta_kind)
        value = field(delta, _DELTA_FIELDS[delta_kind])
        self._delta(kind, part_id, _arguments(value) if kind is PartKind.TOOL_CALL else string(value) or "")
        # Citations come in a text-less delta of their own, possibly after the part's end.
        for citation in listed(delta, "citations_delta"):
            for source in listed(citation, "sources"):
                excerpts = listed(source, "excerpts")
                self._citation(
                    Citation(
                        url=string(field(source, "url")),
                        title=string(field(source, "title")),
                        document=string(field(source, "document_id")),
                        cited_text=string(excerpts[0]) if excerpts else None,
                        part_id=part_id,
                    )
                )

    def _tool_return(self, part: object) -> None:
        outcome = field(part, "outcome")
        failed = field(part, "part_kind") == "retry-prompt" or outcome not in (None, "success")
        self._result(str(field(part, "tool_call_id")), field(part, "content"), failed=failed)

    def _run_result(self, result: object) -> None:
        usage = getattr(result, "usage", None)
        if callable(usage) and not hasattr(usage, "input_tokens"):  # a method before V2, a property since
            usage = usage()
        details = field(usage, "details")
        self._set_usage(
            input_tokens=field(usage, "input_tokens"),
            output_tokens=field(usage, "output_tokens"),
            cached_tokens=field(usage, "cache_read_tokens"),
            reasoning_tokens=details.get("reasoning_tokens") if isinstance(details, Mapping) else None,
        )
        self._set_reason(field(getattr(result, "response", None), "finish_reason"))

    @staticmethod
    def _kind_of(delta_kind: str) -> PartKind:
        return PartKind.TEXT if delta_kind == "text" else PartKind.REASONING


def _arguments(args: object) -> str:
    """Tool arguments as JSON text: pydantic-ai has them as a string or, from some models, a dict."""
    if isinstance(args, str):
        return args
    return json.dumps(args, default=str) if args else ""
