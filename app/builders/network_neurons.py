"""The neurons view of a network: one node per weight, pre-activation and activation (the seed's).

    >>> import numpy as np
    >>> spec = NetworkSpec((2, 2, 2), ("sigmoid", "sigmoid"), "half_sse")
    >>> g = neurons_graph(spec, np.array([[0.01, 0.99]]))
    >>> g.node("z1").inputs, g.node("E_total").inputs
    (('w1*x1', 'w2*x2', 'b1'), ('E_o1', 'E_o2'))

Every pre-activation is ONE node, ``z1 = add(mul(w1, x1), mul(w2, x2), b1)``, whose products are
unnamed gates (ids like ``w1*x1``); ``h1 = sigmoid(z1)``; the outputs o1, o2; per-output errors
``E_o1 = half_sse(o1, target_o1)`` (or mse) with the target a const leaf; and
``E_total = add(E_o1, E_o2)`` (``identity`` of E_o1 with one output; for mse the mean of the
stacked errors). For softmax_cross_entropy and hinge the outputs are stacked into the logits and
``E_total = loss(logits, target)`` with a one-hot const target; there are no per-output errors.
A maxout neuron is ``max(z_a, z_b)`` of its two pieces.

A BATCH IS ONE GRAPH. With S > 1 samples the graph keeps its nodes and names; the data inputs
x1, x2 are vectors of S values (one per sample), and so are every product, z, h, o and target:
the batch is each value's leading dimension. Weights and biases stay scalars; a product
``w1 * x1`` broadcasts w1 over the samples, so the backward pass sums the samples' shares into
dE/dw1 (the mul's unbroadcast). The loss is the mean over samples of each sample's loss, as the
layers view's loss ops compute it:
- half_sse: ``E_o1 = half_sse(o1, target_o1)`` sums 1/2 (t - o)^2 over the samples (the op's own
  sum over a vector), ``E_sum = E_o1 + E_o2``, and ``E_total = E_sum / N`` with the const N = S;
- mse: ``E_o1 = mse(o1, target_o1)`` is already the mean over the samples;
- softmax_cross_entropy, hinge: ``outputs = stack(o1, ...)`` is outputs x samples, its
  transpose ``logits`` one row per sample, and the loss op averages over the rows.
With one sample every value is a scalar and the graph is exactly the seed's.

Every node says what it is and where it belongs (both views): ``role`` is "input" (data),
"weight", "bias", "pre-activation" (z), "activation" (h, o), "target", "samples" (N) or "loss"
(E_o1, E_total), and None for a gate inside a formula (w1*x1, a stack); ``group`` is the id of
the figure layer (app.builders.network_figure): "input", "hidden1", ..., "output", "loss", a
weight or bias being in the layer whose neurons it feeds (w5, h1 -> o1, is in "output").
"""

from __future__ import annotations

from app.builders.network import (
    CLASS_LOSSES,
    NetworkLimits,
    NetworkSpec,
    activation_name,
    bias_name,
    neuron_names,
    pre_activation_name,
    weight_name,
)
from app.graph.ir import Graph, GraphError, Node, make_graph
from app.graph.ops import Array


def neuron_node_count(spec: NetworkSpec, samples: int) -> int:
    """Nodes of the neurons view, counted before building it. The samples share the graph, so
    only the loss's few nodes depend on their number."""
    n_out = spec.layers[-1]
    count = len(neuron_names(spec)) + spec.layers[0]  # parameters and data inputs
    for lay in range(1, spec.depth + 1):  # products, pre-activations, activations
        count += spec.rows(lay) * (spec.layers[lay - 1] + 1) + spec.layers[lay]
    if spec.loss in CLASS_LOSSES:
        return count + (4 if samples > 1 else 3)  # (outputs), logits, target, E_total
    count += 2 * n_out + 1  # targets, per-output errors, E_total
    if spec.loss == "mse":
        return count + (1 if n_out > 1 else 0)  # the stacked errors
    return count + ((1 if n_out > 1 else 0) + 1 if samples > 1 else 0)  # E_sum, N


def _check_size(spec: NetworkSpec, samples: int, limits: NetworkLimits) -> None:
    total = neuron_node_count(spec, samples)
    if total > limits.max_neuron_nodes:
        raise GraphError(
            f"the neurons view of this network would have {total} nodes; it is drawn up to "
            f'{limits.max_neuron_nodes}: use "view": "layers" for this size', kind="limit")


def _node(nid: str, op: str, ins: tuple[str, ...], role: str | None, group: str,
          **params: object) -> Node:
    """A named node (role given) or an unnamed gate (role None) of the neurons view."""
    if role is None:
        return Node(nid, op, ins, params, group=group)
    return Node(nid, op, ins, params, label=nid, named=True, role=role, group=group)


def _loss_nodes(spec: NetworkSpec, outs: list[str], targets: Array) -> list[Node]:
    """The loss layer for ``targets`` (samples x n_out); see the module doc."""
    batch = targets.shape[0] > 1

    def data(rows: Array) -> object:  # a const's value: one sample's, or one per sample
        return rows.tolist() if batch else rows[0].tolist()

    if spec.loss in CLASS_LOSSES:
        logits = [_node("logits", "stack", tuple(outs), None, "loss")]
        if batch:
            logits = [_node("outputs", "stack", tuple(outs), None, "loss"),
                      _node("logits", "transpose", ("outputs",), None, "loss")]
        return [*logits, _node("target", "const", (), "target", "loss", value=data(targets)),
                _node("E_total", spec.loss, ("logits", "target"), "loss", "loss")]
    nodes: list[Node] = []
    errors: list[str] = []
    for j, o in enumerate(outs):
        t, e = f"target_o{j + 1}", f"E_o{j + 1}"
        nodes += [_node(t, "const", (), "target", "loss", value=data(targets[:, j])),
                  _node(e, spec.loss, (o, t), "loss", "loss")]
        errors.append(e)
    if spec.loss == "mse":  # each E_oj is a mean already: E_total is their mean
        if len(errors) == 1:
            return [*nodes, _node("E_total", "identity", (errors[0],), "loss", "loss")]
        return [*nodes, _node("errors", "stack", tuple(errors), None, "loss"),
                _node("E_total", "mean", ("errors",), "loss", "loss")]
    if not batch:  # the seed's E_total = E_o1 + E_o2
        op = "identity" if len(errors) == 1 else "add"
        return [*nodes, _node("E_total", op, tuple(errors), "loss", "loss")]
    total = errors[0]
    if len(errors) > 1:
        nodes.append(_node("E_sum", "add", tuple(errors), None, "loss"))
        total = "E_sum"
    return [*nodes, _node("N", "const", (), "samples", "loss", value=float(targets.shape[0])),
            _node("E_total", "div", (total, "N"), "loss", "loss")]


def neurons_graph(
    spec: NetworkSpec, targets: Array, limits: NetworkLimits | None = None
) -> Graph:
    """The neurons view for ``targets`` (samples x n_out); GraphError(kind="limit") above
    ``limits.max_neuron_nodes``."""
    _check_size(spec, targets.shape[0], limits or NetworkLimits())
    nodes: list[Node] = []
    for lay in range(1, spec.depth + 1):  # parameters first, layer by layer
        g = spec.layer_id(lay)
        for r in range(spec.rows(lay)):
            for c in range(spec.layers[lay - 1]):
                nodes.append(_node(weight_name(spec, lay, r, c), "input", (), "weight", g))
        for b in dict.fromkeys(bias_name(spec, lay, r) for r in range(spec.rows(lay))):
            nodes.append(_node(b, "input", (), "bias", g))
    prev = [f"x{i + 1}" for i in range(spec.layers[0])]
    nodes += [_node(x, "input", (), "input", "input") for x in prev]
    for lay in range(1, spec.depth + 1):
        g = spec.layer_id(lay)
        zs = []
        for r in range(spec.rows(lay)):
            terms = []
            for c, src in enumerate(prev):
                w = weight_name(spec, lay, r, c)
                nodes.append(_node(f"{w}*{src}", "mul", (w, src), None, g))
                terms.append(f"{w}*{src}")
            z = pre_activation_name(spec, lay, r)
            nodes.append(_node(z, "add", (*terms, bias_name(spec, lay, r)), "pre-activation", g))
            zs.append(z)
        act = spec.activations[lay - 1]
        prev = []
        for j in range(spec.layers[lay]):
            h = activation_name(spec, lay, j)
            # maxout: the larger of the neuron's two pieces
            op, ins = ("max", (zs[2 * j], zs[2 * j + 1])) if act == "maxout" else (act, (zs[j],))
            nodes.append(_node(h, op, ins, "activation", g))
            prev.append(h)
    nodes += _loss_nodes(spec, prev, targets)
    return make_graph(nodes, "E_total")


def neuron_inputs(inputs: Array) -> dict[str, Array]:
    """The data of the neurons view: x1, x2, ... each a number (one sample) or the column of
    ``inputs`` (samples x n_in), one value per sample."""
    return {f"x{i + 1}": inputs[0, i] if inputs.shape[0] == 1 else inputs[:, i]
            for i in range(inputs.shape[1])}
