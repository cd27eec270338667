"""Pick the documents that answer a question: BM25 over the demo's markdown corpus (``bm25s``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import bm25s  # type: ignore[import-untyped]  # ships no type information
import Stemmer  # type: ignore[import-not-found]  # PyStemmer: a C extension without stubs

from fastapi_fragments import Document

CORPUS = Path(__file__).with_name("corpus")


def load_corpus(folder: Path = CORPUS) -> list[Document]:
    """Read every ``*.md`` file in ``folder``; the first ``# heading`` is the title, the file stem the id."""
    documents = []
    for path in sorted(folder.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        title = text.splitlines()[0].lstrip("# ").strip()
        documents.append(Document(title=title, text=text, url=f"/docs/{path.stem}", id=path.stem))
    return documents


@dataclass(frozen=True, slots=True)
class Hit:
    """A document the search ranked, its BM25 score, and whether it scored close enough to the best to be kept."""

    document: Document
    score: float
    kept: bool


@dataclass(frozen=True, slots=True)
class Search:
    """One search as it ran: the query, the terms BM25 matched on, every ranked document with its score.

    ``pages`` is how many documents were searched and ``cutoff`` the fraction of the best score a
    document needs to be kept.
    """

    query: str
    terms: tuple[str, ...]
    hits: tuple[Hit, ...]
    pages: int
    cutoff: float

    @property
    def documents(self) -> list[Document]:
        """The documents kept, best first: the sources of the answer."""
        return [hit.document for hit in self.hits if hit.kept]


class Retriever:
    """BM25 search over a fixed set of documents.

    ``search`` returns at most ``limit`` documents, best first, dropping those that score far below the
    best one, so a precise question gets one or two sources instead of always three; ``run`` says
    the same with the scores.
    """

    def __init__(self, documents: Sequence[Document], *, limit: int = 3, cutoff: float = 0.4) -> None:
        self.documents = list(documents)
        self.limit = min(limit, len(self.documents))
        self.cutoff = cutoff
        # Stemming lets "retries" find "retried"; BM25 alone matches exact words only.
        self._stemmer = Stemmer.Stemmer("english")
        self._index = bm25s.BM25()
        self._index.index(self._tokenize([doc.text for doc in self.documents]), show_progress=False)

    def _tokenize(self, texts: list[str]) -> bm25s.tokenization.Tokenized:
        return bm25s.tokenize(texts, stopwords="en", stemmer=self._stemmer, show_progress=False)

    def run(self, question: str) -> Search:
        """Search for ``question``: the terms it was reduced to, and the ranked documents (scoring above 0)."""
        query = self._tokenize([question])
        names = {index: term for term, index in query.vocab.items()}
        terms = tuple(dict.fromkeys(names[index] for index in query.ids[0]))
        hits: list[Hit] = []
        if terms:
            ranks, scores = self._index.retrieve(query, k=self.limit, show_progress=False)
            best = float(scores[0][0])
            for rank, value in zip(ranks[0], scores[0], strict=True):
                score = float(value)
                if score > 0:
                    hits.append(Hit(self.documents[int(rank)], score, score >= best * self.cutoff))
        return Search(question, terms, tuple(hits), len(self.documents), self.cutoff)

    def search(self, question: str) -> list[Document]:
        """The documents relevant to ``question``, best first (possibly none)."""
        return self.run(question).documents

    def get(self, doc_id: str) -> Document | None:
        """The document with id ``doc_id``, if any."""
        return next((doc for doc in self.documents if doc.id == doc_id), None)
