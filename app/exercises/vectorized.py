"""vectorized: the seed's f = ||W x||^2, a matrix-vector product and its gradients.

q = W x, f = sum(q ** 2): grad_q f = 2 q, grad_W f = 2 q x^T, grad_x f = 2 W^T q, and every
gradient has its variable's shape (an answer of another shape is wrong). Seed 0 is the seed's
W = [[0.1, 0.5], [-0.3, 0.8]], x = [0.2, 0.4]; other seeds draw W of shape 2x2, 2x3 or 3x2 and
x to match, entries with one decimal in [-0.9, 0.9] (never 0).
"""

from __future__ import annotations

from app.exercises.document import Document
from app.exercises.draw import Draw
from app.exercises.spec import Ask, Spec

PROGRAM = "q = W @ x\nf = sum(q ** 2)"
SEED_VALUES = {"W": [[0.1, 0.5], [-0.3, 0.8]], "x": [0.2, 0.4]}
SHAPES = ((2, 2), (2, 3), (3, 2))


def _ask(_doc: Document) -> list[Ask]:
    return [Ask(k) for k in ("value:q", "value:f", "grad:q", "grad:W", "grad:x")]


def make(draw: Draw, seed: int) -> Spec:
    values: dict[str, object] = dict(SEED_VALUES)
    if seed:
        rows, cols = draw.choice(SHAPES)
        values = {"W": [[draw.grid(-0.9, 0.9, 1, nonzero=True) for _ in range(cols)]
                        for _ in range(rows)],
                  "x": [draw.grid(-0.9, 0.9, 1, nonzero=True) for _ in range(cols)]}
    return Spec("/api/graph", {"expression": PROGRAM, "values": values}, _ask)
