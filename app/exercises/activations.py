"""activations: the local derivative of each activation of the course at a point.

One circuit holds all six, summed into f so that each gets a gradient: h1 = sigmoid(z1)
(h1 (1 - h1)), h2 = tanh(z2) (1 - h2^2), h3 = relu(z3), h4 = leaky_relu(z4, alpha), h5 = elu(z5)
(h5 + 1 for z5 <= 0) and h6 = max(z6, z7), a maxout neuron's two pieces (the network builder
draws a maxout neuron so). Points have one decimal; none is a kink (z3, z4 != 0, z6 != z7),
where a convention rather than the derivative would decide; z5 < 0, the branch where ELU is
not the identity.
"""

from __future__ import annotations

from app.exercises.document import Document
from app.exercises.draw import Draw
from app.exercises.spec import Ask, Spec, default_prompt
from app.explain.latex import num

PROGRAM = ("h1 = sigmoid(z1)\nh2 = tanh(z2)\nh3 = relu(z3)\nh4 = leaky_relu(z4, {alpha})\n"
           "h5 = elu(z5, 1)\nh6 = max(z6, z7)\nf = h1 + h2 + h3 + h4 + h5 + h6")
ALPHAS = (0.01, 0.1, 0.2)
EDGES = (("z1", "h1"), ("z2", "h2"), ("z3", "h3"), ("z4", "h4"), ("z5", "h5"), ("z6", "h6"),
         ("z7", "h6"))
TRIES = 100


def _ask(doc: Document) -> list[Ask]:
    asks = []
    for source, target in EDGES:
        e = doc.edge(source, target)
        key = f"local:{source}->{target}#{e['slot']}"
        params = doc.nodes[target]["params"].items()  # leaky ReLU's and ELU's alpha
        given = "".join(f", \\; \\{p} = {num(v)}" for p, v in params)
        asks.append(Ask(key, f"{default_prompt(doc, key)}, \\quad {doc.nodes[target]['formula']}"
                             f"{given}"))
    return asks


def make(draw: Draw, _seed: int) -> Spec:
    alpha = draw.choice(ALPHAS)
    values = {"z1": draw.grid(-2, 2, 1), "z2": draw.grid(-1.5, 1.5, 1, nonzero=True),
              "z3": draw.grid(-3, 3, 1, nonzero=True), "z4": draw.grid(-3, 3, 1, nonzero=True),
              "z5": draw.grid(-2, -0.1, 1), "z6": draw.grid(-3, 3, 1), "z7": 0.0}
    for _ in range(TRIES):
        values["z7"] = draw.grid(-3, 3, 1)
        if values["z7"] != values["z6"]:
            break
    return Spec("/api/graph", {"expression": PROGRAM.format(alpha=alpha), "values": values},
                _ask)
