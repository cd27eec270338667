"""The producer and its one ending: the same last updates, hooks and order whatever the sink."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import anyio
import pytest
from jinja2 import DictLoader, Environment
from markupsafe import Markup

from fastapi_fragments import HTMX2
from fastapi_fragments._dialects import encode
from fastapi_fragments._hooks import Hooks
from fastapi_fragments._pace import Pace
from fastapi_fragments._plan import TokenStream
from fastapi_fragments._produce import DEFAULT_ERROR_HTML, Producer
from fastapi_fragments._updates import ANSWER, SOURCES, End, Outcome, Part, Replace, Tail, Update, numbered
from fastapi_fragments.registry._generation import Generation, Limits
from fastapi_fragments.stores import MemoryStore
from fastapi_fragments.testing import FakeLLM, parse_sse
from tests.helpers import sink_bytes

pytestmark = pytest.mark.anyio

TEMPLATES = Environment(
    loader=DictLoader(
        {
            "page.html": (
                "{% block answer %}<p>{{ text }}</p>{% if streaming %}…{% endif %}"
                "{% if interrupted %}(cut){% endif %}{% endblock %}"
                "{% block docs %}{{ sources | length }} docs{% endblock %}"
            )
        }
    ),
    autoescape=True,
)


class Recorder:
    """A sink and the hooks of one stream, recording what happened in order."""

    def __init__(self) -> None:
        self.log: list[str] = []

    async def write(self, updates: Sequence[Update]) -> int:
        for update in updates:
            if isinstance(update, End):
                self.log.append(f"end:{update.outcome.value}")
            elif isinstance(update, Replace):
                self.log.append(f"{update.part.kind}:{update.html}")
        return 0

    def hooks(self) -> Hooks:
        return Hooks(
            on_complete=lambda text: self.log.append(f"on_complete:{text}"),
            on_error=lambda exc: self.log.append(f"on_error:{type(exc).__name__}"),
            on_disconnect=lambda text: self.log.append(f"on_disconnect:{text}"),
        )


def producer(tokens: object, recorder: Recorder, mode: str = "replace", **options: object) -> Producer:
    plan = TokenStream(
        tokens, "page.html", "answer", context_key="text", extra_context=None,
        sources_block="docs", sources=["a"], error_block=None, mode=mode, **options,  # type: ignore[arg-type]
    ).plan_now(TEMPLATES, recorder.hooks())  # fmt: skip
    return plan.producer


def test_replace_modes_frame_is_the_update_its_text_mode_returns() -> None:
    """The per-frame shortcut of replace mode (``TokenProducer._render_now``) agrees with ``ReplaceText.updates``."""
    stream = producer(["x"], Recorder())
    text = stream._text  # type: ignore[attr-defined]
    text.feed("a < b")
    frame = stream._render_now()
    html = stream._renderer.render_value("text", text.markup())  # type: ignore[attr-defined]
    assert frame == text.updates(html, final=False) == [Replace("<p>a &lt; b</p>…")]


async def test_a_completed_stream_ends_with_the_final_render_then_the_hook_then_end() -> None:
    recorder = Recorder()
    stream = producer(["Hi", " there"], recorder)
    await stream.pull(recorder, Pace(10))  # one render at most while pulling: the final one comes at the end
    assert await stream.end(recorder) is Outcome.COMPLETED
    assert recorder.log[0] == "sources:1 docs"
    assert recorder.log[-3:] == ["text:<p>Hi there</p>", "on_complete:Hi there", "end:completed"]


async def test_a_failing_source_ends_with_the_error_block_then_on_error_then_end() -> None:
    recorder = Recorder()
    stream = producer(FakeLLM(["Hi"], fail_after=1).stream("q"), recorder)
    await stream.pull(recorder, Pace(10))
    assert await stream.end(recorder) is Outcome.FAILED
    assert recorder.log[-3:] == [f"text:<p>Hi</p>{DEFAULT_ERROR_HTML}", "on_error:TokenSourceError", "end:failed"]


@pytest.mark.parametrize("outcome", [Outcome.STOPPED, Outcome.DEADLINE, Outcome.ABANDONED, Outcome.SHUTDOWN])
async def test_a_stream_cut_short_says_so_in_its_last_render_then_on_disconnect_then_end(outcome: Outcome) -> None:
    recorder = Recorder()

    async def tokens() -> AsyncIterator[str]:
        yield "Hi"
        stream.stop(outcome)  # as the registry, the monitor or the deadline does
        await anyio.sleep_forever()

    stream = producer(tokens(), recorder)
    await stream.pull(recorder, Pace(10))
    assert await stream.end(recorder) is outcome
    assert recorder.log[-3:] == ["text:<p>Hi</p>(cut)", "on_disconnect:Hi", f"end:{outcome.value}"]


async def test_a_client_that_left_gets_nothing_more_and_on_disconnect_runs() -> None:
    recorder = Recorder()
    stream = producer(["Hi", " there"], recorder)
    stream.stop(Outcome.CLIENT_LEFT)
    await stream.pull(recorder, Pace(0))
    assert await stream.end(recorder) is Outcome.CLIENT_LEFT
    assert recorder.log == ["on_disconnect:"]  # not even the sources: it left before the first write


async def test_the_registry_sink_runs_the_same_ending_the_hook_before_the_final_frame() -> None:
    store, statuses = MemoryStore(poll_interval=0.05), []

    async def record_status(text: str) -> None:
        record = await store.get("s1")
        statuses.append(record.frame.status if record and record.frame else None)

    await store.create("s1", owner="me", max_active=None, lease=5, watch=30, ttl=60)
    plan = TokenStream(
        ["Hi", " there"], "page.html", "answer", context_key="text", extra_context=None,
        sources_block=None, sources=None, error_block=None, mode="replace", keep_ended=True,
    ).plan_now(TEMPLATES, Hooks(on_complete=record_status))  # fmt: skip
    with anyio.fail_after(10):
        await Generation("s1", plan.producer).run(store, Limits(60, 5, 60, 0, False))
    record = await store.get("s1")
    assert statuses == ["running"]  # the hook ran before the final frame was published
    assert record is not None and record.frame is not None and record.frame.status == "done"
    assert "<p>Hi there</p>" in record.frame.data


async def test_the_http_sink_sends_the_final_render_then_done_with_ids_on_the_answer_only() -> None:
    recorder = Recorder()
    body = await sink_bytes(producer(["Hi"], recorder), HTMX2())
    events = parse_sse(body)
    assert events[0].event == "sources" and events[0].id == ""
    assert [event.event for event in events][-2:] == ["fragment", "done"]
    assert [event.id for event in events if event.event == "fragment"] == [str(i + 1) for i in range(len(events) - 2)]
    assert recorder.log == ["on_complete:Hi"]


@pytest.mark.parametrize("mode", ["replace", "append"])
async def test_a_markup_token_is_text_escaped_like_any_other(mode: str) -> None:
    tokens = ["a & b ", Markup("<i>c</i>"), Markup(" d")]  # a source may hand out a str subclass
    events = parse_sse(await sink_bytes(producer(tokens, Recorder(), mode=mode), HTMX2()))
    # The last render: nothing escaped twice, nor left unescaped.
    assert events[-2].data == "<p>a &amp; b &lt;i&gt;c&lt;/i&gt; d</p>"


def test_updates_are_encoded_only_by_dialects_and_only_parts_with_a_target() -> None:
    dialect = HTMX2()
    assert encode(dialect, Replace("<b>x</b>"), 3) == b"event: fragment\nid: 3\ndata: <b>x</b>\n\n"
    assert encode(dialect, Replace("d", SOURCES), 3) == b"event: sources\ndata: d\n\n"
    assert encode(dialect, Replace("x", seq=9), 3) == b"event: fragment\nid: 9\ndata: x\n\n"  # a registry snapshot
    assert encode(dialect, End(Outcome.COMPLETED), 3) == b"event: done\ndata: \n\n"
    with pytest.raises(TypeError, match="no target for the part"):
        encode(dialect, Replace("x", Part("reasoning")), 1)
    assert encode(dialect, Replace("x", Part("reasoning", block="thoughts")), 1) == b"event: thoughts\ndata: x\n\n"
    assert numbered(Replace("x")) and not numbered(Replace("x", SOURCES)) and not numbered(Tail("x"))
    assert not numbered(End(Outcome.FAILED)) and Replace("x").part is ANSWER


def test_an_outcome_says_whether_the_answer_was_cut_short() -> None:
    assert [outcome.interrupted for outcome in Outcome] == [False, False, True, True, True, True, True]


async def test_a_follower_closes_without_done_when_this_server_shuts_down() -> None:
    from fastapi_fragments.registry._following import Follower

    async def frames() -> AsyncIterator[list[Replace]]:
        yield [Replace("<p>Hi</p>", seq=1)]
        await anyio.sleep_forever()

    follower, recorder = Follower(frames()), Recorder()
    with anyio.fail_after(5):
        async with anyio.create_task_group() as group:
            group.start_soon(follower.pull, recorder, Pace(0))
            await anyio.sleep(0.05)
            follower.stop(Outcome.SHUTDOWN)
    assert await follower.end(recorder) is Outcome.SHUTDOWN
    assert recorder.log == ["text:<p>Hi</p>"]  # no end: the client reconnects and follows the answer elsewhere


async def test_in_markdown_mode_the_block_with_its_cursor_wraps_the_body_the_elements_stream_into() -> None:
    block = '{% block answer %}<div>{{ text }}</div>{% if streaming %}<i class="cursor"></i>{% endif %}{% endblock %}'
    env = Environment(loader=DictLoader({"md.html": block}), autoescape=True)
    plan = TokenStream(
        ["Intro.", "\n\nHello ", "wor", "ld"], "md.html", "answer", context_key="text",
        extra_context=None, sources_block=None, sources=None, error_block=None, mode="markdown",
    ).plan_now(env, Hooks())  # fmt: skip
    events = parse_sse(await sink_bytes(plan.producer, HTMX2()))
    first, *streamed, final, done = events
    assert first.event == "fragment" and first.data == (
        '<div><div data-fragments-body><p>Intro.<span data-fragments-grow></span></p></div></div><i class="cursor"></i>'
    )  # the block, once, around the body: its cursor shows while the answer streams
    assert [(event.event, event.data) for event in streamed] == [
        ("append", "<p>Hello<span data-fragments-grow></span></p>"),  # each element once, then its growth
        ("message", " wor"),  # growth: unnamed, the shortest frame
        ("message", "ld"),
    ]
    assert final.event == "fragment" and final.data == "<div><p>Intro.</p>\n<p>Hello world</p>\n</div>"
    assert done.event == "done"
