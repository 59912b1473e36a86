"""The page end to end (waits use selectors: wait_for_function would eval a string, which the
page's CSP rightly refuses): the backward animation shows exactly the API's gradients, in the API's
backward order; errors show at their position; hostile ids stay text; nothing breaks the CSP."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import Problems

pytestmark = pytest.mark.browser

SEED = "seed-network"
NUM = re.compile(r"(-?\d+(?:\.(\d+))?)(?:e(-?\d+))?")


def shown_equals(text: str, value: float) -> bool:
    """Does ``text`` (as the page formats it) show ``value`` to the precision it displays?"""
    t = text.strip().replace("\u2212", "-")
    m = NUM.fullmatch(t)
    assert m, f"not a number: {text!r}"
    decimals = len(m.group(2) or "")
    exp = int(m.group(3) or 0)
    tol = 0.5 * 10.0 ** (exp - decimals)
    return abs(float(t) - value) <= tol * (1 + 1e-9) + 1e-300


def flat(v: Any) -> list[float]:
    return [x for row in v for x in flat(row)] if isinstance(v, list) else [v]


def displayed_grads(page: Any) -> dict[str, list[str]]:
    """node id -> the texts of its displayed gradient (one, or one per grid cell shown)."""
    pairs = page.evaluate(
        """() => [...document.querySelectorAll('#graph [data-node-id]')].map(g => {
            const grad = g.querySelector('.grad');
            const cells = grad.querySelectorAll('.cell');
            const texts = cells.length ? [...cells].map(c => c.textContent) : [grad.textContent];
            return [g.getAttribute('data-node-id'), texts];
        })"""
    )
    # pairs, not an object: an id "__proto__" would not survive as an object key
    return dict(pairs)


def assert_grads_match(page: Any, result: dict[str, Any]) -> None:
    shown = displayed_grads(page)
    assert set(shown) == {n["id"] for n in result["nodes"]}
    for n in result["nodes"]:
        texts = shown[n["id"]]
        if n["grad"] is None:
            assert all(t == "" for t in texts), n["id"]
            continue
        grad = n["grad"]
        if isinstance(grad, list):
            rows = grad if isinstance(grad[0], list) else [grad]
            # the grid shows the top-left corner of at most 4 x 4 cells, row by row
            expected = [x for r in rows[:4] for x in r[:4]]
        else:
            expected = [grad]
        assert len(texts) == len(expected), n["id"]
        for t, v in zip(texts, expected, strict=True):
            assert shown_equals(t, v), f"{n['id']}: shows {t!r}, the API says {v}"


def open_and_capture(
    page: Any, url: str, endpoint: str, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Open ``url`` and return the result the page received (the POST of ``body`` if given)."""

    def is_result(r: Any) -> bool:
        if not (r.url.endswith(endpoint) and r.request.method == "POST"):
            return False
        return body is None or json.loads(r.request.post_data or "null") == body

    with page.expect_response(is_result) as resp:
        page.goto(url)
    result = resp.value.json()
    page.wait_for_selector("#graph [data-node-id]")
    page.evaluate("window.__watchGrads()")
    return dict(result)


def seed_url(live_url: str) -> tuple[str, str]:
    """The seed network's URL: its example if the API lists it, else the same request by #req."""
    examples = httpx.get(f"{live_url}/api/examples").json()
    if any(e["id"] == SEED for e in examples):
        return f"{live_url}/#example={SEED}", "/api/network"
    body = {
        "layers": [2, 2, 2],
        "activation": "sigmoid",
        "loss": "half_sse",
        "inputs": [[0.05, 0.1]],
        "targets": [[0.01, 0.99]],
        "learning_rate": 0.5,
    }
    req = base64.urlsafe_b64encode(json.dumps({"endpoint": "/api/network", "body": body}).encode())
    return f"{live_url}/#req={req.decode().rstrip('=')}", "/api/network"


def test_seed_is_first_and_default(page: Any, live_url: str) -> None:
    examples = httpx.get(f"{live_url}/api/examples").json()
    if not any(e["id"] == SEED for e in examples):
        pytest.skip("the API does not list the seed network yet")
    page.goto(live_url)
    page.wait_for_selector("#graph [data-node-id='E_total']")
    first = page.eval_on_selector(
        "#example-select", "s => [...s.querySelectorAll('option:not([disabled])')][0].value"
    )
    assert first == SEED
    assert page.input_value("#example-select") == SEED


def test_seed_network_played_to_the_end(page: Any, live_url: str) -> None:
    url, endpoint = seed_url(live_url)
    result = open_and_capture(page, url, endpoint)
    assert page.evaluate("document.body.dataset.phase") == "idle"
    # before the backward pass no gradient is shown
    assert all(t == [""] for t in displayed_grads(page).values())
    page.select_option("#speed", "16")
    page.get_by_role("button", name="Play").click()
    page.wait_for_selector("body[data-phase='backward']", timeout=20_000)
    page.wait_for_selector("body[data-phase='done']", timeout=60_000)
    order = page.evaluate("window.__gradOrder")
    assert order == result["backward_order"]
    assert_grads_match(page, result)
    # the seed's figure: x -> h -> o -> E_total, left to right, weights among them
    xs = dict(
        page.evaluate("""() => [...document.querySelectorAll('#graph [data-node-id]')]
        .map(g => [g.getAttribute('data-node-id'), g.getBoundingClientRect().x])""")
    )
    assert xs["x1"] < xs["h1"] < xs["o1"] < xs["E_total"]
    assert xs["w1"] < xs["h1"] and xs["h1"] < xs["w5"] + 200
    # the fan-in at h1 was spelled out: every edge into... h1 received two contributions
    assert page.get_by_role("button", name="Play").is_visible()


def test_expression_typed_then_jump_to_end(page: Any, live_url: str) -> None:
    page.goto(f"{live_url}/#example=cs231n-simple")
    page.wait_for_selector("#graph [data-node-id='f']")
    # w is new: the editor gives it a field (1) before asking, so the API has nothing to refuse
    page.fill("#expr-input", "s = x * y + exp(z)\nf = s * x + max(y, z) * w")
    with page.expect_response(lambda r: r.url.endswith("/api/graph")) as resp:
        page.get_by_role("button", name="Run forward & backward").click()
    result = resp.value.json()
    page.wait_for_selector("#graph [data-node-id='s']")
    page.evaluate("window.__watchGrads()")
    page.get_by_role("button", name="Jump to end").click()
    page.wait_for_selector("body[data-phase='done']")
    assert page.evaluate("window.__gradOrder") == result["backward_order"]
    assert_grads_match(page, result)
    # the link reproduces the edited graph
    link = page.evaluate("location.href")
    assert "expr=" in link
    page.goto(f"{live_url}/")
    page.wait_for_selector("#graph [data-node-id]")
    page.goto(link)
    page.wait_for_selector("#graph [data-node-id='s']")
    assert page.input_value("#expr-input") == "s = x * y + exp(z)\nf = s * x + max(y, z) * w"
    # back to the start: every gradient is cleared again
    page.keyboard.press("Home")
    assert page.evaluate("document.body.dataset.phase") == "idle"
    assert all(t == [""] for t in displayed_grads(page).values())


def test_step_by_step_with_keys(page: Any, live_url: str) -> None:
    result = open_and_capture(page, f"{live_url}/#example=fan-out", "/api/graph")
    page.select_option("#speed", "16")
    page.focus("#graph-stage")
    seen = []
    for _ in range(20):
        page.keyboard.press("ArrowRight")
        page.wait_for_selector(".pulse", state="detached")
        seen.append(page.evaluate("document.body.dataset.phase"))
        if seen[-1] == "done":
            break
    assert seen[0] == "forward" and "backward" in seen and seen[-1] == "done"
    assert_grads_match(page, result)
    # the fan-out sum of x is spelled out while x is completed: 3 + 3 + 1 = 7
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowRight")
    page.wait_for_selector("body[data-phase='done']")
    page.keyboard.press("End")
    narration = page.text_content("#narration") or ""
    assert "∂f/∂x = 7" in narration


def test_invalid_expression_shows_where(page: Any, live_url: str, problems: Problems) -> None:
    problems.allow_status(422)
    page.goto(f"{live_url}/#example=cs231n-simple")
    page.wait_for_selector("#graph [data-node-id='f']")
    bad = "q = x + y\nf = q * * z"
    api = httpx.post(f"{live_url}/api/graph", json={"expression": bad, "values": {}})
    api = api.json()["error"]
    assert api["kind"] == "expression" and api["line"] == 2
    page.fill("#expr-input", bad)
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#expr-error:not([hidden])")
    box = page.text_content("#expr-error") or ""
    assert f"line {api['line']}, column {api['column']}" in box
    lines = (page.text_content("#expr-error .error-snippet") or "").split("\n")
    code, caret = lines[0], lines[1]
    # the caret sits under the character the API points at
    assert caret.index("^") == code.index("| ") + 2 + api["column"] - 1
    assert page.text_content("#expr-error mark.err-at") == bad.split("\n")[1][api["column"] - 1]
    assert page.get_attribute("#expr-input", "aria-invalid") == "true"
    # the last good graph stays on screen
    assert page.locator("#graph [data-node-id='f']").count() == 1


def test_hostile_ids_stay_text(page: Any, live_url: str) -> None:
    evil = "<img src=x onerror=alert(1)>"
    body = {
        "graph": {
            "nodes": [
                {"id": evil, "op": "input"},
                {"id": "__proto__", "op": "mul", "inputs": [evil, evil]},
                {"id": "constructor", "op": "sigmoid", "inputs": ["__proto__"]},
            ],
            "output": "constructor",
        },
        "values": {evil: 0.5},
    }
    req = base64.urlsafe_b64encode(json.dumps({"endpoint": "/api/graph", "body": body}).encode())
    result = open_and_capture(page, f"{live_url}/#req={req.decode().rstrip('=')}", "/api/graph")
    page.get_by_role("button", name="Jump to end").click()
    page.wait_for_selector("body[data-phase='done']")
    assert page.locator("#graph img, #narration img, #inspector img").count() == 0
    ids = page.eval_on_selector_all(
        "#graph [data-node-id]", "gs => gs.map(g => g.getAttribute('data-node-id'))"
    )
    assert sorted(ids) == sorted([evil, "__proto__", "constructor"])
    label = page.locator("#graph [data-node-id]").filter(has_text="onerror").first.locator(".label")
    assert label.text_content() == evil
    assert_grads_match(page, result)
    assert page.evaluate("window.__gradOrder") == result["backward_order"]
    # the inspector writes names as text too
    page.locator("#graph [data-node-id]").filter(has_text="onerror").first.click()
    assert evil in (page.text_content("#inspector-body") or "")
    assert page.evaluate(
        "Object.prototype.polluted === undefined && typeof ({}).__proto__ === 'object'"
    )


def test_csp_header_and_nothing_blocked(page: Any, live_url: str) -> None:
    r = httpx.get(f"{live_url}/")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "<script>" not in r.text and "style=" not in r.text
    page.goto(f"{live_url}/#example=vectorized-norm")
    page.wait_for_selector("#graph [data-node-id='W']")
    page.get_by_role("button", name="Jump to end").click()
    # KaTeX in the inspector, the gradient check of a leaf
    page.locator("#graph [data-node-id='W']").click()
    page.wait_for_selector("#inspector .katex")
    page.get_by_role("button", name="Check numerically").click()
    page.wait_for_selector("#inspector .gc")
    assert "✓" in (page.text_content("#inspector .gc") or "")
    # an edge: upstream x local = carried
    page.locator("#graph [data-edge-source='q'][data-edge-target]").first.dispatch_event("click")
    assert "carried" in (page.text_content("#inspector-body") or "")
    assert page.evaluate("window.__csp") == []


def test_exports(page: Any, live_url: str) -> None:
    page.goto(f"{live_url}/#example=gates")
    page.wait_for_selector("#graph [data-node-id='x']")
    page.get_by_role("button", name="Jump to end").click()
    for kind, magic in (("png", b"\x89PNG"), ("svg", b"<svg"), ("json", b"{")):
        page.click("#export-btn")
        with page.expect_download() as dl:
            page.click(f"[data-export='{kind}']")
        path = dl.value.path()
        data = Path(path).read_bytes()
        assert data.startswith(magic), kind
        if kind == "json":
            assert json.loads(data)["backward_order"]


def test_controls_have_names_and_help_opens(page: Any, live_url: str) -> None:
    page.goto(f"{live_url}/#example=cs231n-simple")
    page.wait_for_selector("#graph [data-node-id='f']")
    for name in ("Play", "Step forward", "Step back", "Reset", "Jump to end"):
        assert page.get_by_role("button", name=name, exact=True).count() == 1, name
    page.get_by_role("button", name="Play", exact=True).click()
    page.get_by_role("button", name="Pause", exact=True).click()
    page.focus("#graph-stage")
    page.keyboard.press("?")
    assert page.is_visible("#help")
    page.keyboard.press("Escape")
    assert not page.is_visible("#help")


def test_weight_derivation_and_training(page: Any, live_url: str) -> None:
    url, endpoint = seed_url(live_url)
    result = open_and_capture(page, url, endpoint)
    page.get_by_role("button", name="Jump to end").click()
    page.locator("#graph [data-node-id='w1']").dispatch_event("click")
    page.wait_for_selector("#derivation .path")
    text = page.text_content("#derivation-body") or ""
    # the seed's step 2: dE/dw1 sums the paths through o1 and o2, then the update
    assert "Path 1 of 2" in text and "Path 2 of 2" in text
    grad = next(n["grad"] for n in result["nodes"] if n["id"] == "w1")
    total = page.text_content("#derivation-body .total strong") or ""
    assert shown_equals(total, grad)
    # every factor shows its number, as the API gives it
    cells = page.locator("#derivation-body .path").first.locator(".factors .num")
    factors = result["derivations"]["w1"]["paths"][0]["factors"]
    assert cells.count() == len(factors) == 5
    for i, f in enumerate(factors):
        assert shown_equals(cells.nth(i).inner_text(), f["value"])
    assert "w1⁺ =" in text
    page.wait_for_selector("#derivation .katex")
    # one training step: the loss curve gets a point, the parameters change
    before = page.locator("#loss-chart .loss-line").count()
    with page.expect_response(lambda r: r.url.endswith("/api/network/train")) as resp:
        page.get_by_role("button", name="One step").click()
    assert resp.value.ok
    page.wait_for_selector("#training-params table")
    assert page.locator("#loss-chart .loss-line").count() == max(before, 1)


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1280, "height": 800}, {"width": 420, "height": 860}],
    ids=["desktop", "narrow"],
)
def test_screenshots_and_no_overflow(page: Any, live_url: str, viewport: dict[str, int]) -> None:
    url, endpoint = seed_url(live_url)
    open_and_capture(page, url, endpoint)
    page.get_by_role("button", name="Jump to end").click()
    page.wait_for_selector("body[data-phase='done']")
    width = viewport["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # the graph and the controls are on screen at once
    box = page.locator("#graph").bounding_box()
    assert box and box["width"] > 0.6 * width - 40 and box["height"] > 300
    page.screenshot(path=f"/tmp/chainrule-{width}.png")


def test_keyboard_reaches_nodes_and_links_open_at_a_frame(page: Any, live_url: str) -> None:
    page.goto(f"{live_url}/#example=cs231n-simple&frame=99")
    page.wait_for_selector("body[data-phase='done']")
    assert page.text_content("#graph [data-node-id='x'] .grad") == "-4"
    page.focus("#graph [data-node-id='x']")
    page.keyboard.press("Enter")
    page.wait_for_selector("#inspector .insp-label")
    assert page.text_content("#inspector .insp-label") == "x"
    assert page.evaluate("document.activeElement.getAttribute('data-node-id')") == "x"
    # the focused node is visibly marked (an outline colour other than the resting one)
    stroke = page.eval_on_selector(
        "#graph [data-node-id='x'] .box", "b => getComputedStyle(b).strokeWidth"
    )
    assert float(stroke.replace("px", "")) >= 3


EDGE_GEOMETRY = """() => [...document.querySelectorAll('#graph g.edge')].map(e => {
    const node = (id) => [...document.querySelectorAll('#graph [data-node-id]')]
        .find(g => g.getAttribute('data-node-id') === id);
    const box = (g) => {
        const t = g.transform.baseVal.consolidate().matrix;
        const r = g.querySelector('.box');
        return {x: t.e, y: t.f, w: +r.getAttribute('width'), h: +r.getAttribute('height')};
    };
    const p = e.querySelector('.edge-line');
    const a = p.getPointAtLength(0), b = p.getPointAtLength(p.getTotalLength());
    const s = box(node(e.getAttribute('data-edge-source')));
    const t = box(node(e.getAttribute('data-edge-target')));
    const near = (q, n) => Math.abs(q.x - n.x) <= n.w / 2 + 2 && Math.abs(q.y - n.y) <= n.h / 2 + 2;
    return [e.getAttribute('data-edge-source'), e.getAttribute('data-edge-target'),
            near(a, s), near(b, t)];
})"""


def test_edges_follow_their_nodes_across_graphs(page: Any, live_url: str) -> None:
    # the edge join is keyed by (target, slot): graphs that share keys must not keep old paths
    for example in ("cs231n-simple", "fan-out", "gates", "sigmoid-neuron", "cs231n-simple"):
        page.goto(f"{live_url}/#example={example}")
        page.wait_for_selector("#graph [data-node-id]")
        page.wait_for_timeout(100)
        for src, tgt, starts, ends in page.evaluate(EDGE_GEOMETRY):
            assert starts and ends, f"{example}: edge {src} -> {tgt} is drawn away from its nodes"


def test_share_link_reopens_the_network_at_its_step(page: Any, live_url: str) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    url, endpoint = seed_url(live_url)
    open_and_capture(page, url, endpoint)
    page.select_option("#speed", "16")
    for _ in range(3):
        page.get_by_role("button", name="Step forward").click()
        page.wait_for_selector(".pulse", state="detached")
    page.get_by_role("button", name="Share link").click()
    page.wait_for_selector("#toast:not([hidden])")
    link = page.evaluate("navigator.clipboard.readText()")
    assert "frame=3" in link
    page.goto(f"{live_url}/#example=gates")
    page.wait_for_selector("#graph [data-node-id='x']")
    page.goto(link)
    page.wait_for_selector("#graph [data-node-id='E_total']")
    page.wait_for_selector("body[data-phase='forward']")
    assert (page.text_content("#step-counter") or "").startswith("3 /")


def test_pointing_at_a_path_marks_it_on_the_graph(page: Any, live_url: str) -> None:
    url, endpoint = seed_url(live_url)
    open_and_capture(page, url, endpoint)
    page.locator("#graph [data-node-id='w1']").dispatch_event("click")
    page.wait_for_selector("#derivation .path")
    page.locator("#derivation .path").nth(1).dispatch_event("mouseenter")
    on = page.eval_on_selector_all(
        "#graph .node.on-path", "gs => gs.map(g => g.getAttribute('data-node-id'))"
    )
    # the seed's second path for w1: through h1, o2's branch and E_o2
    for node in ("w1", "z1", "h1", "z4", "o2", "E_o2", "E_total"):
        assert node in on, node
    assert "o1" not in on and "z3" not in on
    page.locator("#derivation .path").nth(1).dispatch_event("mouseleave")
    assert page.locator("#graph .node.on-path").count() == 0


def test_every_example_plays_and_inspects_cleanly(page: Any, live_url: str) -> None:
    # a smoke test over what the API serves: jump to the end, open the inspector on nodes and
    # edges; any exception, failed request or CSP violation fails the test (the page fixture)
    for ex in httpx.get(f"{live_url}/api/examples").json():
        url = f"{live_url}/#example={ex['id']}"
        result = open_and_capture(page, url, ex["endpoint"], ex["request"])
        page.wait_for_selector("#graph-status", state="hidden")
        page.get_by_role("button", name="Jump to end").click()
        page.wait_for_selector("body[data-phase='done']")
        assert_grads_match(page, result)
        nodes = page.locator("#graph [data-node-id]")
        for i in range(min(nodes.count(), 12)):
            nodes.nth(i).dispatch_event("click")
            page.wait_for_selector("#inspector .insp-label")
        edges = page.locator("#graph g.edge")
        for i in range(min(edges.count(), 6)):
            edges.nth(i).dispatch_event("click")
            page.wait_for_selector("#inspector .insp-label")
        assert page.locator("#inspector .katex-error").count() == 0
