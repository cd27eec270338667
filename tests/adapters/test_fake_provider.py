"""The fake provider itself, read with a plain HTTP client: wire formats, error statuses, hang-up detection."""

from __future__ import annotations

import json

import anyio
import httpx
import pytest

from fastapi_fragments.testing import (
    FakePart,
    FakeProvider,
    FakeReasoning,
    FakeReply,
    FakeText,
    FakeToolCall,
    FakeUsage,
    parse_sse,
)

pytestmark = pytest.mark.anyio

REQUEST = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "Hi"}]}


def post(provider: FakeProvider, path: str, body: object = REQUEST) -> httpx.Response:
    return httpx.post(provider.base_url + path, json=body, headers={"x-test": "yes"}, timeout=5)


def test_records_the_request(provider: FakeProvider) -> None:
    post(provider, "/v1/chat/completions")
    (request,) = provider.requests
    assert (request.method, request.path) == ("POST", "/v1/chat/completions")
    assert request.headers["x-test"] == "yes"
    assert request.json == REQUEST
    assert request.completed.is_set()
    assert not request.disconnected.is_set()
    assert request.tokens_sent == 4


def test_openai_chat_is_data_frames_ending_with_done(provider: FakeProvider) -> None:
    provider.reply = FakeReply(["Hel", "lo"])
    response = post(provider, "/v1/chat/completions", {**REQUEST, "stream_options": {"include_usage": True}})
    assert response.headers["content-type"] == "text/event-stream"
    *chunks, done = [event.data for event in parse_sse(response.content)]
    assert done == "[DONE]"
    payloads = [json.loads(chunk) for chunk in chunks]
    assert [p["choices"][0]["delta"].get("content") for p in payloads if p["choices"]] == ["", "Hel", "lo", None]
    assert payloads[-1]["choices"] == []
    assert "usage" in payloads[-1]


def test_anthropic_frames_all_name_their_event(provider: FakeProvider) -> None:
    events = parse_sse(post(provider, "/v1/messages").content)
    assert all(event.event == json.loads(event.data)["type"] for event in events)
    assert [event.event for event in events][:3] == ["message_start", "content_block_start", "ping"]
    assert events[-1].event == "message_stop"


def test_responses_events_form_a_complete_sequence(provider: FakeProvider) -> None:
    provider.reply = FakeReply(["Hel", "lo"])
    events = [json.loads(event.data) for event in parse_sse(post(provider, "/v1/responses").content)]
    assert [e["delta"] for e in events if e["type"] == "response.output_text.delta"] == ["Hel", "lo"]
    assert events[-1]["type"] == "response.completed"
    assert events[-1]["response"]["output"][0]["content"][0]["text"] == "Hello"


def test_ollama_is_ndjson_ending_with_done(provider: FakeProvider) -> None:
    provider.reply = FakeReply(["Hel", "lo"])
    lines = [json.loads(line) for line in post(provider, "/api/chat").text.splitlines()]
    assert [line["message"]["content"] for line in lines] == ["Hel", "lo", ""]
    assert [line["done"] for line in lines] == [False, False, True]


@pytest.mark.parametrize(
    ("path", "frame"),
    [
        ("/v1/chat/completions", '{"error": {"message": "boom"'),
        ("/v1/responses", '{"type": "error", "sequence_number": 0, "code": "server_error", "message": "boom"'),
        (
            "/v1/messages",
            'event: error\ndata: {"type": "error", "error": {"type": "overloaded_error", "message": "boom"',
        ),
        ("/api/chat", '{"error": "boom"}'),
    ],
)
def test_fail_after_sends_the_providers_error_frame(provider: FakeProvider, path: str, frame: str) -> None:
    provider.reply = FakeReply(["Hel", "lo", "never"], fail_after=2, error_message="boom")
    body = post(provider, path).text
    assert frame in body
    assert "never" not in body
    assert provider.requests[-1].tokens_sent == 2


@pytest.mark.parametrize(
    ("path", "error"),
    [
        (
            "/v1/chat/completions",
            {"error": {"message": "slow down", "type": "server_error", "param": None, "code": None}},
        ),
        ("/v1/messages", {"type": "error", "error": {"type": "api_error", "message": "slow down"}}),
        ("/api/chat", {"error": "slow down"}),
    ],
)
def test_error_status_answers_with_the_providers_error_body(provider: FakeProvider, path: str, error: object) -> None:
    provider.reply = FakeReply(status=429, error_message="slow down")
    response = post(provider, path)
    assert response.status_code == 429
    assert response.json() == error


def test_unknown_path_is_404(provider: FakeProvider) -> None:
    response = post(provider, "/v2/whatever")
    assert response.status_code == 404
    assert provider.requests[-1].path == "/v2/whatever"


def test_a_hang_up_during_a_long_pause_is_seen_at_once(provider: FakeProvider) -> None:
    # Noticing the hang-up within 1 s of a 30 s pause proves the server watches the socket meanwhile.
    provider.reply = FakeReply(["first", "second"], delay=30)
    with httpx.stream("POST", provider.base_url + "/api/chat", json=REQUEST, timeout=5):
        pass  # the headers arrived: the server is now pausing before "first"
    request = provider.requests[-1]
    assert request.disconnected.wait(1), "the hang-up was not noticed during the pause"
    assert request.tokens_sent == 0
    assert not request.completed.is_set()


def test_stall_after_goes_quiet_until_the_client_hangs_up(provider: FakeProvider) -> None:
    provider.reply = FakeReply(["first", "never"], stall_after=1)
    with httpx.stream("POST", provider.base_url + "/api/chat", json=REQUEST, timeout=5) as response:
        assert json.loads(next(response.iter_lines()))["message"]["content"] == "first"
    request = provider.requests[-1]
    assert request.disconnected.wait(1)
    assert request.tokens_sent == 1


async def test_async_use_and_wait_disconnected() -> None:
    async with FakeProvider(FakeReply(["a"], delay=30)) as provider, httpx.AsyncClient() as client:
        async with client.stream("POST", provider.base_url + "/v1/chat/completions", json=REQUEST):
            pass
        with anyio.fail_after(1):
            await provider.requests[-1].wait_disconnected()


def test_stop_cuts_open_responses() -> None:
    provider = FakeProvider(FakeReply(["a"], delay=30))
    provider.start()
    with httpx.stream("POST", provider.base_url + "/api/chat", json=REQUEST, timeout=5) as response:
        provider.stop()  # returns although the response is still waiting to send its token
        with pytest.raises(httpx.RemoteProtocolError):
            response.read()


def test_base_url_needs_a_running_server() -> None:
    provider = FakeProvider()
    with pytest.raises(RuntimeError, match="not running"):
        provider.base_url  # noqa: B018
    with provider:
        assert provider.base_url.startswith("http://127.0.0.1:")
    with pytest.raises(RuntimeError, match="not running"):
        provider.base_url  # noqa: B018


def test_can_be_restarted() -> None:
    provider = FakeProvider()
    with provider:
        post(provider, "/api/chat")
    with provider:
        assert post(provider, "/api/chat").status_code == 200
    assert len(provider.requests) == 2


def test_parts_replace_the_tokens_and_fail_after_counts_deltas(provider: FakeProvider) -> None:
    parts: list[FakePart] = [FakeReasoning(["Hm", "."]), FakeToolCall("search", ['{"q": ', '"x"}'])]
    provider.reply = FakeReply(parts=parts, usage=FakeUsage(5, 7))
    lines = [json.loads(line) for line in post(provider, "/api/chat").text.splitlines()]
    # Ollama sends the whole call, parsed, in one line.
    assert [line["message"].get("thinking") for line in lines[:2]] == ["Hm", "."]
    assert lines[2]["message"]["tool_calls"] == [{"function": {"name": "search", "arguments": {"q": "x"}}}]
    assert (lines[3]["done"], lines[3]["prompt_eval_count"], lines[3]["eval_count"]) == (True, 5, 7)
    provider.reply = FakeReply(parts=parts, fail_after=2, error_message="boom")
    assert post(provider, "/api/chat").text.splitlines()[2:] == ['{"error": "boom"}']
    provider.reply = FakeReply(parts=[FakeText(["Hi"])], finish_reason="length")
    assert json.loads(post(provider, "/api/chat").text.splitlines()[-1])["done_reason"] == "length"
