"""One fake provider per test module: tests set ``provider.reply`` before each request."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fastapi_fragments.testing import FakeProvider


@pytest.fixture(scope="module")
def provider() -> Iterator[FakeProvider]:
    with FakeProvider() as fake:
        yield fake
