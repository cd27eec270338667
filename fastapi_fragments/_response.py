"""``FragmentStreamResponse``: tokens (or Fragments) in, htmx-ready SSE frames out.

Built on sse-starlette's ``EventSourceResponse`` through its public constructor and
``__call__`` only (its underscore methods have been renamed in minor releases). Divergences,
each on purpose:

1. The producer that pulls tokens runs as sse-starlette's ``data_sender_callable``, inside the
   response's own task group: a disconnect cancels it, which closes the token source (and so
   the upstream LLM request) at once. The body iterator only renders and never awaits the LLM.
2. Frames are pre-encoded bytes (``_sse``), LF-separated; sse-starlette sends bytes as they are.
3. ``__call__`` picks the dialect from the request headers when none was forced, and on HEAD
   closes the token source without pulling it (sse-starlette never starts the stream on HEAD).
4. ``shutdown_event`` is a small signal object rather than an ``anyio.Event``: the response may
   be built in a sync route, in a worker thread with no event loop, where an anyio Event cannot
   be created. On shutdown the stream ends with a final frame (``interrupted=True``) and ``done``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from contextlib import aclosing
from typing import Any, Unpack, cast

import anyio
from sse_starlette import EventSourceResponse
from starlette.datastructures import Headers
from starlette.types import Receive, Scope, Send

from ._coalesce import Handoff, Pace, steps
from ._dialects import (
    HTMX2,
    HTMX4,
    AppendingDialect,
    Datastar,
    Dialect,
    detect_dialect,
    resolve_dialect,
)
from ._exceptions import ConfigurationError
from ._feeds import DEFAULT_ERROR_HTML, Feed, FragmentFeed, plan_token_stream
from ._fragment import Fragment
from ._hooks import call_hook
from ._middleware import request_defaults
from ._options import APPEND_MIN_INTERVAL, DEFAULT_MAX_BYTES_PER_SECOND, DEFAULT_MIN_INTERVAL, StreamOptions
from ._sources import discard_now
from ._text import TextModeName
from ._types import Context, Templates, TextHook, Tokens

__all__ = ("FragmentStreamResponse",)

logger = logging.getLogger("fastapi_fragments")


class _ShutdownSignal:
    """Duck-types the ``anyio.Event`` sse-starlette sets on server shutdown (divergence 4).

    Setting it cancels the scope the producer pulls tokens in, if one is registered: no task of
    its own waits for shutdown, which keeps each stream one task lighter.
    """

    def __init__(self) -> None:
        self.is_set = False
        self.scope: anyio.CancelScope | None = None

    def set(self) -> None:
        self.is_set = True
        if self.scope is not None:
            self.scope.cancel()


class FragmentStreamResponse(EventSourceResponse):
    """Stream an LLM answer as re-renders of one template block, as Server-Sent Events.

    Each render of ``block_name`` gets the escaped text so far under ``context_key`` (a
    ``Markup``), ``streaming`` (False on the last render), ``sources`` and ``extra_context``.
    Renders are coalesced: at most one per ``min_interval`` seconds, the newest text winning,
    and always a final render of the complete text. The stream ends with a ``done`` event.

    If the token source fails, the error is logged with its traceback and ``error_block`` (or a
    polite built-in message after the partial answer) is sent instead; no exception text reaches
    the browser. If the client disconnects, the token source is closed and no more tokens are pulled.

    :param tokens: async or sync iterable of ``str``, or an SDK stream (see ``iter_text``).
    :param templates: a ``Jinja2Templates`` or ``jinja2.Environment``; defaults to the one
        given to ``FragmentsMiddleware``.
    :param min_interval: seconds between renders (default 16 ms; 50 ms in append mode); ``0``
        renders every step for a client that keeps up.
    :param on_complete: called once with the final raw text when the stream finished normally.
    :param mode: ``"replace"`` (each frame re-renders the block), ``"append"`` (each frame carries
        only the new escaped text, for an ``hx-swap="beforeend"`` target) or ``"markdown"`` (finished
        markdown blocks appended once, the unfinished tail replacing ``tail_event`` / ``tail_target``;
        needs the ``markdown`` extra). Append and markdown modes render the block only for errors.
    :param options: see :class:`StreamOptions`: ``on_error(exc)`` when the token source failed,
        ``on_disconnect(text)`` when the stream ended early (the client left, or server shutdown
        interrupted it), ``dialect`` (``"htmx2"``, ``"htmx4"``, ``"datastar"`` or a Dialect; by
        default detected from the request headers), event names, CSS targets, and sse-starlette's
        own options (``ping``, ``send_timeout``, ``headers``, ...).
    :raises TemplateNotFoundError, BlockNotFoundError, ConfigurationError: before any byte is sent.

    Example::

        @app.get("/answer")
        async def answer(q: str, llm: Annotated[LLMClient, Depends(get_llm)]):
            return FragmentStreamResponse(llm.stream(q), "chat.html", "answer", templates=templates)
    """

    def __init__(
        self,
        tokens: Tokens,
        template_name: str,
        block_name: str = "response",
        *,
        templates: Templates | None = None,
        context_key: str = "text",
        extra_context: Context | None = None,
        sources_block: str | None = None,
        sources: Sequence[Any] | None = None,
        error_block: str | None = None,
        min_interval: float | None = None,
        on_complete: TextHook | None = None,
        mode: TextModeName = "replace",
        **options: Unpack[StreamOptions],
    ) -> None:
        plan = plan_token_stream(
            tokens,
            template_name,
            block_name,
            templates=templates,
            context_key=context_key,
            extra_context=extra_context,
            sources_block=sources_block,
            sources=sources,
            error_block=error_block,
            mode=mode,
        )
        self._sources_renderer, self._sources_context = plan.sources, plan.base
        try:
            if min_interval is None:  # append frames carry a few characters: framing would dominate at 16 ms
                min_interval = APPEND_MIN_INTERVAL if mode == "append" else DEFAULT_MIN_INTERVAL
            self._setup(plan.feed, min_interval, on_complete, options)
            if mode != "replace" and self._dialect is not None and not isinstance(self._dialect, AppendingDialect):
                raise ConfigurationError(f"mode={mode!r} needs a dialect with append() and tail(): {self._dialect!r}")
        except BaseException:
            discard_now(tokens)  # the caller may have opened it already (an SDK stream is an HTTP response)
            raise

    @classmethod
    def from_fragments(
        cls,
        fragments: AsyncIterable[Fragment],
        *,
        templates: Templates | None = None,
        sources_block: str | None = None,
        error_block: str | None = None,
        context_key: str = "text",
        min_interval: float = DEFAULT_MIN_INTERVAL,
        on_complete: TextHook | None = None,
        **options: Unpack[StreamOptions],
    ) -> FragmentStreamResponse:
        """Stream any async iterable of Fragments (what ``stream_with_sources`` yields).

        Fragments of ``sources_block`` go out as the sources event; the others as response
        frames. Consecutive renders of the same block are coalesced like tokens; a fragment of
        another block is never dropped. ``on_complete`` gets the last fragment's ``context_key``
        value, unescaped.

        Example::

            fragments = stream_with_sources(tokens, "chat.html", sources_block="sources", sources=docs)
            return FragmentStreamResponse.from_fragments(fragments, sources_block="sources")
        """
        templates, _ = request_defaults(templates, None)
        self = cls.__new__(cls)
        self._sources_renderer = None
        self._sources_context = {}
        feed = FragmentFeed(
            fragments, templates, sources_block=sources_block, error_block=error_block, context_key=context_key
        )
        self._setup(feed, min_interval, on_complete, options)
        return self

    def _setup(self, feed: Feed, min_interval: float, on_complete: TextHook | None, options: StreamOptions) -> None:
        if isinstance(min_interval, bool) or not isinstance(min_interval, int | float) or not min_interval >= 0:
            raise ConfigurationError(f"min_interval must be a number of seconds >= 0, got {min_interval!r}")
        rest: dict[str, Any] = dict(options)
        for forbidden in ("content", "sep", "data_sender_callable", "media_type", "shutdown_event"):
            if forbidden in rest:
                raise ConfigurationError(f"{forbidden}= is set by FragmentStreamResponse and cannot be passed")
        done_event = rest.pop("done_event", "done")
        target, sources_target = rest.pop("target", None), rest.pop("sources_target", "#sources")
        tail_target = rest.pop("tail_target", "#response-tail")
        self._dialects: dict[str, Dialect] = {
            "htmx2": HTMX2(
                rest.pop("fragment_event", "fragment"),
                rest.pop("sources_event", "sources"),
                done_event,
                rest.pop("tail_event", "tail"),
            ),
            "htmx4": HTMX4(target, sources_target=sources_target, done_event=done_event, tail_target=tail_target),
            "datastar": Datastar(target or "#response", sources_target, tail_target),
        }
        forced = rest.pop("dialect", None)
        self._dialect: Dialect | None = None
        if forced is not None:
            self._dialect = self._dialects.get(forced) if isinstance(forced, str) else forced
            if self._dialect is None:
                resolve_dialect(cast(str, forced))  # raises the ConfigurationError naming the options
        self._feed = feed
        budget = rest.pop("max_bytes_per_second", DEFAULT_MAX_BYTES_PER_SECOND)
        if budget is not None and (isinstance(budget, bool) or not isinstance(budget, int | float) or budget <= 0):
            raise ConfigurationError(f"max_bytes_per_second must be a number > 0 or None, got {budget!r}")
        self._pace = Pace(float(min_interval), budget)
        self._on_complete = on_complete
        self._on_error = rest.pop("on_error", None)
        self._on_disconnect = rest.pop("on_disconnect", None)
        self._shutdown = _ShutdownSignal()
        self._handoff: Handoff | None = None
        self._preamble_sent: anyio.Event | None = None
        self._failure: BaseException | None = None
        headers = {"Cache-Control": "no-store, no-transform", **dict(rest.pop("headers", None) or {})}
        if forced is None:
            headers.setdefault("Vary", "Accept, HX-Request, Datastar-Request")
        rest.setdefault("shutdown_grace_period", 1.0)
        super().__init__(
            self._frames(),
            headers=headers,
            sep="\n",
            data_sender_callable=self._pump,
            shutdown_event=cast(anyio.Event, self._shutdown),
            **rest,  # what is left are sse-starlette's own options (SSEOptions)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._dialect is None:
            self._dialect = self._dialects[detect_dialect(Headers(scope=scope))]
        self._handoff = Handoff()
        self._preamble_sent = anyio.Event()
        if scope["type"] == "http" and scope["method"].upper() == "HEAD":
            await self._feed.aclose()  # no body will be sent: don't start (and pay for) the LLM call
        await super().__call__(scope, receive, send)

    # -- producer --------------------------------------------------------------------------------

    async def _pump(self) -> None:
        """Pull the source into the feed's latest state; runs until done, failure, disconnect or shutdown."""
        handoff, preamble_sent = self._handoff, self._preamble_sent
        if handoff is None or preamble_sent is None:  # pragma: no cover - __call__ sets both first
            raise RuntimeError("FragmentStreamResponse was not started through __call__")
        try:
            await preamble_sent.wait()  # the sources frame goes out before the first token is awaited
            with anyio.CancelScope() as scope:
                self._shutdown.scope = scope
                if self._shutdown.is_set:
                    scope.cancel()
                try:
                    await self._feed.run(handoff)
                except Exception as exc:
                    self._failure = exc
            if scope.cancelled_caught:  # only shutdown cancels this scope: the answer was cut short
                self._feed.interrupted = True
        finally:
            self._shutdown.scope = None
            await self._feed.aclose()
            handoff.close()

    # -- sender ----------------------------------------------------------------------------------

    async def _frames(self) -> AsyncIterator[bytes]:
        """The body: sources, coalesced renders, the final (or error) render, then ``done``."""
        completed = False
        handoff, dialect, preamble_sent = self._handoff, self._dialect, self._preamble_sent
        if handoff is None or dialect is None or preamble_sent is None:  # pragma: no cover
            raise RuntimeError("FragmentStreamResponse was not started through __call__")
        try:
            if self._sources_renderer is not None:
                yield dialect.sources(await self._sources_renderer.render_async(self._sources_context))
            preamble_sent.set()
            async for frame in self._coalesced(handoff, dialect):
                yield frame
            for frame in await self._last_frames(dialect):
                yield frame
            if self._feed.interrupted:  # server shutdown cut the answer short: not a normal finish
                await call_hook(self._on_disconnect, self._feed.final_text())
            elif self._failure is None:
                await call_hook(self._on_complete, self._feed.final_text())
            completed = True
        except Exception as exc:
            # Last resort (a sources template that fails on this data, text that cannot be
            # encoded...): the stream must still end with a message and done, or the browser
            # reconnects and runs the model again.
            logger.exception("the stream broke; ending it with the built-in error message")
            await call_hook(self._on_error, exc)
            completed = True
            yield dialect.response(DEFAULT_ERROR_HTML, 0)
        finally:
            if not completed:
                await call_hook(self._on_disconnect, self._feed.final_text())
        done = dialect.done()
        if done:
            yield done

    async def _coalesced(self, handoff: Handoff, dialect: Dialect) -> AsyncIterator[bytes]:
        pace = self._pace
        async with aclosing(steps(handoff, pace)) as ticks:
            async for _ in ticks:
                try:
                    frames = await self._feed.render(dialect, final=False)
                except Exception as exc:
                    self._failure = exc
                    return
                pace.sent(sum(map(len, frames)))
                for frame in frames:
                    yield frame

    async def _last_frames(self, dialect: Dialect) -> list[bytes]:
        if self._failure is None:
            try:
                return await self._feed.render(dialect, final=True)
            except Exception as exc:
                self._failure = exc
        logger.error("the stream failed; sending the error fragment", exc_info=self._failure)
        if self._on_error is not None:
            await call_hook(self._on_error, self._failure)
        try:
            return await self._feed.render_error(dialect)
        except Exception:
            logger.exception("rendering the error block failed too; sending the built-in message")
            return await self._feed.render_error(dialect, builtin=True)
