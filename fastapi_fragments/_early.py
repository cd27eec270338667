"""Errors raised before an event stream starts: answered as a stream that ends, never as a 500.

A wrong block name, a missing template or a bad option raises in the route, before the first
byte. For an ordinary request that is an ordinary 500. For an event-stream request it is worse:
htmx 2's sse extension retries a failed EventSource forever (a traceback per try, behind a blank
page), and htmx 4 and Datastar retry network-level failures too. So ``FragmentsMiddleware``
answers an event-stream request whose app raised before starting the response with status 200,
a visible error in the request's dialect, and ``done``: the client shows the message and stops.
The exception is logged with its traceback; the browser sees its details only when the app runs
in debug mode (``FastAPI(debug=True)`` / ``Starlette(debug=True)``: the flag that also makes
Starlette show tracebacks in the browser).
"""

from __future__ import annotations

import logging
import traceback

from markupsafe import escape
from starlette.types import Scope, Send

from ._detection import detect_dialect_in_scope, resolve_dialect
from ._dialects import Datastar, _patch

__all__ = ("EARLY_ERROR_HTML", "answer_early_error", "early_error_html", "wants_event_stream")

logger = logging.getLogger("fastapi_fragments")

#: What the browser shows when the stream could not start; never contains the exception.
EARLY_ERROR_HTML = (
    '<p class="fragments-error" role="alert">Sorry, the answer could not be started. '
    "The server's log has the details.</p>"
)

_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-store, no-transform"),
    (b"x-accel-buffering", b"no"),
]


def wants_event_stream(scope: Scope) -> bool:
    """Whether the request accepts ``text/event-stream`` (EventSource, htmx 4's hx-sse, Datastar)."""
    return any(key == b"accept" and b"text/event-stream" in value for key, value in scope["headers"])


def early_error_html(scope: Scope, exc: BaseException) -> str:
    """The error shown in the page: the polite message, plus the traceback in debug mode."""
    if not getattr(scope.get("app"), "debug", False):
        return EARLY_ERROR_HTML
    details = "".join(traceback.format_exception(exc))
    return f'<div class="fragments-error" role="alert"><p>{escape(str(exc))}</p><pre>{escape(details)}</pre></div>'


async def answer_early_error(scope: Scope, send: Send, exc: BaseException) -> None:
    """Log ``exc`` and answer the request with 200, the error in its dialect, and ``done``.

    The dialects' default event names and targets are used: the failed response never got to
    say which it wanted. Datastar gets the message prepended to ``<body>``, which every page has.
    """
    logger.error("the event stream failed before it started; answering 200 with an error and done", exc_info=exc)
    html = early_error_html(scope, exc)
    dialect = resolve_dialect(detect_dialect_in_scope(scope))
    if isinstance(dialect, Datastar):
        frames = _patch("body", html, None, mode="prepend")
    else:
        frames = dialect.response(html, 1) + dialect.done()
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": b": ok\n\n" + frames, "more_body": False})
