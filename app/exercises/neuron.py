"""sigmoid-neuron: the course's staged neuron, f = sigmoid(w0 x0 + w1 x1 + w2).

The dot product, then one sigmoid gate whose local gradient is (1 - f) f: the learner computes
the forward values, the sigmoid's local gradient, and every weight's and input's gradient (mul
swaps, add distributes). Seed 0 is the course's own numbers (w0 = 2, x0 = -1, w1 = -3,
x1 = -2, w2 = -3: dot = 1, f = 0.73); other seeds draw integers from -3 to 3 (never 0) with
|dot| <= 3, where the sigmoid is not flat.
"""

from __future__ import annotations

from app.exercises.document import Document
from app.exercises.draw import Draw
from app.exercises.spec import Ask, Spec

PROGRAM = "dot = w0*x0 + w1*x1 + w2\nf = sigmoid(dot)"
COURSE = {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3}
DIGITS = (-3, -2, -1, 1, 2, 3)
TRIES = 100


def _ask(doc: Document) -> list[Ask]:
    sigmoid = doc.edge("dot", "f")
    return [Ask("value:dot"), Ask("value:f"),
            Ask(f"local:dot->f#{sigmoid['slot']}"),
            *(Ask(f"grad:{n}") for n in ("w0", "x0", "w1", "x1", "w2"))]


def make(draw: Draw, seed: int) -> Spec:
    values = dict(COURSE)
    if seed:
        for _ in range(TRIES):  # about one draw in three has |dot| <= 3
            values = {n: draw.choice(DIGITS) for n in COURSE}
            if abs(values["w0"] * values["x0"] + values["w1"] * values["x1"] + values["w2"]) <= 3:
                break
    return Spec("/api/graph", {"expression": PROGRAM, "values": values}, _ask)
