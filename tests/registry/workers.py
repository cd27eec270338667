"""Run ``uvicorn --factory registry_app:redis_worker`` processes, as production runs workers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.stores.redis_server import free_port

HERE = Path(__file__).parent


@contextmanager
def worker(
    redis_url: str, *, token_delay: float = 0.05, env: Mapping[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Run one worker process until the block ends; yields its base URL and process.

    ``env`` adds environment variables ``redis_worker`` reads (``LEASE``, ``OUTAGE_WINDOW``).
    """
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--factory", "registry_app:redis_worker"]
    command += ["--app-dir", str(HERE), "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    process = subprocess.Popen(
        command, env={**os.environ, "REDIS_URL": redis_url, "TOKEN_DELAY": str(token_delay), **(env or {})}
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(url + "/", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"worker on port {port} did not start (exit code {process.poll()})") from None
                time.sleep(0.1)
        yield url, process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=20)
