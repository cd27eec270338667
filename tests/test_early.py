"""An error before an event stream starts: 200, a visible error in the request's dialect, ``done``."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from starlette.responses import Response, StreamingResponse
from starlette.templating import Jinja2Templates

from fastapi_fragments import FragmentsMiddleware, FragmentStreamResponse
from fastapi_fragments._early import EARLY_ERROR_HTML
from fastapi_fragments.testing import LiveServer, read_events

EVENTSOURCE = {"Accept": "text/event-stream"}
HTMX4 = {"Accept": "text/html, text/event-stream", "HX-Request": "true"}
DATASTAR = {"Accept": "text/event-stream, text/html, application/json", "Datastar-Request": "true"}


def make_app(templates: Jinja2Templates, *, debug: bool) -> FastAPI:
    app = FastAPI(debug=debug)
    app.add_middleware(FragmentsMiddleware, templates=templates)

    @app.api_route("/wrong-block", methods=["GET", "POST"])
    async def wrong_block() -> Response:
        return FragmentStreamResponse(["x"], "chat.html", "answer")  # chat.html has no block "answer"

    @app.get("/broken-later")
    async def broken_later() -> Response:
        async def body() -> Iterator[bytes]:  # type: ignore[misc]
            yield b": ok\n\n"
            raise RuntimeError("after the start")

        return StreamingResponse(body(), media_type="text/event-stream")

    return app


@pytest.fixture(scope="module", params=[False, True], ids=["production", "debug"])
def client(request: pytest.FixtureRequest, templates: Jinja2Templates) -> Iterator[tuple[httpx.Client, bool]]:
    app = make_app(templates, debug=request.param)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=10) as http:
        yield http, request.param


def test_an_eventsource_gets_200_the_error_and_done(
    client: tuple[httpx.Client, bool], caplog: pytest.LogCaptureFixture
) -> None:
    http, debug = client
    with caplog.at_level(logging.ERROR, "fastapi_fragments"):
        result = read_events(http, "/wrong-block", headers=EVENTSOURCE)
    assert result.status_code == 200 and result.headers["content-type"].startswith("text/event-stream")
    assert result.names == ["fragment", "done"] and result.ended
    shown = result.data_of("fragment")[0]
    assert 'role="alert"' in shown
    if debug:
        assert "BlockNotFoundError" in shown and "&#39;answer&#39;" in shown
    else:
        assert shown == EARLY_ERROR_HTML
    logged = [record for record in caplog.records if record.exc_info]
    assert logged and "BlockNotFoundError" in repr(logged[0].exc_info), "the traceback must reach the log"


def test_htmx4_gets_an_unnamed_message_then_done(client: tuple[httpx.Client, bool]) -> None:
    http, _ = client
    result = read_events(http, "/wrong-block", method="POST", headers=HTMX4)
    assert result.status_code == 200
    assert result.names == ["message", "done"]
    assert 'role="alert"' in result.events[0].data


def test_datastar_gets_the_error_prepended_to_the_body(client: tuple[httpx.Client, bool]) -> None:
    http, _ = client
    result = read_events(http, "/wrong-block", headers=DATASTAR)
    assert result.status_code == 200 and result.names == ["datastar-patch-elements"]
    lines = result.events[0].data.splitlines()
    assert lines[:2] == ["selector body", "mode prepend"] and 'role="alert"' in lines[2]


def test_other_requests_keep_the_exception(client: tuple[httpx.Client, bool]) -> None:
    http, _ = client
    response = http.get("/wrong-block", headers={"Accept": "text/html"})
    assert response.status_code == 500 and "event-stream" not in response.headers["content-type"]


def test_an_error_after_the_start_is_not_answered_twice(client: tuple[httpx.Client, bool]) -> None:
    http, _ = client
    with pytest.raises(httpx.TransportError):  # uvicorn drops the connection, as without the middleware
        read_events(http, "/broken-later", headers=EVENTSOURCE)
