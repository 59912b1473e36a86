"""Elementwise ops: each output element depends on the same element of each input (broadcast).

Each is written as ``forward(*ins, **params)`` and ``partials(*ins, y, **params)``, one partial
derivative d y / d in_i per input, broadcastable to the output's shape; the op's VJP is built
from them (:func:`app.graph.ops.core.downstream`), and they stay on the op for display.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from app.graph.ops import careful
from app.graph.ops.core import (
    VARIADIC,
    Array,
    Convention,
    Ins,
    Op,
    Params,
    Where,
    broadcast_shape,
    downstream,
    register,
)


def _elementwise(
    name: str,
    category: str,
    symbol: str,
    noun: str,
    text: str,
    latex: str,
    dlatex: tuple[str, ...],
    forward: Callable[..., Array],
    partials: Callable[..., tuple[Array, ...]],
    *,
    arity: int,
    operator: str | None = None,
    gate: str | None = None,
    exact: bool = False,
    note: str = "",
    conventions: tuple[Convention, ...] = (),
    piece: Where | None = None,
    dtext: tuple[str, ...] = (),
    params: Mapping[str, float] | None = None,
) -> Op:
    """Register an elementwise op; ``exact``: it is a fixed composition of correctly rounded
    IEEE-754 operations (+ - * /, sqrt, comparison, select, sign), so a numpy call on a vector
    gives each element bit for bit its scalar result (the levelized executor relies on it)."""

    def parts(ins: Ins, y: Array, p: Params) -> tuple[Array, ...]:
        return tuple(partials(*ins, y, **p))

    def vjp(g: Array, ins: Ins, y: Array, p: Params) -> tuple[Array, ...]:
        return tuple(downstream(g, d, x.shape) for d, x in zip(parts(ins, y, p), ins, strict=True))

    def fwd(ins: Ins, p: Params) -> Array:
        return np.asarray(forward(*ins, **p), dtype=np.float64)

    return register(Op(
        name=name, arity=arity, category=category, symbol=symbol, noun=noun, text=text,
        latex=latex, forward=fwd, shape=broadcast_shape, vjp=vjp, partials=parts, dlatex=dlatex,
        operator=operator, function=operator is None and name != "identity", gate=gate,
        exact_vectorized=exact, note=note, conventions=conventions, piece=piece, dtext=dtext,
        params=params,
    ))


def _one(x: Array) -> Array:
    return np.ones_like(x)


def _sign(ins: Ins, _p: Params) -> Array:
    """The piece of a function with one kink, at 0: -1, 0 at the kink, 1."""
    return np.sign(ins[0])


def _order(ins: Ins, _p: Params) -> Array:
    """The piece of max and min: which input is larger; 0 at a tie."""
    return np.sign(ins[0] - ins[1])


_AT_ZERO = "x = 0"


# --- arithmetic, two inputs -------------------------------------------------------------------

_elementwise(
    "add", "arithmetic", "+", "the sum", "{0} + {1}", "#0 + #1", ("1",),
    careful.add, lambda *a: tuple(_one(x) for x in a[:-1]),
    arity=VARIADIC, operator="a + b", gate="add-distributes", exact=True,
    note="add distributes: every input receives the upstream gradient unchanged.",
)
_elementwise(
    "sub", "arithmetic", "−", "the difference", "{0} − {1}", "#0 - #1", ("1", "-1"),
    lambda a, b: a - b, lambda a, b, y: (_one(a), -_one(b)),
    arity=2, operator="a - b", exact=True,
)
_elementwise(
    "mul", "arithmetic", "×", "the product", "{0}·{1}", "#0 \\cdot #1", ("#1", "#0"),
    lambda a, b: a * b, lambda a, b, y: (b, a),
    arity=2, operator="a * b", gate="mul-swaps", exact=True,
    note="mul swaps: each input's local gradient is the other input's value.",
)
_elementwise(
    "div", "arithmetic", "÷", "the quotient", "{0}/{1}", "\\frac{#0}{#1}",
    ("\\frac{1}{#1}", "-\\frac{#0}{#1^2}"),
    lambda a, b: a / b, careful.div_partials,
    arity=2, operator="a / b", exact=True, dtext=("1/{1}", "−{0}/{1}²"),
    note="d/db a/b = -a/b² is computed as -(a/b)/b where b² would overflow or underflow.",
)
_elementwise(
    "pow", "arithmetic", "^", "the power", "{0}^{1}", "#0^{#1}",
    ("#1 \\, #0^{#1 - 1}", "#0^{#1} \\ln #0"),
    np.power, careful.pow_partials,
    arity=2, operator="a ** b", dtext=("{1}·{0}^({1} − 1)", "{0}^{1}·ln {0}"),
    note="a^b for a > 0, or any a with an integer b.",
    conventions=(
        Convention("a = 0, b = 0", "0^0 = 1, and d/da a^0 = 0: the derivative of the "
                   "constant 1 (as in PyTorch), not b a^(b-1) = 0 · ∞",
                   lambda ins, _p: (ins[0] == 0) & (ins[1] == 0)),
        Convention("a = 0", "d/db a^b = a^b ln a is taken as 0 at a = 0: its limit for "
                   "b > 0 (PyTorch's value at b = 0 too)", lambda ins, _p: ins[0] == 0),
        Convention("a < 0", "a^b with a < 0 needs an integer b, and its derivative in b, "
                   "a^b ln a, is undefined", lambda ins, _p: ins[0] < 0),
    ),
)
_elementwise(
    "max", "arithmetic", "max", "", "max({0}, {1})", "\\max(#0, #1)",
    ("[#0 \\ge #1]", "[#0 < #1]"),
    np.maximum, lambda a, b, y: ((a >= b).astype(np.float64), (a < b).astype(np.float64)),
    arity=2, gate="max-routes", exact=True, piece=_order,
    note="max routes the gradient to the larger input.",
    # max(0, x) at x = 0 then gives x the gradient 0, the same subgradient as relu
    conventions=(Convention("a tie a = b", "the whole gradient goes to the first input",
                            lambda ins, _p: ins[0] == ins[1]),),
)
_elementwise(
    "min", "arithmetic", "min", "", "min({0}, {1})", "\\min(#0, #1)",
    ("[#0 \\le #1]", "[#0 > #1]"),
    np.minimum, lambda a, b, y: ((a <= b).astype(np.float64), (a > b).astype(np.float64)),
    arity=2, gate="max-routes", exact=True, piece=_order,
    note="min routes the gradient to the smaller input.",
    conventions=(Convention("a tie a = b", "the whole gradient goes to the first input",
                            lambda ins, _p: ins[0] == ins[1]),),
)

# --- one input --------------------------------------------------------------------------------

_elementwise(
    "neg", "arithmetic", "−", "", "−{0}", "-#0", ("-1",),
    lambda a: -a, lambda a, y: (-_one(a),), arity=1, operator="-a", exact=True,
)
_elementwise(
    "identity", "activation", "id", "", "{0}", "#0", ("1",),
    lambda a: a + 0.0, lambda a, y: (_one(a),), arity=1, exact=True,
    note="a copy: a = x names x's value; the identity activation of a network's output layer.",
)
_elementwise(
    "exp", "arithmetic", "exp", "", "exp({0})", "e^{#0}", ("e^{#0}",),
    np.exp, lambda a, y: (y,), arity=1,
)
_elementwise(
    "log", "arithmetic", "ln", "", "ln({0})", "\\ln #0", ("\\frac{1}{#0}",),
    np.log, lambda a, y: (1.0 / a,), arity=1, dtext=("1/{0}",),
    note="the natural logarithm.",
    conventions=(Convention("x <= 0", "ln x is defined for x > 0 only (it tends to -∞ at 0)",
                            lambda ins, _p: ins[0] <= 0),),
)
_elementwise(
    "sqrt", "arithmetic", "√", "", "√({0})", "\\sqrt{#0}", ("\\frac{1}{2\\sqrt{#0}}",),
    np.sqrt, lambda a, y: (0.5 / y,), arity=1, exact=True, dtext=("1/(2√{0})",),
    conventions=(Convention(_AT_ZERO, "√0 = 0, but the derivative 1/(2√x) is infinite there",
                            lambda ins, _p: ins[0] == 0),),
)
_elementwise(
    "abs", "arithmetic", "|·|", "", "|{0}|", "|#0|", ("\\operatorname{sign}(#0)",),
    np.abs, lambda a, y: (np.sign(a),), arity=1, exact=True, piece=_sign,
    conventions=(Convention(_AT_ZERO, "the derivative is taken as 0 (sign(0) = 0)",
                            lambda ins, _p: ins[0] == 0),),
)
_elementwise(
    "sigmoid", "activation", "σ", "", "σ({0})", "\\sigma(#0) = \\frac{1}{1 + e^{-#0}}",
    ("#y(1 - #y)",),
    careful.sigmoid, lambda a, y: (careful.sigmoid_partial(a, y),), arity=1,
    note="computed as 1/(1 + e^-x) for x >= 0 and e^x/(1 + e^x) below; the derivative "
    "y(1 - y) as σ(x)σ(-x), which keeps its tail (1 - y rounds to 0 beyond x = 37).",
)
_elementwise(
    "tanh", "activation", "tanh", "", "tanh({0})", "\\tanh #0", ("1 - #y^2",),
    np.tanh, lambda a, y: (careful.tanh_partial(a),), arity=1,
    note="the derivative 1 - y² is computed as (1/cosh x)², which keeps its tail (1 - y² "
    "rounds to 0 beyond |x| = 19).",
)
_elementwise(
    "relu", "activation", "ReLU", "", "ReLU({0})", "\\max(0, #0)", ("[#0 > 0]",),
    lambda a: np.maximum(a, 0.0), lambda a, y: ((a > 0).astype(np.float64),),
    arity=1, gate="max-routes", exact=True, piece=_sign,
    conventions=(Convention(_AT_ZERO, "the derivative is taken as 0, as in PyTorch and JAX",
                            lambda ins, _p: ins[0] == 0),),
)
_elementwise(
    "leaky_relu", "activation", "LReLU", "", "LReLU({0})", "\\max(\\alpha #0, #0)",
    ("[#0 > 0] + \\alpha [#0 \\le 0]",),
    lambda a, alpha: np.where(a > 0, a, alpha * a),
    lambda a, y, alpha: (np.where(a > 0, 1.0, alpha),), arity=1, exact=True, piece=_sign,
    params={"alpha": 0.01},
    conventions=(Convention(_AT_ZERO, "the derivative is taken as alpha (the left side)",
                            lambda ins, _p: ins[0] == 0),),
)
_elementwise(
    "elu", "activation", "ELU", "", "ELU({0})",
    "\\begin{cases} #0 & #0 > 0 \\\\ \\alpha (e^{#0} - 1) & #0 \\le 0 \\end{cases}",
    ("\\begin{cases} 1 & #0 > 0 \\\\ \\alpha e^{#0} & #0 \\le 0 \\end{cases}",),
    lambda a, alpha: np.where(a > 0, a, alpha * np.expm1(np.minimum(a, 0.0))),
    lambda a, y, alpha: (careful.elu_partial(a, alpha),), arity=1, piece=_sign,
    params={"alpha": 1.0},
    note="the derivative alpha e^x is computed as such (y + alpha cancels for x << 0).",
    conventions=(Convention(_AT_ZERO, "the derivative is taken as alpha (the left side; "
                            "with alpha = 1 both sides agree)", lambda ins, _p: ins[0] == 0),),
)
