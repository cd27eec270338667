"""Server shutdown ends open streams with a final frame and done, instead of hanging uvicorn."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from fastapi_fragments.testing import SSEParser


def test_sigterm_ends_open_streams_with_a_final_frame() -> None:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "shutdown_app:app",
        "--port",
        "0",
        "--app-dir",
        str(Path(__file__).parent),
    ]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        url = ""
        deadline = time.monotonic() + 20
        assert process.stderr is not None
        while not url and time.monotonic() < deadline:
            match = re.search(r"(http://127\.0\.0\.1:\d+)", process.stderr.readline())
            url = match.group(1) if match else ""
        assert url, "uvicorn did not start"
        parser, events = SSEParser(), []
        with httpx.Client(base_url=url, timeout=10) as client, client.stream("GET", "/stream") as response:
            for chunk in response.iter_raw():
                events += parser.feed(chunk)
                if len(events) == 2:
                    process.send_signal(signal.SIGTERM)
        names = [e.event for e in events]
        assert names[-1] == "done"
        assert "<p>interrupted</p>" in events[-2].data and 'class="bubble"' in events[-2].data
        # uvicorn re-raises the signal once it has shut down cleanly; what matters is that it exited.
        assert process.wait(timeout=10) in (0, -signal.SIGTERM)
    finally:
        process.kill()
        process.wait()
        if process.stderr is not None:
            process.stderr.close()
