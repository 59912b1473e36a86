"""The levelized executor: the engine's forward and backward passes, level by level.

Same results as ``backward(graph, forward(graph, leaves))``, bit for bit (see below), for large
graphs of scalar nodes (a network's neurons view), where the sequential passes spend all their
time on per-node overhead. ``engine.run`` uses it from LEVELIZE_MIN_NODES nodes on.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import overload

import numpy as np
import numpy.typing as npt

from app.graph.engine import EdgeTrace, Trace, is_finite, node_vjp
from app.graph.ir import Graph, Node
from app.graph.ops import REGISTRY, Array, Shape

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

LEVELIZE_MIN_NODES = 128
EXACT_VECTOR_OPS = frozenset(
    {"add", "sub", "mul", "div", "neg", "identity", "max", "min", "abs", "relu", "leaky_relu",
     "sqrt"}
)


@dataclass(frozen=True, slots=True)
class EdgeColumns:
    """Every edge of the graph in FORWARD order (node by node, slot by slot): edge ``e`` is slot
    ``e - start[target[e]]`` of node ``target[e]``. ``traced[e]``: the backward pass went
    through it (its target needed a gradient); ``carries[e]``: it carries a gradient (its source
    needs one). ``local`` and ``grad`` hold the numbers of the edges of vectorized nodes;
    ``objects`` the arrays ``(local, grad)`` of the edges of nodes that ran alone."""

    start: npt.NDArray[np.intp]  # first edge of each node; len(nodes) + 1 entries
    source: npt.NDArray[np.intp]  # node index of each edge's source
    target: npt.NDArray[np.intp]
    traced: npt.NDArray[np.bool_]
    carries: npt.NDArray[np.bool_]
    local: Array
    grad: Array
    objects: Mapping[int, tuple[Array | None, Array | None]]
    backward_edges: npt.NDArray[np.intp]  # the traced edges in the backward pass's order


class LazyEdges(Sequence[EdgeTrace]):
    """Trace.edges of a levelized run: the EdgeTrace objects are made on first use (the
    serializer reads the columns instead, and most requests never look at the objects)."""

    __slots__ = ("_cols", "_graph", "_items")

    def __init__(self, graph: Graph, cols: EdgeColumns) -> None:
        self._graph = graph
        self._cols = cols
        self._items: tuple[EdgeTrace, ...] | None = None

    def _all(self) -> tuple[EdgeTrace, ...]:
        if self._items is None:
            cols, nodes = self._cols, self._graph.nodes
            start, source, target = cols.start.tolist(), cols.source.tolist(), cols.target.tolist()
            carries, objects = cols.carries.tolist(), cols.objects
            local, grad = cols.local, cols.grad
            out = []
            for e in cols.backward_edges.tolist():
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


GroupKey = tuple[object, ...]


def levelized(
    graph: Graph, leaves: Mapping[str, Array], shapes: Mapping[str, Shape]
) -> Trace | None:
    """The trace that ``backward(graph, forward(graph, leaves))`` gives, bit for bit, computed
    level by level; None where it does not apply (few vectorizable nodes, no input, a node the
    output does not depend on) or where a value or a gradient is not finite (the sequential
    passes then raise the error)."""
    nodes = graph.nodes
    n = len(nodes)
    index = {node.id: i for i, node in enumerate(nodes)}
    scalar = [shapes[node.id] == () for node in nodes]
    is_scalar = scalar.__getitem__
    ins = [tuple(map(index.__getitem__, node.inputs)) for node in nodes]
    # the group of a vectorized node: op, arity and params; None for a node that runs alone
    keys: list[GroupKey | None] = [
        (node.op, len(js), tuple(sorted(node.params.items())) if node.params else ())
        if js and node.op in EXACT_VECTOR_OPS and scalar[i] and all(map(is_scalar, js))
        else None
        for i, (node, js) in enumerate(zip(nodes, ins, strict=True))
    ]
    if 2 * (n - keys.count(None)) < n:
        return None
    counts = np.fromiter(map(len, ins), dtype=np.intp, count=n)
    start = np.zeros(n + 1, dtype=np.intp)
    np.cumsum(counts, out=start[1:])
    source = np.fromiter(chain.from_iterable(ins), dtype=np.intp, count=int(start[-1]))
    out_i = index[graph.output]
    # Every node but the output feeds another (make_graph drops the others), so following the
    # users from any node ends at the output: every node gets a gradient if it depends on an
    # input. The backward pass below relies on that.
    has_user = np.bincount(source, minlength=n) > 0
    has_user[out_i] = True
    if not has_user.all():
        return None
    with np.errstate(all="ignore"):
        fwd = _levelized_forward(nodes, leaves, scalar, ins, keys)
        if fwd is None:
            return None
        vf, vals, levels = fwd
        values = dict(leaves)  # in the sequential pass's order: the leaves, then the rest
        for node, v in zip(nodes, vals, strict=True):
            if node.id not in values:
                values[node.id] = v
        return _levelized_backward(graph, values, out_i, scalar, ins, keys, levels,
                                   start, source, vf)


def _levelized_forward(
    nodes: Sequence[Node],
    leaves: Mapping[str, Array],
    scalar: list[bool],
    ins: list[tuple[int, ...]],
    keys: list[GroupKey | None],
) -> tuple[Array, list[Array], dict[int, list[int]]] | None:
    """Values level by level (depth 0: the leaves); the values of the scalar nodes also in one
    vector. None if one is not finite."""
    n = len(nodes)
    vf = np.zeros(n)
    vals: list[Array] = [None] * n  # type: ignore[list-item]
    depth = [0] * n
    at = depth.__getitem__
    levels: dict[int, list[int]] = {0: []}
    for i, node in enumerate(nodes):
        if node.id in leaves:
            vals[i] = leaves[node.id]
            if scalar[i]:
                vf[i] = vals[i]
            levels[0].append(i)
            continue
        d = depth[i] = 1 + max(map(at, ins[i]))
        levels.setdefault(d, []).append(i)
    for d in range(1, len(levels)):
        groups: dict[GroupKey, list[int]] = {}
        for i in levels[d]:
            key = keys[i]
            if key is not None:
                groups.setdefault(key, []).append(i)
                continue
            node = nodes[i]
            op = REGISTRY[node.op]
            out = op.forward([vals[j] for j in ins[i]], op.bind(node.params))
            if not is_finite(out):
                return None
            vals[i] = out
            if scalar[i]:
                vf[i] = out
        for members in groups.values():
            node = nodes[members[0]]
            op = REGISTRY[node.op]
            idx = np.array(members)
            cols = np.array([ins[i] for i in members]).T
            out = np.broadcast_to(op.forward([vf[c] for c in cols], op.bind(node.params)),
                                  idx.shape)
            if not np.isfinite(out).all():
                return None
            vf[idx] = out
            for i in members:
                vals[i] = vf[i, ...]
    return vf, vals, levels


def _levelized_backward(
    graph: Graph,
    values: Mapping[str, Array],
    out_i: int,
    scalar: list[bool],
    ins: list[tuple[int, ...]],
    keys: list[GroupKey | None],
    levels: dict[int, list[int]],
    start: npt.NDArray[np.intp],
    source: npt.NDArray[np.intp],
    vf: Array,
) -> Trace | None:
    """Gradients level by level, from the deepest level up: every user of a node is deeper
    than the node, so its gradient is complete when its level comes."""
    nodes = graph.nodes
    n = len(nodes)
    live = [False] * n
    is_live = live.__getitem__
    for i, node in enumerate(nodes):
        live[i] = node.op == "input" or any(map(is_live, ins[i]))
    if not live[out_i]:
        return None  # nothing to differentiate: the sequential pass is as quick
    live_a = np.array(live)
    target = np.repeat(np.arange(n), np.diff(start))
    traced = live_a[target]
    carries = live_a[source]
    # the edges as the sequential pass meets them: targets last to first, slots in order
    backward_edges = np.flatnonzero(traced)
    backward_edges = backward_edges[np.lexsort((backward_edges, -target[backward_edges]))]
    # each node's uses (the edges that carry it a gradient) in that order: flat[first[i]:...]
    carrying = backward_edges[carries[backward_edges]]
    by_source = np.argsort(source[carrying], kind="stable")
    flat = carrying[by_source]
    n_uses = np.bincount(source[carrying], minlength=n)
    first = np.zeros(n, dtype=np.intp)
    np.cumsum(n_uses[:-1], out=first[1:])
    # the order in which the sequential pass first reaches each node (its grads dict's order)
    reached, at = np.unique(source[carrying], return_index=True)
    reached = reached[np.argsort(at)]

    n_edges = int(start[-1])
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

    for d in range(len(levels) - 1, -1, -1):
        members = [i for i in levels[d] if live[i]]
        # 1. this level's gradients: each node's contributions added as the sequential pass adds
        folding = [i for i in members if i != out_i]
        if folding and not _fold(folding, scalar, flat, first, n_uses, contrib_f, contrib_o,
                                 gf, grads_o):
            return None
        # 2. what flows back from them along their input edges
        groups: dict[GroupKey, list[int]] = {}
        for i in members:
            key = keys[i]
            if key is not None:
                groups.setdefault(key, []).append(i)
                continue
            if not ins[i]:
                continue
            g = gf[i, ...] if scalar[i] else grads_o[i]
            locals_, contribs = node_vjp(nodes[i], g, values)
            for e, j, local, c in zip(range(int(start[i]), int(start[i + 1])), ins[i], locals_,
                                      contribs, strict=True):
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
            partials = op.local([vf[c] for c in cols], vf[idx], op.bind(node.params))
            edge0 = start[idx]
            for slot, p in enumerate(partials):
                p = np.broadcast_to(p, idx.shape)
                local_f[edge0 + slot] = p
                contrib_f[edge0 + slot] = g * p

    grads: dict[str, Array] = {graph.output: gf[out_i, ...] if scalar[out_i]
                               else grads_o[out_i]}
    for j in reached.tolist():
        grads[nodes[j].id] = gf[j, ...] if scalar[j] else grads_o[j]
    order = tuple(nodes[i].id for i in range(n - 1, -1, -1) if live[i])
    columns = EdgeColumns(start, source, target, traced, carries, local_f, contrib_f, objects,
                          backward_edges)
    return Trace(graph, values, grads, LazyEdges(graph, columns), order,
                 seeded_with_ones=out_value.ndim > 0, columns=columns)


def _fold(
    members: list[int],
    scalar: list[bool],
    flat: npt.NDArray[np.intp],
    first: npt.NDArray[np.intp],
    n_uses: npt.NDArray[np.intp],
    contrib_f: Array,
    contrib_o: Mapping[int, Array],
    gf: Array,
    grads_o: dict[int, Array],
) -> bool:
    """Each node's gradient: its contributions ``flat[first[i]:first[i] + n_uses[i]]`` added
    left to right, starting from the first; False if one is not finite."""
    rows = np.array([i for i in members if scalar[i]], dtype=np.intp)
    if len(rows):
        # most uses first: the rows still adding at step k are a prefix
        rows = rows[np.argsort(-n_uses[rows], kind="stable")]
        count, offset = n_uses[rows], first[rows]
        acc = contrib_f[flat[offset]]
        behind = -count  # ascending
        for k in range(1, int(count[0])):
            m = int(np.searchsorted(behind, -k))  # rows with more than k uses
            acc[:m] = acc[:m] + contrib_f[flat[offset[:m] + k]]
        if not np.isfinite(acc).all():
            return False
        gf[rows] = acc
    for i in members:
        if not scalar[i]:
            es = flat[first[i]: first[i] + n_uses[i]].tolist()
            g = contrib_o[es[0]]
            for e in es[1:]:
                g = g + contrib_o[e]
            if not is_finite(g):
                return False
            grads_o[i] = g
    return True
