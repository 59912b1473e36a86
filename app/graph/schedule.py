"""The structure both executors walk: edges as index arrays, who needs a gradient, and the
order of the backward pass. Graph only: no values.

    >>> from app.graph.ir import Node, make_graph
    >>> g = make_graph([Node("x", "input"), Node("y", "input"), Node("p", "mul", ("x", "y")),
    ...                 Node("f", "add", ("p", "x"))], "f")
    >>> s = structure(g)
    >>> s.start.tolist(), s.source.tolist()   # edge e: slot e - start[t] of node t
    ([0, 0, 0, 2, 4], [0, 1, 2, 0])
    >>> [g.nodes[i].id for i in backward_order(s)]   # x, where two paths meet, waits for y
    ['f', 'p', 'y', 'x']
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
import numpy.typing as npt

from app.graph.ir import Graph

IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Structure:
    """A graph's nodes by index (their topological = forward position) and its edges in FORWARD
    order: node by node, slot by slot. Edge ``e`` enters slot ``e - start[target[e]]`` of node
    ``target[e]`` from node ``source[e]``; this is the document's edge order."""

    ins: Sequence[tuple[int, ...]]  # the input indices of each node
    start: IntArray  # first edge of each node; len(nodes) + 1 entries
    source: IntArray  # node index of each edge's source
    target: IntArray  # node index of each edge's target
    live: tuple[bool, ...]  # the node depends on an input: it gets a gradient
    output: int

    @property
    def traced(self) -> BoolArray:
        """Per edge: its target gets a gradient, so the backward pass computes its local
        gradient."""
        return np.asarray(self.live, dtype=bool)[self.target]

    @property
    def carries(self) -> BoolArray:
        """Per edge: its source gets a gradient, so a gradient flows back along it."""
        return np.asarray(self.live, dtype=bool)[self.source]


def structure(graph: Graph) -> Structure:
    """The index form of ``graph`` (see :class:`Structure`).

    Only nodes that depend on an "input" get a gradient: constants are data, and a gradient for
    them could be undefined (d/db a^b at a < 0) without meaning anything to the learner.
    """
    nodes = graph.nodes
    n = len(nodes)
    get = {node.id: i for i, node in enumerate(nodes)}.__getitem__
    ins = [tuple(map(get, node.inputs)) for node in nodes]
    counts = np.fromiter(map(len, ins), dtype=np.intp, count=n)
    start = np.zeros(n + 1, dtype=np.intp)
    np.cumsum(counts, out=start[1:])
    source = np.fromiter(chain.from_iterable(ins), dtype=np.intp, count=int(start[-1]))
    target = np.repeat(np.arange(n, dtype=np.intp), counts)
    live = [node.op == "input" for node in nodes]
    for i, js in enumerate(ins):
        for j in js:
            if live[j]:
                live[i] = True
                break
    return Structure(ins, start, source, target, tuple(live), get(graph.output))


def backward_order(s: Structure) -> list[int]:
    """The nodes that get a gradient, in the order the backward pass completes them.

    A node is ready when every node that uses it has been processed (its gradient, the sum of
    what they send back, is then complete). Among the ready nodes, one that a single edge
    leaves (the gradient reached it along one path) goes before one where paths meet
    (fan-out), and otherwise the one EARLIEST in the forward order goes first. So a branch is
    followed to its end and a junction waits until every branch is: from the output of the
    seed's network this gives E_total, E_o1, o1, z3, its products and w5, w6, then the o2 branch
    (w7, w8) and the shared b2 (step 1), then h1 (its two paths summed), its branch down to w1,
    w2, then h2 and w3, w4 (step 2). Earliest-first alone would start on h1 as soon as w7*h1 is
    done, before w8*h2 (h1 comes before the o2 products in the forward order).

    Every user of a node that needs a gradient needs one too, so counting the edges that leave
    each node is enough to know when it is ready.
    """
    if not s.live[s.output]:
        return []
    n = len(s.ins)
    leaving = np.bincount(s.source, minlength=n)
    # the heap's key: the forward position, plus n where paths meet (an int compares fastest)
    key = (np.arange(n) + n * (leaving > 1)).tolist()
    leaving[~np.asarray(s.live, dtype=bool)] = -1  # never ready: no gradient
    count = leaving.tolist()
    ins = s.ins
    heap = [key[s.output]]
    order: list[int] = []
    pop, push, append = heapq.heappop, heapq.heappush, order.append
    while heap:
        i = pop(heap)
        i = i - n if i >= n else i
        append(i)
        for j in ins[i]:
            count[j] -= 1
            if not count[j]:
                push(heap, key[j])
    return order


def uses(s: Structure) -> list[Sequence[int]]:
    """For each node, the edges that leave it, in forward order: its gradient is the sum of the
    gradients they carry back, added in this order."""
    by_source = np.argsort(s.source, kind="stable")
    bounds = np.searchsorted(s.source[by_source], np.arange(len(s.ins) + 1))
    flat = by_source.tolist()
    b = bounds.tolist()
    return [flat[b[i]:b[i + 1]] for i in range(len(s.ins))]
