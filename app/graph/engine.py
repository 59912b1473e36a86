"""Run a graph: the request's values in, checks before any work, then the executor that fits.

    >>> from app.builders.expression import parse_expression
    >>> t = run(parse_expression("(x + y) * z"), {"x": -2.0, "y": 5.0, "z": -4.0})
    >>> float(t.grads["x"]), float(t.grads["z"])
    (-4.0, 3.0)

Two executors give the very same :class:`app.graph.trace.Trace`, bit for bit: the sequential
passes (:mod:`app.graph.sequential`, one node at a time) and the levelized executor
(:mod:`app.graph.levelized`, which runs the scalar nodes of one depth as one numpy call). A
large graph goes to the levelized executor; whatever it hands back (a graph it does not fit,
every error) goes through the sequential passes.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from app.graph.finite import is_finite
from app.graph.ir import Graph, GraphError, GraphWarning
from app.graph.levelized import levelized
from app.graph.ops import Array
from app.graph.sequential import backward, forward
from app.graph.shapes import Budget, check_budget, infer_shapes
from app.graph.trace import Trace

ValueInput = float | int | list[object] | Array

# Below this many nodes the sequential passes are as quick (the levelized executor's setup is
# a few numpy calls per level).
LEVELIZE_MIN_NODES = 128


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


def check_values(
    graph: Graph, values: Mapping[str, object], assigned: Mapping[str, int] | None = None
) -> list[GraphWarning]:
    """Warnings for values given for names that are not inputs of the graph (they are
    ignored); GraphError (kind "value") for a value given for a name the program computes
    (a node of the graph that is not an input, or a name ``assigned`` on a line: it takes no
    value)."""
    assigned = assigned or {}
    warnings = []
    for name in values:
        if name in graph and graph.node(name).op == "input":
            continue
        if name in assigned or name in graph:
            on = f" (line {assigned[name]})" if name in assigned else ""
            what = "a constant of the graph" if name in graph and graph.node(
                name).op == "const" else f"computed by the program{on}"
            raise GraphError(f"{name!r} is {what}, so it takes no value: remove it from the "
                             "values", name, kind="value", field=f"values.{name}")
        warnings.append(GraphWarning(
            "unused-value", f"a value was given for {name!r}, which is not an input of the "
            "program: it is ignored", field=f"values.{name}"))
    return warnings


def run(
    graph: Graph, values: Mapping[str, ValueInput], budget: Budget | None = None
) -> Trace:
    """Check the values, the shapes and the work bound, then run forward and backward."""
    leaves = leaf_values(graph, values)
    shapes = infer_shapes(graph, {k: v.shape for k, v in leaves.items()})
    check_budget(graph, shapes, budget or Budget())
    if len(graph) >= LEVELIZE_MIN_NODES:
        trace = levelized(graph, leaves, shapes)
        if trace is not None:
            return trace
    return backward(graph, forward(graph, leaves))
