"""An early error in real htmx 2: one request, a visible message, and no reconnect storm."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import jinja2
import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from playwright.sync_api import Page, expect
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

from fastapi_fragments import FragmentsMiddleware, FragmentStreamResponse
from fastapi_fragments.testing import LiveServer

STATIC = Path(__file__).parents[2] / "demo_app" / "static"
PAGE = """<!doctype html><script src="/static/vendor/htmx2/htmx.min.js"></script>
<script src="/static/vendor/htmx2/sse.js"></script>
{% import "fragments/htmx.html" as sse %}
<div {{ sse.connect("/stream") }}><div id="answer" sse-swap="fragment" hx-swap="innerHTML"></div></div>"""


@pytest.fixture(scope="module")
def site() -> Iterator[tuple[str, list[str]]]:
    env = jinja2.Environment(
        loader=jinja2.DictLoader({"page.html": PAGE, "chat.html": "{% block answer %}{% endblock %}"})
    )
    app = FastAPI()
    app.add_middleware(FragmentsMiddleware, templates=env)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    requests: list[str] = []

    @app.get("/")
    async def page() -> Response:
        return HTMLResponse(env.get_template("page.html").render())

    @app.get("/stream")
    async def stream() -> Response:
        requests.append("/stream")
        return FragmentStreamResponse(["never sent"], "chat.html", "response")  # the block is "answer"

    with LiveServer(app) as server:
        yield server.url, requests


def test_a_wrong_block_name_shows_a_message_after_exactly_one_request(page: Page, site: tuple[str, list[str]]) -> None:
    url, requests = site
    page.goto(url)
    expect(page.locator("#answer [role=alert]")).to_contain_text("could not be started", timeout=5000)
    # htmx-ext-sse retries a failed stream after 0.5 s, then 1 s, 2 s...; give it time to try.
    page.wait_for_timeout(2500)
    assert requests == ["/stream"], f"the client reconnected: {len(requests)} requests"
