"""The demo's conversation state: per-browser sessions, their history, and one-time stream ids.

htmx 2's EventSource can only GET, so the chat form POSTs the question, which is stored here
under an unguessable id bound to the session, and the page then GETs ``/chat/stream/{id}``:
the question never appears in a URL or a log line. This in-process store is the stand-in for
the library's stream registry (issue 6); the routes only use ``create``/``claim``/``stop``.
"""

from __future__ import annotations

import re
import secrets
from collections import OrderedDict
from dataclasses import dataclass, field

from fastapi_fragments import Document, Message

#: Turn ids the htmx 4 page makes up in the browser must look like ours (they become element ids).
TURN_ID = re.compile(r"^t[a-z0-9]{4,32}$")
#: Conversations kept at once; the oldest session is forgotten first.
MAX_SESSIONS = 1000
#: Messages of history sent to the model (the page itself keeps every turn).
MAX_HISTORY = 10


def new_turn_id() -> str:
    """A fresh element id for one question/answer turn."""
    return "t" + secrets.token_hex(6)


@dataclass
class Turn:
    """One question and its answer, as the templates see it.

    ``stopped`` is flipped by the Stop route while the answer streams; the token loop checks it
    and the final render shows "Stopped". ``expired`` marks a stream id that was unknown or used.
    """

    id: str
    question: str
    documents: list[Document] = field(default_factory=list)
    history: list[Message] = field(default_factory=list)
    stream_url: str = ""
    stop_url: str = ""
    stopped: bool = False
    expired: bool = False


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


class PendingStreams:
    """One-time stream ids: ``create`` after the POST, ``claim`` by the GET, ``stop`` by the Stop button."""

    def __init__(self) -> None:
        self._pending: dict[str, tuple[str, Turn]] = {}
        self._running: dict[str, tuple[str, Turn]] = {}

    def create(self, session: str, turn: Turn) -> str:
        stream_id = secrets.token_urlsafe(24)
        self._pending[stream_id] = (session, turn)
        return stream_id

    def claim(self, stream_id: str, session: str | None) -> Turn | None:
        """The turn to stream, once; None for an unknown, used or foreign id."""
        entry = self._pending.get(stream_id)
        if entry is None or entry[0] != session:
            return None
        del self._pending[stream_id]
        self._running[stream_id] = entry
        return entry[1]

    def finish(self, stream_id: str) -> None:
        self._running.pop(stream_id, None)

    def stop(self, stream_id: str, session: str | None) -> bool:
        entry = self._running.get(stream_id) or self._pending.get(stream_id)
        if entry is None or entry[0] != session:
            return False
        entry[1].stopped = True
        return True
