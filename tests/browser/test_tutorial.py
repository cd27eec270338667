"""The tutorial runs as written: its three files, copied out of ``docs/tutorial.md``, stream in Chromium.

The page loads htmx from unpkg; the browser is answered from the vendored copies of the same
versions instead, so the test runs offline.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect

from fastapi_fragments.testing import LiveServer
from tests.docs.tutorial import tutorial_app

VENDOR = Path(__file__).parents[2] / "demo_app" / "static" / "vendor"
CDN = {
    "https://unpkg.com/htmx.org@2.0.11/dist/htmx.min.js": VENDOR / "htmx2" / "htmx.min.js",
    "https://unpkg.com/htmx-ext-sse@2.2.4/sse.js": VENDOR / "htmx2" / "sse.js",
}


@pytest.fixture(scope="module")
def tutorial(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with tutorial_app(tmp_path_factory.mktemp("ask")) as app, LiveServer(app) as server:
        yield server.url


def test_the_tutorial_page_streams_in_chromium(page: Page, tutorial: str) -> None:
    def from_vendor(route: Route) -> None:
        route.fulfill(path=CDN[route.request.url], content_type="text/javascript")

    page.route("https://unpkg.com/**", from_vendor)
    streams: list[str] = []
    page.on("request", lambda request: streams.append(request.url) if "/answer" in request.url else None)
    page.goto(f"{tutorial}/?q=How+long+do+refunds+take%3F")
    expect(page.locator("aside li").first).to_have_text("Refunds", timeout=10_000)
    expect(page.locator("#answer p .cursor")).to_have_count(1, timeout=10_000)  # streaming, cursor in the <p>
    expect(page.locator("#answer p .cursor")).to_have_count(0, timeout=30_000)  # done
    assert "Refunds" in (page.locator("#answer p").text_content() or "")
    page.wait_for_timeout(1000)  # a reconnect would re-request the stream meanwhile
    assert len(streams) == 1, streams
