"""``StreamRegistry``: start a generation, serve its followers, relay Stop (the package docstring says why and how)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from functools import partial
from types import TracebackType
from typing import Any, Literal

import anyio
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._blocks import BlockRenderer
from .._config import DEFAULT_MIN_INTERVAL, StreamConfig
from .._detection import detect_dialect, resolve_dialect
from .._dialects import Dialect, DialectName
from .._exceptions import ConfigurationError
from .._hooks import ErrorHook, Hooks
from .._middleware import app_config_in
from .._parts_produce import PartBlocks, ResultHook
from .._plan import TokenPlan, TokenStream
from .._response import FragmentStreamResponse
from .._types import Context, Templates, TextHook, Tokens
from ..stores import Store, open_store
from ._following import DEFAULT_NOTICES, Follower, follow_updates, last_event_id, owns
from ._generation import Generation, Limits
from ._outages import unavailable
from ._owners import OwnerCookie
from ._paths import path_for

__all__ = ("StreamRegistry",)


class StreamRegistry:
    """Starts generations in the background, serves their followers, relays Stop; see the module docstring.

    Enter it in the app's lifespan (``async with registry:``); leaving cancels running
    generations (their followers get the partial answer, ``interrupted``) and closes the store.
    ``store`` is a :class:`~fastapi_fragments.stores.Store`, a Redis URL (``redis://...``,
    needs the ``redis`` extra) or None for an in-process :class:`~fastapi_fragments.stores.MemoryStore`.

    :param deadline: seconds a generation may run before it is cut short (``timeout``).
    :param max_active: running generations allowed per owner (None: no cap).
    :param abandon_after: seconds without any follower after which a generation is cancelled,
        or, with ``keep_abandoned=True``, left to finish (``on_complete`` is still called).
    :param lease: seconds a dead worker's streams stay ``running`` before followers see ``interrupted``.
    :param outage_window: seconds a store outage may last before running answers end; a new
        question asked meanwhile gets the ``unavailable`` notice and ``Retry-After``.
    :param result_ttl: seconds a finished stream still answers late reconnects.

    Example::

        registry = StreamRegistry(os.environ.get("REDIS_URL"))

        @asynccontextmanager
        async def lifespan(app):
            async with registry:
                yield

        app = FastAPI(lifespan=lifespan)
        app.router.routes.extend(registry.routes())          # GET .../{id} and POST .../{id}/stop

        @app.post("/chat")
        async def chat(request: Request, q: Annotated[str, Form(max_length=2000)]):
            return await registry.start(request, llm.stream(q), "chat.html", "answer", scaffold_block="turn")
    """

    def __init__(
        self,
        store: Store | str | None = None,
        *,
        deadline: float = 300.0,
        max_active: int | None = 3,
        abandon_after: float = 30.0,
        keep_abandoned: bool = False,
        lease: float = 5.0,
        outage_window: float = 3.0,
        result_ttl: float = 600.0,
        min_interval: float = DEFAULT_MIN_INTERVAL,
        notices: Mapping[str, str] | None = None,
        owner_cookie: str = "fragments_owner",
        stream_route: str = "fragments_stream",
        stop_route: str = "fragments_stop",
        ping: float = 15.0,
    ) -> None:
        self._limits = Limits(deadline, lease, result_ttl, min_interval, keep_abandoned, outage_window)
        if not abandon_after > 0:
            raise ConfigurationError(f"abandon_after must be > 0 seconds, got {abandon_after!r}")
        if max_active is not None and max_active < 1:
            raise ConfigurationError(f"max_active must be >= 1 (or None), got {max_active!r}")
        self.store: Store = open_store(store)
        self._max_active, self._abandon_after, self._ping = max_active, abandon_after, ping
        self._notices = {**DEFAULT_NOTICES, **(notices or {})}
        self._owners, self._stream_route, self._stop_route = OwnerCookie(owner_cookie), stream_route, stop_route
        self._group: anyio.abc.TaskGroup | None = None

    async def __aenter__(self) -> StreamRegistry:
        if self._group is not None:
            raise RuntimeError("this StreamRegistry is already running")
        group = anyio.create_task_group()
        await group.__aenter__()
        self._group = group
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        group, self._group = self._group, None
        if group is None:
            return
        group.cancel_scope.cancel()
        try:
            await group.__aexit__(None, None, None)
        finally:
            await self.store.aclose()

    # -- routes ----------------------------------------------------------------------------------

    async def start(
        self,
        request: Request,
        tokens: Tokens,
        template_name: str,
        block_name: str = "response",
        *,
        scaffold_block: str,
        templates: Templates | None = None,
        owner: str | None = None,
        context_key: str = "text",
        extra_context: Context | None = None,
        sources_block: str | None = None,
        sources: Sequence[Any] | None = None,
        error_block: str | None = None,
        on_complete: TextHook | None = None,
        on_error: ErrorHook | None = None,
        on_disconnect: TextHook | None = None,
        mode: Literal["replace", "markdown-replace"] = "replace",
        reasoning_block: str | None = None,
        tools_block: str | None = None,
        citations_block: str | None = None,
        usage_block: str | None = None,
        on_finish: ResultHook | None = None,
    ) -> Response:
        """Start generating in the background; return ``scaffold_block`` rendered with the stream's URLs.

        The scaffold gets ``stream_id``, ``stream_url``, ``stop_url`` and ``dialect`` on top of
        ``extra_context``. When ``owner`` (default: the registry's cookie, set here if missing)
        already has ``max_active`` running answers, nothing starts and the ``busy`` notice is
        returned instead (status 200, so htmx swaps it in).

        The hooks run as a response's do, once the last frame is rendered: ``on_complete(text)``,
        ``on_error(exc)``, or ``on_disconnect(text)`` when the answer was cut short (Stop, the
        deadline, abandonment, shutdown).

        ``mode="markdown-replace"`` renders the model's markdown (sanitized) into ``text``;
        frames are full snapshots either way, which is what makes resuming possible. The part
        blocks and ``on_finish`` are ``FragmentStreamResponse``'s; snapshots keep every part.

        :raises ConfigurationError: before anything starts (also as its subclasses
            TemplateNotFoundError and BlockNotFoundError).
        """
        if mode not in ("replace", "markdown-replace"):
            raise ConfigurationError(
                f"a registry stream's frames are snapshots: mode must be 'replace' or 'markdown-replace', got {mode!r}"
            )
        group = self._running()
        app = app_config_in(request.scope)  # FragmentsMiddleware's: its templates, the request in renders
        plan = TokenStream(
            tokens, template_name, block_name, context_key=context_key, extra_context=extra_context,
            sources_block=sources_block, sources=sources, error_block=error_block, mode=mode, keep_ended=True,
            parts=PartBlocks.asked(reasoning_block, tools_block, citations_block, usage_block, on_finish),
        ).plan_now(
            templates if templates is not None or app is None else app.templates,
            Hooks(on_complete, on_error, on_disconnect),
            None if app is None else request,
        )  # fmt: skip
        try:
            return await self._start(request, plan, group, scaffold_block, owner)
        except BaseException:
            await plan.producer.aclose()  # nothing will run it: close the source (already open, maybe)
            raise

    async def _start(
        self,
        request: Request,
        plan: TokenPlan,
        group: anyio.abc.TaskGroup,
        scaffold_block: str,
        owner: str | None,
    ) -> Response:
        templates, base, producer = plan.templates, plan.base, plan.producer
        await producer.sources_html()  # rendered now: a failing sources block never starts a generation
        stream_id = secrets.token_urlsafe(16)
        scaffold_context = {
            **base,
            "stream_id": stream_id,
            "stream_url": path_for(request, self._stream_route, stream_id),
            "stop_url": path_for(request, self._stop_route, stream_id),
            "dialect": detect_dialect(request.headers),
        }
        # Rendered before the stream exists, so a broken scaffold never leaves a generation behind.
        scaffold = await BlockRenderer(templates, plan.template_name, scaffold_block, base).render_async(
            scaffold_context
        )
        owner, new_owner = self._owners.owner_for(request, owner)
        limits = self._limits
        create = partial(self.store.create, stream_id, owner=owner, lease=limits.lease, watch=self._abandon_after,
                         ttl=limits.deadline + limits.result_ttl)  # fmt: skip
        try:
            with anyio.fail_after(limits.outage_window):  # a stopped Redis would keep the user waiting
                created = await create(max_active=self._max_active)
        except Exception as exc:
            await producer.aclose()
            return unavailable(request, self._notices["unavailable"], retry_after=limits.outage_window, error=exc)
        if not created:
            await producer.aclose()
            return self._owners.html(self._notices["busy"], request, new_owner)
        # Created again after a Redis restart lost it: not a new answer, so the owner's cap does not apply.
        recreate = partial(create, max_active=None)
        generation = Generation(stream_id, producer, recreate=recreate)
        group.start_soon(generation.run, self.store, self._limits)
        return self._owners.html(scaffold, request, new_owner)

    def follow(
        self,
        request: Request,
        stream_id: str,
        *,
        owner: str | None = None,
        dialect: Dialect | DialectName | None = None,
    ) -> FragmentStreamResponse:
        """The SSE stream of ``stream_id``: its latest frame, the live ones, then ``done``.

        Honours ``Last-Event-ID`` (frames the client has are not sent again). Never starts a
        generation; an id that is unknown, expired or not ``owner``'s gets the ``unknown``
        notice and ``done``, with status 200.

        Example (a route of your own instead of :meth:`routes`, owned by your session)::

            @app.get("/chat/stream/{stream_id}", name="fragments_stream")
            async def stream(request: Request, stream_id: str):
                return registry.follow(request, stream_id, owner=request.session["id"])
        """
        chosen = resolve_dialect(dialect if dialect is not None else detect_dialect(request.headers))
        updates = follow_updates(
            self.store,
            stream_id,
            self._owners.owner(request, owner),
            after=last_event_id(request.headers),
            notices=self._notices,
            window=self._limits.outage_window,
        )
        config = StreamConfig(min_interval=0, dialect=chosen, ping=self._ping)
        return FragmentStreamResponse._from_producer(Follower(updates), config)

    async def stop(self, request: Request, stream_id: str, *, owner: str | None = None) -> Response:
        """Cancel ``stream_id``'s generation, on whichever worker runs it; answers 204 either way.

        Only the owner can stop a stream; followers then get the partial answer, the ``stopped``
        notice and ``done``. Pair it with ``{{ sse.stop_button(stop_url) }}`` in the scaffold.
        """
        try:
            if await owns(self.store, stream_id, self._owners.owner(request, owner)):
                await self.store.stop(stream_id)
        except Exception as exc:
            return unavailable(request, "", retry_after=self._limits.outage_window, error=exc)
        return Response(status_code=204)

    def routes(self, path: str = "/fragments/streams") -> list[Route]:
        """``GET {path}/{stream_id}`` (follow) and ``POST {path}/{stream_id}/stop``, owned by the cookie.

        Example::

            app.router.routes.extend(registry.routes())
        """

        async def follow(request: Request) -> Response:
            return self.follow(request, request.path_params["stream_id"])

        async def stop(request: Request) -> Response:
            return await self.stop(request, request.path_params["stream_id"])

        return [
            Route(f"{path}/{{stream_id}}", follow, methods=["GET"], name=self._stream_route),
            Route(f"{path}/{{stream_id}}/stop", stop, methods=["POST"], name=self._stop_route),
        ]

    def _running(self) -> anyio.abc.TaskGroup:
        if self._group is None:
            raise RuntimeError("the StreamRegistry is not running: enter it in the lifespan (async with registry)")
        return self._group
