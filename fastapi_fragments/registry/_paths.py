"""The paths a scaffold points its page at: the stream to follow and its Stop."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import NoMatchFound

from .._exceptions import ConfigurationError

__all__ = ("path_for",)


def path_for(request: Request, route: str, stream_id: str) -> str:
    """The path of the route named ``route`` for ``stream_id``.

    Only the path: an absolute URL built behind a TLS proxy would say http:// (mixed content).

    :raises ConfigurationError: when the app has no such route (``registry.routes()`` not added).
    """
    try:
        return request.url_for(route, stream_id=stream_id).path
    except NoMatchFound as exc:
        raise ConfigurationError(
            f"no route named {route!r} with a stream_id parameter: add registry.routes() to the app"
        ) from exc
