"""htmx 2 page: a question asked while Redis is down shows a message instead of doing nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, Response

from demo_app.app import create_app
from fastapi_fragments.testing import LiveServer
from tests.browser.chat_page import FIRST, ask
from tests.browser.demo_server import fast_model
from tests.stores.redis_server import free_port


@pytest.fixture
def demo_without_redis(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The demo on a Redis URL where nothing listens: every store call is refused."""
    monkeypatch.setenv("FRAGMENTS_REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    with LiveServer(create_app(fast_model())) as server:
        yield server.url


def test_a_question_during_a_redis_outage_shows_the_unavailable_notice(page: Page, demo_without_redis: str) -> None:
    page.goto(demo_without_redis + "/")
    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        ask(page, FIRST)
    response: Response = posted.value
    notice = page.locator('[data-status="unavailable"]')
    notice.wait_for(state="visible", timeout=15_000)
    assert "try again" in notice.inner_text()
    assert response.status == 200 and response.headers["retry-after"] == "3"
