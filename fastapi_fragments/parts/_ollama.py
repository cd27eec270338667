"""Ollama chat and generate responses (``ollama`` python client, ``stream=True``).

* ``message.thinking`` (chat) or ``thinking`` (generate), present with ``think=True``: reasoning.
* ``message.content`` or ``response``: the answer (``<think>`` tags in it become reasoning: qwen3 with
  tools writes them even with ``think=False``).
* ``message.tool_calls``: whole calls with ``dict`` arguments and no id; each becomes a tool-call part
  with a made-up id and its arguments as one JSON delta.
* the last response (``done=True``): ``done_reason``, ``prompt_eval_count`` and ``eval_count``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from fastapi_fragments.parts._events import FinishReason, PartKind
from fastapi_fragments.parts._fields import field, listed, raise_error, string
from fastapi_fragments.parts._normaliser import Normaliser

__all__ = ("OllamaNormaliser",)


class OllamaNormaliser(Normaliser):
    """Ollama ``ChatResponse`` / ``GenerateResponse`` stream items to part events.

    Example::

        normaliser = OllamaNormaliser()
        async for response in await AsyncClient().chat(model="qwen3", messages=m, think=True, stream=True):
            events = normaliser.feed(response)
        events = normaliser.finish()
    """

    REASONS: Mapping[str, FinishReason] = {"stop": FinishReason.STOP, "length": FinishReason.LENGTH}

    def __init__(self, *, reasoning_tags: bool = True) -> None:
        super().__init__(reasoning_tags=reasoning_tags)

    def _handle(self, item: object) -> None:
        if field(item, "error") is not None:
            raise_error("error", field(item, "error"))
        message = field(item, "message")
        source = message if message is not None else item
        self._reasoning(string(field(source, "thinking")) or "")
        self._text(string(field(source, "content" if message is not None else "response")) or "")
        for call in listed(source, "tool_calls"):
            function = field(call, "function")
            call_id = self._new_id(PartKind.TOOL_CALL)
            self._open(PartKind.TOOL_CALL, call_id, string(field(function, "name")))
            self._delta(PartKind.TOOL_CALL, call_id, json.dumps(field(function, "arguments") or {}, default=str))
            self._close(call_id)
        if field(item, "done"):
            self._set_reason(field(item, "done_reason"))
            self._set_usage(input_tokens=field(item, "prompt_eval_count"), output_tokens=field(item, "eval_count"))
