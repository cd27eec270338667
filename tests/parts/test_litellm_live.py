"""Real litellm against the fake provider through a live route with part blocks; runs in .venv-litellm (make litellm).

``test_live.py``'s scenarios (``live_route.py``) for litellm, which the main environment cannot import: a
FastAPI app on uvicorn calls ``litellm.completion(..., stream=True)`` or ``await litellm.acompletion(...)``
on its ``openai/`` and ``anthropic/`` routes, and returns the stream, unread, to a ``FragmentStreamResponse``
with every part block. Reasoning, two tool calls, citations, text, usage and the finish reason land in their
blocks, in order; a failure mid-reasoning or mid-tool-call ends every part and sends the error block; a closed
tab mid-reasoning closes the upstream within a second, even while the model is silent (a sync stream's blocked
read is interrupted).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import jinja2
import pytest

from fastapi_fragments.testing import FakeProvider, LiveServer
from tests.parts.live_route import (
    EVERY_PART,
    FAILURES,
    ask,
    check_a_closed_tab_closes_the_upstream,
    check_a_closed_tab_mid_silence_closes_the_upstream,
    check_a_failure,
    check_parts_in_order,
    check_two_calls_left_running,
    parts_app,
)

# Fails the module with make litellm's hint when litellm is missing (before the import below).
from tests.parts.test_litellm import LITELLM_WARNINGS, ROUTES, request  # isort: skip

import litellm

pytestmark = LITELLM_WARNINGS

#: Each of litellm's routes, called through ``completion`` (sync) and ``acompletion`` (async).
FLAVOURS = [f"{route}-{call}" for route in ROUTES for call in ("async", "sync")]


def open_stream(provider: FakeProvider, flavour: str) -> Any:
    """What a route hands the response: ``acompletion``'s coroutine, or ``completion``'s open stream."""
    route, call = flavour.split("-")
    completion = litellm.acompletion if call == "async" else litellm.completion
    return completion(**request(route, provider.base_url), max_retries=0)


@pytest.fixture(scope="module")
def client(parts_env: jinja2.Environment, provider: FakeProvider) -> Iterator[httpx.Client]:
    app = parts_app(parts_env, lambda _app, flavour: open_stream(provider, flavour))
    with LiveServer(app) as server, httpx.Client(base_url=server.url) as http:
        yield http


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_every_part_lands_in_its_block_in_order(client: httpx.Client, provider: FakeProvider, flavour: str) -> None:
    provider.reply = EVERY_PART
    check_two_calls_left_running(check_parts_in_order(ask(client, flavour)))
    assert provider.requests[-1].completed.is_set()


@pytest.mark.parametrize("where", list(FAILURES))
@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_failure_ends_every_part_and_sends_the_error_block(
    client: httpx.Client, provider: FakeProvider, flavour: str, where: str
) -> None:
    check_a_failure(client, provider, flavour, FAILURES[where])


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_closed_tab_mid_reasoning_closes_the_upstream(
    client: httpx.Client, provider: FakeProvider, flavour: str
) -> None:
    check_a_closed_tab_closes_the_upstream(client, provider, flavour)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_closed_tab_while_the_model_is_silent_closes_the_upstream(
    client: httpx.Client, provider: FakeProvider, flavour: str
) -> None:
    check_a_closed_tab_mid_silence_closes_the_upstream(client, provider, flavour)
