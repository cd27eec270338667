"""Per-token CPU of a multi-part stream (issue 15) against a text-only stream of as many tokens, in-process.

``python -m benchmarks.parts [--tokens 1000] [--runs 7] [--burst 16] [--sdks chat,anthropic,responses] [--server]``

Each SDK's own stream items (its real types, validated from the fake provider's wire payloads, as the
SDK yields them) go through ``FragmentStreamResponse``'s producer and the HTTP sink into a ``send``
that only counts the frames (``benchmarks.inprocess``'s pieces), one event-loop turn apart. Four streams
of ``--tokens`` deltas each:

* ``text``: a text-only reply on the text-only path (no part blocks): the baseline;
* ``text, parts path``: the same reply with the part blocks asked for (what the parts path costs alone);
* ``parts``: the first 30% of the deltas are reasoning, then one tool call whose arguments stream in
  12 deltas, then the answer; rendered with ``reasoning_block``, ``tools_block`` and ``usage_block``,
  blocks written as the answer's is (a variable or two in an element);
* ``parts, macros``: the same, the part blocks calling the package's macros (``fragments/parts.html``),
  as the README shows them.

CPU is the event-loop thread's (``time.thread_time``), per delta, the best of ``--runs`` (the variants
take turns, so a slow spell of the shared machine hits them alike). ``min_interval=0`` renders every
delta; under the default interval (16 ms, 32 kB/s) the deltas come in bursts of ``--burst``, 17 ms apart
(about 1000 a second), so a frame takes a burst's deltas and the per-delta work counts more than the
render (a timer per delta would cost the event loop more than the stream itself); these figures move
more from run to run (the thread wakes with cold caches after each wait). Issue 15's target: ``parts``
at most 1.2x ``text``.

``--server``: the ``text`` and ``parts`` streams served by uvicorn (``benchmarks.server``'s ``parts``
route, the suite's ``Server``: pinned to its core, CPU from the kernel's per-thread accounting of the
whole server process) and read over 127.0.0.1 by the suite's client, one at a time, the SDK's items one
event-loop turn apart (unpaced, as the suite's "server CPU µs / token (unpaced, best stream)"): the
server's CPU per delta, the best of ``--runs`` streams each, taking turns, at ``min_interval=0`` and
the default interval.
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
from fastapi_fragments.testing import FakePart, FakeReasoning, FakeReply, FakeText, FakeToolCall, FakeUsage
from fastapi_fragments.testing._fake_provider import WIRES
from fastapi_fragments.testing._fake_wire import scripted_payloads

# The part blocks written as the answer's is (a variable or two in an element), and the same parts
# through the package's macros (``fragments/parts.html``), which cost a Jinja macro call per render.
PAGE = "\n".join(
    [
        '{% import "fragments/parts.html" as parts %}',
        '{% block answer %}<div class="answer">{{ text }}</div>{% endblock %}',
        "{% block reasoning %}<details{% if thinking %} open{% endif %}>"
        "<summary>{{ duration }}</summary>{{ reasoning }}</details>{% endblock %}",
        "{% block tools %}{% for call in tool_calls %}"
        '<li data-status="{{ call.status }}">{{ call.name }} {{ call.arguments_text }}</li>{% endfor %}{% endblock %}',
        "{% block usage %}{% if usage %}<p>{{ usage.input_tokens }} in, {{ usage.output_tokens }} out</p>"
        "{% endif %}{% endblock %}",
        "{% block reasoning_macro %}{{ parts.reasoning(reasoning, thinking, duration) }}{% endblock %}",
        "{% block tools_macro %}{{ parts.tool_cards(tool_calls) }}{% endblock %}",
        "{% block usage_macro %}{{ parts.usage(usage, finish_reason) }}{% endblock %}",
    ]
)

TEMPLATES = jinja2.Environment(
    loader=jinja2.ChoiceLoader(
        [jinja2.DictLoader({"page.html": PAGE}), jinja2.PackageLoader("fastapi_fragments", "templates")]
    ),
    autoescape=True,
)
BLOCKS = PartBlocks(reasoning="reasoning", tools="tools", usage="usage")
MACROS = PartBlocks(reasoning="reasoning_macro", tools="tools_macro", usage="usage_macro")
USAGE = FakeUsage(input_tokens=812, output_tokens=1000, reasoning_tokens=300, cached_tokens=512)
ARGUMENTS = '{"query": "refund policy for damaged items", "limit": 5}'
TOOL_DELTAS = 12

_RESPONSES: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(openai.types.responses.ResponseStreamEvent)
_ANTHROPIC: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(anthropic.types.RawMessageStreamEvent)

CHAT_REQUEST = {"stream_options": {"include_usage": True}}


def chat(reply: FakeReply) -> list[object]:
    """OpenAI Chat Completions chunks."""
    return [
        ChatCompletionChunk.model_validate(p)
        for p in scripted_payloads(WIRES["/v1/chat/completions"], reply, CHAT_REQUEST)
    ]


def anthropic_events(reply: FakeReply) -> list[object]:
    """Anthropic raw message events (the SDK drops ``ping`` before it yields them)."""
    payloads = scripted_payloads(WIRES["/v1/messages"], reply, {})
    return [_ANTHROPIC.validate_python(p) for p in payloads if p["type"] != "ping"]


def responses(reply: FakeReply) -> list[object]:
    """OpenAI Responses events."""
    return [_RESPONSES.validate_python(p) for p in scripted_payloads(WIRES["/v1/responses"], reply, {})]


#: Each SDK's stream items for a reply: its wire's payloads, validated into the types the SDK yields.
SDKS: dict[str, Callable[[FakeReply], list[object]]] = {
    "chat": chat,
    "anthropic": anthropic_events,
    "responses": responses,
}


def replies(count: int) -> tuple[FakeReply, FakeReply]:
    """A text-only reply of ``count`` deltas, and one of as many: 30% reasoning, a tool call, the answer."""
    tokens = answer_tokens(count)
    thinking = round(count * 0.3)
    size = -(-len(ARGUMENTS) // TOOL_DELTAS)
    arguments = [ARGUMENTS[at : at + size] for at in range(0, len(ARGUMENTS), size)]
    call = FakeToolCall("search_docs", arguments, id="call_1")
    answer = tokens[thinking + len(arguments) :]
    parts: list[FakePart] = [FakeReasoning(tokens[:thinking]), call, FakeText(answer)]
    return FakeReply(tokens, usage=USAGE), FakeReply(parts=parts, usage=USAGE, finish_reason="stop")


async def cpu(items: list[object], blocks: PartBlocks | None, burst: int) -> tuple[int, float]:
    """The frames sent and the event-loop thread's CPU seconds, for one stream of ``items``; ``burst`` 0:
    ``min_interval=0``."""
    producer = plan(paced(items, 0.017, burst) if burst else paced(items), TEMPLATES, blocks).producer
    gc.collect()
    began = time.thread_time()
    frames = await send_all(producer, 0.016, 32_000) if burst else await send_all(producer, 0)
    return frames, time.thread_time() - began


def most_frames(run: tuple[int, float]) -> tuple[int, float]:
    """The order of runs (frames, CPU seconds) to take the least of: the least CPU among the runs that sent
    the most frames. A run whose frames merged (a hiccup of the machine made a send look slow, so the pace
    waited) did less work, not faster work."""
    frames, seconds = run
    return -frames, seconds


def served(args: argparse.Namespace) -> None:
    """``--server``: the server process's CPU per delta of the ``text`` and ``parts`` streams."""
    from benchmarks.__main__ import Server
    from benchmarks.client import run_streams

    print(f"server CPU µs per delta, best of {args.runs} streams, {args.tokens} deltas a stream, uvicorn on 127.0.0.1")
    print("| SDK | interval | text | parts | parts / text | frames |")
    print("|---|---|---|---|---|---|")
    with Server("parts") as server:
        for sdk in args.sdks.split(","):
            for interval in ("0", "default"):
                paths = [f"/?n={args.tokens}&sdk={sdk}&kind={kind}&interval={interval}" for kind in ("text", "parts")]
                for path in paths:  # warm up: the items built, the templates compiled
                    asyncio.run(run_streams(server.port, path, 1, timeout=60))
                runs: list[list[tuple[int, float]]] = [[], []]
                for _ in range(args.runs):
                    for path, samples in zip(paths, runs, strict=True):
                        began = server.cpu()
                        (stream,) = asyncio.run(run_streams(server.port, path, 1, timeout=60))
                        if stream.error or not stream.done or not stream.status_ok:
                            raise SystemExit(f"{path}: the stream failed ({stream.error or 'no done event'})")
                        samples.append((stream.frames, server.cpu() - began))
                best = [min(samples, key=most_frames) for samples in runs]
                text, parts = (seconds / args.tokens * 1e6 for _, seconds in best)
                frames = "/".join(str(count) for count, _ in best)
                print(f"| {sdk} | {interval} | {text:.2f} | {parts:.2f} | {parts / text:.2f}x | {frames} |")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.parts", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tokens", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--burst", type=int, default=16, help="deltas a burst under the default interval")
    parser.add_argument("--sdks", default=",".join(SDKS))
    parser.add_argument("--server", action="store_true", help="served by uvicorn, the server process's CPU")
    args = parser.parse_args()
    if args.server:
        served(args)
        return
    text_reply, parts_reply = replies(args.tokens)
    print(f"µs of CPU per delta, best of {args.runs}, {args.tokens} deltas a stream")
    print(
        "| SDK | interval | text | text, parts path | parts | parts, macros | parts / text | macros / text | frames |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for sdk in args.sdks.split(","):
        text_items, parts_items = SDKS[sdk](text_reply), SDKS[sdk](parts_reply)
        variants = [(text_items, None), (text_items, BLOCKS), (parts_items, BLOCKS), (parts_items, MACROS)]
        for burst, label in ((0, "0"), (args.burst, f"16 ms, bursts of {args.burst}")):
            runs = [[asyncio.run(cpu(items, blocks, burst)) for items, blocks in variants] for _ in range(args.runs)]
            best = [min((run[index] for run in runs), key=most_frames) for index in range(len(variants))]
            text, text_parts, parts, macros = (seconds / args.tokens * 1e6 for _, seconds in best)
            figures = f"{text:.2f} | {text_parts:.2f} | {parts:.2f} | {macros:.2f}"
            ratios = f"{parts / text:.2f}x | {macros / text:.2f}x"
            print(f"| {sdk} | {label} | {figures} | {ratios} | {'/'.join(str(count) for count, _ in best)} |")


if __name__ == "__main__":
    main()
