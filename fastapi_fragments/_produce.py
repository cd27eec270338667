"""The producer: a source in, coalesced updates out to a sink, and the stream's one ending.

::

    tokens ─▶ TextMode ─▶ block render ─▶ [Update] ─▶ Coalescer (newest wins) ─▶ Sink.write

A sink is where updates go: the HTTP response (``_wire.Sender``) or a registry stream's store
(``registry._generation``). Both drive a producer the same way: :meth:`Producer.pull` (the
sources, then the source to its end or until :meth:`Producer.stop`), then :meth:`Producer.end`.

The ending is decided once, by the :class:`~._updates.Outcome`, in this order for every sink:

1. the last updates: the final render (``streaming`` False; ``interrupted`` True when the
   answer was cut short), or the error block for a failure; nothing for a client that left;
2. the hook: ``on_complete(text)``, ``on_error(exc)`` or ``on_disconnect(text)``;
3. ``End``: the ``done`` frame, or a registry stream's final publish.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable

import anyio

from ._hooks import Hooks
from ._pace import Coalescer, Pace
from ._updates import SOURCES, End, Outcome, Replace, Sink, Update

__all__ = ("DEFAULT_ERROR_HTML", "Producer", "Sink")

logger = logging.getLogger("fastapi_fragments")

#: Shown when the model fails and no ``error_block`` is given. Never contains the exception.
DEFAULT_ERROR_HTML = (
    '<p class="fragments-error" role="alert">Sorry, the answer could not be completed. Please try again.</p>'
)


class Producer:
    """Runs one source into a sink; subclasses say how the source is pulled and rendered.

    :param sources: renders the sources part, sent before the first item is pulled.
    """

    #: Whether a shutdown ends the stream with a last render and ``End``. A registry follower's
    #: does not: its answer goes on elsewhere, so it closes without ``done`` and the client reconnects.
    ends_on_shutdown = True

    def __init__(self, hooks: Hooks, sources: Callable[[], Awaitable[str]] | None = None) -> None:
        self.hooks = hooks
        self._sources = sources
        self._sources_html: str | None = None
        self._pulling: anyio.CancelScope | None = None  # made by pull(): a response may be built off the loop
        self._finishing: anyio.CancelScope | None = None  # around end()'s writes, for a client leaving
        self._coalescer: Coalescer | None = None
        self._sink: Sink | None = None  # what pull() writes to
        self._stopped: Outcome | None = None
        self._failure: BaseException | None = None  # the source or a render failed
        self._broken: Exception | None = None  # a write failed outright: end with the built-in message
        self._pulled = False
        self.told = False  # a hook has been told how the stream ended
        self.interrupted = False  # the last render says the answer was cut short

    # -- what a subclass provides ----------------------------------------------------------------

    def _run(self, coalescer: Coalescer) -> Awaitable[None]:
        """Pull the source to its end, telling ``coalescer`` of each change (an ``async def`` will do)."""
        raise NotImplementedError

    def _render_now(self) -> list[Update] | None:
        """The updates for the latest state, without a coroutine when possible (nearly every token)."""
        return None

    async def _render(self, *, final: bool) -> list[Update]:
        raise NotImplementedError

    async def _render_error(self, *, builtin: bool) -> list[Update]:
        return [Replace(DEFAULT_ERROR_HTML)]

    def text(self) -> str:
        """The answer's raw text so far (for the hooks, never for the page)."""
        return ""

    async def aclose(self) -> None:
        """Close the source (the upstream LLM request with it)."""

    # -- the stream ------------------------------------------------------------------------------

    @property
    def outcome(self) -> Outcome:
        """How the stream ended (or would end now): a client that left, a failure, a stop, or completion."""
        if self._stopped is Outcome.CLIENT_LEFT:
            return Outcome.CLIENT_LEFT
        if self._failure is not None or self._broken is not None:
            return Outcome.FAILED
        if self._stopped is not None:
            return self._stopped
        return Outcome.COMPLETED if self._pulled else Outcome.SHUTDOWN  # cancelled from outside

    def stop(self, outcome: Outcome) -> None:
        """End the stream early (the first reason wins, but a client leaving overrides any)."""
        if self._stopped is None or outcome is Outcome.CLIENT_LEFT:
            self._stopped = outcome
        if self._pulling is not None:
            self._pulling.cancel()
        if outcome is Outcome.CLIENT_LEFT:
            if self._finishing is not None:
                self._finishing.cancel()  # a write waiting on a client that stopped reading
            if self._coalescer is not None:
                self._coalescer.close()  # its flusher may be in such a write

    async def sources_html(self) -> str | None:
        """The sources part rendered (once; a registry renders it before the stream starts, to fail early)."""
        if self._sources is not None:
            self._sources_html, self._sources = await self._sources(), None
        return self._sources_html

    def fail(self, error: BaseException) -> None:
        """The stream failed outside the producer (its store misbehaved): end with the error block."""
        self._failure = error

    async def pull(self, sink: Sink, pace: Pace) -> None:
        """The sources, then the source, coalesced into ``sink``, until its end or :meth:`stop`."""
        if self._stopped is not None:  # stopped before it started: a client gone, a shutdown under way
            await self.aclose()
            return
        self._sink = sink  # for _emit: a bound method costs the coalescer one object, a partial three
        coalescer = self._coalescer = Coalescer(pace, self._emit)
        self._pulling = pulling = anyio.CancelScope()
        try:
            with pulling:
                try:
                    html = await self.sources_html()
                    if html is not None:
                        await sink.write([Replace(html, SOURCES)])
                except Exception as exc:
                    self._broken = exc  # a sources template that fails on this data: nothing to show
                    return
                try:
                    await self._run(coalescer)
                except Exception as exc:
                    self._failure = exc
                finally:
                    await self.aclose()
            await coalescer.finish()
            self._pulled = True
        except Exception as exc:  # a write in the coalescer's flusher failed
            self._broken = exc
        finally:
            coalescer.close()

    def _emit(self) -> Awaitable[int]:
        """The coalescer's call: render the latest state and write it to the sink :meth:`pull` was given.

        Not a coroutine itself: it runs for nearly every token with ``min_interval=0``, so the
        common case (a sync render) hands the sink's write straight to the coalescer to await.
        """
        sink = self._sink
        assert sink is not None  # set by pull() before the coalescer can call this
        try:
            updates = self._render_now()
        except Exception as exc:
            return self._render_failed(exc)
        return self._render_and_write(sink) if updates is None else sink.write(updates)

    async def _render_and_write(self, sink: Sink) -> int:
        try:
            updates = await self._render(final=False)
        except Exception as exc:
            return await self._render_failed(exc)
        return await sink.write(updates)

    async def _render_failed(self, error: Exception) -> int:
        self._failure = error
        if self._pulling is not None:
            self._pulling.cancel()  # stop pulling; the error block is the last update
        return 0

    async def end(self, sink: Sink, *, grace: float = math.inf) -> Outcome:
        """The one ending (see the module docstring); ``grace`` bounds a cut-short stream's last write."""
        outcome = self.outcome
        if outcome is Outcome.CLIENT_LEFT:
            self.told = True
            await self.hooks.call(outcome, self.text(), None)
            return outcome
        if outcome is Outcome.SHUTDOWN and not self.ends_on_shutdown:
            return outcome
        self._finishing = anyio.CancelScope()  # made now: a scope per open stream is most of a kilobyte
        with self._finishing:
            try:
                if self._broken is not None:
                    raise self._broken
                self.interrupted = outcome.interrupted
                updates = await self._last_updates(outcome)
                outcome = self.outcome  # a final render that failed made it a failure
                with anyio.move_on_after(grace if outcome.interrupted else math.inf):
                    await sink.write(updates)
                self.told = True
                await self.hooks.call(outcome, self.text(), self._failure)
            except Exception as exc:
                # Last resort (a sources template that fails on this data, text that cannot be
                # encoded...): the stream must still end with a message and done, or the browser
                # reconnects and runs the model again.
                logger.exception("the stream broke; ending it with the built-in error message")
                await self.aclose()
                self.told, outcome = True, Outcome.FAILED
                await self.hooks.call(outcome, self.text(), exc)
                await sink.write([Replace(DEFAULT_ERROR_HTML)])
            await sink.write([End(outcome)])
        return outcome

    async def _last_updates(self, outcome: Outcome) -> list[Update]:
        if outcome is not Outcome.FAILED:
            try:
                return await self._render(final=True)
            except Exception as exc:
                self._failure = exc
        logger.error("the stream failed; sending the error fragment", exc_info=self._failure)
        try:
            return await self._render_error(builtin=False)
        except Exception:
            logger.exception("rendering the error block failed too; sending the built-in message")
            return await self._render_error(builtin=True)

    async def left(self) -> None:
        """The stream ended before :meth:`end` could tell a hook (a request cancelled from outside)."""
        if not self.told:
            self.told = True
            await self.aclose()
            await self.hooks.call(Outcome.CLIENT_LEFT, self.text(), None)
