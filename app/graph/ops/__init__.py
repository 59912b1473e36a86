"""The op registry: every op's forward, shape rule and VJP, with its properties as data.

Importing this package registers every op (:mod:`.elementwise`, :mod:`.tensor`, :mod:`.losses`,
:mod:`.network`); :mod:`.core` holds the record, the registry and :func:`gate_backward`, the one
function that applies a rule backward. Registering an op puts it under the property tests that
compare its gradient with central differences and with a high-precision reference.

    >>> sorted(op.name for op in REGISTRY.values() if op.gate == "mul-swaps")
    ['mul']
"""

from app.graph.ops import elementwise, losses, network, tensor  # noqa: F401  (registration)
from app.graph.ops.core import (
    REGISTRY,
    VARIADIC,
    Array,
    Convention,
    GateGrads,
    Ins,
    Op,
    Params,
    Shape,
    ShapeError,
    conventions_at,
    gate_backward,
    unbroadcast,
)

__all__ = [
    "REGISTRY",
    "VARIADIC",
    "Array",
    "Convention",
    "GateGrads",
    "Ins",
    "Op",
    "Params",
    "Shape",
    "ShapeError",
    "conventions_at",
    "gate_backward",
    "unbroadcast",
]
