"""Numerical gradient check: the engine's gradients against central differences, in float64.

For every element of every input leaf, (f(x + h) - f(x - h)) / 2h, with f the output (or its sum
when the output is not a scalar, as the backward pass seeds it). The step h = 1e-6 * max(1, |x|)
balances truncation error O(h^2) against rounding error O(eps / h). Cost: two forward passes per
input element, so the caller bounds ``elements * len(graph)`` first (see :func:`check_cost`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from app.graph.ir import GraphError
from app.graph.ops import Array
from app.graph.sequential import forward
from app.graph.trace import Trace

TINY = 1e-12


@dataclass(frozen=True, slots=True)
class LeafCheck:
    id: str
    analytic: Array
    numeric: Array
    rel_error: float  # max over elements of |a - n| / max(|a|, |n|, TINY)


def check_cost(trace: Trace) -> int:
    """Forward-pass node evaluations a gradient check of this trace would take."""
    elements = sum(trace.values[n.id].size for n in trace.graph.inputs)
    return 2 * elements * len(trace.graph)


def _scalar(values: Mapping[str, Array], output: str) -> float:
    return float(np.sum(values[output]))


def gradcheck(trace: Trace, max_cost: int = 2_000_000) -> list[LeafCheck]:
    """Analytic vs numeric gradient for each input leaf of a traced graph."""
    if check_cost(trace) > max_cost:
        raise GraphError(
            f"a gradient check of this graph would need {check_cost(trace)} node evaluations; "
            f"the limit is {max_cost}",
            kind="limit",
        )
    graph = trace.graph
    leaves = {n.id: trace.values[n.id] for n in graph.leaves}
    checks = []
    for node in graph.inputs:
        x = leaves[node.id]
        numeric = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            h = 1e-6 * max(1.0, abs(float(x[i])))
            shifted = []
            for sign in (1.0, -1.0):
                xs = x.copy()
                xs[i] += sign * h
                try:
                    shifted.append(_scalar(forward(graph, {**leaves, node.id: xs}), graph.output))
                except GraphError:
                    shifted.append(float("nan"))  # the step left the function's domain
            numeric[i] = (shifted[0] - shifted[1]) / (2 * h)
        analytic = trace.grads[node.id]
        with np.errstate(all="ignore"):
            err = np.abs(analytic - numeric) / np.maximum(
                np.maximum(np.abs(analytic), np.abs(numeric)), TINY
            )
        rel = float(np.max(err)) if np.all(np.isfinite(err)) else float("inf")
        checks.append(LeafCheck(node.id, analytic, numeric, rel))
    return checks
