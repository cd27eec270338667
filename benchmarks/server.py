"""The benchmarked server: one variant of "stream an answer as SSE frames", served by uvicorn.

``python -m benchmarks.server VARIANT PORT [uvloop|asyncio]`` serves ``GET /?n=TOKENS&rate=TOKENS_PER_S`` with
a paced synthetic answer (rate 0: as fast as possible). Every variant first sends the sources
block, then the answer, then a ``done`` event. Variants:

- ``naive``: sse-starlette ``ServerSentEvent`` + jinja2-fragments ``render_block`` per token.
- ``handwritten``: the best hand-written pattern: Starlette ``StreamingResponse``, the block
  function compiled once with a reused context, escaping only the new token, hand-built frames.
- ``ff-replace-0``, ``ff-replace``, ``ff-append``, ``ff-markdown``: ``FragmentStreamResponse``
  with ``min_interval=0`` / default settings in each text mode; ``ff-replace-100ms`` shows what
  a coarser ``min_interval=0.1`` buys under load.
- ``parts`` (``python -m benchmarks.parts --server``): ``GET /?n=&sdk=&kind=text|parts&interval=0|default``,
  ``benchmarks.parts``'s streams of one SDK's real items (a text-only reply, or reasoning, a tool call
  and the answer with their blocks), no sources block.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from benchmarks.answer import SOURCES, answer_tokens

TEMPLATES = Path(__file__).parent / "templates"

#: Every variant's route is ``async def``, as a streaming route usually is: a sync route would
#: add a thread-pool hop (and GIL hand-offs with the event loop) to every request, for all alike.
Endpoint = Callable[[Request], Awaitable[Response]]


def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)


async def paced(n: int, rate: float, stamps: list[float] | None = None) -> AsyncIterator[str]:
    """``n`` tokens at ``rate`` per second on an absolute schedule (no drift), or unpaced.

    Unpaced tokens still arrive one event-loop turn apart, as tokens read from an LLM's socket
    do: a source that never yields would let a server write the whole answer in one turn and
    batch frames into a few syscalls, which no real stream allows. ``stamps`` (python -m
    benchmarks.browser) gets the ``time.perf_counter()`` at which each token left this "model".
    """
    tokens = answer_tokens(n)
    if rate <= 0:
        for token in tokens:
            await asyncio.sleep(0)
            yield token
        return
    loop = asyncio.get_running_loop()
    start = loop.time()
    for index, token in enumerate(tokens):
        delay = start + (index + 1) / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        if stamps is not None:
            stamps.append(time.perf_counter())
        yield token


#: Token departure times of the streams asked for with ``&stamp=ID`` (python -m benchmarks.browser),
#: by ID, until ``GET /_stamps?id=ID`` takes them.
STAMPS: dict[str, list[float]] = {}


def _tokens(request: Request) -> AsyncIterator[str]:
    n, rate = _params(request)
    stamp = request.query_params.get("stamp")
    return paced(n, rate, STAMPS.setdefault(stamp, []) if stamp else None)


def naive(env: jinja2.Environment) -> Endpoint:
    from jinja2_fragments import render_block
    from sse_starlette import EventSourceResponse, ServerSentEvent

    async def frames(tokens: AsyncIterator[str]) -> AsyncIterator[ServerSentEvent]:
        yield ServerSentEvent(render_block(env, "bench.html", "sources", sources=SOURCES), event="sources")
        text = ""
        async for token in tokens:
            text += token
            yield ServerSentEvent(render_block(env, "bench.html", "response", text=text), event="fragment")
        yield ServerSentEvent("", event="done")

    async def endpoint(request: Request) -> Response:
        return EventSourceResponse(frames(_tokens(request)))

    return endpoint


def _frame(event: str, html: str) -> bytes:
    if "\r" in html:
        html = html.replace("\r\n", "\n").replace("\r", "\n")
    return f"event: {event}\ndata: {html.replace(chr(10), chr(10) + 'data: ')}\n\n".encode()


async def handwritten_frames(
    template: jinja2.Template, block: str, tokens: AsyncIterator[str], sources_html: str | None = None
) -> AsyncIterator[bytes]:
    """The hand-written pattern's frames (``benchmarks.inprocess`` also runs them without a server)."""
    if sources_html is not None:
        yield _frame("sources", sources_html)
    render = template.blocks[block]
    context = template.new_context({"text": Markup("")})
    escaped = ""
    async for token in tokens:
        escaped += str(escape(token))
        context.vars["text"] = Markup(escaped)
        yield _frame("fragment", "".join(render(context)))
    yield b"event: done\ndata: \n\n"


def handwritten(env: jinja2.Environment) -> Endpoint:
    template = env.get_template("bench.html")
    sources_html = "".join(template.blocks["sources"](template.new_context({"sources": SOURCES})))

    async def endpoint(request: Request) -> Response:
        frames = handwritten_frames(template, "response", _tokens(request), sources_html)
        return StreamingResponse(frames, media_type="text/event-stream")

    return endpoint


def floor(env: jinja2.Environment) -> Endpoint:
    """The floor under every variant: a frame per token with nothing rendered (a constant frame)."""

    async def frames(tokens: AsyncIterator[str]) -> AsyncIterator[bytes]:
        yield b"event: sources\ndata: \n\n"
        async for _ in tokens:
            yield b"event: fragment\ndata: x\n\n"
        yield b"event: done\ndata: \n\n"

    async def endpoint(request: Request) -> Response:
        return StreamingResponse(frames(_tokens(request)), media_type="text/event-stream")

    return endpoint


def fragments(env: jinja2.Environment, **options: Any) -> Endpoint:
    from fastapi_fragments import FragmentStreamResponse

    async def endpoint(request: Request) -> Response:
        return FragmentStreamResponse(
            _tokens(request), "bench.html", templates=env, sources_block="sources", sources=SOURCES, **options
        )

    return endpoint


def parts_streams(env: jinja2.Environment) -> Endpoint:
    """``benchmarks.parts``'s streams (issue 15), served: the SDK's items are built once per reply, not per request."""
    from benchmarks import parts as bench
    from benchmarks.inprocess import paced as turns
    from fastapi_fragments import FragmentStreamResponse
    from fastapi_fragments._parts_produce import PartBlocks

    items: dict[tuple[str, str, int], list[object]] = {}

    async def endpoint(request: Request) -> Response:
        sdk, kind = request.query_params["sdk"], request.query_params["kind"]
        n, _ = _params(request)
        key = (sdk, kind, n)
        if key not in items:
            text_reply, parts_reply = bench.replies(n)
            items[key] = bench.SDKS[sdk](parts_reply if kind == "parts" else text_reply)
        blocks = bench.BLOCKS if kind == "parts" else PartBlocks()  # no part block: the text-only path
        return FragmentStreamResponse(
            turns(items[key]), "page.html", "answer", templates=bench.TEMPLATES,
            min_interval=0 if request.query_params.get("interval") == "0" else None,
            reasoning_block=blocks.reasoning, tools_block=blocks.tools, usage_block=blocks.usage,
        )  # fmt: skip

    return endpoint


VARIANTS: dict[str, Callable[[jinja2.Environment], Endpoint]] = {
    "naive": naive,
    "handwritten": handwritten,
    "ff-replace-0": lambda env: fragments(env, min_interval=0),
    "ff-replace": lambda env: fragments(env),
    "ff-replace-100ms": lambda env: fragments(env, min_interval=0.1),
    "ff-append": lambda env: fragments(env, mode="append"),
    "ff-markdown": lambda env: fragments(env, mode="markdown"),
}


#: Selectable with ``--variants`` but not run by default: other intervals, the per-token floor of
#: this library (``ff-replace-10s``: only the first and the final render, so what is left is the
#: cost of pulling tokens and of the request itself), and the per-frame floor of any variant
#: (``floor``: a constant frame per token, nothing rendered or escaped).
EXTRA_VARIANTS: dict[str, Callable[[jinja2.Environment], Endpoint]] = {
    "ff-replace-50ms": lambda env: fragments(env, min_interval=0.05),
    "ff-append-50ms": lambda env: fragments(env, mode="append", min_interval=0.05),
    "ff-replace-10s": lambda env: fragments(env, min_interval=10),
    "floor": floor,
}


def _params(request: Request) -> tuple[int, float]:
    return int(request.query_params.get("n", "1000")), float(request.query_params.get("rate", "0"))


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    if os.environ.get("BENCH_STARTUP_HEAP") == "sdk":  # python -m benchmarks.gcpause --startup-heap sdk
        import anthropic
        import openai

        app.state.clients = (openai.AsyncOpenAI(api_key="unused"), anthropic.AsyncAnthropic(api_key="unused"))
    if os.environ.get("BENCH_GC") == "freeze":  # python -m benchmarks.gcpause: the recommended setting
        from fastapi_fragments import freeze_after_startup

        freeze_after_startup()
    yield


def main() -> None:
    import uvicorn

    variant, port = sys.argv[1], int(sys.argv[2])
    loop = sys.argv[3] if len(sys.argv) > 3 else "uvloop"
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # thousands of open streams
    # parts_streams is not a variant of the suite's (its requests name an SDK and a reply).
    endpoint = {**VARIANTS, **EXTRA_VARIANTS, "parts": parts_streams}[variant](_environment())
    routes = [Route("/", endpoint)]
    if os.environ.get("BENCH_BROWSER"):  # python -m benchmarks.browser: the page and the token times
        from benchmarks.browser import routes as browser_routes

        routes += browser_routes(STAMPS)
    app: Any = Starlette(routes=routes, lifespan=_lifespan)
    http: Any = "httptools"
    if os.environ.get("BENCH_TRACE"):  # python -m benchmarks.trace: accept and app-entry times
        from benchmarks.trace import TracingApp, TracingProtocol

        app, http = TracingApp(app), TracingProtocol
    if os.environ.get("BENCH_GC"):  # python -m benchmarks.gcpause: timed full collections on demand
        from benchmarks.gcpause import CollectingApp

        app = CollectingApp(app)
    uvicorn.run(
        app, host="127.0.0.1", port=port, log_level="warning", backlog=4096, access_log=False, loop=loop, http=http
    )


if __name__ == "__main__":
    main()
