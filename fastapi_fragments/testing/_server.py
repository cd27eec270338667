"""``LiveServer``: run an ASGI app on a real uvicorn server on 127.0.0.1, in a background thread."""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType

try:
    import uvicorn
except ModuleNotFoundError as exc:  # pragma: no cover - depends on the installed extras
    raise ModuleNotFoundError(
        "fastapi_fragments.testing needs httpx and uvicorn: pip install 'fastapi-fragments[testing]'"
    ) from exc
from starlette.types import ASGIApp

__all__ = ("LiveServer",)


class LiveServer:
    """Serve ``app`` with uvicorn on a free loopback port for the duration of a ``with`` block.

    The server runs its own event loop in a daemon thread, so sync and async tests can talk to
    it over real sockets, and disconnects are real TCP closes.

    Example::

        with LiveServer(app) as server:
            httpx.get(server.url + "/health")
    """

    def __init__(self, app: ASGIApp, *, host: str = "127.0.0.1", port: int = 0, startup_timeout: float = 10.0) -> None:
        self._config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
        self._server = uvicorn.Server(self._config)
        self._thread = threading.Thread(target=self._run, name="LiveServer", daemon=True)
        self._startup_timeout = startup_timeout
        self.url = ""

    def _run(self) -> None:
        asyncio.run(self._server.serve())

    def __enter__(self) -> LiveServer:
        self._thread.start()
        self._thread.join(0.01)
        waited = 0.0
        while not self._server.started:
            if not self._thread.is_alive() or waited > self._startup_timeout:
                raise RuntimeError("uvicorn did not start (see the log above)")
            self._thread.join(0.02)
            waited += 0.02
        host, port = self._server.servers[0].sockets[0].getsockname()[:2]
        self.url = f"http://{host}:{port}"
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._server.should_exit = True
        self._thread.join(10)
