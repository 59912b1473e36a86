"""Forward and backward passes over the IR, returning a :class:`Trace` instead of mutating nodes.

    >>> from app.builders.expression import parse_expression
    >>> t = run(parse_expression("(x + y) * z"), {"x": -2.0, "y": 5.0, "z": -4.0})
    >>> float(t.grads["x"]), float(t.grads["z"])
    (-4.0, 3.0)

Forward runs in topological order, backward in reverse topological order from the output seeded
with 1 (a non-scalar output is seeded with ones, the gradient of its sum, and the trace says so).
Where a value feeds several nodes its gradient is the sum of what flows back along each edge:
the seed's dE_total/dh1 = dE_o1/dh1 + dE_o2/dh1. Both passes are loops, never recursion.

Only nodes that depend on an "input" get a gradient: constants are data, and a gradient for them
could be undefined (d/db a^b at a < 0) without meaning anything to the learner.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from app.graph.ir import Graph, GraphError, Node
from app.graph.ops import REGISTRY, Array, Shape, unbroadcast
from app.graph.shapes import Budget, check_budget, infer_shapes

if TYPE_CHECKING:
    from app.graph.levelized import EdgeColumns

ValueInput = float | int | list[object] | Array


@dataclass(frozen=True, slots=True)
class EdgeTrace:
    """The edge ``source -> target`` entering the target's input ``slot``.

    ``local`` is d target / d source where that is a scalar or an elementwise array (broadcastable
    to the target's shape), else None (matmul, transpose). ``grad`` is what flows back to the
    source along this edge, shaped like the source (None where the source needs no gradient).
    """

    source: str
    target: str
    slot: int
    local: Array | None
    grad: Array | None


@dataclass(frozen=True, slots=True)
class Trace:
    graph: Graph
    values: Mapping[str, Array]
    grads: Mapping[str, Array]  # only nodes that depend on an input
    edges: Sequence[EdgeTrace]  # in the order the backward pass produced them
    backward_order: tuple[str, ...]
    seeded_with_ones: bool  # the output was not a scalar: its sum was differentiated
    # The levelized executor's edges as columns (see EdgeColumns), for the serializer; None
    # from the sequential passes.
    columns: EdgeColumns | None = None


def as_array(value: ValueInput, name: str) -> Array:
    """A float64 array from a number or (nested) list; GraphError for ragged or empty data."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (ValueError, TypeError):
        raise GraphError(f"value of {name!r} must be a number, a list or a list of lists "
                         "of equal lengths", name) from None
    if arr.ndim > 2:
        raise GraphError(f"value of {name!r} has {arr.ndim} dimensions; at most 2", name)
    if arr.size == 0:
        raise GraphError(f"value of {name!r} is empty", name)
    if not is_finite(arr):
        raise GraphError(f"value of {name!r} must be finite", name)
    return arr


def leaf_values(graph: Graph, values: Mapping[str, ValueInput]) -> dict[str, Array]:
    """Arrays for every leaf: inputs from ``values``, constants from their params."""
    out: dict[str, Array] = {}
    for node in graph.leaves:
        if node.op == "const":
            out[node.id] = as_array(node.params["value"], node.id)  # type: ignore[arg-type]
        elif node.id in values:
            out[node.id] = as_array(values[node.id], node.id)
        else:
            raise GraphError(f"no value given for input {node.id!r}", node.id)
    return out


def is_finite(arr: Array) -> bool:
    # math.isfinite on a lone float is ~20x cheaper than a numpy reduction: most nodes of the
    # graphs people draw are scalars, and most of the others are small (~4x cheaper).
    if arr.size == 1:
        return math.isfinite(arr.item())
    if arr.size <= SMALL:
        return all(map(math.isfinite, arr.ravel().tolist()))
    return bool(np.isfinite(arr).all())


SMALL = 64  # arrays up to this size are checked element by element in Python


def _broadcast(p: Array, shape: Shape) -> Array:
    """``p`` with the shape ``shape``: a copy for a small result (~10x cheaper than
    np.broadcast_to, the same numbers), a read-only broadcast view otherwise."""
    if p.shape == shape:
        return p
    if math.prod(shape) <= 4 * SMALL:
        out = np.empty(shape)
        out[...] = p
        return out
    return np.broadcast_to(p, shape)


def _check_finite(arr: Array, node: Node, what: str) -> None:
    if not is_finite(arr):
        bad = "NaN" if np.any(np.isnan(arr)) else "infinite"
        raise GraphError(
            f"node {node.id!r} ({node.op}): its {what} is {bad} (overflow, or outside the "
            "function's domain)",
            node.id,
        )


def forward(graph: Graph, leaves: Mapping[str, Array]) -> dict[str, Array]:
    """Every node's value, in topological order."""
    values = dict(leaves)
    with np.errstate(all="ignore"):
        for node in graph.nodes:
            if node.id in values:
                continue
            op = REGISTRY[node.op]
            params = op.bind(node.params)
            out = op.forward([values[i] for i in node.inputs], params)
            _check_finite(out, node, "value")
            values[node.id] = out
    return values


def _needs_grad(graph: Graph) -> set[str]:
    live: set[str] = set()
    for node in graph.nodes:
        if node.op == "input" or any(i in live for i in node.inputs):
            live.add(node.id)
    return live


def node_vjp(
    node: Node, g: Array, values: Mapping[str, Array]
) -> tuple[list[Array | None], list[Array]]:
    """The local gradient (or None) and the contribution of each input edge of ``node``."""
    op = REGISTRY[node.op]
    params = op.bind(node.params)
    ins = [values[i] for i in node.inputs]
    y = values[node.id]
    locals_: list[Array | None]
    if op.local is not None:
        # elementwise partials, shown with the output's shape (a view, no copy)
        partials = [_broadcast(p, y.shape) for p in op.local(ins, y, params)]
        return list(partials), [unbroadcast(g * p, x.shape)
                                for p, x in zip(partials, ins, strict=True)]
    assert op.vjp is not None
    if y.ndim == 0:
        # A scalar output: by linearity vjp(g) = g * vjp(1), and vjp(1) IS d y / d input.
        partials = list(op.vjp(np.ones(()), ins, y, params))
        return list(partials), [g * p for p in partials]
    locals_ = [None] * len(ins)
    return locals_, list(op.vjp(g, ins, y, params))


def backward(graph: Graph, values: Mapping[str, Array]) -> Trace:
    """Gradients of the output (or of its sum) with respect to every node that needs one."""
    live = _needs_grad(graph)
    out = values[graph.output]
    grads: dict[str, Array] = {}
    if graph.output in live:
        grads[graph.output] = np.ones_like(out)
    edges: list[EdgeTrace] = []
    order: list[str] = []
    with np.errstate(all="ignore"):
        for node in reversed(graph.nodes):
            if node.id not in grads:
                continue  # a constant, or nothing downstream reached it
            g = grads[node.id]
            _check_finite(g, node, "gradient")
            order.append(node.id)
            if not node.inputs:
                continue
            locals_, contribs = node_vjp(node, g, values)
            for slot, (src, local, c) in enumerate(
                zip(node.inputs, locals_, contribs, strict=True)
            ):
                if src not in live:
                    edges.append(EdgeTrace(src, node.id, slot, local, None))
                    continue
                c = np.asarray(c, dtype=np.float64)
                edges.append(EdgeTrace(src, node.id, slot, local, c))
                # Fan-out: a new array, never +=, so that every edge keeps its own contribution.
                grads[src] = grads[src] + c if src in grads else c
    return Trace(graph, values, grads, tuple(edges), tuple(order), seeded_with_ones=out.ndim > 0)


def run(
    graph: Graph, values: Mapping[str, ValueInput], budget: Budget | None = None
) -> Trace:
    """Check shapes and the work bound, then run forward and backward.

    A large graph of mostly scalar nodes (a network's neurons view) goes through the levelized
    executor (app.graph.levelized), which gives the very same numbers; anything it cannot take,
    and every error, goes through the sequential passes.
    """
    # imported here: the levelized executor is built on this module's passes and types
    from app.graph.levelized import LEVELIZE_MIN_NODES, levelized

    leaves = leaf_values(graph, values)
    shapes = infer_shapes(graph, {k: v.shape for k, v in leaves.items()})
    check_budget(graph, shapes, budget or Budget())
    if len(graph) >= LEVELIZE_MIN_NODES:
        trace = levelized(graph, leaves, shapes)
        if trace is not None:
            return trace
    return backward(graph, forward(graph, leaves))
