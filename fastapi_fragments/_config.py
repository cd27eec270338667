"""``StreamConfig``: what every stream of an app shares, configured once, checked once.

One frozen value holds the templates, the dialect objects, the pacing, the pings and the hooks.
``FragmentsMiddleware(app, config=...)`` puts it in each request's scope; a ``FragmentStreamResponse``
the app returns starts from it when it is called, and a keyword the route passes overrides the
field of the same name (``FragmentStreamResponse(..., min_interval=0)``). Every number is
checked here, where it is given, with an error that names it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from ._detection import resolve_dialect
from ._dialects import HTMX2, HTMX4, Datastar, Dialect, DialectName
from ._exceptions import ConfigurationError
from ._hooks import NO_HOOKS, ErrorHook, Hooks
from ._types import Templates, TextHook

__all__ = (
    "APPEND_MIN_INTERVAL",
    "DEFAULT_MAX_BYTES_PER_SECOND",
    "DEFAULT_MIN_INTERVAL",
    "MARKDOWN_MIN_INTERVAL",
    "StreamConfig",
)

#: About one display frame at 60 Hz: re-rendering more often is invisible, less often feels laggy.
DEFAULT_MIN_INTERVAL = 0.016

#: The default for ``mode="append"``: 10 updates a second, as markdown's. Its frames carry a few
#: words each, so the SSE framing per frame dominates: at 20 a second it weighed as much as the
#: text, and with the whole answer as the last frame an answer cost 3.3x its final HTML (2.9x now).
APPEND_MIN_INTERVAL = 0.1

#: The default for ``mode="markdown"``: 10 updates a second. Besides the framing, every change of
#: inline markup (a bold word closing) re-sends the unfinished block, and re-parses it.
MARKDOWN_MIN_INTERVAL = 0.1

#: Per-stream byte budget that stretches the interval as the rendered block grows (see ``Pace``):
#: a 2 KB render still goes out every ~60 ms, and a 1000-token answer costs ~1/10 of the bytes
#: of rendering every token.
DEFAULT_MAX_BYTES_PER_SECOND = 32_000

_MODE_INTERVALS = {"append": APPEND_MIN_INTERVAL, "markdown": MARKDOWN_MIN_INTERVAL}


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamConfig:
    """The options every stream of an app shares; give it to ``FragmentsMiddleware``, override per route.

    :param templates: a ``Jinja2Templates`` or ``jinja2.Environment``.
    :param dialect: force one dialect (``"htmx2"``, ``"htmx4"``, ``"datastar"`` or a ``Dialect``);
        by default each request's is detected from its headers.
    :param htmx2, htmx4, datastar: the dialect objects used for each frontend: event names, CSS
        targets. A target left as None is derived from the block a route renders (``#answer`` for
        the block ``answer``).
    :param min_interval: seconds between renders; None: 16 ms, 100 ms in append mode and in
        markdown mode. ``0`` renders every step for a client that keeps up.
    :param max_bytes_per_second: stretches the interval as the block grows, so a long answer does
        not cost O(n²) bytes; None turns it off (and ``min_interval=0`` ignores it).
    :param ping: seconds between keep-alive comments (0: none).
    :param send_timeout: seconds a send may wait for a client that stopped reading (None: forever).
    :param shutdown_grace_period: seconds the final frames may take once the server shuts down.
    :param on_complete, on_error, on_disconnect: the hooks (sync or async): the final text, the
        exception of a failed stream, the text of one cut short.
    :raises ConfigurationError: for a value that cannot work, naming it.

    Example::

        config = StreamConfig(templates=templates, htmx2=HTMX2(fragment_event="answer"), ping=5)
        app.add_middleware(FragmentsMiddleware, config=config)
    """

    templates: Templates | None = None
    dialect: Dialect | DialectName | None = None
    htmx2: HTMX2 = field(default_factory=HTMX2)
    htmx4: HTMX4 = field(default_factory=HTMX4)
    datastar: Datastar = field(default_factory=Datastar)
    min_interval: float | None = None
    max_bytes_per_second: float | None = DEFAULT_MAX_BYTES_PER_SECOND
    ping: float = 15.0
    send_timeout: float | None = None
    shutdown_grace_period: float = 1.0
    on_complete: TextHook | None = None
    on_error: ErrorHook | None = None
    on_disconnect: TextHook | None = None

    def __post_init__(self) -> None:
        _seconds("min_interval", self.min_interval, optional=True)
        _seconds("ping", self.ping)
        _seconds("shutdown_grace_period", self.shutdown_grace_period)
        _seconds("send_timeout", self.send_timeout, optional=True, positive=True)
        _seconds("max_bytes_per_second", self.max_bytes_per_second, optional=True, positive=True)
        for name, kind in (("htmx2", HTMX2), ("htmx4", HTMX4), ("datastar", Datastar)):
            if not isinstance(getattr(self, name), kind):
                raise ConfigurationError(f"{name} must be a {kind.__name__}(...), got {getattr(self, name)!r}")
        if isinstance(self.dialect, str):
            resolve_dialect(self.dialect)  # raises the ConfigurationError naming the choices
        for name in ("on_complete", "on_error", "on_disconnect"):
            hook = getattr(self, name)
            if hook is not None and not callable(hook):
                raise ConfigurationError(f"{name} must be callable, got {hook!r}")

    def merged(self, overrides: Mapping[str, Any]) -> StreamConfig:
        """This configuration with ``overrides`` (by field name) applied, checked again."""
        return dataclasses.replace(self, **overrides) if overrides else self

    def hooks(self) -> Hooks:
        """The three hooks, as a stream calls them."""
        if self.on_complete is None and self.on_error is None and self.on_disconnect is None:
            return NO_HOOKS
        return Hooks(self.on_complete, self.on_error, self.on_disconnect)

    def interval_for(self, mode: str) -> float:
        """``min_interval``, or the text mode's default."""
        if self.min_interval is not None:
            return float(self.min_interval)
        return _MODE_INTERVALS.get(mode, DEFAULT_MIN_INTERVAL)

    def dialects_for(self, block_name: str) -> Mapping[str, Dialect]:
        """The dialects a response of ``block_name`` can speak, by name, their targets derived from the block."""
        return _dialects(self.htmx2, self.htmx4, self.datastar, block_name)

    def forced_dialect(self, block_name: str) -> Dialect | None:
        """The dialect every request gets, when one is forced."""
        if self.dialect is None:
            return None
        if isinstance(self.dialect, str):
            return self.dialects_for(block_name)[self.dialect]
        return self.dialect.for_block(block_name) if isinstance(self.dialect, HTMX4 | Datastar) else self.dialect


@lru_cache(maxsize=64)
def _dialects(htmx2: HTMX2, htmx4: HTMX4, datastar: Datastar, block_name: str) -> Mapping[str, Dialect]:
    return MappingProxyType(
        {"htmx2": htmx2, "htmx4": htmx4.for_block(block_name), "datastar": datastar.for_block(block_name)}
    )


def _seconds(name: str, value: object, *, optional: bool = False, positive: bool = False) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not (value > 0 if positive else value >= 0):
        bound = "> 0" if positive else ">= 0"
        raise ConfigurationError(f"{name} must be a number {bound}{' or None' if optional else ''}, got {value!r}")
