"""Real-browser fixtures: the demo on a real uvicorn, driven by Debian's chromium through Playwright.

Playwright's own browser download does not work here (and is not wanted): the tests use the
distribution's ``/usr/bin/chromium``, which ``scripts/ensure-system-packages.sh chromium``
installs (``make test`` runs it first).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, sync_playwright

from demo_app.app import create_app
from fastapi_fragments.testing import LiveServer
from tests.browser.demo_server import Demo, fast_model

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parents[1] / "artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def demo_server() -> Iterator[Demo]:
    llm = fast_model()
    app = create_app(llm)
    with LiveServer(app) as server:
        yield Demo(app, server.url, llm)


@pytest.fixture
def demo(demo_server: Demo) -> Iterator[Demo]:
    """The running demo; a model a test swaps in with ``demo.use()`` is swapped out afterwards."""
    yield demo_server
    demo_server.use(None)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure-system-packages.sh chromium (make test does this)")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[BrowserContext]:
    with tempfile.TemporaryDirectory(prefix="fragments-chromium-") as profile:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1100, "height": 900},
        )
        yield context
        context.close()


@pytest.fixture
def page(browser: BrowserContext) -> Iterator[Page]:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    page.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
