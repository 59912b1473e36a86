"""Starting values for an expression's inputs (app/builders/inputs.py, POST /api/inputs).

Each suggestion is checked by what matters to the learner: the expression RUNS with the values
suggested (POST /api/graph answers 200), and the shapes are the ones the course writes (W @ x:
W a matrix, x a vector).
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.main import create_app


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app())


@pytest.mark.parametrize(
    ("expression", "shapes"),
    [
        ("(x + y) * z", {"x": [], "y": [], "z": []}),
        ("sum((W @ x) ** 2)", {"W": [2, 2], "x": [2]}),
        ("q = W @ x\nf = sum(q ** 2)", {"W": [2, 2], "x": [2]}),
        ("sum(relu(W2 @ relu(W1 @ x + b1)))", {"W2": [2, 2], "W1": [2, 2], "x": [2], "b1": [2]}),
        ("sum((a * W) @ x)", {"a": [2, 2], "W": [2, 2], "x": [2]}),
        ("sum(W.T @ v)", {"W": [2, 2], "v": [2]}),
        ("log(x) + sqrt(y)", {"x": [], "y": []}),
    ],
)
def test_suggested_values_run(client: TestClient, expression: str,
                              shapes: dict[str, list[int]]) -> None:
    r = client.post("/api/inputs", json={"expression": expression})
    assert r.status_code == 200, r.text
    inputs = r.json()["inputs"]
    assert {i["id"]: i["shape"] for i in inputs} == shapes
    values = {i["id"]: i["value"] for i in inputs}
    run = client.post("/api/graph", json={"expression": expression, "values": values})
    assert run.status_code == 200, run.text


def test_no_guess_is_said_not_made(client: TestClient) -> None:
    # no shape of x makes x @ 2 valid (a number is not a vector): say so, do not guess
    r = client.post("/api/inputs", json={"expression": "sum(x @ 2) + y"})
    assert r.status_code == 200, r.text
    assert all(i["shape"] is None and i["value"] is None for i in r.json()["inputs"])


def test_bad_expressions_are_422(client: TestClient) -> None:
    for text in ["x +", "__import__('os')", "sigmod(x)", "", "x" * 20_000]:
        r = client.post("/api/inputs", json={"expression": text})
        assert r.status_code == 422, (text, r.text)
        assert r.json()["error"]["kind"] in {"expression", "limit", "validation"}
