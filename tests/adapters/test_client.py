"""Documents are checked where they are passed: a clear TypeError naming ``Document``."""

from __future__ import annotations

import pytest

from fastapi_fragments import Document
from fastapi_fragments.adapters._client import check_documents
from fastapi_fragments.adapters.embedded import EmbeddedLLM
from fastapi_fragments.testing import FakeLLM

REFUNDS = Document(title="Refunds", text="Refunds take 5 days.")


def test_documents_pass_as_a_tuple() -> None:
    assert check_documents([REFUNDS]) == (REFUNDS,)
    assert check_documents(()) == ()


@pytest.mark.parametrize(
    ("documents", "message"),
    [
        ([{"title": "Refunds", "text": "5 days."}], r"documents\[0\] is a dict, not a fastapi_fragments.Document \("),
        ([REFUNDS, "Refunds"], r"documents\[1\] is a str, not a fastapi_fragments.Document: build"),
        ("Refunds take 5 days.", "documents must be a sequence of fastapi_fragments.Document, got str"),
        (REFUNDS, "got Document"),
        ({"title": "Refunds"}, "got dict"),
        (None, "got NoneType"),
    ],
)
def test_anything_else_is_refused_naming_document(documents: object, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        check_documents(documents)


@pytest.mark.parametrize("llm", [EmbeddedLLM(), FakeLLM(["x"])], ids=["embedded", "fake"])
def test_the_clients_refuse_dicts_at_the_call(llm: EmbeddedLLM | FakeLLM) -> None:
    # Before: AttributeError: 'dict' object has no attribute 'id', deep in the embedded model, mid-stream.
    with pytest.raises(TypeError, match="fastapi_fragments.Document"):
        llm.stream("refunds?", documents=[{"title": "Refunds", "text": "5 days."}])  # type: ignore[list-item]
