"""The backward pass's order: the lecture's, on the seed network and on any graph.

A node is processed only once every node that uses it has been (its gradient is then
complete); a branch is followed to its end before a node where paths meet; otherwise the
earliest node in the forward order goes first. Expected orders below are worked out by hand
from that rule and the seed's figure, not read from the engine.
"""

from __future__ import annotations

import random

import numpy as np

from app.builders.expression import parse_expression
from app.builders.network import apply_params, by_neuron_name, init_params, make_spec
from app.builders.network_neurons import neuron_inputs, neurons_graph
from app.graph.engine import run
from app.graph.ir import Node, make_graph
from app.graph.schedule import backward_order, structure
from app.network_examples import SEED_PARAMS


def seed_graph_order() -> list[str]:
    spec = make_spec([2, 2, 2], "sigmoid", "half_sse", False)
    params = apply_params(spec, init_params(spec, 0), SEED_PARAMS)
    graph = neurons_graph(spec, np.array([[0.01, 0.99]]))
    trace = run(graph, {**neuron_inputs(np.array([[0.05, 0.10]])),
                        **by_neuron_name(spec, params)})
    return list(trace.backward_order)


def test_the_seed_network_goes_step_1_then_step_2() -> None:
    order = seed_graph_order()
    named = [n for n in order if "*" not in n]  # the products w5*h1... are unnamed gates
    assert named == ["E_total", "E_o1", "o1", "z3", "w5", "w6",  # the o1 branch
                     "E_o2", "o2", "z4", "w7", "w8", "b2",  # the o2 branch: step 1 is done
                     "h1", "z1", "w1", "w2",  # h1 once both paths are summed
                     "h2", "z2", "w3", "w4", "b1", "x1", "x2"]  # step 2
    # each product comes right before the weight it completes
    for w in ("w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"):
        assert order[order.index(w) - 1].startswith(f"{w}*")


def test_a_branch_is_finished_before_a_node_where_paths_meet() -> None:
    # f = x*y + x: x is used twice, so it waits for y, which one path reaches
    g = parse_expression("p = x * y; f = p + x")
    assert run(g, {"x": 2.0, "y": 3.0}).backward_order == ("f", "p", "y", "x")
    # (x + y) * z: no fan-out, the earliest in the forward order first
    g = parse_expression("(x + y) * z")
    assert run(g, {"x": 1.0, "y": 2.0, "z": 3.0}).backward_order == \
        ("mul#1", "add#1", "x", "y", "z")


def test_constants_and_what_only_they_feed_are_not_in_the_order() -> None:
    g = parse_expression("c = 2 * 3; f = c * x")
    assert run(g, {"x": 1.0}).backward_order == ("f", "x")
    assert backward_order(structure(parse_expression("f = 2 * 3"))) == []


def _random_graph(seed: int) -> tuple[list[Node], str]:
    r = random.Random(seed)
    nodes = [Node(f"x{i}", "input") for i in range(r.randint(1, 5))]
    nodes.append(Node("c", "const", params={"value": 1.0}))
    for k in range(r.randint(1, 40)):
        ids = [n.id for n in nodes]
        nodes.append(Node(f"n{k}", r.choice(["add", "mul", "max"]),
                          (r.choice(ids), r.choice(ids))))
    nodes.append(Node("out", "add", tuple(n.id for n in nodes[-3:])))
    return nodes, "out"


def test_on_random_graphs_every_node_comes_after_all_of_its_users() -> None:
    for seed in range(200):
        graph = make_graph(*_random_graph(seed))
        s = structure(graph)
        order = backward_order(s)
        live = [i for i, ok in enumerate(s.live) if ok]
        assert sorted(order) == live, "each node that gets a gradient, once"
        at = {i: k for k, i in enumerate(order)}
        for i, js in enumerate(s.ins):
            for j in js:
                if s.live[j]:
                    assert at[j] > at[i], "a node before one of its users"
        # the rule, step by step: what goes next is the smallest ready node (single-path first)
        fan = np.bincount(s.source, minlength=len(s.ins))
        done: set[int] = set()
        for i in order:
            ready = [j for j in live if j not in done
                     and all(u in done for u, js in enumerate(s.ins) if j in js)]
            assert i == min(ready, key=lambda j: (fan[j] > 1, j))
            done.add(i)
