"""Gradient descent on a network: ``steps`` updates of w <- w - alpha * dE_total/dw.

    >>> params_after, history = train(spec, params, inputs, targets, 0.5, steps=1)
    >>> len(history)  # the loss before step 1 and after every step
    2

Training runs the LAYERS-view graph (a handful of tensor nodes whatever the network's size)
through the engine's own forward and backward passes: no second copy of the maths, and the
gradients are the neurons view's, summed over samples by the matmuls (tested). Every step uses
the gradients of the parameters as they were before that step, so step 1 reproduces the seed's
update, where w1's gradient uses w5 and w7 from before their own update.

The work is bounded up front by the request's NetworkLimits: at most ``max_train_steps`` steps,
steps x parameters x samples scalar multiply-adds at most ``max_train_cost`` (the numpy work),
steps x graph nodes at most ``max_train_node_steps`` (the Python work: each node of each step
costs ~10-15 us, so the bound is ~4 s).
"""

from __future__ import annotations

from collections.abc import Sequence

from app.builders.network import (
    LayerParams,
    NetworkLimits,
    NetworkSpec,
    by_layer_name,
    from_layer_names,
)
from app.builders.network_layers import layer_inputs, layers_graph
from app.graph.engine import leaf_values
from app.graph.ir import GraphError
from app.graph.ops import Array
from app.graph.sequential import backward, forward
from app.graph.shapes import Budget, check_budget, infer_shapes


def check_training(
    spec: NetworkSpec, samples: int, steps: int, limits: NetworkLimits | None = None
) -> None:
    """Refuse (kind "limit") a training run over the bounds, before any of it is done."""
    limits = limits or NetworkLimits()
    if steps > limits.max_train_steps:
        raise GraphError(f"at most {limits.max_train_steps} training steps, got {steps}", "steps",
                         kind="limit")
    cost = steps * spec.n_params() * samples
    if cost > limits.max_train_cost:
        raise GraphError(
            f"{steps} steps x {spec.n_params()} parameters x {samples} samples = {cost} "
            f"multiply-adds; the limit is {limits.max_train_cost}: use fewer steps or samples",
            "steps", kind="limit")
    nodes = 3 + 6 * spec.depth  # the batched layers graph: X, T, E and 6 nodes per layer
    if steps * nodes > limits.max_train_node_steps:
        raise GraphError(
            f"{steps} steps of a {nodes}-node graph exceed the training bound "
            f"({limits.max_train_node_steps} node evaluations): use at most "
            f"{limits.max_train_node_steps // nodes} steps", "steps", kind="limit")


def train(
    spec: NetworkSpec,
    params: Sequence[LayerParams],
    inputs: Array,
    targets: Array,
    learning_rate: float,
    steps: int,
    train_biases: bool = False,
    budget: Budget | None = None,
    limits: NetworkLimits | None = None,
) -> tuple[list[LayerParams], list[float]]:
    """The parameters after ``steps`` updates and the loss history (length ``steps + 1``).

    Biases are held fixed (as in the seed) unless ``train_biases``. GraphError: kind "limit"
    over the bounds (before any work), "numeric" when the loss overflows (diverges).
    """
    check_training(spec, inputs.shape[0], steps, limits)
    graph = layers_graph(spec, targets)
    leaves = leaf_values(graph, {**layer_inputs(inputs), **by_layer_name(params)})
    check_budget(graph, infer_shapes(graph, {k: v.shape for k, v in leaves.items()}),
                 budget or Budget())
    trainable = [f"W{k}" for k in range(1, spec.depth + 1)]
    if train_biases:
        trainable += [f"b{k}" for k in range(1, spec.depth + 1)]
    history: list[float] = []
    for step in range(steps + 1):
        try:
            values = forward(graph, leaves)
            history.append(float(values[graph.output]))
            if step == steps:
                break
            grads = backward(graph, values).grads
        except GraphError as e:  # overflow: the learning rate is too large for this network
            raise GraphError(f"training diverged after {step} steps: {e.message}; try a smaller "
                             "learning rate", e.node, kind="numeric") from None
        for name in trainable:
            leaves[name] = leaves[name] - learning_rate * grads[name]
    return from_layer_names(spec, leaves), history
