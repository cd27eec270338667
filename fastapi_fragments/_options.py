"""The keyword options of ``FragmentStreamResponse``: their types, ``RouteConfig``, the deprecated flat ones.

Every option a route passes overrides the :class:`~._config.StreamConfig` field of the same name
(the middleware's, or the one given as ``config=``): :class:`RouteConfig` keeps what the route
passed until the request's scope shows the app's configuration. The seven flat dialect options of 0.1
(``fragment_event=``, ``target=``, ...) still work for one release, with a ``DeprecationWarning``:
they are folded into the dialect objects, which are now the one way to set them.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypedDict

from starlette.background import BackgroundTask
from starlette.types import Message

from ._config import StreamConfig
from ._dialects import HTMX2, HTMX4, Datastar, Dialect, DialectName
from ._exceptions import ConfigurationError
from ._hooks import ErrorHook
from ._types import Templates, TextHook

__all__ = ("CONFIG_OPTIONS", "FLAT_DIALECT_OPTIONS", "RouteConfig", "SSEOptions", "StreamOptions")


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
    """Options shared by ``FragmentStreamResponse(...)`` and ``.from_fragments(...)``; see ``StreamConfig``.

    ``on_error(exc)`` and ``on_disconnect(text)`` are hooks (sync or async); ``dialect`` forces a
    dialect instead of detecting it per request; ``htmx2``, ``htmx4`` and ``datastar`` are the
    dialect objects (event names, CSS targets) used when that frontend is detected.
    ``max_bytes_per_second`` (default 32 000; ``None`` turns it off, and ``min_interval=0``
    ignores it) stretches the interval between renders as the block grows, so a long answer
    does not cost O(n²) bytes.

    Example::

        options: StreamOptions = {"dialect": "htmx4", "htmx4": HTMX4(sources_target="#docs"), "ping": 5}
        FragmentStreamResponse(tokens, "chat.html", "answer", **options)
    """

    on_error: ErrorHook
    max_bytes_per_second: float | None
    on_disconnect: TextHook
    dialect: Dialect | DialectName
    htmx2: HTMX2
    htmx4: HTMX4
    datastar: Datastar
    # Deprecated: set these on the dialect objects (htmx2=HTMX2(fragment_event=...), ...).
    fragment_event: str
    sources_event: str
    done_event: str
    tail_event: str
    append_event: str
    target: str
    sources_target: str
    tail_target: str


#: The flat option -> the dialect objects' fields it used to set.
FLAT_DIALECT_OPTIONS: Mapping[str, tuple[str, ...]] = {
    "fragment_event": ("htmx2",),
    "sources_event": ("htmx2",),
    "tail_event": ("htmx2",),
    "append_event": ("htmx2",),
    "done_event": ("htmx2", "htmx4"),
    "target": ("htmx4", "datastar"),
    "sources_target": ("htmx4", "datastar"),
    "tail_target": ("htmx4", "datastar"),
}


#: The keyword options that override the ``StreamConfig`` field of the same name: every field but
#: the three the constructor names explicitly.
CONFIG_OPTIONS = tuple(
    field.name
    for field in dataclasses.fields(StreamConfig)
    if field.name not in ("templates", "min_interval", "on_complete")
)

#: What a response starts from when neither the route nor the app gives a configuration.
_DEFAULTS = StreamConfig()


class RouteConfig:
    """What a route asked of one response's configuration: its ``config=`` and the options laid over it.

    Checked when the route passes them (:meth:`over` with no app's configuration); :meth:`over`
    the app's, once the request's scope carries it, gives the configuration the stream runs with.

    :raises ConfigurationError: for a ``config`` that is not a ``StreamConfig``.
    """

    __slots__ = ("config", "flat", "given")

    def __init__(
        self,
        config: StreamConfig | None,
        templates: Templates | None,
        min_interval: float | None,
        on_complete: TextHook | None,
        options: dict[str, Any],
    ) -> None:
        if config is not None and not isinstance(config, StreamConfig):
            raise ConfigurationError(f"config must be a StreamConfig, got {config!r}")
        given = {name: options[name] for name in CONFIG_OPTIONS if name in options}
        for name, value in (("templates", templates), ("min_interval", min_interval), ("on_complete", on_complete)):
            if value is not None:
                given[name] = value
        self.config = config
        self.given = given
        self.flat = _pop_flat_dialect_options(options)

    def over(self, app: StreamConfig | None) -> StreamConfig:
        """The route's ``config=`` (else ``app``, the middleware's, else the defaults) with its options on top.

        The app's templates fill in for a ``config=`` without any, as its request would.
        """
        base = self.config if self.config is not None else app if app is not None else _DEFAULTS
        config = _fold_flat_dialect_options(base.merged(self.given), self.flat)
        if config.templates is None and app is not None:
            config = dataclasses.replace(config, templates=app.templates)
        return config


def _pop_flat_dialect_options(options: dict[str, Any]) -> dict[str, Any]:
    """The deprecated flat dialect options, popped from ``options``, with their warning (aimed at the route)."""
    flat = {name: options.pop(name) for name in FLAT_DIALECT_OPTIONS if name in options}
    if flat:
        names = ", ".join(f"{name}=" for name in flat)
        warnings.warn(
            f"{names} is deprecated: set it on the dialect objects, e.g. htmx2=HTMX2(fragment_event=...), "
            "htmx4=HTMX4(target=...), datastar=Datastar(target=...), or once in StreamConfig",
            DeprecationWarning,
            stacklevel=4,
        )
    return flat


def _fold_flat_dialect_options(config: StreamConfig, flat: Mapping[str, Any]) -> StreamConfig:
    """``config`` with the flat dialect options set on its dialect objects."""
    if not flat:
        return config
    dialects: dict[str, Any] = {"htmx2": config.htmx2, "htmx4": config.htmx4, "datastar": config.datastar}
    for name, value in flat.items():
        for dialect in FLAT_DIALECT_OPTIONS[name]:
            dialects[dialect] = dataclasses.replace(dialects[dialect], **{name: value})
    return dataclasses.replace(config, **dialects)
