"""EmbeddedLLM: a deterministic local model that answers from the documents it is given."""

from __future__ import annotations

import math

import pytest

from fastapi_fragments.adapters._client import Document, LLMClient, Message
from fastapi_fragments.adapters.embedded import EmbeddedLLM

pytestmark = pytest.mark.anyio

DOCS = (
    Document(
        title="Retries",
        text="# Retries\n\nFailed jobs are retried three times with exponential backoff. "
        "Set max_retries per job type to change the number of retries. Jobs that keep failing go to the dead letters.",
        id="retries",
    ),
    Document(
        title="Webhooks",
        text="# Webhooks\n\nA webhook is called when a job fails for good. Each request is signed with a secret.\n\n"
        "- Deliveries are retried five times over an hour.",
        id="webhooks",
    ),
)


def fast() -> EmbeddedLLM:
    return EmbeddedLLM(tokens_per_second=math.inf, first_token_delay=0)


async def answer(llm: LLMClient, prompt: str, **kwargs: object) -> list[str]:
    return [piece async for piece in llm.stream(prompt, **kwargs)]  # type: ignore[arg-type]


async def test_same_prompt_and_documents_give_the_same_answer() -> None:
    first = await answer(fast(), "How many retries?", documents=DOCS)
    second = await answer(fast(), "How many retries?", documents=DOCS)
    other = await answer(fast(), "How are webhooks signed?", documents=DOCS)
    assert first == second
    assert "".join(first) != "".join(other)


async def test_answer_cites_every_document_and_uses_its_sentences() -> None:
    text = "".join(await answer(fast(), "How many times are failed jobs retried?", documents=DOCS))
    assert "Failed jobs are retried three times with exponential backoff." in text
    assert "[1]" in text and "[2]" in text
    assert "*Retries*" in text and "*Webhooks*" in text
    assert "\n- " in text, "expected a short markdown list of key points"


async def test_question_is_quoted_exactly_once_even_with_markup() -> None:
    prompt = "Is <script>window.pwned=1</script> retried?"
    text = "".join(await answer(fast(), prompt, documents=DOCS))
    assert text.count(prompt) == 1


async def test_without_documents_it_says_it_found_nothing() -> None:
    text = "".join(await answer(fast(), "What is the meaning of life?"))
    assert "could not find anything" in text
    assert '"What is the meaning of life?"' in text


async def test_history_changes_only_the_opening() -> None:
    history: list[Message] = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]
    fresh = "".join(await answer(fast(), "How many retries?", documents=DOCS))
    follow = "".join(await answer(fast(), "How many retries?", documents=DOCS, history=history))
    assert follow != fresh
    assert follow.split("You asked:")[1] == fresh.split("You asked:")[1]


async def test_streams_word_pieces_that_keep_their_whitespace() -> None:
    pieces = await answer(fast(), "How many retries?", documents=DOCS)
    assert len(pieces) > 40
    assert all(pieces), "no empty deltas"
    assert any(piece.startswith(" ") for piece in pieces)
    assert max(len(piece.strip()) for piece in pieces) <= 8


async def test_tokenize_cuts_text_as_the_stream_does() -> None:
    pieces = await answer(fast(), "How many retries?", documents=DOCS)
    assert EmbeddedLLM.tokenize("".join(pieces)) == pieces
    assert "".join(EmbeddedLLM.tokenize(DOCS[0].text)) == DOCS[0].text


async def test_closing_the_stream_stops_it() -> None:
    stream = EmbeddedLLM(tokens_per_second=1000, first_token_delay=0).stream("How many retries?", documents=DOCS)
    got = [await anext(stream) for _ in range(3)]
    await stream.aclose()  # type: ignore[attr-defined]
    assert len(got) == 3
    with pytest.raises(StopAsyncIteration):
        await anext(stream)


async def test_paced_stream_yields_the_same_text_as_an_unpaced_one() -> None:
    paced = await answer(EmbeddedLLM(tokens_per_second=5000, first_token_delay=0.01), "retries?", documents=DOCS)
    assert paced == await answer(fast(), "retries?", documents=DOCS)


async def test_is_an_llm_client_and_closes_without_error() -> None:
    llm = EmbeddedLLM()
    assert isinstance(llm, LLMClient)
    await llm.aclose()
    assert "tokens_per_second=30.0" in repr(llm)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tokens_per_second": 0}, "tokens_per_second must be > 0, got 0"),
        ({"tokens_per_second": math.nan}, "tokens_per_second must be > 0, got nan"),
        ({"first_token_delay": -1}, "first_token_delay must be >= 0, got -1"),
        ({"jitter": 1}, r"jitter must be in \[0, 1\), got 1"),
    ],
)
def test_rejects_bad_settings(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        EmbeddedLLM(**kwargs)
