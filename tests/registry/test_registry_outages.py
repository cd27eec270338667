"""StreamRegistry while its store is unreachable: new questions get a notice a page can show."""

from __future__ import annotations

import logging

import anyio
import httpx
import pytest

from fastapi_fragments import StreamRegistry
from fastapi_fragments.registry._outages import Outage
from fastapi_fragments.stores import MemoryStore
from fastapi_fragments.stores.redis import RedisStore
from fastapi_fragments.testing import FakeLLM
from tests.registry.registry_app import WORDS
from tests.registry.registry_helpers import FakeClock, Serve
from tests.stores.redis_server import free_port

pytestmark = pytest.mark.anyio

HTMX2 = {"HX-Request": "true", "Accept": "text/html, */*"}
HTMX4 = {"HX-Request": "true", "Accept": "text/html, text/event-stream"}


class DownStore(MemoryStore):
    """A store that cannot be reached (Redis down): every call fails."""

    async def create(self, stream_id: str, **options: object) -> bool:
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    async def get(self, stream_id: str) -> None:  # never returns a record
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


@pytest.mark.parametrize(
    ("headers", "status"),
    [(HTMX2, 200), (HTMX4, 503), ({}, 503)],
    ids=["htmx2-swaps-only-2xx", "htmx4-swaps-5xx", "plain"],
)
async def test_a_question_during_an_outage_gets_a_visible_notice_and_retry_after(
    serve: Serve, caplog: pytest.LogCaptureFixture, headers: dict[str, str], status: int
) -> None:
    llm = FakeLLM(WORDS)
    url = serve(StreamRegistry(DownStore(), outage_window=3), llm)
    with anyio.fail_after(30), caplog.at_level(logging.ERROR, "fastapi_fragments"):
        async with httpx.AsyncClient(base_url=url) as client:
            response = await client.post("/chat", data={"q": "hello"}, headers=headers)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["retry-after"] == "3"
    assert 'data-status="unavailable"' in response.text and "sse-connect" not in response.text
    assert "Connection refused" not in response.text  # the cause goes to the log, not the page
    assert any("store is unreachable" in record.getMessage() for record in caplog.records)
    assert llm.calls[0].pulled == 0


async def test_stop_during_an_outage_answers_503_with_retry_after(serve: Serve) -> None:
    url = serve(StreamRegistry(DownStore()), FakeLLM(WORDS))
    with anyio.fail_after(30):
        async with httpx.AsyncClient(base_url=url) as client:
            response = await client.post("/fragments/streams/some-id/stop")
    assert response.status_code == 503 and response.headers["retry-after"] == "3"


async def test_a_question_while_redis_refuses_connections_gets_the_notice(serve: Serve) -> None:
    nobody = RedisStore(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    url = serve(StreamRegistry(nobody), FakeLLM(WORDS))
    with anyio.fail_after(30):
        async with httpx.AsyncClient(base_url=url) as client:
            response = await client.post("/chat", data={"q": "hello"}, headers=HTMX2)
    assert response.status_code == 200 and 'data-status="unavailable"' in response.text


def test_the_outage_window_counts_from_the_first_failure_and_resets_when_the_store_answers() -> None:
    clock = FakeClock()
    outage = Outage(2.0, "test", clock)
    assert outage.failed(ConnectionError()) and not outage.over
    clock.now += 1.5
    assert outage.failed(ConnectionError())  # still the same outage, 1.5 s old
    outage.recovered()
    clock.now += 1.5
    assert outage.failed(ConnectionError())  # a new outage, just begun
    clock.now += 2.5
    assert not outage.failed(ConnectionError()) and outage.over
