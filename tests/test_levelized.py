"""The levelized executor gives what the sequential passes give, bit for bit.

For every graph below, ``levelized`` (what run() uses from 128 nodes) and
``backward(graph, forward(graph, leaves))`` (one node at a time) must agree on every value,
gradient (with the sign of zero), edge, order and dict order, and ``trace_to_dict`` must write
byte-identical JSON from both. Where a value
or gradient is not finite the levelized executor must give up (the sequential passes then
raise the error).

- neurons-view networks: relu, sigmoid, tanh, maxout, leaky_relu, elu; half_sse, mse,
  softmax cross-entropy, hinge; shared and per-neuron biases; zeros and -0.0 in the data
- random scalar DAGs of 150-400 nodes: every vectorized op, transcendental ops run alone,
  variadic adds, fan-out, repeated inputs, consts, 0.0 and -0.0
- graphs that overflow or divide by zero
"""

from __future__ import annotations

import random
from collections import Counter
from types import MappingProxyType
from typing import Any

import numpy as np

from app.builders.expression import parse_expression
from app.builders.network import init_params, make_spec
from app.graph.engine import leaf_values
from app.graph.ir import Graph, GraphError, Node, make_graph
from app.graph.levelized import levelized
from app.graph.sequential import backward, forward
from app.graph.shapes import infer_shapes
from app.graph.trace import Trace
from app.serialize import dumps, trace_to_dict
from tests.scalar_networks import scalar_batch


def same(a: Any, b: Any) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return (a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))
            and bool(np.array_equal(np.signbit(a), np.signbit(b))))


def compare(graph: Graph, values: dict[str, Any]) -> str:
    leaves = leaf_values(graph, values)
    shapes = infer_shapes(graph, {k: v.shape for k, v in leaves.items()})
    try:
        seq: Trace | None = backward(graph, forward(graph, leaves))
    except GraphError:
        seq = None
    lev = levelized(graph, leaves, shapes)
    if lev is None:
        return "gave up, the sequential passes raise" if seq is None else "not levelized"
    assert seq is not None, "levelized a graph whose sequential passes raise"
    assert list(seq.values) == list(lev.values), "values order"
    assert all(same(seq.values[k], lev.values[k]) for k in seq.values), "values"
    assert list(seq.grads) == list(lev.grads), "grads order"
    assert all(same(seq.grads[k], lev.grads[k]) for k in seq.grads), "grads"
    assert seq.backward_order == lev.backward_order, "backward order"
    assert seq.seeded_with_ones == lev.seeded_with_ones
    for a, b in zip(seq.edge_views(), lev.edge_views(), strict=True):
        assert (a.source, a.target, a.slot) == (b.source, b.target, b.slot), "edge order"
        for x, y in ((a.local, b.local), (a.grad, b.grad)):
            assert (x is None) == (y is None) and (x is None or same(x, y)), "edge numbers"
    assert dumps(trace_to_dict(seq)) == dumps(trace_to_dict(lev)), "JSON"
    return "identical"


NETWORKS = [
    ((2, 16, 16, 1), ("relu", "relu", "identity"), "half_sse", False, 26),
    ((2, 2, 2), ("sigmoid", "sigmoid"), "half_sse", False, 40),
    ((3, 8, 4), ("tanh", "sigmoid"), "mse", True, 12),
    ((2, 5, 3), ("relu", "identity"), "softmax_cross_entropy", True, 10),
    ((2, 4, 3), ("maxout", "identity"), "hinge", False, 10),
    ((4, 6, 6, 2), ("leaky_relu", "elu", "identity"), "half_sse", True, 8),
    ((2, 6, 1), ("relu", "identity"), "half_sse", False, 1),
    ((16, 16, 16, 2), ("relu", "relu", "identity"), "mse", False, 3),
]
UNARY = ["sqrt", "neg", "abs", "relu", "identity", "tanh", "sigmoid", "leaky_relu", "elu"]
BINARY = ["div", "sub", "mul", "max", "min", "sub", "max", "mul"]


def networks(results: Counter[str]) -> None:
    rng = np.random.default_rng(0)
    for layers, acts, loss, per_neuron, batch in NETWORKS:
        spec = make_spec(layers, list(acts), loss, per_neuron)
        for trial in range(3):
            params = [(w, b + 0.1 * (trial + 1)) for w, b in init_params(spec, trial)]
            x = rng.normal(0, 1 + 3 * trial, size=(batch, layers[0]))
            if loss in ("softmax_cross_entropy", "hinge"):
                t = np.eye(layers[-1])[rng.integers(0, layers[-1], batch)]
            else:
                t = rng.normal(0, 1, size=(batch, layers[-1]))
            if trial == 2:
                x[0, 0], x[-1, -1] = 0.0, -0.0
            results[compare(*scalar_batch(spec, x, t, params))] += 1


def random_dag(seed: int) -> tuple[Graph, dict[str, float]]:
    r = random.Random(seed)
    nodes = [Node(f"x{i}", "input") for i in range(r.randint(3, 12))]
    nodes += [Node(f"c{i}", "const",
                   params=MappingProxyType({"value": r.choice([0.0, -0.0, 1.0, -3.5, 0.5])}))
              for i in range(r.randint(0, 4))]
    nodes.append(Node("one", "const", params=MappingProxyType({"value": 1.0})))
    ids = [n.id for n in nodes]
    for k in range(r.randint(150, 400)):
        pool = ids[-40:] if r.random() < 0.8 else ids
        kind = r.random()
        if kind < 0.3:
            op = r.choice(UNARY)
            params = ({"alpha": r.choice([0.01, 0.2])}
                      if op in ("leaky_relu", "elu") and r.random() < 0.5 else {})
            src = r.choice(pool)
            if op == "sqrt" and r.random() < 0.9:  # mostly of something >= 0
                nodes.append(Node(f"a{k}", "abs", (src,)))
                src = f"a{k}"
            nodes.append(Node(f"n{k}", op, (src,), MappingProxyType(params)))
        elif kind < 0.8:
            op, a, b = r.choice(BINARY), r.choice(pool), r.choice(pool)
            if op == "div" and r.random() < 0.9:  # mostly by 1 + |b|
                nodes += [Node(f"a{k}", "abs", (b,)), Node(f"d{k}", "add", (f"a{k}", "one"))]
                b = f"d{k}"
            nodes.append(Node(f"n{k}", op, (a, b)))
        else:
            nodes.append(Node(f"n{k}", "add",
                              tuple(r.choice(pool) for _ in range(r.randint(2, 5)))))
        ids.append(f"n{k}")
    nodes.append(Node("out", "add", tuple(ids[-r.randint(2, 6):])))
    graph = make_graph(nodes, "out")
    values = {f"x{i}": r.choice([0.0, -0.0, r.uniform(-2, 2), r.uniform(-0.5, 0.5), 1.0])
              for i in range(12)}
    return graph, {k: v for k, v in values.items() if k in graph}


def test_neurons_view_networks_are_identical() -> None:
    results: Counter[str] = Counter()
    networks(results)
    assert results == Counter({"identical": 3 * len(NETWORKS)})


def test_random_scalar_dags_are_identical_or_handed_back() -> None:
    results: Counter[str] = Counter(compare(*random_dag(seed)) for seed in range(120))
    assert "not levelized" not in results and results["identical"] > 30, results


def test_overflow_and_division_by_zero_are_handed_back_to_the_sequential_passes() -> None:
    overflow = parse_expression("f = " + " * ".join(f"(x{i} + 1e300)" for i in range(100)))
    assert compare(overflow, {f"x{i}": 1.0 for i in range(100)}) == \
        "gave up, the sequential passes raise"
    zero = parse_expression("f = " + " + ".join(f"x{i} * y{i} / z{i}" for i in range(100)))
    values = {**{f"x{i}": 1.0 for i in range(100)}, **{f"y{i}": 2.0 for i in range(100)},
              **{f"z{i}": float(i % 7) for i in range(100)}}
    assert compare(zero, values) == "gave up, the sequential passes raise"
