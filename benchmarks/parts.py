"""Per-token CPU of a multi-part stream (issue 15) against a text-only stream of as many tokens, in-process.

``python -m benchmarks.parts [--tokens 1000] [--runs 7] [--rate 1000] [--sdks chat,anthropic,responses]``

Each SDK's own stream items (its real types, validated from the fake provider's wire payloads, as the
SDK yields them) go through ``FragmentStreamResponse``'s producer and the HTTP sink into a ``send``
that does nothing (``benchmarks.inprocess``'s pieces), one event-loop turn apart. Three streams of
``--tokens`` deltas each:

* ``text``: a text-only reply on the text-only path (no part blocks): the baseline;
* ``text, parts path``: the same reply with the part blocks asked for (what the parts path costs alone);
* ``parts``: the first 30% of the deltas are reasoning, then one tool call whose arguments stream in
  12 deltas, then the answer; rendered with ``reasoning_block``, ``tools_block`` and ``usage_block``.

CPU is the event-loop thread's (``time.thread_time``), per delta, the best of ``--runs`` (the variants
take turns, so a slow spell of the shared machine hits them alike). ``min_interval=0`` renders every
delta; the default interval (16 ms, 32 kB/s) gets the deltas ``--rate`` a second. Issue 15's target:
``parts`` at most 1.2x ``text``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
from collections.abc import Callable
from typing import Any

import anthropic.types
import jinja2
import openai.types.responses
import pydantic
from openai.types.chat import ChatCompletionChunk

from benchmarks.answer import answer_tokens
from benchmarks.inprocess import paced, plan, send_all
from fastapi_fragments._parts_produce import PartBlocks
from fastapi_fragments.testing import FakeReasoning, FakeReply, FakeText, FakeToolCall, FakeUsage
from fastapi_fragments.testing._fake_provider import WIRES
from fastapi_fragments.testing._fake_wire import scripted_payloads

PAGE = """{% import "fragments/parts.html" as parts %}
{% block answer %}<div class="answer">{{ text }}</div>{% endblock %}
{% block reasoning %}{{ parts.reasoning(reasoning, thinking, duration) }}{% endblock %}
{% block tools %}{{ parts.tool_cards(tool_calls) }}{% endblock %}
{% block usage %}{{ parts.usage(usage, finish_reason) }}{% endblock %}"""

TEMPLATES = jinja2.Environment(
    loader=jinja2.ChoiceLoader(
        [jinja2.DictLoader({"page.html": PAGE}), jinja2.PackageLoader("fastapi_fragments", "templates")]
    ),
    autoescape=True,
)
BLOCKS = PartBlocks(reasoning="reasoning", tools="tools", usage="usage")
USAGE = FakeUsage(input_tokens=812, output_tokens=1000, reasoning_tokens=300, cached_tokens=512)
ARGUMENTS = '{"query": "refund policy for damaged items", "limit": 5}'
TOOL_DELTAS = 12

_RESPONSES: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(openai.types.responses.ResponseStreamEvent)
_ANTHROPIC: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(anthropic.types.RawMessageStreamEvent)

#: Each SDK's stream items for a reply: its wire's payloads, validated into the types the SDK yields.
SDKS: dict[str, Callable[[FakeReply], list[object]]] = {
    "chat": lambda reply: [
        ChatCompletionChunk.model_validate(p)
        for p in scripted_payloads(WIRES["/v1/chat/completions"], reply, {"stream_options": {"include_usage": True}})
    ],  # fmt: skip
    "anthropic": lambda reply: [  # the SDK drops `ping` before it yields events
        _ANTHROPIC.validate_python(p)
        for p in scripted_payloads(WIRES["/v1/messages"], reply, {})
        if p["type"] != "ping"
    ],
    "responses": lambda reply: [
        _RESPONSES.validate_python(p) for p in scripted_payloads(WIRES["/v1/responses"], reply, {})
    ],
}


def replies(count: int) -> tuple[FakeReply, FakeReply]:
    """A text-only reply of ``count`` deltas, and one of as many: 30% reasoning, a tool call, the answer."""
    tokens = answer_tokens(count)
    thinking = round(count * 0.3)
    size = -(-len(ARGUMENTS) // TOOL_DELTAS)
    arguments = [ARGUMENTS[at : at + size] for at in range(0, len(ARGUMENTS), size)]
    call = FakeToolCall("search_docs", arguments, id="call_1")
    answer = tokens[thinking + len(arguments) :]
    parts = [FakeReasoning(tokens[:thinking]), call, FakeText(answer)]
    return FakeReply(tokens, usage=USAGE), FakeReply(parts=parts, usage=USAGE, finish_reason="stop")


async def cpu(items: list[object], blocks: PartBlocks | None, min_interval: float, delay: float) -> float:
    """The event-loop thread's CPU seconds for one stream of ``items``."""
    producer = plan(paced(items, delay), TEMPLATES, blocks).producer
    gc.collect()
    began = time.thread_time()
    if min_interval:
        await send_all(producer, min_interval, 32_000)
    else:
        await send_all(producer, 0)
    return time.thread_time() - began


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.parts", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tokens", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rate", type=float, default=1000, help="deltas/s under the default interval")
    parser.add_argument("--sdks", default=",".join(SDKS))
    args = parser.parse_args()
    text_reply, parts_reply = replies(args.tokens)
    print(f"µs of CPU per delta, best of {args.runs}, {args.tokens} deltas a stream")
    print("| SDK | interval | text | text, parts path | parts | parts / text |")
    print("|---|---|---|---|---|---|")
    for sdk in args.sdks.split(","):
        text_items, parts_items = SDKS[sdk](text_reply), SDKS[sdk](parts_reply)
        variants = [(text_items, None), (text_items, BLOCKS), (parts_items, BLOCKS)]
        for interval, delay, label in ((0.0, 0.0, "0"), (0.016, 1 / args.rate, f"16 ms, {args.rate:g}/s")):
            best = [float("inf")] * len(variants)
            for _ in range(args.runs):
                for index, (items, blocks) in enumerate(variants):
                    best[index] = min(best[index], asyncio.run(cpu(items, blocks, interval, delay)))
            text, text_parts, parts = (seconds / args.tokens * 1e6 for seconds in best)
            print(f"| {sdk} | {label} | {text:.2f} | {text_parts:.2f} | {parts:.2f} | {parts / text:.2f}x |")


if __name__ == "__main__":
    main()
