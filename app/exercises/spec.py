"""What an exercise generator makes: a request for the API, and which of its numbers to ask.

A generator is ``make(draw) -> Spec``: ``request`` is what ``endpoint`` evaluates, exactly as a
client would POST it; ``ask(doc)`` reads the traced document and returns the blanks in the
order the learner meets them, each a key of app.exercises.document (so every key is one of the
document's own node ids or edges) with an optional prompt of the generator's own (the seed's
dz_3/dw_5 for the edge into the product w5*h1); the default prompt is written from the key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from app.exercises.document import Document, Key
from app.explain.latex import product

Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Ask:
    key: str
    prompt: str | None = None


@dataclass(frozen=True, slots=True)
class Spec:
    endpoint: str  # "/api/graph" or "/api/network"
    request: Json
    ask: Callable[[Document], Sequence[Ask]]


def default_prompt(doc: Document, key: str) -> str:
    """The question of a blank in LaTeX with the graph's names: z_1 (its value),
    \\frac{\\partial E_{total}}{\\partial w_5} (a gradient; \\nabla_{W} f for an array),
    \\frac{\\partial o_1}{\\partial z_3} (a local gradient), upstream times local (what an
    edge carries: \\frac{\\partial f}{\\partial a} \\cdot \\frac{\\partial a}{\\partial x}),
    {w_5}^+ (an update)."""
    k = Key.parse(key)
    if k.kind == "value":
        return doc.tex(k.node)
    if k.kind == "grad":
        return doc.symbol(k.node)
    if k.kind == "update":
        return f"{{{doc.tex(k.node)}}}^+"
    local = doc.d(k.target or "", k.node)
    if k.kind == "local":
        return local
    # upstream times local, even at the output (df/df = 1): the prompt of one use of x must
    # not read like x's whole gradient df/dx
    return product([doc.symbol(k.target or ""), local])
