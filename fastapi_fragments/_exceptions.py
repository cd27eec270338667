"""The exceptions fastapi-fragments raises.

All of them derive from one base, so ``except FragmentsError`` catches anything the library
raises on purpose::

    FragmentsError
    ├── ConfigurationError       bad arguments, caught before the response starts
    │   ├── TemplateNotFoundError
    │   └── BlockNotFoundError
    ├── TokenSourceError         the token source (the LLM) failed; ``__cause__`` is the original
    └── ProviderError            a provider sent an error as a stream event (the cause of a TokenSourceError)
"""

from __future__ import annotations

__all__ = (
    "BlockNotFoundError",
    "ConfigurationError",
    "FragmentsError",
    "ProviderError",
    "TemplateNotFoundError",
    "TokenSourceError",
)


class FragmentsError(Exception):
    """Base class of every exception raised by fastapi-fragments.

    Example::

        try:
            FragmentStreamResponse(tokens, "chat.html", "answer", templates=templates)
        except FragmentsError as exc:
            log.error("misconfigured stream: %s", exc)
    """


class ConfigurationError(FragmentsError, ValueError):
    """Raised when an argument is invalid; always before any byte is sent.

    Example::

        FragmentStreamResponse(tokens, "chat.html", min_interval=-1)  # raises ConfigurationError
    """


class TemplateNotFoundError(ConfigurationError):
    """Raised when a template name is unknown to the templates' loader.

    Example::

        TemplateNotFoundError("chat.html")  # str(): "template 'chat.html' was not found ..."
    """

    def __init__(self, template_name: str) -> None:
        self.template_name = template_name
        super().__init__(f"template {template_name!r} was not found by the templates' loader")


class BlockNotFoundError(ConfigurationError):
    """Raised when a template (with its parents) has no block of the given name.

    Example::

        BlockNotFoundError("chat.html", "answer").block_name  # "answer"
    """

    def __init__(self, template_name: str, block_name: str, *, available: tuple[str, ...] = ()) -> None:
        self.template_name = template_name
        self.block_name = block_name
        self.available = available
        known = ", ".join(repr(name) for name in available) or "none"
        super().__init__(
            f"block {block_name!r} was not found in template {template_name!r} or its parents (blocks: {known})"
        )


class TokenSourceError(FragmentsError):
    """Raised when the token source (an LLM stream) fails; the original error is ``__cause__``.

    The message is for logs only: the browser never sees it.

    Example::

        try:
            async for token in iter_text(stream):
                ...
        except TokenSourceError as exc:
            log.warning("LLM failed: %r", exc.__cause__)
    """


class ProviderError(FragmentsError):
    """Raised when a provider reports a failure as an ordinary stream event instead of raising.

    The OpenAI Responses API does this (``error`` and ``response.failed`` events); ``iter_text`` wraps it
    in ``TokenSourceError`` like every other upstream failure.

    Example::

        ProviderError("response.failed", "the model is overloaded").event_type  # "response.failed"
    """

    def __init__(self, event_type: str, message: str) -> None:
        self.event_type = event_type
        self.message = message
        super().__init__(f"the provider sent a {event_type!r} event: {message}")
