"""The engine: forward/backward over the IR, fan-out, long chains, limits and numeric errors."""

from __future__ import annotations

import numpy as np
import pytest

from app.graph.engine import run
from app.graph.gradcheck import gradcheck
from app.graph.ir import GraphError, Node, make_graph
from app.graph.shapes import Budget


def test_x_times_x_has_two_edges_and_gradient_2x() -> None:
    g = make_graph([Node("x", "input"), Node("y", "mul", ("x", "x"))], "y")
    t = run(g, {"x": 3.5})
    assert float(t.grads["x"]) == 7.0
    edges = [e for e in t.edge_views() if e.target == "y"]
    assert [(e.source, e.slot, float(e.grad)) for e in edges] == [("x", 0, 3.5), ("x", 1, 3.5)]


def test_fan_out_sums_the_edges_and_every_node_grad_is_the_sum_of_its_edges() -> None:
    # f = (x * y) + (x * z) + x: x feeds three nodes, dx = y + z + 1
    g = make_graph(
        [Node("x", "input"), Node("y", "input"), Node("z", "input"),
         Node("p", "mul", ("x", "y")), Node("q", "mul", ("x", "z")),
         Node("f", "add", ("p", "q", "x"))],
        "f",
    )
    t = run(g, {"x": 2.0, "y": -3.0, "z": 5.0})
    assert float(t.grads["x"]) == -3.0 + 5.0 + 1.0
    for node in g.nodes:
        if node.id == "f":
            continue
        carried = sum(float(e.grad) for e in t.edge_views() if e.source == node.id)
        assert carried == float(t.grads[node.id])


def test_backward_order_is_reverse_topological_from_the_output() -> None:
    g = make_graph([Node("x", "input"), Node("y", "input"), Node("q", "add", ("x", "y")),
                    Node("z", "input"), Node("f", "mul", ("q", "z"))], "f")
    order = run(g, {"x": 1, "y": 2, "z": 3}).backward_order
    assert order[0] == "f"
    pos = {n: i for i, n in enumerate(order)}
    for node in g.nodes:
        for src in node.inputs:
            assert pos[src] > pos[node.id]


def test_a_1000_node_chain_runs_without_recursion() -> None:
    nodes = [Node("x", "input")]
    for i in range(1, 1001):
        nodes.append(Node(f"n{i}", "tanh" if i % 2 else "neg", (nodes[-1].id,)))
    g = make_graph(nodes, "n1000")
    t = run(g, {"x": 0.3})
    assert len(t.backward_order) == 1001
    # tanh'(v) = 1 - tanh(v)^2 and neg' = -1, multiplied along the chain
    v, d = 0.3, 1.0
    for i in range(1, 1001):
        if i % 2:
            v = np.tanh(v)
            d *= 1 - v * v
        else:
            v, d = -v, -d
    assert float(t.grads["x"]) == pytest.approx(d, rel=1e-12)


def test_non_scalar_output_is_seeded_with_ones_and_says_so() -> None:
    g = make_graph([Node("x", "input"), Node("y", "mul", ("x", "x"))], "y")
    t = run(g, {"x": [1.0, 2.0, 3.0]})
    assert t.seeded_with_ones
    assert t.grads["x"].tolist() == [2.0, 4.0, 6.0]


def test_constants_get_no_gradient_and_broadcasting_sums_back() -> None:
    g = make_graph([Node("x", "input"), Node("c", "const", params={"value": [[1.0, 2.0],
                                                                            [3.0, 4.0]]}),
                    Node("y", "mul", ("x", "c")), Node("f", "sum", ("y",))], "f")
    t = run(g, {"x": 5.0})
    assert "c" not in t.grads
    assert t.grads["x"].shape == () and float(t.grads["x"]) == 10.0
    edge = next(e for e in t.edge_views() if e.source == "c")
    assert edge.grad is None


@pytest.mark.parametrize(
    ("op", "x", "message"),
    [("exp", 1000.0, "exp(x) at x = 1000: its value is infinite"),
     ("log", -1.0, "ln(x) at x = -1: its value is undefined (NaN) (ln x is defined for x > 0 "
                   "only (it tends to -∞ at 0))"),
     ("log", 0.0, "ln(x) at x = 0: its value is infinite (ln x is defined for x > 0 only"),
     ("sqrt", 0.0, "√(x) at x = 0: its derivative 1/(2√x) is infinite")],
)
def test_overflow_and_domain_errors_name_the_node_and_its_inputs(
    op: str, x: float, message: str
) -> None:
    g = make_graph([Node("x", "input"), Node("y", op, ("x",))], "y")
    with pytest.raises(GraphError) as e:
        run(g, {"x": x})
    assert (e.value.node, e.value.kind) == ("y", "numeric")
    assert e.value.message.startswith(message), e.value.message


def test_shape_mismatch_names_the_node() -> None:
    g = make_graph([Node("a", "input"), Node("b", "input"), Node("m", "matmul", ("a", "b"))], "m")
    with pytest.raises(GraphError) as e:
        run(g, {"a": [[1, 2]], "b": [[1, 2]]})
    assert e.value.node == "m" and "inner" in e.value.message


def test_the_budget_refuses_huge_work_before_allocating() -> None:
    g = make_graph([Node("a", "input"), Node("b", "input"), Node("m", "matmul", ("a", "b"))], "m")
    with pytest.raises(GraphError, match="multiply-adds"):
        run(g, {"a": np.ones((100, 100)).tolist(), "b": np.ones((100, 100)).tolist()},
            Budget(max_flops=10_000))


def test_ragged_and_non_finite_values_are_refused() -> None:
    g = make_graph([Node("x", "input"), Node("y", "neg", ("x",))], "y")
    for bad in ([[1, 2], [3]], [], [[[1.0]]]):
        with pytest.raises(GraphError) as e:
            run(g, {"x": bad})
        assert e.value.node == "x"
    with pytest.raises(GraphError, match="no value"):
        run(g, {})


def test_make_graph_refuses_cycles_self_loops_duplicates_and_missing_inputs() -> None:
    cases = [
        ([Node("a", "neg", ("b",)), Node("b", "neg", ("a",))], "a", "cycle"),
        ([Node("a", "neg", ("a",))], "a", "self-loop"),
        ([Node("a", "input"), Node("a", "input")], "a", "duplicate"),
        ([Node("a", "neg", ("zz",))], "a", "not a node"),
    ]
    for nodes, out, msg in cases:
        with pytest.raises(GraphError, match=msg):
            make_graph(nodes, out)


def test_gradcheck_agrees_with_the_engine() -> None:
    g = make_graph([Node("W", "input"), Node("x", "input"), Node("q", "matmul", ("W", "x")),
                    Node("s", "sigmoid", ("q",)), Node("f", "sum", ("s",))], "f")
    checks = gradcheck(run(g, {"W": [[0.1, 0.5], [-0.3, 0.8]], "x": [0.2, 0.4]}))
    assert [c.id for c in checks] == ["W", "x"]
    assert all(c.rel_error < 1e-7 for c in checks)
