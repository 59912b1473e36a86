"""POST /api/network, POST /api/network/train and GET /api/activations through the real app.

/api/network builds, traces, explains and checks, and never trains; /api/network/train trains
and traces the graph at the new parameters; every document's ``spec`` rebuilds its graph.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.graph import REGISTRY
from app.main import create_app
from app.network_examples import NETWORK_EXAMPLES
from app.settings import Settings
from tests.test_network import seed_closed_form
from tests.test_train import MAZUR


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(Settings()))


def _example(ex_id: str) -> dict[str, Any]:
    return next(e for e in NETWORK_EXAMPLES if e["id"] == ex_id)


def _post(client: TestClient, req: dict[str, Any], path: str = "/api/network") -> dict[str, Any]:
    r = client.post(path, json=req)
    assert r.status_code == 200, r.text
    return r.json()


def _graph(doc: dict[str, Any]) -> tuple[Any, ...]:
    return doc["nodes"], doc["edges"], doc["backward_order"], doc["loss"], doc["grads"]


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
    assert doc["params"]["w5"] == 0.4 and doc["params"]["b1"] == 0.35
    assert doc["trainable"] == [f"w{i}" for i in range(1, 9)]
    assert "training" not in doc and "params_after" not in doc  # this call never trains
    d = doc["derivations"]
    assert list(d) == ["w5", "w1"]
    assert len(d["w5"]["paths"]) == 1 and len(d["w5"]["paths"][0]["factors"]) == 3
    assert d["w5"]["update"]["after"] == pytest.approx(MAZUR["w5"], rel=1e-14)
    assert d["w1"]["update"]["after"] == pytest.approx(MAZUR["w1"], rel=1e-14)


def test_spec_rebuilds_the_same_graph(client: TestClient) -> None:
    for ex in NETWORK_EXAMPLES:
        doc = _post(client, ex["request"])
        again = _post(client, doc["spec"])
        assert _graph(again) == _graph(doc), ex["id"]
        assert again["spec"] == doc["spec"] and "derivations" not in again
        assert not {"seed", "explain", "gradcheck", "steps"} & set(doc["spec"])


def test_training_is_its_own_call_and_continues_from_spec(client: TestClient) -> None:
    seed = _post(client, _example("seed-network")["request"])
    one = _post(client, {**seed["spec"], "steps": 1}, "/api/network/train")
    tr = one["training"]
    assert tr["steps"] == 1 and tr["learning_rate"] == 0.5 and not tr["train_biases"]
    assert tr["params_before"] == seed["params"]
    assert len(tr["loss_history"]) == 2 and tr["loss_history"][0] == seed["loss"]
    # the graph is traced at the parameters AFTER the step: the worked example's w+
    for name, want in MAZUR.items():
        assert one["params"][name] == pytest.approx(want, rel=1e-12), name
    assert one["params"]["b1"] == 0.35 and one["loss"] == tr["loss_history"][1]
    # two calls of one step are one call of two steps
    two = _post(client, {**seed["spec"], "steps": 2}, "/api/network/train")
    again = _post(client, {**one["spec"], "steps": 1}, "/api/network/train")
    assert again["params"] == pytest.approx(two["params"], rel=1e-14)
    assert two["training"]["loss_history"][1:] == pytest.approx(
        [one["loss"], again["loss"]], rel=1e-14)


def test_explaining_a_trained_network_does_not_train_it_again(client: TestClient) -> None:
    ex = _example("xor")
    start = _post(client, ex["request"])
    trained = _post(client, {**start["spec"], "steps": ex["train"]["steps"]},
                    ex["train"]["endpoint"])
    explained = _post(client, {**trained["spec"], "explain": ["w1"]})
    assert explained["params"] == trained["params"] and explained["loss"] == trained["loss"]
    d = explained["derivations"]["w1"]
    assert d["total"] == trained["grads"]["w1"] == explained["grads"]["w1"]
    assert d["update"]["before"] == trained["params"]["w1"]


def test_layers_view_of_the_seed(client: TestClient) -> None:
    req = {**_example("seed-network")["request"], "view": "layers", "explain": ["W2", "b1", "h1"]}
    doc = _post(client, req)
    ref = seed_closed_form()
    assert np.allclose(doc["grads"]["W2"], [[ref["dw5"], ref["dw6"]], [ref["dw7"], ref["dw8"]]],
                       rtol=1e-12, atol=0)
    d = doc["derivations"]
    assert d["W2"]["update"]["after"][0][0] == pytest.approx(MAZUR["w5"], rel=1e-12)
    assert d["b1"]["update"] is None  # the seed holds the biases fixed
    assert d["h1"]["update"] is None  # only parameters are updated
    trained = _post(client, {**doc["spec"], "steps": 1}, "/api/network/train")
    assert trained["params"]["W1"][0][0] == pytest.approx(MAZUR["w1"], rel=1e-12)


@pytest.mark.parametrize(
    ("view", "name", "fragment"),
    [
        ("layers", "w5", "entry [0, 0] of W2: explain W2"),
        ("layers", "w4", "entry [1, 1] of W1"),
        ("layers", "o1", "neurons view; this is the layers view"),
        ("neurons", "W2", "its entries are single weights (w5 to w8)"),
        ("neurons", "x", "a node of the layers view"),
        ("neurons", "w9", "not a node of this neurons view's graph"),
        ("neurons", "<img src=x>", "not a node of this neurons view's graph"),
        ("layers", "b1_2", "a node of the neurons view"),  # no per-neuron biases here
    ],
)
def test_a_name_of_the_other_view_is_refused_with_where_to_find_it(
    client: TestClient, view: str, name: str, fragment: str
) -> None:
    req = {**_example("seed-network")["request"], "view": view, "explain": [name]}
    r = client.post("/api/network", json=req)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["kind"] == "explain" and err["node"] == name and fragment in err["message"], err


def test_per_neuron_biases_are_found_in_the_layers_view(client: TestClient) -> None:
    req = {**SEED, "per_neuron_biases": True, "view": "layers", "explain": ["b1_2"]}
    r = client.post("/api/network", json=req)
    assert r.status_code == 422 and "entry [1] of b1: explain b1" in r.json()["error"]["message"]


def test_gradcheck_of_a_network(client: TestClient) -> None:
    doc = _post(client, {**_example("xor")["request"], "explain": [], "gradcheck": True})
    checks = {c["id"]: c for c in doc["gradcheck"]}
    assert set(checks) == {"x1", "x2", *doc["params"]}
    assert all(c["rel_error"] < 1e-6 for c in checks.values()), checks
    assert checks["w1"]["analytic"] == doc["grads"]["w1"]
    assert len(checks["x1"]["numeric"]) == 4  # one per sample


def test_batch_of_three_agrees_between_the_views(client: TestClient) -> None:
    base = {"layers": [2, 3, 2], "activation": ["tanh", "sigmoid"], "loss": "mse",
            "inputs": [[0.1, -0.4], [1.0, 0.3], [-0.7, 0.9]],
            "targets": [[0.2, 0.8], [0.5, 0.1], [0.9, 0.4]], "seed": 5,
            "per_neuron_biases": True, "train_biases": True}
    neurons = _post(client, {**base, "view": "neurons"})
    layers = _post(client, {**base, "view": "layers"})
    assert neurons["loss"] == pytest.approx(layers["loss"], rel=1e-12)
    w = np.array(layers["grads"]["W2"])
    assert neurons["grads"]["w7"] == pytest.approx(w[0, 0], rel=1e-10)  # 6 weights in W1
    assert neurons["grads"]["b2_2"] == pytest.approx(layers["grads"]["b2"][1], rel=1e-10)
    nodes = {n["id"]: n for n in neurons["nodes"]}
    assert nodes["h3"]["shape"] == [3] and nodes["w7"]["shape"] == []  # one graph, 3 samples
    assert not any("@" in i for i in nodes)
    steps = [_post(client, {**base, "view": v, "steps": 3}, "/api/network/train")
             for v in ("neurons", "layers")]
    assert steps[0]["training"]["loss_history"] == pytest.approx(
        steps[1]["training"]["loss_history"], rel=1e-12)


def test_xor_example_learns(client: TestClient) -> None:
    ex = _example("xor")
    assert ex["endpoint"] == "/api/network" and ex["train"]["steps"] == 2000
    start = _post(client, ex["request"])
    doc = _post(client, {**start["spec"], "steps": 2000}, "/api/network/train")
    h = doc["training"]["loss_history"]
    assert len(h) == 2001 and h[-1] < 0.01 < 0.1 < h[0]
    assert doc["loss"] == pytest.approx(h[-1], rel=1e-12)


def test_softmax_example(client: TestClient) -> None:
    ex = _example("softmax-3-classes")
    doc = _post(client, ex["request"])
    assert doc["derivations"]["W1"]["total"] == doc["grads"]["W1"]
    # the neurons view of the same request: the stacked logits and the same loss
    neurons = _post(client, {**ex["request"], "view": "neurons", "explain": ["o1"]})
    assert neurons["loss"] == pytest.approx(doc["loss"], rel=1e-12)
    ops = {n["id"]: n["op"] for n in neurons["nodes"]}
    assert ops["outputs"] == "stack" and ops["logits"] == "transpose"


def test_activations_endpoint(client: TestClient) -> None:
    r = client.get("/api/activations")
    assert r.status_code == 200
    names = [a["name"] for a in r.json()]
    # every activation /api/network takes (the registry's category), so the page's builder
    # can offer exactly those
    assert names == [n for n, op in REGISTRY.items() if op.category == "activation"]
    assert {"sigmoid", "tanh", "relu", "leaky_relu", "elu", "maxout", "identity"} == set(names)
    points = {a["name"]: len(a["points"]) for a in r.json()}
    assert points.pop("maxout") == 0 and set(points.values()) == {201}


SEED = {"layers": [2, 2, 2], "inputs": [[0.05, 0.1]], "targets": [[0.01, 0.99]]}


@pytest.mark.parametrize(
    ("path", "change", "kind", "fragment"),
    [
        ("/api/network", {"activation": "swish"}, "validation", "activation"),
        ("/api/network", {"layers": [2, 500, 2]}, "limit", "1 to 256 units"),
        ("/api/network", {"layers": [2, 40, 40, 2]}, "limit", "layers"),  # neurons view too big
        ("/api/network", {"inputs": [[0.05, 0.1], [0.2, 0.3]]}, "value",
         "2 input samples but 1 targets"),
        ("/api/network", {"inputs": [[0.05]]}, "value", "input layer"),
        ("/api/network", {"steps": 1}, "validation", "steps"),  # training is its own call
        ("/api/network", {"explain": ["w42"]}, "explain", "w42"),
        ("/api/network", {"params": {"v1": 1.0}}, "value", "unknown parameter"),
        ("/api/network", {"params": {"W1": [[1.0, 2.0]]}}, "value", "needs [2, 2]"),
        ("/api/network", {"loss": "hinge", "layers": [2, 1], "targets": [[1.0]]}, "value",
         "2 output units"),
        ("/api/network", {"surprise": 1}, "validation", "surprise"),
        ("/api/network/train", {}, "validation", "steps"),
        ("/api/network/train", {"steps": 0}, "validation", "steps"),
        ("/api/network/train", {"steps": 20_000}, "limit", "training steps"),
        ("/api/network/train", {"steps": 1, "explain": ["w1"]}, "validation", "explain"),
        ("/api/network/train", {"layers": [1, 1], "inputs": [[100.0]], "targets": [[0.0]],
                                "activation": "identity", "params": {"w1": 1.0},
                                "learning_rate": 1000, "steps": 2000}, "numeric", "diverged"),
    ],
)
def test_bad_requests_are_422_with_a_message(
    client: TestClient, path: str, change: dict[str, Any], kind: str, fragment: str
) -> None:
    r = client.post(path, json={**SEED, **change})
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["kind"] == kind and fragment in err["message"], err


@pytest.mark.parametrize(
    "params",
    [{"__proto__": 1.0}, {"w\u0665": 1.0}, {"W01": [[1.0, 2.0], [3.0, 4.0]]}, {"b1_1": 1.0},
     {"w5": [[1.0]]}, {"W1": [[[1.0]]]}, {"W1": [[1.0, 2.0], [3.0]]}, {"b1": [1.0, 2.0]}],
    ids=str,
)
def test_hostile_parameters_are_refused(client: TestClient, params: dict[str, Any]) -> None:
    r = client.post("/api/network", json={**SEED, "params": params})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["kind"] in ("value", "validation", "graph"), r.text


def test_the_apps_limits_bound_networks() -> None:
    small = TestClient(create_app(Settings(max_width=3, max_train_steps=5, max_neuron_nodes=40,
                                           max_explain=1, max_values=2)))
    default = TestClient(create_app(Settings()))
    for path, change, fragment in [
        ("/api/network", {"layers": [2, 4, 2]}, "1 to 3 units"),
        ("/api/network/train", {"steps": 6}, "at most 5 training steps"),
        ("/api/network", {"layers": [2, 3, 2]}, "drawn up to 40"),  # 43 nodes
        ("/api/network", {"explain": ["w1", "w2"]}, "the limit is 1"),
        ("/api/network", {"params": {"w1": 1.0, "w2": 1.0, "w3": 1.0}}, "the limit is 2"),
    ]:
        r = small.post(path, json={**SEED, **change})
        assert r.status_code == 422 and r.json()["error"]["kind"] == "limit", r.text
        assert fragment in r.json()["error"]["message"], r.text
        assert default.post(path, json={**SEED, **change}).status_code == 200, change


def test_nan_is_refused(client: TestClient) -> None:
    body = b'{"layers": [2, 2], "inputs": [[NaN, 0.1]], "targets": [[0.0, 1.0]]}'
    r = client.post("/api/network", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422
