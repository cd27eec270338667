"""What a multi-part stream's blocks and its ``on_finish`` hook get besides text: a tool call's view, the result.

Values made by :class:`~fastapi_fragments.parts._view.PartsView` (``_view``) from the folded state.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi_fragments.parts._events import Citation, Finish, ToolStatus, Usage
from fastapi_fragments.parts._state import PartState

__all__ = ("StreamResult", "ToolCall")


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One tool call as a page shows it: ``arguments`` is the JSON so far parsed as far as it goes.

    Example (a tool card)::

        {% for call in tool_calls %}
          <li data-status="{{ call.status }}">{{ call.name }} {{ call.arguments }}</li>
        {% endfor %}
    """

    id: str
    name: str | None
    arguments_text: str
    arguments: object
    status: ToolStatus | None
    result: object = None
    provider_executed: bool = False

    @classmethod
    def of(cls, part: PartState, before: ToolCall | None = None) -> ToolCall:
        """The view of a tool call part; ``before``, an earlier view of it: its parsed arguments are kept if
        the text is the same object (a status change parses nothing)."""
        same = before is not None and before.id == part.id and before.arguments_text is part.text
        arguments = before.arguments if same and before is not None else part.arguments
        return cls(part.id, part.name, part.text, arguments, part.status, part.result, part.provider_executed)

    @classmethod
    def views(cls, parts: list[PartState], before: list[ToolCall]) -> list[ToolCall]:
        """The views of tool call ``parts``, each with its earlier view in ``before`` (in the same order):
        a call's status changes more often than its arguments once they are whole."""
        return [cls.of(part, before[i] if i < len(before) else None) for i, part in enumerate(parts)]


@dataclass(frozen=True, slots=True)
class StreamResult:
    """How a multi-part stream ended, for ``on_finish(result)``: the answer, the reasoning, the tools, the usage.

    ``outcome`` is ``"completed"``, ``"failed"``, ``"client_left"``, ``"stopped"``, ``"deadline"``,
    ``"abandoned"`` or ``"shutdown"``; ``finish.reason`` is ``error`` for every stream that did not complete.

    Example::

        async def save(result: StreamResult) -> None:
            await db.save(result.text, tokens=result.usage.output_tokens if result.usage else None)
    """

    outcome: str
    text: str
    reasoning: str
    reasoning_seconds: float | None
    tool_calls: tuple[ToolCall, ...]
    citations: tuple[Citation, ...]
    finish: Finish

    @property
    def usage(self) -> Usage | None:
        """The token counts the provider reported, if it did."""
        return self.finish.usage
