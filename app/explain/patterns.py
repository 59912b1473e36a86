"""Tag the edges where one of the course's gate patterns explains the gradient.

The gate's own pattern is a property of the target's op (``Op.gate``: add distributes, mul
swaps, max routes; see app.graph.ops.core.GATES). ``fan-out`` is a property of the source: it
feeds several edges, so its gradient is the sum of what they carry (the seed's
dE_total/dh1 = dE_o1/dh1 + dE_o2/dh1); it is reported in addition to the gate's pattern.
"""

from __future__ import annotations

from collections import Counter

from app.graph.ir import Graph
from app.graph.ops import REGISTRY


def fan_out(graph: Graph) -> Counter[str]:
    """How many edges leave each node (x * x counts twice)."""
    return Counter(src for node in graph.nodes for src in node.inputs)


def edge_patterns(graph: Graph, source: str, target: str, uses: Counter[str]) -> list[str]:
    """The patterns that apply to the edge ``source -> target``, gate first."""
    found = []
    gate = REGISTRY[graph.node(target).op].gate
    if gate:
        found.append(gate)
    if uses[source] > 1:
        found.append("fan-out")
    return found
