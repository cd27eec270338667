"""Keep a long-running server's start-up heap out of the garbage collector's full collections."""

from __future__ import annotations

import gc

__all__ = ("freeze_after_startup",)


def freeze_after_startup() -> int:
    """Collect garbage once, then freeze every object still alive; returns how many are frozen.

    CPython's cycle collector walks every object it tracks in a full (generation 2) collection,
    and the event loop, with every open stream, waits until it is done. Most of those objects
    are the application's own start-up heap: modules, functions, classes, compiled templates,
    SDK clients, which live until the process ends and never become garbage. ``gc.freeze()``
    moves them into a permanent generation that no collection visits, so a full collection only
    walks what the server allocated since: open streams, requests, caches.
    ``benchmarks/README.md`` ("Garbage collection") measures the pause it saves.

    Call it once, at the end of start-up (in the lifespan, after templates are loaded and clients
    created), in every worker process. It collects first, so garbage from start-up is freed rather
    than kept forever. An object frozen here is never freed by the cycle collector, even if it
    becomes cyclic garbage later (reference counting still frees the rest): do not call it
    again and again while serving, only after start-up. ``gc.unfreeze()`` undoes it.

    Example::

        from contextlib import asynccontextmanager
        from fastapi import FastAPI
        from fastapi_fragments import freeze_after_startup

        @asynccontextmanager
        async def lifespan(app: FastAPI):
            templates.env.get_template("chat.html")  # compile what every request will need
            freeze_after_startup()
            yield

        app = FastAPI(lifespan=lifespan)
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
