"""What the registry does while its store (Redis) is unreachable.

Running answers ride out an outage of up to ``outage_window`` seconds (:class:`Outage` keeps
the clock): the producer keeps generating and publishes its latest snapshot once the store
answers again, and followers keep their connection open and re-follow, so readers see a pause.
Past the window both give up, and followers end with the text they showed plus a notice.

A new question cannot start without the store (the stream must be findable from any worker),
so it gets a notice the page can show instead of a bare 500: htmx 2 swaps only 2xx answers
(its default ``responseHandling``), so htmx 2 requests get 200; htmx 4 swaps 4xx/5xx by
default, and other clients should see the truth, so they get 503. Every refusal carries
``Retry-After``.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import HTMLResponse

from .._detection import detect_dialect

__all__ = ("RETRY_INTERVAL", "Outage", "unavailable")

#: Seconds between attempts to reach the store again during an outage.
RETRY_INTERVAL = 0.2

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


class Outage:
    """The clock of one store outage as one task (a producer or a follower) sees it."""

    def __init__(self, window: float, what: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self.since: float | None = None
        self._what = what
        self._clock = clock

    @property
    def over(self) -> bool:
        """True once an outage has outlasted the window."""
        return self.since is not None and self._clock() - self.since > self.window

    def failed(self, error: BaseException) -> bool:
        """Note a failed store call; True while the outage is still within the window (keep going)."""
        now = self._clock()
        if self.since is None:
            self.since = now
            logger.warning("%s: the store is unreachable (%s: %s); riding it out for up to %s s",
                           self._what, type(error).__name__, error, self.window)  # fmt: skip
        if now - self.since <= self.window:
            return True
        logger.error("%s: the store has been unreachable for %.1f s; giving up", self._what, now - self.since)
        return False

    def recovered(self) -> None:
        """Note a store call that worked: the outage, if any, is over."""
        if self.since is not None:
            logger.warning("%s: the store is back after %.1f s", self._what, self._clock() - self.since)
            self.since = None
