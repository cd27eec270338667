"""A TCP proxy on 127.0.0.1 whose connections a test can cut or stall, to play a bad network for the browser.

Playwright's offline emulation does not break a response that is already streaming, so the
browser is pointed at this proxy instead: ``cut()`` resets every open connection (and refuses
new ones) until ``restore()``; ``stall()`` holds back what the server sends until ``flow()``,
which then delivers it all at once (several frames in one read).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType


class CuttableProxy:
    """Forward ``127.0.0.1:<port>`` to ``target``; ``cut()`` drops everything until ``restore()``.

    Example::

        with CuttableProxy(server_port) as proxy:
            page.goto(f"http://127.0.0.1:{proxy.port}/")
            proxy.cut()
            proxy.restore()
    """

    def __init__(self, target_port: int) -> None:
        self._target = ("127.0.0.1", target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._upstreams: set[socket.socket] = set()
        self._down = False
        self._flowing = threading.Event()
        self._flowing.set()
        self._threads = [threading.Thread(target=self._accept, name="proxy-accept", daemon=True)]
        self._threads[0].start()

    def __enter__(self) -> CuttableProxy:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        _close(self._listener)  # shut down, not only closed: that is what wakes the accept() in progress
        self.cut()
        for thread in self._threads:
            thread.join(5)

    def cut(self) -> None:
        """Reset every open connection and refuse new ones."""
        with self._lock:
            self._down = True
            doomed, self._open = self._open, set()
        for sock in doomed:
            _close(sock)

    def restore(self) -> None:
        """Accept connections again."""
        with self._lock:
            self._down = False

    def stall(self) -> None:
        """Stop forwarding what the server sends (the connections stay open) until :meth:`flow`."""
        self._flowing.clear()

    def flow(self) -> None:
        """Forward again, starting with everything held back meanwhile."""
        self._flowing.set()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # the listener was closed
            with self._lock:
                down = self._down
            if down:
                _close(client)
                continue
            upstream = socket.create_connection(self._target)
            with self._lock:
                self._open |= {client, upstream}
                self._upstreams.add(upstream)
            for source, sink in ((client, upstream), (upstream, client)):
                thread = threading.Thread(target=self._pipe, args=(source, sink), name="proxy-pipe", daemon=True)
                self._threads.append(thread)
                thread.start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        downstream = source in self._upstreams
        try:
            while data := source.recv(65536):
                if downstream:
                    self._flowing.wait()
                sink.sendall(data)
        except OSError:
            pass  # cut, or the other side went away
        finally:
            with self._lock:
                self._open -= {source, sink}
                self._upstreams -= {source, sink}
            _close(source)
            _close(sink)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already shut down, or never connected
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
