"""The network builder: the seed's numbers, both views, batches, names and limits.

Every expected number is computed here by an independent closed-form numpy forward and backward
pass of the seed's formulas (or quoted from the classic worked example), never read from the
engine.
"""

from __future__ import annotations

import numpy as np
import pytest

from app.builders.network import (
    NetworkLimits,
    apply_params,
    by_layer_name,
    by_neuron_name,
    init_params,
    layer_names,
    locate_weight,
    make_spec,
    neuron_names,
)
from app.builders.network_layers import layer_inputs, layers_graph
from app.builders.network_neurons import neuron_inputs, neuron_node_count, neurons_graph
from app.graph.engine import run
from app.graph.ir import GraphError
from app.network_examples import SEED_PARAMS

X = np.array([[0.05, 0.10]])
T = np.array([[0.01, 0.99]])


def _sig(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def seed_closed_form() -> dict[str, float]:
    """The seed's network by hand: forward, then the two steps of the chain rule."""
    x, t = X[0], T[0]
    w1 = np.array([[0.15, 0.20], [0.25, 0.30]])
    w2 = np.array([[0.40, 0.45], [0.50, 0.55]])
    z12 = w1 @ x + 0.35
    h = _sig(z12)
    z34 = w2 @ h + 0.60
    o = _sig(z34)
    e = 0.5 * np.sum((t - o) ** 2)
    delta_o = -(t - o) * o * (1 - o)  # dE/do * do/dz, per output
    dw2 = np.outer(delta_o, h)  # dz/dw = h
    delta_h = (w2.T @ delta_o) * h * (1 - h)  # sum over both outputs' paths
    dw1 = np.outer(delta_h, x)
    out = {"z1": z12[0], "z2": z12[1], "h1": h[0], "h2": h[1], "z3": z34[0], "z4": z34[1],
           "o1": o[0], "o2": o[1], "E_total": e}
    out.update({f"dw{i + 1}": g for i, g in enumerate([*dw1.ravel(), *dw2.ravel()])})
    return out


def seed_trace():  # type: ignore[no-untyped-def]
    spec = make_spec([2, 2, 2], "sigmoid", "half_sse", False)
    params = apply_params(spec, init_params(spec, 0), SEED_PARAMS)
    graph = neurons_graph(spec, T)
    return spec, params, run(graph, {**neuron_inputs(X), **by_neuron_name(spec, params)})


def test_seed_forward_values_and_gradients_match_the_closed_form() -> None:
    ref = seed_closed_form()
    _, _, trace = seed_trace()
    for name in ("z1", "z2", "h1", "h2", "z3", "z4", "o1", "o2", "E_total"):
        assert float(trace.values[name]) == pytest.approx(ref[name], rel=1e-14, abs=0), name
    assert float(trace.values["E_total"]) == pytest.approx(0.298371108760003, rel=1e-12)
    for i in range(1, 9):
        assert float(trace.grads[f"w{i}"]) == pytest.approx(ref[f"dw{i}"], rel=1e-12), i


def test_seed_graph_is_named_as_the_seed_names_it() -> None:
    _, _, trace = seed_trace()
    g = trace.graph
    z1 = g.node("z1")
    assert z1.op == "add" and z1.inputs == ("w1*x1", "w2*x2", "b1") and z1.named
    assert g.node("w1*x1").op == "mul" and not g.node("w1*x1").named
    assert g.node("w1*x1").label is None
    assert g.node("z3").inputs == ("w5*h1", "w6*h2", "b2")
    assert g.node("z4").inputs == ("w7*h1", "w8*h2", "b2")
    assert (g.node("h1").op, g.node("h1").inputs) == ("sigmoid", ("z1",))
    assert g.node("E_o1").op == "half_sse" and g.node("E_o1").inputs == ("o1", "target_o1")
    assert g.node("target_o1").op == "const" and g.node("target_o1").role == "target"
    assert g.node("E_total").inputs == ("E_o1", "E_o2") and g.output == "E_total"
    # role: what the node is; group: the layer it belongs to (a weight: the layer it feeds)
    roles = {n.id: (n.role, n.group) for n in g.nodes}
    assert roles["x1"] == ("input", "input")
    assert roles["w1"] == ("weight", "hidden1") and roles["w5"] == ("weight", "output")
    assert roles["b2"] == ("bias", "output")
    assert roles["z1"] == ("pre-activation", "hidden1") and roles["h1"] == ("activation", "hidden1")
    assert roles["o2"] == ("activation", "output") and roles["E_total"] == ("loss", "loss")
    assert roles["target_o1"] == ("target", "loss") and roles["w1*x1"] == (None, "hidden1")


def test_names_deeper_networks_and_per_neuron_biases() -> None:
    spec = make_spec([3, 2, 2, 1], "tanh", "half_sse", True)
    assert neuron_names(spec)[:7] == ("w1", "w2", "w3", "w4", "w5", "w6", "w7")
    assert "b1_2" in neuron_names(spec) and "b3_1" in neuron_names(spec)
    assert layer_names(spec) == ("W1", "b1", "W2", "b2", "W3", "b3")
    g = neurons_graph(spec, np.zeros((1, 1)))
    assert "h1_2" in g and "h2_1" in g and "o1" in g and "z5" in g
    # w7 is the first weight of layer 2: h1_1 -> h2_1
    assert g.node("z3").inputs == ("w7*h1_1", "w8*h1_2", "b2_1")


def _random_case(seed: int, act: object, loss: str, per_neuron: bool, samples: int,
                 layers: list[int]) -> tuple[object, list, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    spec = make_spec(layers, act, loss, per_neuron)  # type: ignore[arg-type]
    params = init_params(spec, seed)
    params = [(w, b + rng.normal(0, 0.3, b.shape)) for w, b in params]
    x = rng.normal(size=(samples, layers[0]))
    if loss in ("softmax_cross_entropy", "hinge"):
        t = np.eye(layers[-1])[rng.integers(0, layers[-1], samples)]
    else:
        t = rng.uniform(0, 1, (samples, layers[-1]))
    return spec, params, x, t


CASES = [
    ("sigmoid", "half_sse", False, 1, [2, 2, 2]),
    ("tanh", "mse", True, 3, [3, 4, 2]),
    (["relu", "identity"], "softmax_cross_entropy", True, 3, [2, 3, 3]),
    (["leaky_relu", "elu", "identity"], "hinge", False, 2, [2, 3, 2, 3]),
    (["maxout", "sigmoid"], "half_sse", True, 3, [2, 3, 2]),
    ("identity", "mse", False, 1, [2, 1]),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_neurons_and_layers_views_give_the_same_loss_and_gradients(case: int) -> None:
    spec, params, x, t = _random_case(case, *CASES[case])
    neurons = run(neurons_graph(spec, t), {**neuron_inputs(x), **by_neuron_name(spec, params)})
    layers = run(layers_graph(spec, t), {**layer_inputs(x), **by_layer_name(params)})
    assert float(neurons.values["E_total"]) == pytest.approx(float(layers.values["E_total"]),
                                                            rel=1e-12)
    grads = by_neuron_name(spec, [(layers.grads[f"W{k}"], layers.grads[f"b{k}"])
                                  for k in range(1, spec.depth + 1)])
    for name in neuron_names(spec):
        assert float(neurons.grads[name]) == pytest.approx(float(grads[name]), rel=1e-9,
                                                           abs=1e-15), name


def _batch_closed_form(x: np.ndarray, t: np.ndarray, w1: np.ndarray, b1: float,
                       w2: np.ndarray, b2: float) -> tuple[float, np.ndarray, np.ndarray]:
    """A 2-2-2 sigmoid half_sse network on a batch, by hand: the mean over samples of each
    sample's E_total, and its gradients with respect to W1 and W2."""
    h = _sig(x @ w1.T + b1)  # samples x 2
    o = _sig(h @ w2.T + b2)
    loss = float(np.mean(0.5 * np.sum((t - o) ** 2, axis=1)))
    delta_o = -(t - o) * o * (1 - o) / len(x)  # the mean's 1/S
    delta_h = (delta_o @ w2) * h * (1 - h)
    return loss, delta_h.T @ x, delta_o.T @ h


def test_a_batch_is_one_graph_whose_values_are_vectors_of_samples() -> None:
    spec, params, x, t = _random_case(7, "sigmoid", "half_sse", False, 3, [2, 2, 2])
    one, batch = neurons_graph(spec, t[:1]), neurons_graph(spec, t)
    # the same nodes and names as with one sample, plus E_sum and N = 3 for the mean
    assert [n.id for n in batch.nodes if n.id not in ("E_sum", "N")] == [n.id for n in one.nodes]
    assert batch.node("z1").inputs == ("w1*x1", "w2*x2", "b1")
    assert batch.node("E_total").inputs == ("E_sum", "N") and batch.node("N").params["value"] == 3
    trace = run(batch, {**neuron_inputs(x), **by_neuron_name(spec, params)})
    assert trace.values["x1"].tolist() == x[:, 0].tolist() and trace.values["h2"].shape == (3,)
    assert trace.values["w1"].shape == () and trace.grads["w1"].shape == ()
    (w1, b1), (w2, b2) = params
    loss, dw1, dw2 = _batch_closed_form(x, t, w1, float(b1), w2, float(b2))
    assert float(trace.values["E_total"]) == pytest.approx(loss, rel=1e-14)
    grads = [*dw1.ravel(), *dw2.ravel()]
    for i, want in enumerate(grads, start=1):
        assert float(trace.grads[f"w{i}"]) == pytest.approx(want, rel=1e-12), i
    # the numbers of one scalar graph per sample (what the builder made before): their mean
    per_sample = [run(neurons_graph(spec, t[s:s + 1]),
                      {**neuron_inputs(x[s:s + 1]), **by_neuron_name(spec, params)})
                  for s in range(3)]
    for name in ("E_total", "w1", "w8", "b1"):
        got = trace.values[name] if name == "E_total" else trace.grads[name]
        parts = [(o.values if name == "E_total" else o.grads)[name] for o in per_sample]
        assert float(got) == pytest.approx(float(np.mean(parts)), rel=1e-14), name


def test_node_counts_do_not_grow_with_the_samples() -> None:
    xor = make_spec([2, 3, 1], "sigmoid", "half_sse", False)
    mlp = make_spec([2, 16, 16, 1], "sigmoid", "half_sse", False)
    # XOR on 4 samples was 101 nodes (a copy per sample), 2-16-16-1 on 4 was 1,809
    assert len(neurons_graph(xor, np.zeros((4, 1)))) == 34
    assert len(neurons_graph(mlp, np.zeros((4, 1)))) == 683
    for spec, _, _x, t in (_random_case(k, *CASES[k]) for k in range(len(CASES))):
        for samples in (1, 2, 5):
            g = neurons_graph(spec, np.resize(t, (samples, t.shape[1])))
            assert len(g) == neuron_node_count(spec, samples), (spec, samples)


def test_params_by_layer_name_and_by_neuron_name_agree() -> None:
    spec = make_spec([2, 2, 2], "sigmoid", "half_sse", False)
    base = init_params(spec, 3)
    a = apply_params(spec, base, SEED_PARAMS)
    b = apply_params(spec, base, {"W1": [[0.15, 0.2], [0.25, 0.3]], "b1": 0.35,
                                  "W2": [[0.4, 0.45], [0.5, 0.55]], "b2": 0.6})
    for (wa, ba), (wb, bb) in zip(a, b, strict=True):
        assert np.array_equal(wa, wb) and np.array_equal(ba, bb)
    partial = apply_params(spec, base, {"w5": 9.0})
    assert partial[1][0][0, 0] == 9.0 and partial[0][0][0, 0] == base[0][0][0, 0]


@pytest.mark.parametrize(
    ("args", "params", "fragment"),
    [
        (([2, 2], "softmax", "half_sse", False), {}, "unknown activation"),
        (([2, 2], "sigmoid", "l1", False), {}, "unknown loss"),
        (([2, 300, 2], "sigmoid", "half_sse", False), {}, "1 to 256 units"),
        (([2] * 9, "sigmoid", "half_sse", False), {}, "2 to 8 layers"),
        (([2, 2, 2], ["sigmoid"], "half_sse", False), {}, "one activation per"),
        (([2, 1], "sigmoid", "hinge", False), {}, "at least 2 output"),
        (([2, 2], "sigmoid", "half_sse", False), {"w9": 1.0}, "unknown parameter 'w9'"),
        (([2, 2], "sigmoid", "half_sse", False), {"W1": [1.0, 2.0]}, "needs [2, 2]"),
    ],
)
def test_bad_networks_are_refused_with_a_message(args: tuple, params: dict, fragment: str) -> None:
    with pytest.raises(GraphError) as e:
        spec = make_spec(*args)
        apply_params(spec, init_params(spec, 0), params)
    assert fragment in e.value.message


def test_the_neurons_view_is_refused_above_its_size_pointing_to_the_layers_view() -> None:
    spec = make_spec([30, 30, 30], "sigmoid", "half_sse", False)
    with pytest.raises(GraphError) as e:
        neurons_graph(spec, np.zeros((1, 30)))
    assert e.value.kind == "limit" and "layers" in e.value.message and "2000" in e.value.message
    layers_graph(spec, np.zeros((1, 30)))  # the layers view draws it
    seed = make_spec([2, 2, 2], "sigmoid", "half_sse", False)
    with pytest.raises(GraphError) as e:
        neurons_graph(seed, T, NetworkLimits(max_neuron_nodes=32))  # the seed has 33
    assert "up to 32" in e.value.message


def test_the_caps_come_from_the_limits_passed_in() -> None:
    small = NetworkLimits(max_layers=3, max_width=4)
    make_spec([4, 4, 4], "sigmoid", "half_sse", False, small)
    for layers, fragment in (([2, 5, 2], "1 to 4 units"), ([2, 2, 2, 2], "2 to 3 layers")):
        with pytest.raises(GraphError) as e:
            make_spec(layers, "sigmoid", "half_sse", False, small)
        assert e.value.kind == "limit" and fragment in e.value.message


def test_weights_are_located_as_the_seed_numbers_them() -> None:
    spec = make_spec([2, 2, 2], "sigmoid", "half_sse", False)
    assert locate_weight(spec, "w1") == (1, 0, 0) and locate_weight(spec, "w4") == (1, 1, 1)
    assert locate_weight(spec, "w5") == (2, 0, 0) and locate_weight(spec, "w7") == (2, 1, 0)
    for bad in ("w0", "w9", "w05", "W1", "w\u0665", "b1"):
        assert locate_weight(spec, bad) is None, bad
    maxout = make_spec([2, 2, 1], ["maxout", "sigmoid"], "half_sse", False)
    assert locate_weight(maxout, "w8") == (1, 3, 1) and locate_weight(maxout, "w9") == (2, 0, 0)
