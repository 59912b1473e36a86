"""Browser tests: the real app on a free 127.0.0.1 port (uvicorn in a thread), driven by Debian's
Chromium through Playwright (no ``playwright install``).

Every test gets a ``page`` whose console errors, page errors, failed requests, HTTP responses
>= 400 and CSP violations are collected; the test fails on any of them at teardown, unless it
declared the status it provokes with ``problems.allow_status(422)``.

    def test_x(page, live_url, problems):
        page.goto(f"{live_url}/#example=gates")
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CHAINRULE_CHROMIUM", "/usr/bin/chromium")

# Records CSP violations and the order in which nodes receive their displayed gradient, from the
# very first script on the page (an init script runs before the page's own modules).
INIT_SCRIPT = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI} (${where})`);
});
window.__gradOrder = [];
window.__watchGrads = () => {
  window.__gradOrder = [];
  const seen = new Set();
  const svg = document.querySelector("#graph");
  // only mutations of a .grad element count: records arrive in batches, after the page has
  // already written later gradients, so looking at other mutations would misorder them
  const check = (target) => {
    const el = target.nodeType === 1 ? target : target.parentElement;
    if (!el || !el.closest(".grad")) return;
    const g = el.closest("[data-node-id]");
    if (!g) return;
    const id = g.getAttribute("data-node-id");
    const grad = g.querySelector(".grad");
    if (grad && grad.textContent.trim() !== "" && !seen.has(id)) {
      seen.add(id);
      window.__gradOrder.push(id);
    }
  };
  new MutationObserver((records) => records.forEach((r) => check(r.target)))
    .observe(svg, { subtree: true, childList: true, characterData: true });
};
"""


@dataclass
class Problems:
    """What went wrong in the page; ``allowed`` statuses are expected by the test."""

    items: list[str] = field(default_factory=list)
    allowed: set[int] = field(default_factory=set)

    def allow_status(self, status: int) -> None:
        self.allowed.add(status)

    def add(self, text: str) -> None:
        self.items.append(text)

    def unexpected(self) -> list[str]:
        out = []
        for p in self.items:
            # Chromium also logs an expected 4xx to the console as "Failed to load resource"
            if any(f"status of {s}" in p or p.startswith(f"HTTP {s} ") for s in self.allowed):
                continue
            out.append(p)
        return out


@pytest.fixture(scope="session")
def live_url() -> Iterator[str]:
    import uvicorn

    from app.main import app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


# Module scope, not session: Playwright's sync API keeps an event loop running in this thread
# while it is open, and later (non-browser) tests that call asyncio.run() would fail.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--disable-gpu", "--disable-quic"])
        yield b
        b.close()


@pytest.fixture
def problems() -> Problems:
    return Problems()


@pytest.fixture
def viewport() -> dict[str, int]:
    return {"width": 1280, "height": 800}


@pytest.fixture
def page(browser: Any, problems: Problems, viewport: dict[str, int]) -> Iterator[Any]:
    context = browser.new_context(viewport=viewport, accept_downloads=True)
    context.add_init_script(INIT_SCRIPT)
    pg = context.new_page()

    def on_console(m: Any) -> None:
        if m.type == "error":
            problems.add(f"console.{m.type}: {m.text}")

    def on_request_failed(r: Any) -> None:
        # a request the page itself aborted (a newer one replaced it) is not a failure
        if "net::ERR_ABORTED" not in str(r.failure):
            problems.add(f"request failed: {r.url} {r.failure}")

    def on_response(r: Any) -> None:
        if r.status >= 400:
            problems.add(f"HTTP {r.status} {r.url}")

    pg.on("console", on_console)
    pg.on("pageerror", lambda e: problems.add(f"pageerror: {e}"))
    pg.on("requestfailed", on_request_failed)
    pg.on("response", on_response)
    pg.on("dialog", lambda d: (problems.add(f"dialog opened: {d.message}"), d.dismiss()))
    yield pg
    try:
        csp = pg.evaluate("window.__csp || []")
    except Exception:  # the page may be gone
        csp = []
    problems.items.extend(f"CSP violation: {v}" for v in csp)
    context.close()
    bad = problems.unexpected()
    assert not bad, "the page reported problems:\n" + "\n".join(bad)
