"""The graph IR: plain, ordered, immutable data.

A graph is a tuple of nodes in topological order (every node's inputs come before it) and the id
of its output node. Inputs are an ordered tuple that may repeat an id: ``x * x`` is one ``mul``
node with ``inputs == ("x", "x")`` and so two edges, each carrying its own gradient.

    >>> g = Graph((Node("x", "input"), Node("y", "mul", ("x", "x"))), output="y")
    >>> g.node("y").inputs
    ('x', 'x')

Builders (expression text, graph JSON, networks) produce this; the engine consumes it. Nothing
here knows about numpy values, HTTP or JSON.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

# Leaf ops: they have no inputs and no registry entry. An "input" takes its value from the
# request's values (its id is the variable's name); a "const" carries its value in params.
LEAF_OPS = frozenset({"input", "const"})

_EMPTY: Mapping[str, object] = MappingProxyType({})


class GraphError(ValueError):
    """A graph that cannot be built or evaluated.

    ``node`` names the culprit node when there is one; ``line`` and ``column`` (1-based) point
    into the expression text when the error is in it, ``field`` into the request
    ("values.z"); ``kind`` says which stage refused it ("expression", "graph", "limit",
    "value", "numeric"...), for the API's error body.
    """

    def __init__(
        self,
        message: str,
        node: str | None = None,
        *,
        line: int | None = None,
        column: int | None = None,
        kind: str = "graph",
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.node = node
        self.line = line
        self.column = column
        self.kind = kind
        self.field = field

    def __reduce__(self) -> tuple[object, ...]:
        # Keep every field when the error crosses a process boundary (worker pools pickle it).
        return (_rebuild_error,
                (self.message, self.node, self.line, self.column, self.kind, self.field))


def _rebuild_error(
    message: str, node: str | None, line: int | None, column: int | None, kind: str,
    field: str | None = None,
) -> GraphError:
    return GraphError(message, node, line=line, column=column, kind=kind, field=field)


@dataclass(frozen=True, slots=True)
class GraphWarning:
    """Something in a request that was accepted but is worth a word: a staged line that does
    not reach the output, a value for a name that is not an input. ``line``/``column`` point
    into the expression, ``field`` into the request ("values.z")."""

    kind: str
    message: str
    line: int | None = None
    column: int | None = None
    field: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "message": self.message, "line": self.line,
                "column": self.column, "field": self.field}


@dataclass(frozen=True, slots=True)
class Node:
    """One vertex: a stable id, an op name, ordered input ids and the op's parameters.

    ``label`` is what the page shows (a variable's name, or None to show the op's symbol);
    ``named`` marks a quantity the user named (a variable, a staged assignment, a network's
    z1/h1/o1...), the stops of a chain-rule derivation; ``role`` is free-form metadata a builder
    attaches (e.g. "weight", "bias", "target") so that the page can style and group nodes.
    """

    id: str
    op: str
    inputs: tuple[str, ...] = ()
    params: Mapping[str, object] = field(default_factory=lambda: _EMPTY)
    label: str | None = None
    named: bool = False
    role: str | None = None
    group: str | None = None


@dataclass(frozen=True, slots=True)
class Graph:
    """Nodes in topological order and the output's id. Build with :func:`make_graph`."""

    nodes: tuple[Node, ...]
    output: str
    _index: Mapping[str, int] = field(
        default_factory=lambda: MappingProxyType({}), repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if not self._index:
            index = MappingProxyType({n.id: i for i, n in enumerate(self.nodes)})
            object.__setattr__(self, "_index", index)

    def node(self, node_id: str) -> Node:
        return self.nodes[self._index[node_id]]

    def index(self, node_id: str) -> int:
        """The node's position in the forward (topological) order."""
        return self._index[node_id]

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._index

    def __len__(self) -> int:
        return len(self.nodes)

    @property
    def leaves(self) -> tuple[Node, ...]:
        return tuple(n for n in self.nodes if n.op in LEAF_OPS)

    @property
    def inputs(self) -> tuple[Node, ...]:
        return tuple(n for n in self.nodes if n.op == "input")


def make_graph(nodes: tuple[Node, ...] | list[Node], output: str) -> Graph:
    """Check ids and references, order the nodes topologically (stable) and build the Graph.

    Raises GraphError naming the node for a duplicate id, a missing input, a self-loop or a
    cycle. The sort is Kahn's algorithm with an explicit queue, so it never recurses, and it keeps
    the given order among nodes that are free to go first (the same request gives the same JSON).
    Nodes that the output does not depend on are dropped: they would get no gradient.
    """
    by_id: dict[str, Node] = {}
    for n in nodes:
        if n.id in by_id:
            raise GraphError(f"duplicate node id {n.id!r}", n.id)
        by_id[n.id] = n
    if output not in by_id:
        raise GraphError(f"output {output!r} is not a node of the graph", output)
    for n in nodes:
        for src in n.inputs:
            if src == n.id:
                raise GraphError(f"node {n.id!r} takes itself as an input (self-loop)", n.id)
            if src not in by_id:
                raise GraphError(f"node {n.id!r} takes input {src!r}, which is not a node", n.id)

    # Keep only what the output depends on (walk backwards with an explicit stack).
    needed = {output}
    stack = [output]
    while stack:
        for src in by_id[stack.pop()].inputs:
            if src not in needed:
                needed.add(src)
                stack.append(src)

    position = {n.id: i for i, n in enumerate(nodes)}
    pending = {nid: len(set(by_id[nid].inputs)) for nid in needed}
    users: dict[str, list[str]] = {nid: [] for nid in needed}
    for nid in needed:
        for src in dict.fromkeys(by_id[nid].inputs):
            users[src].append(nid)
    # A heap keyed by the given position: among the nodes ready to go, the earliest goes first.
    heap = [(position[nid], nid) for nid, k in pending.items() if k == 0]
    ordered: list[Node] = []
    heapq.heapify(heap)
    while heap:
        _, nid = heapq.heappop(heap)
        ordered.append(by_id[nid])
        for user in users[nid]:
            pending[user] -= 1
            if pending[user] == 0:
                heapq.heappush(heap, (position[user], user))
    if len(ordered) != len(needed):
        stuck = sorted((nid for nid, k in pending.items() if k > 0), key=position.__getitem__)
        raise GraphError(f"the graph has a cycle through node {stuck[0]!r}", stuck[0])
    return Graph(tuple(ordered), output)
