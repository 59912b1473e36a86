"""The result document's version-2 fields: names, formulas, per-edge LaTeX and the script.

    doc = add_v2(doc, trace)   # the serializer's document, with everything the page shows

What each field means is docs/design/plan.md's contract ("The result document, version 2").
Per node: name, tex, formula, value_tex, depth, fan_out, final_step. Per edge: local_tex,
chain_tex, step.
And the ``script``: forward levels, the backward steps (app.explain.schedule) each with its
current-step strip (the named quantities, unnamed gates collapsed: app.explain.collapse) and
its narration as message keys (app.explain.narration).

Size keeps this cheap, and the document says which applies: up to TEX_MAX_EDGES edges,
everything; up to SCRIPT_MAX_NODES nodes (what the page draws), everything but the per-edge
LaTeX and the strips (null); beyond, no v2 field at all but ``version`` and a null ``script``:
a graph the page does not draw pays nothing for its animation.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from app.explain import latex
from app.explain.collapse import Collapse, Link
from app.explain.names import Names
from app.explain.narration import Narrator
from app.explain.schedule import Schedule, phases, schedule
from app.graph.trace import Trace

Json = dict[str, Any]
TEX_MAX_EDGES = 2_000
SCRIPT_MAX_NODES = 2_000  # the page's drawing cap (Settings.max_neuron_nodes' default)


def add_v2(doc: Json, trace: Trace) -> Json:
    """``doc`` (trace_to_dict's document of ``trace``) with the v2 fields, version first."""
    limits = {"tex_max_edges": TEX_MAX_EDGES, "script_max_nodes": SCRIPT_MAX_NODES}
    if len(trace.graph) > SCRIPT_MAX_NODES:
        return {"version": 2, **doc, "tex_edges": False, **limits, "script": None}
    sched = schedule(trace)
    names = Names(trace)
    full = len(sched.sources) <= TEX_MAX_EDGES
    final = sched.final_step
    for node, n, depth, fan in zip(trace.graph.nodes, doc["nodes"], sched.depth, sched.fan_out,
                                   strict=True):
        nid = node.id
        n["name"] = names.name(nid)
        n["tex"] = names.tex(nid)
        n["formula"] = names.formula(nid)
        n["value_tex"] = names.with_numbers(nid)
        n["depth"] = depth
        n["fan_out"] = fan
        n["final_step"] = final.get(nid)
    edges = doc["edges"]
    strips = Strips(trace, names, sched, doc) if full else None
    for e, step in zip(edges, sched.edge_step, strict=True):
        e["local_tex"], e["chain_tex"] = strips.edge(e) if strips else (None, None)
        e["step"] = step
    say = Narrator(trace, names, sched, doc)
    script = {
        "start": {"say": say.start()},
        "forward": [{"nodes": level, "say": say.forward(k, level)}
                    for k, level in enumerate(sched.levels)],
        "backward": [{"node": st.node, "edges": st.edges, "final": st.final,
                      "tex": strips.step(k) if strips else None, "say": say.backward(k)}
                     for k, st in enumerate(sched.steps)],
        "done": {"say": say.done()},
        "phases": phases(trace, sched.steps),
    }
    return {"version": 2, **doc, "tex_edges": full, **limits, "script": script}


class Strips:
    """Per-edge LaTeX and the current-step strips, over the graph of named stops."""

    def __init__(self, trace: Trace, names: Names, sched: Schedule, doc: Json) -> None:
        self.trace, self.names, self.sched, self.doc = trace, names, sched, doc
        self.graph = trace.graph
        self.out = self.graph.output
        # the stops: what the user named (an unnamed output is not: 2 * (x * y + max(z, w))
        # is explained gate by gate, as the course does)
        self.named = {n.id for n in self.graph.nodes if n.named}
        self.out_edges: dict[int, list[int]] = {}
        for i, s in enumerate(sched.sources):
            self.out_edges.setdefault(s, []).append(i)
        self.collapse = Collapse(trace, names, sched, self.named)
        self._users: dict[str, list[str]] | None = None

    # --- symbols --------------------------------------------------------------------------

    def d(self, wrt: str, of: str | None = None) -> str:
        """d of / d wrt (of: the output by default); \\nabla for an array wrt."""
        t = self.names.tex
        of_tex = t(of or self.out)
        if self.trace.values[wrt].ndim:
            return latex.nabla(t(wrt), of_tex)
        return latex.frac(of_tex, t(wrt))

    def users(self, a: str) -> list[str]:
        """The named stops just above ``a`` (in forward order)."""
        if self._users is None:
            self._users = {}
            for s in self.graph.nodes:
                if s.id in self.named and s.id in self.trace.grads and s.inputs:
                    for b in self.collapse.links(s.id):
                        self._users.setdefault(b, []).append(s.id)
        return self._users.get(a, [])

    def upstream(self, node: str) -> str | None:
        """The formula of the gradient arriving at ``node`` (None: it is the output's 1): the
        collapsed formula from the output when the output is its only named user (2 q for the
        seed's q), else its symbol."""
        if node == self.out:
            return None
        if node in self.named and self.users(node) == [self.out]:
            formula = self.collapse.formula(self.collapse.links(self.out)[node])
            if formula is not None and len(formula) <= 60:
                return formula
        return self.d(node)

    # --- edges ----------------------------------------------------------------------------

    def edge(self, e: Json) -> tuple[str | None, str | None]:
        """(local_tex, chain_tex) of one document edge."""
        carried = e["grad"]
        if carried is None:
            return None, None
        node = self.graph.node(e["target"])
        src, slot = e["source"], e["slot"]
        up = self.trace.grads[node.id]
        local = e["local_grad"]
        if local is None:  # a Jacobian: the VJP with names, and what it carries
            formula = self.collapse.compose(((node.id, slot),), self.upstream(node.id))
            eq = "=" if self.sched.fan_out[self.sched.pos[src]] == 1 else "\\mathrel{+}="
            return f"{self.d(src)} {eq} {formula} = {latex.value(carried)}", None
        partial = self.collapse.partial(node, slot)
        symbol = self.d_local(node.id, src)
        local_tex = f"{symbol} = {partial} = {latex.value(local)}"
        if partial == latex.value(local):
            local_tex = f"{symbol} = {partial}"
        if np.ndim(up) == 0:
            chain = f"{latex.num(float(up))} \\times {latex.value_term(local)}"
        elif np.shape(carried) == np.shape(up):
            chain = f"{latex.value(up)} \\odot {latex.value(local)}"
        else:
            chain = f"\\textstyle\\sum {latex.value(up)} \\odot {latex.value(local)}"
        return local_tex, f"{chain} = {latex.value(carried)}"

    def d_local(self, top: str, below: str) -> str:
        t = self.names.tex
        if self.trace.values[below].ndim and not self.trace.values[top].ndim:
            return latex.nabla(t(below), t(top))
        return latex.frac(t(top), t(below))

    # --- the current-step strip -----------------------------------------------------------

    def step(self, k: int) -> str | None:
        st = self.sched.steps[k]
        final = [a for a in st.final if a != self.out]
        named = [a for a in final if a in self.named]
        if named:
            lines = [self._named_line(a) for a in named[:2]]
        elif final:
            lines = [self._direct_line(a) for a in final[:2]]
        elif st.node == self.out:
            lines = [f"{self.d(self.out)} = 1"]
        elif st.edges:
            lines = [self._contribution(st.edges[0])]
        else:
            return None
        return " \\qquad ".join(lines)

    def _named_line(self, a: str) -> str:
        """dE/da from its named users, unnamed gates collapsed: the seed's chain rule. From the
        output itself: the collapsed formula and its chains' numbers (x + x + 1 = 3 + 3 + 1)."""
        grads = self.trace.grads
        users = self.users(a)
        if not users:  # only unnamed gates above (2 * (x * y + ...)): gate by gate
            return self._direct_line(a)
        if not all(np.ndim(grads[s]) == 0 for s in [a, *users]):
            parts = []
            for s in users:
                f = self.collapse.formula(self.collapse.links(s)[a], self.upstream(s)
                                          if np.ndim(grads[s]) else None)
                f = f or self.d_local(s, a)
                parts.append(f if s == self.out or np.ndim(grads[s]) else
                             f"{self.d(s)} \\cdot {latex.paren(f)}")
            return f"{self.d(a)} = {' + '.join(parts)} = {latex.value(grads[a])}"
        terms: list[tuple[str, str]] = []
        for k, s in enumerate(users):
            link = self.collapse.links(s)[a]
            chains = self.chain_values(link)
            local = sum(chains)
            first = latex.term if k else latex.num
            if s == self.out:
                formula = self.collapse.formula(link)
                nums = (" + ".join((latex.term if k + j else latex.num)(v)
                                   for j, v in enumerate(chains)) if len(chains) > 1
                        else first(local))
                terms.append((formula or self.d_local(s, a), nums))
            else:
                terms.append((f"{self.d(s)} \\cdot {self.d_local(s, a)}",
                              f"{first(float(grads[s]))} \\times {latex.term(local)}"))
        return self._sum_line(a, terms)

    def chain_values(self, link: Link) -> list[float]:
        """Each chain's factor, scalars all the way: the product of the engine's local
        gradients on its edges (already in the document; in the order of the chains)."""
        edges, sched = self.doc["edges"], self.sched
        if link.chains is not None:
            chains = [[edges[sched.edge(n, slot)]["local_grad"] for n, slot in c]
                      for c in link.chains]
            if all(isinstance(v, float) for c in chains for v in c):
                return [math.prod(c) for c in chains]
        return [float(self.collapse.local(link.top)[link.below])]  # summed over its chains

    def _sum_line(self, a: str, terms: list[tuple[str, str]]) -> str:
        """dE/da = the terms' symbols = their numbers (upstream × local) = the total, each
        part left out where it would only repeat the one before."""
        parts = [self.d(a)]
        for shown in (" + ".join(t[0] for t in terms), " + ".join(t[1] for t in terms),
                      latex.value(self.trace.grads[a])):
            if shown and shown != parts[-1]:
                parts.append(shown)
        return " = ".join(parts)

    def _direct_line(self, a: str) -> str:
        """dE/da from the edges leaving ``a``: upstream × local, gate by gate."""
        edges = self.doc["edges"]
        outs = [edges[i] for i in self.out_edges.get(self.sched.pos[a], [])
                if edges[i]["grad"] is not None]
        if any(np.ndim(e["grad"]) or e["local_grad"] is None for e in outs):
            return f"{self.d(a)} = {latex.value(self.trace.grads[a])}"
        terms: list[tuple[str, str]] = []
        for k, e in enumerate(outs):
            t, local = e["target"], e["local_grad"]
            first = latex.term if k else latex.num
            if t == self.out:
                terms.append((self.d_local(t, a), first(local)))
            else:
                terms.append((f"{self.d(t)} \\cdot {self.d_local(t, a)}",
                              f"{first(float(self.trace.grads[t]))} \\times "
                              f"{latex.term(local)}"))
        return self._sum_line(a, terms)

    def _contribution(self, index: int) -> str:
        """What one edge adds to its source's gradient, before that gradient is complete."""
        e = self.doc["edges"][index]
        src, target = e["source"], e["target"]
        head = f"{self.d(src)} \\mathrel{{+}}= "
        if np.ndim(e["grad"]) or e["local_grad"] is None:
            return head + latex.value(e["grad"])
        return (head + f"{self.d(target)} \\cdot {self.d_local(target, src)} = "
                f"{latex.num(float(self.trace.grads[target]))} \\times "
                f"{latex.term(e['local_grad'])} = {latex.num(e['grad'])}")
