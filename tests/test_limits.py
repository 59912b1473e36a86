"""Every cap lives in Settings, is built once per app, is honoured by the routes and is served.

A request over a cap gets a 422 of kind "limit" that names the cap's value; the same request on
a default app is fine, so each refusal below is the cap's doing and nothing else's.
"""

from __future__ import annotations

from dataclasses import fields

import pytest
from fastapi.testclient import TestClient

from app.limits import Limits
from app.main import create_app
from app.settings import Settings

# 30 inputs summed: whatever the parser makes of it, it has more than 30 nodes
WIDE = {"expression": " + ".join(f"x{i}" for i in range(30)),
        "values": {f"x{i}": float(i) for i in range(30)}}


def refused(client: TestClient, body: dict[str, object]) -> str:
    r = client.post("/api/graph", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["kind"] == "limit"
    return str(r.json()["error"]["message"])


def test_limits_mirror_the_settings() -> None:
    names = {f.name for f in fields(Limits)}
    assert names <= set(Settings.model_fields), names - set(Settings.model_fields)
    # every setting named like a cap is one of the limits
    caps = {n for n in Settings.model_fields if n.startswith("max_")}
    assert caps - {"max_pending", "max_body_bytes"} == names
    assert Limits.defaults() == Limits.from_settings(Settings.model_construct())


def test_a_smaller_server_refuses_what_a_default_one_computes() -> None:
    assert TestClient(create_app(Settings())).post("/api/graph", json=WIDE).status_code == 200
    small = TestClient(create_app(Settings(max_nodes=10)))
    assert "the limit is 10" in refused(small, WIDE)


def test_the_environment_sets_the_caps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHAINRULE_MAX_NODES", "10")
    client = TestClient(create_app(Settings()))
    assert "the limit is 10" in refused(client, WIDE)
    assert client.get("/api/limits").json()["max_nodes"] == 10


def test_values_explain_and_text_are_capped() -> None:
    client = TestClient(create_app(Settings(max_values=3, max_explain=1,
                                            max_expression_chars=20)))
    assert "the limit is 3" in refused(client, WIDE)
    two = {"expression": "x * y", "values": {"x": 1, "y": 2}, "explain": ["x", "y"]}
    assert "the limit is 1" in refused(client, two)
    r = client.post("/api/graph", json={"expression": "x" + " + x" * 10, "values": {"x": 1}})
    assert r.status_code == 422 and "20" in r.json()["error"]["message"], r.text


def test_limits_are_served() -> None:
    served = TestClient(create_app(Settings(max_width=7))).get("/api/limits").json()
    assert served == {**Limits.defaults().public(), "max_width": 7}
