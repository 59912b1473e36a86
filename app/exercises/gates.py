"""gates: small scalar circuits worked by hand, with every gate pattern of the course.

Each circuit has an add (add distributes), a mul (mul swaps), a max (max routes) and a value
used twice (fan-out: its gradient is the sum of what its two uses carry back). The seed picks
the circuit and its inputs, integers from -5 to 5 (never 0, and never a tie at the max, where
the subgradient convention rather than the pattern would decide).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.exercises.document import Document
from app.exercises.draw import Draw
from app.exercises.spec import Ask, Spec

Values = dict[str, int]


@dataclass(frozen=True, slots=True)
class Circuit:
    program: str
    inputs: tuple[str, ...]
    max_inputs: Callable[[Values], tuple[int, int]]  # to refuse a tie


CIRCUITS = (
    Circuit("a = x * y\nm = max(y, z)\nf = a + m", ("x", "y", "z"),
            lambda v: (v["y"], v["z"])),
    Circuit("q = x + y\nm = max(q, z)\nf = m * x", ("x", "y", "z"),
            lambda v: (v["x"] + v["y"], v["z"])),
    Circuit("p = x * y\ns = p + z\nm = max(s, w)\nf = m + x", ("x", "y", "z", "w"),
            lambda v: (v["x"] * v["y"] + v["z"], v["w"])),
    Circuit("a = x * y\nm = max(z, w)\ns = a + m\nf = s * x", ("x", "y", "z", "w"),
            lambda v: (v["z"], v["w"])),
)
DIGITS = tuple(v for v in range(-5, 6) if v)
TRIES = 100  # redraws until the max has no tie (about one draw in ten has one)


def walk(doc: Document) -> list[Ask]:
    """The blanks of a small scalar circuit, in the order one works it by hand: the forward
    values of its named gates (forward order), then, in the backward order, the gradient of
    every named node but the output; a node used more than once (fan-out) first asks what each
    use carries back, then their sum."""
    asks = [Ask(f"value:{n['id']}") for n in doc.raw["nodes"] if n["named"] and n["inputs"]]
    for node in doc.backward_order:
        n = doc.nodes[node]
        if node == doc.output or not n["named"] or n["grad"] is None:
            continue
        uses = doc.uses.get(node, [])
        if len(uses) > 1:
            asks += [Ask(f"carried:{e['source']}->{e['target']}#{e['slot']}") for e in uses]
        asks.append(Ask(f"grad:{node}"))
    return asks


def make(draw: Draw, _seed: int) -> Spec:
    circuit = draw.choice(CIRCUITS)
    values: Values = {}
    for _ in range(TRIES):
        values = {n: draw.choice(DIGITS) for n in circuit.inputs}
        a, b = circuit.max_inputs(values)
        if a != b:
            break
    return Spec("/api/graph", {"expression": circuit.program, "values": values}, walk)
