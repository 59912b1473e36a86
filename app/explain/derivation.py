"""Chain-rule derivations: every path from the output to a node, factor by factor, as the seed.

    >>> d = derivations(trace, ["w5"], learning_rate=0.5)["w5"]
    >>> [f["symbol"] for f in d["paths"][0]["factors"]]
    ['\\frac{\\partial E_{total}}{\\partial o_1}', '\\frac{\\partial o_1}{\\partial z_3}',
     '\\frac{\\partial z_3}{\\partial w_5}']

The STOPS of a derivation are the named nodes (node.named: variables, z1, h1, o1...), the output
and the node asked about. Unnamed nodes are the inside of a formula (the products w1*x1 inside
z1 = w1 x1 + w2 x2 + b1) and are collapsed: the factor between two consecutive stops S (above)
and A (below) is dS/dA through the unnamed nodes between them, i.e. the product of the local
derivatives along each unnamed chain, summed over the chains (one chain in a network).
Rule for losses: a node with role "loss" other than the output is collapsed too, so the seed's
first factor is dE_total/do1 = -(target_o1 - o1), with E_o1 inside it, as the seed writes it.

A path is a sequence of stops from the output to the node; the node's gradient is the SUM over
paths of the product of their factors (the seed's dE_total/dh1 = dE_o1/dh1 + dE_o2/dh1). Paths
are counted first (dynamic programming over the stops) and at most ``max_paths`` are listed
(``paths_truncated``); ``total`` is always the engine's gradient. Factor values are exact for a
scalar upper stop S (a backward pass seeded with 1 at S through its formula, with the registry's
rules); where S is a tensor (the layers view) the Jacobian is not a number and the value is null,
the formula and ``total`` still given. Formulas fill each op's dlatex template (#0, #1: inputs,
#y: output) with the nodes' LaTeX names; a stack's component i is written (...)_i.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from app.graph.ir import GraphError, Node
from app.graph.ops import REGISTRY, VARIADIC, Array, gate_backward
from app.graph.trace import Trace, jsonable

Json = dict[str, Any]
MAX_CHAINS = 16  # unnamed chains summed in one factor's formula; beyond, the formula is null
MAX_WORK = 4_096  # unnamed nodes visited to enumerate one stop's chains
MAX_LATEX_PATHS = 8
_GREEK_TEXT = ("alpha beta gamma delta epsilon eta theta lambda mu nu xi pi rho sigma tau phi chi "
               "psi omega Gamma Delta Theta Lambda Pi Sigma Phi Psi Omega")
GREEK = frozenset(_GREEK_TEXT.split(" "))
_TEXT_ESC = {"\\": "\\textbackslash{}", "{": "\\{", "}": "\\}", "$": "\\$", "&": "\\&",
             "#": "\\#", "^": "\\textasciicircum{}", "_": "\\_", "%": "\\%",
             "~": "\\textasciitilde{}"}
_NAME = re.compile(r"([A-Za-z]+)(\d*)(?:_([A-Za-z0-9_]+))?")


def latex_name(node_id: str) -> str:
    """w5 -> w_5, E_total -> E_{total}, E_o1 -> E_{o_1}, h1_2 -> h_{1,2}, h1@2 -> h_1^{(2)}
    (sample 2), alpha -> \\alpha; anything else -> \\text{...} with LaTeX's specials escaped."""
    base, at, sample = node_id.partition("@")
    if at and sample.isdigit() and _NAME.fullmatch(base):
        return f"{_name(base)}^{{({sample})}}"
    return _name(node_id) if _NAME.fullmatch(node_id) else _text(node_id)


def _name(s: str) -> str:
    m = _NAME.fullmatch(s)
    assert m is not None
    word, digits, rest = m.groups()
    head = f"\\{word}" if word in GREEK else word
    if rest is None:
        if not digits:
            return head
        return f"{head}_{digits}" if len(digits) == 1 else f"{head}_{{{digits}}}"  # w_{12}
    if rest.isdigit():
        return f"{head}_{{{digits},{rest}}}" if digits else f"{head}_{{{rest}}}"
    sub = _name(rest) if _NAME.fullmatch(rest) else _text(rest)
    return f"{head}_{{{digits + ',' if digits else ''}{sub}}}"


def _text(s: str) -> str:
    return "\\text{" + "".join(_TEXT_ESC.get(ch, ch) for ch in s) + "}"


def fmt(v: float) -> str:
    """A number for a derivation line: 10 decimals, or scientific when tiny or huge."""
    if v == 0:
        return "0"
    if 1e-4 <= abs(v) < 1e7:
        return f"{v:.10f}".rstrip("0").rstrip(".")
    mant, exp = f"{v:.6e}".split("e")
    return f"{mant.rstrip('0').rstrip('.')} \\times 10^{{{int(exp)}}}"


def _paren(s: str) -> str:
    """Parenthesize a factor with a top-level + or binary -, or a leading minus."""
    depth = 0
    for ch in s:
        depth += 1 if ch in "({[" else -1 if ch in ")}]" else 0
        if depth == 0 and ch in "+-":
            return f"\\left({s}\\right)"
    return s


def _product(factors: Sequence[str]) -> str:
    kept = [f for f in factors if f != "1"]
    if "0" in kept:
        return "0"
    if not kept:
        return "1"
    return kept[0] if len(kept) == 1 else " \\cdot ".join(_paren(f) for f in kept)


def _frac(top: str, bottom: str) -> str:
    return f"\\frac{{\\partial {top}}}{{\\partial {bottom}}}"


class _Deriver:
    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        self.graph = trace.graph
        self.pos = {n.id: i for i, n in enumerate(self.graph.nodes)}
        self._expr: dict[str, str] = {}
        self._named_stops = {n.id for n in self.graph.nodes
                             if n.id == self.graph.output or (n.named and n.role != "loss")}
        self._factors: dict[str, dict[str, Json]] = {}

    def factors_to(self, top: str, target: str, reach: set[str]) -> dict[str, Json]:
        """The factors below ``top`` on the way to ``target``. A factor dS/dA does not depend
        on the target, so with a named target they are computed once per stop and shared."""
        if target not in self._named_stops:  # an unnamed node is a stop for its own derivation
            return self.factors(top, reach, self._named_stops | {target})
        if top not in self._factors:
            self._factors[top] = self.factors(top, None, self._named_stops)
        return {a: f for a, f in self._factors[top].items() if a in reach}

    # --- LaTeX of nodes and edges -------------------------------------------------------------

    def tex(self, node_id: str) -> str:
        """A named node or leaf by its name, a constant by its value, else its formula."""
        if node_id in self._expr:
            return self._expr[node_id]
        node = self.graph.node(node_id)
        value = self.trace.values[node_id]
        if node.named or node.op == "input" or node.op not in REGISTRY:
            out = latex_name(node_id)
        elif node.op == "const":
            out = fmt(float(value)) if value.ndim == 0 else latex_name(node_id)
        else:
            out = self._fill(REGISTRY[node.op].latex, node)
            out = out if len(out) <= 160 else latex_name(node_id)
        self._expr[node_id] = out
        return out

    def _fill(self, template: str, node: Node) -> str:
        ins = [self.tex(i) for i in node.inputs]
        if REGISTRY[node.op].arity == VARIADIC and "#0" in template and "#1" in template:
            # a variadic op's template shows two inputs: repeat its separator for all of them
            a, b = template.index("#0"), template.index("#1")
            sep = template[a + 2:b]
            template = template[:a] + sep.join(f"#{k}" for k in range(len(ins))) + template[b + 2:]

        def name(m: re.Match[str]) -> str:
            if m[1] != "y" and int(m[1]) >= len(ins):
                return m[0]
            tex = self.tex(node.id) if m[1] == "y" else ins[int(m[1])]
            # o_1^{(2)} before a template's ^2, Z_1 before _{2j}: brace it (no double script)
            after = template[m.end():m.end() + 1]
            return f"{{{tex}}}" if after in ("^", "_") and ("^" in tex or "_" in tex) else tex

        return re.sub(r"#(\d+|y)", name, template)

    def _chain_formula(self, chain: Sequence[tuple[Node, int]]) -> str:
        acc: list[str] = []
        for k, (node, slot) in enumerate(chain):
            if node.op == "stack":  # component `slot` of what flowed back so far
                prev = chain[k - 1][0].op if k else ""
                if acc and prev not in ("sum", "mean"):
                    acc = [f"\\left({_product(acc)}\\right)_{{{slot + 1}}}"]
                continue
            acc.append(self._fill(REGISTRY[node.op].dlatex_for(slot), node))
        return _product(acc)

    # --- the collapsed graph of stops ---------------------------------------------------------

    def factors(self, top: str, reach: set[str] | None, stops: set[str]) -> dict[str, Json]:
        """dtop/dA for every stop A just below ``top`` (that the target reaches, if ``reach``),
        in the order they enter top's formula, left to right."""
        region: dict[str, Node] = {top: self.graph.node(top)}
        below: dict[str, None] = {}
        seen = {top}
        stack = [top]
        while stack:  # preorder, inputs left to right
            nid = stack.pop()
            if nid in stops and nid != top:
                below[nid] = None
                continue
            for src in reversed(self.graph.node(nid).inputs):
                if (reach is None or src in reach) and src not in seen:
                    seen.add(src)
                    stack.append(src)
                    if src not in stops:
                        region[src] = self.graph.node(src)
        values = self._values(top, region, below)
        formulas = self._formulas(top, region, below)
        return {a: {"symbol": _frac(latex_name(top), latex_name(a)), "formula": formulas.get(a),
                    "value": values.get(a), "from": top, "to": a} for a in below}

    def _values(self, top: str, region: dict[str, Node], below: dict[str, None]) -> dict[str, Any]:
        vals = self.trace.values
        if vals[top].ndim != 0:
            return {}
        cot: dict[str, Array] = {top: np.ones(())}
        acc: dict[str, Array] = {}
        with np.errstate(all="ignore"):
            for nid in sorted(region, key=self.pos.__getitem__, reverse=True):
                node, g = region[nid], cot.get(nid)
                if g is None or not node.inputs:
                    continue
                contribs = gate_backward(REGISTRY[node.op], g, [vals[i] for i in node.inputs],
                                         vals[nid], node.params).downstream
                for src, c in zip(node.inputs, contribs, strict=True):
                    if src in below or src in region:
                        into = acc if src in below else cot
                        into[src] = into[src] + c if src in into else np.asarray(c, np.float64)
        return {a: jsonable(v) for a, v in acc.items()}

    def _formulas(
        self, top: str, region: dict[str, Node], below: dict[str, None]
    ) -> dict[str, str]:
        # Enumerate the unnamed chains top -> A (a formula has few); a pathological graph
        # (x2 = x*x, x4 = x2*x2, ... all unnamed) has exponentially many: stop after MAX_WORK.
        chains: dict[str, list[str]] = {}
        stack: list[tuple[str, tuple[tuple[Node, int], ...]]] = [(top, ())]
        work = 0
        while stack:
            nid, chain = stack.pop()
            node = region[nid]
            work += 1
            if work > MAX_WORK:
                return {}
            for slot in reversed(range(len(node.inputs))):
                src = node.inputs[slot]
                step = (*chain, (node, slot))
                if src in below:
                    chains.setdefault(src, []).append(self._chain_formula(step))
                elif src in region:
                    stack.append((src, step))
        return {a: " + ".join(_paren(f) if len(fs) > 1 else f for f in fs)
                for a, fs in chains.items() if len(fs) <= MAX_CHAINS}


def _num(v: Any) -> str:
    x = float(v)
    return f"({fmt(x)})" if x < 0 else fmt(x)


def _path_product(factors: Sequence[Json]) -> Any:
    """The product of a path's factor values: numbers, then possibly the target's array."""
    vals = [f["value"] for f in factors]
    if any(v is None for v in vals) or any(np.ndim(v) for v in vals[:-1]):
        return None
    prod = np.asarray(1.0)
    for v in vals:
        prod = prod * np.asarray(v, dtype=np.float64)
    return jsonable(prod)


def _update(name: str, symbol: str, before: Array, grad: Array, alpha: float) -> Json:
    after = before - alpha * grad
    lhs = latex_name(name)
    lhs = f"{{{lhs}}}" if "^" in lhs else lhs
    latex = f"{lhs}^+ = {lhs} - \\alpha {symbol}"
    if before.ndim == 0:
        latex += f" = {fmt(float(before))} - {fmt(alpha)} \\cdot {_num(grad)} = {fmt(float(after))}"
    return {"alpha": alpha, "before": jsonable(before), "grad": jsonable(grad),
            "after": jsonable(after), "latex": latex}


def _latex(symbol: str, paths: Sequence[Json], more: bool, total: Any, update: Json | None) -> str:
    shown = paths[:MAX_LATEX_PATHS]
    tail = " + \\dots" if more or len(paths) > len(shown) else ""
    lines = [f"{symbol} &= " + (" + ".join(" ".join(f["symbol"] for f in p["factors"]) or "1"
                                           for p in shown) + tail or "0")]
    if any(p["factors"] for p in shown):
        formulas = (_product([f["formula"] or f["symbol"] for f in p["factors"]]) for p in shown)
        lines.append("&= " + " + ".join(formulas) + tail)
        if all(f["value"] is not None and np.ndim(f["value"]) == 0
               for p in shown for f in p["factors"]):
            lines.append("&= " + " + ".join(" \\cdot ".join(_num(f["value"]) for f in p["factors"])
                                            for p in shown) + tail)
    if total is not None and np.ndim(total) == 0:
        lines.append(f"&= {fmt(float(total))}")
    if update is not None:
        lines.append(update["latex"].replace(" = ", " &= ", 1))
    return "\\begin{aligned}" + " \\\\ ".join(lines) + "\\end{aligned}"


def _derive(d: _Deriver, name: str, alpha: float | None, max_paths: int) -> Json:
    graph, out = d.graph, d.graph.output
    reach = {name}
    for node in graph.nodes:  # everything that depends on the node
        if any(i in reach for i in node.inputs):
            reach.add(node.id)
    # the collapsed graph: for each stop, the factors to the stops just below it
    below: dict[str, dict[str, Json]] = {}
    todo = [out] if out in reach else []
    while todo:
        s = todo.pop()
        if s != name and s not in below:
            below[s] = d.factors_to(s, name, reach)
            todo.extend(below[s])
    count = {name: 1}
    for s in sorted(below, key=d.pos.__getitem__):  # inputs before users
        count[s] = sum(count[a] for a in below[s])
    n_paths = count.get(out, 0)
    paths: list[Json] = []
    stack: list[tuple[str, tuple[Json, ...]]] = [(out, ())] if n_paths else []
    while stack and len(paths) < max_paths:
        s, factors = stack.pop()
        if s == name:
            paths.append({"stops": [out, *(f["to"] for f in factors)], "factors": list(factors),
                          "product": _path_product(factors)})
            continue
        stack.extend((a, (*factors, f)) for a, f in reversed(below[s].items()))
    grad = d.trace.grads.get(name)
    symbol = _frac(latex_name(out), latex_name(name))
    update = (_update(name, symbol, d.trace.values[name], grad, alpha)
              if alpha is not None and grad is not None else None)
    total = jsonable(grad)
    return {"node": name, "latex_name": latex_name(name), "symbol": symbol,
            "path_count": n_paths, "paths_truncated": n_paths > len(paths), "paths": paths,
            "total": total, "update": update,
            "latex": _latex(symbol, paths, n_paths > len(paths), total, update)}


def derivations(
    trace: Trace, names: Sequence[str], learning_rate: float | None, max_paths: int = 64
) -> dict[str, Json]:
    """The derivation of d output / d node for each node id in ``names`` (see the module doc).

    Each: {"node", "latex_name", "symbol", "path_count", "paths_truncated", "paths": [{"stops",
    "factors": [{"symbol", "formula", "value", "from", "to"}], "product"}], "total" (the
    engine's gradient; null for a node no input reaches), "update" (with a learning rate:
    {"alpha", "before", "grad", "after", "latex"}), "latex" (the whole derivation, aligned)}.
    """
    deriver = _Deriver(trace)
    out: dict[str, Json] = {}
    for name in names:
        if name not in trace.graph:
            raise GraphError(f"cannot explain {name!r}: it is not a node of the graph", name,
                             kind="explain")
        out[name] = _derive(deriver, name, learning_rate, max_paths)
    return out
