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
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np

from app.graph.ir import Graph, GraphError, Node
from app.graph.ops import REGISTRY, Array, Shape, unbroadcast
from app.graph.shapes import Budget, check_budget, infer_shapes

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
    if not _finite(arr):
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


def _finite(arr: Array) -> bool:
    # math.isfinite on a lone float is ~20x cheaper than a numpy reduction: most nodes of the
    # graphs people draw are scalars.
    return math.isfinite(arr.item()) if arr.size == 1 else bool(np.isfinite(arr).all())


def _check_finite(arr: Array, node: Node, what: str) -> None:
    if not _finite(arr):
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
            params = {**(op.params or {}), **node.params}
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


def _node_vjp(
    node: Node, g: Array, values: Mapping[str, Array]
) -> tuple[list[Array | None], list[Array]]:
    """The local gradient (or None) and the contribution of each input edge of ``node``."""
    op = REGISTRY[node.op]
    params = {**(op.params or {}), **node.params}
    ins = [values[i] for i in node.inputs]
    y = values[node.id]
    locals_: list[Array | None]
    if op.local is not None:
        # elementwise partials, shown with the output's shape (a view, no copy)
        partials = [p if p.shape == y.shape else np.broadcast_to(p, y.shape)
                    for p in op.local(ins, y, params)]
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
            locals_, contribs = _node_vjp(node, g, values)
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
    executor below, which gives the very same numbers; anything it cannot take, and every error,
    goes through the sequential passes.
    """
    leaves = leaf_values(graph, values)
    shapes = infer_shapes(graph, {k: v.shape for k, v in leaves.items()})
    check_budget(graph, shapes, budget or Budget())
    if len(graph) >= LEVELIZE_MIN_NODES:
        trace = levelized(graph, leaves, shapes)
        if trace is not None:
            return trace
    return backward(graph, forward(graph, leaves))


# --- the levelized executor -------------------------------------------------------------------
#
# The sequential passes spend ~10-20 us of Python and numpy overhead per node and per edge; on
# a 10,000-node scalar graph that is all of their time. The levelized executor runs the same
# passes level by level: the nodes of one topological depth do not depend on each other, so
# those with the same op (and params) run as ONE numpy call on the vector of their scalars.
#
# Exactness. (1) Only ops in EXACT_VECTOR_OPS are vectorized: each is a fixed composition of
# IEEE-754 operations that are correctly rounded elementwise (+ - * /, sqrt, comparison, select,
# sign), so an element of the vector result is bit for bit the 0-d result. Every other node
# (transcendental ops, reductions, losses, non-scalar values) runs alone with the sequential
# code. (2) A node's gradient is the sum of its users' contributions, added left to right in the
# order the sequential backward pass meets them (users in reverse topological order, then slot):
# the executor keeps each contribution and folds them in that same order, starting from the
# first (not from 0, which would turn -0.0 into 0.0). (3) On a NaN or an infinity anywhere it
# gives up (returns None) and the sequential passes run again and raise the very same error.

LEVELIZE_MIN_NODES = 256
EXACT_VECTOR_OPS = frozenset(
    {"add", "sub", "mul", "div", "neg", "identity", "max", "min", "abs", "relu", "leaky_relu",
     "sqrt"}
)


@dataclass(frozen=True, slots=True)
class EdgeColumns:
    """Every edge of the graph in FORWARD order (node by node, slot by slot): edge ``e`` is slot
    ``e - start[i]`` of node ``i``. ``traced[e]``: the backward pass went through it (its target
    needed a gradient); ``carries[e]``: it carries a gradient (its source needs one). ``local``
    and ``grad`` hold the numbers of scalar edges; ``objects`` the arrays of the others (and of
    the nodes run alone), as ``(local, grad)``."""

    start: tuple[int, ...]  # first edge of each node, len(nodes) + 1 entries
    source: tuple[int, ...]  # node index of each edge's source
    traced: Array  # bool
    carries: Array  # bool
    local: Array
    grad: Array
    objects: Mapping[int, tuple[Array | None, Array | None]]
    backward_edges: tuple[int, ...]  # the traced edges in the order the backward pass met them


class LazyEdges(Sequence[EdgeTrace]):
    """Trace.edges of a levelized run: EdgeTrace objects made on first use (the serializer reads
    the columns instead, and most requests never look at the objects)."""

    __slots__ = ("_cols", "_graph", "_items")

    def __init__(self, graph: Graph, cols: EdgeColumns) -> None:
        self._graph = graph
        self._cols = cols
        self._items: tuple[EdgeTrace, ...] | None = None

    def _all(self) -> tuple[EdgeTrace, ...]:
        if self._items is None:
            cols, nodes = self._cols, self._graph.nodes
            start, source, carries = cols.start, cols.source, cols.carries.tolist()
            local, grad, objects = cols.local, cols.grad, cols.objects
            target = _edge_targets(start)
            out = []
            for e in cols.backward_edges:
                i = target[e]
                if e in objects:
                    loc, g = objects[e]
                else:
                    loc = local[e, ...]
                    g = grad[e, ...] if carries[e] else None
                out.append(EdgeTrace(nodes[source[e]].id, nodes[i].id, e - start[i], loc, g))
            self._items = tuple(out)
        return self._items

    def __len__(self) -> int:
        return len(self._cols.backward_edges)

    @overload
    def __getitem__(self, i: int) -> EdgeTrace: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[EdgeTrace]: ...
    def __getitem__(self, i: int | slice) -> EdgeTrace | Sequence[EdgeTrace]:
        return self._all()[i]

    def __iter__(self) -> Iterator[EdgeTrace]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        return tuple(self) == (tuple(other) if isinstance(other, Sequence) else other)

    __hash__ = None  # type: ignore[assignment]


def _edge_targets(start: Sequence[int]) -> list[int]:
    target: list[int] = []
    for i in range(len(start) - 1):
        target += [i] * (start[i + 1] - start[i])
    return target


def _params(node: Node) -> dict[str, object]:
    op = REGISTRY[node.op]
    return {**(op.params or {}), **node.params}


def levelized(
    graph: Graph, leaves: Mapping[str, Array], shapes: Mapping[str, Shape]
) -> Trace | None:
    """The trace that ``backward(graph, forward(graph, leaves))`` gives, bit for bit, computed
    level by level; None where it does not apply (few scalar nodes, no input) or where a value
    or a gradient is not finite (the sequential passes then raise the error)."""
    nodes = graph.nodes
    n = len(nodes)
    index = {node.id: i for i, node in enumerate(nodes)}
    scalar = [shapes[node.id] == () for node in nodes]
    ins = [tuple(index[s] for s in node.inputs) for node in nodes]
    vec = [
        bool(node.inputs) and node.op in EXACT_VECTOR_OPS and scalar[i]
        and all(scalar[j] for j in ins[i])
        for i, node in enumerate(nodes)
    ]
    if 2 * sum(vec) < n:
        return None
    start = [0]
    for node in nodes:
        start.append(start[-1] + len(node.inputs))
    source = [j for js in ins for j in js]
    with np.errstate(all="ignore"):
        fwd = _levelized_forward(nodes, leaves, scalar, ins, vec)
        if fwd is None:
            return None
        vf, vals = fwd
        values = dict(leaves)  # in the sequential pass's order: the leaves, then the rest
        for i, node in enumerate(nodes):
            if node.id not in values:
                values[node.id] = vals[i]
        return _levelized_backward(graph, values, index, scalar, ins, vec, start, source, vf)


def _group_key(node: Node) -> tuple[object, ...]:
    return (node.op, len(node.inputs), tuple(sorted(node.params.items())))


def _levelized_forward(
    nodes: Sequence[Node],
    leaves: Mapping[str, Array],
    scalar: list[bool],
    ins: list[tuple[int, ...]],
    vec: list[bool],
) -> tuple[Array, list[Array]] | None:
    n = len(nodes)
    vf = np.zeros(n)  # the value of every scalar node
    vals: list[Array] = [None] * n  # type: ignore[list-item]
    depth = [0] * n
    levels: dict[int, list[int]] = {}
    for i, node in enumerate(nodes):
        if node.id in leaves:
            vals[i] = leaves[node.id]
            if scalar[i]:
                vf[i] = vals[i]
            continue
        d = 1 + max(depth[j] for j in ins[i])
        depth[i] = d
        levels.setdefault(d, []).append(i)
    for d in sorted(levels):
        groups: dict[tuple[object, ...], list[int]] = {}
        for i in levels[d]:
            node = nodes[i]
            if vec[i]:
                groups.setdefault(_group_key(node), []).append(i)
                continue
            op = REGISTRY[node.op]
            out = op.forward([vals[j] for j in ins[i]], _params(node))
            if not _finite(out):
                return None
            vals[i] = out
            if scalar[i]:
                vf[i] = out
        for members in groups.values():
            node = nodes[members[0]]
            idx = np.array(members)
            cols = np.array([ins[i] for i in members]).T
            out = np.broadcast_to(
                REGISTRY[node.op].forward([vf[c] for c in cols], _params(node)), idx.shape
            )
            if not np.isfinite(out).all():
                return None
            vf[idx] = out
            for i in members:
                vals[i] = vf[i, ...]
    return vf, vals


def _levelized_backward(
    graph: Graph,
    values: Mapping[str, Array],
    index: Mapping[str, int],
    scalar: list[bool],
    ins: list[tuple[int, ...]],
    vec: list[bool],
    start: list[int],
    source: list[int],
    vf: Array,
) -> Trace | None:
    nodes = graph.nodes
    n = len(nodes)
    out_i = index[graph.output]
    live = [False] * n
    for i, node in enumerate(nodes):
        live[i] = node.op == "input" or any(live[j] for j in ins[i])
    if not live[out_i]:
        return None  # nothing to differentiate: the sequential pass is as quick
    # Heights (levels from the output), the users' edges of every node in the order the
    # sequential pass meets them, and the edges in that order.
    height = [0] * n
    uses: list[list[int]] = [[] for _ in range(n)]
    backward_edges: list[int] = []
    order: list[str] = []
    first_use: list[int] = []  # nodes in the order the sequential pass first reaches them
    reached: list[int] = []
    for i in range(n - 1, -1, -1):
        if not (live[i] and (i == out_i or uses[i])):
            continue  # a constant, or nothing downstream reached it
        reached.append(i)
        order.append(nodes[i].id)
        h = height[i] + 1
        for e in range(start[i], start[i + 1]):
            j = source[e]
            backward_edges.append(e)
            if live[j]:
                if not uses[j]:
                    first_use.append(j)
                uses[j].append(e)
                if height[j] < h:
                    height[j] = h
    levels: dict[int, list[int]] = {}
    for i in reversed(reached):
        levels.setdefault(height[i], []).append(i)

    n_edges = start[-1]
    traced = np.zeros(n_edges, dtype=bool)
    traced[backward_edges] = True
    carries = np.array([live[j] for j in source], dtype=bool)
    local_f = np.zeros(n_edges)
    contrib_f = np.zeros(n_edges)  # what flows back along each edge into a scalar source
    contrib_o: dict[int, Array] = {}  # ... into a non-scalar source
    objects: dict[int, tuple[Array | None, Array | None]] = {}
    gf = np.zeros(n)  # the gradient of every scalar node
    grads_o: dict[int, Array] = {}
    out_value = values[graph.output]
    if scalar[out_i]:
        gf[out_i] = 1.0
    else:
        grads_o[out_i] = np.ones_like(out_value)

    for h in sorted(levels):
        members = levels[h]
        # 1. the gradients of this level: fold the contributions, as the sequential pass adds
        if h > 0 and not _fold(members, scalar, uses, contrib_f, contrib_o, gf, grads_o):
            return None
        # 2. what flows back from them along their input edges
        groups: dict[tuple[object, ...], list[int]] = {}
        for i in members:
            if not ins[i]:
                continue
            node = nodes[i]
            if vec[i]:
                groups.setdefault(_group_key(node), []).append(i)
                continue
            g = gf[i, ...] if scalar[i] else grads_o[i]
            locals_, contribs = _node_vjp(node, g, values)
            for e, local, c in zip(range(start[i], start[i + 1]), locals_, contribs,
                                   strict=True):
                j = source[e]
                if not live[j]:
                    objects[e] = (local, None)
                    continue
                c = np.asarray(c, dtype=np.float64)
                objects[e] = (local, c)
                if scalar[j]:
                    contrib_f[e] = c
                else:
                    contrib_o[e] = c
        for group in groups.values():
            node = nodes[group[0]]
            op = REGISTRY[node.op]
            assert op.local is not None
            idx = np.array(group)
            cols = np.array([ins[i] for i in group]).T
            g = gf[idx]
            partials = op.local([vf[c] for c in cols], vf[idx], _params(node))
            first = np.array([start[i] for i in group])
            for slot, p in enumerate(partials):
                p = np.broadcast_to(p, idx.shape)
                local_f[first + slot] = p
                contrib_f[first + slot] = g * p

    grads: dict[str, Array] = {graph.output: gf[out_i, ...] if scalar[out_i]
                               else grads_o[out_i]}
    for j in first_use:
        grads[nodes[j].id] = gf[j, ...] if scalar[j] else grads_o[j]
    columns = EdgeColumns(tuple(start), tuple(source), traced, carries, local_f, contrib_f,
                          objects, tuple(backward_edges))
    return Trace(graph, values, grads, LazyEdges(graph, columns), tuple(order),
                 seeded_with_ones=out_value.ndim > 0, columns=columns)


def _fold(
    members: list[int],
    scalar: list[bool],
    uses: list[list[int]],
    contrib_f: Array,
    contrib_o: Mapping[int, Array],
    gf: Array,
    grads_o: dict[int, Array],
) -> bool:
    """Sum each node's contributions left to right in ``uses`` order; False if one is not
    finite."""
    rows = [i for i in members if scalar[i]]
    if rows:
        width = max(len(uses[i]) for i in rows)
        table = np.full((len(rows), width), -1)
        for r, i in enumerate(rows):
            table[r, : len(uses[i])] = uses[i]
        acc = contrib_f[table[:, 0]]
        for k in range(1, width):
            more = np.flatnonzero(table[:, k] >= 0)
            acc[more] = acc[more] + contrib_f[table[more, k]]
        if not np.isfinite(acc).all():
            return False
        gf[rows] = acc
    for i in members:
        if not scalar[i]:
            es = uses[i]
            g = contrib_o[es[0]]
            for e in es[1:]:
                g = g + contrib_o[e]
            if not _finite(g):
                return False
            grads_o[i] = g
    return True
