"""Hostile and malformed requests: each gets a 4xx with a clear JSON error, fast, and the
service keeps answering. Tricky but valid requests get a correct 200."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.api.errors import error_response
from app.main import create_app

CASES: list[tuple[str, Any]] = []  # (name, body: dict -> JSON, or bytes -> raw)


def case(name: str, body: Any) -> None:
    CASES.append((name, body))


def expr(text: str, **values: Any) -> dict[str, Any]:
    return {"expression": text, "values": values}


# --- code injection through the expression -----------------------------------------------
for i, text in enumerate([
    "__import__('os').system('id')", "x.__class__.__bases__", "().__class__", "exec('1')",
    "eval('1')", "getattr(x, 'y')", "open('/etc/passwd')", "[c for c in x]", "lambda: 1",
    "f'{x}'", "'%s' % x", "x if x else x", "(y := 2)", "exp(x=1)", "exp(*x)", "x[0]",
    "ｅｘｐ(x)", "__ｉmport__('os')", "import os", "x.real", "{x: 1}", "b'x'", "x < 1",
    "not x", "x and x", "...", "x\x00", "x \u202e y", "globals()", "x; import os",
]):
    case(f"inject-{i}", expr(text, x=1.0))

# --- size bombs: nesting, length, literals, power towers ---------------------------------
case("deep-parens", expr("(" * 5000 + "x" + ")" * 5000, x=1))
case("deep-unary", expr("-" * 50000 + "x", x=1))
case("long-sum", expr("x+" * 20000 + "x", x=1))
case("huge-int-literal", expr("9" * 5000, x=1))
case("inf-literal", expr("x * 1e400", x=1))
case("power-tower", expr("10 ** 10 ** 10 * x", x=1))
case("overflowing-exp", expr("exp(exp(x))", x=100))
case("nan-result", expr("log(x)", x=-1))
case("inf-gradient", expr("sqrt(x)", x=0))
case("too-long-text", expr("x" * 20_000, x=1))
case("huge-body", b'{"expression": "x", "values": {"x": [' + b"1," * 600_000 + b"1]}}")

# --- shapes and work -----------------------------------------------------------------------
case("huge-matmul", expr("sum(A @ B)", A=[[1.0] * 2000] * 2000, B=[[1.0]]))
case("matmul-mismatch", expr("A @ B", A=[[1, 2]], B=[[1, 2]]))
case("broadcast-mismatch", expr("a + b", a=[1, 2, 3], b=[1, 2]))
case("ragged-matrix", expr("sum(A)", A=[[1, 2], [3]]))
case("3d-value", expr("sum(A)", A=[[[1]]]))
case("empty-vector", expr("sum(a)", a=[]))
case("missing-value", expr("x * y", x=1))

# --- wrong types, NaN, Infinity, unknown fields --------------------------------------------
case("bool-value", expr("x", x=True))
case("string-value", expr("x", x="1"))
case("null-value", expr("x", x=None))
case("dict-value", expr("x", x={"a": 1}))
case("nan-json", b'{"expression": "x", "values": {"x": NaN}}')
case("infinity-json", b'{"expression": "x", "values": {"x": Infinity}}')
case("nan-in-matrix", b'{"expression": "sum(A)", "values": {"A": [[1, NaN]]}}')
case("unknown-field", {"expression": "x", "values": {"x": 1}, "evil": True})
case("both-sources", {"expression": "x", "graph": {"nodes": [{"id": "x", "op": "input"}],
                                                  "output": "x"}})
case("no-source", {"values": {"x": 1}})
case("expression-not-string", {"expression": 42})
case("values-not-object", {"expression": "x", "values": [1]})
case("invalid-json", b'{"expression": ')
case("not-json", b"hello")
case("json-array", b"[1, 2]")
case("lone-surrogate", b'{"expression": "x\\ud800", "values": {"x": 1}}')
case("surrogate-key", b'{"expression": "x", "values": {"\\udfff": 1}}')
case("empty-body", b"")


# --- explicit graphs ------------------------------------------------------------------------
def graph(nodes: list[dict[str, Any]], output: str, **values: Any) -> dict[str, Any]:
    return {"graph": {"nodes": nodes, "output": output}, "values": values}


X = {"id": "x", "op": "input"}
case("unknown-op", graph([X, {"id": "y", "op": "evil", "inputs": ["x"]}], "y", x=1))
case("wrong-arity", graph([X, {"id": "y", "op": "mul", "inputs": ["x"]}], "y", x=1))
case("missing-input", graph([X, {"id": "y", "op": "neg", "inputs": ["nope"]}], "y", x=1))
case("duplicate-id", graph([X, X], "x", x=1))
case("cycle", graph([{"id": "a", "op": "neg", "inputs": ["b"]},
                     {"id": "b", "op": "neg", "inputs": ["a"]}], "a"))
case("self-loop", graph([{"id": "a", "op": "neg", "inputs": ["a"]}], "a"))
case("missing-output", graph([X], "nope", x=1))
case("graph-shape-mismatch", graph([{"id": "a", "op": "input"}, {"id": "b", "op": "input"},
                                    {"id": "m", "op": "matmul", "inputs": ["a", "b"]}], "m",
                                   a=[1, 2], b=[1, 2, 3]))
case("const-without-value", graph([{"id": "c", "op": "const"}], "c"))
case("inputs-on-input", graph([{"id": "x", "op": "input", "inputs": ["x"]}], "x", x=1))
case("unknown-param", graph([X, {"id": "y", "op": "relu", "inputs": ["x"],
                                 "params": {"beta": 1}}], "y", x=1))
case("empty-id", graph([{"id": "", "op": "input"}], "", x=1))
case("too-many-inputs", graph([X, {"id": "y", "op": "add", "inputs": ["x"] * 100}], "y", x=1))
case("node-not-object", {"graph": {"nodes": [1], "output": "x"}})


# --- practice: /api/exercises (issue 11) -------------------------------------------------------
# (name, path, body): a GET when body is None, else a POST of the body to the path
EXERCISE_CASES: list[tuple[str, str, Any]] = []
CHECK = "/api/exercises/seed-network/check"


def exercise(name: str, path: str, body: Any = None) -> None:
    EXERCISE_CASES.append((name, path, body))


def answers(**kw: Any) -> dict[str, Any]:
    return {"seed": 0, "answers": {k.replace("__", ":"): v for k, v in kw.items()}}


exercise("unknown-exercise", "/api/exercises/nope")
exercise("exercise-path-traversal", "/api/exercises/..%2F..%2Fetc%2Fpasswd")
exercise("exercise-id-injection", "/api/exercises/gates%27%3B--")
exercise("seed-negative", "/api/exercises/gates?seed=-1")
exercise("seed-too-big", "/api/exercises/gates?seed=4294967296")
exercise("seed-huge", "/api/exercises/gates?seed=" + "9" * 5000)
exercise("seed-float", "/api/exercises/gates?seed=1.5")
exercise("seed-text", "/api/exercises/gates?seed=abc")
exercise("seed-nan", "/api/exercises/gates?seed=NaN")
exercise("check-unknown-exercise", "/api/exercises/nope/check", answers(grad__o1=1))
exercise("check-unknown-key", CHECK, answers(grad__nope=1))
exercise("check-unknown-reveal", CHECK, {"seed": 0, "reveal": ["grad:nope"]})
exercise("check-long-key", CHECK, {"seed": 0, "answers": {"k" * 5000: 1}})
exercise("check-surrogate-key", CHECK, b'{"seed": 0, "answers": {"\\ud800": 1}}')
exercise("check-nan", CHECK, b'{"seed": 0, "answers": {"grad:o1": NaN}}')
exercise("check-infinity", CHECK, b'{"seed": 0, "answers": {"grad:o1": Infinity}}')
exercise("check-nan-in-list", CHECK, b'{"seed": 0, "answers": {"grad:o1": [1, NaN]}}')
exercise("check-nan-string", CHECK, answers(grad__o1="NaN"))
exercise("check-inf-string", CHECK, answers(grad__o1="inf"))
exercise("check-overflow-string", CHECK, answers(grad__o1="1e999"))
exercise("check-huge-number", CHECK, b'{"seed": 0, "answers": {"grad:o1": 1e400}}')
exercise("check-text", CHECK, answers(grad__o1="zero point eight"))
exercise("check-hex", CHECK, answers(grad__o1="0x1f"))
exercise("check-comma", CHECK, answers(grad__o1="0,82"))
exercise("check-spaces", CHECK, answers(grad__o1=" 0.82 "))
exercise("check-long-digits", CHECK, answers(grad__o1="0." + "1" * 5000))
exercise("check-bool", CHECK, answers(grad__o1=True))
exercise("check-null", CHECK, answers(grad__o1=None))
exercise("check-object", CHECK, answers(grad__o1={"v": 1}))
exercise("check-huge-list", CHECK, answers(grad__o1=[0.1] * 100_000))
exercise("check-wide-matrix", CHECK, answers(grad__o1=[[0.1] * 33] * 2))
exercise("check-3d", CHECK, answers(grad__o1=[[[0.1]]]))
exercise("check-ragged", CHECK, answers(grad__o1=[[0.1, 0.2], [0.3]]))
exercise("check-empty-list", CHECK, answers(grad__o1=[]))
exercise("check-too-many-answers", CHECK, {"seed": 0, "answers": {f"k{i}": 1 for i in range(65)}})
exercise("check-no-seed", CHECK, {"answers": {"grad:o1": 1}})
exercise("check-seed-string", CHECK, {"seed": "0", "answers": {}})
exercise("check-seed-float", CHECK, {"seed": 0.5, "answers": {}})
exercise("check-seed-bool", CHECK, {"seed": True, "answers": {}})
exercise("check-seed-negative", CHECK, {"seed": -1, "answers": {}})
exercise("check-seed-big", CHECK, {"seed": 2**64, "answers": {}})
exercise("check-extra-field", CHECK, {"seed": 0, "answers": {}, "evil": 1})
exercise("check-answers-list", CHECK, {"seed": 0, "answers": [1, 2]})
exercise("check-reveal-string", CHECK, {"seed": 0, "reveal": "grad:o1"})
exercise("check-reveal-huge", CHECK, {"seed": 0, "reveal": ["grad:o1"] * 100_000})
exercise("check-not-json", CHECK, b"grad:o1=0.7")
exercise("check-empty-body", CHECK, b"")


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(), raise_server_exceptions=False)


def test_there_are_at_least_50_cases() -> None:
    assert len(CASES) >= 50


@pytest.mark.parametrize(("name", "body"), CASES, ids=[c[0] for c in CASES])
def test_hostile_request_gets_a_clear_4xx_fast(client: TestClient, name: str, body: Any) -> None:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    start = time.perf_counter()
    r = client.post("/api/graph", content=raw, headers={"content-type": "application/json"})
    elapsed = time.perf_counter() - start
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    err = r.json()["error"]  # valid JSON with a message, whatever the input was
    assert err["kind"] and len(err["message"]) > 5
    assert elapsed < 1.0, f"{name} took {elapsed:.2f} s"
    assert client.get("/api/health").status_code == 200


def test_expression_errors_carry_a_position(client: TestClient) -> None:
    r = client.post("/api/graph", json=expr("q = x + y\nf = q * foo(z)", x=1, y=2, z=3))
    err = r.json()["error"]
    assert r.status_code == 422 and err["kind"] == "expression"
    assert (err["line"], err["column"]) == (2, 9)


def test_graph_errors_name_the_node(client: TestClient) -> None:
    r = client.post("/api/graph", json=graph([X, {"id": "y", "op": "mul", "inputs": ["x"]}],
                                             "y", x=1))
    assert r.json()["error"]["node"] == "y"
    r = client.post("/api/graph", json=expr("exp(exp(x))", x=100))
    assert r.json()["error"]["node"] is not None


def test_tricky_but_valid_requests_are_right(client: TestClient) -> None:
    def grads(body: dict[str, Any]) -> dict[str, Any]:
        r = client.post("/api/graph", json=body)
        assert r.status_code == 200, r.text
        return {n["id"]: n["grad"] for n in r.json()["nodes"]}

    # ** is right-associative: x ** (y ** z) = 2 ** 8, d/dx = 8 * 2 ** 7
    assert grads(expr("x ** y ** z", x=2, y=2, z=3))["x"] == 8 * 2.0**7
    assert grads(expr("max(0, x)", x=0))["x"] == 0.0  # the tie goes to the first input
    assert grads(expr("x * x * x", x=-2))["x"] == 12.0
    assert grads(expr("-x", x=1))["x"] == -1.0
    odd = "<img src=x onerror=alert(1)>"
    g = grads(graph([{"id": odd, "op": "input"}, {"id": "__proto__", "op": "mul",
                                                  "inputs": [odd, odd]}], "__proto__",
                    **{odd: 3}))
    assert g[odd] == 6.0
    g = grads(expr("sum(x.T @ A)", x=[1, 2], A=[[1, 0], [0, 1]]))
    assert g["x"] == [1.0, 1.0]


def test_wrong_method_and_unknown_route(client: TestClient) -> None:
    assert client.get("/api/graph").status_code == 405
    r = client.get("/api/nothing")
    assert r.status_code == 404 and r.json()["error"]["kind"] == "http"


def test_an_error_about_text_with_a_lone_surrogate_is_still_json() -> None:
    body = json.loads(error_response(422, "graph", "bad \ud800 text", node="\udfff").body)
    assert body["error"]["message"] == "bad ? text" and body["error"]["node"] == "?"


def test_there_are_at_least_40_exercise_cases() -> None:
    assert len(EXERCISE_CASES) >= 40


@pytest.mark.parametrize(("name", "path", "body"), EXERCISE_CASES,
                         ids=[c[0] for c in EXERCISE_CASES])
def test_hostile_exercise_request_gets_a_clear_4xx_fast(client: TestClient, name: str,
                                                       path: str, body: Any) -> None:
    start = time.perf_counter()
    if body is None:
        r = client.get(path)
    else:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        r = client.post(path, content=raw, headers={"content-type": "application/json"})
    elapsed = time.perf_counter() - start
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    err = r.json()["error"]
    assert err["kind"] and len(err["message"]) > 5
    assert elapsed < 1.0, f"{name} took {elapsed:.2f} s"
    assert client.get("/api/exercises/gates?seed=1").status_code == 200
