"""The two graphs of a network: one scalar node per neuron, or one tensor node per layer.

NEURONS view (the seed's figure). For each sample every pre-activation is ONE node,
``z1 = add(mul(w1, x1), mul(w2, x2), b1)``, whose products are unnamed internal nodes (ids like
``w1*x1``); ``h1 = sigmoid(z1)``; the outputs o1, o2; per-output errors
``E_o1 = half_sse(o1, target_o1)`` (or mse) with the target a const leaf; and
``E_total = add(E_o1, E_o2)``. For softmax_cross_entropy and hinge the outputs are stacked into
an unnamed logit vector (``stack``) and ``E_total = loss(logits, target)`` with a one-hot const
target; there are no per-output errors. A maxout neuron is ``max(z_a, z_b)`` of its two pieces.
With several samples each gets its own copy of everything but the parameters, its ids suffixed
``@s`` (x1@2, h1@2, E_total@2), and ``E_total = mean(stack(E_total@1, E_total@2, ...))``, the mean
over samples that the layers view's loss ops compute. One sample keeps the plain ids.

LAYERS view. One sample: ``x`` (a vector), ``z1 = W1 x + b1`` (``matmul`` then ``add``),
``h1 = act(z1)``, ..., ``o``, ``E_total = loss(o, target)``. A batch: ``X`` is samples x n_in, one
sample per row, ``Z1 = X W1^T + b1`` (the bias broadcast over rows), ``H1``, ..., ``O`` and the
target ``T``; the loss ops average over rows. Both views use the same parameter values: W_l has one
row per unit of layer l, so the neurons view's w1..w8 are W1 and W2 flattened row by row.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.builders.network import (
    CLASS_LOSSES,
    NetworkSpec,
    activation_name,
    bias_name,
    neuron_names,
    pre_activation_name,
    weight_name,
)
from app.graph.ir import Graph, GraphError, Node, make_graph
from app.graph.ops import Array

MAX_NODES_PER_SAMPLE = 400
MAX_NEURON_NODES = 2_000


def _per_sample(spec: NetworkSpec) -> int:
    """Nodes of one sample's copy: inputs, products, z, activations, targets and losses."""
    per = spec.layers[0] + 2 * spec.layers[-1] + 2
    for lay in range(1, spec.depth + 1):
        per += spec.rows(lay) * (spec.layers[lay - 1] + 1) + spec.layers[lay]
    return per


def neuron_node_count(spec: NetworkSpec, samples: int) -> int:
    """Nodes of the neurons view, counted before building it (params shared by the samples)."""
    return _per_sample(spec) * samples + len(neuron_names(spec)) + (1 if samples > 1 else 0)


def check_neuron_size(spec: NetworkSpec, samples: int) -> None:
    per = _per_sample(spec)
    total = neuron_node_count(spec, samples)
    if per > MAX_NODES_PER_SAMPLE or total > MAX_NEURON_NODES:
        raise GraphError(
            f"the neurons view of this network would have {total} nodes ({per} per sample, "
            f"besides the parameters); it is drawn up to {MAX_NODES_PER_SAMPLE} per sample and "
            f'{MAX_NEURON_NODES} in all: use "view": "layers" for this size', kind="limit")


def _loss_nodes(spec: NetworkSpec, outs: list[str], target: Array, sfx: str) -> list[Node]:
    loss = spec.loss
    total = f"E_total{sfx}"
    if loss in CLASS_LOSSES:
        return [
            Node(f"logits{sfx}", "stack", tuple(outs), group="loss"),
            Node(f"target{sfx}", "const", params={"value": target.tolist()}, label=f"target{sfx}",
                 named=True, role="target", group="loss"),
            Node(total, loss, (f"logits{sfx}", f"target{sfx}"), label=total, named=True,
                 role="loss", group="loss"),
        ]
    nodes: list[Node] = []
    errors: list[str] = []
    for j, o in enumerate(outs):
        t, e = f"target_o{j + 1}{sfx}", f"E_o{j + 1}{sfx}"
        nodes += [
            Node(t, "const", params={"value": float(target[j])}, label=t, named=True,
                 role="target", group="loss"),
            Node(e, loss, (o, t), label=e, named=True, role="loss", group="loss"),
        ]
        errors.append(e)
    # half_sse: the seed's E_total = E_o1 + E_o2; mse: the mean of the per-output errors
    if len(errors) == 1:
        nodes.append(Node(total, "identity", (errors[0],), label=total, named=True, role="loss",
                          group="loss"))
    elif loss == "half_sse":
        nodes.append(Node(total, "add", tuple(errors), label=total, named=True, role="loss",
                          group="loss"))
    else:
        nodes += [Node(f"errors{sfx}", "stack", tuple(errors), group="loss"),
                  Node(total, "mean", (f"errors{sfx}",), label=total, named=True, role="loss",
                       group="loss")]
    return nodes


def neurons_graph(spec: NetworkSpec, targets: Array) -> Graph:
    """The neurons view for ``targets`` (samples x n_out); inputs are x1.. (x1@s with a batch)."""
    samples = targets.shape[0]
    check_neuron_size(spec, samples)
    nodes: list[Node] = []
    for lay in range(1, spec.depth + 1):  # parameters first, layer by layer
        g = spec.group(lay)
        for r in range(spec.rows(lay)):
            for c in range(spec.layers[lay - 1]):
                w = weight_name(spec, lay, r, c)
                nodes.append(Node(w, "input", label=w, named=True, role="weight", group=g))
        for b in dict.fromkeys(bias_name(spec, lay, r) for r in range(spec.rows(lay))):
            nodes.append(Node(b, "input", label=b, named=True, role="bias", group=g))
    totals = []
    for s in range(samples):
        sfx = "" if samples == 1 else f"@{s + 1}"
        prev = [f"x{i + 1}{sfx}" for i in range(spec.layers[0])]
        nodes += [Node(x, "input", label=x, named=True, role="input", group="input")
                  for x in prev]
        for lay in range(1, spec.depth + 1):
            g = spec.group(lay)
            zs = []
            for r in range(spec.rows(lay)):
                terms = []
                for c, src in enumerate(prev):
                    w = weight_name(spec, lay, r, c)
                    nodes.append(Node(f"{w}*{src}", "mul", (w, src), group=g))
                    terms.append(f"{w}*{src}")
                z = pre_activation_name(spec, lay, r) + sfx
                nodes.append(Node(z, "add", (*terms, bias_name(spec, lay, r)), label=z,
                                  named=True, role="pre-activation", group=g))
                zs.append(z)
            role = "output" if lay == spec.depth else "activation"
            act = spec.activations[lay - 1]
            prev = []
            ins: tuple[str, ...]
            for j in range(spec.layers[lay]):
                h = activation_name(spec, lay, j) + sfx
                if act == "maxout":  # the larger of the neuron's two pieces
                    op, ins = "max", (zs[2 * j], zs[2 * j + 1])
                else:
                    op, ins = act, (zs[j],)
                nodes.append(Node(h, op, ins, label=h, named=True, role=role, group=g))
                prev.append(h)
        nodes += _loss_nodes(spec, prev, targets[s], sfx)
        totals.append(f"E_total{sfx}")
    if samples > 1:
        nodes += [Node("E_samples", "stack", tuple(totals), group="loss"),
                  Node("E_total", "mean", ("E_samples",), label="E_total", named=True,
                       role="loss", group="loss")]
    return make_graph(nodes, "E_total")


def neuron_inputs(inputs: Array) -> dict[str, Array]:
    """The data values of the neurons view: x1.. (x1@s with a batch)."""
    samples = inputs.shape[0]
    return {f"x{i + 1}{'' if samples == 1 else f'@{s + 1}'}": np.asarray(inputs[s, i])
            for s in range(samples) for i in range(inputs.shape[1])}


def layer_ids(samples: int) -> tuple[str, str, str]:
    """Ids of the data, the output and the target in the layers view."""
    return ("x", "o", "target") if samples == 1 else ("X", "O", "T")


def layers_graph(spec: NetworkSpec, targets: Array) -> Graph:
    """The layers view: W1, b1, z1 = W1 x + b1 (Z1 = X W1^T + b1 with a batch), h1, ..., loss."""
    samples = targets.shape[0]
    x, o, t = layer_ids(samples)
    batch = samples > 1
    nodes = [Node(x, "input", label=x, named=True, role="input", group="input")]
    prev = x
    for lay in range(1, spec.depth + 1):
        g = spec.group(lay)
        w, b = f"W{lay}", f"b{lay}"
        z = f"Z{lay}" if batch else f"z{lay}"
        nodes += [Node(w, "input", label=w, named=True, role="weight", group=g),
                  Node(b, "input", label=b, named=True, role="bias", group=g)]
        if batch:
            nodes += [Node(f"{w}^T", "transpose", (w,), group=g),
                      Node(f"{prev}{w}^T", "matmul", (prev, f"{w}^T"), group=g)]
            lin = f"{prev}{w}^T"
        else:
            nodes.append(Node(f"{w}{prev}", "matmul", (w, prev), group=g))
            lin = f"{w}{prev}"
        nodes.append(Node(z, "add", (lin, b), label=z, named=True, role="pre-activation",
                          group=g))
        last = lay == spec.depth
        h = o if last else (f"H{lay}" if batch else f"h{lay}")
        nodes.append(Node(h, spec.activations[lay - 1], (z,), label=h, named=True,
                          role="output" if last else "activation", group=g))
        prev = h
    value = targets.tolist() if batch else targets[0].tolist()
    nodes += [Node(t, "const", params={"value": value}, label=t, named=True, role="target",
                   group="loss"),
              Node("E_total", spec.loss, (o, t), label="E_total", named=True, role="loss",
                   group="loss")]
    return make_graph(nodes, "E_total")


def layer_inputs(inputs: Array) -> dict[str, Array]:
    x = layer_ids(inputs.shape[0])[0]
    return {x: inputs if inputs.shape[0] > 1 else inputs[0]}


def graph_for(view: str, spec: NetworkSpec, targets: Array) -> Graph:
    return neurons_graph(spec, targets) if view == "neurons" else layers_graph(spec, targets)


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


def layer_sequence(spec: NetworkSpec) -> Sequence[str]:
    """The page's column order: input, hidden1, ..., output, loss."""
    return ["input", *(spec.group(lay) for lay in range(1, spec.depth + 1)), "loss"]
