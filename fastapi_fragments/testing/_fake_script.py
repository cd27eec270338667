"""What the fake provider is scripted to say: the reply, and the parts a multi-part reply is made of.

A reply is either plain tokens (``FakeReply(["Hel", "lo"])``) or a sequence of parts: reasoning,
answer text with citations, tool calls whose arguments stream as JSON text, provider-run web
searches; plus the usage and finish reason its last frames report. Each wire format
(``_fake_wire.py``) says the same script in its provider's own events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = (
    "FakeCitation",
    "FakePart",
    "FakeReasoning",
    "FakeReply",
    "FakeSearch",
    "FakeText",
    "FakeToolCall",
    "FakeUsage",
)


@dataclass(frozen=True, slots=True)
class FakeCitation:
    """A source the answer cites (OpenAI Responses annotations, Anthropic citations, chat annotations).

    Example::

        FakeCitation("https://htmx.org/docs/", "htmx docs")
    """

    url: str
    title: str
    cited_text: str = ""


@dataclass(frozen=True, slots=True)
class FakeReasoning:
    """The model thinking, one chunk per delta; no chunks is reasoning the provider keeps hidden.

    Example::

        FakeReasoning(["The user asks ", "about htmx."])
    """

    chunks: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class FakeText:
    """Answer text, one chunk per delta, and the citations the provider attaches to it.

    Example::

        FakeText(["htmx swaps ", "HTML."], citations=[FakeCitation("https://htmx.org", "htmx")])
    """

    chunks: Sequence[str]
    citations: Sequence[FakeCitation] = ()


@dataclass(frozen=True, slots=True)
class FakeToolCall:
    """A tool call whose JSON arguments stream in ``arguments`` chunks (Ollama sends them whole, parsed).

    Example::

        FakeToolCall("search_docs", ['{"query": "ht', 'mx"}'], id="call_1")
    """

    name: str
    arguments: Sequence[str] = ("{}",)
    id: str = "call_1"


@dataclass(frozen=True, slots=True)
class FakeSearch:
    """A web search the provider runs itself: OpenAI Responses ``web_search_call``, Anthropic
    ``server_tool_use`` with its ``web_search_tool_result``. The chat and Ollama wires have no such event
    and leave it out.

    Example::

        FakeSearch("htmx sse", [FakeCitation("https://htmx.org/extensions/sse/", "SSE extension")])
    """

    query: str
    results: Sequence[FakeCitation] = ()
    id: str = "ws_1"


@dataclass(frozen=True, slots=True)
class FakeUsage:
    """The token counts the last frames report.

    Example::

        FakeUsage(input_tokens=12, output_tokens=40, reasoning_tokens=16, cached_tokens=8)
    """

    input_tokens: int = 1
    output_tokens: int = 1
    reasoning_tokens: int = 0
    cached_tokens: int = 0


FakePart = FakeReasoning | FakeText | FakeToolCall | FakeSearch


@dataclass(frozen=True, slots=True)
class FakeReply:
    """What the fake provider answers to every request.

    ``tokens`` is a plain text answer; ``parts``, when given, replaces it with reasoning, text, tool calls
    and searches in order. ``usage`` and ``finish_reason`` (``stop``, ``length``, ``tool_calls`` or
    ``content_filter``, said in each provider's words; ``tool_calls`` by default when the parts call a
    tool) go in the last frames. ``delay`` is waited before each delta; ``fail_after=n`` sends the
    provider's mid-stream error frame after ``n`` deltas; ``stall_after=n`` goes silent after ``n`` deltas
    until the client hangs up, like a model thinking; a ``status`` other than 200 answers with that HTTP
    status and the provider's JSON error body instead of a stream.

    Example::

        FakeReply(["Hel", "lo"], delay=0.05, fail_after=1)
        FakeReply(parts=[FakeReasoning(["Hm."]), FakeToolCall("search", ['{"q":', '"x"}'])], usage=FakeUsage(9, 20))
    """

    tokens: Sequence[str] = ("Hello", ", ", "world", "!")
    delay: float = 0.0
    fail_after: int | None = None
    stall_after: int | None = None
    status: int = 200
    error_message: str = "the fake provider failed"
    parts: Sequence[FakePart] = ()
    usage: FakeUsage = field(default_factory=FakeUsage)
    finish_reason: str | None = None

    @property
    def script(self) -> tuple[FakePart, ...]:
        """The parts to say: ``parts``, or the tokens as one text part."""
        return tuple(self.parts) if self.parts else (FakeText(self.tokens),)

    @property
    def reason(self) -> str:
        """The finish reason to report."""
        if self.finish_reason is not None:
            return self.finish_reason
        return "tool_calls" if any(isinstance(part, FakeToolCall) for part in self.script) else "stop"

    @property
    def text(self) -> str:
        """The whole answer text."""
        return "".join(chunk for part in self.script if isinstance(part, FakeText) for chunk in part.chunks)
