"""Numerical gradient check: the engine's gradients against central differences, in float64.

For every element of every input leaf, (f(x + h) - f(x - h)) / 2h, with f the output (or its sum
when the output is not a scalar, as the backward pass seeds it). The step h = 1e-6 * max(1, |x|)
balances truncation error O(h^2) against rounding error O(eps / h). Cost: two forward passes per
input element, so the caller bounds ``elements * len(graph)`` first (see :func:`check_cost`).

Each leaf gets a status:

- "ok": every element agrees to TOLERANCE (relative);
- "bad": an element does not, and nothing explains it: a wrong gradient;
- "inconclusive": every disagreeing element is at a point where the function is not
  differentiable (a piecewise op exactly at its kink: relu at 0, a tie of max, a zero hinge
  margin), or within the step h of one (the pieces differ between x - h, x and x + h), or a
  step leaves the function's domain. There the engine's value is the op's documented convention
  (relu'(0) = 0) and a central difference measures something else (0.5): no verdict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from app.graph.finite import inputs_at
from app.graph.ir import Graph, GraphError
from app.graph.names import formula
from app.graph.ops import REGISTRY, Array
from app.graph.sequential import forward
from app.graph.trace import Trace

TINY = 1e-12
TOLERANCE = 1e-4  # the largest relative error a check calls "ok"


@dataclass(frozen=True, slots=True)
class LeafCheck:
    id: str
    analytic: Array
    numeric: Array
    rel_error: float  # max over elements of |a - n| / max(|a|, |n|, TINY); inf: a step failed
    status: str  # "ok", "bad" or "inconclusive"
    reason: str | None  # why, where the status is not "ok"


def check_cost(trace: Trace) -> int:
    """Forward-pass node evaluations a gradient check of this trace would take."""
    elements = sum(trace.values[n.id].size for n in trace.graph.inputs)
    return 2 * elements * len(trace.graph)


def _pieces(graph: Graph, values: Mapping[str, Array]) -> dict[str, Array]:
    """For each piecewise node, which piece its inputs are on (0: exactly at a kink)."""
    out = {}
    with np.errstate(all="ignore"):
        for node in graph.nodes:
            op = REGISTRY.get(node.op)
            if op is not None and op.piece is not None:
                ins = [values[i] for i in node.inputs]
                out[node.id] = np.asarray(op.piece(ins, op.bind(node.params)))
    return out


def _downstream(graph: Graph, leaf: str) -> set[str]:
    """The nodes whose value depends on ``leaf``."""
    reach = {leaf}
    for node in graph.nodes:
        if any(i in reach for i in node.inputs):
            reach.add(node.id)
    return reach


def _kink(
    trace: Trace, at: Mapping[str, Array], sides: list[dict[str, Array]], reach: set[str]
) -> str | None:
    """The first piecewise node that depends on the leaf and is at a kink at x, or whose piece
    differs at x +- h."""
    graph = trace.graph
    for nid, piece in at.items():
        if nid not in reach:
            continue
        node = graph.node(nid)
        if np.any(piece == 0):
            ins = [trace.values[i] for i in node.inputs]
            return f"{formula(graph, nid)} at {inputs_at(graph, node, ins, piece == 0)}"
        if any(nid in s and not np.array_equal(s[nid], piece) for s in sides):
            return f"{formula(graph, nid)} changes pieces within the step"
    return None


def gradcheck(trace: Trace, max_cost: int = 2_000_000) -> list[LeafCheck]:
    """Analytic vs numeric gradient for each input leaf of a traced graph, with a status."""
    if check_cost(trace) > max_cost:
        raise GraphError(
            f"a gradient check of this graph would need {check_cost(trace)} node evaluations; "
            f"the limit is {max_cost}",
            kind="limit",
        )
    graph = trace.graph
    leaves = {n.id: trace.values[n.id] for n in graph.leaves}
    at = _pieces(graph, trace.values)
    checks = []
    for node in graph.inputs:
        x = leaves[node.id]
        reach = _downstream(graph, node.id)
        analytic = trace.grads[node.id]
        numeric = np.zeros_like(x)
        rel = 0.0
        verdicts: list[tuple[str, str | None]] = []
        for i in np.ndindex(x.shape):
            h = 1e-6 * max(1.0, abs(float(x[i])))
            shifted, sides = [], []
            for sign in (1.0, -1.0):
                xs = x.copy()
                xs[i] += sign * h
                try:
                    values = forward(graph, {**leaves, node.id: xs})
                except GraphError:
                    shifted.append(float("nan"))  # the step left the function's domain
                    continue
                shifted.append(float(np.sum(values[graph.output])))
                sides.append(_pieces(graph, values))
            numeric[i] = (shifted[0] - shifted[1]) / (2 * h)
            a, n = float(analytic[i]), float(numeric[i])
            err = abs(a - n) / max(abs(a), abs(n), TINY) if np.isfinite(n) else float("inf")
            rel = max(rel, err)
            if not np.isfinite(n):
                verdicts.append(("inconclusive", f"a step of {h:g} from {node.id} leaves the "
                                 "function's domain"))
            elif err > TOLERANCE:
                kink = _kink(trace, at, sides, reach)
                verdicts.append(("inconclusive", f"{node.id} is at a point where the function "
                                 f"is not differentiable: {kink}") if kink else ("bad", None))
        status, reason = _combine(verdicts)
        checks.append(LeafCheck(node.id, analytic, numeric, rel, status, reason))
    return checks


def _combine(verdicts: list[tuple[str, str | None]]) -> tuple[str, str | None]:
    """A leaf's status from its elements': any "bad" wins, then "inconclusive", else "ok"."""
    for status in ("bad", "inconclusive"):
        for s, reason in verdicts:
            if s == status:
                return status, reason or ("the engine's gradient and the central difference "
                                          f"disagree beyond {TOLERANCE:g} (relative)")
    return "ok", None
