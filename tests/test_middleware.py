"""FragmentsMiddleware: default templates, the request in every render, dialect detection, macros."""

from __future__ import annotations

from collections.abc import Iterator

import anyio
import httpx
import jinja2
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse
from starlette.responses import Response
from starlette.templating import Jinja2Templates
from starlette.types import Message, Receive, Scope, Send

from fastapi_fragments import FragmentsMiddleware, FragmentStreamResponse
from fastapi_fragments._middleware import current_defaults
from fastapi_fragments.testing import LiveServer, read_events


@pytest.fixture(scope="module")
def client(templates: Jinja2Templates) -> Iterator[httpx.Client]:
    app = FastAPI()
    app.add_middleware(FragmentsMiddleware, templates=templates)

    @app.get("/page", name="page")
    async def page() -> Response:
        return PlainTextResponse("page")

    @app.get("/footer")
    async def footer() -> Response:
        return FragmentStreamResponse(["x"], "chat.html", "footer")  # no templates=: the middleware's

    @app.get("/sync-route")
    def sync_route() -> Response:  # built in a worker thread, with no event loop there
        return FragmentStreamResponse(["from", " a thread"], "chat.html", "plain")

    @app.get("/dialect")
    async def dialect(request: Request) -> Response:
        return PlainTextResponse(request.state.fragments_dialect)

    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=10) as http:
        yield http


def test_routes_can_omit_templates_and_blocks_can_use_url_for(client: httpx.Client) -> None:
    result = read_events(client, "/footer")
    assert result.data_of("fragment")[-1] == f"<footer>Acme &middot; {client.base_url.join('/page')}</footer>"


def test_sync_routes_work(client: httpx.Client) -> None:
    assert read_events(client, "/sync-route").data_of("fragment")[-1] == "from a thread"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, "htmx2"),
        ({"HX-Request": "true"}, "htmx2"),
        ({"HX-Request": "true", "Accept": "text/html, text/event-stream"}, "htmx4"),
        ({"Datastar-Request": "true", "Accept": "text/event-stream"}, "datastar"),
    ],
)
def test_dialect_is_detected_per_request(client: httpx.Client, headers: dict[str, str], expected: str) -> None:
    assert client.get("/dialect", headers=headers).text == expected


def test_library_macros_become_importable(templates: Jinja2Templates) -> None:
    env = jinja2.Environment(loader=jinja2.DictLoader({"a.html": "x"}))
    FragmentsMiddleware(FastAPI(), templates=env)
    FragmentsMiddleware(FastAPI(), templates=env)  # idempotent: the loader is added once
    assert isinstance(env.loader, jinja2.ChoiceLoader) and len(env.loader.loaders) == 2
    assert any(name.startswith("fragments/") for name in env.list_templates())
    assert env.get_template("a.html").render() == "x"


@pytest.mark.parametrize("scope_type", ["websocket", "lifespan"])
def test_websocket_and_lifespan_scopes_pass_through(templates: Jinja2Templates, scope_type: str) -> None:
    """Only HTTP requests get the defaults and the dialect; other scopes reach the app untouched."""
    seen: list[tuple[str, object]] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append((scope["type"], current_defaults.get()))

    scope: Scope = {"type": scope_type}
    if scope_type == "websocket":
        scope.update(path="/ws", headers=[(b"accept", b"text/event-stream"), (b"hx-request", b"true")])

    async def nothing_received() -> Message:
        raise AssertionError("the middleware must not read the connection")

    async def nothing_sent(message: Message) -> None:
        raise AssertionError("the middleware must not send")

    anyio.run(FragmentsMiddleware(inner, templates=templates), scope, nothing_received, nothing_sent)
    assert seen == [(scope_type, None)]
    assert "state" not in scope  # no dialect detected: request.state.fragments_dialect is HTTP only
