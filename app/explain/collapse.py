"""The graph of STOPS: named quantities, with the unnamed gates between them collapsed.

A formula such as z1 = w1 x1 + w2 x2 + b1 is one named node (z1) over unnamed gates (the products
w1*x1 and w2*x2). Between a stop S above and a stop A below, the gates collapse into one LINK
whose factor is dS/dA: the seed's dz1/dw1 = x1. A link may have several CHAINS through its gates
(f = x*x + x: from f to x through the product's two edges and directly, x + x + 1); its factor is
their sum. Every number comes from the engine's VJP, pushed from S through the gates:

- S a scalar: seeded with 1, the VJP arriving at A is dS/dA itself (a number, or for an array A
  the gradient of S with respect to A: 2q for f = sum(q**2));
- S an array: a Jacobian is not shown as a number; the link is a vector-Jacobian product and
  its value is what arrives at A from a given upstream gradient (the seed's grad_W f = 2 q x^T).

Formulas are composed down each chain from the ops' templates: an elementwise op multiplies
by its partial (``\\cdot``, ``\\odot`` on arrays), a Jacobian op's VJP takes the upstream so far
in place of ``\\bar{y}`` (a leading number moves to the front: 2 W^T q, as the seed writes it).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from app.explain import latex
from app.explain.names import Names
from app.explain.schedule import Schedule
from app.explain.templates import UPSTREAM, fill
from app.graph.ir import Node
from app.graph.ops import REGISTRY, VARIADIC, Array, gate_backward
from app.graph.trace import Trace

MAX_CHAINS = 16  # chains written out in one link's formula; beyond, its formula is None
MAX_WORK = 4_096  # gates visited to enumerate one stop's chains
Chain = tuple[tuple[str, int], ...]  # (node id, input slot) from the stop above down
_COEFF = re.compile(r"(-?\d+(?:\.\d+)?)\s*(?:\\,)?\s+(?=[A-Za-z\\{(])(.*)")


@dataclass(frozen=True, slots=True)
class Link:
    """The collapsed edge ``top -> below`` (top uses below, through ``gates``)."""

    top: str
    below: str
    gates: list[str]  # the unnamed nodes between, top-down (backward order)
    edges: list[int]  # the edges used, in index order
    chains: list[Chain] | None  # in the order of the edge leaving ``below``; None: too many


class Collapse:
    """Links between stops for one trace. ``stops``: the named nodes that are stops."""

    def __init__(self, trace: Trace, names: Names, sched: Schedule, stops: Collection[str]):
        self.trace, self.names, self.sched = trace, names, sched
        self.graph = trace.graph
        self.stops = stops
        self._links: dict[str, dict[str, Link]] = {}
        self._locals: dict[str, dict[str, Array]] = {}

    # --- structure ------------------------------------------------------------------------

    def links(self, top: str, stops: Collection[str] | None = None) -> dict[str, Link]:
        """The links from ``top`` to the stops just below it, in the order they enter top's
        formula (inputs left to right). Cached for the default stops."""
        if stops is None and top in self._links:
            return self._links[top]
        stops = self.stops if stops is None else stops
        region, below = self._region(top, stops)
        chains = self._chains(top, region, below)
        pos = self.sched.pos
        # which stops below each node of the region reaches (inputs before users)
        reaches: dict[str, set[str]] = {}
        want = set(below)
        for nid in sorted(region, key=pos.__getitem__):
            r: set[str] = set()
            for i in region[nid].inputs:
                if i in want:
                    r.add(i)
                elif i in reaches:
                    r |= reaches[i]
            reaches[nid] = r
        out: dict[str, Link] = {}
        for a in below:
            way = [n for n in region if a in reaches[n]]  # the gates to ``a``, and top
            gates = sorted((n for n in way if n != top), key=pos.__getitem__, reverse=True)
            edges = sorted(self.sched.edge(n, s) for n in way
                           for s, i in enumerate(region[n].inputs)
                           if i == a or (i in reaches and a in reaches[i]))
            out[a] = Link(top, a, gates, edges, chains.get(a) if chains is not None else None)
        if stops is self.stops:
            self._links[top] = out
        return out

    def _region(self, top: str, stops: Collection[str]) -> tuple[dict[str, Node], list[str]]:
        region: dict[str, Node] = {top: self.graph.node(top)}
        below: dict[str, None] = {}
        stack = [top]
        seen = {top}
        while stack:  # preorder, inputs left to right
            nid = stack.pop()
            if nid in stops and nid != top:
                below[nid] = None
                continue
            for src in reversed(self.graph.node(nid).inputs):
                if src not in seen:
                    seen.add(src)
                    stack.append(src)
                    if src not in stops:
                        region[src] = self.graph.node(src)
        return region, [a for a in below if a in self.trace.grads]

    def _chains(
        self, top: str, region: Mapping[str, Node], below: Sequence[str]
    ) -> dict[str, list[Chain]] | None:
        """Every chain top -> A through the region (a formula has few; a pathological graph,
        x2 = x*x, x4 = x2*x2, ... all unnamed, has exponentially many: None after MAX_WORK)."""
        want = set(below)
        chains: dict[str, list[Chain]] = {}
        stack: list[tuple[str, Chain]] = [(top, ())]
        work = 0
        while stack:
            nid, chain = stack.pop()
            work += 1
            if work > MAX_WORK:
                return None
            for slot in reversed(range(len(region[nid].inputs))):
                src = region[nid].inputs[slot]
                step = (*chain, (nid, slot))
                if src in want:
                    chains.setdefault(src, []).append(step)
                elif src in region and region[src].inputs:
                    stack.append((src, step))
        edge = self.sched.edge
        return {a: sorted(cs, key=lambda c: [edge(n, s) for n, s in reversed(c)])
                for a, cs in chains.items()}

    # --- numbers --------------------------------------------------------------------------

    def downstream(self, node: Node, g: Array) -> tuple[Array, ...]:
        """The engine's one backward rule at ``node``: what each input edge carries for the
        upstream gradient ``g``."""
        values = self.trace.values
        return gate_backward(REGISTRY[node.op], g, [values[i] for i in node.inputs],
                             values[node.id], node.params).downstream

    def push(self, top: str, cot: Array, stops: Collection[str] | None = None) -> dict[str, Array]:
        """Push the upstream gradient ``cot`` of ``top`` through its gates: what arrives at each
        stop just below (summed over the chains)."""
        stops = self.stops if stops is None else stops
        region, below = self._region(top, stops)
        want = set(below)
        cots: dict[str, Array] = {top: cot}
        acc: dict[str, Array] = {}
        with np.errstate(all="ignore"):
            for nid in sorted(region, key=self.sched.pos.__getitem__, reverse=True):
                node, g = region[nid], cots.get(nid)
                if g is None or not node.inputs:
                    continue
                for src, c in zip(node.inputs, self.downstream(node, g), strict=True):
                    into = acc if src in want else cots if src in region else None
                    if into is not None:
                        into[src] = into[src] + c if src in into else np.asarray(c, np.float64)
        return acc

    def local(self, top: str) -> dict[str, Array]:
        """dtop/dA for a scalar ``top`` and every stop A just below it (cached)."""
        if top not in self._locals:
            self._locals[top] = self.push(top, np.ones(()))
        return self._locals[top]

    def chain_value(self, chain: Chain, cot: Array) -> Array:
        g = cot
        with np.errstate(all="ignore"):
            for nid, slot in chain:
                g = np.asarray(self.downstream(self.graph.node(nid), g)[slot], np.float64)
        return g

    # --- formulas -------------------------------------------------------------------------

    def formula(self, link: Link, upstream: str | None = None) -> str | None:
        """The link's factor as LaTeX (the sum over its chains), or None with too many chains.
        ``upstream``: the formula of the gradient arriving at the top, for a VJP."""
        if link.chains is None or len(link.chains) > MAX_CHAINS:
            return None
        parts = [self.compose(c, upstream) for c in link.chains]
        return " + ".join(latex.paren(p) if len(parts) > 1 else p for p in parts) or "1"

    def compose(self, chain: Chain, upstream: str | None = None) -> str:
        """One chain's formula, composed from the top down (see the module doc)."""
        u = upstream  # None stands for 1
        values = self.trace.values
        for nid, slot in chain:
            node = self.graph.node(nid)
            t = self.partial(node, slot)
            scalar = values[nid].ndim == 0
            if UPSTREAM in t:
                u = _substitute(t, u if u is not None else "" if scalar else "\\mathbf{1}")
            elif t != "1":
                u = t if u is None else latex.product([u, t], "\\cdot" if scalar else "\\odot")
            if REGISTRY[node.op].elementwise and u is not None and (
                    values[node.inputs[slot]].shape != values[nid].shape):
                u = f"\\textstyle\\sum {latex.paren(u)}"  # broadcast: summed back
        return u or "1"

    def partial(self, node: Node, slot: int) -> str:
        """The op's local derivative (or VJP) template for one input, with the names."""
        op = REGISTRY[node.op]
        ins, consts = self.names.operands(node)
        return fill(op.dlatex_for(slot), ins, self.names.tex(node.id),
                          variadic=op.arity == VARIADIC, consts=consts, slot=slot)


def _substitute(template: str, upstream: str) -> str:
    """``template`` with the upstream formula in place of \\bar{y}; a leading number of the
    upstream moves to the front (2 W^T q, not W^T 2 q)."""
    coeff = ""
    m = _COEFF.fullmatch(upstream)
    if m:
        coeff, upstream = m[1], m[2]
    i = template.index(UPSTREAM)
    after = template[i + len(UPSTREAM):i + len(UPSTREAM) + 1]
    if upstream and after in ("_", "^") and latex.atom(upstream) != upstream:
        upstream = f"\\left({upstream}\\right)"
    elif upstream and "\\odot" in upstream:
        upstream = f"\\left({upstream}\\right)"  # a Hadamard product inside a matrix product
    elif upstream:
        upstream = latex.paren(upstream)
    out = template.replace(UPSTREAM, upstream)
    out = re.sub(r"^\s*\\,\s*|\s*\\,\s*$", "", re.sub(r"\s+", " ", out)).strip()
    return f"{coeff} {out}".strip() if coeff else out
