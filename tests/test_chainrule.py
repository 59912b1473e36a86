"""``import chainrule``: trace in process, the result's attributes, errors, show(), and what the
package (and the server) import.

Expected numbers are computed here by hand (closed forms, numpy), or are the REST API's own
answer to the same request through the real route (FastAPI's TestClient on create_app()).
"""

from __future__ import annotations

import ast
import json
import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

import chainrule
from app.limits import Limits
from app.main import create_app

ROOT = Path(__file__).resolve().parent.parent

SEED = {"layers": [2, 2, 2], "inputs": [[0.05, 0.1]], "targets": [[0.01, 0.99]],
        "params": {"W1": [[0.15, 0.2], [0.25, 0.3]], "b1": 0.35,
                   "W2": [[0.4, 0.45], [0.5, 0.55]], "b2": 0.6}}


def _sigmoid(z: Any) -> Any:
    return 1 / (1 + np.exp(-z))


def _seed_by_hand() -> dict[str, float]:
    """The seed network's gradients, written out as its note derives them (numpy, float64)."""
    x = np.array([0.05, 0.1])
    w1, b1 = np.array([[0.15, 0.2], [0.25, 0.3]]), 0.35
    w2, b2 = np.array([[0.4, 0.45], [0.5, 0.55]]), 0.6
    t = np.array([0.01, 0.99])
    h = _sigmoid(w1 @ x + b1)
    o = _sigmoid(w2 @ h + b2)
    delta_o = -(t - o) * o * (1 - o)  # dE/dz3, dE/dz4
    delta_h = (w2.T @ delta_o) * h * (1 - h)  # dE/dz1, dE/dz2: the sum over both paths
    g2, g1 = np.outer(delta_o, h), np.outer(delta_h, x)
    return {"w1": g1[0, 0], "w2": g1[0, 1], "w3": g1[1, 0], "w4": g1[1, 1],
            "w5": g2[0, 0], "w6": g2[0, 1], "w7": g2[1, 0], "w8": g2[1, 1],
            "E_total": float(0.5 * np.sum((t - o) ** 2)), "dE/dh1": float((w2.T @ delta_o)[0])}


@pytest.fixture(scope="module")
def api() -> TestClient:
    return TestClient(create_app())


def test_the_lectures_first_example() -> None:
    r = chainrule.trace("(x + y) * z", x=-2, y=5, z=-4)
    assert r.grad == {"x": -4.0, "y": -4.0, "z": 3.0}
    assert r.value == -12.0
    assert all(type(g) is float for g in r.grad.values())
    # the unnamed output is shown by its display name, never by its id
    assert "#" in r.output and "#" not in repr(r) and r.output_name in repr(r)


def test_a_staged_program_keeps_its_names() -> None:
    r = chainrule.trace("q = x + y\nf = q * z", x=-2, y=5, z=-4)
    assert r.output == "f"
    assert r.nodes["q"].value == 3.0 and r.nodes["q"].grad == -4.0
    assert r.nodes["f"].inputs == ("q", "z")
    assert r.grad == {"x": -4.0, "y": -4.0, "z": 3.0}  # inputs only, as PyTorch's leaf .grad


def test_gradients_are_shaped_like_their_variables() -> None:
    # the seed's vectorized example, f = ||W x||^2: grad_W = 2 q x^T, grad_x = 2 W^T q
    w, x = np.array([[0.1, 0.5], [-0.3, 0.8]]), np.array([0.2, 0.4])
    r = chainrule.trace("sum((W @ x) ** 2)", W=w, x=x)
    q = w @ x
    assert r.grad["W"].shape == (2, 2) and r.grad["x"].shape == (2,)
    np.testing.assert_allclose(r.grad["W"], 2 * np.outer(q, x), rtol=1e-15)
    np.testing.assert_allclose(r.grad["x"], 2 * w.T @ q, rtol=1e-15)
    np.testing.assert_allclose(r.grad["W"], [[0.088, 0.176], [0.104, 0.208]], rtol=1e-14)
    assert r.value == pytest.approx(float(q @ q), rel=1e-15)


def test_a_graph_dict_and_a_whole_request_give_the_same_result() -> None:
    graph = {"nodes": [{"id": "x", "op": "input"}, {"id": "y", "op": "mul", "inputs": ["x", "x"]}],
             "output": "y"}
    r = chainrule.trace(graph, x=3)
    assert r.grad == {"x": 6.0} and r.value == 9.0
    assert r.request == {"graph": graph, "values": {"x": 3}}
    again = chainrule.trace(r.request)
    assert again.to_json() == r.to_json()
    # names that are not Python identifiers, or clash with the keywords, go in the dict
    odd = {"nodes": [{"id": "fc1.weight", "op": "input"}, {"id": "limits", "op": "input"},
                     {"id": "p", "op": "mul", "inputs": ["fc1.weight", "limits"]}],
           "output": "p"}
    assert chainrule.trace(odd, {"fc1.weight": 2.0, "limits": 5.0}).grad == \
        {"fc1.weight": 5.0, "limits": 2.0}


def test_the_seed_network_by_its_names() -> None:
    r = chainrule.trace(SEED)
    expect = _seed_by_hand()
    assert r.value == pytest.approx(expect["E_total"], rel=1e-14)
    for name in ("w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"):
        assert r.grad[name] == pytest.approx(expect[name], rel=1e-13), name
    assert r.grad["w5"] == pytest.approx(0.0821670405642308, rel=1e-12)  # the seed's w5
    # a network's values are its parameters
    moved = chainrule.trace(SEED, w5=0.5)
    assert moved.nodes["w5"].value == 0.5 and moved.value != r.value


def test_to_json_is_the_rest_apis_answer(api: TestClient) -> None:
    for source, values in [("(x + y) * z", {"x": -2, "y": 5, "z": -4}),
                           ("sum((W @ x) ** 2)", {"W": [[0.1, 0.5], [-0.3, 0.8]], "x": [0.2, 0.4]}),
                           (SEED, {})]:
        r = chainrule.trace(source, values)
        answer = api.post(r.endpoint, json=r.request)
        assert answer.status_code == 200
        assert r.to_json() == answer.text
        assert r.document == answer.json()


def test_derivation_is_the_apis_explain(api: TestClient) -> None:
    r = chainrule.trace(SEED)
    d = r.derivation("w1")
    body = api.post("/api/network", json={**SEED, "explain": ["w1"]}).json()
    assert dict(d) == body["derivations"]["w1"]
    # step 2: dE/dh1 is the sum over its two paths (the seed's 0.0554 + (-0.01905) = 0.03635)
    h1 = next(line for line in d["lines"] if line["node"] == "h1")
    assert len(h1["terms"]) == 2
    assert h1["value"] == pytest.approx(_seed_by_hand()["dE/dh1"], rel=1e-13)
    assert math.fsum(term["value"] for term in h1["terms"]) == pytest.approx(h1["value"],
                                                                           rel=1e-15)
    assert d["total"] == pytest.approx(_seed_by_hand()["w1"], rel=1e-13)
    assert d["update"]["after"] == pytest.approx(0.15 - 0.5 * _seed_by_hand()["w1"], rel=1e-15)
    assert d._repr_latex_() == f"$$ {d['latex']} $$"
    assert r.derivation("w1") is d  # asked once


def test_learning_rate_gives_the_update_line() -> None:
    r = chainrule.trace("w * x", w=0.15, x=2.0, learning_rate=0.5)
    update = r.derivation("w")["update"]
    assert (update["alpha"], update["before"], update["grad"]) == (0.5, 0.15, 2.0)
    assert update["after"] == 0.15 - 0.5 * 2.0


@pytest.mark.parametrize(
    ("source", "values", "kind", "where"),
    [
        ("(x + y", {}, "expression", "line"),
        ("x * y", {"x": float("nan"), "y": 1.0}, "validation", "values.x"),
        ("x * y", {"x": "two", "y": 1.0}, "validation", "values.x"),
        ("q = x * 2; f = q + 1", {"q": 1.0, "x": 1.0}, "value", "values.q"),
        ("sqrt(x)", {"x": 0.0}, "numeric", None),
        ({"layers": [2, 2], "inputs": [[1.0, 2.0, 3.0]], "targets": [[1.0, 0.0]]}, {},
         "value", None),
    ],
)
def test_errors_are_the_apis(api: TestClient, source: object, values: dict[str, Any],
                             kind: str, where: str | None) -> None:
    with pytest.raises(chainrule.ChainruleError) as caught:
        chainrule.trace(source, values)
    e = caught.value
    endpoint = "/api/network" if isinstance(source, dict) else "/api/graph"
    body = {**source, "params": values} if isinstance(source, dict) else \
        {"expression": source, "values": values}
    # json.dumps writes NaN as the bare word, which the server's JSON parser reads as NaN
    answer = api.post(endpoint, content=json.dumps(body),
                      headers={"content-type": "application/json"})
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert (e.kind, e.message, e.node, e.field, e.line, e.column) == (
        error["kind"], error["message"], error.get("node"), error.get("field"),
        error.get("line"), error.get("column"))
    assert e.kind == kind and e.status is None
    if where == "line":
        assert e.line == 1 and str(e).endswith(f"(line {e.line}, column {e.column})")
    elif where is not None:
        assert e.field == where


def test_limits_default_to_the_documented_ones_and_can_be_changed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHAINRULE_MAX_NODES", "3")  # the server's setting: not the library's
    chain = " + ".join(f"x{i}" for i in range(10))
    assert chainrule.trace(chain, {f"x{i}": 1.0 for i in range(10)}).value == 10.0
    assert Limits.defaults().max_nodes > 19
    with pytest.raises(chainrule.ChainruleError) as caught:
        chainrule.trace(chain, {f"x{i}": 1.0 for i in range(10)}, limits={"max_nodes": 5})
    assert caught.value.kind == "limit" and "5" in caught.value.message
    with pytest.raises(TypeError, match=r"unknown limit 'nodes'.*max_nodes"):
        chainrule.trace("x", x=1.0, limits={"nodes": 5})


def test_a_source_of_no_known_form_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="cannot trace a list"):
        chainrule.trace([1, 2, 3])
    with pytest.raises(TypeError, match="cannot trace dict"):
        chainrule.trace({"expr": "x"})


def test_show_writes_a_self_contained_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    hostile = "</script><img src=x onerror=alert(1)>"
    graph = {"nodes": [{"id": hostile, "op": "input"},
                       {"id": "f", "op": "mul", "inputs": [hostile, hostile]}], "output": "f"}
    r = chainrule.trace(graph, {hostile: 3.0})
    path = r.show()
    assert path == tmp_path / "chainrule-f.html"
    said = capsys.readouterr().out
    assert "chainrule-f.html" in said and "widget" in said
    text = path.read_text(encoding="utf-8")
    assert "<img" not in text and "&lt;img src=x" in text  # the id is escaped everywhere
    assert re.findall(r"<script\b", text) == ['<script']  # only the data element
    data = re.search(r'<script type="application/json" id="chainrule-document">(.*?)</script>',
                     text, re.S)
    assert data is not None and json.loads(data.group(1)) == r.document
    assert "notebook widget" in text
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)  # nothing loaded from afar
    # a path of one's own, and the row of every node
    mine = r.show(tmp_path / "mine.html")
    assert mine.read_text(encoding="utf-8").count("<tr><td>") == len(r.nodes)


def test_nodes_and_edges_read_the_document() -> None:
    r = chainrule.trace("q = x * x; f = q + x", x=3.0)
    assert list(r.nodes) == r.document["forward_order"]
    assert [(e.source, e.target, e.slot) for e in r.edges] == \
        [(e["source"], e["target"], e["slot"]) for e in r.document["edges"]]
    # x is used three times: its gradient is the sum of what its edges carry, 2x + 1 = 7
    assert r.grad["x"] == 7.0
    assert math.fsum(e.grad for e in r.edges if e.source == "x") == 7.0  # type: ignore[misc]
    assert "f = 12" in repr(r) and "x: 7" in repr(r)


def _imported(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys, json\n"
                          "print(json.dumps(sorted(sys.modules)))"],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_import_chainrule_imports_neither_torch_nor_httpx_nor_the_web_framework() -> None:
    loaded = _imported("import chainrule; chainrule.trace('x * y', x=1, y=2)")
    assert not {"torch", "httpx", "fastapi", "starlette"} & loaded


def test_the_server_never_imports_chainrule_or_torch() -> None:
    loaded = _imported("from app.main import create_app; create_app()")
    assert "chainrule" not in loaded and "torch" not in loaded
    for path in (ROOT / "app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not [n for n in names if n.split(".")[0] in ("chainrule", "torch")], path
