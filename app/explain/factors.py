"""Factors of a chain rule: the links between stops, multiplied top-down with the engine's VJP.

A product starts from the output (gradient 1) or from a shared stop's gradient, and multiplies
link after link (app.explain.collapse): where the stop above is a scalar, each factor is the
local derivative d above / d below, a number (or, below an array, a gradient such as 2q); where
it is an array, the factor is a vector-Jacobian product, its value the gradient that reaches
the stop below and its formula the op's VJP with the upstream written in (2 q x^T). Every factor
says at which backward step it has been used and which gates it spans.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from app.explain import latex
from app.explain.collapse import Collapse, Link
from app.explain.names import Names
from app.explain.schedule import Schedule, schedule
from app.graph.ops import REGISTRY, Array, conventions_at
from app.graph.trace import Trace, jsonable

Json = dict[str, Any]
MAX_INLINE_UPSTREAM = 60  # an upstream formula longer than this is written by its symbol


class Products:
    """Products of factors over one trace (links and local factors shared between uses)."""

    def __init__(self, trace: Trace, names: Names | None = None, sched: Schedule | None = None):
        self.trace, self.graph = trace, trace.graph
        self.names = names or Names(trace)
        self.sched = sched or schedule(trace)
        self.out = self.graph.output
        stops = {n.id for n in self.graph.nodes
                 if n.id == self.out or (n.named and n.role != "loss")}
        self.collapse = Collapse(trace, self.names, self.sched, stops)
        self._formulas: dict[tuple[str, str, bool], str | None] = {}

    # --- symbols ----------------------------------------------------------------------------

    def grad_symbol(self, of: str, wrt: str) -> str:
        """d of / d wrt; the gradient \\nabla_{wrt} of for an array wrt."""
        t = self.names.tex
        if self.trace.values[wrt].ndim:
            return latex.nabla(t(wrt), t(of))
        return latex.frac(t(of), t(wrt))

    # --- the collapsed graph of one target --------------------------------------------------

    # --- products of factors ------------------------------------------------------------------

    def product(self, links: Sequence[Link], start: str | None) -> tuple[list[Json], Array]:
        """The factors of ``start``'s gradient (None: the output, gradient 1) times the links,
        top-down, and the gradient they carry to the last link's stop (see collapse)."""
        values, grads = self.trace.values, self.trace.grads
        factors: list[Json] = []
        if start is None:
            cot, running = np.ones_like(values[self.out]), None
        else:
            cot, running = grads[start], self.grad_symbol(self.out, start)
            factors.append({"kind": "gradient", "node": start, "symbol": running,
                            "formula": None, "value": jsonable(cot), "vjp": False,
                            "value_tex": latex.value(cot),
                            "step": self.sched.final_step.get(start),
                            "tex": f"{running} = {latex.value(cot)}"})
        for link in links:
            factor, cot, running = self._factor(link, cot, running)
            factors.append(factor)
        return factors, cot

    def _factor(self, link: Link, cot: Array, running: str | None) -> tuple[Json, Array, str]:
        top, a = link.top, link.below
        c = self.collapse
        vjp = self.trace.values[top].ndim > 0
        if vjp:  # an array above: the VJP of the upstream gradient
            up = running if running is None or len(running) <= MAX_INLINE_UPSTREAM else (
                self.grad_symbol(self.out, top))
            formula = c.formula(link, up)
            val = c.push(top, cot, self._stops(a)).get(a, np.zeros_like(self.trace.values[a]))
            symbol, new_cot = self.grad_symbol(self.out, a), val
            new_running = formula or symbol
        else:
            key = (top, a, a in c.stops)
            if key not in self._formulas:
                self._formulas[key] = c.formula(link)
            formula = self._formulas[key]
            found = c.local(top).get(a) if a in c.stops else c.push(
                top, np.ones(()), self._stops(a)).get(a)
            assert found is not None
            val = found
            symbol, new_cot = self.grad_symbol(top, a), cot * val
            scalar = val.ndim == 0
            new_running = latex.product([running, formula or symbol] if running else
                                        [formula or symbol], "\\cdot" if scalar else "\\odot")
        chains: list[Json] | None = None
        chain_values: list[Array] = []
        if link.chains and len(link.chains) > 1:
            seed = cot if vjp else np.ones(())
            chain_values = [c.chain_value(ch, seed) for ch in link.chains]
            chains = [{"formula": c.compose(ch, running if vjp else None), "value": jsonable(v),
                       "value_tex": latex.value(v), "gates": [n for n, _ in ch if n != top]}
                      for ch, v in zip(link.chains, chain_values, strict=True)]
        steps = [s for e in link.edges if (s := self.sched.edge_step[e]) is not None]
        shown = [symbol]
        if formula is not None and formula != latex.value(val):
            shown.append(formula)
        if chain_values:
            shown.append(" + ".join(latex.value_term(v) if k else latex.value(v)
                                    for k, v in enumerate(chain_values)))
        shown.append(latex.value(val))
        factor = {"kind": "local", "from": top, "to": a, "symbol": symbol, "formula": formula,
                  "value": jsonable(val), "value_tex": latex.value(val), "vjp": vjp,
                  "step": max(steps, default=None), "gates": link.gates, "edges": link.edges,
                  "chains": chains, "notes": self.notes(link),
                  "tex": " = ".join(shown)}
        return factor, new_cot, new_running

    def notes(self, link: Link) -> list[Json]:
        """The conventions of the link's ops that apply at their inputs here (a kink, a tie,
        0 ** 0: app.graph.ops.conventions_at), so that the card says which value was taken."""
        values, out = self.trace.values, []
        for nid in (link.top, *link.gates):
            node = self.graph.node(nid)
            if not node.inputs:
                continue
            op = REGISTRY[node.op]
            for c in conventions_at(op, [values[i] for i in node.inputs], node.params):
                out.append({"node": nid, "op": op.name, "where": c.where, "rule": c.rule})
        return out

    def _stops(self, target: str) -> set[str] | None:
        return None if target in self.collapse.stops else {*self.collapse.stops, target}


def product_tex(symbol: str, factors: Sequence[Json], value: Array) -> str:
    """symbol = the factors' symbols = their formulas = their numbers = the value (scalars), or
    one aligned line per factor (arrays: each a VJP with its value)."""
    if not factors:
        return f"{symbol} = 1"
    if len(factors) == 1 and factors[0]["symbol"] == symbol:
        return str(factors[0]["tex"])
    if any(f["vjp"] or np.ndim(f["value"]) for f in factors):
        rows = [f["tex"].replace(" = ", " &= ", 1) for f in factors]
        return "\\begin{aligned}" + " \\\\ ".join(rows) + "\\end{aligned}"
    parts = [f"{symbol} = " + " \\cdot ".join(f["symbol"] for f in factors)]
    formulas = [f["formula"] or f["symbol"] for f in factors]
    if formulas != [f["symbol"] for f in factors]:
        parts.append(latex.product(formulas) if len(formulas) > 1 else formulas[0])
    if len(factors) > 1:
        parts.append(" \\times ".join(latex.term(f["value"]) if k else latex.num(f["value"])
                                      for k, f in enumerate(factors)))
    parts.append(latex.value(value))
    return " = ".join(parts)
