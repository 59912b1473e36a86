"""The trace of one forward and backward pass: what every executor gives and the document reads.

Per node: its value and (if it depends on an input) its gradient, by id. Per edge, in FORWARD
order (edge ``e`` is slot ``e - start[t]`` of node ``t``: the document's edge order): the local
gradient the backward pass computed and the gradient it carried back. The numbers of scalar
edges sit in two float arrays, the arrays of the other edges beside them in two dicts; both
executors fill this one representation through :class:`EdgeSink`.

    >>> from app.builders.expression import parse_expression
    >>> from app.graph.engine import run
    >>> t = run(parse_expression("f = x * y"), {"x": 3.0, "y": -2.0})
    >>> [(e.source, e.slot, float(e.local), float(e.grad)) for e in t.edge_views()]
    [('x', 0, -2.0, -2.0), ('y', 1, 3.0, 3.0)]
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from app.graph.ir import Graph
from app.graph.ops import Array
from app.graph.schedule import BoolArray, IntArray, Structure


@dataclass(frozen=True, slots=True)
class Edges:
    """Every edge's numbers, in forward order (see :class:`app.graph.schedule.Structure`).

    ``traced[e]``: the backward pass computed the edge's local gradient (its target gets a
    gradient); ``carries[e]``: a gradient flowed back along it (its source gets one). A scalar
    local gradient is ``local[e]``, anything else (an array shaped like the target, or None for
    a Jacobian edge with a non-scalar output) is ``local_arrays[e]``; likewise the carried
    gradient, shaped like the source: ``grad[e]`` or ``grad_arrays[e]``.
    """

    start: IntArray
    source: IntArray
    target: IntArray
    traced: BoolArray
    carries: BoolArray
    local: Array
    grad: Array
    local_arrays: Mapping[int, Array | None]
    grad_arrays: Mapping[int, Array]

    def local_of(self, e: int) -> Array | None:
        if not self.traced[e]:
            return None
        if e in self.local_arrays:
            return self.local_arrays[e]
        return self.local[e, ...]

    def grad_of(self, e: int) -> Array | None:
        if not (self.traced[e] and self.carries[e]):
            return None
        if e in self.grad_arrays:
            return self.grad_arrays[e]
        return self.grad[e, ...]


class EdgeSink:
    """Where an executor writes each edge's local and carried gradient as it computes them."""

    __slots__ = ("grad", "grad_arrays", "local", "local_arrays")

    def __init__(self, n_edges: int) -> None:
        self.local = np.zeros(n_edges)
        self.grad = np.zeros(n_edges)
        self.local_arrays: dict[int, Array | None] = {}
        self.grad_arrays: dict[int, Array] = {}

    def put(self, e: int, local: Array | None, grad: Array | None) -> None:
        """One edge: ``grad`` None where the source gets no gradient."""
        if local is not None and local.ndim == 0:
            self.local[e] = local
        else:
            self.local_arrays[e] = local
        if grad is not None:
            if grad.ndim == 0:
                self.grad[e] = grad
            else:
                self.grad_arrays[e] = grad

    def put_scalars(self, edges: IntArray, local: Array, grad: Array) -> None:
        """Many scalar edges at once (``grad`` is ignored where the source gets none)."""
        self.local[edges] = local
        self.grad[edges] = grad

    def finish(self, s: Structure) -> Edges:
        return Edges(s.start, s.source, s.target, s.traced, s.carries, self.local, self.grad,
                     self.local_arrays, self.grad_arrays)


def jsonable(x: Array | None) -> float | Array | None:
    """A float for a 0-d array, a C-contiguous array otherwise (what orjson writes natively)."""
    if x is None:
        return None
    if x.ndim == 0:
        return float(x)
    return np.ascontiguousarray(x, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class EdgeView:
    """One edge, read from :class:`Edges`: source and target ids, the target's input slot."""

    index: int
    source: str
    target: str
    slot: int
    local: Array | None
    grad: Array | None


@dataclass(frozen=True, slots=True)
class Trace:
    graph: Graph
    values: Mapping[str, Array]
    grads: Mapping[str, Array]  # only nodes that depend on an input, in backward_order
    edges: Edges
    backward_order: tuple[str, ...]  # see app.graph.schedule.backward_order
    seeded_with_ones: bool  # the output was not a scalar: its sum was differentiated

    def edge(self, e: int) -> EdgeView:
        t = int(self.edges.target[e])
        node = self.graph.nodes[t]
        slot = e - int(self.edges.start[t])
        return EdgeView(e, node.inputs[slot], node.id, slot, self.edges.local_of(e),
                        self.edges.grad_of(e))

    def edge_index(self, target: str, slot: int) -> int:
        """The index of the edge entering input ``slot`` of node ``target``."""
        return int(self.edges.start[self.graph.index(target)]) + slot

    def edge_views(self) -> Iterator[EdgeView]:
        """Every edge in forward order."""
        return map(self.edge, range(len(self.edges.source)))
