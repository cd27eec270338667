// The demo's few lines of page behaviour, shared by the htmx 2 and htmx 4 pages:
// example buttons, Enter to send, keeping each turn's data-state / aria-busy in sync with the
// streamed state line, sticking to the bottom while an answer grows, and (htmx 4 only) adding
// the turn a stream will fill, since there the form's POST response is the stream itself.
(() => {
  "use strict";
  const form = document.getElementById("chat-form");
  const input = document.getElementById("question");
  const log = document.getElementById("conversation");
  const template = document.getElementById("turn-template"); // htmx 4 page only

  function nearBottom() {
    return window.innerHeight + window.scrollY >= document.body.scrollHeight - 120;
  }

  // The answer's aria-busy stays true while it streams so screen readers announce it once,
  // complete, instead of at every re-render.
  // The state is the answer's last state line (a notice the server appends comes last and wins),
  // except that a failure anywhere wins (markdown mode appends the error after the answer).
  function sync(turn) {
    const lines = turn.querySelectorAll(".answer .turn-state");
    const last = lines[lines.length - 1];
    const state = turn.querySelector('.answer .turn-state[data-state="failed"]') ? "failed" : last?.dataset.state || "busy";
    turn.dataset.state = state;
    turn.querySelector(".answer")?.setAttribute("aria-busy", String(state === "busy"));
    const label = last?.lastChild;
    const written = Array.from(turn.querySelectorAll(".answer-text")).some((part) => part.textContent);
    if (state === "busy" && label?.nodeType === Node.TEXT_NODE && written) {
      if (label.textContent !== " Writing…") label.textContent = " Writing…";
    }
  }

  let stick = true;
  window.addEventListener("scroll", () => { stick = nearBottom(); }, { passive: true });
  new MutationObserver((records) => {
    const turns = new Set(records.map((r) => r.target.closest?.(".turn")).filter(Boolean));
    records.forEach((r) => r.addedNodes.forEach((n) => n.classList?.contains("turn") && turns.add(n)));
    turns.forEach(sync);
    if (stick) window.scrollTo({ top: document.body.scrollHeight });
  }).observe(log, { childList: true, subtree: true });

  function send() {
    if (input.value.trim()) form.requestSubmit();
  }
  document.querySelectorAll("[data-example]").forEach((button) => {
    button.addEventListener("click", () => { input.value = button.textContent; send(); });
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); send(); }
  });

  // htmx 2 reads the form in htmx:configRequest; htmx 4 in htmx:config:request. Clear it after.
  document.addEventListener("htmx:configRequest", (event) => {
    if (event.detail.elt === form) setTimeout(() => { input.value = ""; });
  });

  if (!template) return;
  let current = null;
  document.addEventListener("htmx:config:request", (event) => {
    const ctx = event.detail.ctx;
    if (ctx.sourceElement !== form) return;
    const id = "t" + Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, "0")).join("");
    const html = template.innerHTML.replaceAll("__TURN__", id);
    log.insertAdjacentHTML("beforeend", html);
    current = document.getElementById(id);
    current.querySelector(".question-text").textContent = ctx.request.body.get("question");
    htmx.process(current);
    ctx.request.body.set("turn", id);
    setTimeout(() => { input.value = ""; });
  });
  // In markdown mode the server never re-renders the state line: the page sets it from how the
  // stream ended. `done` is the stream's last (named) event; a close without it means Stop
  // aborted the request, or the network failed.
  function finish(state, text) {
    if (!current || current.dataset.state !== "busy") return;
    const lines = current.querySelectorAll(".answer .turn-state");
    const line = lines[lines.length - 1];
    line.dataset.state = state;
    line.textContent = text;
  }
  form.addEventListener("done", () => finish("done", "Done"));
  document.addEventListener("htmx:sse:close", (event) => {
    if (event.target !== form || !current) return;
    if (current.dataset.stopping) finish("stopped", "Stopped");
    else finish("failed", "The connection was lost. Please ask again.");
  });
  document.addEventListener("click", (event) => {
    const stop = event.target.closest?.(".fragments-stop");
    if (stop) stop.closest(".turn").dataset.stopping = "1";
  }, true);
})();
