"""Shape inference and the work bound: both run before a single array is allocated.

Every op declares a shape rule; walking the graph once with those rules finds every shape
mismatch (naming the node) and adds up how many float64 elements the forward and backward
passes will touch and how many multiply-adds the matmuls cost. A request over the budget is
refused up front: pure-Python and numpy work holds the GIL, so it could not be stopped later.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from app.graph.ir import LEAF_OPS, Graph, GraphError, Node
from app.graph.names import display_name
from app.graph.ops import REGISTRY, Shape, ShapeError


@dataclass(frozen=True, slots=True)
class Budget:
    """Upper bounds on one evaluation. The defaults keep one request well under a second."""

    max_nodes: int = 20_000
    max_elements: int = 2_000_000  # float64 elements over all node values
    max_flops: int = 50_000_000  # multiply-adds of all matmuls
    max_dim: int = 10_000  # any single axis


def infer_shapes(graph: Graph, leaf_shapes: Mapping[str, Shape]) -> dict[str, Shape]:
    """Shape of every node from the shapes of the leaves; GraphError names the first bad node.

    A shape rule is a function of the op, its parameters and its inputs' shapes: a big graph
    has few distinct such triples (a network's neurons view: scalars all the way), so each is
    worked out once.
    """
    shapes: dict[str, Shape] = {}
    known: dict[tuple[str, tuple[Shape, ...]], Shape] = {}  # for nodes without params
    for node in graph.nodes:
        if node.op in LEAF_OPS:
            if node.id not in leaf_shapes:
                raise GraphError(f"no value given for input {node.id!r}", node.id)
            shapes[node.id] = leaf_shapes[node.id]
            continue
        ins = tuple(map(shapes.__getitem__, node.inputs))
        key = (node.op, ins)
        out = None if node.params else known.get(key)
        if out is None:
            out = _shape(graph, node, ins)
            if not node.params:
                known[key] = out
        shapes[node.id] = out
    return shapes


def _shape(graph: Graph, node: Node, ins: tuple[Shape, ...]) -> Shape:
    op = REGISTRY.get(node.op)
    if op is None:
        raise GraphError(f"node {node.id!r}: unknown op {node.op!r}", node.id)
    op.check_arity(len(ins), node.id)
    try:
        return op.shape(ins, node.params)
    except ShapeError as e:
        raise GraphError(f"{display_name(graph, node.id)} ({node.op}): {e}", node.id) from None


def check_budget(graph: Graph, shapes: Mapping[str, Shape], budget: Budget) -> None:
    """Refuse a graph whose evaluation would exceed the budget, before doing any of it."""
    if len(graph) > budget.max_nodes:
        raise GraphError(
            f"the graph has {len(graph)} nodes; the limit is {budget.max_nodes}", kind="limit"
        )
    elements = 0
    flops = 0
    for node in graph.nodes:
        shape = shapes[node.id]
        if node.op == "matmul":
            a, b = (shapes[i] for i in node.inputs)
            flops += math.prod(a) * (b[-1] if len(b) == 2 else 1)
        if not shape:  # a scalar: most nodes of a big graph
            elements += 1
            continue
        if max(shape) > budget.max_dim:
            raise GraphError(
                f"{display_name(graph, node.id)} has shape {list(shape)}; no axis may exceed "
                f"{budget.max_dim}",
                node.id,
                kind="limit",
            )
        elements += math.prod(shape)
    if elements > budget.max_elements:
        raise GraphError(
            f"the graph holds {elements} values in all; the limit is {budget.max_elements}",
            kind="limit",
        )
    if flops > budget.max_flops:
        raise GraphError(
            f"the matmuls need {flops} multiply-adds; the limit is {budget.max_flops}", kind="limit"
        )
