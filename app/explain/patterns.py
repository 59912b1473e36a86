"""Tag the edges where one of the course's gate patterns explains the gradient.

- ``add-distributes``: an add gate passes the upstream gradient unchanged to every input;
- ``mul-swaps``: a mul gate gives each input the upstream gradient times the OTHER input;
- ``max-routes``: a max (min) gate routes the whole gradient to the larger (smaller) input,
  the other input gets 0;
- ``fan-out``: the source feeds several edges, so its gradient is the sum of what they carry
  (the seed's dE_total/dh1 = dE_o1/dh1 + dE_o2/dh1). This one is a property of the source and
  is reported in addition to the gate's own pattern.
"""

from __future__ import annotations

from collections import Counter

from app.graph.ir import Graph

GATE_PATTERNS = {
    "add": "add-distributes",
    "mul": "mul-swaps",
    "max": "max-routes",
    "min": "max-routes",
    "relu": "max-routes",
    "maxout": "max-routes",
}


def fan_out(graph: Graph) -> Counter[str]:
    """How many edges leave each node (x * x counts twice)."""
    return Counter(src for node in graph.nodes for src in node.inputs)


def edge_patterns(graph: Graph, source: str, target: str, uses: Counter[str]) -> list[str]:
    """The patterns that apply to the edge ``source -> target``, gate first."""
    found = []
    gate = GATE_PATTERNS.get(graph.node(target).op)
    if gate:
        found.append(gate)
    if uses[source] > 1:
        found.append("fan-out")
    return found
