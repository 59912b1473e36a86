"""app.explain.schedule: depth levels, the backward steps, and when each gradient is final."""

from __future__ import annotations

import numpy as np

from app.builders.expression import parse_expression
from app.builders.network import apply_params, by_neuron_name, init_params, make_spec
from app.builders.network_neurons import neuron_inputs, neurons_graph
from app.explain.schedule import phases, schedule
from app.graph.engine import Trace, run
from app.network_examples import SEED_PARAMS


def seed_trace() -> Trace:
    spec = make_spec([2, 2, 2], "sigmoid", "half_sse", False)
    params = apply_params(spec, init_params(spec, 0), SEED_PARAMS)
    graph = neurons_graph(spec, np.array([[0.01, 0.99]]))
    return run(graph, {**neuron_inputs(np.array([[0.05, 0.10]])), **by_neuron_name(spec, params)})


def test_every_gradient_is_final_once_and_as_soon_as_its_last_user_fired() -> None:
    trace = seed_trace()
    s = schedule(trace)
    graph = trace.graph
    assert set(s.final_step) == set(trace.grads)
    assert [f for st in s.steps for f in st.final] == sorted(
        s.final_step, key=lambda n: (s.final_step[n], s.pos[n]))
    edges = [(src, node.id) for node in graph.nodes for src in node.inputs]
    fired: dict[str, list[int]] = {}
    for k, st in enumerate(s.steps):
        for e in st.edges:
            src, target = edges[e]
            assert target == st.node and s.edge_step[e] == k
            fired.setdefault(src, []).append(k)
    for nid, k in s.final_step.items():
        if nid == graph.output:
            assert k == 0
        else:  # final exactly when the last edge leaving it fired
            assert k == max(fired[nid])
    for k, st in enumerate(s.steps):  # a node's step comes after its gradient is final
        assert s.final_step[st.node] <= k
    # every carrying edge fires once; an edge into a constant never
    assert sorted(e for st in s.steps for e in st.edges) == [
        e for e, (src, t) in enumerate(edges) if src in trace.grads and t in trace.grads]
    assert s.edge_step[edges.index(("target_o1", "E_o1"))] is None


def test_step_1_is_final_before_step_2() -> None:
    s = schedule(seed_trace())
    late = min(s.final_step[f"w{i}"] for i in (1, 2, 3, 4))
    assert all(s.final_step[f"w{i}"] < late for i in (5, 6, 7, 8))
    # w5 in the step of the product w5*h1: long before the pass ends
    assert s.final_step["w5"] == next(k for k, st in enumerate(s.steps) if st.node == "w5*h1")
    assert s.final_step["w5"] < len(s.steps) - 8


def test_w5_is_final_before_w6_in_the_lectures_order() -> None:
    s = schedule(seed_trace())
    assert s.final_step["w5"] < s.final_step["w6"] < s.final_step["w7"] < s.final_step["w8"]
    # step 2 in the seed's order too: w1, w2 (through h1) before w3, w4 (through h2)
    assert s.final_step["w1"] < s.final_step["w2"] < s.final_step["w3"] < s.final_step["w4"]
    # step 2 starts at h1's own step, after every output-layer gradient is final
    h1_step = next(k for k, st in enumerate(s.steps) if st.node == "h1")
    assert max(s.final_step[n] for n in ("w5", "w6", "w7", "w8", "b2")) < h1_step


def test_fan_out_x_is_final_after_all_three_uses() -> None:
    trace = run(parse_expression("f = x * x + x"), {"x": 3})
    s = schedule(trace)
    assert [st.node for st in s.steps] == ["f", "mul#1"]
    assert s.final_step["x"] == 1 and s.steps[0].final == ["mul#1", "f"]


def test_levels_are_depths_and_phases_follow_the_groups() -> None:
    trace = seed_trace()
    s = schedule(trace)
    depth: dict[str, int] = {}
    for node in trace.graph.nodes:
        depth[node.id] = 1 + max((depth[i] for i in node.inputs), default=-1)
    assert s.levels == [[n.id for n in trace.graph.nodes if depth[n.id] == k]
                        for k in range(max(depth.values()) + 1)]
    assert s.levels[0][:3] == ["w1", "w2", "w3"] and s.levels[-1] == ["E_total"]
    ph = phases(trace, s.steps)
    assert [p["key"] for p in ph] == ["step1", "step2"]
    assert ph[0]["first"] == 0 and ph[1]["last"] == len(s.steps) - 1
    assert ph[0]["last"] + 1 == ph[1]["first"]
    for p in ph:
        groups = {trace.graph.node(s.steps[k].node).group
                  for k in range(int(p["first"]), int(p["last"]) + 1)}
        assert groups <= ({"loss", "output"} if p["key"] == "step1" else {"hidden1"})
    plain = run(parse_expression("f = x * y"), {"x": 1, "y": 2})
    assert phases(plain, schedule(plain).steps) == []  # no groups: not a network


def test_a_lone_input_is_one_step() -> None:
    s = schedule(run(parse_expression("x"), {"x": 2}))
    assert [(st.node, st.edges, st.final) for st in s.steps] == [("x", [], ["x"])]
