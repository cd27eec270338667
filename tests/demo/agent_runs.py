"""The demo's model and agent run apart from the app, to compute what its pages must show."""

from __future__ import annotations

import math
from typing import Any

from demo_app.agent import DocsAgent
from demo_app.retriever import Search
from fastapi_fragments import Message
from fastapi_fragments.adapters.embedded import EmbeddedLLM
from fastapi_fragments.parts import PartEvent, PartsState, Usage, fold, normaliser_for


def instant() -> EmbeddedLLM:
    """The demo's embedded model without its typing pace."""
    return EmbeddedLLM(tokens_per_second=math.inf, first_token_delay=0)


async def items_of(question: str, search: Search, history: list[Message] | None = None) -> list[Any]:
    """The items the demo's agent streams for ``question``."""
    return [item async for item in DocsAgent(instant()).run(question, search=search, history=history or [])]


def events_of(items: list[Any]) -> list[PartEvent]:
    """Those items as part events, through the normaliser the library picks for them."""
    normaliser = normaliser_for(items[0])
    return [event for item in items for event in normaliser.feed(item)] + normaliser.finish()


async def agent_state(question: str, search: Search) -> PartsState:
    """What a page shows once the agent has answered ``question``."""
    return fold(events_of(await items_of(question, search)))


async def agent_usage(question: str, search: Search) -> Usage | None:
    """The usage the agent reports for ``question``."""
    state = await agent_state(question, search)
    return state.finish.usage if state.finish else None
