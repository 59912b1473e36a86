"""The sequential executor: forward and backward passes one node at a time.

    >>> from app.builders.expression import parse_expression
    >>> g = parse_expression("(x + y) * z")
    >>> t = backward(g, forward(g, {"x": np.asarray(-2.0), "y": np.asarray(5.0),
    ...                             "z": np.asarray(-4.0)}))
    >>> float(t.grads["x"]), float(t.grads["z"]), t.backward_order
    (-4.0, 3.0, ('mul#1', 'add#1', 'x', 'y', 'z'))

Forward runs in topological order; backward from the output seeded with 1 (a non-scalar output
is seeded with ones, the gradient of its sum, and the trace says so), visiting the nodes in
:func:`app.graph.schedule.backward_order`. Where a value feeds several nodes its gradient is the
sum of what flows back along each edge, added in forward edge order: the seed's
dE_total/dh1 = dE_o1/dh1 + dE_o2/dh1. Both passes are loops, never recursion. Each node's rule
is applied by :func:`app.graph.ops.gate_backward`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from app.graph.finite import check_edge, check_gradient, check_value
from app.graph.ir import Graph
from app.graph.ops import REGISTRY, Array, gate_backward
from app.graph.schedule import backward_order, structure, uses
from app.graph.trace import EdgeSink, Trace


def forward(graph: Graph, leaves: Mapping[str, Array]) -> dict[str, Array]:
    """Every node's value, in topological order (the leaves' given in ``leaves``)."""
    values = dict(leaves)
    with np.errstate(all="ignore"):
        for node in graph.nodes:
            if node.id in values:
                continue
            op = REGISTRY[node.op]
            ins = [values[i] for i in node.inputs]
            out = op.forward(ins, op.bind(node.params))
            check_value(graph, node, ins, out)
            values[node.id] = out
    return values


def backward(graph: Graph, values: Mapping[str, Array]) -> Trace:
    """Gradients of the output (or of its sum) with respect to every node that needs one."""
    s = structure(graph)
    nodes, ins, live = graph.nodes, s.ins, s.live
    order = backward_order(s)
    out = values[graph.output]
    leaving = uses(s)
    start = s.start.tolist()
    carried: list[Array | None] = [None] * len(s.source)  # what flows back along each edge
    sink = EdgeSink(len(s.source))
    grads: dict[str, Array] = {}
    with np.errstate(all="ignore"):
        for i in order:
            node = nodes[i]
            if i == s.output:
                g = np.ones_like(out)
            else:
                # the sum of what its users sent back, in forward edge order; a new array,
                # never +=, so that every edge keeps its own contribution
                first, *rest = leaving[i]
                g = carried[first]  # type: ignore[assignment]
                for e in rest:
                    g = g + carried[e]  # type: ignore[operator]
                check_gradient(graph, node, g, len(leaving[i]))
            grads[node.id] = g
            if not ins[i]:
                continue
            node_ins = [values[k] for k in node.inputs]
            r = gate_backward(REGISTRY[node.op], g, node_ins, values[node.id], node.params)
            for e, j, local, down in zip(range(start[i], start[i + 1]), ins[i], r.local,
                                         r.downstream, strict=True):
                if live[j]:
                    check_edge(graph, node, e - start[i], node_ins, g, local, down)
                    carried[e] = down
                    sink.put(e, local, down)
                else:
                    sink.put(e, local, None)
    return Trace(graph, values, grads, sink.finish(s), tuple(nodes[i].id for i in order),
                 seeded_with_ones=out.ndim > 0)
