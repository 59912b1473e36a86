"""The animation's structure: depth levels, the backward steps and when each gradient is final.

    >>> from app.builders.expression import parse_expression
    >>> from app.graph.engine import run
    >>> s = schedule(run(parse_expression("q = x + y; f = q * z"), {"x": -2, "y": 5, "z": -4}))
    >>> [(st.node, st.final) for st in s.steps]
    [('f', ['q', 'z', 'f']), ('q', ['x', 'y'])]

Forward: a node's depth is 0 for a leaf, else 1 + its deepest input; level k holds the nodes of
depth k in forward order, and frame k of the forward pass shows levels 0..k.

Backward: one step per node of ``trace.backward_order`` that has inputs (and one for the output,
even a lone leaf), in that order. In its step a node's gradient is complete, and the edges into
it that carry a gradient FIRE: each hands its source its share (upstream × local). A node's
gradient is FINAL in the step in which the last of its carrying out-edges fires (the output's in
step 0): a leaf as soon as its last user has fired, so the seed's w5 is final in the step of the
product w5·h1, long before the pass ends. Every node that gets a gradient is final in exactly
one step, never after its own step.

Edges are numbered as the engine numbers them (app.graph.schedule.structure) and the document
lists them: node by node in forward order, slot by slot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from app.graph.schedule import structure
from app.graph.trace import Trace


@dataclass(frozen=True, slots=True)
class Step:
    node: str
    edges: list[int]  # the edges into ``node`` that carry a gradient, in slot order
    final: list[str]  # the nodes whose gradient becomes final in this step, in forward order


@dataclass(frozen=True, slots=True)
class Schedule:
    pos: Mapping[str, int]  # forward position of each node
    edge_start: Sequence[int]  # first edge index of each node (forward position); one extra
    sources: Sequence[int]  # the source's forward position, per edge
    depth: Sequence[int]
    fan_out: Sequence[int]
    levels: list[list[str]]
    steps: list[Step]
    final_step: Mapping[str, int]
    edge_step: Sequence[int | None]  # the step in which each edge fires (None: carries nothing)
    carries: Sequence[bool]

    def edge(self, target: str, slot: int) -> int:
        return self.edge_start[self.pos[target]] + slot


def schedule(trace: Trace) -> Schedule:
    """The structure of the animation of ``trace`` (see the module doc); O(nodes + edges)."""
    graph = trace.graph
    nodes = graph.nodes
    pos = {n.id: i for i, n in enumerate(nodes)}
    st = structure(graph)  # the engine's edge numbering and who gets a gradient
    start, sources, carries = st.start.tolist(), st.source.tolist(), st.carries.tolist()
    fan_out = np.bincount(st.source, minlength=len(nodes)).tolist()
    users_left = np.bincount(st.source[st.carries], minlength=len(nodes)).tolist()
    depth: list[int] = []
    for ins in st.ins:
        depth.append(1 + max(depth[i] for i in ins) if ins else 0)
    levels: list[list[str]] = [[] for _ in range(max(depth, default=0) + 1)]
    for node, d in zip(nodes, depth, strict=True):
        levels[d].append(node.id)

    steps: list[Step] = []
    final_step: dict[str, int] = {}
    edge_step: list[int | None] = [None] * len(sources)
    for nid in trace.backward_order:
        i = pos[nid]
        if not nodes[i].inputs and nid != graph.output:
            continue
        k = len(steps)
        final = [nid] if nid == graph.output else []
        fired = [e for e in range(start[i], start[i + 1]) if carries[e]]
        for e in fired:
            edge_step[e] = k
            src = sources[e]
            users_left[src] -= 1
            if users_left[src] == 0:
                final.append(nodes[src].id)
        final = sorted(dict.fromkeys(final), key=pos.__getitem__)
        for f in final:
            final_step[f] = k
        steps.append(Step(nid, fired, final))
    return Schedule(pos, start, sources, depth, fan_out, levels, steps, final_step, edge_step,
                    carries)


PHASES = (("step1", ("loss", "output")), ("step2", ("hidden",)))


def phases(trace: Trace, steps: Sequence[Step]) -> list[dict[str, int | str]]:
    """The seed's two steps of a network, from its nodes' groups: step1 = the loss and the
    output layer, step2 = the hidden layers. Runs of steps of one phase, in order; a step whose
    node has no such group extends the run before it. [] for a graph without groups."""
    graph = trace.graph
    out: list[dict[str, int | str]] = []
    for k, step in enumerate(steps):
        group = graph.node(step.node).group or ""
        key = next((name for name, prefixes in PHASES if group.startswith(prefixes)), None)
        if key is None and out:
            key = str(out[-1]["key"])
        if key is None:
            continue
        if out and out[-1]["key"] == key:
            out[-1]["last"] = k
        else:
            out.append({"key": key, "first": k, "last": k})
    return out
