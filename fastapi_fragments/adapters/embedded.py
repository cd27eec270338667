"""A local stand-in LLM: no network, no key, a reproducible answer streamed at a human pace.

:class:`EmbeddedLLM` writes a markdown answer out of the documents it is given (RAG): the
sentences that share the most words with the question, joined by connective phrases, a short
list of key points and a ``[n]`` citation per source. It quotes the question once, so whatever
the user typed (``<script>`` included) comes back in model output, as with a real model.

Divergences from a real client, on purpose:

* ``system`` is accepted and ignored; ``history`` only changes the opening phrase.
* The same prompt and documents always give the same text and the same pacing: the random
  generator is seeded from a SHA-256 of both (not ``hash()``, which changes per process).
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from collections.abc import AsyncIterator, Sequence

import anyio

from fastapi_fragments.adapters._base import Adapter
from fastapi_fragments.adapters._client import Document, Message

__all__ = ("EmbeddedLLM",)

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[a-z0-9]+")
_TOKEN = re.compile(r"\s*\S+|\s+")
_MARKDOWN_LINE = re.compile(r"^\s*(?:#+|[-*+]|\d+\.)\s+")
# fmt: off
_STOPWORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "do", "does", "for", "from", "how", "i", "if",
    "in", "is", "it", "its", "me", "my", "of", "on", "or", "so", "that", "the", "their", "then", "there", "this",
    "to", "was", "what", "when", "where", "which", "who", "why", "will", "with", "you", "your",
})
# fmt: on
_OPENINGS = ("Here is what the documentation says.", "Good question.", "Short answer first, details below.")
_FOLLOW_UPS = ("Following up on that.", "Building on the previous answer.")
# A colon lets the quoted sentence keep its capital letter ("Kestrel", "Concurrency keys ...").
_CONNECTIVES = ("In addition:", "Also worth knowing:", "On a related note:", "Related to this:", "Note also:")
#: Word pieces longer than this are split in two, roughly like a sub-word tokenizer.
_MAX_PIECE = 8


def _words(text: str) -> set[str]:
    return {w.rstrip("s") for w in _WORD.findall(text.lower()) if w not in _STOPWORDS and len(w) > 2}


def _sentences(text: str) -> list[str]:
    """The prose sentences of a markdown document: headings dropped, list markers stripped."""
    lines = [_MARKDOWN_LINE.sub("", line) for line in text.splitlines() if not line.lstrip().startswith("#")]
    prose = " ".join(line.strip() for line in lines if line.strip() and not line.strip().startswith("```"))
    return [s.strip() for s in _SENTENCE_END.split(prose) if len(s.split()) >= 4]


def _ranked(question: str, document: Document) -> list[str]:
    """The document's sentences, most overlap with the question first; ties keep document order."""
    wanted = _words(question)
    sentences = _sentences(document.text)
    return sorted(sentences, key=lambda s: -len(wanted & _words(s)))


def _compose_answer(prompt: str, documents: Sequence[Document], rng: random.Random, *, follow_up: bool) -> str:
    """Write the whole markdown answer (the stream then paces it out)."""
    opening = rng.choice(_FOLLOW_UPS if follow_up else _OPENINGS)
    quoted = " ".join(prompt.split())
    if not documents:
        return (
            f'{opening} You asked: "{quoted}"\n\n'
            "I could not find anything about this in the documentation, so I would rather not guess. "
            "Try rephrasing the question with the name of a feature or a setting."
        )
    ranked = [_ranked(prompt, doc) for doc in documents]
    lead = ranked[0][0] if ranked[0] else documents[0].title
    parts = [f'{opening} You asked: "{quoted}"\n\nThe *{documents[0].title}* page says: {lead} [1]']
    for number, sentences in enumerate(ranked[1:], start=2):
        if sentences:
            parts.append(f" {rng.choice(_CONNECTIVES)} {sentences[0]} [{number}]")
    points = [(n, s[1]) for n, s in enumerate(ranked, start=1) if len(s) > 1]
    if points:
        parts.append("\n\n**Key points:**\n")
        parts.extend(f"\n- {sentence} [{number}]" for number, sentence in points[:4])
    sources = ", ".join(f"[{n}] *{doc.title}*" for n, doc in enumerate(documents, start=1))
    parts.append(f"\n\nSources: {sources}.")
    return "".join(parts)


def _split_tokens(text: str) -> list[str]:
    """Cut ``text`` into word pieces that keep their leading whitespace; ``"".join`` gives ``text`` back."""
    pieces: list[str] = []
    for token in _TOKEN.findall(text):
        while len(token.strip()) > _MAX_PIECE:
            cut = len(token) - len(token.lstrip()) + _MAX_PIECE // 2 + 1
            pieces.append(token[:cut])
            token = token[cut:]
        pieces.append(token)
    return pieces


class EmbeddedLLM(Adapter):
    """A deterministic local LLM for demos and tests; implements :class:`fastapi_fragments.LLMClient`.

    ``stream()`` does nothing until iterated, and closing its iterator stops it at once.

    :param tokens_per_second: average pace of the stream; ``math.inf`` streams without pausing.
    :param first_token_delay: seconds before the first token, like a real model's time to first token.
    :param jitter: how much each pause varies around the average, as a fraction (0 = metronome).
    :raises ValueError: if ``tokens_per_second`` is not positive, or a delay or the jitter is out of range.

    Example::

        llm = EmbeddedLLM(tokens_per_second=30)
        docs = [Document(title="Retries", text="Failed jobs are retried three times.", id="retries")]
        async for piece in llm.stream("How often are jobs retried?", documents=docs):
            print(piece, end="")
    """

    def __init__(self, *, tokens_per_second: float = 30.0, first_token_delay: float = 0.3, jitter: float = 0.4) -> None:
        if not tokens_per_second > 0:
            raise ValueError(f"tokens_per_second must be > 0, got {tokens_per_second!r}")
        if first_token_delay < 0:
            raise ValueError(f"first_token_delay must be >= 0, got {first_token_delay!r}")
        if not 0 <= jitter < 1:
            raise ValueError(f"jitter must be in [0, 1), got {jitter!r}")
        self.tokens_per_second = tokens_per_second
        self.first_token_delay = first_token_delay
        self.jitter = jitter

    def __repr__(self) -> str:
        return (
            f"EmbeddedLLM(tokens_per_second={self.tokens_per_second!r}, "
            f"first_token_delay={self.first_token_delay!r}, jitter={self.jitter!r})"
        )

    @staticmethod
    def tokenize(text: str) -> list[str]:
        """The word pieces this model cuts ``text`` into: what it streams, one per delta, and what it would count
        as tokens. ``"".join(EmbeddedLLM.tokenize(text)) == text``.

        Example::

            EmbeddedLLM.tokenize("Failed jobs are retried.")  # ['Failed', ' jobs', ' are', ' retried.']
        """
        return _split_tokens(text)

    def _source(
        self, prompt: str, history: Sequence[Message], system: str | None, documents: Sequence[Document]
    ) -> AsyncIterator[str]:
        key = "\0".join([prompt, *(doc.id or doc.title for doc in documents)])
        seed = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
        follow_up = any(message["role"] == "assistant" for message in history)
        return self._paced(prompt, documents, random.Random(seed), follow_up)

    async def _paced(
        self, prompt: str, documents: Sequence[Document], rng: random.Random, follow_up: bool
    ) -> AsyncIterator[str]:
        tokens = _split_tokens(_compose_answer(prompt, documents, rng, follow_up=follow_up))
        await anyio.sleep(self.first_token_delay)
        interval = 0.0 if math.isinf(self.tokens_per_second) else 1.0 / self.tokens_per_second
        for index, token in enumerate(tokens):
            if index:
                await anyio.sleep(interval * (1 + self.jitter * rng.uniform(-1, 1)))
            yield token
