"""Chain-rule derivations: the seed's two steps as the seed writes them, arrays, sums of chains.

Every expected number is computed here, by hand with numpy from the seed's formulas (and printed
with Python's own 4-significant-digit format), never read from Chainrule.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from app.builders.expression import parse_expression
from app.builders.network import (
    apply_params,
    by_layer_name,
    by_neuron_name,
    init_params,
    make_spec,
)
from app.builders.network_layers import layer_inputs, layers_graph
from app.builders.network_neurons import neuron_inputs, neurons_graph
from app.explain.derivation import derivations
from app.graph.engine import Trace, run
from app.graph.ir import GraphError, Node, make_graph
from app.network_examples import SEED_PARAMS

FRAC = "\\frac{\\partial %s}{\\partial %s}"
E = "E_{total}"


def d(top: str, below: str) -> str:
    return FRAC % (top, below)


def g4(x: float) -> str:
    """Python's own 4 significant digits: the number rule, written independently."""
    return format(x, ".4g")


def seed() -> dict[str, Any]:
    """The seed's 2-2-2 network by hand: forward, then step 1 and step 2 of the chain rule."""
    x, t = np.array([0.05, 0.10]), np.array([0.01, 0.99])
    w1, b1 = np.array([[0.15, 0.20], [0.25, 0.30]]), 0.35
    w2, b2 = np.array([[0.40, 0.45], [0.50, 0.55]]), 0.60
    h = 1 / (1 + np.exp(-(w1 @ x + b1)))
    o = 1 / (1 + np.exp(-(w2 @ h + b2)))
    de_do = -(t - o)  # dE_total/do = -(target - o)
    do_dz = o * (1 - o)
    delta = de_do * do_dz
    via = delta[:, None] * w2  # via[k, j] = dE_ok/dh_j: the path through output k
    de_dh = via.sum(axis=0)  # the sum over both outputs' paths
    return {"x": x, "h": h, "o": o, "de_do": de_do, "do_dz": do_dz, "via": via,
            "de_dh": de_dh, "dh_dz": h * (1 - h), "dw2": np.outer(delta, h),
            "dw1": np.outer(de_dh * h * (1 - h), x)}


def seed_trace() -> Trace:
    spec = make_spec([2, 2, 2], "sigmoid", "half_sse", False)
    params = apply_params(spec, init_params(spec, 0), SEED_PARAMS)
    graph = neurons_graph(spec, np.array([[0.01, 0.99]]))
    return run(graph, {**neuron_inputs(np.array([[0.05, 0.10]])), **by_neuron_name(spec, params)})


def expression(text: str, values: dict[str, Any]) -> Trace:
    return run(parse_expression(text), values)


def test_w5_is_the_seeds_step_1_in_three_factors() -> None:
    ref = seed()
    trace = seed_trace()
    dw5 = derivations(trace, ["w5"], 0.5)["w5"]
    (line,) = dw5["lines"]
    (term,) = line["terms"]
    f = term["factors"]
    assert [x["symbol"] for x in f] == [d(E, "o_1"), d("o_1", "z_3"), d("z_3", "w_5")]
    assert [x["formula"] for x in f] == ["-(\\mathit{target}_{o_1} - o_1)", "o_1(1 - o_1)",
                                         "h_1"]
    assert [x["value"] for x in f] == pytest.approx(
        [ref["de_do"][0], ref["do_dz"][0], ref["h"][0]], rel=1e-14)
    assert dw5["total"] == float(trace.grads["w5"]) == pytest.approx(ref["dw2"][0, 0],
                                                                       rel=1e-14)
    nums = [ref["de_do"][0], ref["do_dz"][0], ref["h"][0], ref["dw2"][0, 0]]
    assert line["tex"] == (
        f"{d(E, 'w_5')} = {d(E, 'o_1')} \\cdot {d('o_1', 'z_3')} \\cdot {d('z_3', 'w_5')} = "
        "-(\\mathit{target}_{o_1} - o_1) \\cdot o_1(1 - o_1) \\cdot h_1 = "
        + " \\times ".join(g4(v) for v in nums[:3]) + f" = {g4(nums[3])}")
    assert [g4(v) for v in nums] == ["0.7414", "0.1868", "0.5933", "0.08217"]
    after = 0.4 - 0.5 * ref["dw2"][0, 0]
    assert dw5["update"]["after"] == pytest.approx(after, rel=1e-14)
    assert dw5["update"]["latex"] == (f"w_5^+ = w_5 - \\alpha {d(E, 'w_5')} = 0.4 - 0.5 \\cdot "
                                      f"{g4(ref['dw2'][0, 0])} = {g4(after)}")
    # the card follows the animation: each factor is used no earlier than the one above it,
    # and the last one when w5 is final
    steps = [x["step"] for x in f]
    assert steps == sorted(steps) and steps[-1] == dw5["step"] == line["step"]
    assert f[2]["gates"] == ["w5*h1"] and f[0]["gates"] == ["E_o1"]


def test_w1_factors_at_h1_as_the_seeds_step_2() -> None:
    ref = seed()
    trace = seed_trace()
    dw1 = derivations(trace, ["w1"], 0.5)["w1"]
    assert [line["node"] for line in dw1["lines"]] == ["w1", "h1"]
    w1_line, h1_line = dw1["lines"]
    (term,) = w1_line["terms"]
    grad_h1, dh1, dz1 = term["factors"]
    assert (grad_h1["kind"], grad_h1["node"], grad_h1["symbol"]) == ("gradient", "h1",
                                                                      d(E, "h_1"))
    assert grad_h1["value"] == pytest.approx(ref["de_dh"][0], rel=1e-14)
    assert (dh1["formula"], dz1["formula"]) == ("h_1(1 - h_1)", "x_1")
    assert [dh1["value"], dz1["value"]] == pytest.approx([ref["dh_dz"][0], 0.05], rel=1e-14)
    assert w1_line["value"] == pytest.approx(ref["dw1"][0, 0], rel=1e-13)
    # h1 feeds both outputs: dE/dh1 = dE_o1/dh1 + dE_o2/dh1 = 0.0554 + (-0.01905) = 0.03635
    via_o1, via_o2 = ref["via"][0, 0], ref["via"][1, 0]
    assert [g4(via_o1), g4(via_o2), g4(ref["de_dh"][0])] == ["0.0554", "-0.01905", "0.03635"]
    assert h1_line["tex"] == (f"{d(E, 'h_1')} = {d('E_{o_1}', 'h_1')} + {d('E_{o_2}', 'h_1')}"
                              f" = {g4(via_o1)} + ({g4(via_o2)}) = {g4(ref['de_dh'][0])}")
    t1, t2 = h1_line["terms"]
    assert [x["formula"] for x in t1["factors"]] == [
        "-(\\mathit{target}_{o_1} - o_1)", "o_1(1 - o_1)", "w_5"]
    assert [x["formula"] for x in t2["factors"]] == [
        "-(\\mathit{target}_{o_2} - o_2)", "o_2(1 - o_2)", "w_7"]
    assert [t1["value"], t2["value"]] == pytest.approx([via_o1, via_o2], rel=1e-14)
    assert grad_h1["step"] == h1_line["step"] == max(t1["step"], t2["step"])
    assert grad_h1["step"] < dh1["step"] <= dz1["step"] == dw1["step"]
    # "show all paths": the expanded sum, two paths of five factors
    assert dw1["path_count"] == 2
    p1, p2 = dw1["paths"]
    assert p1["stops"] == ["E_total", "o1", "z3", "h1", "z1", "w1"]
    assert p1["nodes"] == ["E_total", "E_o1", "o1", "z3", "w5*h1", "h1", "z1", "w1*x1", "w1"]
    assert p1["product"] == pytest.approx(via_o1 * ref["dh_dz"][0] * 0.05, rel=1e-13)
    assert p2["product"] == pytest.approx(via_o2 * ref["dh_dz"][0] * 0.05, rel=1e-13)
    assert dw1["update"]["after"] == pytest.approx(0.15 - 0.5 * ref["dw1"][0, 0], rel=1e-14)


def test_the_vectorized_example_in_the_seeds_own_lines() -> None:
    w, x = np.array([[0.1, 0.5], [-0.3, 0.8]]), np.array([0.2, 0.4])
    q = w @ x
    trace = expression("q = W @ x\nf = sum(q ** 2)", {"W": w.tolist(), "x": x.tolist()})
    found = derivations(trace, ["W", "x"], None)
    (fq, fw), (fq2, fx) = (found[n]["lines"][0]["terms"][0]["factors"] for n in ("W", "x"))
    assert fq == fq2
    assert fq["tex"] == "\\nabla_{q} f = 2 q = [0.44, 0.52]"
    assert fw["tex"] == ("\\nabla_{W} f = 2 q \\, x^T = "
                         "\\begin{bmatrix}0.088 & 0.176 \\\\ 0.104 & 0.208\\end{bmatrix}")
    assert fx["tex"] == "\\nabla_{x} f = 2 W^T q = [-0.112, 0.636]"
    assert np.allclose(fq["value"], 2 * q, rtol=1e-15, atol=0)
    assert np.allclose(fw["value"], np.outer(2 * q, x), rtol=1e-15, atol=0)
    assert np.allclose(fx["value"], 2 * w.T @ q, rtol=1e-15, atol=0)
    assert fw["vjp"] and fx["vjp"] and not fq["vjp"]
    assert np.array_equal(found["W"]["paths"][0]["product"], trace.grads["W"])


def test_fan_out_reads_as_the_inspector_does() -> None:
    # f = x*x + x at x = 3: 3 + 3 + 1 = 7, in the order of the edges leaving x
    trace = expression("f = x * x + x", {"x": 3})
    (factor,) = derivations(trace, ["x"], None)["x"]["lines"][0]["terms"][0]["factors"]
    assert [c["formula"] for c in factor["chains"]] == ["x", "x", "1"]
    assert [c["value"] for c in factor["chains"]] == [3.0, 3.0, 1.0]
    assert factor["tex"] == "\\frac{\\partial f}{\\partial x} = x + x + 1 = 3 + 3 + 1 = 7"


def test_the_learning_rate_keeps_its_letter() -> None:
    trace = expression("f = alpha * x", {"alpha": 2, "x": 3})
    u = derivations(trace, ["alpha"], 0.1)["alpha"]["update"]["latex"]
    assert u.startswith("\\mathit{alpha}^+ = \\mathit{alpha} - \\alpha ")
    assert u.count("\\alpha") == 1


def test_layers_view_derivations_have_numbers() -> None:
    spec = make_spec([3, 4, 2], "tanh", "mse", True)
    rng = np.random.default_rng(1)
    params = init_params(spec, 1)
    x, t = rng.normal(size=(3, 3)), rng.uniform(size=(3, 2))
    trace = run(layers_graph(spec, t), {**layer_inputs(x), **by_layer_name(params)})
    dw1 = derivations(trace, ["W1"], 0.1)["W1"]
    assert np.allclose(dw1["total"], trace.grads["W1"])
    factors = dw1["lines"][0]["terms"][0]["factors"]
    assert all(f["value"] is not None for f in factors)
    assert np.allclose(factors[-1]["value"], trace.grads["W1"], rtol=1e-12, atol=1e-15)
    assert np.allclose(dw1["update"]["after"], trace.values["W1"] - 0.1 * trace.grads["W1"])


NETWORKS = [("sigmoid", "half_sse", [2, 2, 2]), ("tanh", "mse", [3, 4, 2]),
            (["relu", "identity"], "softmax_cross_entropy", [2, 3, 3]),
            (["leaky_relu", "elu", "identity"], "hinge", [2, 3, 2, 3]),
            (["maxout", "sigmoid"], "half_sse", [2, 3, 2])]


@pytest.mark.parametrize("case", range(len(NETWORKS)))
def test_lines_and_paths_add_up_to_the_engines_gradient(case: int) -> None:
    act, loss, layers = NETWORKS[case]
    spec = make_spec(layers, act, loss, case % 2 == 1)
    rng = np.random.default_rng(case)
    params = [(w, b + rng.normal(0, 0.3, b.shape)) for w, b in init_params(spec, case)]
    x = rng.normal(size=(1, layers[0]))
    t = (np.eye(layers[-1])[[rng.integers(0, layers[-1])]] if "entropy" in loss
         or loss == "hinge" else rng.uniform(0, 1, (1, layers[-1])))
    trace = run(neurons_graph(spec, t), {**neuron_inputs(x), **by_neuron_name(spec, params)})
    names = [n.id for n in trace.graph.nodes if n.id in trace.grads
             and trace.values[n.id].ndim == 0]
    for name, dn in derivations(trace, names, None, max_paths=10_000).items():
        grad = float(trace.grads[name])
        assert not dn["paths_truncated"]
        assert sum(p["product"] for p in dn["paths"]) == pytest.approx(grad, rel=1e-9,
                                                                      abs=1e-15), name
        for line in dn["lines"]:
            total = sum(term["value"] for term in line["terms"]) if line["terms"] else 1.0
            assert total == pytest.approx(line["value"], rel=1e-9, abs=1e-15), (name, line)
            for term in line["terms"]:
                product = np.prod([f["value"] for f in term["factors"]])
                assert term["value"] == pytest.approx(product, rel=1e-12, abs=1e-300)
                assert all(f["formula"] for f in term["factors"] if f["kind"] == "local")


def test_paths_are_counted_and_truncated() -> None:
    trace = seed_trace()
    dx = derivations(trace, ["x1"], None, max_paths=3)["x1"]
    assert dx["path_count"] == 4 and len(dx["paths"]) == 3 and dx["paths_truncated"]
    assert dx["total"] == float(trace.grads["x1"])  # always the engine's
    assert "\\dots" in dx["paths_latex"]
    # x1 feeds z1 and z2: its line is a sum of two terms, each through a shared h
    (line, *shared) = dx["lines"]
    assert [t["via"] for t in line["terms"]] == ["z1", "z2"]
    assert [s["node"] for s in shared] == ["h1", "h2"]


def test_the_output_a_constant_and_unknown_names() -> None:
    trace = seed_trace()
    found = derivations(trace, ["E_total", "target_o1", "E_o1", "w1*x1"], None)
    assert found["E_total"]["total"] == 1.0 and found["E_total"]["lines"][0]["terms"] == []
    assert found["target_o1"]["total"] is None and found["target_o1"]["lines"] == []
    assert found["E_o1"]["paths"][0]["stops"] == ["E_total", "E_o1"]
    p1, p2 = found["w1*x1"]["paths"]
    assert p1["stops"][-2:] == ["z1", "w1*x1"]
    assert p1["factors"][-1]["symbol"] == d("z_1", "(w_1 x_1)")
    assert p1["product"] + p2["product"] == pytest.approx(float(trace.grads["w1*x1"]),
                                                          rel=1e-14)
    with pytest.raises(GraphError) as e:
        derivations(trace, ["w99"], None)
    assert e.value.node == "w99" and "w99" in e.value.message


def test_a_wide_neuron_keeps_its_formulas_and_a_pathological_chain_is_bounded() -> None:
    spec = make_spec([30, 1], "sigmoid", "half_sse", False)
    x, t = np.linspace(-1, 1, 30)[None, :], np.array([[0.5]])
    trace = run(neurons_graph(spec, t), {**neuron_inputs(x),
                                        **by_neuron_name(spec, init_params(spec, 0))})
    dw = derivations(trace, ["w30"], None)["w30"]
    assert dw["lines"][0]["terms"][0]["factors"][-1]["formula"] == "x_{30}"
    # f = x^(2^30) through 30 unnamed squarings: 2^30 chains, refused work, exact value
    nodes = [Node("x", "input", named=True)]
    for i in range(30):
        nodes.append(Node(f"s{i}", "mul", (nodes[-1].id, nodes[-1].id)))
    nodes.append(Node("f", "identity", ("s29",), named=True))
    trace = run(make_graph(nodes, "f"), {"x": 1.0})
    (f,) = derivations(trace, ["x"], None)["x"]["paths"][0]["factors"]
    assert f["formula"] is None and f["value"] == float(trace.grads["x"]) == 2.0**30


@pytest.mark.parametrize(
    ("program", "values", "name", "op", "where"),
    [("f = relu(x) * 2", {"x": 0}, "x", "relu", "x = 0"),
     ("h = relu(z); f = 2 * h", {"z": 0}, "z", "relu", "x = 0"),
     ("f = max(x, y) + 1", {"x": 2, "y": 2}, "y", "max", "a tie a = b"),
     ("f = x ** 0", {"x": 0}, "x", "pow", "a = 0, b = 0")],
)
def test_a_convention_at_a_special_point_is_on_the_card(
    program: str, values: dict[str, float], name: str, op: str, where: str
) -> None:
    factors = derivations(expression(program, values), [name], None)[name]["lines"][0][
        "terms"][0]["factors"]
    notes = [n for f in factors for n in f["notes"]]
    assert any(n["op"] == op and n["where"] == where and n["rule"] for n in notes), notes
    # away from the special point, no note
    away = {k: v + 0.5 * (i + 1) for i, (k, v) in enumerate(values.items())}
    factors = derivations(expression(program, away), [name], None)[name]["lines"][0][
        "terms"][0]["factors"]
    assert all(f["notes"] == [] for f in factors)


def test_a_batch_network_derives_with_arrays_and_ends_on_the_weights_number() -> None:
    # the neurons view of a batch: every stop holds one value per sample, a weight is shared
    spec = make_spec([2, 3, 1], "sigmoid", "half_sse", False)
    rng = np.random.default_rng(3)
    x, t = rng.normal(size=(4, 2)), rng.uniform(size=(4, 1))
    trace = run(neurons_graph(spec, t), {**neuron_inputs(x),
                                        **by_neuron_name(spec, init_params(spec, 3))})
    found = derivations(trace, ["w1", "w7"], 0.5)
    for name, dn in found.items():
        (line, *_) = dn["lines"]
        last = line["terms"][0]["factors"][-1]
        assert last["vjp"] and np.ndim(last["value"]) == 0
        assert last["value"] == pytest.approx(float(trace.grads[name]), rel=1e-12)
        assert last["symbol"] == d("E_{total}", f"w_{name[1:]}")
        assert all(f["value"] is not None for t_ in line["terms"] for f in t_["factors"])
        assert "\\textstyle\\sum" in last["formula"]  # summed over the batch
