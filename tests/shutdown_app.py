"""An app served by a real uvicorn subprocess in test_shutdown.py (not a test module itself)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import anyio
from fastapi import FastAPI
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from fastapi_fragments import FragmentStreamResponse

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
app = FastAPI()


async def endless() -> AsyncIterator[str]:
    for i in range(100_000):
        await anyio.sleep(0.05)
        yield f"t{i} "


@app.get("/stream")
async def stream() -> Response:
    return FragmentStreamResponse(endless(), "chat.html", templates=templates)
