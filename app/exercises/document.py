"""A result document (what /api/graph and /api/network return), read by blank key.

A blank names one number of the document:

- ``value:<node>``: the node's forward value;
- ``grad:<node>``: d output / d node, the node's gradient;
- ``local:<source>-><target>#<slot>``: the edge's local gradient d target / d source;
- ``carried:<source>-><target>#<slot>``: what the edge carries back to the source, the upstream
  gradient of the target times the local gradient (a node's gradient is the sum of these over
  its outgoing edges);
- ``update:<parameter>``: the parameter after one step of gradient descent,
  w+ = w - alpha * dE/dw, as the document's derivation of it gives it (``explain`` with a
  learning rate).

    >>> Key.parse("local:w5->w5*h1#0")
    Key(kind='local', node='w5', target='w5*h1', slot=0)

This module reads only the public document (its nodes, edges and derivations), never the
engine's internals: the exercise's expected values are the engine's numbers as a client sees
them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from app.explain import latex
from app.explain.templates import fill
from app.graph import REGISTRY
from app.graph.ops import VARIADIC, Array

Json = dict[str, Any]
KEY_KINDS = ("value", "grad", "local", "carried", "update")
_EDGE_KINDS = ("local", "carried")


@dataclass(frozen=True, slots=True)
class Key:
    """A parsed blank key: ``node`` is the node, or an edge's source."""

    kind: str
    node: str
    target: str | None = None
    slot: int | None = None

    @classmethod
    def parse(cls, text: str) -> Key:
        """The key's parts; ValueError if it is not one of the forms above."""
        kind, colon, rest = text.partition(":")
        if not colon or kind not in KEY_KINDS or not rest:
            raise ValueError(f"{text!r} is not a blank key (value:, grad:, local:, carried:, "
                             "update:)")
        if kind not in _EDGE_KINDS:
            return cls(kind, rest)
        edge, hash_, slot = rest.rpartition("#")
        source, arrow, target = edge.partition("->")
        if not (hash_ and arrow and source and target and slot.isdigit()):
            raise ValueError(f"{text!r}: an edge key is {kind}:<source>-><target>#<slot>")
        return cls(kind, source, target, int(slot))

    def __str__(self) -> str:
        if self.kind in _EDGE_KINDS:
            return f"{self.kind}:{self.node}->{self.target}#{self.slot}"
        return f"{self.kind}:{self.node}"


def _array(x: object) -> Array:
    return np.asarray(x, dtype=np.float64)


class Document:
    """Indexes over one result document: nodes by id, edges by (source, target, slot) and by
    source (a node's uses, in the document's edge order)."""

    def __init__(self, raw: Json) -> None:
        self.raw = raw
        self.output: str = raw["output"]
        self.backward_order: list[str] = list(raw["backward_order"])
        self.nodes: dict[str, Json] = {n["id"]: n for n in raw["nodes"]}
        self.edges: dict[tuple[str, str, int], Json] = {
            (e["source"], e["target"], e["slot"]): e for e in raw["edges"]}
        self.uses: dict[str, list[Json]] = {}
        for e in raw["edges"]:
            self.uses.setdefault(e["source"], []).append(e)

    def value(self, node: str) -> Array:
        return _array(self.nodes[node]["value"])

    def grad(self, node: str) -> Array | None:
        g = self.nodes[node]["grad"]
        return None if g is None else _array(g)

    def update(self, node: str) -> Json:
        """The derivation's update line of a parameter: {"alpha", "before", "grad", "after"}."""
        found: Json | None = ((self.raw.get("derivations") or {}).get(node) or {}).get("update")
        if found is None:
            raise LookupError(f"the document has no update of {node!r} (explain it with a "
                              "learning rate)")
        return found

    def read(self, key: str) -> Array:
        """The number a blank asks for; LookupError if the document does not have it."""
        k = Key.parse(key)
        if k.kind in _EDGE_KINDS:
            edge = self.edges.get((k.node, k.target or "", k.slot or 0))
            if edge is None:
                raise LookupError(f"{key}: no such edge in the document")
            found = edge["local_grad" if k.kind == "local" else "grad"]
        elif k.node not in self.nodes:
            raise LookupError(f"{key}: no such node in the document")
        elif k.kind == "update":
            found = self.update(k.node)["after"]
        else:
            found = self.nodes[k.node][k.kind]
        if found is None:
            raise LookupError(f"{key}: the document has no number there")
        return _array(found)

    def tex(self, node: str) -> str:
        """The node's LaTeX name, as the document writes it: w_5, E_{total}, 2 (a constant),
        w_5 h_1 (an unnamed gate)."""
        return str(self.nodes[node]["tex"])

    def name(self, node: str) -> str:
        """What prose calls the node: "w5", "the product w5·h1"."""
        return str(self.nodes[node]["name"])

    def formula(self, node: str) -> str:
        """The right side of a gate's forward formula, as the document writes it
        (\\sigma(z_1) = \\frac{1}{1 + e^{-z_1}} for h_1; w_1 x_1 for the product w1·x1)."""
        formula, prefix = str(self.nodes[node]["formula"]), self.tex(node) + " = "
        return formula[len(prefix):] if formula.startswith(prefix) else formula

    def partial(self, edge: Json) -> str:
        """The edge's local derivative (or, for a Jacobian edge, its vector-Jacobian product
        with the upstream gradient written \\bar{y}): the op's template for the slot filled
        with the nodes' names by the document's own renderer (app.explain.templates)."""
        target = self.nodes[edge["target"]]
        op = REGISTRY[target["op"]]
        consts = tuple(float(self.nodes[i]["value"])
                       if self.nodes[i]["op"] == "const" and not self.nodes[i]["shape"]
                       else None for i in target["inputs"])
        return fill(op.dlatex_for(edge["slot"]), [self.tex(i) for i in target["inputs"]],
                    self.tex(target["id"]), variadic=op.arity == VARIADIC,
                    consts=consts if any(c is not None for c in consts) else (),
                    slot=edge["slot"])

    def edge(self, source: str, target: str) -> Json:
        """The first edge from ``source`` into ``target``; LookupError if there is none."""
        for e in self.uses.get(source, []):
            if e["target"] == target:
                return e
        raise LookupError(f"no edge {source} -> {target} in the document")

    def symbol(self, node: str) -> str:
        """d output / d node: a fraction for a scalar node, a nabla for an array."""
        return self.d(self.output, node)

    def d(self, top: str, below: str) -> str:
        """d top / d below: \\nabla_{below} top for an array below a scalar, else a fraction
        (elementwise between arrays)."""
        if self.nodes[below]["shape"] and not self.nodes[top]["shape"]:
            return latex.nabla(self.tex(below), self.tex(top))
        return latex.frac(self.tex(top), self.tex(below))
