"""Finiteness checks, cheap for the scalars most graphs are made of, and the errors they raise.

A value or a gradient that is NaN or infinite cannot be shown or trusted. The executors check
every value as it is computed, and every gradient flowing back along an edge, so the error
names the node where the problem STARTS, its op and its inputs' values:

- its value is not finite ("exp(x) at x = 1000: its value is infinite");
- a local derivative is not finite ("√(x) at x = 0: its derivative 1/(2√x) is infinite");
- upstream times a finite local derivative overflows, or the sum of what a node's users send
  back does ("the gradient of x overflows: ...").

Each is a GraphError of kind "numeric" whose ``node`` is that node's id (for the page to show
it); the message names it as a learner does (app.graph.names), never by an id such as pow#1.
"""

from __future__ import annotations

import math

import numpy as np

from app.graph.ir import Graph, GraphError, Node
from app.graph.names import fill, formula, operand_name
from app.graph.ops import REGISTRY, Array, Ins, conventions_at

SMALL = 64  # arrays up to this size are checked element by element in Python


def is_finite(arr: Array) -> bool:
    # math.isfinite on a lone float is ~20x cheaper than a numpy reduction: most nodes of the
    # graphs people draw are scalars, and most of the others are small (~4x cheaper).
    if arr.size == 1:
        return math.isfinite(arr.item())
    if arr.size <= SMALL:
        return all(map(math.isfinite, arr.ravel().tolist()))
    return bool(np.isfinite(arr).all())


def _what(arr: Array) -> str:
    return "undefined (NaN)" if np.isnan(arr).any() else "infinite"


def _num(v: float) -> str:
    text = repr(float(v))
    return text[:-2] if text.endswith(".0") else text


def _subject(graph: Graph, node: Node) -> str:
    text = formula(graph, node.id)
    return f"{node.id} = {text}" if node.named and node.op not in ("input", "const") else text


def inputs_at(graph: Graph, node: Node, ins: Ins, spot: Array) -> str:
    """The inputs' values where ``spot`` (a bool array shaped like the output, or a bool) is
    true: "x = 0", "x[1] = 0" (an elementwise op's first such element), or their shapes."""
    names = [operand_name(graph, i) for i in node.inputs]
    at: tuple[int, ...] | None = None
    if np.ndim(spot):
        if not REGISTRY[node.op].elementwise:
            return ", ".join(dict.fromkeys(f"{n} of shape {list(x.shape)}"
                                           for n, x in zip(names, ins, strict=True)))
        at = tuple(int(i) for i in np.argwhere(spot)[0])
    parts = []
    for src, name, x in zip(node.inputs, names, ins, strict=True):
        if graph.node(src).op == "const" and x.ndim == 0:
            continue  # a number is its own value
        if at is None or x.ndim == 0:
            parts.append(f"{name} = {_num(x.item()) if x.size == 1 else list(x.shape)}")
        else:
            v = np.broadcast_to(x, np.shape(spot))[at]
            index = ", ".join(map(str, at[len(at) - x.ndim:]))
            name = name if name.isidentifier() else f"({name})"
            parts.append(f"{name}[{index}] = {_num(v)}")
    return ", ".join(dict.fromkeys(parts))


def _why(node: Node, ins: Ins) -> str:
    op = REGISTRY[node.op]
    rules = [c.rule for c in conventions_at(op, ins, node.params)]
    return f" ({'; '.join(rules)})" if rules else ""


def check_value(graph: Graph, node: Node, ins: Ins, out: Array) -> None:
    """GraphError if ``out``, the value of ``node`` from the finite ``ins``, is not finite."""
    if not is_finite(out):
        spot = inputs_at(graph, node, ins, ~np.isfinite(out))
        raise GraphError(f"{_subject(graph, node)} at {spot}: its value is {_what(out)}"
                         f"{_why(node, ins)}", node.id, kind="numeric")


def check_edge(
    graph: Graph, node: Node, slot: int, ins: Ins, upstream: Array, local: Array | None,
    down: Array,
) -> None:
    """GraphError if ``down``, what flows back along input ``slot`` of ``node`` for the finite
    ``upstream``, is not finite: the local derivative is infinite or undefined there, or the
    product overflows."""
    if is_finite(down):
        return
    op = REGISTRY[node.op]
    names = [operand_name(graph, i) for i in node.inputs]
    if local is not None and not is_finite(local):
        wrt = f" in {names[slot]}" if len(set(node.inputs)) > 1 else ""
        d = fill(op.dtext[min(slot, len(op.dtext) - 1)], names) if op.dtext else ""
        d = f", {d}," if d and wrt else f" {d}" if d else ""
        what = _what(local)
        why = _why(node, ins) if what != "infinite" else ""
        spot = inputs_at(graph, node, ins, ~np.isfinite(local))
        raise GraphError(f"{_subject(graph, node)} at {spot}: its "
                         f"derivative{wrt}{d} is {what}{why}", node.id, kind="numeric")
    detail = (f" (the upstream gradient {_num(upstream.item())} times the local derivative "
              f"{_num(local.item())})" if local is not None and local.size == 1
              and upstream.size == 1 else "")
    what = _what(down)
    why = (": beyond float64's range" if what == "infinite"
           else ": an intermediate result overflowed float64")
    raise GraphError(f"{_subject(graph, node)}: the gradient flowing back to {names[slot]} is "
                     f"{what}{detail}{why}", node.id, kind="numeric")


def check_gradient(graph: Graph, node: Node, g: Array, uses: int) -> None:
    """GraphError if ``g``, the sum of the ``uses`` finite gradients sent back to ``node``, is
    not finite (it overflowed)."""
    if not is_finite(g):
        raise GraphError(f"the gradient of {operand_name(graph, node.id)} is {_what(g)}: the sum "
                         f"of the {uses} gradients its uses send back is beyond float64's range",
                         node.id, kind="numeric")
