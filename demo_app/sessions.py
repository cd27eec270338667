"""The demo's conversation state: per-browser sessions and their history, and the turn being answered.

The streams themselves (ids, resume, Stop) are the library's ``StreamRegistry``; the session id
here is the owner it binds each stream to.
"""

from __future__ import annotations

import re
import secrets
from collections import OrderedDict
from dataclasses import dataclass, field

from fastapi_fragments import Document, Message

from .retriever import Search

#: Turn ids the htmx 4 page makes up in the browser must look like ours (they become element ids).
TURN_ID = re.compile(r"^t[a-z0-9]{4,32}$")
#: Conversations kept at once; the oldest session is forgotten first.
MAX_SESSIONS = 1000
#: Messages of history sent to the model (the page itself keeps every turn).
MAX_HISTORY = 10


def new_turn_id() -> str:
    """A fresh element id for one question/answer turn."""
    return "t" + secrets.token_hex(6)


@dataclass(frozen=True)
class Turn:
    """One question being answered, as the templates see it (``id`` prefixes its element ids), and its search."""

    id: str
    question: str
    search: Search
    history: list[Message] = field(default_factory=list)

    @property
    def documents(self) -> list[Document]:
        """The pages the search kept: the answer's sources."""
        return self.search.documents


class Conversations:
    """Sessions (a random cookie value) and each one's message history, bounded in both directions."""

    def __init__(self) -> None:
        self._histories: OrderedDict[str, list[Message]] = OrderedDict()

    def new_session(self) -> str:
        session = secrets.token_urlsafe(18)
        self._histories[session] = []
        while len(self._histories) > MAX_SESSIONS:
            self._histories.popitem(last=False)
        return session

    def known(self, session: str | None) -> bool:
        return session is not None and session in self._histories

    def history(self, session: str) -> list[Message]:
        return list(self._histories.get(session, [])[-MAX_HISTORY:])

    def record(self, session: str, question: str, answer: str) -> None:
        if session in self._histories:
            self._histories[session] += [
                {"role": "user", "content": question},
                {"role": "assistant", "content": answer},
            ]
            del self._histories[session][:-MAX_HISTORY]
