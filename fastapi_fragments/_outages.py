"""What the registry does while its store (Redis) is unreachable.

A new question cannot start without the store (the stream must be findable from any worker),
so it gets a notice the page can show instead of a bare 500: htmx 2 swaps only 2xx answers
(its default ``responseHandling``), so htmx 2 requests get 200; htmx 4 swaps 4xx/5xx by
default, and other clients should see the truth, so they get 503. Every refusal carries
``Retry-After``.
"""

from __future__ import annotations

import logging
import math

from starlette.requests import Request
from starlette.responses import HTMLResponse

from ._dialects import detect_dialect

__all__ = ("unavailable",)

logger = logging.getLogger("fastapi_fragments")


def unavailable(request: Request, html: str, *, retry_after: float, error: BaseException) -> HTMLResponse:
    """The refusal of a request the store could not serve (see the module docstring); logs why."""
    seconds = max(1, math.ceil(retry_after))
    htmx2 = bool(request.headers.get("hx-request")) and detect_dialect(request.headers) == "htmx2"
    status = 200 if htmx2 else 503
    logger.error(
        "the stream store is unreachable (%s: %s); %s %s answered %d with Retry-After: %d",
        type(error).__name__,
        error,
        request.method,
        request.url.path,
        status,
        seconds,
    )
    return HTMLResponse(html, status_code=status, headers={"Retry-After": str(seconds)})
