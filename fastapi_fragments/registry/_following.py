"""What a follower of a registry stream receives: the store's snapshots as updates, through the same sender.

The store holds dialect-neutral snapshots (``{"sources": html, "response": html}``, and a
multi-part stream's part blocks, sent only when they changed), so one
stream can be followed by an htmx 2 EventSource, an htmx 4 ``hx-sse:connect`` and Datastar at
once: a :class:`Follower` is a producer whose source is the store, written to the same HTTP sink
(``_wire.Sender``) as a ``FragmentStreamResponse``, with the same ending. A final frame that did
not end normally gets a notice appended here, so even the partial answer of a dead worker
(which rendered nothing more) says why it stops.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from contextlib import aclosing
from typing import Any

import anyio

from .._closing import close_quietly
from .._hooks import Hooks
from .._pace import Coalescer
from .._produce import Producer
from .._updates import SOURCES, Part, Replace, Update
from ..stores import Frame, Store
from ._outages import RETRY_INTERVAL, Outage

__all__ = ("DEFAULT_NOTICES", "Follower", "follow_updates", "last_event_id", "owns")

logger = logging.getLogger("fastapi_fragments")


def _notice(status: str, text: str) -> str:
    role = "alert" if status in ("busy", "interrupted", "unavailable") else "status"
    return f'<p class="fragments-notice" data-status="{status}" role="{role}">{text}</p>'


#: HTML appended to a final frame per end status, and sent for unknown ids and refused starts.
DEFAULT_NOTICES: Mapping[str, str] = {
    "stopped": _notice("stopped", "Stopped."),
    "timeout": _notice("timeout", "The answer took too long and was cut short."),
    "abandoned": _notice("abandoned", "The answer was cancelled because nobody was reading it."),
    "interrupted": _notice("interrupted", "The answer was interrupted. Please ask again."),
    "unknown": _notice("unknown", "This answer is no longer available. Please ask again."),
    "busy": _notice("busy", "Too many answers are being written for you. Please wait for one to finish."),
    "unavailable": _notice("unavailable", "The service is busy right now. Please try again in a few seconds."),
}


def last_event_id(headers: Mapping[str, str]) -> int:
    """The ``Last-Event-ID`` a reconnecting client sends; 0 when absent or not one of our sequence numbers."""
    value = headers.get("last-event-id", "")
    return int(value) if value.isdigit() and len(value) < 18 else 0


async def owns(store: Store, stream_id: str, owner: str | None) -> bool:
    """True when ``stream_id`` exists and belongs to ``owner`` (compared in constant time)."""
    record = await store.get(stream_id)
    return record is not None and owner is not None and secrets.compare_digest(record.owner, owner)


class Follower(Producer):
    """A registry stream followed by one client: :func:`follow_updates` as a producer's source.

    Updates that wait for a slow client are kept one per part, the newest winning. A shutdown
    of this server closes the connection without ``done``: the answer goes on (maybe on another
    worker), and the client reconnects to follow it there.
    """

    ends_on_shutdown = False

    def __init__(self, updates: AsyncIterator[list[Replace]]) -> None:
        super().__init__(Hooks())
        self._updates = updates
        self._pending: dict[Part, Replace] = {}

    async def _run(self, coalescer: Coalescer) -> None:
        async for updates in self._updates:
            for update in updates:
                self._pending[update.part] = update
            if coalescer.changed():
                await coalescer.render()

    async def _render(self, *, final: bool) -> list[Update]:
        pending, self._pending = self._pending, {}
        return list(pending.values())

    async def aclose(self) -> None:
        await close_quietly(self._updates)


async def follow_updates(
    store: Store,
    stream_id: str,
    owner: str | None,
    *,
    after: int,
    notices: Mapping[str, str],
    window: float,
) -> AsyncGenerator[list[Replace], None]:
    """The latest frame newer than ``after`` (the ``Last-Event-ID``) and the live ones, as updates.

    The sources go out once, and only to a client that has seen nothing (``after == 0``). A
    stream that is unknown, ``owner``'s neighbour's, or expires while followed ends with the
    ``unknown`` notice (the producer's ending then sends ``done``). A store outage is a pause for
    up to ``window`` seconds; past it the follower ends with its text and a notice.
    """
    send_sources, final, notice = after == 0, False, notices["unknown"]
    shown: str | None = None  # the answer as the client shows it now, rendered as an end
    parts: dict[str, str] = {}  # each part block's html as this client shows it
    try:
        async with aclosing(_ride_out(store, stream_id, owner, window)) as frames:
            async for frame in frames:
                final, snapshot = frame.final, json.loads(frame.data) if frame.data else {}
                if frame.seq >= after:
                    shown = snapshot.get("ended") or snapshot.get("response") or shown
                if frame.seq > after:
                    ended = frame.final and frame.status in notices  # see _updates
                    yield _part_updates(snapshot, parts, ended) + _updates(frame, snapshot, send_sources, notices)
                    send_sources, after = False, frame.seq
    except Exception:
        # A store outage past the window: end politely with done, or EventSource retries forever.
        notice = notices["interrupted"]
        if shown is None and after:
            # The client shows an answer we never read: a notice alone would replace it.
            logger.warning("stream %s ends without a notice: its text was never read here", stream_id)
            notice = ""
    if not final and (notice or shown):
        yield [Replace((shown or "") + notice, seq=after + 1)]


async def _ride_out(store: Store, stream_id: str, owner: str | None, window: float) -> AsyncGenerator[Frame, None]:
    """``owner``'s stream's frames, following again after a store failure until ``window`` runs out.

    Yields nothing when the stream is unknown or not ``owner``'s; raises the store's error past the window.
    """
    outage = Outage(window, f"a follower of stream {stream_id}")
    owned: bool | None = None
    seq = 0
    while True:
        try:
            if owned is None:
                owned = await owns(store, stream_id, owner)
            if not owned:
                return
            final = False
            async with aclosing(store.follow(stream_id)) as frames:
                async for frame in frames:
                    if frame.seq > seq:  # only news ends an outage: a flapping store still runs out the window
                        outage.recovered()
                        seq = frame.seq
                    final = frame.final
                    yield frame  # after a failure, the store's latest again (the caller skips what it sent)
            if final or not seq:
                return
            # Gone while running: a Redis restarted empty, until the producer creates it again.
            raise LookupError(f"stream {stream_id} is gone from the store")
        except Exception as exc:
            if not outage.failed(exc):
                raise
        await anyio.sleep(RETRY_INTERVAL)


def _part_updates(snapshot: dict[str, Any], shown: dict[str, str], ended: bool) -> list[Replace]:
    """A multi-part stream's part blocks that changed since ``shown`` (``ended``: their render as an end)."""
    updates: list[Replace] = []
    for kind, part in (snapshot.get("parts") or {}).items():
        html = (ended and part.get("ended")) or part["html"]
        if shown.get(kind) != html:
            shown[kind] = html
            updates.append(Replace(html, Part(kind, block=part["block"])))
    return updates


def _updates(frame: Frame, snapshot: dict[str, Any], send_sources: bool, notices: Mapping[str, str]) -> list[Replace]:
    updates: list[Replace] = []
    if send_sources and snapshot.get("sources") is not None:
        updates.append(Replace(snapshot["sources"], SOURCES))
    response = snapshot.get("response")
    if frame.final and frame.status in notices:
        # A store-made end (a dead producer) carries the last running snapshot: show its ``ended``
        # render (streaming False), never the live one with its cursor.
        response = (snapshot.get("ended") or response or "") + notices[frame.status]
    if response is not None:
        updates.append(Replace(response, seq=frame.seq))
    return updates
