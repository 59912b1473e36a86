"""The exercise kinds served by GET /api/exercises, easiest first.

Levels: 1, small integers, worked by hand; 2, one exponential or activation per step (a
calculator helps), numbers with one decimal; 3, several chained steps on short decimals, or
vectors and matrices.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.exercises import activations, gates, neuron, seed_network, vectorized
from app.exercises.draw import Draw
from app.exercises.spec import Spec


@dataclass(frozen=True, slots=True)
class Kind:
    id: str
    title: str
    description: str
    level: int
    make: Callable[[Draw, int], Spec]  # (draws, seed) -> the problem's request and blanks

    def public(self) -> dict[str, object]:
        return {"id": self.id, "title": self.title, "description": self.description,
                "level": self.level}


KINDS: dict[str, Kind] = {k.id: k for k in (
    Kind("gates", "Gate patterns by hand",
         "A small circuit of add, mul and max gates with one value used twice: add "
         "distributes, mul swaps, max routes, and a value used twice sums its gradients. "
         "Small integers.", 1, gates.make),
    Kind("sigmoid-neuron", "The staged sigmoid neuron",
         "f = σ(w0 x0 + w1 x1 + w2), staged as the course does: the dot product, then one "
         "sigmoid gate whose local gradient is (1 - f) f. Seed 0 is the course's numbers.",
         2, neuron.make),
    Kind("activations", "Local derivatives of the activations",
         "The local derivative of sigmoid, tanh, ReLU, Leaky ReLU, ELU and maxout (the larger "
         "of a neuron's two pieces) at a point.", 2, activations.make),
    Kind("seed-network", "The 2-2-2 sigmoid network, step 1 and step 2",
         "The seed's worked example: step 1 (dE/do1, do1/dz3, dz3/dw5, then dE/dw5), step 2 "
         "(dE/dh1 as the sum of its two paths, dh1/dz1, dz1/dw1, then dE/dw1), then the "
         "updates w+ = w - α·grad. Seed 0 is the seed's own numbers.", 3, seed_network.make),
    Kind("vectorized", "f = ||W x||², vectorized",
         "A matrix-vector product q = W x and f = ||q||²: the gradient of each variable has "
         "its shape (grad W = 2 q xᵀ, grad x = 2 Wᵀ q). Seed 0 is the seed's W and x.",
         3, vectorized.make),
)}
