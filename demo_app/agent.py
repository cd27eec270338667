"""The embedded model as an agent that shows its work: it thinks, calls ``search_docs``, answers, counts.

A real reasoning model with a search tool streams its thinking, the tool call, the answer and the
token usage; the demo's offline :class:`~fastapi_fragments.adapters.embedded.EmbeddedLLM` writes
only the answer. :class:`DocsAgent` adds the rest, and only what is true:

* the reasoning says what the answer is made of: the question, the terms BM25 reduced it to, each
  page the search ranked with its real score, the ones the cutoff left out, and how the answer is
  written (the sentences sharing the most words with the question, each page cited by number);
* the ``search_docs`` call's arguments are the query the search ran with, and its result the
  pages it returned. The search runs once, when the question arrives (its pages are the sources
  the page shows first); the call reports that search, it does not run a second one;
* the answer is the embedded model's own stream, unchanged, with a citation for each page whose
  ``[n]`` it wrote;
* the usage counts the model's own word pieces (:meth:`EmbeddedLLM.tokenize`): in, the question,
  the history and the pages it read; out, what it wrote (reasoning included). No invented numbers.

The items have the shape of pydantic-ai's agent stream events (``event_kind`` ``part_start``,
``part_delta``, ``part_end``, ``function_tool_result``, ``agent_run_result``) as plain objects, so
the library's :func:`fastapi_fragments.parts.normaliser_for` reads them without pydantic-ai.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import secrets
from collections.abc import AsyncIterator, Iterable, Sequence
from types import SimpleNamespace
from typing import Any

import anyio

from fastapi_fragments import LLMClient, Message
from fastapi_fragments.adapters.embedded import EmbeddedLLM

from .retriever import Search

__all__ = ("TOOL", "DocsAgent", "answer_items", "reasoning_for", "tool_result")

#: The tool the agent calls.
TOOL = "search_docs"


def _quoted(question: str) -> str:
    return " ".join(question.split())


def reasoning_for(search: Search, *, follow_up: bool = False) -> tuple[str, str]:
    """What the agent thinks before the tool call, and after its result (plain text)."""
    before = [f'The user asks: "{_quoted(search.query)}"']
    if follow_up:
        before.append("It follows an earlier answer in this conversation.")
    if search.terms:
        before.append(f"After dropping stop words and stemming, its search terms are: {', '.join(search.terms)}.")
    else:
        before.append("Every word of it is a stop word, so no search term is left.")
    before.append(f"Calling {TOOL} with the question, over the {search.pages} pages of the docs.")
    kept = [hit for hit in search.hits if hit.kept]
    if not kept:
        after = [f"{TOOL} found no page that matches. I will say so instead of guessing."]
        return "\n".join(before), "\n".join(after)
    after = [f"{TOOL} found {len(kept)} page{'s' if len(kept) > 1 else ''} (BM25 scores, best first):"]
    after += [f"[{n}] {hit.document.title}: {hit.score:.2f}" for n, hit in enumerate(kept, start=1)]
    left = [hit for hit in search.hits if not hit.kept]
    if left:
        scores = ", ".join(f"{hit.document.title}: {hit.score:.2f}" for hit in left)
        after.append(f"Left out, under {search.cutoff:.0%} of the best score: {scores}.")
    after.append(
        "I will answer with the sentences of each page that share the most words with the question, "
        "and cite each page by its number."
    )
    return "\n".join(before), "\n".join(after)


def tool_result(search: Search) -> str:
    """What ``search_docs`` returned: how many pages it kept, and which (their ids, best first)."""
    pages = [doc.id or doc.title for doc in search.documents]
    if not pages:
        return "0 pages"
    return f"{len(pages)} page{'s' if len(pages) > 1 else ''}: {', '.join(pages)}"


def _event(kind: str, **fields: object) -> SimpleNamespace:
    return SimpleNamespace(event_kind=kind, **fields)


def _part(kind: str, **fields: object) -> SimpleNamespace:
    return SimpleNamespace(part_kind=kind, **fields)


def _delta(index: int, kind: str, **fields: object) -> SimpleNamespace:
    return _event("part_delta", index=index, delta=SimpleNamespace(part_delta_kind=kind, **fields))


class DocsAgent:
    """The embedded model with one tool, ``search_docs``; see the module docstring.

    Example::

        agent = DocsAgent(EmbeddedLLM())
        events = agent.run(question, search=retriever.run(question))
        FragmentStreamResponse(events, "answer.html", "response", reasoning_block="reasoning", ...)
    """

    def __init__(self, llm: EmbeddedLLM) -> None:
        self.llm = llm

    def run(self, question: str, *, search: Search, history: Sequence[Message] = ()) -> AsyncIterator[SimpleNamespace]:
        """The agent's stream of events for ``question``, whose search is ``search``; nothing runs until iterated."""
        return self._run(question, search, list(history))

    async def _run(self, question: str, search: Search, history: list[Message]) -> AsyncIterator[SimpleNamespace]:
        tokenize = self.llm.tokenize
        seed = int.from_bytes(hashlib.sha256(f"agent\0{question}".encode()).digest()[:8], "big")
        rng = random.Random(seed)
        before, after = reasoning_for(search, follow_up=any(message["role"] == "assistant" for message in history))
        call = _part("tool-call", tool_name=TOOL, tool_call_id=f"call_{secrets.token_hex(6)}",
                     args=json.dumps({"query": question}, ensure_ascii=False))  # fmt: skip
        documents = search.documents
        read = [question, *(message["content"] for message in history), *(doc.text for doc in documents)]
        thought = len(tokenize(before)) + len(tokenize(after))
        written = thought + len(tokenize(str(call.args)))

        await anyio.sleep(self.llm.first_token_delay)
        # The first model response: it thinks, then calls the tool (the search that ran, see the module docstring).
        async for event in self._written(0, _part("thinking", content=before), rng):
            yield event
        async for event in self._written(1, call, rng):
            yield event
        yield _event("function_tool_call", part=call, args_valid=True)
        result = _part("tool-return", tool_name=TOOL, tool_call_id=call.tool_call_id, content=tool_result(search),
                       outcome="success")  # fmt: skip
        yield _event("function_tool_result", part=result, content=None)
        # The second one: it thinks about the pages, then answers from them.
        async for event in self._written(0, _part("thinking", content=after), rng):
            yield event
        yield _event("part_start", index=1, part=_part("text", content=""))
        text: list[str] = []
        tokens = self.llm.stream(question, history=history, documents=documents)
        try:
            async for token in tokens:
                text.append(token)
                yield _delta(1, "text", content_delta=token)
        finally:  # closed at once when the page stops the answer, as the model's text stream is
            close = getattr(tokens, "aclose", None)
            if close is not None:
                await close()
        answer = "".join(text)
        yield _event("part_end", index=1, part=_part("text", content=answer))
        cited = [
            SimpleNamespace(kind="document", document_id=doc.id or doc.title, title=doc.title, excerpts=[])
            for n, doc in enumerate(documents, start=1)
            if f"[{n}]" in answer
        ]
        if cited:  # pydantic-ai sends a text part's citations in a delta of their own
            yield _delta(1, "text", content_delta="", citations_delta=[SimpleNamespace(sources=cited, anchor=None)])
        usage = SimpleNamespace(
            input_tokens=sum(len(tokenize(part)) for part in read),
            output_tokens=written + len(text),
            details={"reasoning_tokens": thought},
        )
        yield _event(
            "agent_run_result", result=SimpleNamespace(usage=usage, response=_part("response", finish_reason="stop"))
        )

    async def _written(self, index: int, part: SimpleNamespace, rng: random.Random) -> AsyncIterator[SimpleNamespace]:
        """A thinking or tool-call part (``part``, whole) as the model writes it: start, its pieces paced, end."""
        field, delta_field, delta_kind = (
            ("args", "args_delta", "tool_call")
            if part.part_kind == "tool-call"
            else ("content", "content_delta", "thinking")
        )
        yield _event("part_start", index=index, part=SimpleNamespace(**{**vars(part), field: ""}))
        async for piece in self._paced(self.llm.tokenize(getattr(part, field)), rng):
            yield _delta(index, delta_kind, **{delta_field: piece})
        yield _event("part_end", index=index, part=part)

    async def _paced(self, pieces: Iterable[str], rng: random.Random) -> AsyncIterator[str]:
        """``pieces`` at the model's pace (its ``tokens_per_second`` and ``jitter``), as its answer streams."""
        rate, jitter = self.llm.tokens_per_second, self.llm.jitter
        interval = 0.0 if math.isinf(rate) else 1.0 / rate
        for piece in pieces:
            await anyio.sleep(interval * (1 + jitter * rng.uniform(-1, 1)))
            yield piece


def answer_items(llm: LLMClient, question: str, *, search: Search, history: Sequence[Message]) -> AsyncIterator[Any]:
    """What an answer streams from: the embedded model as a :class:`DocsAgent` (all its parts), another
    model's text (its answer only: the demo does not make up a real model's reasoning)."""
    if isinstance(llm, EmbeddedLLM):
        return DocsAgent(llm).run(question, search=search, history=history)
    return llm.stream(question, history=history, documents=search.documents)
