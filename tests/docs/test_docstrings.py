"""The ``Example::`` of every public name's docstring runs, so the API reference's examples can't go stale.

Public names are those of the modules the API reference documents. An example is a snippet, not a
program: it runs (top-level ``await`` allowed) in a namespace holding its module's public names and
what snippets take as given, built fresh for each example by :func:`given`: an ``app`` with
``FragmentsMiddleware`` whose ``/answer`` and ``/stream`` routes get ``llm`` (a FakeLLM) through
``Depends(get_llm)``, ``templates`` with a ``chat.html`` that has the blocks the examples name,
``tokens``, ``q``, ``docs``, a TestClient ``client``, and the SDKs' default clients pointed at a
:class:`FakeProvider` through their environment variables. ``SETUP`` adds what one example assumes;
the examples that are route bodies (they build a response with the middleware's templates, or
``return`` one) run inside a request, and a returned response is read to its end. An example
whose line ends ``# raises SomeError`` must raise it.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import importlib
import inspect
import io
import logging
import os
import re
import textwrap
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Annotated, Any

import anyio
import httpx
import jinja2
import pytest
from fastapi import Depends, FastAPI, Form, Request
from fastapi.responses import PlainTextResponse, Response
from fastapi.templating import Jinja2Templates
from fastapi.testclient import TestClient

import fastapi_fragments
from fastapi_fragments import Document, FragmentsMiddleware, FragmentStreamResponse, LLMClient
from fastapi_fragments.testing import FakeLLM, FakeProvider, FakeReply, LiveServer

#: The modules whose public names the API reference documents.
MODULES = [
    "fastapi_fragments",
    "fastapi_fragments.testing",
    "fastapi_fragments.stores",
    "fastapi_fragments.stores.redis",
    "fastapi_fragments.adapters.openai",
    "fastapi_fragments.adapters.anthropic",
    "fastapi_fragments.adapters.ollama",
    "fastapi_fragments.adapters.langchain",
    "fastapi_fragments.adapters.pydantic_ai",
    "fastapi_fragments.adapters.embedded",
]
CHAT = """{% block sources %}<ul>{% for d in sources %}<li>{{ d.title }}</li>{% endfor %}</ul>{% endblock %}
{% block answer %}<p>{{ text }}</p>{% endblock %}
{% block response %}<p>{{ text }}</p>{% endblock %}
{% block turn %}<div sse-connect="{{ stream_url }}"></div>{% endblock %}"""


def examples() -> dict[str, tuple[str, str]]:
    """Each public module's and name's example, by public qualified name: (the module, the example)."""
    found: dict[str, tuple[str, str]] = {}
    seen: set[int] = set()
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        owners: dict[str, object] = {module_name: module}
        owners |= {f"{module_name}.{name}": getattr(module, name) for name in getattr(module, "__all__", ())}
        for qualified, owner in owners.items():
            doc = None if isinstance(owner, str) else inspect.getdoc(owner)
            if doc and "Example::" in doc and id(owner) not in seen:  # re-exported twice: run once
                seen.add(id(owner))
                found[qualified] = (module_name, _example(doc))
    return found


def _example(doc: str) -> str:
    after = doc.split("Example::", 1)[1].splitlines()[1:]
    lines: list[str] = []
    for line in after:
        if line.strip() and not line.startswith((" ", "\t")):
            break
        lines.append(line)
    return textwrap.dedent("\n".join(lines)).strip() + "\n"


EXAMPLES = examples()


def get_llm(request: Request) -> LLMClient:
    """The app's model, as the README's apps inject it (examples override it)."""
    llm: LLMClient = request.app.state.llm
    return llm


#: What one example assumes beyond :func:`given`, run before it in the same namespace.
SETUP = {
    "fastapi_fragments.iter_text": """
client = AsyncOpenAI()
msgs = [{"role": "user", "content": "What is htmx?"}]
""",
    "fastapi_fragments.TokenSourceError": 'stream = FakeLLM(["Hel", "lo"], fail_after=1).stream("q")',
    "fastapi_fragments.stores.StreamRecord": """
store = MemoryStore()
stream_id, session_id = "abc", "session-1"
await store.create(stream_id, owner=session_id, max_active=2, lease=5, watch=30, ttl=600)
""",
    "fastapi_fragments.testing.FakeOpenStream": """
app = FastAPI()
app.add_middleware(FragmentsMiddleware, templates=templates)
app.add_api_route("/answer", lambda: FragmentStreamResponse(stream, "chat.html", "answer"), methods=["GET", "HEAD"])
client = TestClient(app)
""",
    "fastapi_fragments.testing.SSEResult": """
client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
""",
    "fastapi_fragments.testing.parse_sse": 'response = client.get("/answer")',
    "fastapi_fragments.testing.RecordedRequest": """
provider.reply = FakeReply(["Hel", "lo"], stall_after=1)
openai = AsyncOpenAI(max_retries=0)
stream = await openai.chat.completions.create(model="fake-model", messages=[], stream=True)
await anext(aiter(stream))
await stream.close()
""",
}
#: Examples that are route bodies: they run inside a request to ``app``.
IN_ROUTE = {
    "fastapi_fragments.ConfigurationError",
    "fastapi_fragments.Datastar",
    "fastapi_fragments.Dialect",
    "fastapi_fragments.HTMX2",
    "fastapi_fragments.HTMX4",
    "fastapi_fragments.StreamOptions",
    "fastapi_fragments.stream_with_sources",
}
SDKS = {
    "AsyncOpenAI": ("openai", "AsyncOpenAI"),
    "AsyncAnthropic": ("anthropic", "AsyncAnthropic"),
    "ChatOpenAI": ("langchain_openai", "ChatOpenAI"),
    "Agent": ("pydantic_ai", "Agent"),
}
_RAISES = re.compile(r"# raises (\w+)")


def given(provider: FakeProvider, module_name: str) -> dict[str, Any]:
    """What the examples take as given."""
    env = jinja2.Environment(loader=jinja2.DictLoader({"chat.html": CHAT}), autoescape=True)
    templates = Jinja2Templates(env=env)
    app = FastAPI()
    app.add_middleware(FragmentsMiddleware, templates=templates)
    llm = FakeLLM(["Hel", "lo"])
    app.state.llm = llm

    async def answer(llm: Annotated[LLMClient, Depends(get_llm)], q: str = "hi") -> FragmentStreamResponse:
        return FragmentStreamResponse(llm.stream(q), "chat.html", "answer", sources_block="sources", sources=[])

    async def chat(llm: Annotated[LLMClient, Depends(get_llm)], q: Annotated[str, Form()]) -> FragmentStreamResponse:
        return FragmentStreamResponse(llm.stream(q), "chat.html", "answer")

    app.add_api_route("/answer", answer, methods=["GET", "HEAD"])
    app.add_api_route("/stream", answer)
    app.add_api_route("/chat", chat, methods=["POST"])
    modules = [importlib.import_module(name) for name in (*MODULES[:3], module_name)]
    return {
        **{name: getattr(module, name) for module in modules for name in getattr(module, "__all__", ())},
        **{name: getattr(importlib.import_module(sdk), attribute) for name, (sdk, attribute) in SDKS.items()},
        "ollama": importlib.import_module("ollama"),
        "Annotated": Annotated,
        "Depends": Depends,
        "FastAPI": FastAPI,
        "Form": Form,
        "Request": Request,
        "Jinja2Templates": Jinja2Templates,
        "TestClient": TestClient,
        "asynccontextmanager": asynccontextmanager,
        "anyio": anyio,
        "httpx": httpx,
        "os": os,
        "log": logging.getLogger("example"),
        "retriever": SimpleNamespace(search=lambda q: [Document(title="htmx", text="htmx swaps HTML.")]),
        "app": app,
        "templates": templates,
        "llm": llm,
        "get_llm": get_llm,
        "tokens": ["Hel", "lo"],
        "q": "hi",
        "docs": [Document(title="htmx", text="htmx swaps HTML.", id="htmx")],
        "client": TestClient(app),
        "provider": provider,
    }


def run(code: str, name: str, namespace: dict[str, Any]) -> None:
    # "<...>": a file name coverage knows is no file (a bare "fastapi_fragments" is the package's folder).
    compiled = compile(code, f"<example of {name}>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    with asyncio.Runner() as runner:
        try:
            result = eval(compiled, namespace)
            if asyncio.iscoroutine(result):
                runner.run(result)
        finally:  # the SDK clients an example made, closed on the loop they ran on
            for value in list(namespace.values()):
                if isinstance(value, namespace["AsyncOpenAI"]):
                    runner.run(value.close())


def run_in_route(code: str, name: str, namespace: dict[str, Any]) -> None:
    """Run ``code`` as the body of a route of ``app``, and read the response it returns (if any)."""
    exec(compile("async def example():\n" + textwrap.indent(code, "    "), f"<example of {name}>", "exec"), namespace)
    example = namespace["example"]

    async def route() -> Response:
        result = await example()
        return result if isinstance(result, Response) else PlainTextResponse("ran")

    app: FastAPI = namespace["app"]
    app.add_api_route("/example", route)
    with TestClient(app) as client:
        response = client.get("/example")
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_the_docstring_example_runs(name: str, provider: FakeProvider) -> None:
    module_name, example = EXAMPLES[name]
    provider.reply = FakeReply(["Hel", "lo"])
    namespace = given(provider, module_name)
    code = SETUP.get(name, "").strip() + "\n" + example
    raises = _RAISES.search(example)
    expected = pytest.raises(getattr(fastapi_fragments, raises[1])) if raises else contextlib.nullcontext()
    client: TestClient = namespace["client"]
    with contextlib.ExitStack() as stack, contextlib.redirect_stdout(io.StringIO()):
        if "server_url" in example:
            namespace["server_url"] = stack.enter_context(LiveServer(namespace["app"])).url
        with expected:
            (run_in_route if name in IN_ROUTE else run)(code, name, namespace)
    client.close()


def test_the_public_names_examples_are_found() -> None:
    assert len(EXAMPLES) >= 50, sorted(EXAMPLES)
    assert {"fastapi_fragments.FragmentStreamResponse", "fastapi_fragments.testing.FakeLLM"} <= set(EXAMPLES)
