"""Chain-rule derivations: the seed's two steps, factor by factor, and sum over paths == grad."""

from __future__ import annotations

import numpy as np
import pytest

from app.builders.network import by_layer_name, by_neuron_name, neuron_names
from app.builders.network_layers import layer_inputs, layers_graph
from app.builders.network_neurons import neuron_inputs, neurons_graph
from app.explain.derivation import derivations, fmt, latex_name
from app.graph.engine import run
from app.graph.ir import GraphError, Node, make_graph
from tests.test_network import CASES, _random_case, seed_closed_form, seed_trace

FRAC = "\\frac{\\partial %s}{\\partial %s}"


def test_w5_reads_as_the_seeds_step_1() -> None:
    ref = seed_closed_form()
    _, _, trace = seed_trace()
    d = derivations(trace, ["w5"], 0.5)["w5"]
    assert d["path_count"] == 1 and not d["paths_truncated"]
    (path,) = d["paths"]
    assert path["stops"] == ["E_total", "o1", "z3", "w5"]
    f = path["factors"]
    assert [x["symbol"] for x in f] == [FRAC % ("E_{total}", "o_1"), FRAC % ("o_1", "z_3"),
                                        FRAC % ("z_3", "w_5")]
    assert [x["formula"] for x in f] == ["-(target_{o_1} - o_1)", "o_1(1 - o_1)", "h_1"]
    o1, h1 = ref["o1"], ref["h1"]
    expected = [-(0.01 - o1), o1 * (1 - o1), h1]
    assert [x["value"] for x in f] == pytest.approx(expected, rel=1e-14)
    assert path["product"] == pytest.approx(ref["dw5"], rel=1e-14)
    assert d["total"] == float(trace.grads["w5"])
    u = d["update"]
    assert (u["alpha"], u["before"]) == (0.5, 0.4)
    assert u["after"] == pytest.approx(0.35891647971788465, rel=1e-12)
    assert u["latex"] == ("w_5^+ = w_5 - \\alpha " + FRAC % ("E_{total}", "w_5")
                          + " = 0.4 - 0.5 \\cdot 0.0821670406 = 0.3589164797")
    assert d["latex"].startswith("\\begin{aligned}") and d["latex"].endswith("\\end{aligned}")


def test_w1_sums_two_paths_of_five_factors_as_the_seeds_step_2() -> None:
    ref = seed_closed_form()
    _, _, trace = seed_trace()
    d = derivations(trace, ["w1"], 0.5)["w1"]
    assert d["path_count"] == 2
    p1, p2 = d["paths"]
    assert p1["stops"] == ["E_total", "o1", "z3", "h1", "z1", "w1"]
    assert p2["stops"] == ["E_total", "o2", "z4", "h1", "z1", "w1"]
    assert [x["formula"] for x in p1["factors"]] == [
        "-(target_{o_1} - o_1)", "o_1(1 - o_1)", "w_5", "h_1(1 - h_1)", "x_1"]
    assert [x["formula"] for x in p2["factors"]] == [
        "-(target_{o_2} - o_2)", "o_2(1 - o_2)", "w_7", "h_1(1 - h_1)", "x_1"]
    # the seed: dE_o1/dh1 = -(t1 - o1) o1 (1 - o1) w5, dE_o2/dh1 = -(t2 - o2) o2 (1 - o2) w7
    o1, o2, h1 = ref["o1"], ref["o2"], ref["h1"]
    via_o1 = -(0.01 - o1) * o1 * (1 - o1) * 0.40 * h1 * (1 - h1) * 0.05
    via_o2 = -(0.99 - o2) * o2 * (1 - o2) * 0.50 * h1 * (1 - h1) * 0.05
    assert p1["product"] == pytest.approx(via_o1, rel=1e-13)
    assert p2["product"] == pytest.approx(via_o2, rel=1e-13)
    assert p1["product"] + p2["product"] == pytest.approx(d["total"], rel=1e-14)
    assert d["total"] == pytest.approx(ref["dw1"], rel=1e-12)
    assert d["update"]["after"] == pytest.approx(0.1497807161327628, rel=1e-12)


def test_every_parameters_paths_sum_to_the_engines_gradient_in_the_neurons_view() -> None:
    for case in range(len(CASES)):
        spec, params, x, t = _random_case(case, *CASES[case])
        # one sample: with a batch the stops hold a vector of samples and the factors' values
        # are not numbers yet (docs/design/plan.md, "A batch is one graph")
        x, t = x[:1], t[:1]
        trace = run(neurons_graph(spec, t), {**neuron_inputs(x), **by_neuron_name(spec, params)})
        names = [*neuron_names(spec), *(n for n in ("x1", "h1", "o1", "z1") if n in trace.graph)]
        for name, d in derivations(trace, names, None, max_paths=10_000).items():
            assert not d["paths_truncated"] and len(d["paths"]) == d["path_count"]
            total = sum(p["product"] for p in d["paths"])
            assert total == pytest.approx(float(trace.grads[name]), rel=1e-9, abs=1e-15), (
                case, name)
            for p in d["paths"]:
                assert p["product"] == pytest.approx(np.prod([f["value"] for f in p["factors"]]))
                assert all(f["formula"] for f in p["factors"]), (case, name)


def test_softmax_paths_read_component_by_component() -> None:
    spec, params, x, t = _random_case(2, *CASES[2])
    trace = run(neurons_graph(spec, t[:1]), {**neuron_inputs(x[:1]),
                                             **by_neuron_name(spec, params)})
    d = derivations(trace, ["o2"], None)["o2"]
    (path,) = d["paths"]
    (f,) = path["factors"]
    assert f["symbol"] == FRAC % ("E_{total}", "o_2")
    assert f["formula"] == ("\\left(\\operatorname{softmax}(\\left[o_1, o_2, o_3\\right]) - "
                            "target\\right)_{2}")
    z = np.array([float(trace.values[f"o{i}"]) for i in (1, 2, 3)])
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    assert f["value"] == pytest.approx(p[1] - t[0, 1], rel=1e-12)


def test_paths_are_counted_and_truncated() -> None:
    _, _, trace = seed_trace()
    d = derivations(trace, ["x1"], None, max_paths=3)["x1"]
    assert d["path_count"] == 4 and len(d["paths"]) == 3 and d["paths_truncated"]
    assert d["total"] == float(trace.grads["x1"])  # always the engine's
    assert "\\dots" in d["latex"]


def test_tensor_nodes_give_the_engines_total_and_formulas_without_numbers() -> None:
    spec, params, x, t = _random_case(1, *CASES[1])
    trace = run(layers_graph(spec, t), {**layer_inputs(x), **by_layer_name(params)})
    d = derivations(trace, ["W1"], 0.1)["W1"]
    assert np.array_equal(np.asarray(d["total"]), trace.grads["W1"])
    assert d["path_count"] == 1 and d["paths"][0]["product"] is None
    assert [f["symbol"] for f in d["paths"][0]["factors"]][-1] == FRAC % ("Z_1", "W_1")
    assert np.allclose(d["update"]["after"], trace.values["W1"] - 0.1 * trace.grads["W1"])


def test_output_itself_and_unknown_names() -> None:
    _, _, trace = seed_trace()
    d = derivations(trace, ["E_total"], None)["E_total"]
    assert d["path_count"] == 1 and d["paths"][0]["factors"] == [] and d["total"] == 1.0
    with pytest.raises(GraphError) as e:
        derivations(trace, ["w99"], None)
    assert e.value.node == "w99" and "w99" in e.value.message


def test_unnamed_chains_collapse_and_x_times_x_sums_its_two_edges() -> None:
    # f = x * x + y (unnamed mul): df/dx = 2x through two chains of one factor
    g = make_graph([Node("x", "input", named=True), Node("y", "input", named=True),
                    Node("m", "mul", ("x", "x")), Node("f", "add", ("m", "y"), named=True)], "f")
    trace = run(g, {"x": 3.0, "y": 1.0})
    (path,) = derivations(trace, ["x"], None)["x"]["paths"]
    (f,) = path["factors"]
    assert f["symbol"] == FRAC % ("f", "x") and f["value"] == 6.0
    assert f["formula"] == "x + x"


@pytest.mark.parametrize(
    ("node_id", "tex"),
    [("x1", "x_1"), ("w5", "w_5"), ("w12", "w_{12}"), ("E_total", "E_{total}"),
     ("E_o1", "E_{o_1}"), ("o12@3", "o_{12}^{(3)}"),
     ("target_o1", "target_{o_1}"), ("h1_2", "h_{1,2}"), ("h1@2", "h_1^{(2)}"),
     ("E_total@3", "E_{total}^{(3)}"), ("W1", "W_1"), ("alpha", "\\alpha"),
     ("a b{c}$", "\\text{a b\\{c\\}\\$}"), ("w1*x1", "\\text{w1*x1}"),
     ("x\\y^z_", "\\text{x\\textbackslash{}y\\textasciicircum{}z\\_}")],
)
def test_latex_names(node_id: str, tex: str) -> None:
    assert latex_name(node_id) == tex


def test_number_format() -> None:
    assert [fmt(v) for v in (0.4, 0.0821670405642, -0.5, 0.0, 1.5e-7)] == [
        "0.4", "0.0821670406", "-0.5", "0", "1.5 \\times 10^{-7}"]


def test_a_collapsed_loss_node_or_an_unnamed_node_can_be_explained_too() -> None:
    _, _, trace = seed_trace()
    d = derivations(trace, ["E_o1", "w1*x1", "w5"], None)
    assert d["E_o1"]["paths"][0]["stops"] == ["E_total", "E_o1"]
    assert d["E_o1"]["total"] == 1.0
    assert d["w1*x1"]["paths"][0]["stops"][-2:] == ["z1", "w1*x1"]
    assert d["w1*x1"]["paths"][0]["factors"][-1]["symbol"] == FRAC % ("z_1", "\\text{w1*x1}")
    for name in ("w1*x1", "w5"):
        assert sum(p["product"] for p in d[name]["paths"]) == pytest.approx(
            float(trace.grads[name]), rel=1e-13)


KATEX_CHECK = """
const fs = require("fs"), vm = require("vm");
const ctx = {}; ctx.self = ctx; vm.createContext(ctx);
vm.runInContext(fs.readFileSync(process.argv[1], "utf8"), ctx);
const bad = [];
for (const s of JSON.parse(fs.readFileSync(0, "utf8"))) {
  try { ctx.katex.renderToString(s, {throwOnError: true, strict: "ignore"}); }
  catch (e) { bad.push([s, e.message]); }
}
process.stdout.write(JSON.stringify(bad));
"""


def _latex_strings(d: dict) -> list[str]:
    out = [d["symbol"], d["latex"], d["latex_name"]]
    if d["update"]:
        out.append(d["update"]["latex"])
    for p in d["paths"]:
        out += [f["symbol"] for f in p["factors"]] + [f["formula"] for f in p["factors"]
                                                      if f["formula"]]
    return out


def test_every_latex_string_renders_in_katex() -> None:
    import json
    import shutil
    import subprocess
    from pathlib import Path

    node = shutil.which("node")
    katex = Path(__file__).resolve().parent.parent / "static" / "vendor" / "katex.min.js"
    if node is None or not katex.exists():
        pytest.skip("node or the vendored KaTeX is not available")
    strings: list[str] = []
    for case in range(len(CASES)):
        spec, params, x, t = _random_case(case, *CASES[case])
        for graph, values in (
            (neurons_graph(spec, t), {**neuron_inputs(x), **by_neuron_name(spec, params)}),
            (layers_graph(spec, t), {**layer_inputs(x), **by_layer_name(params)}),
        ):
            trace = run(graph, values)
            names = [n.id for n in graph.nodes if n.op != "const"][:40]
            for d in derivations(trace, names, 0.5, max_paths=4).values():
                strings += _latex_strings(d)
    weird = ["a b{c}$", "x\\y^z_", "100%", "#1", "~&"]
    g = make_graph([*(Node(w, "input", named=True) for w in weird),
                    Node("f", "add", tuple(weird), named=True)], "f")
    trace = run(g, dict.fromkeys(weird, 1.0))
    for d in derivations(trace, weird, 0.1).values():
        strings += _latex_strings(d)
    from app.activations import activations

    strings += [a[k] for a in activations() for k in ("latex", "dlatex")]
    result = subprocess.run([node, "-e", KATEX_CHECK, str(katex)], input=json.dumps(strings),
                            capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(result.stdout) == []
    assert len(strings) > 1000


def test_a_wide_neuron_keeps_its_formulas_and_a_pathological_chain_is_bounded() -> None:
    from app.builders.network import init_params, make_spec

    spec = make_spec([30, 1], "sigmoid", "half_sse", False)
    x, t = np.linspace(-1, 1, 30)[None, :], np.array([[0.5]])
    trace = run(neurons_graph(spec, t), {**neuron_inputs(x),
                                        **by_neuron_name(spec, init_params(spec, 0))})
    d = derivations(trace, ["w30"], None)["w30"]
    assert d["paths"][0]["factors"][-1]["formula"] == "x_{30}"
    # f = x^(2^30) through 30 unnamed squarings: 2^30 chains, refused work, exact value
    nodes = [Node("x", "input", named=True)]
    for i in range(30):
        nodes.append(Node(f"s{i}", "mul", (nodes[-1].id, nodes[-1].id)))
    nodes.append(Node("f", "identity", ("s29",), named=True))
    trace = run(make_graph(nodes, "f"), {"x": 1.0})
    (f,) = derivations(trace, ["x"], None)["x"]["paths"][0]["factors"]
    assert f["formula"] is None and f["value"] == float(trace.grads["x"]) == 2.0**30
