"""StreamConfig: configured once (the middleware carries it), overridden per route, checked where given."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from fastapi_fragments import (
    HTMX2,
    HTMX4,
    ConfigurationError,
    Datastar,
    FragmentsMiddleware,
    FragmentStreamResponse,
    StreamConfig,
)
from fastapi_fragments.testing import read_events


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("min_interval", -1, "min_interval must be a number >= 0 or None, got -1"),
        ("min_interval", "fast", "min_interval must be a number >= 0 or None"),
        ("ping", True, "ping must be a number >= 0, got True"),
        ("send_timeout", 0, "send_timeout must be a number > 0 or None, got 0"),
        ("shutdown_grace_period", -0.5, "shutdown_grace_period must be a number >= 0"),
        ("max_bytes_per_second", 0, "max_bytes_per_second must be a number > 0 or None"),
        ("htmx2", "htmx2", "htmx2 must be a HTMX2"),
        ("dialect", "htmx3", "htmx3"),
        ("on_error", "log it", "on_error must be callable"),
    ],
)
def test_a_value_that_cannot_work_is_refused_naming_it(field: str, value: Any, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        StreamConfig(**{field: value})


def test_the_dialect_objects_get_targets_from_the_block_unless_given() -> None:
    config = StreamConfig(htmx4=HTMX4(sources_target="#docs"), datastar=Datastar(target="#t"))
    dialects = config.dialects_for("answer")
    assert dialects["htmx4"] == HTMX4(sources_target="#docs", replace_target="#answer")
    assert dialects["datastar"] == Datastar(target="#t")
    assert config.forced_dialect("answer") is None
    assert StreamConfig(dialect="datastar").forced_dialect("answer") == Datastar("#answer")
    assert StreamConfig(dialect=HTMX4()).forced_dialect("a") == HTMX4(replace_target="#a")
    assert HTMX4().tail("") == (
        b'data: <hx-partial hx-target="#response [data-fragments-body] &gt; :last-child" hx-swap="outerHTML">'
        b"</hx-partial>\n\n"
    )


def test_a_route_keyword_overrides_the_field_and_keeps_the_rest(templates: Jinja2Templates) -> None:
    shared = StreamConfig(templates=templates, ping=5, min_interval=0.2, htmx2=HTMX2(fragment_event="answer"))
    response = FragmentStreamResponse(["x"], "chat.html", "plain", config=shared, min_interval=0, ping=1)
    assert response.ping_interval == 1 and response._pacing == (0.0, shared.max_bytes_per_second)
    assert response._dialects["htmx2"] == HTMX2(fragment_event="answer")
    with pytest.raises(ConfigurationError, match="config must be a StreamConfig"):
        FragmentStreamResponse(["x"], "chat.html", "plain", templates=templates, config={"ping": 5})  # type: ignore[arg-type]


def test_the_middleware_carries_the_config_to_every_route(templates: Jinja2Templates) -> None:
    completed: list[str] = []
    config = StreamConfig(templates=templates, htmx2=HTMX2(fragment_event="answer"), on_complete=completed.append)
    app = FastAPI()
    app.add_middleware(FragmentsMiddleware, config=config)

    @app.get("/shared")
    async def shared() -> Response:
        return FragmentStreamResponse(["Hi"], "chat.html", "plain")  # no templates, names or hooks here

    @app.get("/own")
    async def own() -> Response:
        return FragmentStreamResponse(["Yo"], "chat.html", "plain", htmx2=HTMX2(fragment_event="mine"))

    with TestClient(app) as client:
        assert read_events(client, "/shared").names == ["answer", "answer", "done"]
        assert read_events(client, "/own").names == ["mine", "mine", "done"]
    assert completed == ["Hi", "Yo"]  # the app's hook, on both routes


def test_the_app_configuration_is_laid_under_the_route_s_when_the_response_is_called(
    templates: Jinja2Templates,
) -> None:
    """A route naming its own templates still gets the app's options, which the request brings with it."""
    completed: list[str] = []
    config = StreamConfig(templates=templates, dialect="htmx4", on_complete=completed.append)
    app = FastAPI()
    app.add_middleware(FragmentsMiddleware, config=config)

    @app.get("/own-templates")
    async def own_templates() -> Response:
        return FragmentStreamResponse(["Hi"], "chat.html", "plain", templates=templates)

    with TestClient(app) as client:
        result = read_events(client, "/own-templates")
    assert result.names[-1] == "done" and set(result.names[:-1]) == {"message"}  # htmx 4's, the app's dialect
    assert "vary" not in result.headers  # a forced dialect: the same frames whatever the request says
    assert completed == ["Hi"]


def test_the_middleware_needs_templates_somewhere() -> None:
    with pytest.raises(ConfigurationError, match="FragmentsMiddleware needs templates"):
        FragmentsMiddleware(FastAPI(), config=StreamConfig(ping=5))
