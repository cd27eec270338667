"""FragmentStreamResponse on the wire: a real uvicorn server, a real client, a browser-like parser."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator

import anyio
import anyio.to_thread
import httpx
import jinja2
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from fastapi_fragments import (
    HTMX2,
    HTMX4,
    BlockNotFoundError,
    ConfigurationError,
    Datastar,
    FragmentStreamResponse,
    TemplateNotFoundError,
    _load,
    _pace,
    stream_with_sources,
)
from fastapi_fragments.testing import FakeLLM, FakeOpenStream, LiveServer, SSEParser, read_events
from tests.helpers import wait_for

SECRET = "SECRET-upstream-error-detail"
SOURCES = [{"title": "Refunds <policy>"}, {"title": "Shipping"}]

Scenario = Callable[[Request], Response]
SCENARIOS: dict[str, Scenario] = {}


def make_app() -> FastAPI:
    app = FastAPI()

    @app.api_route("/s/{name}", methods=["GET", "POST", "HEAD"])
    async def scenario(name: str, request: Request) -> Response:
        return SCENARIOS[name](request)

    @app.post("/echo")
    async def echo(request: Request) -> Response:
        tokens = json.loads(await request.body())
        env = request.app.state.raw_env
        return FragmentStreamResponse(tokens, "chat.html", "plain", templates=env, min_interval=0)

    @app.get("/health")
    async def health() -> Response:
        return PlainTextResponse("ok")

    return app


@pytest.fixture(scope="module")
def server(raw_env: jinja2.Environment) -> Iterator[str]:
    app = make_app()
    app.state.raw_env = raw_env
    with LiveServer(app) as live:
        yield live.url


@pytest.fixture
def client(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=10) as http:
        yield http


def scenario(name: str) -> Callable[[Scenario], Scenario]:
    def register(func: Scenario) -> Scenario:
        SCENARIOS[name] = func
        return func

    return register


# -- wire format ---------------------------------------------------------------------------------


def test_htmx2_wire_format(client: httpx.Client, templates: Jinja2Templates) -> None:
    llm = FakeLLM(["Hel", "lo", " world"], delay=0.01)
    scenario("basic")(
        lambda r: FragmentStreamResponse(
            llm.stream("q"), "chat.html", templates=templates, sources_block="sources", sources=SOURCES, min_interval=0
        )
    )
    result = read_events(client, "/s/basic")
    assert result.status_code == 200
    assert result.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert "no-store" in result.headers["cache-control"]
    assert result.headers["x-accel-buffering"] == "no"
    assert result.names == ["sources", "fragment", "fragment", "fragment", "fragment", "done"]
    assert result.events[0].data == "<ul><li>Refunds &lt;policy&gt;</li><li>Shipping</li></ul>"
    assert [e.id for e in result.events[1:5]] == ["1", "2", "3", "4"]
    fragments = result.data_of("fragment")
    assert fragments[0] == '<h2>Answer</h2><div class="bubble streaming">Hel</div>'
    assert fragments[-1] == '<h2>Answer</h2><div class="bubble">Hello world</div>'  # final: streaming=False
    assert b"event: done\ndata: \n\n" in result.raw
    assert result.ended and llm.calls[0].closed


def test_sources_go_out_before_the_first_token_is_awaited(server: str, templates: Jinja2Templates) -> None:
    gate = threading.Event()

    async def tokens() -> AsyncIterator[str]:
        await anyio.to_thread.run_sync(gate.wait, 5)  # blocks until the client saw the sources
        yield "answer"

    scenario("gated")(
        lambda r: FragmentStreamResponse(
            tokens(), "chat.html", templates=templates, sources_block="sources", sources=SOURCES
        )
    )
    parser, names = SSEParser(), []
    with httpx.Client(base_url=server, timeout=10) as http, http.stream("GET", "/s/gated") as response:
        for chunk in response.iter_raw():
            for event in parser.feed(chunk):
                names.append(event.event)
                if event.event == "sources":
                    assert not gate.is_set()
                    gate.set()
    assert gate.is_set()
    assert names[0] == "sources" and names[-1] == "done" and "fragment" in names


def test_htmx4_client_gets_unnamed_frames_and_a_sources_partial(
    client: httpx.Client, templates: Jinja2Templates
) -> None:
    scenario("auto")(
        lambda r: FragmentStreamResponse(
            FakeLLM(["a", "b"]).stream("q"),
            "chat.html",
            "plain",
            templates=templates,
            sources_block="sources",
            sources=SOURCES,
            min_interval=0,
        )
    )
    headers = {"HX-Request": "true", "Accept": "text/html, text/event-stream"}
    result = read_events(client, "/s/auto", method="POST", headers=headers)
    assert "HX-Request" in result.headers["vary"]
    assert result.names[0] == "message" and result.events[0].data.startswith('<hx-partial hx-target="#sources"')
    assert result.names[1:-1] == ["message"] * (len(result.names) - 2)
    assert result.events[-2].data == "ab"
    assert result.names[-1] == "done"
    # The same route serves htmx 2 (EventSource sends no HX-Request) with named events.
    assert read_events(client, "/s/auto").names[0] == "sources"


def test_datastar_dialect_patches_elements(client: httpx.Client, templates: Jinja2Templates) -> None:
    scenario("datastar")(
        lambda r: FragmentStreamResponse(
            ["x\ny"], "chat.html", "plain", templates=templates, dialect="datastar", datastar=Datastar(target="#answer")
        )
    )
    result = read_events(client, "/s/datastar")
    assert set(result.names) == {"datastar-patch-elements"}
    assert result.events[-1].data == "selector #answer\nmode inner\nelements x\nelements y"


def test_custom_event_names(client: httpx.Client, templates: Jinja2Templates) -> None:
    htmx2 = HTMX2(fragment_event="answer", done_event="finished")
    scenario("names")(lambda r: FragmentStreamResponse(["x"], "chat.html", "plain", templates=templates, htmx2=htmx2))
    assert read_events(client, "/s/names").names == ["answer", "answer", "finished"]  # a step, then the final render


def test_the_flat_dialect_options_of_0_1_still_work_with_a_deprecation_warning(
    client: httpx.Client, templates: Jinja2Templates
) -> None:
    with pytest.warns(DeprecationWarning, match="fragment_event=, done_event= is deprecated: set it on the dialect"):
        response = FragmentStreamResponse(
            ["x"], "chat.html", "plain", templates=templates, fragment_event="answer", done_event="finished"
        )
    scenario("flat")(lambda r: response)
    assert read_events(client, "/s/flat").names == ["answer", "answer", "finished"]
    with pytest.warns(DeprecationWarning, match="target="):
        datastar = FragmentStreamResponse(["x"], "chat.html", "plain", templates=templates, target="#a")
    assert datastar._dialects["datastar"] == Datastar(target="#a")
    assert datastar._dialects["htmx4"] == HTMX4(target="#a", replace_target="#plain")
    with pytest.warns(DeprecationWarning) as warned:
        FragmentStreamResponse(["x"], "chat.html", "plain", templates=templates, tail_target="#t")
    assert {str(warning.message).split(" is ")[0] for warning in warned} == {"tail_target=", "tail_target"}


@pytest.mark.parametrize("name", ["error", "open", "message"])
def test_reserved_event_names_are_refused(templates: Jinja2Templates, name: str) -> None:
    with pytest.raises(ConfigurationError, match="reserved"):
        FragmentStreamResponse(["x"], "chat.html", templates=templates, htmx2=HTMX2(fragment_event=name))


# -- untrusted model output --------------------------------------------------------------------


HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(2)">',
    "\n\nevent: error\ndata: boom\n\n",
    "a\rb",
    "c\r\n",
]


def test_model_output_is_escaped_even_without_autoescape(client: httpx.Client) -> None:
    result = read_events(client, "/echo", method="POST", content=json.dumps(HOSTILE))
    assert set(result.names) == {"fragment", "done"}
    final = result.data_of("fragment")[-1]
    expected = str(escape("".join(HOSTILE))).replace("\r\n", "\n").replace("\r", "\n").strip()  # renders are stripped
    assert final == expected
    assert "<script" not in final and "<img" not in final


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tokens=st.lists(st.text(max_size=12), max_size=12))
def test_any_token_sequence_reassembles_to_the_escaped_text(client: httpx.Client, tokens: list[str]) -> None:
    result = read_events(client, "/echo", method="POST", content=json.dumps(tokens))
    assert result.names[-1] == "done" and set(result.names) <= {"fragment", "done"}
    expected = str(escape("".join(tokens))).replace("\r\n", "\n").replace("\r", "\n").strip()
    assert result.data_of("fragment")[-1] == expected


# -- coalescing --------------------------------------------------------------------------------


def test_min_interval_zero_renders_every_step_for_a_client_that_keeps_up(
    client: httpx.Client, templates: Jinja2Templates, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "Keeps up" made true rather than hoped for: on a busy machine (CI's two cores) the worker's
    # load and slow sends would stretch the interval, which other tests cover.
    monkeypatch.setattr(_load.Load, "update", lambda self, **_: 0.0)
    monkeypatch.setattr(_pace, "SLOW_SEND", float("inf"))
    llm = FakeLLM([f"t{i} " for i in range(20)], delay=0.01)
    scenario("every")(
        lambda r: FragmentStreamResponse(llm.stream("q"), "chat.html", "plain", templates=templates, min_interval=0)
    )
    fragments = read_events(client, "/s/every").data_of("fragment")
    assert len(fragments) == 21  # one per token plus the final render
    assert fragments[4] == "t0 t1 t2 t3 t4"


def test_default_interval_coalesces_fast_tokens_and_sends_the_complete_text(
    client: httpx.Client, templates: Jinja2Templates
) -> None:
    tokens = [f"w{i} " for i in range(400)]
    llm = FakeLLM(tokens, delay=0.0005)
    scenario("fast")(lambda r: FragmentStreamResponse(llm.stream("q"), "chat.html", "plain", templates=templates))
    result = read_events(client, "/s/fast")
    fragments = result.data_of("fragment")
    assert len(fragments) < 200  # 400 tokens over ~0.2-0.5 s at one render per 16 ms
    assert fragments[-1] == "".join(tokens).strip()
    ids = [int(e.id) for e in result.events if e.event == "fragment"]
    assert ids == sorted(set(ids))


# -- errors ------------------------------------------------------------------------------------


def test_source_failure_logs_and_sends_the_builtin_message(
    client: httpx.Client, templates: Jinja2Templates, caplog: pytest.LogCaptureFixture
) -> None:
    llm = FakeLLM(["Partial", " answer", " more"], fail_after=2, secret=SECRET)
    failures: list[BaseException] = []
    scenario("fail")(
        lambda r: FragmentStreamResponse(
            llm.stream("q"), "chat.html", "plain", templates=templates, min_interval=0, on_error=failures.append
        )
    )
    with caplog.at_level(logging.ERROR, logger="fastapi_fragments"):
        result = read_events(client, "/s/fail")
    assert result.names[-1] == "done"
    last = result.data_of("fragment")[-1]
    assert last.startswith("Partial answer") and 'role="alert"' in last
    assert SECRET.encode() not in result.raw and b"Traceback" not in result.raw
    assert any(SECRET in (r.exc_text or "") for r in caplog.records), "the traceback is logged server-side"
    assert len(failures) == 1 and SECRET in repr(failures[0].__cause__)


def test_source_failure_renders_the_error_block(client: httpx.Client, templates: Jinja2Templates) -> None:
    llm = FakeLLM(["a<b", "c"], fail_after=1, secret=SECRET)
    scenario("error_block")(
        lambda r: FragmentStreamResponse(llm.stream("q"), "chat.html", templates=templates, error_block="error")
    )
    result = read_events(client, "/s/error_block")
    assert result.data_of("fragment")[-1] == '<div role="alert">Answer failed. Partial: a&lt;b</div>'
    assert result.names[-1] == "done" and SECRET.encode() not in result.raw


def test_failure_before_any_token(client: httpx.Client, templates: Jinja2Templates) -> None:
    scenario("fail0")(
        lambda r: FragmentStreamResponse(
            FakeLLM(["x"], fail_after=0).stream("q"), "chat.html", templates=templates, error_block="error"
        )
    )
    result = read_events(client, "/s/fail0")
    assert result.names == ["fragment", "done"]
    assert result.events[0].data == '<div role="alert">Answer failed.</div>'


def test_template_error_mid_stream_is_contained(client: httpx.Client, templates: Jinja2Templates) -> None:
    scenario("broken")(
        lambda r: FragmentStreamResponse(["ab", "cd", "ef"], "chat.html", "broken", templates=templates, min_interval=0)
    )
    result = read_events(client, "/s/broken")
    assert result.names[-1] == "done"
    assert "ZeroDivision" not in result.raw.decode() and "division" not in result.raw.decode()
    assert 'role="alert"' in result.data_of("fragment")[-1]


def test_bad_configuration_fails_before_any_byte(client: httpx.Client, templates: Jinja2Templates) -> None:
    with pytest.raises(TemplateNotFoundError, match="missing.html"):
        FragmentStreamResponse(["x"], "missing.html", templates=templates)
    with pytest.raises(BlockNotFoundError, match="'answer'"):
        FragmentStreamResponse(["x"], "chat.html", "answer", templates=templates)
    with pytest.raises(BlockNotFoundError, match="'docs'"):
        FragmentStreamResponse(["x"], "chat.html", templates=templates, sources_block="docs")
    with pytest.raises(BlockNotFoundError, match="'oops'"):
        FragmentStreamResponse(["x"], "chat.html", templates=templates, error_block="oops")
    with pytest.raises(ConfigurationError, match="min_interval"):
        FragmentStreamResponse(["x"], "chat.html", templates=templates, min_interval=-1)
    with pytest.raises(ConfigurationError, match="unknown dialect 'htmx3'"):
        FragmentStreamResponse(["x"], "chat.html", templates=templates, dialect="htmx3")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="sep="):
        FragmentStreamResponse(["x"], "chat.html", templates=templates, sep="\r\n")  # type: ignore[call-arg]
    with pytest.raises(ConfigurationError, match="cleanup_timeout= has no effect"):
        FragmentStreamResponse(["x"], "chat.html", templates=templates, cleanup_timeout=1)  # type: ignore[call-arg]
    # In a route, the same mistake is an ordinary 500 before any stream starts.
    scenario("misconfigured")(lambda r: FragmentStreamResponse(["x"], "chat.html", "answer", templates=templates))
    response = client.get("/s/misconfigured")
    assert response.status_code == 500 and "event-stream" not in response.headers["content-type"]


@pytest.mark.parametrize(
    ("tokens", "says"),
    [
        ("hello", "not one str"),
        (b"hello", "not one bytes"),
        (42, "not int"),
        (None, "not NoneType"),
        (object(), "not object"),
    ],
)
def test_what_cannot_stream_text_is_refused_in_the_constructor(
    templates: Jinja2Templates, tokens: object, says: str
) -> None:
    with pytest.raises(ConfigurationError, match=f"tokens must be .*{says}.*llm.stream"):
        FragmentStreamResponse(tokens, "chat.html", "plain", templates=templates)  # type: ignore[arg-type]


# -- closing the source --------------------------------------------------------------------------


def test_disconnect_closes_the_source_and_stops_pulling(server: str, templates: Jinja2Templates) -> None:
    llm = FakeLLM([f"w{i} " for i in range(1000)], delay=0.02)
    left: list[str] = []
    scenario("long")(
        lambda r: FragmentStreamResponse(
            llm.stream("q"), "chat.html", "plain", templates=templates, on_disconnect=left.append
        )
    )
    with httpx.Client(base_url=server, timeout=10) as http:
        result = read_events(http, "/s/long", max_events=3)
    assert result.names == ["fragment"] * 3
    call = llm.calls[0]
    assert wait_for(lambda: call.closed, within=1.0), "the token source was not closed within a second"
    pulled = call.pulled
    time.sleep(0.3)
    assert call.pulled == pulled and not call.finished
    assert wait_for(lambda: len(left) == 1) and left[0].startswith("w0 w1")


def test_sync_source_runs_off_the_event_loop_and_is_closed(server: str, templates: Jinja2Templates) -> None:
    state = {"pulled": 0, "closed": False}

    def slow_tokens() -> Iterator[str]:
        try:
            for i in range(1000):
                time.sleep(0.02)  # a blocking SDK read
                state["pulled"] += 1
                yield f"s{i} "
        finally:
            state["closed"] = True

    scenario("sync")(lambda r: FragmentStreamResponse(slow_tokens(), "chat.html", "plain", templates=templates))
    with httpx.Client(base_url=server, timeout=10) as http, http.stream("GET", "/s/sync") as response:
        parser = SSEParser()
        seen = 0
        for chunk in response.iter_raw():
            seen += len(parser.feed(chunk))
            if seen >= 2:
                break
        started = time.monotonic()
        assert http.get("/health").text == "ok"
        assert time.monotonic() - started < 1.0, "the event loop was blocked by the sync source"
    assert wait_for(lambda: state["closed"], within=1.0), "the sync source was not closed within a second"
    pulled = state["pulled"]
    time.sleep(0.2)
    assert state["pulled"] <= pulled + 1


def test_head_request_never_pulls_the_source(client: httpx.Client, templates: Jinja2Templates) -> None:
    llm = FakeLLM(["x"])
    scenario("head")(lambda r: FragmentStreamResponse(llm.stream("q"), "chat.html", templates=templates))
    response = client.head("/s/head")
    assert response.status_code == 200 and response.content == b""
    assert llm.calls[0].pulled == 0


def test_on_complete_gets_the_raw_text_once(client: httpx.Client, templates: Jinja2Templates) -> None:
    saved: list[str] = []

    async def save(text: str) -> None:
        saved.append(text)

    scenario("complete")(
        lambda r: FragmentStreamResponse(["a <b>", " & c"], "chat.html", templates=templates, on_complete=save)
    )
    assert read_events(client, "/s/complete").names[-1] == "done"
    assert saved == ["a <b> & c"]


def test_top_level_template_code_runs_once_per_stream(client: httpx.Client) -> None:
    runs: list[int] = []
    env = jinja2.Environment(
        loader=jinja2.DictLoader({"t.html": "{% set n = count() %}{% block b %}{{ n }}:{{ text }}{% endblock %}"}),
        autoescape=True,
    )

    def count() -> int:
        runs.append(1)
        return len(runs)

    env.globals["count"] = count
    scenario("once")(lambda r: FragmentStreamResponse(list("abcdef"), "t.html", "b", templates=env, min_interval=0))
    fragments = read_events(client, "/s/once").data_of("fragment")
    assert fragments[-1] == "1:abcdef" and len(runs) == 1


def test_from_fragments_streams_the_rag_pattern(client: httpx.Client, templates: Jinja2Templates) -> None:
    def route(request: Request) -> Response:
        fragments = stream_with_sources(
            ["one", " two"], "chat.html", response_block="plain", sources_block="sources", sources=SOURCES
        )
        return FragmentStreamResponse.from_fragments(
            fragments, templates=templates, sources_block="sources", min_interval=0
        )

    scenario("from_fragments")(route)
    result = read_events(client, "/s/from_fragments")
    assert result.names[0] == "sources" and result.names[-1] == "done"
    assert result.data_of("fragment")[-1] == "one two"


def test_keepalive_comments_flow_while_the_model_is_silent(client: httpx.Client, templates: Jinja2Templates) -> None:
    llm = FakeLLM(["late"], first_delay=2.6)
    scenario("ping")(  # pings go out to the second (the per-loop watcher ticks streams once a second)
        lambda r: FragmentStreamResponse(llm.stream("q"), "chat.html", "plain", templates=templates, ping=1)
    )
    result = read_events(client, "/s/ping")
    assert result.comments >= 2, "sse-starlette's ping comments keep proxies from timing the stream out"
    assert result.names == ["fragment", "fragment", "done"] and result.events[-2].data == "late"


# -- regressions found in review -------------------------------------------------------------------


def test_head_closes_an_already_open_source(client: httpx.Client, templates: Jinja2Templates) -> None:
    stream = FakeOpenStream()
    scenario("head_open")(lambda r: FragmentStreamResponse(stream, "chat.html", templates=templates))
    assert client.head("/s/head_open").status_code == 200
    assert wait_for(lambda: stream.closed), "HEAD left the upstream response open"


def test_a_failing_constructor_closes_a_sync_source(templates: Jinja2Templates) -> None:
    closed: list[bool] = []

    class SyncStream:
        def __iter__(self) -> Iterator[str]:
            return iter(["x"])

        def close(self) -> None:
            closed.append(True)

    with pytest.raises(BlockNotFoundError):
        FragmentStreamResponse(SyncStream(), "chat.html", "nope", templates=templates)
    assert closed == [True]


def test_a_sources_block_failing_on_its_data_still_ends_with_done(
    client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    env = jinja2.Environment(
        loader=jinja2.DictLoader(
            {"t.html": "{% block s %}{{ sources[0].missing.x }}{% endblock %}{% block r %}{{ text }}{% endblock %}"}
        ),
        autoescape=True,
    )
    stream = FakeOpenStream()
    scenario("bad_sources")(
        lambda r: FragmentStreamResponse(stream, "t.html", "r", templates=env, sources_block="s", sources=[{}])
    )
    with caplog.at_level(logging.ERROR, logger="fastapi_fragments"):
        result = read_events(client, "/s/bad_sources")
    assert result.names == ["fragment", "done"] and 'role="alert"' in result.events[0].data
    assert "missing" not in result.raw.decode()
    assert wait_for(lambda: stream.closed), "the model's stream was left open"


def test_lone_surrogates_cost_a_character_not_the_answer(client: httpx.Client, templates: Jinja2Templates) -> None:
    scenario("surrogate")(
        lambda r: FragmentStreamResponse(["ok ", "\ud83d", " fine"], "chat.html", "plain", templates=templates)
    )
    result = read_events(client, "/s/surrogate")
    assert result.names[-1] == "done"
    final = result.data_of("fragment")[-1]
    assert final.startswith("ok ") and final.endswith(" fine") and 'role="alert"' not in final


def test_filters_cannot_unescape_model_text_when_autoescape_is_off(client: httpx.Client) -> None:
    env = jinja2.Environment(loader=jinja2.DictLoader({"t.html": "{% block b %}{{ text|striptags }}{% endblock %}"}))
    hostile = "<img src=x onerror=alert(1)>"  # striptags unescapes Markup: only autoescape saves this
    scenario("striptags")(lambda r: FragmentStreamResponse([hostile], "t.html", "b", templates=env))
    final = read_events(client, "/s/striptags").data_of("fragment")[-1]
    assert "<img" not in final and "&lt;img" in final


def test_an_adapter_failure_keeps_the_original_error_as_cause(client: httpx.Client, templates: Jinja2Templates) -> None:
    from fastapi_fragments import iter_text
    from fastapi_fragments.testing import FakeLLMError

    failures: list[BaseException] = []
    llm = FakeLLM(["a"], fail_after=0)
    scenario("cause")(
        lambda r: FragmentStreamResponse(
            iter_text(llm.stream("q")), "chat.html", templates=templates, on_error=failures.append
        )
    )
    assert read_events(client, "/s/cause").names[-1] == "done"
    assert type(failures[0].__cause__) is FakeLLMError


def test_datastar_selectors_cannot_add_lines(templates: Jinja2Templates) -> None:
    with pytest.raises(ConfigurationError, match="target"):
        FragmentStreamResponse(["x"], "chat.html", templates=templates, datastar=Datastar(target="#a\nmode x"))


def test_on_another_event_loop_than_asyncio_the_response_says_it_is_asyncio_only(templates: Jinja2Templates) -> None:
    response = FragmentStreamResponse(["x"], "chat.html", "plain", templates=templates)
    scope = {"type": "http", "method": "GET", "headers": []}

    async def receive() -> dict[str, str]:
        return {"type": "http.disconnect"}

    async def send(message: object) -> None:
        pass

    call = response(scope, receive, send)
    with pytest.raises(RuntimeError, match="asyncio-only by design"):
        call.send(None)  # driven by hand, as trio would: no asyncio loop is running
    call.close()
