"""Blank keys and reading a result document by key (app.exercises.document)."""

from __future__ import annotations

import pytest

from app.exercises.document import Document, Key
from app.limits import Limits
from app.service import graph_document


@pytest.mark.parametrize("text", ["value:q", "grad:w5*h1", "update:w1", "local:w5->w5*h1#0",
                                  "carried:h1->w7*h1#1", "local:a->b#12"])
def test_keys_round_trip(text: str) -> None:
    assert str(Key.parse(text)) == text


@pytest.mark.parametrize("bad", ["", "q", "value:", "foo:q", "local:a->b", "local:a#0",
                                 "carried:->b#0", "local:a->b#x", "local:a->#1"])
def test_bad_keys(bad: str) -> None:
    with pytest.raises(ValueError):
        Key.parse(bad)


def test_read_by_key() -> None:
    doc = Document(graph_document({"expression": "q = x + y\nf = q * z",
                                   "values": {"x": -2, "y": 5, "z": -4}}, Limits.defaults()))
    # the course's circuit: dx = dy = z = -4, dz = q = 3
    assert doc.read("value:q") == 3 and doc.read("grad:x") == -4 and doc.read("grad:z") == 3
    assert doc.read("local:z->f#1") == 3 and doc.read("carried:q->f#0") == -4
    for missing in ("grad:nope", "local:x->f#0", "update:x"):
        with pytest.raises(LookupError):
            doc.read(missing)
    assert doc.tex("q") == "q" and doc.formula("f") == "q z" and doc.name("q") == "q"
    assert doc.symbol("x") == "\\frac{\\partial f}{\\partial x}"
