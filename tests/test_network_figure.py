"""The figure: the seed's picture exactly, and for every network a faithful map of its graph.

The seed's figure is written out here by hand from the notes (w1: x1->h1 ... w8: h2->o2, b1 into
z1 and z2, b2 into z3 and z4). For every other network the figure is checked against the graph
the same request builds: every id is a node; a connection's gate multiplies its weight by its
source and feeds its z; a unit's gates are exactly the nodes that compute it from the previous
layer; and the figure covers the whole graph, each node once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from app.builders.network import NetworkSpec, make_spec, neuron_names
from app.builders.network_figure import figure
from app.builders.network_layers import layers_graph
from app.builders.network_neurons import neurons_graph
from app.graph.ir import Graph
from tests.test_network import CASES

SEED_FIGURE = {
    "view": "neurons", "samples": 1,
    "layers": [
        {"id": "input", "kind": "input", "index": 0, "units": [{"node": "x1"}, {"node": "x2"}]},
        {"id": "hidden1", "kind": "hidden", "index": 1, "activation": "sigmoid", "units": [
            {"node": "h1", "z": ["z1"], "bias": ["b1"], "gates": ["w1*x1", "w2*x2", "z1", "h1"]},
            {"node": "h2", "z": ["z2"], "bias": ["b1"], "gates": ["w3*x1", "w4*x2", "z2", "h2"]}]},
        {"id": "output", "kind": "output", "index": 2, "activation": "sigmoid", "units": [
            {"node": "o1", "z": ["z3"], "bias": ["b2"], "gates": ["w5*h1", "w6*h2", "z3", "o1"]},
            {"node": "o2", "z": ["z4"], "bias": ["b2"], "gates": ["w7*h1", "w8*h2", "z4", "o2"]}]},
        {"id": "loss", "kind": "loss", "index": 3, "loss": "half_sse", "units": [
            {"node": "E_o1", "from": ["o1"], "target": "target_o1", "gates": ["E_o1"]},
            {"node": "E_o2", "from": ["o2"], "target": "target_o2", "gates": ["E_o2"]},
            {"node": "E_total", "from": ["E_o1", "E_o2"], "gates": ["E_total"]}]},
    ],
    "connections": [
        {"weight": f"w{k}", "from": a, "to": b, "gate": f"w{k}*{a}", "z": z}
        for k, (a, b, z) in enumerate([("x1", "h1", "z1"), ("x2", "h1", "z1"), ("x1", "h2", "z2"),
                                       ("x2", "h2", "z2"), ("h1", "o1", "z3"), ("h2", "o1", "z3"),
                                       ("h1", "o2", "z4"), ("h2", "o2", "z4")], start=1)
    ],
    "biases": [{"id": "b1", "to": ["h1", "h2"], "z": ["z1", "z2"]},
               {"id": "b2", "to": ["o1", "o2"], "z": ["z3", "z4"]}],
}


def test_the_seeds_figure_is_the_lectures_picture() -> None:
    spec = make_spec([2, 2, 2], "sigmoid", "half_sse", False)
    assert figure(spec, "neurons", 1) == SEED_FIGURE


def _ids(fig: dict[str, Any]) -> list[str]:
    out = []
    for layer in fig["layers"]:
        for u in layer["units"]:
            out += [u["node"], *u.get("z", []), *u.get("bias", []), *u.get("gates", []),
                    *u.get("from", []), *([u["target"]] if "target" in u else [])]
    for c in fig["connections"]:
        out += [c["weight"], c["from"], c["to"], c["gate"], c["z"]]
    for b in fig["biases"]:
        out += [b["id"], *b["to"], *b["z"]]
    return out


def _check(fig: dict[str, Any], graph: Graph, spec: NetworkSpec) -> None:
    assert all(i in graph for i in _ids(fig)), [i for i in _ids(fig) if i not in graph]
    assert [layer["index"] for layer in fig["layers"]] == list(range(len(fig["layers"])))
    # the group of every node is the id of a figure layer
    assert {n.group for n in graph.nodes} <= {layer["id"] for layer in fig["layers"]}
    units = {u["node"]: u for layer in fig["layers"] for u in layer["units"]}
    for c in fig["connections"]:
        gate = graph.node(c["gate"])
        # the weight itself, or (a batch in the layers view: X W1^T) its transpose
        w = {i for i in gate.inputs if i != c["from"]}.pop()
        assert w == c["weight"] or graph.node(w).inputs == (c["weight"],)
        assert gate.op in ("mul", "matmul") and c["from"] in gate.inputs
        assert c["gate"] in graph.node(c["z"]).inputs and c["z"] in units[c["to"]]["z"]
        assert graph.node(c["weight"]).role == "weight"
    for b in fig["biases"]:
        assert graph.node(b["id"]).role == "bias"
        assert all(b["id"] in graph.node(z).inputs for z in b["z"])
        assert all(set(b["z"]) & set(units[t]["z"]) for t in b["to"])
    # a unit's gates: every node that computes it from the other units, in topological order
    pos = {n.id: i for i, n in enumerate(graph.nodes)}
    gated: list[str] = []
    for layer in fig["layers"][1:]:
        for u in layer["units"]:
            before = set(units) - {u["node"]}
            want, todo = set(), [u["node"]]
            while todo:
                n = graph.node(todo.pop())
                if n.inputs and n.id not in before and n.id not in want:
                    want.add(n.id)
                    todo += n.inputs
            assert set(u["gates"]) == want, (u["node"], u["gates"], want)
            assert u["gates"] == sorted(u["gates"], key=pos.__getitem__)
            gated += u["gates"]
    # the figure covers the graph: every node is a gate of one unit, or a leaf it names
    leaves = {n.id for n in graph.nodes if not n.inputs}
    assert sorted(gated) == sorted({n.id for n in graph.nodes} - leaves)
    assert leaves <= set(_ids(fig)) | {"N"}
    if fig["view"] == "neurons":
        weights = [c["weight"] for c in fig["connections"]]
        biases = [b["id"] for b in fig["biases"]]
        assert weights + biases == list(neuron_names(spec))  # each parameter once, in order


MORE = [
    (["maxout", "sigmoid"], "half_sse", True, 1, [2, 2, 1]),
    ("tanh", "half_sse", False, 4, [3, 2, 2, 1]),
    ("sigmoid", "half_sse", False, 4, [2, 3, 2]),
    ("relu", "softmax_cross_entropy", False, 4, [2, 3, 3]),
]


@pytest.mark.parametrize("case", [*CASES, *MORE], ids=str)
@pytest.mark.parametrize("view", ["neurons", "layers"])
def test_every_figure_maps_its_graph(case: tuple[Any, ...], view: str) -> None:
    act, loss, per_neuron, samples, layers = case
    spec = make_spec(layers, act, loss, per_neuron)
    t = np.zeros((samples, layers[-1]))
    graph = neurons_graph(spec, t) if view == "neurons" else layers_graph(spec, t)
    fig = figure(spec, view, samples)
    assert fig["view"] == view and fig["samples"] == samples
    _check(fig, graph, spec)


def test_maxout_neurons_have_two_pieces_and_deep_names_follow_the_layers() -> None:
    spec = make_spec([2, 2, 1], ["maxout", "sigmoid"], "half_sse", True)
    fig = figure(spec, "neurons", 1)
    h1 = fig["layers"][1]["units"][0]
    assert h1["z"] == ["z1", "z2"] and h1["bias"] == ["b1_1", "b1_2"]
    into_h1 = [(c["weight"], c["from"], c["z"]) for c in fig["connections"] if c["to"] == "h1"]
    assert into_h1 == [("w1", "x1", "z1"), ("w2", "x2", "z1"), ("w3", "x1", "z2"),
                       ("w4", "x2", "z2")]
    deep = figure(make_spec([3, 2, 2, 1], "tanh", "half_sse", False), "neurons", 1)
    assert [layer["id"] for layer in deep["layers"]] == ["input", "hidden1", "hidden2", "output",
                                                         "loss"]
    assert deep["connections"][6] == {"weight": "w7", "from": "h1_1", "to": "h2_1",
                                      "gate": "w7*h1_1", "z": "z3"}


def test_the_layers_views_figure_has_matrices() -> None:
    spec = make_spec([2, 3, 2], "sigmoid", "half_sse", False)
    one, batch = figure(spec, "layers", 1), figure(spec, "layers", 4)
    assert [c["weight"] for c in one["connections"]] == ["W1", "W2"]
    assert [c["shape"] for c in one["connections"]] == [[3, 2], [2, 3]]
    assert one["layers"][1]["units"] == [{"node": "h1", "size": 3, "z": ["z1"], "bias": ["b1"],
                                          "gates": ["W1x", "z1", "h1"]}]
    assert batch["layers"][1]["units"][0]["gates"] == ["W1^T", "XW1^T", "Z1", "H1"]
    assert batch["layers"][-1]["units"] == [{"node": "E_total", "from": ["O"], "target": "T",
                                             "gates": ["E_total"]}]
