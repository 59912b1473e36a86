"""The activation gallery served by GET /api/activations, straight from the op registry.

Each activation's formula and derivative are the registry's LaTeX templates with the input
written x and the output f(x); its curve is the registry's own forward and local derivative
sampled on [-5, 5], so the page draws exactly what the engine computes (no second copy of the
maths). The list is every activation the network builder takes (its ACTIVATIONS), so the page's
builder offers what the API accepts; maxout comes without points: it is not a function of one
number but the larger of a neuron's two pre-activations, max(z_a, z_b) (see ``MAXOUT_NOTE``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from app.builders.network import ACTIVATIONS
from app.graph import REGISTRY

GALLERY = tuple(a for a in ACTIVATIONS if a != "maxout")  # the ones with a curve
SAMPLES = 201  # -5, -4.95, ..., 5
MAXOUT_NOTE = ("maxout (k = 2 pieces): each neuron has two pre-activations z_a, z_b, each with "
               "its own weights, and outputs max(z_a, z_b); the gradient goes to the larger "
               "piece (the first at a tie). Not drawn: it is not a function of one number.")


def _tex(template: str) -> str:
    return template.replace("#0", "x").replace("#y", "f(x)")


def activation(name: str) -> dict[str, Any]:
    """One gallery entry: name, LaTeX of f and f', parameters, kink note and sampled points."""
    op = REGISTRY[name]
    params = dict(op.params or {})
    x = np.linspace(-5.0, 5.0, SAMPLES)
    with np.errstate(all="ignore"):
        f = op.forward([x], params)
        assert op.partials is not None  # every activation is elementwise
        df = np.broadcast_to(op.partials([x], f, params)[0], x.shape)
    return {
        "name": name,
        "symbol": op.symbol,
        "latex": _tex(op.latex),
        "dlatex": _tex(op.dlatex_for(0)),
        "params": params,
        "note": op.note,
        "points": [{"x": round(float(a), 12), "f": float(b), "df": float(c)}
                   for a, b, c in zip(x, f, df, strict=True)],
    }


def _maxout() -> dict[str, Any]:
    op = REGISTRY["maxout"]
    return {"name": "maxout", "symbol": op.symbol, "latex": "\\max(z_a, z_b)",
            "dlatex": "[z_a \\ge z_b] \\text{ or } [z_a < z_b]", "params": {},
            "note": MAXOUT_NOTE, "points": []}


def activations() -> list[dict[str, Any]]:
    """Every network activation in the builder's order; maxout without points."""
    return [activation(name) if name in GALLERY else _maxout() for name in ACTIVATIONS]
