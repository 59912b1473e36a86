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
from app.graph.ops import REGISTRY, Array
from app.graph.trace import Trace, jsonable

Json = dict[str, Any]


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

    The edges' numbers are read from the trace's columns (app.graph.trace.Edges): one
    ``tolist()`` gives every scalar edge's float, then the few array edges are put in. The
    dicts are built in comprehensions: a 10,000-node graph has ~35,000 of them.
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
    e = trace.edges
    local = _floats_or_none(e.local, e.traced & np.isfinite(e.local))
    carried = _floats_or_none(e.grad, e.traced & e.carries)
    for k, loc in e.local_arrays.items():
        local[k] = _local(loc)
    for k, g in e.grad_arrays.items():
        carried[k] = jsonable(g)
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
