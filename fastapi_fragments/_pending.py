"""``PendingStream``: what a response streams, held from the route to ``__call__``.

The app's configuration arrives with the request (``FragmentsMiddleware`` puts it in the scope),
after the route has built its response. So the response keeps what the route asked for (its
``config=`` and options, a :class:`~._options.RouteConfig`) and how to build its producer from
a configuration and the request; ``__call__`` builds it once the scope shows the app's.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable
from typing import Any

from starlette.requests import Request

from ._config import StreamConfig
from ._fragment import Fragment, FragmentProducer
from ._options import RouteConfig
from ._plan import require_templates
from ._produce import Producer

__all__ = ("Build", "PendingStream", "fragment_producer")

#: Builds a response's producer from its configuration and, under the middleware, the request.
Build = Callable[[StreamConfig, Request | None], Producer]


class PendingStream:
    """A response's stream before the app's configuration is known: the route's, and how to build it.

    :param tokens: the source to close if the stream cannot start (None for fragments, followers).
    :param parts: whether it is a multi-part stream (its dialect must speak parts).
    """

    __slots__ = ("block_name", "build", "mode", "parts", "route", "tokens")

    def __init__(
        self,
        route: RouteConfig,
        build: Build,
        block_name: str = "response",
        mode: str = "replace",
        tokens: Any = None,
        *,
        parts: bool = False,
    ) -> None:
        self.route, self.build, self.block_name, self.mode = route, build, block_name, mode
        self.tokens, self.parts = tokens, parts


def fragment_producer(
    fragments: AsyncIterable[Fragment],
    sources_block: str | None,
    error_block: str | None,
    context_key: str,
    config: StreamConfig,
    request: Request | None,
) -> Producer:
    """``from_fragments``' producer (its fragments are rendered already: ``request`` is not needed)."""
    return FragmentProducer(
        fragments, require_templates(config.templates), config.hooks(), sources_block=sources_block,
        error_block=error_block, context_key=context_key,
    )  # fmt: skip
