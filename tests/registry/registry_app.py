"""The app the registry tests serve: POST /chat starts an answer, the registry's routes follow and stop it.

Also a ``uvicorn --factory`` entry point (``redis_worker``) for the multi-worker tests: each
worker process builds the same app on the Redis store named by ``REDIS_URL``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, Form, Request
from fastapi.responses import Response
from starlette.templating import Jinja2Templates

from fastapi_fragments import FragmentsMiddleware, StreamRegistry
from fastapi_fragments.testing import FakeLLM

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
SOURCES = ["Refunds policy", "Shipping <times>"]
WORDS = [f"word{i} " for i in range(40)]


def create_app(
    registry: StreamRegistry,
    llm: FakeLLM,
    completed: list[str] | None = None,
    *,
    scaffold_block: str = "turn",
    routes: bool = True,
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with registry:
            yield

    app = FastAPI(lifespan=lifespan)
    app.add_middleware(FragmentsMiddleware, templates=TEMPLATES)
    if routes:
        app.router.routes.extend(registry.routes())

    @app.post("/chat")
    async def chat(request: Request, q: Annotated[str, Form(max_length=200)]) -> Response:
        return await registry.start(
            request,
            llm.stream(q),
            "registry.html",
            "answer",
            scaffold_block=scaffold_block,
            sources_block="sources",
            sources=SOURCES,
            on_complete=None if completed is None else completed.append,
        )

    return app


def redis_worker() -> FastAPI:
    registry = StreamRegistry(
        os.environ["REDIS_URL"],
        lease=float(os.environ.get("LEASE", "1.0")),
        outage_window=float(os.environ.get("OUTAGE_WINDOW", "3.0")),
        abandon_after=30,
    )
    return create_app(registry, FakeLLM(WORDS, delay=float(os.environ.get("TOKEN_DELAY", "0.05"))))
