"""app.explain.names: a learner's names for every node, never an id."""

from __future__ import annotations

import numpy as np
import pytest

from app.builders.expression import parse_expression
from app.builders.network import apply_params, by_neuron_name, init_params, make_spec
from app.builders.network_neurons import neuron_inputs, neurons_graph
from app.examples import GRAPH_EXAMPLES
from app.explain.names import Names
from app.graph.engine import run
from app.network_examples import SEED_PARAMS


def names_of(text: str, values: dict[str, object]) -> Names:
    return Names(run(parse_expression(text), values))


def test_the_seeds_network() -> None:
    spec = make_spec([2, 2, 2], "sigmoid", "half_sse", False)
    params = apply_params(spec, init_params(spec, 0), SEED_PARAMS)
    graph = neurons_graph(spec, np.array([[0.01, 0.99]]))
    n = Names(run(graph, {**neuron_inputs(np.array([[0.05, 0.10]])),
                          **by_neuron_name(spec, params)}))
    assert n.formula("z1") == "z_1 = w_1 x_1 + w_2 x_2 + b_1"  # every input, + b1 too
    assert n.formula("h1") == "h_1 = \\sigma(z_1) = \\frac{1}{1 + e^{-z_1}}"
    assert n.formula("E_o1") == "E_{o_1} = \\tfrac{1}{2} (\\mathit{target}_{o_1} - o_1)^2"
    assert n.formula("E_total") == "E_{total} = E_{o_1} + E_{o_2}"
    assert (n.tex("w5*h1"), n.name("w5*h1"), n.formula("w5*h1")) == (
        "w_5 h_1", "the product w5·h1", "w_5 h_1")
    assert (n.tex("w5"), n.name("w5"), n.formula("w5")) == ("w_5", "w5", None)
    assert (n.tex("target_o1"), n.name("target_o1")) == ("\\mathit{target}_{o_1}", "target_o1")


def test_constants_by_their_value_and_gates_by_their_formula() -> None:
    n = names_of("q = W @ x\nf = sum(q ** 2)", {"W": [[1, 2], [3, 4]], "x": [1, 1]})
    assert (n.tex("const#1"), n.name("const#1")) == ("2", "2")
    assert (n.tex("pow#1"), n.name("pow#1")) == ("q^{2}", "the power q^2")
    assert n.formula("q") == "q = W x"
    n = names_of("2 * (x * y + max(z, w))", {"x": 3, "y": -4, "z": 2, "w": -1})
    assert n.tex("add#1") == "x y + \\max(z, w)"
    assert n.name("add#1") == "the sum x·y + max(z, w)"
    # the unnamed output is called f, as the course calls a circuit's output
    assert (n.tex("mul#2"), n.name("mul#2")) == ("f", "f")
    assert n.formula("mul#2") == "f = 2 \\left(x y + \\max(z, w)\\right)"
    n = names_of("f = 2 * f0", {"f0": 1})
    assert n.tex("f") == "f"
    n = names_of("3 * f", {"f": 1})  # f is taken: the output is y
    assert n.tex("mul#1") == "y"


@pytest.mark.parametrize("example", GRAPH_EXAMPLES, ids=lambda e: e["id"])
def test_no_id_in_any_name(example: dict[str, object]) -> None:
    req = example["request"]
    assert isinstance(req, dict)
    trace = run(parse_expression(req["expression"]), req["values"])
    n = Names(trace)
    for node in trace.graph.nodes:
        shown = [n.tex(node.id), n.name(node.id), n.formula(node.id) or ""]
        assert not any("#" in s or "—" in s for s in shown), (node.id, shown)


def test_notation_letters_and_long_formulas() -> None:
    n = names_of("f = alpha * sigma + sigmoid(beta)", {"alpha": 1, "sigma": 2, "beta": 3})
    assert n.tex("alpha") == "\\mathit{alpha}" and n.tex("sigma") == "\\mathit{sigma}"
    assert n.tex("beta") == "\\beta"
    assert n.formula("f") == ("f = \\mathit{alpha} \\mathit{sigma} + "
                              "\\sigma(\\beta)")
    # a deep unnamed expression is shortened, never unbounded
    text = "f = " + "sigmoid(" * 30 + "x" + ")" * 30
    n = names_of(text, {"x": 0.5})
    assert all(len(n.tex(node)) <= 80 for node in n.graph.node("f").inputs)
    assert "\\cdots" in n.formula("f")  # type: ignore[operator]
