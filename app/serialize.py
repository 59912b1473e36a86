"""Trace -> JSON-ready dict -> bytes. The hot path of every graph response.

orjson writes numpy arrays natively (OPT_SERIALIZE_NUMPY), which is why arrays stay arrays
here: a 10,000-node document is ~1 ms this way against ~100 ms through jsonable_encoder. A scalar
(0-d array) becomes a float, an array nested lists. The engine has already refused non-finite
values and gradients, so the document is always valid JSON; a non-finite LOCAL gradient on an
edge that carries no gradient (d/db a^b at a < 0 into a constant b) is reported as null.
"""

from __future__ import annotations

import gc
import math
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from app.explain.document import add_v2
from app.explain.patterns import edge_patterns, fan_out
from app.graph.engine import Trace
from app.graph.ops import REGISTRY, Array

Json = dict[str, Any]


def jsonable(x: Array | None) -> float | Array | None:
    """A float for a 0-d array, a C-contiguous array otherwise (what orjson can write)."""
    if x is None:
        return None
    if x.ndim == 0:
        return float(x)
    return np.ascontiguousarray(x, dtype=np.float64)


def _local(x: Array | None) -> float | Array | None:
    if x is None:
        return None
    if x.ndim == 0:  # most edges: math.isfinite is ~50x cheaper than np.all(np.isfinite())
        v = float(x)
        return v if math.isfinite(v) else None
    return jsonable(x) if np.all(np.isfinite(x)) else None


def _floats_or_none(x: Array, keep: npt.NDArray[np.bool_]) -> list[float | Array | None]:
    """Python floats where ``keep``, None elsewhere."""
    out = x.astype(object)
    out[~keep] = None
    return out.tolist()  # type: ignore[no-any-return]


def trace_to_dict(trace: Trace) -> Json:
    """The result document (see _document), built with the cyclic garbage collector paused.

    The document is tens of thousands of small acyclic dicts and lists: with the collector on,
    building it triggers collections that walk every live object again and again (~40% of the
    time for a 10,000-node graph). Nothing here can make a cycle, so nothing is lost.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        return add_v2(_document(trace), trace)  # the v2 fields: names, LaTeX, the script
    finally:
        if paused:
            gc.enable()


def _document(trace: Trace) -> Json:
    """The result document: nodes, edges (in forward order), both orders.

    A trace of the levelized executor carries its edges as columns (trace.columns), read here
    directly: one ``tolist()`` gives every scalar edge's float, where going through EdgeTrace
    objects costs a few microseconds per edge. Both ways write the same document. The dicts are
    built in comprehensions: a 10,000-node graph has ~35,000 of them.
    """
    graph = trace.graph
    values, grads = trace.values, trace.grads
    uses = fan_out(graph)
    symbols = {name: op.symbol for name, op in REGISTRY.items()}
    ids = [node.id for node in graph.nodes]
    nodes = [
        {
            "id": node.id,
            "op": node.op,
            "label": node.label if node.label is not None else symbols.get(node.op, node.id),
            "named": node.named,
            "role": node.role,
            "group": node.group,
            "inputs": list(node.inputs),
            "params": {k: v for k, v in node.params.items() if k != "value"}
            if node.params else {},
            "shape": list(value.shape),
            "value": float(value) if value.ndim == 0 else jsonable(value),
            "grad": None if grad is None else float(grad) if grad.ndim == 0 else jsonable(grad),
        }
        for node, value, grad in zip(graph.nodes, map(values.__getitem__, ids),
                                     map(grads.get, ids), strict=True)
    ]
    # edge_patterns depends on the target's op and on whether the source fans out: one call
    # for each such pair (the document shares the list, it is only written out)
    multi = {src: k > 1 for src, k in uses.items()}
    found = {(node.op, multi[src]): (src, node.id)
             for node in graph.nodes for src in node.inputs}
    patterns: dict[str, list[list[str]]] = {op: [[], []] for op, _ in found}
    for (op, fans), (src, target) in found.items():
        patterns[op][fans] = edge_patterns(graph, src, target, uses)
    local: list[float | Array | None]
    carried: list[float | Array | None]
    cols = trace.columns
    if cols is None:
        by_edge = {(e.target, e.slot): e for e in trace.edges}
        local, carried = [], []
        for node in graph.nodes:
            for slot in range(len(node.inputs)):
                t = by_edge.get((node.id, slot))
                local.append(_local(t.local) if t else None)
                carried.append(jsonable(t.grad) if t else None)
    else:
        local = _floats_or_none(cols.local, cols.traced & np.isfinite(cols.local))
        carried = _floats_or_none(cols.grad, cols.traced & cols.carries)
        for e, (loc, g) in cols.objects.items():  # the edges of nodes that ran alone
            local[e], carried[e] = _local(loc), jsonable(g)
    next_local, next_carried = iter(local).__next__, iter(carried).__next__
    edges = [
        {
            "source": src,
            "target": node.id,
            "slot": slot,
            "local_grad": next_local(),
            "grad": next_carried(),
            "patterns": patterns[node.op][multi[src]],
        }
        for node in graph.nodes for slot, src in enumerate(node.inputs)
    ]
    return {
        "output": graph.output,
        "seeded_with_ones": trace.seeded_with_ones,
        "nodes": nodes,
        "edges": edges,
        "forward_order": ids,
        "backward_order": list(trace.backward_order),
    }


def dumps(doc: Json) -> bytes:
    return orjson.dumps(doc, option=orjson.OPT_SERIALIZE_NUMPY)
