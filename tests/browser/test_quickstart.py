"""The README's Quickstart runs as written: its three files, copied out of the README, stream in Chromium.

The page loads htmx from unpkg; the browser is answered from the vendored copies of the same
versions instead, so the test runs offline.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, Route, expect

from fastapi_fragments.testing import LiveServer, read_events

ROOT = Path(__file__).parents[2]
VENDOR = ROOT / "demo_app" / "static" / "vendor"
CDN = {
    "https://unpkg.com/htmx.org@2.0.11/dist/htmx.min.js": VENDOR / "htmx2" / "htmx.min.js",
    "https://unpkg.com/htmx-ext-sse@2.2.4/sse.js": VENDOR / "htmx2" / "sse.js",
}
#: A fenced block whose first line names its file: ``# app.py...`` or ``{# templates/x.html...``.
_BLOCK = re.compile(r"```(?:python|jinja)\n(?:# |\{# )(?P<name>[\w/.]+)[^\n]*\n(?P<body>.*?)```", re.DOTALL)


def quickstart_files() -> dict[str, str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    return {match["name"].rstrip(":"): match["body"] for match in _BLOCK.finditer(section)}


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("quickstart")
    files = quickstart_files()
    assert set(files) == {"app.py", "templates/chat.html", "templates/page.html"}, "the Quickstart's files changed"
    for name, body in files.items():
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_text(body)
    spec = importlib.util.spec_from_file_location("quickstart_app", folder / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)  # Jinja2Templates(directory="templates") finds its files as after `cd` there
        spec.loader.exec_module(module)
        with LiveServer(module.app) as server:
            yield server.url


def test_the_quickstart_streams_over_http(quickstart: str) -> None:
    with httpx.Client(base_url=quickstart, timeout=30) as client:
        result = read_events(client, "/answer", params={"q": "How long do refunds take?"})
    assert result.names[0] == "sources" and result.names[-1] == "done"
    assert "<li>Refunds</li>" in result.data_of("sources")[0]
    final = result.data_of("fragment")[-1]
    assert final.startswith("<p>") and "Refunds" in final and "cursor" not in final


def test_the_quickstart_page_streams_in_chromium(page: Page, quickstart: str) -> None:
    def from_vendor(route: Route) -> None:
        route.fulfill(path=CDN[route.request.url], content_type="text/javascript")

    page.route("https://unpkg.com/**", from_vendor)
    streams: list[str] = []
    page.on("request", lambda request: streams.append(request.url) if "/answer" in request.url else None)
    page.goto(f"{quickstart}/?q=How+long+do+refunds+take%3F")
    expect(page.locator("aside li").first).to_have_text("Refunds", timeout=10_000)
    expect(page.locator("#answer p .cursor")).to_have_count(1, timeout=10_000)  # streaming, cursor in the <p>
    expect(page.locator("#answer p .cursor")).to_have_count(0, timeout=30_000)  # done
    assert "Refunds" in (page.locator("#answer p").text_content() or "")
    page.wait_for_timeout(1000)  # a reconnect would re-request the stream meanwhile
    assert len(streams) == 1, streams
