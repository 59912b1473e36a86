"""The levelized executor: the sequential passes' results, bit for bit, level by level.

For large graphs of scalar nodes (a network's neurons view) the sequential passes
(:mod:`app.graph.sequential`) spend ~10-20 us of Python and numpy overhead per node and per
edge: on a 10,000-node graph that is all of their time. The nodes of one topological depth do
not depend on each other, so those with the same op (and params) run here as ONE numpy call on
the vector of their scalars, forward and backward (:func:`app.graph.ops.gate_backward` takes the
vectors as it takes scalars). :func:`app.graph.engine.run` uses it from 128 nodes on.

Exactness. (1) Only ops marked ``exact_vectorized`` are vectorized: each is a fixed composition
of IEEE-754 operations that are correctly rounded elementwise, so an element of the vector result
is bit for bit the 0-d result. Every other node (transcendental ops, reductions, losses,
non-scalar values) runs alone, as in the sequential passes. (2) A node's gradient is the sum of
its users' contributions added left to right in forward edge order, starting from the first
(not from 0, which would turn -0.0 into 0.0), as the sequential pass adds them. (3) On a NaN or
an infinity anywhere it gives up (returns None): the sequential passes then raise the error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from app.graph.finite import is_finite
from app.graph.ir import Graph, Node
from app.graph.ops import REGISTRY, Array, gate_backward
from app.graph.schedule import IntArray, Structure, backward_order, structure
from app.graph.trace import EdgeSink, Trace

GroupKey = tuple[object, ...]


def levelized(
    graph: Graph, leaves: Mapping[str, Array], shapes: Mapping[str, tuple[int, ...]]
) -> Trace | None:
    """The trace that ``backward(graph, forward(graph, leaves))`` gives, bit for bit, computed
    level by level; None where it does not apply (few vectorizable nodes, no input) or where a
    value or a gradient is not finite (the sequential passes then raise the error)."""
    nodes = graph.nodes
    n = len(nodes)
    s = structure(graph)
    ins = s.ins
    scalar = [shapes[node.id] == () for node in nodes]
    is_scalar = scalar.__getitem__
    exact = {name for name, op in REGISTRY.items() if op.exact_vectorized}
    # the group of a vectorized node: op, arity and params; None for a node that runs alone
    keys: list[GroupKey | None] = [
        (node.op, len(js), tuple(sorted(node.params.items())) if node.params else ())
        if js and node.op in exact and scalar[i] and all(map(is_scalar, js))
        else None
        for i, (node, js) in enumerate(zip(nodes, ins, strict=True))
    ]
    if 2 * (n - keys.count(None)) < n or not s.live[s.output]:
        return None
    with np.errstate(all="ignore"):
        fwd = _forward(nodes, leaves, scalar, ins, keys)
        if fwd is None:
            return None
        vf, vals, levels = fwd
        values = dict(leaves)  # in the sequential pass's order: the leaves, then the rest
        for node, v in zip(nodes, vals, strict=True):
            if node.id not in values:
                values[node.id] = v
        return _backward(graph, s, values, scalar, keys, levels, vf)


def _forward(
    nodes: Sequence[Node],
    leaves: Mapping[str, Array],
    scalar: list[bool],
    ins: Sequence[tuple[int, ...]],
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


def _backward(
    graph: Graph,
    s: Structure,
    values: Mapping[str, Array],
    scalar: list[bool],
    keys: list[GroupKey | None],
    levels: dict[int, list[int]],
    vf: Array,
) -> Trace | None:
    """Gradients level by level, from the deepest level up: every user of a node is deeper
    than the node, so its gradient is complete when its level comes."""
    nodes, ins, live, out_i = graph.nodes, s.ins, s.live, s.output
    n = len(nodes)
    order = backward_order(s)
    reached = np.zeros(n, dtype=bool)
    reached[order] = True
    # each node's uses in forward edge order: flat[first[i]:first[i] + n_uses[i]]
    flat = np.argsort(s.source, kind="stable")
    n_uses = np.bincount(s.source, minlength=n)
    first = np.zeros(n, dtype=np.intp)
    np.cumsum(n_uses[:-1], out=first[1:])
    start = s.start.tolist()
    sink = EdgeSink(len(s.source))
    gf = np.zeros(n)  # the gradient of every scalar node
    grads_o: dict[int, Array] = {}
    out_value = values[graph.output]
    if scalar[out_i]:
        gf[out_i] = 1.0
    else:
        grads_o[out_i] = np.ones_like(out_value)

    for d in range(len(levels) - 1, -1, -1):
        members = [i for i in levels[d] if reached[i]]
        # 1. this level's gradients: each node's contributions added as the sequential pass adds
        folding = [i for i in members if i != out_i]
        if folding and not _fold(folding, scalar, flat, first, n_uses, sink, gf, grads_o):
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
            node = nodes[i]
            r = gate_backward(REGISTRY[node.op], gf[i, ...] if scalar[i] else grads_o[i],
                              [values[k] for k in node.inputs], values[node.id], node.params)
            for e, j, local, down in zip(range(start[i], start[i + 1]), ins[i], r.local,
                                         r.downstream, strict=True):
                sink.put(e, local, down if live[j] else None)
        for group in groups.values():
            node = nodes[group[0]]
            idx = np.array(group)
            cols = np.array([ins[i] for i in group]).T
            r = gate_backward(REGISTRY[node.op], gf[idx], [vf[c] for c in cols], vf[idx],
                              node.params)
            edge0 = s.start[idx]
            for slot, (local, down) in enumerate(zip(r.local, r.downstream, strict=True)):
                assert local is not None  # an elementwise op: partials
                sink.put_scalars(edge0 + slot, local, down)

    grads = {nodes[i].id: gf[i, ...] if scalar[i] else grads_o[i] for i in order}
    return Trace(graph, values, grads, sink.finish(s), tuple(nodes[i].id for i in order),
                 seeded_with_ones=out_value.ndim > 0)


def _fold(
    members: list[int],
    scalar: list[bool],
    flat: IntArray,
    first: IntArray,
    n_uses: IntArray,
    sink: EdgeSink,
    gf: Array,
    grads_o: dict[int, Array],
) -> bool:
    """Each node's gradient: its contributions ``flat[first[i]:first[i] + n_uses[i]]`` added
    left to right, starting from the first; False if one is not finite. A scalar source's
    contributions are in ``sink.grad``, a non-scalar one's in ``sink.grad_arrays``."""
    carried = sink.grad
    rows = np.array([i for i in members if scalar[i]], dtype=np.intp)
    if len(rows):
        # most uses first: the rows still adding at step k are a prefix
        rows = rows[np.argsort(-n_uses[rows], kind="stable")]
        count, offset = n_uses[rows], first[rows]
        acc = carried[flat[offset]]
        behind = -count  # ascending
        for k in range(1, int(count[0])):
            m = int(np.searchsorted(behind, -k))  # rows with more than k uses
            acc[:m] = acc[:m] + carried[flat[offset[:m] + k]]
        if not np.isfinite(acc).all():
            return False
        gf[rows] = acc
    for i in members:
        if not scalar[i]:
            es = flat[first[i]: first[i] + n_uses[i]].tolist()
            g = sink.grad_arrays[es[0]]
            for e in es[1:]:
                g = g + sink.grad_arrays[e]
            if not is_finite(g):
                return False
            grads_o[i] = g
    return True
