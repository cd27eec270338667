"""Two uvicorn workers on one real redis-server that stops (SIGSTOP) or restarts mid-answer.

Redis keeps its data across a restart (append-only file, fsync always), as a production restart
does, or comes back empty (the producer then creates its stream again). The test varies how
long Redis is gone against the registry's ``outage_window`` (1.5 s here, lease 2 s), and when.
Followers on both workers must never lose a word they showed: a short outage is a pause and the
answer completes; a long one ends with the partial answer, rendered final, and the notice.
"""

from __future__ import annotations

import itertools
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import anyio
import httpx
import pytest

from fastapi_fragments.testing import SSEMessage
from tests.registry.registry_helpers import start_answer
from tests.registry.workers import worker
from tests.stores.redis_server import free_port, redis_command, start_redis

pytestmark = pytest.mark.anyio

WINDOW = 1.5


@dataclass
class Redis:
    """A redis-server the test may stop, resume, kill and start again on the same port."""

    command: list[str]
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def outage(self, how: str, seconds: float) -> None:
        if how == "paused":
            self.process.send_signal(signal.SIGSTOP)
            time.sleep(seconds)
            self.process.send_signal(signal.SIGCONT)
        else:
            self.process.kill()
            self.process.wait(timeout=10)
            time.sleep(seconds)
            self.process = start_redis(self.command, self.port)
            if how == "restarted empty":  # as a Redis without persistence comes back
                with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
                    sock.sendall(b"FLUSHALL\r\n")
                    assert sock.recv(16).startswith(b"+OK")


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Redis]:
    port, data = free_port(), Path(tmp_path_factory.mktemp("redis"))
    command = redis_command(port, "--appendonly", "yes", "--appendfsync", "always", "--dir", str(data))
    server = Redis(command, port, start_redis(command, port))
    try:
        yield server
    finally:
        server.process.send_signal(signal.SIGCONT)
        server.process.terminate()
        server.process.wait(timeout=10)


@pytest.fixture(scope="module")
def workers(redis: Redis) -> Iterator[tuple[str, str]]:
    env = {"LEASE": "2.0", "OUTAGE_WINDOW": str(WINDOW)}
    with worker(redis.url, env=env) as (first, _), worker(redis.url, env=env) as (second, _):
        yield first, second


def answer_texts(events: list[SSEMessage]) -> list[str]:
    """The answer's words in each fragment, in order (the template renders them in the first <p>)."""
    texts = []
    for event in events:
        match = re.match(r"<p>(.*?)</p>", event.data) if event.event == "fragment" else None
        if match:
            texts.append(match[1])
    return texts


def assert_never_shrinks(events: list[SSEMessage]) -> None:
    texts = answer_texts(events)
    assert texts, events
    for before, after in itertools.pairwise(texts):
        assert after.startswith(before), f"the page lost words: {before!r} -> {after!r}"


async def ask_through_outage(
    redis: Redis, workers: tuple[str, str], how: str, seconds: float, after_fragments: int
) -> list[list[SSEMessage]]:
    """POST on one worker, follow on both, take Redis away once they saw some words, read to the end."""
    first, second = workers
    async with httpx.AsyncClient(base_url=first) as client:
        turn = await start_answer(client)
    followers = [await turn.open(first), await turn.open(second)]
    for follower in followers:
        await follower.until("fragment", after_fragments)
    await anyio.to_thread.run_sync(redis.outage, how, seconds)
    return [await follower.read_all() for follower in followers]


@pytest.mark.parametrize("how", ["paused", "restarted", "restarted empty"])
@pytest.mark.parametrize("after_fragments", [2, 15], ids=["early", "midway"])
async def test_a_short_outage_is_a_pause_and_the_answer_completes(
    redis: Redis, workers: tuple[str, str], how: str, after_fragments: int
) -> None:
    with anyio.fail_after(60):
        results = await ask_through_outage(redis, workers, how, 0.5, after_fragments)
    for events in results:
        assert events[-1].event == "done"
        assert_never_shrinks(events)
        final = [event.data for event in events if event.event == "fragment"][-1]
        assert "word39" in final and "notice" not in final and "cursor" not in final


@pytest.mark.parametrize("how", ["paused", "restarted"])
async def test_an_outage_longer_than_the_window_ends_with_the_partial_answer_and_the_notice(
    redis: Redis, workers: tuple[str, str], how: str
) -> None:
    with anyio.fail_after(60):
        results = await ask_through_outage(redis, workers, how, WINDOW + 4.5, 5)
    for events in results:
        assert events[-1].event == "done"
        assert_never_shrinks(events)
        final = [event.data for event in events if event.event == "fragment"][-1]
        assert "word0" in final and "word39" not in final
        assert 'data-status="interrupted"' in final and "cursor" not in final
