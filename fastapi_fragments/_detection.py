"""Which dialect a request speaks, from its headers, and dialects by name.

Datastar sends ``Datastar-Request``; htmx 4's hx-sse adds ``text/event-stream`` to the ``Accept``
of every htmx request; an EventSource (htmx 2) sends no ``HX-Request`` at all.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.types import Scope

from ._dialects import HTMX2, HTMX4, Datastar, Dialect, DialectName
from ._exceptions import ConfigurationError

__all__ = ("detect_dialect", "detect_dialect_in_scope", "resolve_dialect")

_BY_NAME: Mapping[str, type[HTMX2] | type[HTMX4] | type[Datastar]] = {
    "htmx2": HTMX2,
    "htmx4": HTMX4,
    "datastar": Datastar,
}


def detect_dialect(headers: Mapping[str, str]) -> DialectName:
    """Pick the dialect a request's headers ask for (lower-case header names).

    Datastar sends ``Datastar-Request``; htmx 4 adds ``text/event-stream`` to the ``Accept`` of
    every htmx request; an EventSource (htmx 2) sends no ``HX-Request`` at all.

    Example::

        detect_dialect({"hx-request": "true", "accept": "text/html, text/event-stream"})  # "htmx4"
    """
    if headers.get("datastar-request"):
        return "datastar"
    if headers.get("hx-request") and "text/event-stream" in headers.get("accept", ""):
        return "htmx4"
    return "htmx2"


#: The request headers ``detect_dialect`` reads, as ASGI spells them (lower-case bytes).
_DIALECT_HEADERS = frozenset((b"datastar-request", b"hx-request", b"accept"))


def detect_dialect_in_scope(scope: Scope) -> DialectName:
    """:func:`detect_dialect` for an ASGI scope: reads its raw headers once, without a ``Headers`` object.

    Example::

        dialect = detect_dialect_in_scope(scope)  # in an ASGI app or middleware
    """
    return detect_dialect(
        {key.decode("latin-1"): value.decode("latin-1") for key, value in scope["headers"] if key in _DIALECT_HEADERS}
    )


def resolve_dialect(dialect: Dialect | str) -> Dialect:
    """Return ``dialect`` itself, or a default instance for a dialect name."""
    if isinstance(dialect, str):
        try:
            return _BY_NAME[dialect]()
        except KeyError:
            known = ", ".join(repr(name) for name in _BY_NAME)
            raise ConfigurationError(f"unknown dialect {dialect!r}; use one of {known} or a Dialect") from None
    return dialect
