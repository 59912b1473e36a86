"""What the REST API is asked for a source and its values: one request, run here or sent.

    >>> request_for("(x + y) * z", {"x": -2, "y": 5, "z": -4})
    ('/api/graph', {'expression': '(x + y) * z', 'values': {'x': -2, 'y': 5, 'z': -4}})
    >>> request_for({"layers": [2, 2, 2], "inputs": [[0.05, 0.1]], "targets": [[0.01, 0.99]]},
    ...             {"w5": 0.4})[1]["params"]
    {'w5': 0.4}

A source is one of the forms the API takes (docs/document.md, the OpenAPI schema at /docs):
an expression or staged program (text); a graph ``{"nodes": [...], "output": id}`` (the
"graph" field of POST /api/graph); a whole /api/graph request (``{"expression": ...}`` or
``{"graph": ...}``, as :attr:`chainrule.Result.request` gives it back); or a network, the
POST /api/network request (``{"layers": ..., "inputs": ..., "targets": ...}``), whose values
are its parameters by name (``w5``, or ``W2`` as a matrix).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

GRAPH = "/api/graph"
NETWORK = "/api/network"

Json = dict[str, Any]


def plain(value: object) -> object:
    """``value`` as JSON data: numpy (or PyTorch) arrays and scalars as numbers and nested
    lists, tuples as lists; everything else as it is, for the API's validation to judge."""
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    tolist = getattr(value, "tolist", None)  # numpy arrays and scalars, torch tensors
    if callable(tolist) and not isinstance(value, str | bytes):
        return plain(tolist())
    return value


def request_for(source: object, values: Mapping[str, object],
                learning_rate: float | None = None) -> tuple[str, Json]:
    """(endpoint, request) for ``source`` (see the module doc) with ``values`` by input name;
    TypeError if ``source`` is none of the API's forms."""
    given = {k: plain(v) for k, v in values.items()}
    rate = {} if learning_rate is None else {"learning_rate": plain(learning_rate)}
    if isinstance(source, str):
        return GRAPH, {"expression": source, "values": given, **rate}
    if isinstance(source, Mapping):
        spec = {str(k): plain(v) for k, v in source.items()}
        if "expression" in spec or "graph" in spec:
            old = spec.get("values")
            merged = {**old, **given} if isinstance(old, dict) else given
            return GRAPH, {**spec, "values": merged, **rate}
        if "nodes" in spec:
            return GRAPH, {"graph": spec, "values": given, **rate}
        if "layers" in spec:
            if given:
                old = spec.get("params")
                spec["params"] = {**old, **given} if isinstance(old, dict) else given
            return NETWORK, {**spec, **rate}
    shown = type(source).__name__
    if isinstance(source, Sequence):
        shown = f"a {shown}"
    raise TypeError(
        f"cannot trace {shown}: give an expression (text), a graph {{'nodes': [...], "
        "'output': id}, a /api/graph request {'expression' or 'graph': ...}, or a network "
        "{'layers': [...], 'inputs': [...], 'targets': [...]}"
    )
