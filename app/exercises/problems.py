"""One problem of an exercise kind for a seed: its request traced, its blanks, their answers.

    >>> p = problem("seed-network", 0, Limits.defaults())
    >>> p.blanks[3].key, round(float(p.blanks[3].expected), 10)
    ('grad:w5', 0.0821670406)

The request is evaluated by the same service function as its endpoint (POST /api/graph or
/api/network in process), and every expected value is read from that document by its key: the
engine's numbers as a client sees them, never a second computation. Problems are cached by
(kind, seed, limits), a bounded number of them: a check costs a dictionary look-up and the
marking of at most a few hundred numbers.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from app.exercises.catalog import KINDS, Kind
from app.exercises.document import Document, Key
from app.exercises.draw import Draw
from app.exercises.grading import ExerciseError
from app.exercises.hints import Hint
from app.exercises.hints import hint as make_hint
from app.exercises.spec import default_prompt
from app.graph.ops import Array
from app.limits import Limits
from app.network_service import network_document
from app.service import graph_document

Json = dict[str, Any]
MAX_SEED = 2**32 - 1
CACHE_SIZE = 512  # problems kept; each is a few kilobytes
TRACERS: Mapping[str, Callable[[Mapping[str, Any], Limits], Json]] = {
    "/api/graph": graph_document,
    "/api/network": network_document,
}


@dataclass(frozen=True, slots=True)
class Blank:
    key: str
    prompt: str  # LaTeX
    expected: Array
    hint: Hint
    before: Array | None = None  # an update's parameter before the step (grading.judge)

    def public(self) -> Json:
        return {"key": self.key, "prompt": self.prompt, "shape": list(self.expected.shape)}


@dataclass(frozen=True, slots=True)
class Problem:
    kind: Kind
    seed: int
    endpoint: str
    request: Json
    blanks: tuple[Blank, ...]

    def public(self) -> Json:
        """``{id, seed, title, level, endpoint, request, blanks: [{key, prompt, shape}]}``."""
        return {"id": self.kind.id, "seed": self.seed, "title": self.kind.title,
                "level": self.kind.level, "endpoint": self.endpoint,
                "request": copy.deepcopy(self.request),
                "blanks": [b.public() for b in self.blanks]}


def kind_of(kind_id: str) -> Kind:
    kind = KINDS.get(kind_id)
    if kind is None:
        raise ExerciseError(f"no exercise {kind_id[:60]!r}; the exercises are "
                            + ", ".join(KINDS), "id")
    return kind


@lru_cache(maxsize=CACHE_SIZE)
def problem(kind_id: str, seed: int, limits: Limits) -> Problem:
    """The problem of ``kind_id`` for ``seed`` (0..MAX_SEED); ExerciseError for an unknown kind
    or seed, GraphError (a 422) if this server's limits refuse its request."""
    kind = kind_of(kind_id)
    if not 0 <= seed <= MAX_SEED:
        raise ExerciseError(f"the seed is a whole number from 0 to {MAX_SEED}", "seed")
    spec = kind.make(Draw(kind.id, seed), seed)
    doc = Document(TRACERS[spec.endpoint](copy.deepcopy(spec.request), limits))
    blanks = []
    for ask in spec.ask(doc):
        expected = doc.read(ask.key)
        expected.flags.writeable = False  # shared by every check of this problem
        k = Key.parse(ask.key)
        blanks.append(Blank(ask.key, ask.prompt or default_prompt(doc, ask.key), expected,
                            make_hint(doc, ask.key),
                            doc.value(k.node) if k.kind == "update" else None))
    assert len({b.key for b in blanks}) == len(blanks), kind_id
    return Problem(kind, seed, spec.endpoint, spec.request, tuple(blanks))
