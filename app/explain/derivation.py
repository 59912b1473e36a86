"""Chain-rule derivations the seed's way: a chain of named stops, factored at shared nodes.

    >>> from app.builders.expression import parse_expression
    >>> from app.graph.engine import run
    >>> program = "h = sigmoid(w1 * x); a = h * w2; b = h * w3; E = a + b"
    >>> trace = run(parse_expression(program), {"w1": 0.5, "x": 1, "w2": 2, "w3": -1})
    >>> d = derivations(trace, ["w1"], learning_rate=0.5)["w1"]
    >>> [line["node"] for line in d["lines"]]  # w1's chain stops at h: a and b use it
    ['w1', 'h']
    >>> print(d["lines"][0]["tex"].split(" = ")[1])
    \\frac{\\partial E}{\\partial h} \\cdot \\frac{\\partial h}{\\partial w_1}

The seed's step 2 writes dE/dw1 = dE/dh1 · dh1/dz1 · dz1/dw1 and then, because h1 feeds both
outputs, dE/dh1 = dE_o1/dh1 + dE_o2/dh1, each term a product of its factors. So does this: the
asked node's LINE climbs from the node through its users while each stop has ONE user (a chain
of factors); at a SHARED stop (several users: h1) it stops, with that stop's gradient as the
first factor, and the shared stop gets a line of its own: the sum over its users of (the chain
above that user) · (the user's local factor). w5's line is the seed's 3-factor step 1. The
expanded sum over every path ("show all paths") is there too, counted by dynamic programming
and listed up to ``max_paths``.

Stops and links are those of app.explain.collapse, with one more rule: a loss node other than
the output is collapsed too, so the seed's first factor is dE_total/do1 = -(target_o1 - o1), with
E_o1 inside; a term through E_o1 is named dE_o1/dh1, as the seed names it, when dE_total/dE_o1
is exactly 1. Every number is the engine's VJP (app.explain.collapse); ``total`` is always the
engine's gradient. Each factor says at which backward step it has been used (its last edge has
fired) and which gates it spans, so the page can follow the animation and light the gates.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from app.explain import latex
from app.explain.collapse import Link
from app.explain.factors import Products, product_tex
from app.graph.ir import GraphError
from app.graph.ops import Array
from app.graph.trace import Trace, jsonable

Json = dict[str, Any]
MAX_LINES = 32  # lines of one derivation (shared stops derived); beyond, "lines_truncated"
MAX_LATEX_PATHS = 8


class Deriver(Products):
    """Derivations over one trace (links and local factors shared between the names asked)."""

    def _below(self, target: str) -> tuple[dict[str, dict[str, Link]], dict[str, list[str]]]:
        """Links between the stops that lie on a way from the output to ``target``, and each
        stop's users (in forward order)."""
        reach = {target}
        for node in self.graph.nodes:  # everything that depends on the target
            if any(i in reach for i in node.inputs):
                reach.add(node.id)
        stops = None if target in self.collapse.stops else {*self.collapse.stops, target}
        below: dict[str, dict[str, Link]] = {}
        todo = [self.out] if self.out in reach else []
        while todo:
            s = todo.pop()
            if s != target and s not in below:
                below[s] = {a: k for a, k in self.collapse.links(s, stops).items() if a in reach}
                todo.extend(below[s])
        users: dict[str, list[str]] = {}
        for s in sorted(below, key=self.sched.pos.__getitem__):
            for a in below[s]:
                users.setdefault(a, []).append(s)
        return below, users

    # --- lines: the seed's factoring at shared stops -----------------------------------------

    def lines(self, target: str, below: dict[str, dict[str, Link]],
              users: dict[str, list[str]]) -> tuple[list[Json], bool]:
        out: list[Json] = []
        queue = [target]
        while queue and len(out) < MAX_LINES:
            s = queue.pop(0)
            terms = []
            for u in users.get(s, []):
                path = [u]
                while path[-1] != self.out and len(users[path[-1]]) == 1:
                    path.append(users[path[-1]][0])
                top = path[-1]
                start = None if top == self.out else top
                if start is not None and start not in queue and all(
                        line["node"] != start for line in out) and start != s:
                    queue.append(start)
                links = [below[path[i]][path[i - 1]] for i in range(len(path) - 1, 0, -1)]
                links.append(below[u][s])
                factors, cot = self.product(links, start)
                terms.append(self._term(s, u, links, factors, cot, len(users[s]) > 1))
            out.append(self._line(s, terms))
        return out, bool(queue)

    def _term(self, s: str, u: str, links: Sequence[Link], factors: list[Json], cot: Array,
              in_sum: bool) -> Json:
        symbol = self.grad_symbol(self.out, s)
        if in_sum:
            symbol = self._term_symbol(s, u, links)
        steps = [f["step"] for f in factors if f["step"] is not None]
        return {"symbol": symbol, "via": u, "factors": factors, "value": jsonable(cot),
                "value_tex": latex.value(cot), "step": max(steps, default=None),
                "tex": product_tex(symbol, factors, cot)}

    def _term_symbol(self, s: str, u: str, links: Sequence[Link]) -> str:
        """The seed's dE_o1/dh1: the one loss node collapsed in the first link, when the
        output's derivative with respect to it is exactly 1; else dE/du · du/ds."""
        grads = self.trace.grads
        if links[0].top == self.out:
            losses = [g for g in links[0].gates if self.graph.node(g).role == "loss"]
            if len(losses) == 1 and float(np.max(np.abs(grads[losses[0]] - 1.0))) == 0.0:
                return self.grad_symbol(losses[0], s)
        return f"{self.grad_symbol(self.out, u)} {self.grad_symbol(u, s)}"

    def _line(self, s: str, terms: list[Json]) -> Json:
        grad = self.trace.grads[s]
        symbol = self.grad_symbol(self.out, s)
        if len(terms) == 1:
            tex = terms[0]["tex"]
        elif not terms:
            tex = f"{symbol} = 1"
        else:
            tex = f"{symbol} = " + " + ".join(t["symbol"] for t in terms)
            if all(np.ndim(t["value"]) == 0 for t in terms):
                tex += " = " + " + ".join(latex.term(t["value"]) if k else latex.num(t["value"])
                                          for k, t in enumerate(terms))
            tex += f" = {latex.value(grad)}"
        return {"node": s, "symbol": symbol, "value": jsonable(grad),
                "value_tex": latex.value(grad), "step": self.sched.final_step.get(s),
                "terms": terms, "tex": tex}


def _paths(d: Deriver, target: str, below: dict[str, dict[str, Link]],
           max_paths: int) -> tuple[list[Json], int]:
    """Every path from the output down to ``target`` (the first ``max_paths``), and their
    number (dynamic programming over the stops, inputs before users)."""
    count = {target: 1}
    for s in sorted(below, key=d.sched.pos.__getitem__):
        count[s] = sum(count[a] for a in below[s])
    n_paths = count.get(d.out, 0)
    paths: list[Json] = []
    stack: list[tuple[str, tuple[Link, ...]]] = [(d.out, ())] if n_paths else []
    while stack and len(paths) < max_paths:
        s, links = stack.pop()
        if s == target:
            factors, cot = d.product(links, None)
            nodes = [d.out, *(n for k in links for n in (*k.gates, k.below))]
            paths.append({"stops": [d.out, *(k.below for k in links)], "nodes": nodes,
                          "factors": factors,
                          "product": jsonable(cot), "product_tex": latex.value(cot)})
            continue
        stack.extend((a, (*links, k)) for a, k in reversed(below[s].items()))
    return paths, n_paths


def _update(d: Deriver, name: str, symbol: str, alpha: float) -> Json:
    before, grad = d.trace.values[name], d.trace.grads[name]
    after = before - alpha * grad
    lhs = d.names.tex(name)
    lhs = f"{{{lhs}}}" if "^" in lhs else lhs
    tex = f"{lhs}^+ = {lhs} - \\alpha {symbol}"  # α is reserved for the learning rate
    if before.ndim == 0:
        tex += (f" = {latex.num(float(before))} - {latex.num(alpha)} \\cdot "
                f"{latex.term(float(grad))} = {latex.num(float(after))}")
    else:
        tex += f" = {latex.value(after)}"
    return {"alpha": alpha, "before": jsonable(before), "grad": jsonable(grad),
            "after": jsonable(after), "latex": tex}


def _aligned(rows: Sequence[str]) -> str:
    """Rows as one aligned block at their first "=" (rows that are blocks themselves spliced)."""
    flat: list[str] = []
    for r in rows:
        if r.startswith("\\begin{aligned}"):
            flat.extend(r[len("\\begin{aligned}"):-len("\\end{aligned}")].split(" \\\\ "))
        else:
            flat.append(r)
    rows = flat
    return "\\begin{aligned}" + " \\\\ ".join(
        r if "&=" in r or "\\begin{aligned}" in r else f"&{r}" if r.startswith("= ")
        else r.replace(" = ", " &= ", 1) for r in rows) + "\\end{aligned}"


def _paths_latex(symbol: str, paths: Sequence[Json], more: bool) -> str:
    shown = paths[:MAX_LATEX_PATHS]
    if any(f["vjp"] for p in shown for f in p["factors"]):  # arrays: each path's VJP lines
        return _aligned([f["tex"] for p in shown for f in p["factors"]])
    tail = " + \\dots" if more or len(paths) > len(shown) else ""
    rows = [f"{symbol} = " + (" + ".join(" ".join(f["symbol"] for f in p["factors"]) or "1"
                                         for p in shown) + tail or "0")]
    if all(np.ndim(p["product"]) == 0 for p in shown) and any(p["factors"] for p in shown):
        rows.append("= " + " + ".join(
            " \\cdot ".join(latex.term(f["value"]) if k or i else latex.num(f["value"])
                             for k, f in enumerate(p["factors"])) or "1"
            for i, p in enumerate(shown)) + tail)
    return _aligned(rows)


def _derive(d: Deriver, name: str, alpha: float | None, max_paths: int) -> Json:
    symbol = d.grad_symbol(d.out, name)
    grad = d.trace.grads.get(name)
    base = {"node": name, "tex": d.names.tex(name), "latex_name": d.names.tex(name),
            "symbol": symbol, "total": jsonable(grad),
            "total_tex": None if grad is None else latex.value(grad),
            "step": d.sched.final_step.get(name)}
    if grad is None:  # a constant: nothing reaches it
        return {**base, "lines": [], "lines_truncated": False, "path_count": 0,
                "paths_truncated": False, "paths": [], "update": None,
                "latex": f"{symbol} \\text{{: none}}", "paths_latex": ""}
    below, users = d._below(name)
    lines, cut = d.lines(name, below, users)
    paths, n_paths = _paths(d, name, below, max_paths)
    update = _update(d, name, symbol, alpha) if alpha is not None else None
    rows = [line["tex"] for line in lines] + ([update["latex"]] if update else [])
    return {**base, "lines": lines, "lines_truncated": cut, "path_count": n_paths,
            "paths_truncated": n_paths > len(paths), "paths": paths, "update": update,
            "latex": _aligned(rows),
            "paths_latex": _paths_latex(symbol, paths, n_paths > len(paths))}


def derivations(
    trace: Trace, names: Sequence[str], learning_rate: float | None, max_paths: int = 64
) -> dict[str, Json]:
    """The derivation of d output / d node for each node id in ``names`` (see the module doc
    and docs/design/plan.md, "Derivations"). GraphError(kind="explain") for an unknown id."""
    deriver = Deriver(trace)
    out: dict[str, Json] = {}
    for name in names:
        if name not in trace.graph:
            raise GraphError(f"cannot explain {name!r}: it is not a node of the graph", name,
                             kind="explain")
        out[name] = _derive(deriver, name, learning_rate, max_paths)
    return out
