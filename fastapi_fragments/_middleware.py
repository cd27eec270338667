"""``FragmentsMiddleware``: per-app defaults for every ``FragmentStreamResponse``.

A plain ASGI middleware (``BaseHTTPMiddleware`` buffers and breaks streaming). For each HTTP
request it puts in the request's scope, next to each other in ``scope["state"]`` (so also on
``request.state``):

- ``fragments_config``: the app's :class:`~._config.StreamConfig` (its templates, dialects,
  pacing, pings, hooks), so routes can omit ``templates=`` and every option they share. A
  response reads it in ``__call__(scope, receive, send)``, as Starlette's responses read what
  they need from the scope, and checks its template and blocks there, before its first byte;
  it also puts the ``request`` in every render's context, so blocks can call ``url_for`` as in
  a full-page ``TemplateResponse``;
- ``fragments_dialect``: the dialect the client speaks (htmx 2, htmx 4 or Datastar), so a route
  can answer htmx 4 with a stream and htmx 2 with a scaffold.

An event-stream request whose app raises before the response starts (in the route, or in the
response's checks) is answered with 200, a visible error and ``done`` instead of a 500 that the
client would retry forever (``_early``); other requests keep the exception.

It also makes the library's macros importable from the app's templates
(``{% import "fragments/htmx.html" as sse %}``) by appending the package's template folder
to the environment's loader, once, when the middleware is built.
"""

from __future__ import annotations

import dataclasses

import jinja2
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._blocks import environment_of
from ._config import StreamConfig
from ._detection import detect_dialect_in_scope
from ._early import answer_early_error, wants_event_stream
from ._exceptions import ConfigurationError
from ._types import Templates

__all__ = ("CONFIG_STATE", "FragmentsMiddleware", "app_config_in")

#: The key of the app's ``StreamConfig`` in each request's ``scope["state"]`` (``request.state.fragments_config``).
CONFIG_STATE = "fragments_config"


def app_config_in(scope: Scope) -> StreamConfig | None:
    """The configuration ``FragmentsMiddleware`` left in this request's scope; None outside the middleware."""
    config = scope.get("state", {}).get(CONFIG_STATE)
    return config if isinstance(config, StreamConfig) else None


class FragmentsMiddleware:
    """Make ``config`` (or just ``templates``) the default of every fragment response of the app; detect the dialect.

    On a request that accepts ``text/event-stream``, an exception raised before the response
    starts (a wrong block name, a missing template, a bad option) is logged with its traceback
    and answered with status 200, an error message in the request's dialect and ``done``, so the
    client shows it and does not reconnect. The message has the exception's details only when
    the app runs with ``debug=True``. Other requests keep the exception.

    Example::

        templates = Jinja2Templates(directory="templates")
        app = FastAPI()
        app.add_middleware(FragmentsMiddleware, templates=templates)
        # or, with more shared options: config=StreamConfig(templates=templates, ping=5, on_error=report)

        @app.get("/stream")
        async def stream():
            return FragmentStreamResponse(llm.stream("hi"), "chat.html", "answer")  # no templates= needed
    """

    def __init__(self, app: ASGIApp, templates: Templates | None = None, *, config: StreamConfig | None = None) -> None:
        if config is None:
            config = StreamConfig(templates=templates)
        elif templates is not None:
            config = dataclasses.replace(config, templates=templates)
        if config.templates is None:
            raise ConfigurationError(
                "FragmentsMiddleware needs templates: templates=... or config=StreamConfig(templates=...)"
            )
        self.app = app
        self.config = config
        self.templates = config.templates
        _add_macro_loader(environment_of(config.templates))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state["fragments_dialect"] = detect_dialect_in_scope(scope)
        state[CONFIG_STATE] = self.config
        if wants_event_stream(scope):
            await self._stream(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _stream(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run an event-stream request; an exception before the response started becomes an error event."""
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as exc:
            if started:
                raise
            await answer_early_error(scope, send, exc)


class _MacroLoader(jinja2.PackageLoader):
    """The package's own templates (``fragments/*.html``), recognisable so they are added only once."""

    def __init__(self) -> None:
        super().__init__("fastapi_fragments", "templates")


def _add_macro_loader(env: jinja2.Environment) -> None:
    """Let ``env`` find ``fragments/*.html`` from this package, after the app's own templates."""
    loader = env.loader
    if isinstance(loader, _MacroLoader):
        return
    if isinstance(loader, jinja2.ChoiceLoader) and any(isinstance(item, _MacroLoader) for item in loader.loaders):
        return
    env.loader = _MacroLoader() if loader is None else jinja2.ChoiceLoader([loader, _MacroLoader()])
