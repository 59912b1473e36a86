"""seed-network: the seed's 2-2-2 sigmoid network, step 1, step 2, then the updates.

The blanks follow the seed note: step 1, dE_total/dw5 = dE_total/do1 · do1/dz3 · dz3/dw5
(each factor asked in turn, then the product); step 2, dE_total/dh1 as the sum of its two paths
dE_o1/dh1 + dE_o2/dh1, then dh1/dz1, dz1/dw1 and dE_total/dw1; then w5+ and w1+
(w+ = w - alpha · dE_total/dw, from the document's derivations of w5 and w1).

Seed 0 is the seed's own numbers: x = (0.05, 0.10), targets (0.01, 0.99), w1..w8 =
0.15..0.55, b1 = 0.35, b2 = 0.6, alpha = 0.5. Other seeds draw inputs and targets with two
decimals in (0, 1), weights and biases from the multiples of 0.05 in [-0.9, 0.9] (never 0) and
alpha from a few round values.

The product gates' ids (w5*h1) are read from the document (the edge that leaves w5), not
written here: the keys are always the document's own.
"""

from __future__ import annotations

from app.exercises.document import Document
from app.exercises.draw import Draw
from app.exercises.spec import Ask, Spec
from app.explain.latex import frac
from app.network_examples import SEED_PARAMS

SEED_DATA = {"inputs": [[0.05, 0.10]], "targets": [[0.01, 0.99]], "learning_rate": 0.5}
RATES = (0.1, 0.25, 0.5, 1.0)


def _edge(doc: Document, source: str, target: str) -> str:
    e = doc.edge(source, target)
    return f"{e['source']}->{e['target']}#{e['slot']}"


def _gate(doc: Document, weight: str) -> str:
    """The product gate a weight feeds (w5 -> w5*h1)."""
    return str(doc.uses[weight][0]["target"])


def _ask(doc: Document) -> list[Ask]:
    t = doc.tex
    g5, g7, g1 = _gate(doc, "w5"), _gate(doc, "w7"), _gate(doc, "w1")
    return [
        # step 1: w5
        Ask("grad:o1"),
        Ask(f"local:{_edge(doc, 'z3', 'o1')}"),
        Ask(f"local:{_edge(doc, 'w5', g5)}", frac(t("z3"), t("w5"))),
        Ask("grad:w5"),
        # step 2: h1 sums its two paths, then w1
        Ask(f"carried:{_edge(doc, 'h1', g5)}", frac(t("E_o1"), t("h1"))),
        Ask(f"carried:{_edge(doc, 'h1', g7)}", frac(t("E_o2"), t("h1"))),
        Ask("grad:h1"),
        Ask(f"local:{_edge(doc, 'z1', 'h1')}"),
        Ask(f"local:{_edge(doc, 'w1', g1)}", frac(t("z1"), t("w1"))),
        Ask("grad:w1"),
        # the updates
        Ask("update:w5"),
        Ask("update:w1"),
    ]


def _multiple(draw: Draw) -> float:
    return round(draw.choice([k for k in range(-18, 19) if k]) / 20, 2)


def make(draw: Draw, seed: int) -> Spec:
    if seed == 0:
        data, params = dict(SEED_DATA), dict(SEED_PARAMS)
    else:
        data = {"inputs": [[draw.grid(0.01, 0.99, 2), draw.grid(0.01, 0.99, 2)]],
                "targets": [[draw.grid(0.01, 0.99, 2), draw.grid(0.01, 0.99, 2)]],
                "learning_rate": draw.choice(RATES)}
        params = {name: _multiple(draw) for name in SEED_PARAMS}
    request = {"layers": [2, 2, 2], "activation": "sigmoid", "loss": "half_sse", **data,
               "params": params, "train_biases": False, "view": "neurons",
               "explain": ["w5", "w1"]}
    return Spec("/api/network", request, _ask)
