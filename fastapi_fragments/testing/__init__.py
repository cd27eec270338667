"""Helpers for testing apps that stream fragments: an SSE parser, stream readers, a fake LLM.

Example::

    from fastapi_fragments.testing import FakeLLM, read_events

    app.dependency_overrides[get_llm] = lambda: FakeLLM(["Hi", " there"])
    with TestClient(app) as client:
        result = read_events(client, "/answer")
    assert result.names[-1] == "done"
"""

from __future__ import annotations

from ._client import SSEResult as SSEResult
from ._client import aread_events as aread_events
from ._client import read_events as read_events
from ._fake_llm import FakeLLM as FakeLLM
from ._fake_llm import FakeLLMCall as FakeLLMCall
from ._fake_llm import FakeLLMError as FakeLLMError
from ._fake_llm import FakeOpenStream as FakeOpenStream
from ._fake_provider import FakeProvider as FakeProvider
from ._fake_provider import RecordedRequest as RecordedRequest
from ._fake_script import FakeCitation as FakeCitation
from ._fake_script import FakePart as FakePart
from ._fake_script import FakeReasoning as FakeReasoning
from ._fake_script import FakeReply as FakeReply
from ._fake_script import FakeSearch as FakeSearch
from ._fake_script import FakeText as FakeText
from ._fake_script import FakeToolCall as FakeToolCall
from ._fake_script import FakeUsage as FakeUsage
from ._server import LiveServer as LiveServer
from ._sse import SSEMessage as SSEMessage
from ._sse import SSEParser as SSEParser
from ._sse import parse_sse as parse_sse

__all__ = [
    "FakeCitation",
    "FakeLLM",
    "FakeLLMCall",
    "FakeLLMError",
    "FakeOpenStream",
    "FakePart",
    "FakeProvider",
    "FakeReasoning",
    "FakeReply",
    "FakeSearch",
    "FakeText",
    "FakeToolCall",
    "FakeUsage",
    "LiveServer",
    "RecordedRequest",
    "SSEMessage",
    "SSEParser",
    "SSEResult",
    "aread_events",
    "parse_sse",
    "read_events",
]
