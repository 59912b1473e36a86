"""POST /api/network and GET /api/activations through the real app, and the 422s."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.network_examples import NETWORK_EXAMPLES
from tests.test_network import seed_closed_form
from tests.test_train import MAZUR


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app())


def _example(ex_id: str) -> dict[str, Any]:
    return next(e for e in NETWORK_EXAMPLES if e["id"] == ex_id)


def _post(client: TestClient, req: dict[str, Any]) -> dict[str, Any]:
    r = client.post("/api/network", json=req)
    assert r.status_code == 200, r.text
    return r.json()


def test_seed_network_example(client: TestClient) -> None:
    assert NETWORK_EXAMPLES[0]["id"] == "seed-network"
    ref = seed_closed_form()
    doc = _post(client, _example("seed-network")["request"])
    assert doc["view"] == "neurons" and doc["learning_rate"] == 0.5
    assert doc["loss"] == pytest.approx(ref["E_total"], rel=1e-14)
    nodes = {n["id"]: n for n in doc["nodes"]}
    assert nodes["h1"]["value"] == pytest.approx(ref["h1"], rel=1e-14)
    assert nodes["z1"]["inputs"] == ["w1*x1", "w2*x2", "b1"]
    assert doc["output"] == "E_total" and doc["backward_order"][0] == "E_total"
    for i in range(1, 9):
        assert doc["grads"][f"w{i}"] == pytest.approx(ref[f"dw{i}"], rel=1e-12)
        assert doc["params_after"][f"w{i}"] == pytest.approx(MAZUR[f"w{i}"], rel=1e-12)
    assert doc["params"]["w5"] == 0.4 and doc["params_after"]["b1"] == 0.35
    assert doc["trainable"] == [f"w{i}" for i in range(1, 9)]
    assert len(doc["loss_history"]) == 2 and doc["loss_history"][0] == doc["loss"]
    d = doc["derivations"]
    assert list(d) == ["w5", "w1"]
    assert len(d["w5"]["paths"]) == 1 and len(d["w5"]["paths"][0]["factors"]) == 3
    assert [len(p["factors"]) for p in d["w1"]["paths"]] == [5, 5]
    assert d["w5"]["update"]["after"] == doc["params_after"]["w5"]


def test_layers_view_of_the_seed(client: TestClient) -> None:
    req = {**_example("seed-network")["request"], "view": "layers", "explain": ["W2", "h1"]}
    doc = _post(client, req)
    ref = seed_closed_form()
    assert np.allclose(doc["grads"]["W2"], [[ref["dw5"], ref["dw6"]], [ref["dw7"], ref["dw8"]]],
                       rtol=1e-12, atol=0)
    assert doc["params_after"]["W2"][0][0] == pytest.approx(MAZUR["w5"], rel=1e-12)
    assert doc["derivations"]["h1"]["update"] is None  # only parameters are updated
    assert doc["derivations"]["W2"]["update"] is not None


def test_batch_of_three_agrees_between_the_views(client: TestClient) -> None:
    base = {"layers": [2, 3, 2], "activation": ["tanh", "sigmoid"], "loss": "mse",
            "inputs": [[0.1, -0.4], [1.0, 0.3], [-0.7, 0.9]],
            "targets": [[0.2, 0.8], [0.5, 0.1], [0.9, 0.4]], "seed": 5,
            "per_neuron_biases": True, "train_biases": True, "steps": 3}
    neurons = _post(client, {**base, "view": "neurons"})
    layers = _post(client, {**base, "view": "layers"})
    assert neurons["loss"] == pytest.approx(layers["loss"], rel=1e-12)
    assert neurons["loss_history"] == pytest.approx(layers["loss_history"], rel=1e-12)
    w = np.array(layers["grads"]["W2"])
    assert neurons["grads"]["w7"] == pytest.approx(w[0, 0], rel=1e-10)  # 6 weights in W1
    assert neurons["grads"]["b2_2"] == pytest.approx(layers["grads"]["b2"][1], rel=1e-10)
    ids = {n["id"] for n in neurons["nodes"]}
    assert {"h1@1", "h3@3", "E_total@2", "E_total"} <= ids


def test_xor_example_learns(client: TestClient) -> None:
    doc = _post(client, _example("xor")["request"])
    h = doc["loss_history"]
    assert len(h) == 2001 and h[-1] < 0.01 and h[0] > 0.1
    assert h[0] == pytest.approx(0.135, abs=1e-3) and h[-1] == pytest.approx(0.0036, abs=5e-4)


def test_softmax_example(client: TestClient) -> None:
    doc = _post(client, _example("softmax-3-classes")["request"])
    h = doc["loss_history"]
    assert h[0] == pytest.approx(0.86, abs=5e-3) and h[-1] == pytest.approx(0.008, abs=1e-3)
    assert doc["derivations"]["W1"]["total"] == doc["grads"]["W1"]
    # the neurons view of the same request: the stacked logits and the same loss
    neurons = _post(client, {**_example("softmax-3-classes")["request"], "view": "neurons",
                             "steps": 0, "explain": ["o1@1"]})
    assert neurons["loss"] == pytest.approx(h[0], rel=1e-12)
    assert any(n["op"] == "stack" for n in neurons["nodes"])


def test_activations_endpoint(client: TestClient) -> None:
    r = client.get("/api/activations")
    assert r.status_code == 200
    names = [a["name"] for a in r.json()]
    # every activation /api/network takes, so the page's builder can offer exactly those
    assert names == ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "maxout", "identity"]
    points = {a["name"]: len(a["points"]) for a in r.json()}
    assert points.pop("maxout") == 0 and set(points.values()) == {201}


SEED = {"layers": [2, 2, 2], "inputs": [[0.05, 0.1]], "targets": [[0.01, 0.99]]}


@pytest.mark.parametrize(
    ("change", "kind", "fragment"),
    [
        ({"activation": "swish"}, "validation", "activation"),
        ({"layers": [2, 500, 2]}, "limit", "1 to 256 units"),
        ({"layers": [2, 30, 30, 2]}, "limit", "layers"),  # neurons view too large
        ({"inputs": [[0.05, 0.1], [0.2, 0.3]]}, "value", "2 input samples but 1 targets"),
        ({"inputs": [[0.05]]}, "value", "input layer"),
        ({"steps": 20_000}, "limit", "training steps"),
        ({"explain": ["w42"]}, "explain", "w42"),
        ({"params": {"v1": 1.0}}, "value", "unknown parameter"),
        ({"loss": "hinge", "layers": [2, 1], "targets": [[1.0]]}, "value", "2 output units"),
        ({"surprise": 1}, "validation", "surprise"),
    ],
)
def test_bad_requests_are_422_with_a_message(
    client: TestClient, change: dict[str, Any], kind: str, fragment: str
) -> None:
    r = client.post("/api/network", json={**SEED, **change})
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["kind"] == kind and fragment in err["message"], err


def test_nan_is_refused(client: TestClient) -> None:
    body = b'{"layers": [2, 2], "inputs": [[NaN, 0.1]], "targets": [[0.0, 1.0]]}'
    r = client.post("/api/network", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422
