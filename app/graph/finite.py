"""Finiteness checks, cheap for the scalars most graphs are made of, and the errors they raise.

A value or a gradient that is NaN or infinite cannot be shown or trusted: the executors check
every node's and stop at the first, naming it.
"""

from __future__ import annotations

import math

import numpy as np

from app.graph.ir import Graph, GraphError, Node
from app.graph.names import display_name
from app.graph.ops import Array

SMALL = 64  # arrays up to this size are checked element by element in Python


def is_finite(arr: Array) -> bool:
    # math.isfinite on a lone float is ~20x cheaper than a numpy reduction: most nodes of the
    # graphs people draw are scalars, and most of the others are small (~4x cheaper).
    if arr.size == 1:
        return math.isfinite(arr.item())
    if arr.size <= SMALL:
        return all(map(math.isfinite, arr.ravel().tolist()))
    return bool(np.isfinite(arr).all())


def check_finite(graph: Graph, node: Node, arr: Array, what: str) -> None:
    """GraphError naming ``node`` if ``arr`` (its value or gradient) is not finite."""
    if not is_finite(arr):
        bad = "NaN" if np.any(np.isnan(arr)) else "infinite"
        raise GraphError(
            f"{display_name(graph, node.id)} ({node.op}): its {what} is {bad} (overflow, or "
            "outside the function's domain)",
            node.id,
        )
