"""The apps in the docs run as written: each page's three files, copied out, stream in Chromium.

The tutorial (htmx 2), the htmx 4 guide and the Datastar guide load their scripts from CDNs; the
browser is answered from vendored copies of the same releases, so the tests run offline: htmx from
``demo_app/static/vendor`` (scripts/update-vendor.sh), Datastar 1.0.0-RC.5 from
``tests/browser/vendor`` (the Datastar repository's ``bundles/datastar.js`` at tag v1.0.0-RC.5; it is
not on npm).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect

from fastapi_fragments.testing import LiveServer
from tests.docs.apps import DATASTAR, HTMX4, TUTORIAL, example_app

HTMX = Path(__file__).parents[2] / "demo_app" / "static" / "vendor"
CDN = {
    "https://unpkg.com/htmx.org@2.0.11/dist/htmx.min.js": HTMX / "htmx2" / "htmx.min.js",
    "https://unpkg.com/htmx-ext-sse@2.2.4/sse.js": HTMX / "htmx2" / "sse.js",
    "https://unpkg.com/htmx.org@4.0.1/dist/htmx.min.js": HTMX / "htmx4" / "htmx.min.js",
    "https://unpkg.com/htmx.org@4.0.1/dist/ext/hx-sse.js": HTMX / "htmx4" / "hx-sse.js",
    "https://cdn.jsdelivr.net/gh/starfederation/datastar@1.0.0-RC.5/bundles/datastar.js": (
        Path(__file__).parent / "vendor" / "datastar-1.0.0-RC.5.js"
    ),
}
QUESTION = "How long do refunds take?"


def serve(guide: Path, folder: Path) -> Iterator[str]:
    # One app at a time: each finds its templates relative to the working directory, as after `cd`.
    with example_app(guide, folder) as app, LiveServer(app) as server:
        yield server.url


@pytest.fixture
def tutorial(tmp_path: Path) -> Iterator[str]:
    yield from serve(TUTORIAL, tmp_path)


@pytest.fixture(params=[HTMX4, DATASTAR], ids=["htmx4", "datastar"])
def guide(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from serve(request.param, tmp_path)


def offline(page: Page) -> list[str]:
    """Serve the CDN scripts from the vendored copies; returns the list the answer requests go to."""

    def from_vendor(route: Route) -> None:
        route.fulfill(path=CDN[route.request.url], content_type="text/javascript")

    page.route("https://unpkg.com/**", from_vendor)
    page.route("https://cdn.jsdelivr.net/**", from_vendor)
    streams: list[str] = []
    page.on("request", lambda request: streams.append(request.url) if "/answer" in request.url else None)
    return streams


def test_the_tutorial_streams_in_chromium(page: Page, tutorial: str) -> None:
    streams = offline(page)
    page.goto(f"{tutorial}/?q=How+long+do+refunds+take%3F")
    expect(page.locator("aside li").first).to_have_text("Refunds", timeout=10_000)
    expect(page.locator("#answer p .cursor")).to_have_count(1, timeout=10_000)  # streaming, cursor in the <p>
    expect(page.locator("#answer p .cursor")).to_have_count(0, timeout=30_000)  # done
    assert "Refunds" in (page.locator("#answer p").text_content() or "")
    page.wait_for_timeout(1000)  # a reconnect would re-request the stream meanwhile
    assert len(streams) == 1, streams


def test_the_guides_markdown_answer_streams_in_chromium(page: Page, guide: str) -> None:
    streams = offline(page)
    page.goto(guide)
    page.fill("input[name=q]", QUESTION)
    page.click("button:text('Ask')")
    expect(page.locator("#sources li").first).to_have_text("Refunds", timeout=10_000)
    # Markdown mode: the elements stream into the body the first frame puts in the block, then the
    # whole answer replaces it.
    expect(page.locator("#answer [data-fragments-body] p").first).not_to_be_empty(timeout=10_000)
    expect(page.locator("#answer [data-fragments-body]")).to_have_count(0, timeout=30_000)
    expect(page.locator("#answer > div")).to_contain_text("5 working days")
    page.wait_for_timeout(500)
    assert len(streams) == 1, streams
