"""Hints: the gate pattern, the formula of the step and the numbers to plug in, never the answer.

A hint is read off the traced document, like the expected value, and written with the
document's own LaTeX renderer (app.explain.latex, app.explain.templates) and names:

- ``value:z1``: the node's forward formula (z_1 = w_1 x_1 + w_2 x_2 + b_1) and the values of
  its inputs;
- ``local:s->t#k``: the op's local-derivative template for input k, filled with the nodes'
  names (o_1(1 - o_1)), and the values it needs (o_1 = 0.7514);
- ``carried:s->t#k``: upstream times local, d out / d t times that template; for a Jacobian
  edge (matmul) the op's vector-Jacobian product with the upstream gradient in it;
- ``grad:n``: the sum of what its uses carry (fan-out: one term per use);
- ``update:w``: w+ = w - alpha dE/dw with w, alpha and the gradient.

Numbers are shown with 4 significant digits (the document's rule), enough for an answer within
the checker's relative 1e-3. Before a hint is served, every piece of it that shows a number the
checker would accept as the answer (grading.leaks: a rounding of the expected value, or the
value itself, as when the upstream gradient of an add gate IS the answer) is left out; the
sentences have no digits at all. ``worked`` is the full line with the result, for once the
answer is known.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from app.exercises.document import Document, Key
from app.exercises.grading import leaks
from app.explain import latex
from app.explain.templates import UPSTREAM
from app.graph import REGISTRY
from app.graph.ops import Array

Json = dict[str, Any]

SENTENCES = {
    "hint.value": "Forward pass: compute this node from the values of its inputs.",
    "hint.local": "The local gradient: the derivative of this gate's output with respect to "
    "this input, at the values of the forward pass.",
    "hint.carried": "The chain rule along one edge: the upstream gradient times the local "
    "gradient.",
    "hint.grad": "The chain rule: for each use of this node, the upstream gradient times the "
    "local gradient, and the sum over its uses.",
    "hint.update": "Gradient descent: the old value minus the learning rate times the gradient.",
}
PATTERNS = {
    "add-distributes": "add distributes: each input of a sum receives the upstream gradient "
    "unchanged.",
    "mul-swaps": "mul swaps: the local gradient of a product with respect to one factor is the "
    "other factor.",
    "max-routes": "max routes: the whole upstream gradient goes to the larger input and none "
    "to the other.",
    "fan-out": "fan-out: this value is used more than once, so its gradient is the sum of what "
    "comes back along each use.",
}

Number = tuple[str, str, Array]  # (plain name, LaTeX name, value)


@dataclass(frozen=True, slots=True)
class Hint:
    key: str  # a key of SENTENCES
    patterns: tuple[str, ...]  # keys of PATTERNS
    symbol: str  # what is asked, in LaTeX
    formula: str  # its right-hand side with the nodes' names
    numbers: tuple[Number, ...]  # what to plug in

    def public(self, expected: Array) -> Json:
        """``{key, patterns, text, tex}`` with every piece that would give the answer away
        left out (see the module docstring)."""
        numbers = [(name, tex, v) for name, tex, v in self.numbers
                   if not leaks(f"{name} {tex} {latex.value(v)} {latex.value_text(v)}",
                                expected)]
        pieces = [f"{self.symbol} = {self.formula}",
                  *(f"{tex} = {latex.value(v)}" for _, tex, v in numbers)]
        text = " ".join([SENTENCES[self.key], *(PATTERNS[p] for p in self.patterns)])
        if numbers:
            text += " Plug in: " + ", ".join(f"{n} = {latex.value_text(v)}"
                                             for n, _, v in numbers) + "."
        return {"key": self.key, "patterns": list(self.patterns), "text": text,
                "tex": ", \\quad ".join(p for p in pieces if not leaks(p, expected))}

    def worked(self, expected: Array) -> str:
        """The whole line with its result: symbol = formula = value, and the numbers used."""
        line = f"{self.symbol} = {self.formula} = {latex.value(expected)}"
        return ", \\quad ".join([line, *(f"{t} = {latex.value(v)}" for _, t, v in self.numbers)])


def hint(doc: Document, key: str) -> Hint:
    """The hint for one blank of the document (see the module docstring)."""
    k = Key.parse(key)
    if k.kind == "value":
        inputs = tuple(_named(doc, i) for i in _frontier(doc, k.node))
        return Hint("hint.value", (), doc.tex(k.node), doc.formula(k.node), inputs)
    if k.kind == "update":
        return _update(doc, k.node)
    if k.kind == "grad":
        return _grad(doc, k.node)
    edge = doc.edges[(k.node, k.target or "", k.slot or 0)]
    if k.kind == "local":
        return Hint("hint.local", _gates(edge), doc.d(edge["target"], k.node),
                    doc.partial(edge), tuple(_operands(doc, edge)))
    formula, used = _carried(doc, edge)
    symbol = latex.product([doc.symbol(edge["target"]), doc.d(edge["target"], k.node)])
    return Hint("hint.carried", _gates(edge), symbol, formula, tuple(used))


def _gates(edge: Json) -> tuple[str, ...]:
    return tuple(p for p in edge["patterns"] if p != "fan-out" and p in PATTERNS)


def _named(doc: Document, node: str) -> Number:
    return doc.name(node), doc.tex(node), doc.value(node)


def _literal(doc: Document, node: str) -> bool:
    """An unnamed constant: its name in a formula is its value."""
    return doc.nodes[node]["op"] == "const" and not doc.nodes[node]["named"]


def _frontier(doc: Document, node: str) -> list[str]:
    """The named nodes (and leaves) a node's formula is written with, through unnamed gates;
    constants are left out (the formula shows their value)."""
    out: list[str] = []
    for i in doc.nodes[node]["inputs"]:
        n = doc.nodes[i]
        if _literal(doc, i):
            continue
        for found in ([i] if n["named"] or not n["inputs"] else _frontier(doc, i)):
            if found not in out:
                out.append(found)
    return out


def _operands(doc: Document, edge: Json) -> list[Number]:
    """The values an edge's local-derivative template uses (its #0, #1... and #y) and the op's
    parameters it names (alpha)."""
    target = doc.nodes[edge["target"]]
    template = REGISTRY[target["op"]].dlatex_for(edge["slot"])
    used = [i for j, i in enumerate(target["inputs"]) if f"#{j}" in template]
    if "#y" in template:
        used.append(target["id"])
    numbers = [_named(doc, i) for i in dict.fromkeys(used) if not _literal(doc, i)]
    return numbers + [(p, f"\\{p}", np.asarray(float(v))) for p, v in target["params"].items()
                      if f"\\{p}" in template]


def _upstream(doc: Document, node: str) -> Number | None:
    """d out / d node as a number to plug in; None at the output (it is 1)."""
    if node == doc.output:
        return None
    grad = doc.grad(node)
    assert grad is not None, node
    return f"the gradient at {doc.name(node)}", doc.symbol(node), grad


def _carried(doc: Document, edge: Json) -> tuple[str, list[Number]]:
    """Upstream times local (a product; a vector-Jacobian product for a Jacobian edge)."""
    local, numbers = doc.partial(edge), _operands(doc, edge)
    up = _upstream(doc, edge["target"])
    if UPSTREAM in local:
        return local.replace(UPSTREAM, up[1] if up else "1"), [*([up] if up else []), *numbers]
    if up is None:
        return local, numbers
    times = "\\odot" if doc.nodes[edge["target"]]["shape"] else "\\cdot"
    return latex.product([up[1], local], times), [up, *numbers]


def _grad(doc: Document, node: str) -> Hint:
    terms: list[str] = []
    numbers: list[Number] = []
    patterns: list[str] = []
    for edge in doc.uses[node]:
        term, used = _carried(doc, edge)
        terms.append(term)
        numbers += [n for n in used if all(n[1] != m[1] for m in numbers)]
        patterns += [p for p in edge["patterns"] if p in PATTERNS and p not in patterns]
    return Hint("hint.grad", tuple(patterns), doc.symbol(node), " + ".join(terms),
                tuple(numbers))


def _update(doc: Document, node: str) -> Hint:
    u = doc.update(node)
    tex, symbol = doc.tex(node), doc.symbol(node)
    numbers = ((doc.name(node), tex, np.asarray(u["before"], dtype=np.float64)),
               ("the learning rate", "\\alpha", np.asarray(u["alpha"], dtype=np.float64)),
               (f"the gradient at {doc.name(node)}", symbol,
                np.asarray(u["grad"], dtype=np.float64)))
    return Hint("hint.update", (), f"{{{tex}}}^+", f"{tex} - \\alpha {symbol}", numbers)
