"""POST /api/graph and the meta routes, through the real app in-process.

The published numbers are asserted against their analytic values, computed here by hand from
the formulas of the course and the seed, never copied from what the code returns.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.service import is_small
from app.settings import Settings


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app())


def _example(client: TestClient, ex_id: str) -> dict[str, Any]:
    ex = next(e for e in client.get("/api/examples").json() if e["id"] == ex_id)
    r = client.post(ex["endpoint"], json=ex["request"])
    assert r.status_code == 200, r.text
    return r.json()


def _grads(doc: dict[str, Any]) -> dict[str, Any]:
    return {n["id"]: n["grad"] for n in doc["nodes"]}


def test_cs231n_simple(client: TestClient) -> None:
    g = _grads(_example(client, "cs231n-simple"))
    assert (g["x"], g["y"], g["z"], g["q"], g["f"]) == (-4.0, -4.0, 3.0, -4.0, 1.0)


def test_sigmoid_neuron_matches_the_course_to_the_last_digit(client: TestClient) -> None:
    doc = _example(client, "sigmoid-neuron")
    g = _grads(doc)
    # dot = 2*-1 + -3*-2 + -3 = 1, f = sigmoid(1), df/ddot = (1 - f) f
    assert g["w0"] == -0.19661193324148185
    assert g["x0"] == 0.3932238664829637
    assert g["w1"] == -0.3932238664829637
    assert g["x1"] == -0.5898357997244456
    assert g["w2"] == 0.19661193324148185
    s = 1 / (1 + math.exp(-1.0))
    assert g["dot"] == pytest.approx((1 - s) * s, rel=1e-15)


def test_the_gate_by_gate_neuron_agrees_with_the_sigmoid_gate(client: TestClient) -> None:
    one, gates = _grads(_example(client, "sigmoid-neuron")), _grads(
        _example(client, "sigmoid-neuron-gates"))
    for name in ("w0", "x0", "w1", "x1", "w2"):
        # different rounding along a longer chain: equal to the last few bits
        assert gates[name] == pytest.approx(one[name], rel=1e-15, abs=0)


def test_vectorized_norm_matches_the_seed(client: TestClient) -> None:
    g = _grads(_example(client, "vectorized-norm"))
    W, x = np.array([[0.1, 0.5], [-0.3, 0.8]]), np.array([0.2, 0.4])
    np.testing.assert_allclose(g["W"], [[0.088, 0.176], [0.104, 0.208]], rtol=1e-14)
    np.testing.assert_allclose(g["x"], [-0.112, 0.636], rtol=1e-14)
    np.testing.assert_allclose(g["q"], 2 * (W @ x), rtol=1e-15)  # grad_q f = 2q


def test_gates(client: TestClient) -> None:
    doc = _example(client, "gates")
    g = _grads(doc)
    assert (g["x"], g["y"], g["z"], g["w"]) == (-8.0, 6.0, 2.0, 0.0)
    patterns = {(e["source"], e["target"]): e["patterns"] for e in doc["edges"]}
    mul = next(n for n in doc["nodes"] if n["op"] == "mul" and n["inputs"] == ["x", "y"])
    assert patterns[("x", mul["id"])] == ["mul-swaps"]
    mx = next(n for n in doc["nodes"] if n["op"] == "max")
    assert patterns[("z", mx["id"])] == ["max-routes"]


def test_result_shape_and_edge_grads_sum_to_node_grads(client: TestClient) -> None:
    doc = _example(client, "fan-out")
    assert doc["output"] == "f"
    assert doc["forward_order"][-1] == "f" and doc["backward_order"][0] == "f"
    node = {n["id"]: n for n in doc["nodes"]}
    assert node["x"]["grad"] == 2 * 3 + 1
    for n in doc["nodes"]:
        out = [e["grad"] for e in doc["edges"] if e["source"] == n["id"]]
        if out and n["grad"] is not None:
            assert sum(out) == pytest.approx(n["grad"], rel=1e-15)
    for e in doc["edges"]:
        src, tgt = node[e["source"]], node[e["target"]]
        if e["local_grad"] is not None and tgt["grad"] is not None and not src["shape"]:
            assert e["grad"] == pytest.approx(tgt["grad"] * e["local_grad"], rel=1e-15)


def test_graph_json_and_expression_give_the_same_gradients(client: TestClient) -> None:
    graph = {
        "nodes": [{"id": "x", "op": "input"}, {"id": "y", "op": "input"},
                  {"id": "z", "op": "input"}, {"id": "q", "op": "add", "inputs": ["x", "y"]},
                  {"id": "f", "op": "mul", "inputs": ["q", "z"]}],
        "output": "f",
    }
    values = {"x": -2, "y": 5, "z": -4}
    a = client.post("/api/graph", json={"graph": graph, "values": values}).json()
    b = client.post("/api/graph", json={"expression": "q = x + y; f = q * z",
                                        "values": values}).json()
    assert _grads(a) == _grads(b)


def test_gradcheck_is_returned_on_request(client: TestClient) -> None:
    r = client.post("/api/graph", json={"expression": "sum(tanh(W @ x))", "gradcheck": True,
                                        "values": {"W": [[1, 2], [3, -1]], "x": [0.1, 0.2]}})
    checks = r.json()["gradcheck"]
    assert [c["id"] for c in checks] == ["W", "x"]
    assert all(c["rel_error"] < 1e-6 for c in checks)


def test_explain_gives_the_sum_over_paths_and_the_update(client: TestClient) -> None:
    # f = x * x + x: the product is unnamed, so it is collapsed into one factor 1 + x + x = 7
    r = client.post("/api/graph", json={"expression": "f = x * x + x", "values": {"x": 3},
                                        "explain": ["x"], "learning_rate": 0.1})
    d = r.json()["derivations"]["x"]
    assert d["total"] == 7.0
    assert sum(p["product"] for p in d["paths"]) == 7.0
    assert d["update"]["after"] == pytest.approx(3 - 0.1 * 7.0, rel=1e-15)
    r = client.post("/api/graph", json={"expression": "x", "values": {"x": 1}, "explain": ["y"]})
    assert r.status_code == 422 and r.json()["error"]["node"] == "y"


def test_the_same_request_gives_the_same_bytes(client: TestClient) -> None:
    req = {"expression": "2 * (x * y + max(z, w))", "values": {"x": 3, "y": -4, "z": 2, "w": -1}}
    assert client.post("/api/graph", json=req).content == client.post("/api/graph",
                                                                       json=req).content


def test_ops_examples_health_and_openapi(client: TestClient) -> None:
    ops = {o["name"]: o for o in client.get("/api/ops").json()}
    for name in ("add", "mul", "sigmoid", "matmul", "half_sse", "max"):
        assert name in ops
    assert ops["sigmoid"]["dlatex"] == ["#y(1 - #y)"]
    ids = [e["id"] for e in client.get("/api/examples").json()]
    assert {"cs231n-simple", "sigmoid-neuron", "vectorized-norm", "gates"} <= set(ids)
    assert client.get("/api/health").json()["status"] == "ok"
    spec = client.get("/openapi.json").json()
    assert "/api/graph" in spec["paths"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/static/vendor/swagger-ui-bundle.js" in docs.text
    assert "http" not in docs.text.replace("http-equiv", "")  # nothing from another origin
    assert "script-src 'self';" in docs.headers["content-security-policy"]


def test_security_headers_on_every_response(client: TestClient) -> None:
    for r in (client.get("/api/health"), client.post("/api/graph", json={})):
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "access-control-allow-origin" not in r.headers


def test_cors_only_when_configured() -> None:
    origin = {"origin": "https://class.example.org"}
    plain = TestClient(create_app()).get("/api/health", headers=origin)
    assert "access-control-allow-origin" not in plain.headers
    app = create_app(Settings(cors_origins=["https://class.example.org"]))
    r = TestClient(app).get("/api/health", headers=origin)
    assert r.headers["access-control-allow-origin"] == "https://class.example.org"


def test_only_small_requests_are_computed_in_place() -> None:
    small = {"expression": "x * y", "values": {"x": 1, "y": [1, 2]}}
    assert is_small(small)
    assert not is_small({**small, "values": {"x": [[1.0] * 100] * 20}})
    assert not is_small({**small, "gradcheck": True})
    nodes = [{"id": "c", "op": "const", "value": [[1.0] * 100] * 20}, {"id": "x", "op": "input"}]
    assert not is_small({"graph": {"nodes": nodes, "output": "c"}, "values": {}})
    assert is_small({"graph": {"nodes": nodes[1:], "output": "x"}, "values": {"x": 1}})
