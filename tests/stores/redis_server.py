"""Start a throwaway redis-server on a free 127.0.0.1 port for one test session.

Shared by tests/stores and tests/registry: nothing is persisted (``--save ''``, no AOF) and the
server is killed when the context exits. A missing redis-server fails the tests with the
command that installs it; there is no fake to fall back on.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

INSTALL_HINT = "redis-server is not installed: run scripts/ensure-system-packages.sh redis-server (make test does this)"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def redis_command(port: int, *options: str) -> list[str]:
    """The redis-server command line for ``port`` (fails the test when redis-server is missing)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail(INSTALL_HINT)
    return [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", *options]


def start_redis(command: list[str], port: int) -> subprocess.Popen[bytes]:
    """Start ``command`` and wait until it answers PING on ``port``."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not _answers_ping(port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"redis-server on port {port} did not start (exit code {process.poll()})")
        time.sleep(0.05)
    return process


@contextmanager
def redis_server() -> Iterator[str]:
    """Run redis-server until the block ends; yields its ``redis://`` URL."""
    port = free_port()
    process = start_redis(redis_command(port), port)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)
