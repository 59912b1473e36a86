"""Display names: what a learner reads for a node, never an internal id such as mul#1."""

from __future__ import annotations

import numpy as np
import pytest

from app.builders.expression import parse_expression
from app.builders.network import apply_params, init_params, make_spec
from app.builders.network_neurons import neurons_graph
from app.graph.engine import run
from app.graph.ir import GraphError
from app.graph.names import display_name
from app.network_examples import SEED_PARAMS


def names(text: str) -> dict[str, str]:
    g = parse_expression(text)
    return {n.id: display_name(g, n.id) for n in g.nodes}


def test_unnamed_nodes_read_as_their_formula() -> None:
    assert names("(x + y) * z") == {"x": "x", "y": "y", "z": "z", "add#1": "the sum x + y",
                                    "mul#1": "the product (x + y)·z"}
    got = names("f = sum((W @ x) ** 2)")
    assert got["matmul#1"] == "the matrix product W @ x"
    assert got["pow#1"] == "the power (W @ x)^2"
    assert got["f"] == "f"  # a name the learner gave
    got = names("a - (b - c) + -d * 2.50")
    assert got["sub#2"] == "the difference a − (b − c)"
    assert got["mul#1"] == "the product −d·2.50"  # the constant as written


def test_a_network_product_is_the_product_w5_h1() -> None:
    spec = make_spec([2, 2, 2], "sigmoid", "half_sse", False)
    apply_params(spec, init_params(spec, 0), SEED_PARAMS)
    g = neurons_graph(spec, np.array([[0.01, 0.99]]))
    product = next(n for n in g.nodes if n.inputs == ("w5", "h1"))
    assert display_name(g, product.id) == "the product w5·h1"
    assert display_name(g, "z1") == "z1"


def test_long_and_deep_formulas_are_cut() -> None:
    got = names("add(a, b, c, d, e, f) * sigmoid(sigmoid(sigmoid(sigmoid(x))))")
    assert got["add#1"] == "the sum a + b + … + f"
    assert got["sigmoid#4"] == "σ(σ(σ(…)))"


@pytest.mark.parametrize(("text", "values"), [
    ("sqrt(x - x)", {"x": 1.0}),  # an infinite local derivative
    ("exp(x * 1000)", {"x": 1.0}),  # an overflow
    ("sum(W @ x)", {"W": [[1.0, 2.0]], "x": [1.0, 2.0, 3.0]}),  # shapes
])
def test_errors_about_unnamed_nodes_never_show_their_ids(text: str, values: dict) -> None:
    with pytest.raises(GraphError) as e:
        run(parse_expression(text), values)
    assert "#" not in e.value.message, e.value.message
    assert e.value.node is not None and "#" in e.value.node  # the id stays for the page
