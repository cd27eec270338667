"""``FragmentStreamResponse``: tokens (or Fragments) in, htmx-ready SSE frames out.

A subclass of sse-starlette's ``EventSourceResponse``: its constructor sets the headers and
keeps the connection options (``ping``, ``send_timeout``, ``client_close_handler_callable``,
``background``), and its ``AppStatus`` says when the server shuts down. ``__call__`` is our own:
the producer (``_produce``) writes its updates to the HTTP sink (``_wire``), the same pair a
registry follower uses. sse-starlette's runs five tasks per response and a cancel scope around
every send, which doubled the CPU per frame and the memory per stream. On purpose, too:

1. The token source is pulled in the request's task, so a disconnect cancels the pull and
   closes the source (and so the upstream LLM request) at once.
2. Frames are pre-encoded bytes (``_sse``), LF-separated.
3. The dialect is picked from the request headers when none was forced; HEAD gets the headers
   and closes the token source without pulling it.
4. On server shutdown the stream ends with a final frame (``interrupted=True``) and ``done``,
   within ``shutdown_grace_period`` seconds.
5. The app's configuration arrives with the request, in the scope ``__call__`` is given
   (``FragmentsMiddleware`` puts it there): the constructor checks what the route passed, and the
   template and blocks when the route named its templates; ``__call__`` lays the route's options
   over the app's, checks the app's templates and builds the producer, all before the first byte.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterable, Sequence
from functools import partial
from typing import Any, Unpack, cast

from sse_starlette import EventSourceResponse
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from ._closing import discard, discard_now
from ._config import StreamConfig
from ._detection import detect_dialect_in_scope
from ._dialect_protocol import AppendingDialect, Dialect, check_parts_dialect
from ._exceptions import ConfigurationError
from ._fragment import Fragment
from ._loop import LoopMonitor
from ._middleware import app_config_in
from ._options import CONFIG_OPTIONS, RouteConfig, StreamOptions
from ._pace import Pace
from ._parts_produce import PartBlocks, ResultHook
from ._pending import PendingStream, fragment_producer
from ._plan import TokenStream
from ._produce import Producer
from ._text import TextModeName
from ._types import Context, Templates, TextHook, Tokens
from ._wire import Delivery, Sender, require_asyncio

__all__ = ("FragmentStreamResponse",)

logger = logging.getLogger("fastapi_fragments")


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
        given to ``FragmentsMiddleware`` (then checked when the response is called, still before
        any byte).
    :param min_interval: seconds between renders (default 16 ms; 100 ms in append mode and in
        markdown mode); ``0`` renders every step for a client that keeps up. Under load (a slow
        client, a busy worker) renders are spaced further apart, the newest text winning.
    :param on_complete: called once with the final raw text when the stream finished normally.
    :param mode: ``"replace"`` (each frame re-renders the block), ``"append"`` (each frame carries
        only the new escaped text, for an ``hx-swap="beforeend"`` target) or ``"markdown"`` (the
        block around a body that each markdown element is added to once, the unfinished one grown
        or replaced in place at its end; needs the ``markdown`` extra).
        Append and markdown modes end with the block rendered with the whole text, replacing the
        response target, so the page ends as in replace mode however it was wired.
    :param config: the options shared by the app's streams (:class:`StreamConfig`); default: the
        one ``FragmentsMiddleware`` carries. ``templates``, ``min_interval``, ``on_complete`` and
        every option below override its field of the same name for this response.
    :param options: see :class:`StreamOptions`: ``on_error(exc)`` when the token source failed,
        ``on_disconnect(text)`` when the stream ended early (the client left, or server shutdown
        interrupted it), ``dialect`` (``"htmx2"``, ``"htmx4"``, ``"datastar"`` or a Dialect; by
        default detected from the request headers), the dialect objects (``htmx2=HTMX2(...)``,
        ``htmx4=``, ``datastar=``: event names, CSS targets), ``ping``, ``send_timeout``,
        ``shutdown_grace_period``, and sse-starlette's ``headers``, ``status_code``, ``background``.
    :param reasoning_block: with ``tools_block``, ``citations_block``, ``usage_block`` and ``on_finish``:
        a multi-part stream, each part re-rendered into its own block (docs/guides/parts.md).
    :raises ConfigurationError: before any byte is sent (also as its subclasses
        TemplateNotFoundError and BlockNotFoundError): here, or for what depends on the app's
        configuration (its templates), when the response is called.

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
        config: StreamConfig | None = None,
        reasoning_block: str | None = None,
        tools_block: str | None = None,
        citations_block: str | None = None,
        usage_block: str | None = None,
        on_finish: ResultHook | None = None,
        **options: Unpack[StreamOptions],
    ) -> None:
        stream: PendingStream
        if isinstance(tokens, PendingStream):  # from_fragments(), a registry follower
            stream, settings = tokens, tokens.route.over(None)
        else:
            try:
                route = RouteConfig(config, templates, min_interval, on_complete, cast(dict[str, Any], options))
                settings = route.over(None)  # the route's options, checked here
            except BaseException:
                discard_now(tokens)
                raise
            parts = PartBlocks.asked(reasoning_block, tools_block, citations_block, usage_block, on_finish)
            token_stream = TokenStream(
                tokens, template_name, block_name, context_key=context_key, extra_context=extra_context,
                sources_block=sources_block, sources=sources, error_block=error_block, mode=mode, parts=parts,
            )  # fmt: skip
            stream = PendingStream(route, token_stream.producer, block_name, mode, tokens, parts=parts is not None)
        try:
            self._begin(stream, settings, options)
        except BaseException:
            discard_now(stream.tokens)  # the caller may have opened it already (an SDK stream is an HTTP response)
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
        min_interval: float | None = None,
        on_complete: TextHook | None = None,
        config: StreamConfig | None = None,
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
        route = RouteConfig(config, templates, min_interval, on_complete, cast(dict[str, Any], options))
        build = partial(fragment_producer, fragments, sources_block, error_block, context_key)
        return cls(cast(Tokens, PendingStream(route, build)), "", **options)

    @classmethod
    def _from_producer(
        cls, producer: Producer, config: StreamConfig, **options: Unpack[StreamOptions]
    ) -> FragmentStreamResponse:
        """A response streaming a producer built elsewhere (a registry follower), with ``config`` as given."""
        route = RouteConfig(config, None, None, None, {})
        return cls(cast(Tokens, PendingStream(route, lambda _config, _request: producer)), "", **options)

    def _begin(self, stream: PendingStream, config: StreamConfig, options: StreamOptions) -> None:
        """Check what the route passed (``config``: its own); build the producer now if it named its templates."""
        rest: dict[str, Any] = dict(options)
        for name in CONFIG_OPTIONS:
            rest.pop(name, None)  # in the route's configuration already (RouteConfig)
        for forbidden in ("content", "sep", "data_sender_callable", "media_type", "shutdown_event"):
            if forbidden in rest:
                raise ConfigurationError(f"{forbidden}= is set by FragmentStreamResponse and cannot be passed")
        if "cleanup_timeout" in rest:  # sse-starlette's; our sender never waits on its cleanup step
            raise ConfigurationError(
                "cleanup_timeout= has no effect on FragmentStreamResponse: closing the token source is bounded "
                "by itself (5 s), and shutdown_grace_period= bounds the end of a stream at shutdown"
            )
        headers = {"Cache-Control": "no-store, no-transform", **dict(rest.pop("headers", None) or {})}
        headers.setdefault("Vary", _VARY[1].decode())  # dropped by _use if a dialect is forced
        # No body iterator: __call__ sends the frames itself (see the module docstring).
        super().__init__(_NO_BODY, headers=headers, sep="\n", **rest)
        # sse-starlette's lock between its body and ping tasks: our __call__ runs neither, and an
        # anyio Lock per open stream is two more objects for every full garbage collection to walk.
        # (Not vars(self).pop(): that would make the instance's dict a real one, an object more.)
        if hasattr(self, "_send_lock"):
            del self._send_lock
        self._stream: PendingStream | None = stream  # until __call__ has seen the app's configuration
        self._use(config, stream.build(config, None) if config.templates is not None else None, stream)

    def _use(self, config: StreamConfig, producer: Producer | None, stream: PendingStream) -> None:
        """Take what ``config`` says of the dialects, the pacing and the connection; check the dialect."""
        block_name, mode = stream.block_name, stream.mode
        self._dialects = config.dialects_for(block_name)
        self._dialect: Dialect | None = config.forced_dialect(block_name)
        if self._dialect is not None and _VARY in self.raw_headers:
            self.raw_headers.remove(_VARY)  # one answer for every request
        if mode != "replace" and self._dialect is not None and not isinstance(self._dialect, AppendingDialect):
            needs = "append(), replace(), body_append(), tail() and tail_grow()"
            raise ConfigurationError(f"mode={mode!r} needs a dialect with {needs}: {self._dialect!r}")
        if stream.parts:
            check_parts_dialect(self._dialect)
        self._producer = producer
        self._pacing = (config.interval_for(mode), config.max_bytes_per_second)
        self.ping_interval, self.send_timeout = config.ping, config.send_timeout
        self._grace_period = float(config.shutdown_grace_period)

    async def _ready(self, stream: PendingStream, scope: Scope, receive: Receive) -> Producer:
        """The producer, with the app's configuration when the request carries one (``FragmentsMiddleware``)."""
        app = app_config_in(scope)
        producer = self._producer
        if app is None and producer is not None:
            return producer  # built by the constructor, and nothing to add
        try:
            config = stream.route.over(app)
            producer = stream.build(config, None if app is None else Request(scope, receive))
            self._use(config, producer, stream)
        except BaseException:
            await discard(stream.tokens)
            raise
        return producer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        stream, self._stream = self._stream, None
        producer = self._producer if stream is None else await self._ready(stream, scope, receive)
        assert producer is not None  # built by the constructor or by _ready
        dialect = self._dialect or self._dialects[detect_dialect_in_scope(scope)]
        if scope["type"] == "http" and scope["method"].upper() == "HEAD":
            await producer.aclose()  # no body will be sent: don't start (and pay for) the LLM call
            await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        else:
            require_asyncio()
            monitor = LoopMonitor.current()
            pace = Pace(*self._pacing, load=monitor.load)
            delivery = Delivery(
                ping_interval=self.ping_interval,
                ping_factory=self.ping_message_factory,
                send_timeout=self.send_timeout,
                on_client_close=self.client_close_handler_callable,
                grace_period=self._grace_period,
            )
            sender = Sender(send, dialect, delivery, monitor)
            await sender.run(receive, self.status_code, self.raw_headers, producer, pace)
        if self.background is not None:
            await self.background()


#: The header saying the frames depend on the request's dialect; not sent when a dialect is forced.
_VARY = (b"vary", b"Accept, HX-Request, Datastar-Request")


class _NoBody:
    """The body iterator sse-starlette's constructor asks for, never read: one, shared by every response
    (``iter(())`` would cost two objects per open stream: sse-starlette wraps it in an async generator)."""

    def __aiter__(self) -> _NoBody:
        return self

    async def __anext__(self) -> bytes:
        raise StopAsyncIteration


_NO_BODY = _NoBody()
