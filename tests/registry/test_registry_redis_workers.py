"""Several uvicorn worker processes sharing one real redis-server through RedisStore.

Each worker is a separate ``uvicorn --factory registry_app:redis_worker`` process, as in
production: the POST lands on one, followers and Stop go to another, and a worker killed
mid-answer (SIGKILL: no cleanup at all) leaves followers with the partial answer marked
interrupted, found through the lapsed lease rather than a goodbye message.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from urllib.parse import urlsplit

import anyio
import httpx
import pytest

from tests.registry.registry_helpers import Turn, final_fragment, start_answer
from tests.registry.workers import worker

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def workers(redis_url: str) -> Iterator[tuple[str, str]]:
    with worker(redis_url) as (first, _), worker(redis_url) as (second, _):
        yield first, second


async def test_post_on_one_worker_follow_and_resume_on_another(workers: tuple[str, str]) -> None:
    first, second = workers
    with anyio.fail_after(60):
        async with httpx.AsyncClient(base_url=first) as client:
            turn: Turn = await start_answer(client)
            follower = await turn.open(second)
            await follower.until("fragment", 2)
            await follower.close()
            headers = {**turn.headers, "Last-Event-ID": follower.last_event_id}
            events = await turn.read(second, headers)
    assert follower.events[0].event == "sources"
    assert "word39" in final_fragment(events) and "notice" not in final_fragment(events)


async def test_stop_sent_to_another_worker_stops_the_generation(workers: tuple[str, str]) -> None:
    first, second = workers
    with anyio.fail_after(60):
        async with httpx.AsyncClient(base_url=first) as client:
            turn = await start_answer(client)
            follower = await turn.open(first)
            await follower.until("fragment", 2)
            stopped = await client.post(second + urlsplit(turn.stop_url).path)
            events = await follower.read_all()
    assert stopped.status_code == 204
    assert "Stopped." in final_fragment(events) and "word39" not in final_fragment(events)


# SIGKILL: found through the lapsed lease. SIGTERM: the registry's shutdown publishes the end itself.
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["killed", "terminated"])
async def test_a_dead_worker_leaves_followers_with_the_partial_answer_marked_interrupted(
    redis_url: str, workers: tuple[str, str], how: signal.Signals
) -> None:
    survivor = workers[1]
    with worker(redis_url) as (doomed, process):
        with anyio.fail_after(60):
            async with httpx.AsyncClient(base_url=doomed) as client:
                turn = await start_answer(client)
            follower = await turn.open(survivor)
            await follower.until("fragment", 3)
            process.send_signal(how)
            process.wait(timeout=10)
            events = await follower.read_all()
            late = await turn.read(survivor)
    final, seen = final_fragment(events), [event.data for event in events if event.event == "fragment"][-2]
    assert "interrupted" in final and "word0" in final and "word39" not in final
    assert final_fragment(late) == final
    # Rendered final (no cursor, the template's "(cut)"), even by a worker that died without a word,
    # and with every word the follower had seen.
    assert "(cut)" in final and "cursor" not in final
    words = seen.split("<p>", 1)[1].split("</p>", 1)[0]
    assert words in final
