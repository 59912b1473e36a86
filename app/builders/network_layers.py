"""The layers view of a network: one tensor node per layer, and what both views share.

    >>> import numpy as np
    >>> spec = NetworkSpec((2, 2, 2), ("sigmoid", "sigmoid"), "half_sse")
    >>> [n.id for n in layers_graph(spec, np.array([[0.01, 0.99]])).nodes][:6]
    ['x', 'W1', 'W1x', 'b1', 'z1', 'h1']

One sample: ``x`` (a vector), ``z1 = W1 x + b1`` (``matmul`` then ``add``), ``h1 = act(z1)``, ...,
``o``, ``E_total = loss(o, target)``. A batch: ``X`` is samples x n_in, one sample per row,
``Z1 = X W1^T + b1`` (the bias broadcast over rows), ``H1``, ..., ``O`` and the target ``T``; the
loss ops average over rows. Both views use the same parameter values: W_l has one row per unit
of layer l, so the neurons view's w1..w8 are W1 and W2 flattened row by row.
"""

from __future__ import annotations

import re

from app.builders.network import (
    NetworkLimits,
    NetworkSpec,
    locate_weight,
    weight_name,
)
from app.builders.network_neurons import neurons_graph
from app.graph.ir import Graph, GraphError, Node, make_graph
from app.graph.ops import Array

VIEWS = ("neurons", "layers")


def layer_ids(samples: int) -> tuple[str, str, str]:
    """Ids of the data, the output and the target in the layers view."""
    return ("x", "o", "target") if samples == 1 else ("X", "O", "T")


def layers_graph(spec: NetworkSpec, targets: Array) -> Graph:
    """The layers view: W1, b1, z1 = W1 x + b1 (Z1 = X W1^T + b1 with a batch), h1, ..., loss."""
    samples = targets.shape[0]
    x, o, t = layer_ids(samples)
    batch = samples > 1

    def named(nid: str, op: str, ins: tuple[str, ...], role: str, group: str) -> Node:
        return Node(nid, op, ins, label=nid, named=True, role=role, group=group)

    nodes = [named(x, "input", (), "input", "input")]
    prev = x
    for lay in range(1, spec.depth + 1):
        g = spec.layer_id(lay)
        w, b = f"W{lay}", f"b{lay}"
        z = f"Z{lay}" if batch else f"z{lay}"
        nodes += [named(w, "input", (), "weight", g), named(b, "input", (), "bias", g)]
        if batch:
            lin = f"{prev}{w}^T"
            nodes += [Node(f"{w}^T", "transpose", (w,), group=g),
                      Node(lin, "matmul", (prev, f"{w}^T"), group=g)]
        else:
            lin = f"{w}{prev}"
            nodes.append(Node(lin, "matmul", (w, prev), group=g))
        nodes.append(named(z, "add", (lin, b), "pre-activation", g))
        h = o if lay == spec.depth else (f"H{lay}" if batch else f"h{lay}")
        nodes.append(named(h, spec.activations[lay - 1], (z,), "activation", g))
        prev = h
    value = targets.tolist() if batch else targets[0].tolist()
    nodes += [Node(t, "const", params={"value": value}, label=t, named=True, role="target",
                   group="loss"),
              named("E_total", spec.loss, (o, t), "loss", "loss")]
    return make_graph(nodes, "E_total")


def layer_inputs(inputs: Array) -> dict[str, Array]:
    x = layer_ids(inputs.shape[0])[0]
    return {x: inputs if inputs.shape[0] > 1 else inputs[0]}


def graph_for(
    view: str, spec: NetworkSpec, targets: Array, limits: NetworkLimits | None = None
) -> Graph:
    if view == "neurons":
        return neurons_graph(spec, targets, limits)
    return layers_graph(spec, targets)


def check_data(spec: NetworkSpec, inputs: Array, targets: Array) -> None:
    """inputs: samples x n_in, targets: samples x n_out, the same number of samples."""
    n_in, n_out = spec.layers[0], spec.layers[-1]
    if inputs.ndim != 2 or inputs.shape[1] != n_in:
        raise GraphError(f"inputs must be a list of samples, each a list of {n_in} numbers "
                         "(the input layer's size)", "inputs", kind="value")
    if targets.ndim != 2 or targets.shape[1] != n_out:
        raise GraphError(f"targets must be a list of samples, each a list of {n_out} numbers "
                         "(the output layer's size)", "targets", kind="value")
    if inputs.shape[0] != targets.shape[0]:
        raise GraphError(f"{inputs.shape[0]} input samples but {targets.shape[0]} targets: give "
                         "one target row per input row", "targets", kind="value")


# Names of the neurons view that the layers view lacks, and the other way round.
_NEURON_ID = re.compile(
    r"(?:[xzo]|h[0-9]+_|target_o|E_o)[0-9]+|h[0-9]+|b[0-9]+_[0-9]+|w[0-9]+|E_sum|N|logits|outputs")
_LAYER_ID = re.compile(r"[WZH][0-9]+|[xXoOT]|target|W[0-9]+x|.*\^T")


def other_view_hint(spec: NetworkSpec, view: str, name: str) -> str | None:
    """Why ``name``, not a node of this view's graph, is not there: it is a node of the other
    view (and then where to find it here), or None if neither view has such a name."""
    if view == "layers" and _NEURON_ID.fullmatch(name):
        where = locate_weight(spec, name)
        if where is not None:
            lay, r, c = where
            return (f"{name} is a weight of the neurons view; in the layers view it is entry "
                    f"[{r}, {c}] of W{lay}: explain W{lay}")
        m = re.fullmatch(r"b([0-9]+)_([0-9]+)", name)
        if m and spec.per_neuron_biases and 1 <= int(m[1]) <= spec.depth:
            return (f"{name} is a bias of the neurons view; in the layers view it is entry "
                    f"[{int(m[2]) - 1}] of b{m[1]}: explain b{m[1]}")
        return (f"{name} is a node of the neurons view; this is the layers view (matrices), "
                "whose nodes are x, W1, b1, z1, h1, ..., o, target and E_total (X, Z1, H1, O, "
                "T with several samples)")
    if view == "neurons" and _LAYER_ID.fullmatch(name):
        if (m := re.fullmatch(r"W([0-9]+)", name)) and 1 <= int(m[1]) <= spec.depth:
            return (f"{name} is a weight matrix of the layers view; in the neurons view its "
                    f"entries are single weights ({_entries(spec, int(m[1]))}): explain one of "
                    "them")
        return (f"{name} is a node of the layers view; this is the neurons view, whose nodes "
                "are the neurons' x1, w1, z1, h1, o1, E_o1 ... and E_total")
    return None


def _entries(spec: NetworkSpec, lay: int) -> str:
    first = weight_name(spec, lay, 0, 0)
    last = weight_name(spec, lay, spec.rows(lay) - 1, spec.layers[lay - 1] - 1)
    return f"{first} to {last}"
