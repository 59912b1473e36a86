"""Starting values for an expression's inputs, shaped to what the expression needs.

    >>> from app.builders.expression import parse_expression
    >>> [(s.id, s.shape) for s in suggest_inputs(parse_expression("sum((W @ x) ** 2)"))]
    [('W', (2, 2)), ('x', (2,))]

A learner who types ``W @ x`` should not have to know, before the first run, that W must be a
matrix and x a vector: an input used as the left operand of ``@`` (or transposed) starts as a
2 x 2 matrix, the right operand of ``@`` as a 2-vector, anything else as a scalar; what an
operand of ``@`` needs passes down through elementwise ops (``(a * W) @ x``: a and W are
matrices, since a scalar would have made the product a scalar). The guess is
then checked with the engine's own shape rules; where it does not fit (``x @ x.T``...), the
input's shape is None and the page asks the learner for a value instead of guessing wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.graph.ir import Graph, GraphError
from app.graph.ops import REGISTRY, Shape
from app.graph.shapes import infer_shapes

MATRIX: Shape = (2, 2)
VECTOR: Shape = (2,)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """An input's id, the shape it needs (None: no guess fits) and a starting value."""

    id: str
    shape: Shape | None
    value: float | list[float] | list[list[float]] | None


def _start(k: int, shape: Shape) -> float | list[float] | list[list[float]]:
    """Small positive whole numbers, distinct across inputs (the k-th input starts at k + 1),
    so that a first run is easy to follow by hand and stays inside log's and sqrt's domains."""
    if shape == ():
        return float(k + 1)
    if len(shape) == 1:
        return [float(k + 1 + i) for i in range(shape[0])]
    return [[float(k + 1 + r * shape[1] + c) for c in range(shape[1])] for r in range(shape[0])]


def suggest_inputs(graph: Graph) -> list[Suggestion]:
    """One suggestion per input node, in the graph's order (see the module docstring)."""
    want: dict[str, Shape] = {}
    for node in reversed(graph.nodes):  # users before their inputs
        for slot, src in enumerate(node.inputs):
            if node.op == "transpose" or (node.op == "matmul" and slot == 0):
                need: Shape = MATRIX
            elif node.op == "matmul":
                need = VECTOR
            elif node.id in want and REGISTRY[node.op].elementwise:
                need = want[node.id]
            else:
                continue
            if len(need) > len(want.get(src, ())):
                want[src] = need
    guess = {node.id: want.get(node.id, ()) for node in graph.inputs}
    try:
        consts = {n.id: _const_shape(n.params.get("value")) for n in graph.leaves
                  if n.op == "const"}
        infer_shapes(graph, {**consts, **guess})
        fits = True
    except GraphError:
        fits = False
    return [Suggestion(i, shape if fits else None, _start(k, shape) if fits else None)
            for k, (i, shape) in enumerate(guess.items())]


def _const_shape(value: object) -> Shape:
    if isinstance(value, list | tuple):
        return (len(value), *_const_shape(value[0])) if value else (0,)
    return ()
