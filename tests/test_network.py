"""The network builder: the seed's numbers, both views, batches, names and limits.

Every expected number is computed here by an independent closed-form numpy forward and backward
pass of the seed's formulas (or quoted from the classic worked example), never read from the
engine.
"""

from __future__ import annotations

import numpy as np
import pytest

from app.builders.network import (
    apply_params,
    by_layer_name,
    by_neuron_name,
    init_params,
    layer_names,
    make_spec,
    neuron_names,
)
from app.builders.network_layers import (
    layer_inputs,
    layers_graph,
    neuron_inputs,
    neurons_graph,
)
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
    roles = {n.id: (n.role, n.group) for n in g.nodes}
    assert roles["x1"] == ("input", "input")
    assert roles["w1"] == ("weight", "hidden1") and roles["w5"] == ("weight", "output")
    assert roles["b2"] == ("bias", "output")
    assert roles["z1"] == ("pre-activation", "hidden1") and roles["h1"] == ("activation", "hidden1")
    assert roles["o2"] == ("output", "output") and roles["E_total"] == ("loss", "loss")


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


def test_a_batch_gets_one_copy_per_sample_sharing_the_parameters() -> None:
    spec, params, x, t = _random_case(7, "sigmoid", "half_sse", False, 3, [2, 2, 2])
    g = neurons_graph(spec, t)
    assert "h1@3" in g and "h1" not in g and "x2@2" in g
    assert g.node("z1@2").inputs == ("w1*x1@2", "w2*x2@2", "b1")
    assert g.node("E_total").op == "mean"
    trace = run(g, {**neuron_inputs(x), **by_neuron_name(spec, params)})
    per_sample = []
    for s in range(3):
        one = run(neurons_graph(spec, t[s:s + 1]),
                  {**neuron_inputs(x[s:s + 1]), **by_neuron_name(spec, params)})
        per_sample.append(one)
    assert float(trace.values["E_total"]) == pytest.approx(
        np.mean([float(o.values["E_total"]) for o in per_sample]), rel=1e-14)
    for name in ("w1", "w8", "b1"):
        assert float(trace.grads[name]) == pytest.approx(
            np.mean([float(o.grads[name]) for o in per_sample]), rel=1e-12)


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
    spec = make_spec([20, 20, 20], "sigmoid", "half_sse", False)
    with pytest.raises(GraphError) as e:
        neurons_graph(spec, np.zeros((1, 20)))
    assert e.value.kind == "limit" and "layers" in e.value.message
    layers_graph(spec, np.zeros((1, 20)))  # the layers view draws it
