"""Explicit graph JSON -> IR: what it builds, and each refusal naming its node."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.builders.expression import parse_expression
from app.builders.graph_json import build_graph
from app.graph.engine import run
from app.graph.ir import GraphError
from app.graph.ops import REGISTRY

X = {"id": "x", "op": "input"}


def spec(nodes: list[Any], output: str) -> dict[str, Any]:
    return {"nodes": nodes, "output": output}


def refused(s: Any, node: str | None, words: str, kind: str = "graph") -> GraphError:
    with pytest.raises(GraphError) as e:
        build_graph(s)
    err = e.value
    assert (err.kind, err.node) == (kind, node), err.message
    assert words in err.message, err.message
    return err


def test_builds_nodes_in_topological_order_keeping_the_given_order() -> None:
    g = build_graph(spec([
        {"id": "f", "op": "mul", "inputs": ["q", "z"]},
        {"id": "x", "op": "input"}, {"id": "y", "op": "input"},
        {"id": "q", "op": "add", "inputs": ["x", "y"]}, {"id": "z", "op": "input"},
    ], "f"))
    assert [(n.id, n.op, n.inputs) for n in g.nodes] == [
        ("x", "input", ()), ("y", "input", ()), ("q", "add", ("x", "y")), ("z", "input", ()),
        ("f", "mul", ("q", "z"))]
    assert all(n.named for n in g.nodes)
    assert g.node("x").label == "x" and g.node("q").label is None


def test_same_gradients_as_the_expression() -> None:
    g = build_graph(spec([X, {"id": "y", "op": "input"}, {"id": "q", "op": "add",
                                                          "inputs": ["x", "y"]},
                          {"id": "z", "op": "input"},
                          {"id": "f", "op": "mul", "inputs": ["q", "z"]}], "f"))
    values = {"x": -2, "y": 5, "z": -4}
    a, b = run(g, values), run(parse_expression("q = x + y; f = q * z"), values)
    assert {k: float(v) for k, v in a.grads.items()} == {k: float(v) for k, v in b.grads.items()}


def test_x_times_x_and_constants_params_labels() -> None:
    g = build_graph(spec([
        X, {"id": "k", "op": "const", "value": 2, "label": "two"},
        {"id": "m", "op": "const", "value": [[1, 2], [3, 4]]},
        {"id": "sq", "op": "mul", "inputs": ["x", "x"]},
        {"id": "a", "op": "leaky_relu", "inputs": ["sq"], "params": {"alpha": 0.2}},
        {"id": "f", "op": "mul", "inputs": ["a", "k"]},
        {"id": "out", "op": "add", "inputs": ["f", "m"], "label": "output"},
    ], "out"))
    assert g.node("sq").inputs == ("x", "x")
    assert dict(g.node("a").params) == {"alpha": 0.2}
    assert g.node("k").params["value"] == 2.0 and g.node("k").label == "two"
    assert g.node("m").params["value"] == ((1.0, 2.0), (3.0, 4.0))
    assert g.node("out").label == "output"
    t = run(g, {"x": 3.0})
    np.testing.assert_array_equal(t.values["out"], [[19.0, 20.0], [21.0, 22.0]])
    assert float(t.grads["x"]) == 4 * 2 * 2 * 3.0  # 2 x^2 + m: each of 4 elements has d/dx = 4x


def test_odd_ids_are_just_data() -> None:
    odd = "<img src=x onerror=alert(1)>"
    g = build_graph(spec([{"id": odd, "op": "input"},
                          {"id": "__proto__", "op": "mul", "inputs": [odd, odd]},
                          {"id": "constructor", "op": "neg", "inputs": ["__proto__"]},
                          {"id": "é ∑ 🙂", "op": "exp", "inputs": ["constructor"]}], "é ∑ 🙂"))
    assert [n.id for n in g.nodes] == [odd, "__proto__", "constructor", "é ∑ 🙂"]
    t = run(g, {odd: 0.5})
    assert float(t.grads[odd]) == pytest.approx(-2 * 0.5 * math.exp(-0.25), rel=1e-15)
    assert len(build_graph(spec([{"id": "i" * 100, "op": "input"}], "i" * 100))) == 1


def test_unknown_op_lists_the_allowed_ops() -> None:
    e = refused(spec([X, {"id": "y", "op": "evil", "inputs": ["x"]}], "y"), "y",
                "unknown op 'evil'; allowed ops: input, const, ")
    assert ", ".join(sorted(REGISTRY)) in e.message


@pytest.mark.parametrize(("nodes", "output", "node", "words"), [
    ([X, {"id": "y", "op": "mul", "inputs": ["x"]}], "y", "y", "mul takes 2 inputs, got 1"),
    ([X, {"id": "y", "op": "add", "inputs": ["x"]}], "y", "y", "two or more"),
    ([X, {"id": "y", "op": "neg", "inputs": ["nope"]}], "y", "y", "'nope', which is not a node"),
    ([X, X], "x", "x", "duplicate node id 'x'"),
    ([{"id": "a", "op": "neg", "inputs": ["b"]}, {"id": "b", "op": "neg", "inputs": ["a"]}],
     "a", "a", "cycle"),
    ([{"id": "a", "op": "neg", "inputs": ["a"]}], "a", "a", "self-loop"),
    ([X], "nope", "nope", "not a node"),
    ([{"id": "c", "op": "const"}], "c", "c", "needs a 'value'"),
    ([{"id": "c", "op": "const", "value": float("nan")}], "c", "c", "finite number"),
    ([{"id": "c", "op": "const", "value": float("inf")}], "c", "c", "finite number"),
    ([{"id": "c", "op": "const", "value": True}], "c", "c", "needs a 'value'"),
    ([{"id": "c", "op": "const", "value": "2"}], "c", "c", "needs a 'value'"),
    ([{"id": "c", "op": "const", "value": []}], "c", "c", "needs a 'value'"),
    ([{"id": "c", "op": "const", "value": [[1, 2], [3]]}], "c", "c", "equal lengths"),
    ([{"id": "c", "op": "const", "value": [[[1]]]}], "c", "c", "lists of numbers"),
    ([{"id": "c", "op": "const", "value": [1, [2]]}], "c", "c", "needs a 'value'"),
    ([X, {"id": "y", "op": "neg", "inputs": ["x"], "value": 1}], "y", "y",
     "only a const node takes a 'value'"),
    ([{"id": "x", "op": "input", "inputs": ["x"]}], "x", "x", "an input node takes no inputs"),
    ([{"id": "c", "op": "const", "value": 1, "inputs": ["c"]}], "c", "c",
     "a const node takes no inputs"),
    ([{"id": "x", "op": "input", "params": {"alpha": 1}}], "x", "x", "takes no params"),
    ([X, {"id": "y", "op": "relu", "inputs": ["x"], "params": {"beta": 1}}], "y", "y",
     "unknown param 'beta'; relu takes no params"),
    ([X, {"id": "y", "op": "elu", "inputs": ["x"], "params": {"beta": 1}}], "y", "y",
     "elu takes only alpha"),
    ([X, {"id": "y", "op": "elu", "inputs": ["x"], "params": {"alpha": "1"}}], "y", "y",
     "must be a finite number"),
    ([X, {"id": "y", "op": "elu", "inputs": ["x"], "params": {"alpha": False}}], "y", "y",
     "must be a finite number"),
    ([X, {"id": "y", "op": "elu", "inputs": ["x"], "params": [1]}], "y", "y",
     "'params' must be an object"),
    ([X, {"id": "y", "op": "neg", "inputs": "x"}], "y", "y", "'inputs' must be a list"),
    ([X, {"id": "y", "op": "neg", "inputs": [1]}], "y", "y", "'inputs' must be a list"),
    ([X, {"id": "y", "op": "neg", "inputs": ["x"], "role": "w"}], "y", "y",
     "unknown field 'role'"),
    ([{"id": "x", "op": "input", "label": 3}], "x", "x", "'label' must be text"),
    ([{"id": "x", "op": 3}], "x", "x", "unknown op missing or not text"),
])
def test_refusals_name_the_node(nodes: list[Any], output: str, node: str, words: str) -> None:
    refused(spec(nodes, output), node, words)


@pytest.mark.parametrize(("s", "words"), [
    (None, "a graph is an object"),
    ([X], "a graph is an object"),
    ({"output": "x"}, "'nodes' must be a list"),
    ({"nodes": "x", "output": "x"}, "'nodes' must be a list"),
    ({"nodes": [], "output": "x"}, "'nodes' is empty"),
    ({"nodes": [X], "output": 1}, "'output' must be the id"),
    ({"nodes": [1], "output": "x"}, "node 1 must be an object"),
    ({"nodes": [{"op": "input"}], "output": "x"}, "node 1: 'id' must be text of 1 to 100"),
    ({"nodes": [{"id": "", "op": "input"}], "output": ""}, "1 to 100 characters"),
    ({"nodes": [X, {"id": "y" * 101, "op": "input"}], "output": "x"}, "node 2: 'id'"),
    ({"nodes": [{"id": 5, "op": "input"}], "output": "x"}, "'id' must be text"),
])
def test_refusals_without_a_node(s: Any, words: str) -> None:
    refused(s, None, words)


def test_node_count_is_capped_before_building() -> None:
    nodes = [{"id": f"n{i}", "op": "input"} for i in range(20_001)]
    refused(spec(nodes, "n0"), None, "the graph has 20001 nodes; the limit is 20000",
            kind="limit")
    assert len(build_graph(spec(nodes[:20_000], "n0"))) == 1  # unreached nodes are dropped


def test_inputs_per_node_are_capped() -> None:
    ok = build_graph(spec([X, {"id": "y", "op": "add", "inputs": ["x"] * 64}], "y"))
    assert len(ok.node("y").inputs) == 64
    refused(spec([X, {"id": "y", "op": "add", "inputs": ["x"] * 65}], "y"), "y",
            "node 'y' has 65 inputs; at most 64", kind="limit")


def test_a_long_chain_builds_without_recursion() -> None:
    nodes: list[dict[str, Any]] = [X]
    for i in range(1, 19_000):
        nodes.append({"id": f"n{i}", "op": "neg", "inputs": [nodes[-1]["id"]]})
    g = build_graph(spec(nodes, "n18999"))
    assert len(g) == 19_000


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=4),
    max_leaves=20,
)
_node = st.fixed_dictionaries(
    {"id": st.sampled_from(["a", "b", "c", ""]) | _json,
     "op": st.sampled_from(["input", "const", "add", "mul", "neg", "elu", "evil"]) | _json},
    optional={"inputs": st.lists(st.sampled_from(["a", "b", "c"]), max_size=3) | _json,
              "value": _json, "params": st.dictionaries(st.sampled_from(["alpha", "x"]), _json)
              | _json, "label": _json},
)


@settings(max_examples=400, deadline=None)
@given(st.fixed_dictionaries({"nodes": st.lists(_node, max_size=5) | _json,
                              "output": st.sampled_from(["a", "b", "c"]) | _json}) | _json)
def test_any_json_gives_a_graph_or_a_graph_error(s: Any) -> None:
    try:
        g = build_graph(s)
    except GraphError as e:
        assert e.kind in ("graph", "limit") and len(e.message) > 5
    else:
        assert g.output in g
