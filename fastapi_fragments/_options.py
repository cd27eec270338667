"""The options of ``FragmentStreamResponse``: defaults, and the typed keyword arguments it accepts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TypedDict

from starlette.background import BackgroundTask
from starlette.types import Message

from ._dialects import Dialect, DialectName
from ._hooks import ErrorHook
from ._types import TextHook

__all__ = (
    "APPEND_MIN_INTERVAL",
    "MARKDOWN_MIN_INTERVAL",
    "DEFAULT_MAX_BYTES_PER_SECOND",
    "DEFAULT_MIN_INTERVAL",
    "SSEOptions",
    "StreamOptions",
)

#: About one display frame at 60 Hz: re-rendering more often is invisible, less often feels laggy.
DEFAULT_MIN_INTERVAL = 0.016

#: The default for ``mode="append"``: 20 updates a second, half the bytes of 16 ms (its frames
#: carry a few words each, so the SSE framing per frame would dominate).
APPEND_MIN_INTERVAL = 0.05

#: The default for ``mode="markdown"``: 10 updates a second. Besides the framing, every change of
#: inline markup (a bold word closing) re-sends the unfinished block, and re-parses it.
MARKDOWN_MIN_INTERVAL = 0.1

#: Per-stream byte budget that stretches the interval as the rendered block grows (see ``Pace``):
#: a 2 KB render still goes out every ~60 ms, and a 1000-token answer costs ~1/10 of the bytes
#: of rendering every token.
DEFAULT_MAX_BYTES_PER_SECOND = 32_000


class SSEOptions(TypedDict, total=False):
    """sse-starlette options passed through to ``EventSourceResponse``."""

    status_code: int
    headers: Mapping[str, str]
    background: BackgroundTask
    ping: float
    send_timeout: float
    client_close_handler_callable: Callable[[Message], Awaitable[None]]
    shutdown_grace_period: float


class StreamOptions(SSEOptions, total=False):
    """Options shared by ``FragmentStreamResponse(...)`` and ``.from_fragments(...)``.

    ``on_error(exc)`` and ``on_disconnect(text)`` are hooks (sync or async); ``dialect`` forces a
    dialect instead of detecting it per request; the event names configure htmx 2; ``target``,
    ``sources_target`` and ``tail_target`` (markdown mode) are CSS selectors for htmx 4 partials
    and Datastar patches (a target not given is derived from the block name: ``#answer`` and
    ``#answer-tail`` for the block ``answer``; htmx 4 without ``target`` uses the form's).
    ``max_bytes_per_second`` (default 32 000; ``None`` turns it off, and ``min_interval=0``
    ignores it) stretches the interval between renders as the block grows, so a long answer
    does not cost O(n²) bytes.

    Example::

        options: StreamOptions = {"dialect": "htmx4", "sources_target": "#docs", "ping": 5}
        FragmentStreamResponse(tokens, "chat.html", "answer", **options)
    """

    on_error: ErrorHook
    max_bytes_per_second: float | None
    on_disconnect: TextHook
    dialect: Dialect | DialectName
    fragment_event: str
    sources_event: str
    done_event: str
    tail_event: str
    append_event: str
    target: str
    sources_target: str
    tail_target: str
