"""The numbers of one exercise, drawn from its (kind, seed): the same problem everywhere.

    >>> d = Draw("gates", 7)
    >>> d.integer(-5, 5) == Draw("gates", 7).integer(-5, 5)
    True

A teacher's link carries the kind and the seed, so the problem must not depend on the machine,
the process or the Python version. ``random.Random`` seeded with a string (version-2 seeding,
via SHA-512) and its ``random()`` method are the two things Python promises to keep
reproducible across versions; ``randrange``, ``choice`` and numpy's generators are not promised.
So every draw here is built from ``random()`` alone.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


class Draw:
    """A reproducible stream of draws for one exercise kind and seed."""

    def __init__(self, kind: str, seed: int) -> None:
        self._random = random.Random(f"chainrule-exercise:{kind}:{seed}").random

    def index(self, n: int) -> int:
        """An integer in [0, n), uniformly."""
        return min(int(self._random() * n), n - 1)

    def choice(self, items: Sequence[T]) -> T:
        return items[self.index(len(items))]

    def integer(self, lo: int, hi: int) -> int:
        """An integer in [lo, hi]."""
        return lo + self.index(hi - lo + 1)

    def grid(self, lo: float, hi: float, places: int, nonzero: bool = False) -> float:
        """A decimal in [lo, hi] with at most ``places`` decimals (0.05, -1.5), the float
        nearest to it (round(k / 10**places, places)); optionally never 0."""
        scale = 10**places
        ks = [k for k in range(round(lo * scale), round(hi * scale) + 1) if k or not nonzero]
        return float(round(self.choice(ks) / scale, places))
