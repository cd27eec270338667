"""FragmentsMiddleware: default templates, the request in every render, dialect detection, macros."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import anyio
import httpx
import jinja2
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse
from starlette.responses import Response
from starlette.templating import Jinja2Templates
from starlette.types import Message, Receive, Scope, Send

from fastapi_fragments import HTMX2, ConfigurationError, FragmentsMiddleware, FragmentStreamResponse, StreamConfig
from fastapi_fragments._middleware import app_config_in
from fastapi_fragments.testing import FakeLLM, FakeOpenStream, LiveServer, read_events


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

    @app.get("/config")
    async def config(request: Request) -> Response:  # what the responses read in __call__, for routes too
        return PlainTextResponse(str(request.state.fragments_config.templates is templates))

    @app.get("/own-templates")
    async def own_templates() -> Response:  # the route's templates; the request still reaches the block
        return FragmentStreamResponse(["x"], "chat.html", "footer", templates=templates)

    @app.get("/prebuilt")
    async def prebuilt_route() -> Response:
        return PREBUILT

    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=10) as http:
        yield http


#: Built outside any request, so before any app's configuration is known: nothing to check here yet.
PREBUILT = FragmentStreamResponse(["x"], "chat.html", "footer")


@pytest.mark.parametrize("path", ["/footer", "/own-templates", "/prebuilt"])
def test_routes_can_omit_templates_and_blocks_can_use_url_for(client: httpx.Client, path: str) -> None:
    result = read_events(client, path)
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


def test_the_app_configuration_is_on_request_state(client: httpx.Client) -> None:
    assert client.get("/config").text == "True"


def test_library_macros_become_importable(templates: Jinja2Templates) -> None:
    env = jinja2.Environment(loader=jinja2.DictLoader({"a.html": "x"}))
    FragmentsMiddleware(FastAPI(), templates=env)
    FragmentsMiddleware(FastAPI(), templates=env)  # idempotent: the loader is added once
    assert isinstance(env.loader, jinja2.ChoiceLoader) and len(env.loader.loaders) == 2
    assert any(name.startswith("fragments/") for name in env.list_templates())
    assert env.get_template("a.html").render() == "x"


@pytest.mark.parametrize("scope_type", ["websocket", "lifespan"])
def test_websocket_and_lifespan_scopes_pass_through(templates: Jinja2Templates, scope_type: str) -> None:
    """Only HTTP requests get the app's configuration and the dialect; other scopes reach the app untouched."""
    seen: list[tuple[str, object]] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append((scope["type"], app_config_in(scope)))

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


def _site(name: str, fragment_event: str) -> FastAPI:
    """An app whose middleware carries its own templates (its answers say ``name``) and event name."""
    env = jinja2.Environment(
        loader=jinja2.DictLoader(
            {"chat.html": f'{{% block answer %}}<p class="{name}">{{{{ text }}}}</p>{{% endblock %}}'}
        ),
        autoescape=True,
    )
    app = FastAPI()
    app.add_middleware(
        FragmentsMiddleware, config=StreamConfig(templates=env, htmx2=HTMX2(fragment_event=fragment_event))
    )
    llm = FakeLLM(["Hello", " there"], delay=0.02)

    @app.get("/answer")
    async def answer() -> Response:
        return FragmentStreamResponse(llm.stream("q"), "chat.html", "answer", min_interval=0)

    return app


def test_two_apps_in_one_process_stream_with_their_own_configuration() -> None:
    """Each request carries its app's configuration in its scope: two apps served side by side, their
    streams running at the same time, each renders its own templates with its own options."""
    with LiveServer(_site("first", "one")) as first, LiveServer(_site("second", "two")) as second:

        def read(url: str) -> list[str]:
            with httpx.Client(base_url=url, timeout=10) as http:
                result = read_events(http, "/answer")
            return [f"{event.event}:{event.data}" for event in result.events]

        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(read, [first.url, second.url] * 2))
    for answer, (name, event) in zip(answers, [("first", "one"), ("second", "two")] * 2, strict=True):
        assert answer[-2:] == [f'{event}:<p class="{name}">Hello there</p>', "done:"]


def test_without_middleware_or_templates_the_call_fails_before_any_byte() -> None:
    stream = FakeOpenStream(["x"])  # open already, closable only from async code: the call closes it
    response = FragmentStreamResponse(stream, "chat.html", "answer")  # nothing says which templates yet
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"accept", b"text/event-stream")]}
    with pytest.raises(ConfigurationError, match="no templates: pass templates="):
        anyio.run(response, scope, receive, send)
    assert sent == [] and stream.closed
