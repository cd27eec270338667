"""A Server-Sent Events parser that behaves like a browser's EventSource (WHATWG HTML §9.2.6).

Not httpx-sse: it dispatches an event that has an ``event:`` line but no ``data:`` line, which
browsers never do; tests must see what a browser sees (``event: done`` without data is lost).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ("SSEMessage", "SSEParser", "parse_sse")


@dataclass(frozen=True, slots=True)
class SSEMessage:
    """One dispatched event: its type (``"message"`` when unnamed), data, last event id and retry.

    Example::

        SSEMessage(event="fragment", data="<p>Hi</p>", id="1")
    """

    event: str
    data: str
    id: str = ""
    retry: int | None = None


class SSEParser:
    """Incremental parser: ``feed`` bytes (in any chunking), get the events dispatched so far.

    CR, LF and CRLF all end lines (also when a CRLF is split across chunks); comment lines are
    counted in ``comments``; a block without ``data:`` is not dispatched; an unfinished block at
    the end of the stream is discarded, as browsers do.

    Example::

        parser = SSEParser()
        parser.feed(b"event: fragment\\ndata: <p>Hi</p>\\n\\n")  # [SSEMessage("fragment", "<p>Hi</p>")]
    """

    def __init__(self) -> None:
        self.comments = 0
        self.last_event_id = ""
        self._buffer = ""
        self._pending = b""
        self._event = ""
        self._data: list[str] = []
        self._retry: int | None = None
        self._started = False
        self._skip_lf = False

    def feed(self, chunk: bytes) -> list[SSEMessage]:
        """Parse a chunk of the stream; return the events it completed."""
        data = self._pending + chunk
        try:
            text = data.decode("utf-8")
            self._pending = b""
        except UnicodeDecodeError as exc:  # a multi-byte character split across chunks
            text = data[: exc.start].decode("utf-8")
            self._pending = data[exc.start :]
        if not self._started and text:
            self._started = True
            text = text.removeprefix("\ufeff")
        return self._lines(self._buffer + text)

    def _lines(self, text: str) -> list[SSEMessage]:
        events: list[SSEMessage] = []
        start = 0
        length = len(text)
        while start < length:
            if self._skip_lf:
                self._skip_lf = False
                if text[start] == "\n":
                    start += 1
                    continue
            cr, lf = text.find("\r", start), text.find("\n", start)
            ends = [i for i in (cr, lf) if i != -1]
            if not ends:
                break
            end = min(ends)
            line = text[start:end]
            start = end + 1
            if text[end] == "\r":
                if start < length and text[start] == "\n":
                    start += 1
                elif start == length:
                    self._skip_lf = True  # the LF of this CRLF may come with the next chunk
            event = self._line(line)
            if event is not None:
                events.append(event)
        self._buffer = text[start:]
        return events

    def _line(self, line: str) -> SSEMessage | None:
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            self.comments += 1
            return None
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        elif name == "id" and "\0" not in value:
            self.last_event_id = value
        elif name == "retry" and value.isascii() and value.isdigit():
            self._retry = int(value)
        return None

    def _dispatch(self) -> SSEMessage | None:
        event, data, retry = self._event, self._data, self._retry
        self._event, self._data, self._retry = "", [], None
        if not data:
            return None
        return SSEMessage(event or "message", "\n".join(data), self.last_event_id, retry)


def parse_sse(body: bytes | str) -> list[SSEMessage]:
    """Parse a whole SSE body into the events a browser would dispatch.

    Example::

        [m.event for m in parse_sse(response.content)]  # ["sources", "fragment", ..., "done"]
    """
    return SSEParser().feed(body.encode() if isinstance(body, str) else body)
