"""An explicit graph, as JSON data, -> graph IR.

    >>> g = build_graph({"nodes": [{"id": "a", "op": "input"},
    ...                            {"id": "k", "op": "const", "value": 2},
    ...                            {"id": "b", "op": "mul", "inputs": ["a", "k"]}],
    ...                  "output": "b"})
    >>> [(n.id, n.op, n.inputs) for n in g.nodes]
    [('a', 'input', ()), ('k', 'const', ()), ('b', 'mul', ('a', 'k'))]

The API has checked the JSON types with pydantic already; this still checks everything it
relies on, since other callers (tests, the CLI, examples) hand it plain dicts. Ids are any
text of 1 to 100 characters: ``"<img src=x onerror=alert(1)>"`` or ``"__proto__"`` are just
data here (the page must escape them, as it escapes everything). Each refusal is a
``GraphError(kind="graph", node=<id>)``; duplicate ids, missing inputs, self-loops and cycles
are left to :func:`app.graph.ir.make_graph`, which reports them the same way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from app.graph.ir import LEAF_OPS, Graph, GraphError, Node, make_graph
from app.graph.ops import REGISTRY

__all__ = ["MAX_NODES", "build_graph"]

MAX_NODES = 20_000
MAX_ID = 100
MAX_INPUTS = 64  # per node, as the API schema allows
_KEYS = frozenset({"id", "op", "inputs", "value", "params", "label"})

ConstValue = float | tuple[float, ...] | tuple[tuple[float, ...], ...]


def build_graph(spec: Mapping[str, object], max_nodes: int = MAX_NODES) -> Graph:
    """Check an explicit graph ``{"nodes": [...], "output": id}`` and build it."""
    if not isinstance(spec, Mapping):
        raise GraphError("a graph is an object with 'nodes' and 'output'")
    items = spec.get("nodes")
    if not _is_list(items):
        raise GraphError("'nodes' must be a list of node objects")
    assert isinstance(items, Sequence)  # for mypy: _is_list checked it
    if not items:
        raise GraphError("'nodes' is empty: a graph needs at least one node")
    if len(items) > max_nodes:
        raise GraphError(f"the graph has {len(items)} nodes; the limit is {max_nodes}",
                         kind="limit")
    output = spec.get("output")
    if not isinstance(output, str):
        raise GraphError("'output' must be the id of a node")
    nodes = [_node(item, i) for i, item in enumerate(items)]
    return make_graph(nodes, output)


def _is_list(x: object) -> bool:
    return isinstance(x, Sequence) and not isinstance(x, str | bytes | bytearray)


def _node(item: object, index: int) -> Node:
    if not isinstance(item, Mapping):
        raise GraphError(f"node {index + 1} must be an object with 'id' and 'op'")
    nid = item.get("id")
    if not isinstance(nid, str) or not 1 <= len(nid) <= MAX_ID:
        raise GraphError(f"node {index + 1}: 'id' must be text of 1 to {MAX_ID} characters")
    unknown = sorted(str(k) for k in item if k not in _KEYS)
    if unknown:
        raise GraphError(f"node {nid!r}: unknown field {unknown[0]!r}; allowed fields: "
                         + ", ".join(sorted(_KEYS)), nid)
    opname = item.get("op")
    if not isinstance(opname, str) or (opname not in LEAF_OPS and opname not in REGISTRY):
        shown = repr(opname) if isinstance(opname, str) else "missing or not text"
        raise GraphError(f"node {nid!r}: unknown op {shown}; allowed ops: input, const, "
                         + ", ".join(sorted(REGISTRY)), nid)
    inputs = item.get("inputs", ())
    if inputs is None:
        inputs = ()
    if not _is_list(inputs) or not all(isinstance(s, str) for s in inputs):
        raise GraphError(f"node {nid!r}: 'inputs' must be a list of node ids", nid)
    assert isinstance(inputs, Sequence)
    if len(inputs) > MAX_INPUTS:
        raise GraphError(f"node {nid!r} has {len(inputs)} inputs; at most {MAX_INPUTS}", nid,
                         kind="limit")
    label = item.get("label")
    if label is not None and (not isinstance(label, str) or len(label) > MAX_ID):
        raise GraphError(f"node {nid!r}: 'label' must be text of at most {MAX_ID} characters",
                         nid)
    value = item.get("value")
    if value is not None and opname != "const":
        raise GraphError(f"node {nid!r}: only a const node takes a 'value'", nid)
    raw_params = item.get("params") or {}
    if opname in LEAF_OPS:
        if inputs:
            raise GraphError(f"node {nid!r}: {_article(opname)} node takes no inputs", nid)
        if raw_params:
            raise GraphError(f"node {nid!r}: {_article(opname)} node takes no params", nid)
        if opname == "input":
            return Node(nid, "input", label=label if label is not None else nid, named=True)
        const = MappingProxyType({"value": _const_value(value, nid)})
        return Node(nid, "const", (), const, label=label, named=True)
    op = REGISTRY[opname]
    op.check_arity(len(inputs), nid)
    params = _params(raw_params, opname, nid)
    return Node(nid, opname, tuple(inputs), params, label=label, named=True)


def _params(raw: object, opname: str, nid: str) -> Mapping[str, object]:
    allowed = REGISTRY[opname].params or {}
    if not isinstance(raw, Mapping):
        raise GraphError(f"node {nid!r}: 'params' must be an object of numbers", nid)
    out: dict[str, object] = {}
    for key, v in raw.items():
        if key not in allowed:
            takes = ("takes no params" if not allowed
                     else "takes only " + ", ".join(sorted(allowed)))
            raise GraphError(f"node {nid!r}: unknown param {str(key)!r}; {opname} {takes}", nid)
        if not _is_number(v):
            raise GraphError(f"node {nid!r}: param {key!r} must be a finite number", nid)
        out[key] = float(v)
    return MappingProxyType(out)


def _is_number(v: object) -> bool:
    # bool is an int subclass: true must not pass for 1
    return type(v) in (int, float) and math.isfinite(v)  # type: ignore[arg-type]


def _const_value(value: object, nid: str) -> ConstValue:
    """A number, a list of numbers or a list of equal-length lists, all finite, as floats."""
    bad = GraphError(f"node {nid!r}: a const node needs a 'value': a finite number, a list of "
                     "numbers or a list of lists of numbers of equal lengths", nid)
    if _is_number(value):
        return float(value)  # type: ignore[arg-type]
    if not _is_list(value) or not value:
        raise bad
    assert isinstance(value, Sequence)
    if all(_is_number(v) for v in value):
        return tuple(float(v) for v in value)
    rows = []
    for row in value:
        if not _is_list(row) or not row or not all(_is_number(v) for v in row):
            raise bad
        rows.append(tuple(float(v) for v in row))
    if len({len(r) for r in rows}) != 1:
        raise bad
    return tuple(rows)


def _article(opname: str) -> str:
    return f"an {opname}" if opname[0] in "aeiou" else f"a {opname}"
