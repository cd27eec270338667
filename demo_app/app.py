"""The demo: a chat over Kestrel's docs (a fictional job queue), answered by a streaming LLM.

Two pages speak to the same model through FastAPI ``Depends(get_llm)``:

- ``/``: htmx 2 + htmx-ext-sse. The form POSTs the question and gets a turn scaffold whose
  ``sse-connect`` GETs ``/chat/stream/{id}`` (a one-time id; the question stays server-side).
  Stop POSTs ``/chat/stop/{id}``.
- ``/htmx4``: htmx 4 + hx-sse. The form's POST response *is* the stream; Stop aborts it, and
  the disconnect closes the model's stream.

The model is ``app.state.llm`` (the keyless :class:`EmbeddedLLM` unless ``create_app`` is given
another one); override ``get_llm`` in ``app.dependency_overrides`` to swap it per test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import aclosing, asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from fastapi_fragments import Fragment, FragmentsMiddleware, FragmentStreamResponse, LLMClient, iter_text
from fastapi_fragments.adapters.embedded import EmbeddedLLM

from .retriever import Retriever, load_corpus
from .streams import TURN_ID, Conversations, PendingStreams, Turn, new_turn_id

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


def get_llm(request: Request) -> LLMClient:
    """The model every chat route uses; replace it with ``app.dependency_overrides[get_llm]``."""
    llm: LLMClient = request.app.state.llm
    return llm


def get_retriever(request: Request) -> Retriever:
    retriever: Retriever = request.app.state.retriever
    return retriever


def _state(request: Request) -> tuple[Conversations, PendingStreams]:
    return request.app.state.conversations, request.app.state.streams


def _session(request: Request) -> tuple[str, bool]:
    """The browser's session and whether it is new: unknown ones (e.g. after a restart) start afresh."""
    conversations, _ = _state(request)
    session = request.cookies.get(SESSION_COOKIE)
    if session is not None and conversations.known(session):
        return session, False
    return conversations.new_session(), True


def _set_session(response: Response, session: str) -> None:
    response.set_cookie(SESSION_COOKIE, session, httponly=True, samesite="strict")


async def _until_stopped(tokens: AsyncIterator[str], turn: Turn, on_close: Callable[[], None]) -> AsyncIterator[str]:
    """Pass tokens through until the Stop button flips ``turn.stopped``, then close the model's stream."""
    try:
        async with aclosing(iter_text(tokens)) as text:
            async for token in text:
                yield token
                if turn.stopped:
                    return
    finally:
        on_close()


def _answer(
    request: Request, llm: LLMClient, session: str, turn: Turn, on_close: Callable[[], None], **wire: Any
) -> FragmentStreamResponse:
    """Stream the answer to ``turn``: its sources first, then the text; remember the exchange at the end."""
    conversations, _ = _state(request)

    def remember(text: str) -> None:
        conversations.record(session, turn.question, text)

    tokens = llm.stream(turn.question, history=turn.history, documents=turn.documents)
    return FragmentStreamResponse(
        _until_stopped(tokens, turn, on_close),
        "answer.html",
        "response",
        sources_block="sources",
        sources=turn.documents,
        error_block="failed",
        extra_context={"turn": turn},
        min_interval=0.05,
        on_complete=remember,
        on_disconnect=remember,
        **wire,
    )


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
    retriever: Annotated[Retriever, Depends(get_retriever)],
) -> HTMLResponse:
    """htmx 2: keep the question server-side and answer with the turn that will stream it."""
    question = question.strip()
    if not question or len(question) > MAX_QUESTION:
        return _notice()
    session, new = _session(request)
    conversations, streams = _state(request)
    turn = Turn(new_turn_id(), question, retriever.search(question), conversations.history(session))
    stream_id = streams.create(session, turn)
    turn.stream_url = request.url_for("stream_answer", stream_id=stream_id).path
    turn.stop_url = request.url_for("stop_answer", stream_id=stream_id).path
    response = HTMLResponse(await Fragment("answer.html", "turn", turn=turn).render_async(templates))
    if new:
        _set_session(response, session)
    return response


def _notice() -> HTMLResponse:
    message = f"Please type a question of at most {MAX_QUESTION} characters."
    return HTMLResponse(Fragment("answer.html", "notice", message=message).render(templates))


@router.get("/chat/stream/{stream_id}")
async def stream_answer(
    request: Request, stream_id: str, llm: Annotated[LLMClient, Depends(get_llm)]
) -> FragmentStreamResponse:
    """htmx 2: the stream for a one-time id. Unknown or used ids get a polite ``done`` (never a 4xx:
    htmx-ext-sse would retry it forever), and so does a native reconnect after the end."""
    session = request.cookies.get(SESSION_COOKIE)
    _, streams = _state(request)
    turn = streams.claim(stream_id, session)
    if turn is None or session is None:
        expired = Turn(id="", question="", expired=True)
        return FragmentStreamResponse([], "answer.html", "response", extra_context={"turn": expired}, dialect="htmx2")
    return _answer(request, llm, session, turn, lambda: streams.finish(stream_id), dialect="htmx2")


@router.post("/chat/stop/{stream_id}", status_code=204)
async def stop_answer(request: Request, stream_id: str) -> Response:
    """htmx 2: end a generation; its stream then sends the partial answer marked Stopped, and ``done``."""
    _, streams = _state(request)
    streams.stop(stream_id, request.cookies.get(SESSION_COOKIE))
    return Response(status_code=204)


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
    current = Turn(turn, question, retriever.search(question), conversations.history(session))
    targets = {"target": f"#answer-{turn}", "sources_target": f"#sources-{turn}"}
    stream = _answer(request, llm, session, current, lambda: None, dialect="htmx4", **targets)
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
    """Build the demo app; ``llm`` defaults to a keyless :class:`EmbeddedLLM` at a human reading pace.

    Example::

        uvicorn.run(create_app(EmbeddedLLM(tokens_per_second=80, first_token_delay=0)))
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.llm = llm if llm is not None else EmbeddedLLM()
        app.state.retriever = Retriever(load_corpus())
        app.state.conversations = Conversations()
        app.state.streams = PendingStreams()
        try:
            yield
        finally:
            await app.state.llm.aclose()

    app = FastAPI(title="fastapi-fragments demo", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.add_middleware(FragmentsMiddleware, templates=templates)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(router)
    return app


app = create_app()
