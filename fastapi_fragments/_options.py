"""The keyword options of ``FragmentStreamResponse``: their types, and the deprecated flat dialect options.

Every option a route passes overrides the :class:`~._config.StreamConfig` field of the same name
(the middleware's, or the one given as ``config=``). The seven flat dialect options of 0.1
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
from ._hooks import ErrorHook
from ._types import TextHook

__all__ = ("FLAT_DIALECT_OPTIONS", "SSEOptions", "StreamOptions", "fold_flat_dialect_options")


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


def fold_flat_dialect_options(config: StreamConfig, options: dict[str, Any]) -> StreamConfig:
    """``config`` with the deprecated flat dialect options popped from ``options`` set on its dialect objects."""
    flat = {name: options.pop(name) for name in FLAT_DIALECT_OPTIONS if name in options}
    if not flat:
        return config
    names = ", ".join(f"{name}=" for name in flat)
    warnings.warn(
        f"{names} is deprecated: set it on the dialect objects, e.g. htmx2=HTMX2(fragment_event=...), "
        "htmx4=HTMX4(target=...), datastar=Datastar(target=...), or once in StreamConfig",
        DeprecationWarning,
        stacklevel=4,
    )
    dialects: dict[str, Any] = {"htmx2": config.htmx2, "htmx4": config.htmx4, "datastar": config.datastar}
    for name, value in flat.items():
        for dialect in FLAT_DIALECT_OPTIONS[name]:
            dialects[dialect] = dataclasses.replace(dialects[dialect], **{name: value})
    return dataclasses.replace(config, **dialects)
