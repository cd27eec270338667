"""The demo: a chat over Kestrel's docs (a fictional job queue), answered by a streaming LLM.

Two pages speak to the same model through FastAPI ``Depends(get_llm)``:

- ``/``: htmx 2 + htmx-ext-sse. The form POSTs the question; the library's ``StreamRegistry``
  starts generating in the background and returns the turn scaffold, whose ``sse-connect``
  follows ``/chat/stream/{id}`` (an unguessable id bound to the session; the question never
  travels in a URL, and a reconnect resumes instead of asking the model again). Stop POSTs
  ``/chat/stop/{id}``.
- ``/htmx4``: htmx 4 + hx-sse. The form's POST response *is* the stream, in the library's
  markdown mode (each element sent once, the unfinished one grown in place; sanitized HTML);
  Stop aborts it, and the disconnect closes the model's stream.

The model is ``app.state.llm``: the one given to ``create_app``, else the one ``FRAGMENTS_LLM``
names (``openai:gpt-4o-mini``...), else the keyless ``EmbeddedLLM``. Override ``get_llm`` in
``app.dependency_overrides`` to swap it per test.

Both pages show the reasoning panel, the tool cards and the usage line (``fragments/parts.html``):
the embedded model runs as ``agent.DocsAgent`` (its thinking, a ``search_docs`` call, the answer,
its token counts); another model streams its answer text (a ``<think>`` in it is still reasoning).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from fastapi_fragments import (
    HTMX4,
    Fragment,
    FragmentsMiddleware,
    FragmentStreamResponse,
    LLMClient,
    StreamRegistry,
    llm_from_env,
)
from fastapi_fragments.adapters.embedded import EmbeddedLLM

from .agent import answer_items
from .retriever import Retriever, load_corpus
from .sessions import TURN_ID, Conversations, Turn, new_turn_id

HERE = Path(__file__).parent
SESSION_COOKIE = "kestrel_demo_session"
MAX_QUESTION = 2000
EXAMPLES = (
    "How do retries work when a job fails?",
    "Can two runs of a scheduled job overlap?",
    "How do I rotate an API key?",
    "How much does the Team plan cost?",
)

#: What differs between the two pages: the scripts (vendored by scripts/update-vendor.sh) and the form.
FRONTENDS = {
    "htmx2": {
        "name": "htmx2",
        "label": "htmx 2 + htmx-ext-sse",
        "scripts": ("vendor/htmx2/htmx.min.js", "vendor/htmx2/sse.js", "chat.js"),
    },
    "htmx4": {
        "name": "htmx4",
        "label": "htmx 4 + hx-sse",
        "scripts": ("vendor/htmx4/htmx.min.js", "vendor/htmx4/hx-sse.js", "chat.js"),
    },
}

templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter()


def _snippet(text: str, limit: int = 140) -> str:
    """The first prose line of a markdown document, cut at a word boundary."""
    line = next((line for line in text.splitlines() if line.strip() and not line.startswith("#")), "")
    return line if len(line) <= limit else line[:limit].rsplit(" ", 1)[0] + "…"


templates.env.filters["snippet"] = _snippet


def _state_line(state: str, text: str) -> str:
    return f'<p class="turn-state" data-state="{state}">{text}</p>'


#: What the registry appends to an answer that did not end normally, in the page's own state markup.
NOTICES = {
    "stopped": _state_line("stopped", "Stopped"),
    "timeout": _state_line("stopped", "Cut short: the answer took too long"),
    "abandoned": _state_line("stopped", "Cancelled: nobody was reading it"),
    "interrupted": _state_line("failed", "Interrupted. Please ask again."),
    "unknown": _state_line("expired", "This answer is no longer available. Please ask again."),
    "busy": '<p class="notice" role="alert">Too many answers are being written for you. Wait for one to finish.</p>',
}


def get_llm(request: Request) -> LLMClient:
    """The model every chat route uses; replace it with ``app.dependency_overrides[get_llm]``."""
    llm: LLMClient = request.app.state.llm
    return llm


def get_retriever(request: Request) -> Retriever:
    retriever: Retriever = request.app.state.retriever
    return retriever


def _state(request: Request) -> tuple[Conversations, StreamRegistry]:
    return request.app.state.conversations, request.app.state.registry


def _session(request: Request) -> tuple[str, bool]:
    """The browser's session and whether it is new: unknown ones (e.g. after a restart) start afresh."""
    conversations, _ = _state(request)
    session = request.cookies.get(SESSION_COOKIE)
    if session is not None and conversations.known(session):
        return session, False
    return conversations.new_session(), True


def _set_session(response: Response, session: str) -> None:
    response.set_cookie(SESSION_COOKIE, session, httponly=True, samesite="strict")


def _answer_options(request: Request, session: str, turn: Turn, llm: LLMClient, *, registry: bool) -> dict[str, Any]:
    """What both frontends pass to the library: the blocks, the sources first, and remembering the exchange.

    ``registry`` tells the template that the registry appends the reason an answer ended early (``NOTICES``);
    ``embedded`` that the usage is counted in the embedded model's word pieces.
    """
    conversations, _ = _state(request)

    def remember(text: str) -> None:
        conversations.record(session, turn.question, text)

    return {
        "sources_block": "sources",
        "sources": turn.documents,
        "error_block": "failed",
        "reasoning_block": "reasoning",
        "tools_block": "tools",
        "usage_block": "usage",
        "extra_context": {"turn": turn, "registry": registry, "embedded": isinstance(llm, EmbeddedLLM)},
        "on_complete": remember,
    }


def _page(request: Request, frontend: str) -> HTMLResponse:
    conversations, _ = _state(request)
    context = {"frontend": FRONTENDS[frontend], "examples": EXAMPLES, "max_question": MAX_QUESTION}
    response = templates.TemplateResponse(request, "chat.html", context)
    # A page load starts a new conversation: the page shows no earlier turns, so the model should not either.
    _set_session(response, conversations.new_session())
    return response


@router.get("/", response_class=HTMLResponse)
async def htmx2_page(request: Request) -> HTMLResponse:
    return _page(request, "htmx2")


@router.get("/htmx4", response_class=HTMLResponse)
async def htmx4_page(request: Request) -> HTMLResponse:
    return _page(request, "htmx4")


@router.post("/chat", response_class=HTMLResponse)
async def ask(
    request: Request,
    question: Annotated[str, Form()],
    llm: Annotated[LLMClient, Depends(get_llm)],
    retriever: Annotated[Retriever, Depends(get_retriever)],
) -> Response:
    """htmx 2: start the answer in the background and return the turn that follows it."""
    question = question.strip()
    if not question or len(question) > MAX_QUESTION:
        return _notice()
    session, new = _session(request)
    conversations, registry = _state(request)
    turn = Turn(new_turn_id(), question, retriever.run(question), conversations.history(session))
    options = _answer_options(request, session, turn, llm, registry=True)
    answer = answer_items(llm, turn.question, search=turn.search, history=turn.history)
    response = await registry.start(
        request, answer, "answer.html", scaffold_block="turn", owner=session, mode="markdown-replace", **options
    )
    if new:
        _set_session(response, session)
    return response


def _notice() -> HTMLResponse:
    message = f"Please type a question of at most {MAX_QUESTION} characters."
    return HTMLResponse(Fragment("answer.html", "notice", message=message).render(templates))


@router.get("/chat/stream/{stream_id}")
async def stream_answer(request: Request, stream_id: str) -> Response:
    """htmx 2: follow an answer from its latest frame; unknown ids get a polite 200 and ``done``."""
    _, registry = _state(request)
    return registry.follow(request, stream_id, owner=request.cookies.get(SESSION_COOKIE), dialect="htmx2")


@router.post("/chat/stop/{stream_id}", status_code=204)
async def stop_answer(request: Request, stream_id: str) -> Response:
    """htmx 2: end a generation; its followers get the partial answer marked Stopped, then ``done``."""
    _, registry = _state(request)
    return await registry.stop(request, stream_id, owner=request.cookies.get(SESSION_COOKIE))


@router.post("/htmx4/chat")
async def ask_htmx4(
    request: Request,
    question: Annotated[str, Form()],
    turn: Annotated[str, Form()],
    llm: Annotated[LLMClient, Depends(get_llm)],
    retriever: Annotated[Retriever, Depends(get_retriever)],
) -> Response:
    """htmx 4: the POST response is the stream, aimed at the turn the page added for it."""
    question = question.strip()
    if not TURN_ID.match(turn):
        raise HTTPException(400, "turn must be an id made by the page")
    if not question or len(question) > MAX_QUESTION:
        return _notice()
    session, new = _session(request)
    conversations, _ = _state(request)
    current = Turn(turn, question, retriever.run(question), conversations.history(session))
    options = {**_answer_options(request, session, current, llm, registry=False), "error_block": "markdown_failed"}
    parts = {kind: f"#{kind}-{turn}" for kind in ("reasoning", "tools", "usage")}
    stream = FragmentStreamResponse(
        answer_items(llm, question, search=current.search, history=current.history),
        "answer.html",
        "markdown_body",
        dialect=HTMX4(target=f"#body-{turn}", sources_target=f"#sources-{turn}", part_targets=parts),
        mode="markdown",
        min_interval=0.05,
        **options,
    )
    if new:
        _set_session(stream, session)
    return stream


@router.get("/docs/{doc_id}", response_class=HTMLResponse)
async def document(request: Request, doc_id: str, retriever: Annotated[Retriever, Depends(get_retriever)]) -> Any:
    doc = retriever.get(doc_id)
    if doc is None:
        raise HTTPException(404, "no such document")
    return templates.TemplateResponse(request, "document.html", {"doc": doc})


def create_app(llm: LLMClient | None = None) -> FastAPI:
    """Build the demo app; ``llm`` defaults to ``llm_from_env()`` (the keyless ``EmbeddedLLM`` unless set).

    Example::

        uvicorn.run(create_app(EmbeddedLLM(tokens_per_second=80, first_token_delay=0)))
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.llm = llm if llm is not None else llm_from_env()
        app.state.retriever = Retriever(load_corpus())
        app.state.conversations = Conversations()
        registry = StreamRegistry(
            os.environ.get("FRAGMENTS_REDIS_URL") or None,  # set it to share streams between workers
            min_interval=0.05,
            notices=NOTICES,
            stream_route="stream_answer",
            stop_route="stop_answer",
        )
        app.state.registry = registry
        try:
            async with registry:
                yield
        finally:
            await app.state.llm.aclose()

    app = FastAPI(title="fastapi-fragments demo", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.add_middleware(FragmentsMiddleware, templates=templates)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(router)
    return app


app = create_app()
