"""Error bodies (app/api/errors.py): where the problem is, in the request's own terms."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.main import create_app


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app())


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        # pydantic's location names the union members it tried ("float", "list[float]",
        # "function-after[...]"): the field is the body's own path, without them
        ("/api/graph", {"expression": "x", "values": {"x": "a"}}, "values.x"),
        ("/api/graph", {"expression": "x", "values": {"float": "a"}}, "values.float"),
        ("/api/graph", {"expression": "x", "valus": {}}, "valus"),
        ("/api/graph", [1], "body"),
        ("/api/network", {"layers": [2, 2], "inputs": [[1, 2]]}, "targets"),  # missing
        ("/api/network", {"layers": [2, 2], "activation": "foo", "inputs": [[1, 2]],
                          "targets": [[1, 2]]}, "activation"),
        ("/api/network", {"layers": [2, "2"], "inputs": [[1, 2]], "targets": [[1, 2]]},
         "layers.1"),
    ],
)
def test_the_field_is_a_path_in_the_body(client: TestClient, path: str, body: object,
                                         field: str) -> None:
    r = client.post(path, json=body)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["field"] == field
    assert error["message"].startswith(f"{field}: ")


def test_a_long_key_is_not_echoed_whole(client: TestClient) -> None:
    key = "k" * 5_000
    r = client.post("/api/graph", json={"expression": "x", "values": {"x": 1, key: "a"}})
    assert r.status_code == 422, r.text
    assert len(r.json()["error"]["field"]) < 60 and len(r.content) < 1_000
