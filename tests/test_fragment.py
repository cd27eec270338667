"""stream_to_fragments and stream_with_sources: the primitives without HTTP."""

from __future__ import annotations

import pytest
from markupsafe import Markup
from starlette.templating import Jinja2Templates

from fastapi_fragments import Fragment, stream_to_fragments, stream_with_sources
from fastapi_fragments.testing import FakeLLM

pytestmark = pytest.mark.anyio


async def test_one_fragment_per_token_then_a_final_one(templates: Jinja2Templates) -> None:
    fragments = [f async for f in stream_to_fragments(["a<", "b"], "chat.html", "plain", extra_context={"x": 1})]
    assert [f.context["text"] for f in fragments] == [Markup("a&lt;"), Markup("a&lt;b"), Markup("a&lt;b")]
    assert [f.context["streaming"] for f in fragments] == [True, True, False]
    assert all(f.context["x"] == 1 and f.block_name == "plain" for f in fragments)
    assert fragments[-1].render(templates) == "a&lt;b"


async def test_custom_context_key() -> None:
    fragments = [f async for f in stream_to_fragments(["z"], "chat.html", "plain", context_key="answer")]
    assert fragments[0].context["answer"] == Markup("z") and "text" not in fragments[0].context


async def test_sources_first_then_response_with_sources_in_context() -> None:
    llm = FakeLLM(["hi"])
    stream = stream_with_sources(llm.stream("q"), "chat.html", sources_block="sources", sources=[{"title": "A"}])
    first = await stream.__anext__()
    assert first == Fragment("chat.html", "sources", sources=[{"title": "A"}])
    assert llm.calls[0].pulled == 0  # the sources came before the first token was awaited
    rest = [f async for f in stream]
    assert [f.block_name for f in rest] == ["response", "response"]
    assert rest[0].context["sources"] == [{"title": "A"}]


async def test_closing_the_helper_closes_the_llm_stream() -> None:
    llm = FakeLLM([str(i) for i in range(100)])
    stream = stream_with_sources(llm.stream("q"), "chat.html", sources_block="sources")
    await stream.__anext__()
    await stream.__anext__()
    await stream.aclose()
    assert llm.calls[0].closed and llm.calls[0].pulled == 1
