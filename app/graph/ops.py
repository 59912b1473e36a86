"""The op registry: each op's forward and its vector-Jacobian product, side by side.

Every value is a float64 numpy array (a scalar is a 0-d array). An op is one :class:`Op`:

- ``forward(ins, params) -> out``
- ``shape(in_shapes, params) -> out_shape``: checked before anything is allocated
- either ``local(ins, out, params) -> partials``, one elementwise partial derivative d out/d in_i
  per input, broadcastable to the output's shape (elementwise ops: then the VJP is
  ``g * partial_i`` summed back to the input's shape, see :func:`unbroadcast`);
- or ``vjp(g, ins, out, params) -> grads``, one gradient per input shaped like that input.

``latex`` and ``dlatex`` are templates in which ``#0``, ``#1``... stand for the inputs and ``#y``
for the output: the page shows them with generic names (a, b, y) and a derivation fills in the
names of the nodes (``o_1(1 - o_1)``). Subgradients at kinks are documented in ``note``.

Registering an op puts it under the property tests that compare its gradient with central
differences (tests/test_ops_gradcheck.py): there is no gradient code anywhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from app.graph.ir import GraphError

Array = npt.NDArray[np.float64]
Shape = tuple[int, ...]
Params = Mapping[str, Any]
Ins = Sequence[Array]

VARIADIC = -1  # arity of an op that takes two or more inputs (add)


@dataclass(frozen=True, slots=True)
class Op:
    name: str
    arity: int
    symbol: str
    latex: str
    dlatex: tuple[str, ...]
    forward: Callable[[Ins, Params], Array]
    shape: Callable[[Sequence[Shape], Params], Shape]
    local: Callable[[Ins, Array, Params], tuple[Array, ...]] | None = None
    vjp: Callable[[Array, Ins, Array, Params], tuple[Array, ...]] | None = None
    kind: str = "elementwise"
    note: str = ""
    params: Mapping[str, float] | None = None  # accepted parameters and their defaults

    def bind(self, params: Params) -> dict[str, Any]:
        """A node's parameters over the op's defaults (leaky_relu without alpha: 0.01)."""
        return {**(self.params or {}), **params}

    def dlatex_for(self, i: int) -> str:
        return self.dlatex[min(i, len(self.dlatex) - 1)]

    def check_arity(self, n: int, node: str) -> None:
        ok = n >= 2 if self.arity == VARIADIC else n == self.arity
        if not ok:
            want = "two or more" if self.arity == VARIADIC else str(self.arity)
            s = "" if self.arity == 1 else "s"
            raise GraphError(f"node {node!r}: {self.name} takes {want} input{s}, got {n}", node)


REGISTRY: dict[str, Op] = {}


def register(op: Op) -> Op:
    assert op.name not in REGISTRY, op.name
    assert op.local is not None or op.vjp is not None, op.name
    REGISTRY[op.name] = op
    return op


def unbroadcast(g: Array, shape: Shape) -> Array:
    """Sum a gradient over the axes that broadcasting added or stretched, back to ``shape``.

    If x of shape (2, 1) was broadcast to (3, 2, 4), each x[i, 0] fed 3 * 4 outputs: its gradient
    is the sum of theirs (the sum over paths of the seed, done by the array).
    """
    if g.shape == shape:
        return g
    g = g.sum(axis=tuple(range(g.ndim - len(shape)))) if g.ndim > len(shape) else g
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if stretched:
        g = g.sum(axis=stretched, keepdims=True)
    return np.asarray(g, dtype=np.float64).reshape(shape)


def broadcast_shape(shapes: Sequence[Shape], _params: Params) -> Shape:
    first = shapes[0]
    if all(s == first for s in shapes):  # the common case; np.broadcast_shapes costs ~2 us
        return first
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise ShapeError(
            "shapes " + " and ".join(str(list(s)) for s in shapes) + " do not broadcast"
        ) from None


class ShapeError(ValueError):
    """Raised by a shape rule; the caller names the node."""


def _elementwise(
    name: str,
    symbol: str,
    latex: str,
    dlatex: tuple[str, ...],
    forward: Callable[..., Array],
    local: Callable[..., tuple[Array, ...]],
    arity: int,
    note: str = "",
    params: Mapping[str, float] | None = None,
) -> Op:
    """An elementwise op from ``forward(*ins, **params)`` and ``local(*ins, y, **params)``."""
    return register(
        Op(
            name=name,
            arity=arity,
            symbol=symbol,
            latex=latex,
            dlatex=dlatex,
            forward=lambda ins, p: np.asarray(forward(*ins, **p), dtype=np.float64),
            shape=broadcast_shape,
            local=lambda ins, y, p: local(*ins, y, **p),
            kind="elementwise",
            note=note,
            params=params,
        )
    )


def _one(x: Array) -> Array:
    return np.ones_like(x)


# --- elementwise, two inputs ------------------------------------------------------------------

_elementwise(
    "add", "+", "#0 + #1", ("1",),
    lambda *xs: sum(xs[1:], start=xs[0]),
    lambda *a: tuple(_one(x) for x in a[:-1]),
    arity=VARIADIC,
    note="add distributes: every input receives the upstream gradient unchanged.",
)
_elementwise(
    "sub", "−", "#0 - #1", ("1", "-1"),
    lambda a, b: a - b,
    lambda a, b, y: (_one(a), -_one(b)),
    arity=2,
)
_elementwise(
    "mul", "×", "#0 \\cdot #1", ("#1", "#0"),
    lambda a, b: a * b,
    lambda a, b, y: (b, a),
    arity=2,
    note="mul swaps: each input's local gradient is the other input's value.",
)
_elementwise(
    "div", "÷", "\\frac{#0}{#1}", ("\\frac{1}{#1}", "-\\frac{#0}{#1^2}"),
    lambda a, b: a / b,
    lambda a, b, y: (1.0 / b, -a / (b * b)),
    arity=2,
)
_elementwise(
    "pow", "^", "#0^{#1}", ("#1 \\, #0^{#1 - 1}", "#0^{#1} \\ln #0"),
    lambda a, b: np.power(a, b),
    # d/db a^b = a^b ln a is real only for a > 0; at a = 0 we take its limit 0 (for b > 0), and
    # for a < 0 it is NaN, which the engine reports (a constant exponent never asks for it).
    lambda a, b, y: (b * np.power(a, b - 1.0), np.where(a == 0, 0.0, y * np.log(np.abs(a)))
                     + np.where(a < 0, np.nan, 0.0)),
    arity=2,
    note="d/db a^b = a^b ln a is defined for a > 0 only (0 at a = 0 when b > 0).",
)
_elementwise(
    "max", "max", "\\max(#0, #1)", ("[#0 \\ge #1]", "[#0 < #1]"),
    np.maximum,
    lambda a, b, y: ((a >= b).astype(np.float64), (a < b).astype(np.float64)),
    arity=2,
    # NOTE: at a tie the whole gradient goes to the FIRST input, so max(0, x) at x = 0 gives x
    # the gradient 0, the same subgradient as relu.
    note="max routes the gradient to the larger input; at a tie, to the first input.",
)
_elementwise(
    "min", "min", "\\min(#0, #1)", ("[#0 \\le #1]", "[#0 > #1]"),
    np.minimum,
    lambda a, b, y: ((a <= b).astype(np.float64), (a > b).astype(np.float64)),
    arity=2,
    note="min routes the gradient to the smaller input; at a tie, to the first input.",
)

# --- elementwise, one input -------------------------------------------------------------------

_elementwise("neg", "−", "-#0", ("-1",), lambda a: -a, lambda a, y: (-_one(a),), arity=1)
_elementwise("identity", "id", "#0", ("1",), lambda a: a + 0.0, lambda a, y: (_one(a),), arity=1)
_elementwise("exp", "exp", "e^{#0}", ("e^{#0}",), np.exp, lambda a, y: (y,), arity=1)
_elementwise("log", "ln", "\\ln #0", ("\\frac{1}{#0}",), np.log, lambda a, y: (1.0 / a,), arity=1)
_elementwise(
    "sqrt", "√", "\\sqrt{#0}", ("\\frac{1}{2\\sqrt{#0}}",), np.sqrt,
    lambda a, y: (0.5 / y,), arity=1,
)
_elementwise(
    "abs", "|·|", "|#0|", ("\\operatorname{sign}(#0)",), np.abs,
    lambda a, y: (np.sign(a),), arity=1,
    note="subgradient 0 at 0 (sign(0) = 0).",
)
_elementwise(
    # 1 / (1 + e^-a) exactly as the seed writes it; for very negative a, e^-a overflows to inf
    # and the quotient is the correct limit 0 (the engine silences that overflow warning).
    "sigmoid", "σ", "\\sigma(#0) = \\frac{1}{1 + e^{-#0}}", ("#y(1 - #y)",),
    lambda a: 1.0 / (1.0 + np.exp(-a)),
    lambda a, y: (y * (1.0 - y),), arity=1,
)
_elementwise(
    "tanh", "tanh", "\\tanh #0", ("1 - #y^2",), np.tanh,
    lambda a, y: (1.0 - y * y,), arity=1,
)
_elementwise(
    "relu", "ReLU", "\\max(0, #0)", ("[#0 > 0]",),
    lambda a: np.maximum(a, 0.0),
    lambda a, y: ((a > 0).astype(np.float64),), arity=1,
    # NOTE: relu'(0) is taken as 0, as in PyTorch and JAX.
    note="subgradient 0 at 0.",
)
_elementwise(
    "leaky_relu", "LReLU", "\\max(\\alpha #0, #0)", ("[#0 > 0] + \\alpha [#0 \\le 0]",),
    lambda a, alpha: np.where(a > 0, a, alpha * a),
    lambda a, y, alpha: (np.where(a > 0, 1.0, alpha),), arity=1,
    note="derivative alpha at 0 (the left side).", params={"alpha": 0.01},
)
_elementwise(
    "elu", "ELU", "\\begin{cases} #0 & #0 > 0 \\\\ \\alpha (e^{#0} - 1) & #0 \\le 0 \\end{cases}",
    ("\\begin{cases} 1 & #0 > 0 \\\\ #y + \\alpha & #0 \\le 0 \\end{cases}",),
    lambda a, alpha: np.where(a > 0, a, alpha * np.expm1(np.minimum(a, 0.0))),
    # for a <= 0, d/da alpha (e^a - 1) = alpha e^a = y + alpha
    lambda a, y, alpha: (np.where(a > 0, 1.0, y + alpha),), arity=1,
    note="derivative alpha at 0 (the left side; equal to 1 when alpha = 1).",
    params={"alpha": 1.0},
)
