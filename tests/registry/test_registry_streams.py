"""StreamRegistry on the in-process store, over real uvicorn and raw-socket SSE clients."""

from __future__ import annotations

import anyio
import httpx
import pytest

from fastapi_fragments import StreamRegistry
from fastapi_fragments.testing import FakeLLM, SSEMessage
from tests.registry.registry_app import WORDS
from tests.registry.registry_helpers import Serve, ask_and_read, final_fragment, start_answer
from tests.registry.sse_client import RawSSE

pytestmark = pytest.mark.anyio

FULL_ANSWER = "".join(WORDS)


async def wait_until_closed(llm: FakeLLM, index: int = 0) -> None:
    with anyio.fail_after(10):
        # FakeLLM records the close but offers no event before the stream is first pulled.
        while len(llm.calls) <= index or not llm.calls[index].closed:  # noqa: ASYNC110
            await anyio.sleep(0.02)


async def test_a_dropped_connection_resumes_from_the_latest_frame_without_a_second_generation(serve: Serve) -> None:
    llm = FakeLLM(WORDS, delay=0.02)
    url = serve(StreamRegistry(), llm)
    with anyio.fail_after(30):
        async with httpx.AsyncClient(base_url=url) as client:
            uninterrupted = await start_answer(client)
            whole = await uninterrupted.read()
            turn = await start_answer(client)
            first = await turn.open()
            await first.until("fragment", 3)
            await first.close()
            resumed_from = first.last_event_id
            second = await turn.open(headers={"Last-Event-ID": resumed_from})
            events = await second.read_all()
    assert second.status == 200
    assert "sources" not in [event.event for event in events]  # the client has them already
    assert int(events[0].id) > int(resumed_from)
    assert final_fragment(events) == final_fragment(whole)
    assert FULL_ANSWER.strip() in final_fragment(events)
    assert len(llm.calls) == 2 and all(call.finished for call in llm.calls)  # one generation per POST


async def test_a_late_reconnect_gets_the_final_frame_and_done(serve: Serve) -> None:
    llm = FakeLLM(WORDS[:5])
    url = serve(StreamRegistry(), llm)
    with anyio.fail_after(30):
        async with httpx.AsyncClient(base_url=url) as client:
            turn = await start_answer(client)
            first = await turn.read()
            fresh = await turn.read()
            last_id = first[-2].id
            again = await turn.open(headers={"Last-Event-ID": last_id})
            known = await again.read_all()
    assert first[0].event == "sources"
    assert [event.event for event in fresh] == ["sources", "fragment", "done"]
    assert final_fragment(fresh) == final_fragment(first)
    assert [event.event for event in known] == ["done"]
    assert len(llm.calls) == 1


async def test_an_unknown_id_answers_200_with_a_polite_fragment_and_done(serve: Serve) -> None:
    url = serve(StreamRegistry(), FakeLLM())
    with anyio.fail_after(30):
        stream = await RawSSE.open(f"{url}/fragments/streams/not-a-stream")
        events = await stream.read_all()
    assert stream.status == 200
    assert [event.event for event in events] == ["fragment", "done"]
    assert "no longer available" in events[0].data


async def test_someone_elses_stream_is_unknown_to_you(serve: Serve) -> None:
    llm = FakeLLM(WORDS, delay=0.02)
    url = serve(StreamRegistry(), llm)
    with anyio.fail_after(30):
        async with httpx.AsyncClient(base_url=url) as client:
            turn = await start_answer(client)
            stranger = await RawSSE.open(turn.stream_url, headers={"Cookie": "fragments_owner=someone-else"})
            events = await stranger.read_all()
            await turn.read()
    assert "no longer available" in final_fragment(events)
    assert "word" not in "".join(event.data for event in events)


async def test_stop_cancels_the_generation_and_ends_followers_with_the_partial_answer(serve: Serve) -> None:
    llm = FakeLLM(WORDS, delay=0.05)
    url = serve(StreamRegistry(), llm)
    with anyio.fail_after(30):
        async with httpx.AsyncClient(base_url=url) as client:
            turn = await start_answer(client)
            follower = await turn.open()
            await follower.until("fragment", 3)
            assert (await client.post(turn.stop_url)).status_code == 204
            events = await follower.read_all()
            await wait_until_closed(llm)
    final = final_fragment(events)
    assert "Stopped." in final and "(cut)" in final and "word0" in final
    assert FULL_ANSWER.strip() not in final
    assert llm.calls[0].closed and not llm.calls[0].finished


async def test_stop_by_someone_else_is_ignored(serve: Serve) -> None:
    llm = FakeLLM(WORDS[:10], delay=0.02)
    url = serve(StreamRegistry(), llm)
    with anyio.fail_after(30):
        async with httpx.AsyncClient(base_url=url) as client, httpx.AsyncClient(base_url=url) as stranger:
            turn = await start_answer(client)
            assert (await stranger.post(turn.stop_url)).status_code == 204
            events = await turn.read()
    assert "Stopped." not in final_fragment(events)
    assert llm.calls[0].finished


async def test_an_abandoned_answer_is_cancelled_and_says_so_on_a_late_visit(serve: Serve) -> None:
    llm = FakeLLM(WORDS, delay=0.05)
    url = serve(StreamRegistry(abandon_after=0.5, lease=0.3), llm)
    with anyio.fail_after(30):
        async with httpx.AsyncClient(base_url=url) as client:
            turn = await start_answer(client)
            await wait_until_closed(llm)  # nobody ever followed it
            events = await turn.read()
    assert not llm.calls[0].finished
    assert "nobody was reading it" in final_fragment(events)


async def test_an_abandoned_answer_can_be_kept_and_saved(serve: Serve) -> None:
    llm, completed = FakeLLM(WORDS, delay=0.02), list[str]()
    url = serve(StreamRegistry(abandon_after=0.3, lease=0.3, keep_abandoned=True), llm, completed)
    with anyio.fail_after(30):
        async with httpx.AsyncClient(base_url=url) as client:
            turn = await start_answer(client)
            await wait_until_closed(llm)
            events = await turn.read()
    assert llm.calls[0].finished
    assert completed == [FULL_ANSWER]
    assert "notice" not in final_fragment(events)


async def test_two_followers_share_one_generation(serve: Serve) -> None:
    llm = FakeLLM(WORDS, delay=0.02)
    url = serve(StreamRegistry(), llm)
    results: list[list[SSEMessage]] = []
    with anyio.fail_after(30):
        async with httpx.AsyncClient(base_url=url) as client:
            turn = await start_answer(client)

            async def follow() -> None:
                results.append(await turn.read())

            async with anyio.create_task_group() as group:
                group.start_soon(follow)
                group.start_soon(follow)
    assert final_fragment(results[0]) == final_fragment(results[1])
    assert FULL_ANSWER.strip() in final_fragment(results[0])
    assert len(llm.calls) == 1


async def test_the_per_owner_cap_refuses_politely(serve: Serve) -> None:
    llm = FakeLLM(WORDS, delay=0.05)
    url = serve(StreamRegistry(max_active=1), llm)
    with anyio.fail_after(30):
        async with httpx.AsyncClient(base_url=url) as client:
            turn = await start_answer(client)
            refused = await client.post("/chat", data={"q": "again"})
            await client.post(turn.stop_url)
            await wait_until_closed(llm)
    assert refused.status_code == 200
    assert "Too many answers" in refused.text and "sse-connect" not in refused.text
    assert llm.calls[1].pulled == 0


async def test_the_deadline_cuts_a_long_answer(serve: Serve) -> None:
    llm = FakeLLM(WORDS, delay=0.05)
    url = serve(StreamRegistry(deadline=0.5), llm)
    with anyio.fail_after(30):
        events = await ask_and_read(url)
    assert "took too long" in final_fragment(events)
    assert llm.calls[0].closed and not llm.calls[0].finished


async def test_a_failing_model_ends_with_the_error_fragment_and_no_secret(serve: Serve) -> None:
    llm = FakeLLM(WORDS, delay=0.01, fail_after=5)
    url = serve(StreamRegistry(), llm)
    with anyio.fail_after(30):
        events = await ask_and_read(url)
    assert "could not be completed" in final_fragment(events)
    assert llm.secret not in "".join(event.data for event in events)


async def test_htmx4_followers_get_unnamed_frames_and_partials(serve: Serve) -> None:
    url = serve(StreamRegistry(), FakeLLM(WORDS[:5]))
    with anyio.fail_after(30):
        events = await ask_and_read(url, {"HX-Request": "true"})
    assert events[0].event == "message" and '<hx-partial hx-target="#sources"' in events[0].data
    assert [event.event for event in events][-1] == "done"
    assert "word4" in events[-2].data and events[-2].event == "message"


async def test_datastar_followers_get_patch_elements_and_a_plain_end(serve: Serve) -> None:
    url = serve(StreamRegistry(), FakeLLM(WORDS[:5]))
    with anyio.fail_after(30):
        events = await ask_and_read(url, {"Datastar-Request": "true"})
    assert {event.event for event in events} == {"datastar-patch-elements"}
    assert "selector #sources" in events[0].data and "word4" in events[-1].data
