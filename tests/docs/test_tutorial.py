"""The tutorial's app streams over real HTTP as the tutorial says, and the README shows the same app.

The same app streams in Chromium in ``tests/browser/test_tutorial.py``.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from fastapi_fragments.testing import LiveServer, read_events
from tests.docs.apps import FILES, TUTORIAL, example_app, files
from tests.docs.blocks import ROOT


def test_the_tutorial_app_streams_sources_then_the_answer(tmp_path: Path) -> None:
    with example_app(TUTORIAL, tmp_path) as app, LiveServer(app) as server, httpx.Client(base_url=server.url) as client:
        page = client.get("/", params={"q": "How long do refunds take?"})
        assert 'sse-connect="http://127.0.0.1' in page.text and "/answer?q=How" in page.text
        result = read_events(client, "/answer", params={"q": "How long do refunds take?"}, timeout=30)
    assert result.names[0] == "sources" and result.names[-1] == "done"
    assert "<li>Refunds</li>" in result.data_of("sources")[0]
    final = result.data_of("fragment")[-1]
    assert final.startswith("<p>") and "Refunds" in final and "cursor" not in final


def test_the_readme_shows_the_tutorial_app() -> None:
    readme = files(ROOT / "README.md")
    assert {name: readme.get(name) for name in FILES} == {name: files(TUTORIAL)[name] for name in FILES}
